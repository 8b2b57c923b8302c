"""The CCL requirements of 742.6 for advanced computing items, by family: .a/.b-level ICs and computers
(742.6(a)(6), with the UAE approved-entity regime of Supp. 8 to Part 740 and the D:5/Macau HQ rules of
744.23(a)(3) and 742.6(a)(6)(iii)(A)), HBM (742.6(a)(6)(i)(B), 744.23(a)(3)(i)(B)) and model weights
(742.6(a)(13)). The review policy of a .a/.b requirement is ``policy.ccl_ab``'s."""

from __future__ import annotations

from exportgate.determine import policy
from exportgate.determine.state import State
from exportgate.rules import Mode


def requirements(state: State) -> None:
    kind = state.item.kind
    if kind in ("a", "b"):
        ab(state, kind)
    elif kind == "hbm":
        hbm(state)
    elif kind == "weights":
        weights(state)


def supp8_approved(state: State) -> bool:
    ctx, eu = state.trace, state.case.end_user
    if eu.supp8_entity is None:
        state.say("the end user is not identified as a Supp. 8 approved UAE entity (end_user.supp8_entity)")
        return False
    approved = ctx.resolve("uae.supp8.approved")
    if eu.supp8_entity not in (approved.value or []):
        state.say(f"{eu.supp8_entity} is not an approved Supp. 8 entity on {ctx.as_of}", approved)
        return False
    if state.located != state.dest:
        state.say(f"{eu.supp8_entity} is approved, but the end user is located in {state.located}, not {state.dest}", approved)
        return False
    state.say(f"{eu.supp8_entity} is an approved UAE entity in Supp. 8 to Part 740 on {ctx.as_of}", approved)
    state.cond("the ultimate consignee and all end users must be Supp. 8 approved UAE entities (742.6(a)(6)(iii)(B))")
    return True


def _supp8_quiet(state: State) -> bool:
    approved = state.trace.get("uae.supp8.approved") or []
    return state.case.end_user.supp8_entity in approved and state.located == state.dest


def ab(state: State, level: str) -> None:
    ctx = state.trace
    licensed = ctx.resolve("scope.destinations")
    lset = licensed.value or frozenset()
    state.licensed_set = lset
    in_set = state.dest in lset
    worldwide = ctx.resolve("scope.a_level.worldwide") if level == "a" else None
    named = ctx.resolve("scope.named.countries")
    hq_r = ctx.resolve("scope.hq.destinations")
    state.hq_hit = state.hq_in(hq_r.value or frozenset())
    found = False
    if in_set:
        state.say(
            f"742.6(a)(6): {state.dest} is in the licence set for .{level}-level items on {ctx.as_of} "
            f"({len(lset)} destinations)",
            licensed,
        )
        state.require("destination", "742", "742.6(a)(6)", licensed, None)
        found = True
    else:
        state.say(f"{state.dest} is not in the destination licence set on {ctx.as_of}", licensed)
    ww_applies = worldwide is not None and bool(worldwide.value)
    if not found and not ww_applies and state.dest in (named.value or []):
        state.say(
            f"742.6(a)(6)(iii)(B): {state.dest} is named: licence required unless the consignee and end users are "
            "Supp. 8 approved",
            named,
        )
        if supp8_approved(state):
            state.say("no licence required under the UAE approved-entity regime (Supp. 8 to Part 740)", named)
        else:
            state.require("named", "742", "742.6(a)(6)(iii)(B)", named, None)
            found = True
    if not found and worldwide is not None and worldwide.value:
        if state.dest in (named.value or []) and _supp8_quiet(state):
            state.say("742.6(a)(6)(iii)(A) worldwide requirement lifted for Supp. 8 approved UAE entities", worldwide)
        else:
            state.say(
                f"742.6(a)(6)(iii)(A) ({ctx.mode.value} mode): .a-level items need a licence to all destinations",
                worldwide,
            )
            state.require("worldwide", "742", "742.6(a)(6)(iii)(A)", worldwide, None)
            found = True
    elif worldwide is not None and not found:
        state.say(
            f"the AI Diffusion worldwide .a requirement is not applied in {ctx.mode.value} mode on {ctx.as_of}",
            worldwide,
        )
    if state.hq_hit:
        if not in_set:
            state.say(
                f"HQ rule: {state.hq_hit} is in D:5 or Macau: licence required wherever the entity is located",
                hq_r,
            )
            state.require("hq", "744", "HQ rule", hq_r, None)
        else:
            state.say(f"HQ rule: {state.hq_hit} is in D:5 or Macau (the destination is already licensed)", hq_r)
    elif hq_r.value is None:
        state.say(f"the D:5/Macau HQ rule is not in force on {ctx.as_of}", hq_r)
    elif state.hq is None and state.parent is None:
        state.cond(
            "confirm the end user and its ultimate parent are not headquartered in D:5 or Macau "
            "(744.23(a)(3); 742.6(a)(6)(iii)(A))"
        )
    if state.requirements and any(r.part == "742" or r.basis == "hq" for r in state.requirements):
        state.ccl_policy = policy.ccl_ab(state)


