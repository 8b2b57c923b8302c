"""Part 746: the country regimes, one step each (``engine.STEPS``): Russia and Belarus (746.8), the occupied
regions of Ukraine (746.6), Iran (746.7), Syria (746.9), Cuba (746.2) and North Korea (746.4).

Each regime is rule data (``part746.<regime>.*``): where it applies, its item scope (every ECCN, AT-only
included; EAR99 in, out, by HTS code or prohibited; the EAR99 food/medicine and personal-communications
carve-outs), the transactions it covers, its own list of licence exceptions (740.2(a)(6): an exception the
section does not list is barred — NAC, ACA, AIA, LPP, ACM and HBM wherever a Part 746 licence is required,
740.8(b)), its review policy and its status: ``license_required`` (a BIS licence) or
``prohibited_without_authorization`` (the text prohibits, or the route is OFAC). The reasons say which and why.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from exportgate.determine.exceptions import EVALUATED
from exportgate.determine.state import POLICY_RANK, State, matches
from exportgate.rules import Resolved

#: the licence exceptions 740.8(b) names (barred wherever Part 744 or 746 requires a licence)
NAC_ACA = ("NAC", "ACA")


@dataclass(frozen=True)
class Regime:
    """One Part 746 regime: its requirement basis, its section and the rule-data keys of its facets."""

    basis: str
    section: str
    where: str  # the countries (or, for 746.6, the regions) it applies to
    scope: str
    exceptions: str
    policy: str
    status: str


RUSSIA_BELARUS = Regime("russia_belarus", "746.8", "part746.russia_belarus.countries",
                        "part746.russia_belarus.scope", "part746.russia_belarus.exceptions",
                        "part746.russia_belarus.policy", "part746.russia_belarus.status")
UKRAINE_REGIONS = Regime("ukraine_regions", "746.6", "part746.ukraine_regions.destinations",
                         "part746.ukraine_regions.scope", "part746.ukraine_regions.exceptions",
                         "part746.ukraine_regions.policy", "part746.ukraine_regions.status")
IRAN = Regime("iran", "746.7", "part746.iran.countries", "part746.iran.scope", "part746.iran.exceptions",
              "part746.iran.policy", "part746.iran.status")
SYRIA = Regime("syria", "746.9", "part746.syria.countries", "part746.syria.scope", "part746.syria.exceptions",
               "part746.syria.policy", "part746.syria.status")
CUBA = Regime("cuba", "746.2", "part746.cuba.countries", "part746.cuba.scope", "part746.cuba.exceptions",
              "part746.cuba.policy", "part746.cuba.status")
NORTH_KOREA = Regime("north_korea", "746.4", "part746.north_korea.countries", "part746.north_korea.scope",
                     "part746.north_korea.exceptions", "part746.north_korea.policy", "part746.north_korea.status")
#: the regimes, in the order of ``engine.STEPS``
REGIMES = (RUSSIA_BELARUS, UKRAINE_REGIONS, IRAN, SYRIA, CUBA, NORTH_KOREA)


def _where(state: State, countries: Resolved) -> list[str]:
    """The destination (or the end user's location) when it is one of the regime's countries."""
    return sorted({state.dest, state.located} & set(countries.value or ()))


def _carved_out(state: State, scope: Resolved, section: str) -> bool:
    """The item is in one of the regime's excluded categories (e.g. EAR99 food and medicine)."""
    cat = state.case.item_category
    excluded: dict[str, list[str]] = dict(scope.value.get("excluded_categories") or {})
    c = state.item.classification
    if cat is None:
        could = [k for k, v in excluded.items() if c is None or matches(c, list(v))]
        if could:
            state.cond(
                f"{section}: if the item is {' or '.join(k.replace('_', ' ') for k in could)} "
                f"({'/'.join(sorted({e for k in could for e in excluded[k]}))}), say so (item_category): "
                "it is excluded from the licence requirement"
            )
        return False
    if cat not in excluded:
        return False
    if c is None or not matches(c, list(excluded[cat])):
        state.say(
            f"{section}: the {cat.replace('_', ' ')} carve-out covers {', '.join(excluded[cat])} only, not "
            f"{c or 'an item of unknown classification'}",
            scope,
        )
        return False
    state.say(
        f"{section}: {c} {cat.replace('_', ' ')} is excluded from the licence requirement "
        f"({', '.join(excluded[cat])} {cat.replace('_', ' ')})",
        scope,
    )
    return True


def _covers(state: State, scope: Resolved, section: str, place: str) -> bool:
    txs = list(scope.value.get("transactions") or ())
    if state.case.transaction in txs:
        return True
    state.say(
        f"{section}: the licence requirement covers {', '.join(txs)} to {place}; a {state.case.transaction} "
        f"from {state.origin} is not one",
        scope,
    )
    return False


def _policy(state: State, pol: Resolved) -> tuple[str, str]:
    """The regime's policy for this case (its default, or a more favourable one the item category or the civil
    end user earns) and why."""
    value: dict[str, Any] = dict(pol.value)
    chosen, why = str(value["default"]), ""
    candidates: list[tuple[str, str]] = []
    cat = state.case.item_category
    if cat is not None and cat in (value.get("by_category") or {}):
        candidates.append((str(value["by_category"][cat]), f"item category {cat.replace('_', ' ')}"))
    sub = state.case.end_user.civil_subsidiary
    if sub is not None and sub in (value.get("by_civil_subsidiary") or {}):
        candidates.append((str(value["by_civil_subsidiary"][sub]), f"civil end user {sub}"))
    for pid, reason in candidates:
        if POLICY_RANK.get(pid, 9) < POLICY_RANK.get(chosen, 9):
            chosen, why = pid, reason
    return chosen, why


def _exceptions_text(state: State, exc: Resolved, section: str) -> str:
    names = list((exc.value or {}).keys())
    barred = [e for e in NAC_ACA if e not in names] if state.item.kind in ("a", "b") else []
    bar = "; NAC/ACA barred (740.8(b))" if barred else ""
    if not names:
        return f"no licence exceptions ({section}(c); 740.2(a)(6){bar})"
    evaluated = [n for n in names if n in EVALUATED]
    rest = [n for n in names if n not in EVALUATED]
    out = f"only License Exceptions {', '.join(names)} (740.2(a)(6): the exceptions {section} lists{bar})"
    if rest:
        out += f"; {', '.join(rest)} not evaluated here (check their terms)"
    if evaluated:
        out += f"; {', '.join(evaluated)} evaluated below"
    return out


def _record(
    state: State,
    regime: Regime,
    provision: str,
    what: str,
    scope: Resolved,
    *,
    exceptions: tuple[str, ...] | None = None,
    policy: str | None = None,
    policy_why: str = "",
) -> None:
    """Say why, record the requirement (and the prohibition, when the regime's status is one), then the
    regime's favourable policy categories."""
    ctx, section = state.trace, regime.section
    exc, pol, status = ctx.resolve(regime.exceptions), ctx.resolve(regime.policy), ctx.resolve(regime.status)
    own_policy = policy is not None  # a provision with its own policy ((a)(3): denial in all cases)
    if policy is None:
        policy, policy_why = _policy(state, pol)
    allowed = tuple((exc.value or {}).keys()) if exceptions is None else exceptions
    st = dict(status.value)
    prohibited = st["status"] == "prohibited_without_authorization"
    verdict = "prohibited without authorization" if prohibited else "licence required"
    exc_text = _exceptions_text(state, exc, section) if exceptions is None else (
        "no licence exceptions" if not exceptions else f"only License Exceptions {', '.join(exceptions)}")
    state.say(
        f"{provision}: {what}: {verdict} — {st['note']}; {exc_text}; review policy {policy}"
        + (f" ({policy_why})" if policy_why else ""),
        scope,
        exc,
        pol,
        status,
    )
    req = state.require(regime.basis, "746", provision, scope, policy, exceptions=allowed)
    if prohibited:
        state.prohibit(req, policy)
    if state.case.item_category == "medical_device" and "MED" in (exc.value or {}):
        state.cond("License Exception MED (740.23) may authorize EAR99 medical devices and their parts: check its terms")
    favourable = list(dict(pol.value).get("case_by_case_for") or ())
    default = pol.value["default"]
    # the categories reviewed case by case, said so where the default is stricter
    lead = "case-by-case for: " if default != "case_by_case" else ""
    text = f"{section} review policy: {default}; {lead}" + "; ".join(favourable)
    if favourable and not own_policy and text not in ctx.reasons:
        state.say(text, pol)


def _item_text(state: State) -> str:
    c = state.item.classification
    return c if c is not None else "the item (ECCN not known: EAR99 or another ECCN)"


# ---------------------------------------------------------------------------------------- 746.8


def russia_belarus(state: State) -> None:
    """746.8: (a)(1) any item in any ECCN (AT-only included) to or within RU/BY, in-country transfers included;
    EAR99 only through the HTS-6 lists of (a)(5)-(7) and (a)(8) software; the FDP items of (a)(2)/(a)(3) to any
    destination; the (a)(12)(ii) civil end-user exclusion for 5A991/5A992.c/5D992.c."""
    regime, section, ctx = RUSSIA_BELARUS, "746.8", state.trace
    scope = ctx.resolve(regime.scope)
    fdp = ctx.resolve("part746.russia_belarus.fdp")
    for rule in ("734.9(g)", "734.9(f)"):
        if rule not in state.fdp_rules:
            continue
        spec = dict(fdp.value[rule])
        provision = str(spec["provision"])
        allowed = None if spec["exceptions"] == "same_as_a1" else tuple(spec["exceptions"])
        _supp3_origin(state, provision)
        _record(
            state, regime, provision,
            f"a foreign-produced item subject to the EAR under {rule}, to any destination", scope,
            exceptions=allowed, policy=str(spec["policy"]), policy_why=f"{section}(b) for {provision}",
        )
        state.trace.cite(fdp)
    hit = _where(state, ctx.resolve(regime.where))
    if not hit:
        return
    place = " and ".join(hit)
    if not _covers(state, scope, section, place):
        return
    within = "within" if state.case.transaction == "transfer" else "to"
    c = state.item.classification
    if c is not None and c != "EAR99":
        excl = ctx.resolve("part746.russia_belarus.civil_exclusion")
        eccns = list(excl.value["eccns"])
        if matches(c, eccns):
            types: dict[str, str] = dict(excl.value["end_users"])
            sub = state.case.end_user.civil_subsidiary
            if sub in types:
                state.say(
                    f"746.8(a)(12)(ii): {c} (classified in accordance with 740.17) for a civil end user, {types[sub]}: "
                    "no 746.8 licence required",
                    excl,
                )
                state.cond(f"{c} must have been classified in accordance with 740.17 (746.8(a)(12)(ii))")
                return
            state.cond(
                f"746.8(a)(12)(ii): {c} needs no 746.8 licence for a civil end user of types (A)-(F) "
                "(end_user.civil_subsidiary: " + ", ".join(types) + ")"
            )
            state.trace.cite(excl)
        _record(state, regime, "746.8(a)(1)",
                f"{c}, an item specified in an ECCN on the CCL (AT-only included), {within} {place}", scope)
        return
    hts = ctx.resolve("part746.russia_belarus.hts_supplements")
    software = list(hts.value.get("software_a8") or ())
    soft = f", and the item is not (a)(8) software ({', '.join(software)})" if software else ""
    state.cond(
        f"746.8: confirm the HTS-6 code of {_item_text(state)} is outside {hts.value['supplements']}{soft}; "
        "then no 746.8 licence is needed (the engine has no HTS tables: licence required until confirmed)"
    )
    _record(
        state, regime, "746.8(a)(5)-(8)",
        f"{_item_text(state)} {within} {place}: not on the CCL, caught only if its HTS-6 code is in "
        f"{hts.value['supplements']}{' or it is (a)(8) software' if software else ''} — taken as caught until "
        "the HTS-6 code is confirmed (deny by default)",
        scope,
    )
    state.trace.cite(hts)


def _supp3_origin(state: State, provision: str) -> None:
    supp3 = state.trace.resolve("part746.supp3.countries")
    if state.origin in (supp3.value or ()):
        state.cond(
            f"{state.origin} is listed in Supp. 3 to Part 746: 746.8(a)(12)(iii)(A) excludes exports from it from "
            f"{provision} within the supplement's 'Scope' column — confirm (the Supp. 3 rows are not verified)"
        )
        state.trace.cite(supp3)


# ---------------------------------------------------------------------------------------- 746.6


def ukraine_regions(state: State) -> None:
    """746.6: any item subject to the EAR (except EAR99 food and medicine and free personal-communications
    software) to or within the occupied Crimea region and the so-called DNR and LNR regions: the region decides."""
    regime, section, ctx = UKRAINE_REGIONS, "746.6", state.trace
    dests = ctx.resolve(regime.where)
    if state.dest != dests.value["country"] or state.region is None:
        return
    region = dict(dests.value["regions"][state.region])
    if not region["covered"]:
        state.say(f"{state.region.replace('_', ' ')}: {region['name']} is in no Part 746 regime", dests)
        return
    scope = ctx.resolve(regime.scope)
    place = str(region["name"])
    if "734.9(f)" in state.fdp_rules and state.region == "crimea":
        _record(state, regime, "746.6(a)(1)(ii)",
                f"a foreign-produced item subject to the EAR under 734.9(f), to {place}", scope)
    if not _covers(state, scope, section, place) or _carved_out(state, scope, section):
        return
    within = "within" if state.case.transaction == "transfer" else "to"
    _record(state, regime, str(region["provision"]),
            f"{_item_text(state)}, any item subject to the EAR, {within} the {place}", scope)


# ---------------------------------------------------------------------------------------- 746.7


def iran(state: State) -> None:
    """746.7: a BIS licence for CCL items ((a)(1)(i)) and, under (e), no export or reexport of any item subject
    to the EAR (EAR99 included) the ITSR prohibit without OFAC authorization: prohibited, route OFAC."""
    regime, section, ctx = IRAN, "746.7", state.trace
    hit = _where(state, ctx.resolve(regime.where))
    if not hit:
        return
    scope = ctx.resolve(regime.scope)
    place = " and ".join(hit)
    if not _covers(state, scope, section, place):
        return
    c = state.item.classification
    if state.case.item_category in ("food", "medicine", "medical_device"):
        state.cond(
            "EAR99 food, medicine and medical devices to Iran go through OFAC's licensing procedures (ITSR, 31 CFR "
            "560; 772.1 'medicine', 'medical devices'): obtain OFAC's authorization (746.7(a)(2))"
        )
    if c is not None and c != "EAR99":
        reasons = ", ".join(scope.value.get("ccl_reasons") or ())
        what = (f"{c} is on the CCL (reasons for control among {reasons}: an EAR licence under 746.7(a)(1)(i)); "
                f"and under 746.7(e) no export or reexport to {place} of an item the ITSR prohibit without OFAC "
                "authorization")
        provision = "746.7(a)(1)(i), (e)"
    else:
        what = (f"{_item_text(state)} to {place}: 746.7(e) prohibits the export or reexport of any item subject to "
                "the EAR (EAR99 included) that the ITSR prohibit and OFAC has not authorized, whether or not the EAR "
                "requires a licence")
        provision = "746.7(e)"
    _record(state, regime, provision, what, scope)


# ---------------------------------------------------------------------------------------- 746.9, 746.2, 746.4


def _all_items(state: State, regime: Regime, provision: str) -> None:
    """The regimes that require a licence for all items subject to the EAR to the country (less their
    carve-outs): Syria, Cuba, North Korea."""
    ctx, section = state.trace, regime.section
    hit = _where(state, ctx.resolve(regime.where))
    if not hit:
        return
    scope = ctx.resolve(regime.scope)
    place = " and ".join(hit)
    if not _covers(state, scope, section, place) or _carved_out(state, scope, section):
        return
    _record(state, regime, provision, f"{_item_text(state)}, any item subject to the EAR, to {place}", scope)


def syria(state: State) -> None:
    """746.9: a licence for all items except EAR99 food and medicine; from 2025-09-02 License Exception SPP
    (740.5) for EAR99 items unless a Part 744 requirement applies, and a more favourable review policy."""
    _all_items(state, SYRIA, "746.9(a)")


def cuba(state: State) -> None:
    """746.2: a licence for all items subject to the EAR (no food or medicine carve-out)."""
    _all_items(state, CUBA, "746.2(a)")


def north_korea(state: State) -> None:
    """746.4: a licence for all items subject to the EAR except EAR99 food and medicines."""
    _all_items(state, NORTH_KOREA, "746.4(a)")


def none_applies(state: State) -> None:
    """Say so when no Part 746 regime required anything (the destination is in none of them, or the item or
    transaction is outside their scope)."""
    if any(r.part == "746" for r in state.requirements):
        return
    ctx = state.trace
    where = state.dest + (f" ({state.region})" if state.region else "")
    state.say(
        f"Part 746: no country regime ({', '.join(r.section for r in REGIMES)}) requires a licence for this item to "
        f"{where} on {ctx.as_of}",
        *(ctx.resolve(r.where) for r in REGIMES),
    )
