"""Restricted parties: the Entity List (744.11), the MEU List (Supp. 7 to Part 744, read with 744.21 in
``part744``), the Unverified List (744.15) and denial orders (764.3), as confirmed hits on any party to the
transaction (purchaser, intermediate consignee, ultimate consignee, end user: 748.5(c)-(f)); each list's effect
comes from ``enduse.party_lists``. Is-informed letters (fact sheet 2.10) are party-level overrides."""

from __future__ import annotations

from exportgate.determine.model import PartyHit
from exportgate.determine.state import PartyView, State, flagged, matches, policy_id


def restricted_parties(state: State) -> None:
    ctx = state.trace
    affiliated = {id(p): affiliate_hits(state, p) for p in state.parties if p.facts.owners}
    if not any(p.facts.restricted_party_hits or affiliated.get(id(p)) for p in state.parties):
        return
    lists = ctx.resolve("enduse.party_lists")
    for party in state.parties:
        hits = [(hit, party.label, "entity_list") for hit in party.facts.restricted_party_hits]
        hits += [(hit, f"{party.label}, by the Affiliates rule,", "affiliates_rule")
                 for hit in affiliated.get(id(party), [])]
        for hit, who, basis in hits:
            spec = dict(lists.value[hit.list])
            if not state.subject_to_ear:
                state.say(f"{who} is on the {hit.list}, but the item is not subject to the EAR (see above)")
                continue
            effect = spec["effect"]
            cite = flagged(str(spec["cite"]), lists)
            if effect == "prohibited":
                state.say(
                    f"{who} is a denied person ({hit.list}): participation prohibited without BIS authorization "
                    f"({spec['cite']})",
                    lists,
                )
                req = state.require("dpl", "764", "denial order", cite, hit.license_policy, exceptions=())
                state.prohibit(req, hit.license_policy or state.prohibited_policy)
            elif not state.exporting:
                state.say(
                    f"{who} is on the {hit.list}: its licence requirement applies to exports, reexports and "
                    f"transfers, not to a {state.case.transaction} ({spec['cite']}); GP10 applies with knowledge "
                    "of a violation",
                    lists,
                )
            elif effect == "no_exceptions":
                state.say(f"{who} is on the {hit.list}: licence exceptions are not available ({spec['cite']})", lists)
                state.no_exceptions_reason = f"{hit.list} party ({spec['cite']})"
            elif effect == "military_end_user":
                state.say(
                    f"{who} is on the MEU List (Supp. 7 to Part 744), a party to the transaction (748.5(c)-(f)): a "
                    f"military end user under 744.21 (the items of Supp. 2 to Part 744; see the end-use step) "
                    f"({spec['cite']})",
                    lists,
                )
            else:  # the Entity List: a licence for all items subject to the EAR
                default = ctx.resolve("enduse.entity_list.default_policy")
                policy = policy_id(hit.license_policy) or str(default.value)
                fn = f", footnote {hit.footnote}" if hit.footnote is not None else ""
                state.say(
                    f"{who} is on the Entity List{fn}, a party to the transaction: licence required for all items "
                    f"subject to the EAR, no licence exceptions; review policy of the entry: {policy} (744.11)",
                    lists,
                    default,
                )
                provision = "Entity List (744.11)" if basis == "entity_list" else "Entity List (744.11), Affiliates rule"
                state.require(basis, "744", provision, cite, policy, exceptions=())


def informed(state: State) -> None:
    """An is-informed letter attached to a party: a licence for the items and destinations it names, no licence
    exceptions, from its date; it binds the parties it names only."""
    letters = [(p, letter) for p in state.parties for letter in p.facts.informed]
    if not letters:
        return
    ctx = state.trace
    spec = ctx.resolve("enduse.informed")
    c = state.item.classification
    for party, letter in letters:
        ref = f"is-informed letter {letter.reference} of {letter.date}"
        if letter.date > ctx.as_of:
            state.say(f"{party.label}: {ref} is dated after the transaction ({ctx.as_of}): not yet informed", spec)
            continue
        if letter.eccns and c is not None and not matches(c, list(letter.eccns)):
            state.say(f"{party.label}: {ref} names {', '.join(letter.eccns)}, not {c}", spec)
            continue
        if letter.destinations and not ({state.dest, state.located} & set(letter.destinations)):
            state.say(f"{party.label}: {ref} names {', '.join(letter.destinations)}, not {state.dest}", spec)
            continue
        policy = policy_id(letter.license_policy)
        state.say(
            f"{party.label} — {ref} (a party-level override; it binds the parties it names): \"{letter.text}\" — "
            f"licence required, no licence exceptions" + (f"; review policy {policy}" if policy else ""),
            spec,
        )
        state.require("informed", "744", f"is-informed letter {letter.reference}", spec, policy,
                      exceptions=tuple(spec.value.get("exceptions") or ()))


def affiliate_hits(state: State, party: PartyView) -> list[PartyHit]:
    """The Affiliates rule (90 FR 47201): a party owned ``enduse.affiliates_rule.threshold`` (50%) or more,
    together, by owners confirmed on one of ``enduse.affiliates_rule.lists`` is subject to that list's
    restrictions — read as a hit on the list, on the entry of its largest listed owner. An ultimate parent
    (no share) controls the party. While the rule is not in force (its stay), a condition says so."""
    ctx = state.trace
    threshold = ctx.resolve("enduse.affiliates_rule.threshold")
    covered = ctx.resolve("enduse.affiliates_rule.lists")
    listed: dict[str, list[tuple[float, str, PartyHit]]] = {}
    for owner in party.facts.owners:
        for hit in owner.restricted_party_hits:
            if hit.list in (covered.value or []):
                listed.setdefault(hit.list, []).append((owner.share if owner.share is not None else 1.0, owner.name, hit))
    out: list[PartyHit] = []
    for lst, owners in listed.items():
        share = min(sum(s for s, _, _ in owners), 1.0)
        names = ", ".join(f"{n} ({'ultimate parent' if s >= 1.0 else f'{s:.0%}'})" for s, n, _ in owners)
        if threshold.value is None:
            state.say(
                f"{party.label} is owned by {names}, on the {lst}; the Affiliates rule is not in force on {ctx.as_of}",
                threshold,
            )
            state.cond(
                f"{party.label}: owned by {names} on the {lst}: the Affiliates rule (90 FR 47201) does not apply on "
                f"{ctx.as_of}; confirm the ownership before the rule applies again"
            )
            continue
        if share < float(threshold.value):
            state.say(
                f"{party.label} is owned {share:.0%} by parties on the {lst} ({names}): below the Affiliates rule's "
                f"{float(threshold.value):.0%}",
                threshold,
                covered,
            )
            continue
        largest = max(owners, key=lambda o: o[0])[2]
        state.say(
            f"{party.label} is owned {share:.0%} by parties on the {lst} ({names}): the Affiliates rule applies the "
            f"{lst}'s restrictions to it (owned {float(threshold.value):.0%} or more)",
            threshold,
            covered,
        )
        out.append(largest.model_copy(update={"name": f"{party.label}, owned by {names}"}))
    return out