def hbm(state: State) -> None:
    ctx = state.trace
    dests = ctx.resolve("scope.hbm.destinations")
    hq_set = ctx.resolve("scope.hbm.hq_destinations")
    state.hq_hit = state.hq_in(hq_set.value or frozenset())
    not_hq = ctx.resolve("policy.hbm.not_hq")
    hq_pol = ctx.resolve("policy.hbm.hq")
    if state.dest in (dests.value or frozenset()):
        pol = hq_pol.value if state.hq_hit else not_hq.value
        state.say(
            f"742.6(a)(6)(i)(B): 3A090.c to {state.dest} (Macau/D:5): licence required; 742.6(b)(10)(ii): "
            f"{'entity HQ in D:5/Macau' if state.hq_hit else 'entity not HQ in D:5/Macau'}: review policy {pol}",
            dests,
            hq_pol if state.hq_hit else not_hq,
        )
        state.require("hbm", "742", "742.6(a)(6)(i)(B)", dests, str(pol))
        if not state.hq_hit and state.hq is None and state.parent is None:
            state.cond("presumption of approval only if the end user is not headquartered in D:5/Macau (give end_user.hq)")
    elif state.hq_hit:
        state.say(
            f"744.23(a)(3)(i)(B): 3A090.c outside Macau/D:5 for an entity whose {state.hq_hit} is in D:5/Macau: "
            f"licence required; review policy {hq_pol.value} (744.23(d))",
            hq_set,
            hq_pol,
        )
        state.require("hbm_hq", "744", "744.23(a)(3)(i)(B)", hq_set, str(hq_pol.value))
    else:
        state.say(
            f"3A090.c to {state.dest}: not Macau/D:5 and no D:5/Macau-HQ end user: no licence on the CCL basis "
            "(Note 1 to 740.2(a)(9)(ii): NLR to D:1/D:4 destinations not in D:5)",
            dests,
            hq_set,
        )


def weights(state: State) -> None:
    ctx = state.trace
    ww = ctx.resolve("scope.model_weights.worldwide")
    if not ww.value:
        state.say(f"4E091 licence requirement not in force on {ctx.as_of}", ww)
        return
    supp5a = ctx.resolve("policy.supp5a.countries")
    hq = state.hq or state.located
    hq_in = hq in (supp5a.value or []) and (state.parent is None or state.parent in (supp5a.value or []))
    pol = ctx.resolve("policy.model_weights.supp5a_hq" if hq_in else "policy.model_weights.non_supp5a_hq")
    state.say(
        f"742.6(a)(13): 4E091 model weights need a licence to all destinations ({ctx.mode.value} mode); "
        f"742.6(b)(14): end user HQ {hq} {'in' if hq_in else 'outside'} Supp. 5(a): review policy {pol.value}",
        ww,
        supp5a,
        pol,
    )
    if ctx.mode is Mode.ENFORCED:
        state.cond(
            "BIS has not said whether it enforces 4E091 after 2025-05-13: treated as required (deny by default); "
            "confirm with BIS"
        )
    state.require("weights", "742", "742.6(a)(13)", ww, str(pol.value))
