"""Results, not inputs: a determination from a classification made once; structured requirements and the
operative provision; the engine's step list."""

from __future__ import annotations

from typing import Any

import pytest
from determine_cases import B_ITEM, EAR99, GAMING_A, H100, case_doc, run

from exportgate import classify as cl
from exportgate.determine import (
    ItemFacts,
    determine,
    determine_classified,
    engine,
    facts_of,
    parse_case,
)
from exportgate.determine import item as item_step
from exportgate.errors import InputError
from exportgate.rules import Mode

SPEC = {"kind": "integrated_circuit", "dense_tops": {"fp16": 400}, "datacenter_designed_or_marketed": False}
SERVER = {"kind": "server", "datacenter_designed_or_marketed": True,
          "contains": [{"item": "NVIDIA H100 SXM5 80GB", "count": 8}]}


def _without_item(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k != "item"}


@pytest.mark.parametrize("raw", ["NVIDIA H100 SXM5 80GB", SPEC, SERVER])
@pytest.mark.parametrize(("day", "dest", "mode"), [("2024-06-01", "CN", "enforced"), ("2025-06-01", "BR", "text"),
                                                   ("2026-02-01", "SA", "enforced")])
def test_determine_classified_answers_as_determine(raw: Any, day: str, dest: str, mode: str, rules: Any) -> None:
    doc = case_doc(day, dest, raw, quantity=3, facts={"written_purchase_order": True})
    whole = run(doc, mode, rules)
    item = cl.catalog_item(raw) if isinstance(raw, str) else cl.parse_item(raw)
    c = cl.classify(item, whole.as_of, Mode(mode), rules)
    case = parse_case(_without_item(doc), with_item=False, rules=rules)
    parts = determine_classified(case, c, facts_of(item, c), mode, rules)
    assert parts.to_json() == whole.to_json()
    assert parts.consulted == whole.consulted and parts.countries == whole.countries
    assert any(r.startswith("classified (") for r in parts.reasons)
    assert set(c.citations) <= set(parts.citations)


def test_determine_classified_never_classifies(monkeypatch: pytest.MonkeyPatch, rules: Any) -> None:
    item = cl.catalog_item("NVIDIA H100 SXM5 80GB")
    c = cl.classify(item, parse_case(case_doc("2024-06-01", "CN", H100), rules=rules).date, Mode.ENFORCED, rules)

    def boom(*_a: Any, **_k: Any) -> Any:
        raise AssertionError("classified again")

    monkeypatch.setattr(item_step.cl, "classify", boom)
    monkeypatch.setattr(cl, "classify", boom)
    case = parse_case(_without_item(case_doc("2024-06-01", "CN", H100)), with_item=False, rules=rules)
    for dest_case in (case, case.model_copy(update={"destination": "DE"})):
        d = determine_classified(dest_case, c, facts_of(item, c), Mode.ENFORCED, rules)
        assert d.classification == "3A090.a.1"


def test_determine_classifies_once(monkeypatch: pytest.MonkeyPatch, rules: Any) -> None:
    calls: list[Any] = []
    original = item_step.cl.classify

    def counting(*a: Any, **k: Any) -> Any:
        calls.append(a[0])
        return original(*a, **k)

    monkeypatch.setattr(item_step.cl, "classify", counting)
    run(case_doc("2024-06-01", "CN", "NVIDIA H100 SXM5 80GB"), rules=rules)
    assert len(calls) == 1
    run(case_doc("2024-06-01", "CN", H100), rules=rules)  # {eccn: ...} is taken as given
    assert len(calls) == 1


def test_a_given_eccn_answers_as_the_eccn_item(rules: Any) -> None:
    doc = case_doc("2024-06-01", "CN", GAMING_A)
    whole = run(doc, rules=rules)
    case = parse_case(_without_item(doc), with_item=False, rules=rules)
    facts = ItemFacts(tpp=5000, datacenter_designed_or_marketed=False, total_dram_bandwidth_gbps=1000)
    assert determine_classified(case, "3A090.a.1", facts, rules=rules).to_json() == whole.to_json()


def test_classification_of_another_day_or_mode_is_refused(rules: Any) -> None:
    item = cl.catalog_item("NVIDIA H100 SXM5 80GB")
    case = parse_case(_without_item(case_doc("2024-06-01", "CN", H100)), with_item=False, rules=rules)
    other_day = cl.classify(item, case.date.replace(year=2025), Mode.ENFORCED, rules)
    with pytest.raises(ValueError, match="classify the item on the case's date"):
        determine_classified(case, other_day, facts_of(item, other_day), Mode.ENFORCED, rules)
    other_mode = cl.classify(item, case.date, Mode.TEXT, rules)
    with pytest.raises(ValueError):
        determine_classified(case, other_mode, facts_of(item, other_mode), Mode.ENFORCED, rules)


