"""Part 744 end-use and end-user controls: military end uses and users (744.21/744.22), WMD (744.2-744.4),
and the supercomputer and advanced-node IC end uses of 744.23(a)(1)-(2). (The 744.23(a)(3) HQ rules are
read with the CCL requirement, in ``ccl``.)"""

from __future__ import annotations

from exportgate.determine.state import State, matches


def end_uses(state: State) -> None:
    military(state)
    wmd(state)
    supercomputer_and_advanced_node(state)


def _places(state: State) -> set[str]:
    return {c for c in (state.dest, state.located) if c}


def military(state: State) -> None:
    ctx, eu, use = state.trace, state.case.end_user, state.case.end_use
    if not (bool(eu.military_or_intel) or bool(use.military)):
        return
    places = _places(state)
    mset = ctx.resolve("enduse.military.destinations")
    inside = sorted(places & set(mset.value or ()))
    if inside:
        policy = ctx.resolve("enduse.military.policy")
        state.say(
            f"military or military-intelligence end user/end use in {', '.join(inside)}: licence required "
            f"(744.21/744.22), no licence exceptions (740.8(b)); review policy {policy.value}",
            mset,
            policy,
        )
        state.require("military", "744", "military end use/user", mset, str(policy.value), exceptions=())
    else:
        state.say(
            "military or military-intelligence end user/end use outside the destinations of the rule data "
            f"({', '.join(sorted(places))}): no 744.21/744.22 requirement found",
            mset,
        )
        state.cond("military end user/end use known: confirm no other Part 744 requirement applies")


def wmd(state: State) -> None:
    if not state.case.end_use.wmd:
        return
    policy = state.trace.resolve("enduse.wmd.policy")
    state.say(
        f"WMD end use known: licence required for any item to any destination (744.2-744.4); review policy {policy.value}",
        policy,
    )
    state.require("wmd", "744", "WMD end use", policy, str(policy.value), exceptions=())


def supercomputer_and_advanced_node(state: State) -> None:
    ctx, use = state.trace, state.case.end_use
    if not (use.supercomputer or use.advanced_node_ic_production):
        return
    dests = ctx.resolve("enduse.744_23.destinations")
    inside = sorted(_places(state) & set(dests.value or ()))
    policy = ctx.resolve("policy.end_use_744_23")
    #: 744.23(c): the licence exceptions that may overcome an (a)(1)/(a)(2) requirement (none, today)
    allowed = ctx.resolve("enduse.744_23.exceptions_allowed")
    overcome_by = tuple(str(e) for e in allowed.value or ())
    if use.supercomputer:
        if not inside:
            state.say(f"supercomputer end use outside the 744.23(a)(1) destinations on {ctx.as_of}: no 744.23 requirement", dests)
        else:
            all_items = ctx.resolve("enduse.744_23.supercomputer.all_items")
            eccns = ctx.resolve("enduse.744_23.supercomputer.eccns")
            c = state.item.classification
            covered = bool(all_items.value) or (c is not None and matches(c.split(".")[0], list(eccns.value)))
            if covered:
                scope = "any item subject to the EAR" if all_items.value else f"{c} (ICs/computers in {', '.join(eccns.value)})"
                state.say(
                    f"744.23(a)(1): supercomputer in {', '.join(inside)}; item scope covers {scope}: licence "
                    f"required, {_exceptions_text(overcome_by)} (744.23(c)); review policy {policy.value}",
                    dests,
                    all_items,
                    eccns,
                    policy,
                    allowed,
                )
                state.require("supercomputer", "744", "744.23(a)(1)", dests, str(policy.value), exceptions=overcome_by)
            else:
                state.say(
                    f"744.23(a)(1): supercomputer in {', '.join(inside)}, but {c or 'the item'} is outside the "
                    f"narrowed item scope ({', '.join(eccns.value)}): no 744.23(a)(1) requirement",
                    all_items,
                    eccns,
                )
    if use.advanced_node_ic_production:
        if inside:
            all_items = ctx.resolve("enduse.744_23.advanced_node.all_items")
            state.say(
                f"744.23(a)(2)(i): IC development or production at an advanced-node facility in {', '.join(inside)}: "
                f"licence required for any item subject to the EAR, {_exceptions_text(overcome_by)} (744.23(c)); "
                f"review policy {policy.value}",
                dests,
                all_items,
                policy,
                allowed,
            )
            state.require("advanced_node", "744", "744.23(a)(2)", dests, str(policy.value), exceptions=overcome_by)
        else:
            state.say(f"advanced-node IC production outside the 744.23(a)(2) destinations on {ctx.as_of}: no 744.23 requirement", dests)


def _exceptions_text(overcome_by: tuple[str, ...]) -> str:
    if not overcome_by:
        return "no licence exceptions"
    return "licence exceptions " + ", ".join(overcome_by) + " only"
