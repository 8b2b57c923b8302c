"""Part 744 end-use and end-user controls: military end uses and users (744.21/744.22, by country, on every
party to the transaction), WMD (744.2-744.4),
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


def _supp2(state: State) -> tuple[bool, str]:
    """Is the item listed in Supp. 2 to Part 744 (by ECCN; paragraph-limited entries need confirming)?"""
    supp2 = state.trace.resolve("enduse.744_21.supp2")
    c = state.item.classification
    if c is None:
        state.cond("confirm the item's ECCN is not listed in Supp. 2 to Part 744 (744.21(a)(1))")
        return True, "the item's ECCN is not known: taken as listed in Supp. 2 to Part 744 (deny by default)"
    eccn = c.split(".")[0].upper()
    if eccn not in supp2.value["eccns"]:
        return False, f"{c} is not listed in Supp. 2 to Part 744"
    if eccn in supp2.value["paragraph_limited"]:
        state.cond(f"Supp. 2 to Part 744 lists only some paragraphs of {eccn}: confirm {c} is one")
    return True, f"{c} is listed in Supp. 2 to Part 744 ({eccn})"


def military(state: State) -> None:
    """744.21 (military end uses and end users) and 744.22 (military-intelligence), by country: (a)(1) Burma,
    Cambodia, China, Nicaragua, Venezuela — only Supp. 2 items; (a)(2) Russia, Belarus — any item; outside
    them, only MEU-List parties ((a)(1) items) and Entity List footnote 3 parties ((a)(2)); 744.22 any item in
    its own countries. Each party to the transaction is read; the end use at the destination too."""
    use = state.case.end_use
    for p in state.parties:
        if p.facts.military_or_intel:
            state.say(
                f"{p.label}: military_or_intel given — read as both military_end_user (744.21) and "
                "military_intelligence_end_user (744.22) where those are not given (input alias)"
            )
    subjects: list[tuple[str, set[str], str]] = []  # (who, places, listed: "" | "meu" | "fn3")
    for p in state.parties:
        meu = any(h.list == "meu" for h in p.facts.restricted_party_hits)
        fn3 = any(h.list == "entity_list" and h.footnote == 3 for h in p.facts.restricted_party_hits)
        if p.military or meu or fn3:
            subjects.append((f"military end user {p.label}", {p.located}, "meu" if meu else ("fn3" if fn3 else "")))
    if use.military:
        subjects.append(("military end use", _places(state), ""))
    done: set[str] = set()
    for who, places, listed in subjects:
        _744_21(state, who, places, listed, done)
    mi = [(f"military-intelligence end user {p.label}", {p.located}) for p in state.parties if p.military_intelligence]
    if use.military_intelligence:
        mi.append(("military-intelligence end use", _places(state)))
    for who, places in mi:
        _744_22(state, who, places, done)


def _744_21(state: State, who: str, places: set[str], listed: str, done: set[str]) -> None:
    ctx = state.trace
    a1 = ctx.resolve("enduse.744_21.a1_countries")
    a2 = ctx.resolve("enduse.744_21.a2_countries")
    pol = ctx.resolve("enduse.744_21.policy")
    exc = ctx.resolve("enduse.744_21.exceptions")
    allowed = tuple(str(e) for e in exc.value or ())
    in_a2 = sorted(places & set(a2.value or ()))
    in_a1 = sorted(places & set(a1.value or ()))
    if in_a2 or listed == "fn3":
        where = ", ".join(in_a2) if in_a2 else "outside Russia/Belarus, an Entity List footnote 3 entry"
        policy = str(pol.value["a2"])
        why = ""
        if state.case.item_category in ("food", "medicine") and state.item.classification == "EAR99":
            fm = ctx.resolve("enduse.744_21.policy_a2_food_medicine")
            policy, why = str(fm.value), " (EAR99 food and medicine: case-by-case; denial for the SVR, FSB and GRU)"
            ctx.cite(fm)
        if "744.21(a)(2)" in done:
            return
        done.add("744.21(a)(2)")
        outside = ctx.resolve("enduse.744_21.outside") if not in_a2 else None
        state.say(
            f"744.21(a)(2): {who} ({where}): licence required for any item subject to the EAR (EAR99 included); "
            f"only License Exception {', '.join(allowed)} (744.21(c)); review policy {policy}{why} (744.21(e))",
            a2, pol, exc, *((outside,) if outside else ()),
        )
        state.require("military", "744", "744.21(a)(2)", a2, policy, exceptions=allowed)
        return
    if in_a1 or listed == "meu":
        listed_ok, why = _supp2(state)
        supp2 = ctx.resolve("enduse.744_21.supp2")
        where = ", ".join(in_a1) if in_a1 else "a party on the MEU List (Supp. 7 to Part 744)"
        if not listed_ok:
            state.say(f"744.21(a)(1): {who} ({where}), but {why}: no 744.21 licence requirement", a1, supp2)
            return
        key = "744.21(a)(1)"
        if key in done:
            return
        done.add(key)
        if listed == "meu" and not in_a1:
            mp = ctx.resolve("enduse.meu_list.policy")
            state.say(
                f"744.21 and Supp. 7 to Part 744: {who} is on the MEU List, a party to the transaction "
                f"(748.5(c)-(f)); {why}: licence required; only License Exception {', '.join(allowed)} "
                f"(744.21(c)); review policy {mp.value}",
                supp2, exc, mp,
            )
            state.require("meu", "744", "744.21; Supp. 7 to Part 744 (MEU List)", supp2, str(mp.value), exceptions=allowed)
            return
        state.say(
            f"744.21(a)(1): {who} in {where}; {why}: licence required; only License Exception "
            f"{', '.join(allowed)} (744.21(c)); review policy {pol.value['a1']} (744.21(e))",
            a1, supp2, pol, exc,
        )
        state.require("military", "744", key, a1, str(pol.value["a1"]), exceptions=allowed)
        return
    outside = ctx.resolve("enduse.744_21.outside")
    state.say(
        f"{who} in {', '.join(sorted(places))}: outside the 744.21 countries ({', '.join(a1.value)}; "
        f"{', '.join(a2.value)}) and not on the MEU List or an Entity List footnote 3 entry: no 744.21 requirement",
        a1, a2, outside,
    )
    state.cond("military end user/end use known: confirm no other Part 744 requirement applies")


def _744_22(state: State, who: str, places: set[str], done: set[str]) -> None:
    ctx = state.trace
    countries = ctx.resolve("enduse.744_22.countries")
    pol = ctx.resolve("enduse.744_22.policy")
    exc = ctx.resolve("enduse.744_22.exceptions")
    allowed = tuple(str(e) for e in exc.value or ())
    inside = sorted(places & set(countries.value or ()))
    if inside:
        if "744.22(a)" in done:
            return
        done.add("744.22(a)")
        state.say(
            f"744.22(a): {who} in {', '.join(inside)}: licence required for any item subject to the EAR (EAR99 "
            f"included); only License Exception {', '.join(allowed)} (744.22(c)); review policy {pol.value}",
            countries, pol, exc,
        )
        state.require("military_intelligence", "744", "744.22(a)", countries, str(pol.value), exceptions=allowed)
        return
    ai = ctx.resolve("enduse.744_22.ai_training")
    ai_in = sorted(places & set(ai.value or ()))
    if ai_in and state.item.kind == "a":
        if "744.22 (AI training)" in done:
            return
        done.add("744.22 (AI training)")
        state.say(
            f"BIS policy statement of 2025-05-13: advanced ICs ({state.item.classification}) with knowledge of a "
            f"{who} in {', '.join(ai_in)} (D:5/Macau) — training AI models for military-intelligence end uses or "
            f"users can need a licence under Part 744: licence required (deny by default); only License Exception "
            f"{', '.join(allowed)}; review policy {pol.value}",
            ai, pol, exc,
        )
        state.require("military_intelligence", "744", "744.22 (BIS policy statement 2025-05-13)", ai, str(pol.value),
                      exceptions=allowed)
        return
    state.say(
        f"{who} in {', '.join(sorted(places))}: outside the 744.22 countries on {ctx.as_of}: no 744.22 requirement",
        countries,
    )
    state.cond("military-intelligence end user/end use known: confirm no other Part 744 requirement applies")


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