def test_parse_case_with_or_without_item(rules: Any) -> None:
    doc = case_doc("2024-06-01", "CN", H100)
    with pytest.raises(InputError) as exc:
        parse_case(_without_item(doc), rules=rules)
    assert exc.value.field == "item"
    with pytest.raises(InputError) as exc:
        parse_case(doc, with_item=False, field_prefix="layers.hardware[0].", rules=rules)
    assert exc.value.field == "layers.hardware[0].item"
    case = parse_case(_without_item(doc), with_item=False, rules=rules)
    assert case.item is None
    with pytest.raises(InputError) as exc:
        determine(case, Mode.ENFORCED, rules)  # determine() needs the item
    assert exc.value.field == "item"


def test_requirements_and_operative_provision(rules: Any) -> None:
    lr = run(case_doc("2024-06-01", "CN", H100), rules=rules)
    assert lr.status == "license_required"
    [req] = lr.requirements
    assert (req.basis, req.part, req.provision, req.exceptions_allowed, req.exceptions) == (
        "destination", "742", "742.6(a)(6)", True, None)
    assert "742.6(a)(6)" in req.citation and req.citation in lr.citations
    assert lr.operative is not None and (lr.operative.kind, lr.operative.provision) == ("requirement", "742.6(a)(6)")
    assert lr.to_json()["operative"] == {"kind": "requirement", "name": "destination", "provision": "742.6(a)(6)",
                                         "citation": req.citation, "reason": req.reason}
    # the reason is the step's own sentence for that requirement, one of the determination's reasons
    assert req.reason in lr.reasons and "742.6(a)(6)" in req.reason and "licence set" in req.reason

    lea = run(case_doc("2024-06-01", "CN", GAMING_A), rules=rules)
    assert lea.operative is not None
    assert (lea.operative.kind, lea.operative.name, lea.operative.provision) == (
        "exception", "NAC", "License Exception NAC")
    assert lea.operative.citation.startswith("15 CFR 740.8")
    assert lea.operative.reason.startswith("License Exception NAC available") and lea.operative.reason in lea.reasons

    el = run(case_doc("2024-06-01", "SA", GAMING_A, facts={"written_purchase_order": True},
                      end_user={"restricted_party_hits": [{"list": "entity_list", "license_policy": "case_by_case"}]}),
             rules=rules)
    assert [r.basis for r in el.requirements] == ["entity_list", "destination"]
    assert el.requirements[0].exceptions_allowed is False and el.requirements[0].exceptions == ()
    assert el.requirements[0].citation.startswith("15 CFR 744.11")
    assert el.operative is not None and el.operative.name == "entity_list"

    iran = run(case_doc("2024-06-01", "IR", EAR99, red_flags=["supp3.1"]), rules=rules)
    assert iran.status == "prohibited_without_authorization"
    assert iran.operative is not None and (iran.operative.name, iran.operative.provision) == ("iran", "746.7(e)")
    assert iran.operative.citation.startswith("15 CFR 746.7")

    hold = run(case_doc("2024-06-01", "DE", EAR99, red_flags=["supp3.9"]), rules=rules)
    assert hold.operative is not None and (hold.operative.kind, hold.operative.name) == ("red_flag", "supp3.9")
    assert hold.operative.citation and hold.operative.citation in hold.citations

    nlr = run(case_doc("2024-06-01", "DE", B_ITEM), rules=rules)
    assert nlr.status == "no_license_required" and nlr.requirements == [] and nlr.operative is None
    assert nlr.to_json()["requirements"] == [] and nlr.to_json()["operative"] is None


def test_steps_are_an_ordered_list_with_the_part_746_regimes_together() -> None:
    """One step per Part 746 regime, after General Prohibition 10 and before the party lists."""
    names = [s.name for s in engine.STEPS]
    assert names[0] == "countries" and names[-1].startswith("red flags")
    regimes = [i for i, s in enumerate(engine.STEPS) if s.run.__module__.endswith("part746")]
    assert [engine.STEPS[i].name for i in regimes][:6] == [
        "Russia and Belarus (746.8)", "occupied regions of Ukraine (746.6)", "Iran (746.7)", "Syria (746.9)",
        "Cuba (746.2)", "North Korea (746.4)"]
    assert regimes == list(range(regimes[0], regimes[-1] + 1))
    gp10 = next(i for i, s in enumerate(engine.STEPS) if s.run.__module__.endswith("gp10"))
    parties = next(i for i, s in enumerate(engine.STEPS) if s.run.__module__.endswith("parties"))
    assert gp10 + 1 == regimes[0] and regimes[-1] + 1 == parties


def test_every_requirement_and_operative_says_why(rules: Any) -> None:
    """The memo shows each requirement's reason beside its provision: on every scenario, each requirement and
    the operative provision carry the step's own sentence, one of the determination's reasons."""
    from test_scenarios import SCENARIOS

    seen = 0
    for param in SCENARIOS:
        mode, doc, _ = param.values
        d = run(doc, mode, rules=rules)
        for req in d.requirements:
            assert req.reason and req.reason in d.reasons, (param.id, req)
            seen += 1
        if d.operative is not None and d.operative.kind != "red_flag":
            assert d.operative.reason and d.operative.reason in d.reasons, (param.id, d.operative)
    assert seen > 50
