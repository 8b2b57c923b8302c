"""The licence determination: may this item go to this party, for this use, on this day?

``determine(case, mode, rules)`` is a pure function of its inputs (plus an optional read-only TPP
ledger). Every scope, threshold, country list and policy comes from the rule data
(``scope.*``, ``policy.*``, ``exception.*``, ``enduse.*``, ``kyc.*``, ``records.*``, ``uae.*``) as of
the case's date in the mode asked; each step appends a reason and the citation of the rule used.

The analysis is the ordered list :data:`STEPS`; each step is a function of the :class:`~.state.State`
in its own module, by CFR part (each step is a reason in the result):

1. countries (Hong Kong treated as China) and every party to the transaction, the item's family (``item``),
   record retention (``records``);
2. subject to the EAR: the foreign direct product rules (``part734``: footnote 4, 734.9(f), (g), (h));
3. General Prohibition 10 (``gp10``: knowledge of a violation; the 2025-05-13 PRC advanced-IC guidance);
4. the Part 746 country regimes (``part746``: Russia/Belarus, occupied regions of Ukraine, Iran, Syria, Cuba,
   North Korea), each with its item scope, its own licence exceptions, review policy and status;
5. restricted parties on any party to the transaction (``parties``: Entity List incl. the footnote 4 FDP rule,
   MEU List, DPL, UVL) and is-informed letters;
6. end uses and end users (``part744``: 744.23 supercomputer / advanced-node, 744.21/744.22 by country, WMD);
7. the CCL requirement of 742.6 (``ccl``: 3A090/4A090/.z, 3A090.c, 4E091) by destination, HQ, UAE regime;
8. review policy (``policy``: 742.6(b)(10), (b)(14), 744.23(d), Part 746, Entity List entry);
9. licence exceptions (``exceptions``: NAC, ACA, HBM, AIA, LPP, ACM, SPP) and their conditions, unless 740.8(b),
   740.2(a)(6) (a Part 746 section's own list) or another no-exception rule bars them;
10. KYC red flags (``redflags``) -> red_flag_hold until resolved.

A new rule is one step function and one entry in :data:`STEPS` (a Part 746 country regime goes with the
others, after General Prohibition 10). The item is classified at most once:
:func:`determine_classified` takes a classification made by ``exportgate.classify`` and never classifies;
:func:`determine` classifies the case's own item once, then runs the same steps.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from exportgate.classify import Classification
from exportgate.determine import (
    ccl,
    exceptions,
    gp10,
    item,
    part734,
    part744,
    part746,
    parties,
    policy,
    records,
    redflags,
)
from exportgate.determine.allocation import TppLedger
from exportgate.determine.model import Case, Determination, ItemFacts, Operative
from exportgate.determine.state import ItemSource, PartyView, State
from exportgate.rules import Mode, RuleSet, load_rules

#: kept importable from here (they moved with their steps)
EXCEPTION_PREFERENCE = exceptions.EXCEPTION_PREFERENCE
DERIVED_TRAINING_FLAG = redflags.DERIVED_TRAINING_FLAG


@dataclass(frozen=True)
class Step:
    """One step of the analysis: ``run(state)``, when ``applies(state)`` (always, if not given)."""

    name: str
    run: Callable[[State], None]
    applies: Callable[[State], bool] | None = None


def _licensable(state: State) -> bool:
    """An export, reexport or transfer of an item subject to the EAR: the licence requirements apply."""
    return state.subject_to_ear and state.exporting


def _licensable_not_prohibited(state: State) -> bool:
    return state.subject_to_ear and state.exporting and not state.prohibited


def countries(state: State) -> None:
    """The countries of the case as the EAR treats them on the date (Hong Kong -> China), every party to the
    transaction (the end user first), and whether the transaction is one the licence requirements apply to."""
    case = state.case
    region = f" ({case.destination_region} region)" if case.destination_region else ""
    state.say(
        f"determination on {state.trace.as_of} in {state.trace.mode.value} mode: {case.transaction} from "
        f"{case.origin} to {case.destination}{region}"
    )
    state.origin = state.eff(case.origin, "origin")
    state.dest = state.eff(case.destination, "destination")
    state.region = case.destination_region
    eu = case.end_user
    state.located = state.eff_opt(eu.located_in, "end user location") or state.dest
    state.hq = state.eff_opt(eu.hq, "end user HQ")
    state.parent = state.eff_opt(eu.ultimate_parent_hq, "ultimate parent HQ")
    state.parties = [PartyView("end_user", eu, state.located, state.hq, state.parent, primary=True)]
    for i, p in enumerate(case.parties):
        label = f"parties[{i}] ({p.role})"
        state.parties.append(PartyView(
            p.role, p,
            state.eff_opt(p.located_in, f"{label} location") or state.dest,
            state.eff_opt(p.hq, f"{label} HQ"),
            state.eff_opt(p.ultimate_parent_hq, f"{label} ultimate parent HQ"),
        ))
    licensed = state.trace.resolve("gp10.licence_transactions")
    state.exporting = case.transaction in (licensed.value or ())
    if not state.exporting:
        state.say(
            f"a {case.transaction} is not an export, reexport or transfer: the licence requirements of the CCL, "
            "Part 744 and Part 746 do not apply to it; General Prohibition 10 (knowledge of a violation) and "
            "denial orders do",
            licensed,
        )


#: the analysis, in order
STEPS: tuple[Step, ...] = (
    Step("countries", countries),
    Step("item (the classification's listed family)", item.resolve),
    Step("record retention (Part 762)", records.retention),
    Step("subject to the EAR (734.9)", part734.subject_to_ear),
    Step("General Prohibition 10 (736.2(b)(10))", gp10.general_prohibition_10),
    # the Part 746 country regimes, one entry each
    Step("Russia and Belarus (746.8)", part746.russia_belarus, _licensable),
    Step("occupied regions of Ukraine (746.6)", part746.ukraine_regions, _licensable),
    Step("Iran (746.7)", part746.iran, _licensable),
    Step("Syria (746.9)", part746.syria, _licensable),
    Step("Cuba (746.2)", part746.cuba, _licensable),
    Step("North Korea (746.4)", part746.north_korea, _licensable),
    Step("Part 746: no regime applies", part746.none_applies, _licensable),
    Step("restricted parties (744.11, 744.15, 744.21, 764.3)", parties.restricted_parties),
    Step("is-informed letters", parties.informed, _licensable),
    Step("end uses (Part 744)", part744.end_uses, _licensable),
    Step("CCL requirement (742.6)", ccl.requirements, _licensable_not_prohibited),
    Step("review policy", policy.review_policy),
    Step("licence exceptions (Part 740)", exceptions.licence_exceptions),
    Step("conditions of the review policy", policy.licence_conditions),
    Step("red flags (Supp. 3 to Part 732)", redflags.red_flags),
)


def determine(
    case: Case,
    mode: Mode | str = Mode.ENFORCED,
    rules: RuleSet | None = None,
    *,
    ledger: TppLedger | None = None,
) -> Determination:
    """Determine the licence outcome of ``case`` on its date, in ``mode``; the case's item is classified
    once here (``{eccn: ...}`` is taken as given)."""
    rules = rules or load_rules()
    rules.check_date(case.date, field=case.at("date"))
    at = rules.at(case.date, mode)
    return _run(State(case=case, trace=at.trace(), source=item.item_source(case, at), ledger=ledger))


def determine_classified(
    case: Case,
    classification: Classification | str,
    facts: ItemFacts | None = None,
    mode: Mode | str = Mode.ENFORCED,
    rules: RuleSet | None = None,
    *,
    ledger: TppLedger | None = None,
) -> Determination:
    """Determine ``case`` for an item already classified: ``classification`` is what
    ``exportgate.classify.classify`` returned for it on the case's date in ``mode`` (its reasons and
    citations become the determination's "classified (...)" reason), or an ECCN given as classified.
    ``facts`` are the item figures the determination reads (TPP per unit, datacenter design/marketing,
    total DRAM bandwidth, memory bandwidth density; ``item.facts_of(item, classification)`` builds them;
    default: the classification's TPP, nothing else known). ``case.item`` is not read (leave it None).
    The item is never classified again here."""
    rules = rules or load_rules()
    rules.check_date(case.date, field=case.at("date"))
    at = rules.at(case.date, mode)
    if isinstance(classification, str):
        source = item.given(classification, facts or ItemFacts())
    else:
        if classification.as_of != case.date or classification.mode != at.mode.value:
            raise ValueError(
                f"the classification is as of {classification.as_of} in {classification.mode} mode, the case "
                f"{case.date} in {at.mode.value} mode: classify the item on the case's date and mode"
            )
        source = ItemSource(classification, None, facts or ItemFacts(tpp=classification.tpp))
    return _run(State(case=case, trace=at.trace(), source=source, ledger=ledger))


def _run(state: State) -> Determination:
    for step in STEPS:
        if step.applies is None or step.applies(state):
            step.run(state)
    return _result(state)


def _result(state: State) -> Determination:
    ctx = state.trace
    license_required = bool(state.requirements) or state.prohibited
    exception, alternatives = state.exception, state.alternatives
    operative: Operative | None = None
    if state.prohibited:
        status = "prohibited_without_authorization"
        exception, alternatives = None, []
        by = state.prohibited_by
        if by is not None:
            operative = Operative("requirement", by.basis, by.provision, by.citation, by.reason)
    elif state.red_flags:
        status = "red_flag_hold"
        operative = Operative("red_flag", ", ".join(state.red_flags), "Supp. 3 to Part 732",
                              "; ".join(state.red_flag_citations))
    elif state.requirements and exception:
        status = "license_exception_available"
        operative = Operative("exception", exception, f"License Exception {exception}", state.exception_citation,
                              state.exception_reason)
    elif state.requirements:
        status = "license_required"
        first = state.requirements[0]
        operative = Operative("requirement", first.basis, first.provision, first.citation, first.reason)
    else:
        status = "no_license_required"
    if status == "no_license_required":
        state.say("no licence requirement found for this item, destination, end user and end use")
    review_policy = state.review_policy
    state.say(
        f"status: {status}" + (f" (License Exception {exception})" if exception else "")
        + (f"; review policy {review_policy}" if review_policy else "")
    )
    assert state.retain_until is not None
    return Determination(
        as_of=ctx.as_of,
        mode=ctx.mode.value,
        classification=state.item.classification,
        status=status,
        license_required=license_required,
        license_exception=exception,
        review_policy=review_policy,
        retain_records_until=state.retain_until,
        tpp_total=state.tpp_total,
        conditions=state.conditions,
        red_flags=state.red_flags,
        reasons=ctx.reasons,
        citations=ctx.citations,
        alternative_exceptions=alternatives,
        consulted=ctx.consulted,
        countries=ctx.countries,
        allocation=state.allocation,
        requirements=list(state.requirements),
        operative=operative,
    )
