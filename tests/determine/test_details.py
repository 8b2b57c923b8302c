"""Conditions, arithmetic, reasons and the ledger hook (fact sheet §2.3, §2.6, §2.7, §2.11, §2.12, §4, §5)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from determine_cases import B_ITEM, EAR99, GAMING_A, H100, H200, HBM, case_doc, run

from exportgate.determine import determine, parse_case
from exportgate.rules import Mode


class Ledger:
    def __init__(self, alloc: float = 0.0, lpp: float = 0.0) -> None:
        self.alloc, self.lpp = alloc, lpp
        self.calls: list[tuple[Any, ...]] = []

    def allocation_used_tpp(self, country: str, count_from: date, as_of: date) -> float:
        self.calls.append(("allocation", country, count_from, as_of))
        return self.alloc

    def lpp_used_tpp(self, ultimate_consignee: str, year: int) -> float:
        self.calls.append(("lpp", ultimate_consignee, year))
        return self.lpp


def test_nac_prior_notification_25_days_and_purchase_order(rules: Any) -> None:
    """740.8(a): NAC needs a SNAP-R notification 25 days before shipment; 740.8: written purchase order."""
    d = run(case_doc("2024-06-01", "CN", GAMING_A), rules=rules)
    assert (d.status, d.license_exception) == ("license_exception_available", "NAC")
    assert any("25 calendar days" in c for c in d.conditions)
    assert any("written purchase order" in c for c in d.conditions)
    assert "15 CFR 740.8(a); 89 FR 23876" in d.citations


def test_aca_has_no_notification(rules: Any) -> None:
    """740.8: ACA needs no notification; purchase order given -> no PO condition."""
    d = run(case_doc("2024-06-01", "VN", B_ITEM, facts={"written_purchase_order": True}), rules=rules)
    assert d.license_exception == "ACA"
    assert not any("notification" in c for c in d.conditions)
    assert not any("purchase order" in c for c in d.conditions)


def test_enc_condition_for_5a002z(rules: Any) -> None:
    """740.8(a)(3): License Exception ENC conditions also apply to 5A002.z under NAC/ACA."""
    item = {"eccn": "5A002.z.1.a", "tpp": 6000, "datacenter_designed_or_marketed": False}
    d = run(case_doc("2024-06-01", "CN", item), rules=rules)
    assert d.license_exception == "NAC"
    assert any("ENC" in c for c in d.conditions)


def test_lpp_notification_threshold_3_2m(rules: Any) -> None:
    """740.29: notify BIS before a shipment with aggregate TPP of 3,200,000."""
    small = run(case_doc("2025-06-01", "BR", H100, quantity=100), "text", rules)
    big = run(case_doc("2025-06-01", "BR", H100, quantity=250), "text", rules)
    assert small.license_exception == big.license_exception == "LPP"
    assert not any("notify BIS before the shipment" in c for c in small.conditions)
    assert any("3,958,000 >= 3,200,000" in c for c in big.conditions)


def test_lpp_cap_arithmetic_named_in_reasons(rules: Any) -> None:
    """740.29: 26.9M TPP per calendar year per ultimate consignee (26.9M ~ 1,699 chips at TPP 15,832)."""
    ok = run(case_doc("2025-06-01", "BR", H100, quantity=1699, lpp_used_tpp=0), "text", rules)
    over = run(case_doc("2025-06-01", "BR", H100, quantity=1700, lpp_used_tpp=0), "text", rules)
    assert ok.license_exception == "LPP"
    assert over.license_exception is None and over.status == "license_required"
    assert any("26,898,568 <= 26,900,000" in r for r in ok.reasons)
    assert any("26,914,400 > 26,900,000" in r for r in over.reasons)


def test_allocation_ledger_hook(rules: Any) -> None:
    """742.6(b)(10)(iii)(B): the ledger supplies the TPP already exported to the country (from 2025-01-01)."""
    case = parse_case(case_doc("2025-06-01", "BR", H100, quantity=2000), rules=rules)
    led = Ledger(alloc=780_000_000)
    d = determine(case, Mode.TEXT, rules, ledger=led)
    assert ("allocation", "BR", date(2025, 1, 1), date(2025, 6, 1)) in led.calls
    assert d.review_policy == "presumption_of_denial"
    assert d.allocation == {
        "country": "BR", "limit_tpp": 790_000_000.0, "used_tpp": 780_000_000.0, "this_tpp": 31_664_000,
        "count_from": "2025-01-01", "remaining_tpp": 0.0,
    }
    within = determine(case, Mode.TEXT, rules, ledger=Ledger(alloc=1_000_000))
    assert within.review_policy == "presumption_of_approval"
    assert within.allocation is not None and within.allocation["remaining_tpp"] == 790_000_000 - 1_000_000 - 31_664_000


def test_case_allocation_overrides_ledger(rules: Any) -> None:
    case = parse_case(case_doc("2025-06-01", "BR", H100, quantity=2000, allocation_used_tpp=0), rules=rules)
    led = Ledger(alloc=789_000_000)
    d = determine(case, Mode.TEXT, rules, ledger=led)
    assert d.review_policy == "presumption_of_approval"
    assert not any(c[0] == "allocation" for c in led.calls)


def test_lpp_ledger_by_ultimate_consignee_and_year(rules: Any) -> None:
    case = parse_case(case_doc("2025-06-01", "BR", H100, quantity=100, ultimate_consignee="Parent SA"), rules=rules)
    led = Ledger(lpp=26_000_000)
    d = determine(case, Mode.TEXT, rules, ledger=led)
    assert ("lpp", "Parent SA", 2025) in led.calls
    assert d.license_exception is None


def test_allocation_unknown_is_a_condition(rules: Any) -> None:
    d = run(case_doc("2025-06-01", "BR", H100, quantity=2000), "text", rules)
    assert d.status == "license_required"
    assert any("790,000,000" in c for c in d.conditions)


def test_tpp_total(rules: Any) -> None:
    d = run(case_doc("2024-06-01", "DE", H100, quantity=8), rules=rules)
    assert d.tpp_total == 8 * 15832


def test_china_case_by_case_names_missing_certifications(rules: Any) -> None:
    """91 FR 1684: the (dd) certifications of Supp. 2 to Part 748 are required for case-by-case."""
    d = run(case_doc("2026-02-01", "CN", H200, certifications=["dd_us_supply"]), rules=rules)
    assert d.review_policy == "presumption_of_denial"
    assert any("dd_third_party_testing" in r for r in d.reasons)
    every = ["dd_units_and_parameters", "dd_us_supply", "dd_aggregate_tpp_50_percent", "dd_no_military_wmd",
             "dd_consignee_kyc", "dd_iaas_remote_users", "dd_iaas_undertakings", "dd_physical_security",
             "dd_third_party_testing"]
    full = run(case_doc("2026-02-01", "CN", H200, certifications=every), rules=rules)
    assert full.review_policy == "case_by_case"
    assert "15 CFR 742.6(b)(10)(iii)(A)(1); 91 FR 1684" in full.citations


def test_hbm_conditions_confirmation_vs_reconciliation(rules: Any) -> None:
    """740.25: US/A:5/A:6 packaging sites confirm in writing; others return the product for reconciliation."""
    cn = run(case_doc("2025-01-01", "CN", HBM, end_user={"hq": "KR"}, exporter={"hq": "US"}), rules=rules)
    assert any("discrepancy above 1% is a red flag to report within 60 days" in c for c in cn.conditions)
    assert any("bought directly by the designer" in c for c in cn.conditions)
    my = run(case_doc("2025-01-01", "MY", HBM, end_user={"hq": "CN"}, exporter={"hq": "US"}), rules=rules)
    assert my.license_exception == "HBM"
    assert not any("bought directly by the designer" in c for c in my.conditions)


def test_hbm_designer_purchase_false_bars_exception(rules: Any) -> None:
    d = run(case_doc("2025-01-01", "CN", HBM, end_user={"hq": "KR"}, exporter={"hq": "US"},
                     facts={"hbm_purchased_by_designer": False}), rules=rules)
    assert (d.status, d.license_exception) == ("license_required", None)


def test_uae_supp8_condition_names_all_end_users(rules: Any) -> None:
    d = run(case_doc("2026-08-01", "AE", H100, end_user={"supp8_entity": "core42"}), rules=rules)
    assert d.status == "no_license_required"
    assert any("Supp. 8" in c for c in d.conditions)


def test_red_flags_named(rules: Any) -> None:
    """Supp. 3 to Part 732: a hold names each flag; its text is in the reasons."""
    d = run(case_doc("2024-06-01", "DE", EAR99, red_flags=["supp3.9", "ai2025.third_country_payment"]), rules=rules)
    assert d.status == "red_flag_hold"
    assert d.red_flags == ["supp3.9", "ai2025.third_country_payment"]
    assert any("Freight forwarder" in r for r in d.reasons)
    assert d.license_required is False


def test_red_flag_before_listing_still_holds(rules: Any) -> None:
    d = run(case_doc("2024-06-01", "DE", EAR99, red_flags=["supp3.28"]), rules=rules)
    assert d.status == "red_flag_hold"
    assert any("listed from 2025-01-13" in r for r in d.reasons)


def test_embargo_beats_red_flags(rules: Any) -> None:
    d = run(case_doc("2024-06-01", "IR", EAR99, red_flags=["supp3.1"]), rules=rules)
    assert d.status == "prohibited_without_authorization"
    assert d.red_flags == ["supp3.1"]


@pytest.mark.parametrize(
    ("day", "until"),
    [("2024-06-01", "2029-06-01"), ("2024-02-29", "2029-03-01"), ("2022-10-07", "2027-10-07")],
)
def test_records_retention_five_years(day: str, until: str, rules: Any) -> None:
    """762.6: keep records five years from the transaction (leap day -> the later day)."""
    d = run(case_doc(day, "DE", EAR99), rules=rules)
    assert d.retain_records_until.isoformat() == until
    assert "15 CFR 762.6" in d.citations
    assert d.to_json()["retain_records_until"] == until


def test_to_json_contract(rules: Any) -> None:
    """The original ten keys first, in their order; keys are only ever added after them."""
    d = run(case_doc("2024-06-01", "CN", H100), rules=rules)
    assert list(d.to_json()) == [
        "classification", "license_required", "status", "license_exception", "review_policy",
        "conditions", "red_flags", "retain_records_until", "reasons", "citations",
        "as_of", "mode", "tpp_total", "alternative_exceptions", "allocation", "requirements", "operative",
    ]


def test_reasons_in_order(rules: Any) -> None:
    """The chain: classification, records, Part 746, end use, CCL, policy, exceptions, status."""
    d = run(case_doc("2024-06-01", "CN", GAMING_A), rules=rules)
    text = "\n".join(d.reasons)
    order = ["is on the .a-level list", "Part 762", "Part 746: no country regime", "742.6(a)(6)", "review policy", "License Exception NAC", "status:"]
    positions = [text.index(o) for o in order]
    assert positions == sorted(positions)


def test_hong_kong_reason_cites_treated_as(rules: Any) -> None:
    d = run(case_doc("2024-06-01", "HK", H100), rules=rules)
    assert any("HK is treated as CN" in r for r in d.reasons)
    assert any("85 FR 83765" in c for c in d.citations)


def test_unverified_rules_flagged_in_citations(rules: Any) -> None:
    d = run(case_doc("2026-08-01", "AE", H100), rules=rules)
    assert any(c.endswith("[unverified]") and "91 FR 43038" in c for c in d.citations)


def test_pure_function(rules: Any) -> None:
    case = parse_case(case_doc("2025-06-01", "BR", H100, quantity=10), rules=rules)
    before = case.model_dump()
    a = determine(case, "text", rules).to_json()
    b = determine(case, "text", rules).to_json()
    assert a == b
    assert case.model_dump() == before


def test_classify_path_catalog_and_spec(rules: Any) -> None:
    """Items as `classify` reads them go through exportgate.classify."""
    d = run(case_doc("2024-06-01", "CN", "NVIDIA H100 SXM5 80GB"), rules=rules)  # type: ignore[arg-type]
    assert (d.classification, d.status, d.review_policy) == ("3A090.a.1", "license_required", "presumption_of_denial")
    spec = {"kind": "integrated_circuit", "dense_tops": {"fp16": 400}, "datacenter_designed_or_marketed": False}
    d2 = run(case_doc("2024-06-01", "CN", spec), rules=rules)
    assert d2.classification is not None and d2.classification.startswith("3A090.a")
    assert d2.license_exception == "NAC"


def test_field_prefix_names_nested_fields(rules: Any) -> None:
    from exportgate.errors import InputError

    with pytest.raises(InputError) as exc:
        parse_case(case_doc("2024-06-01", "ZZ", H100), field_prefix="layers.hardware[0].", rules=rules)
    assert exc.value.field == "layers.hardware[0].destination"


def test_training_for_non_supp5a_raises_flag_28_and_bars_aia(rules: Any) -> None:
    """Supp. 3 to Part 732 red flag 28; 740.27: AIA not for training 4E091-level models for non-Supp. 5(a) entities."""
    doc = case_doc("2025-06-01", "DE", H100, end_user={"hq": "DE"}, end_use={"trains_4e091_model_for_non_supp5a": True})
    d = run(doc, "text", rules)
    assert (d.status, d.license_exception, d.review_policy) == ("red_flag_hold", "LPP", "presumption_of_approval")
    assert d.red_flags == ["supp3.28"]
    assert any("AIA: not for training 4E091-level models" in r for r in d.reasons)
    resolved = {**doc, "red_flags": [{"id": "supp3.28", "resolved": True, "resolution": "licence applied for"}]}
    d2 = run(resolved, "text", rules)
    assert (d2.status, d2.license_exception) == ("license_exception_available", "LPP")


@pytest.mark.parametrize(
    ("text", "policy"),
    [("Presumption of denial.", "presumption_of_denial"), ("Case-by-case review", "case_by_case"),
     ("Policy of denial for all items subject to the EAR", "Policy of denial for all items subject to the EAR")],
)
def test_entity_list_policy_text_normalised(text: str, policy: str, rules: Any) -> None:
    """744.11: the review policy is the entry's own (screening passes the entry's text)."""
    doc = case_doc("2024-06-01", "DE", EAR99, end_user={"restricted_party_hits": [{"list": "entity_list", "license_policy": text}]})
    d = run(doc, rules=rules)
    assert (d.status, d.license_exception, d.review_policy) == ("license_required", None, policy)


@pytest.mark.parametrize(("day", "classification"), [("2023-06-01", "4A090"), ("2024-06-01", "4A090.a")])
def test_server_through_classify_old_and_new_4a090(day: str, classification: str, rules: Any) -> None:
    """87 FR 62186 / 88 FR 73458: a server with eight H100s is 4A090 (2022 text) then 4A090.a."""
    server = {"kind": "server", "datacenter_designed_or_marketed": True,
              "contains": [{"item": "NVIDIA H100 SXM5 80GB", "count": 8}]}
    d = run(case_doc(day, "CN", server, quantity=2), rules=rules)
    assert (d.classification, d.status, d.license_exception, d.review_policy) == (
        classification, "license_required", None, "presumption_of_denial")
    assert d.tpp_total == 2 * 8 * 15832


def test_a800_outside_old_3a090_then_caught(rules: Any) -> None:
    """87 FR 62186 vs 88 FR 73458: the A800 (I/O below 600 GB/s) was 3A991.p until 2023-11-17."""
    before = run(case_doc("2023-06-01", "CN", "NVIDIA A800 SXM4 80GB"), rules=rules)  # type: ignore[arg-type]
    after = run(case_doc("2023-11-17", "CN", "NVIDIA A800 SXM4 80GB"), rules=rules)  # type: ignore[arg-type]
    assert (before.classification, before.status) == ("3A991.p", "no_license_required")
    assert (after.classification, after.status, after.review_policy) == ("3A090.a.1", "license_required", "presumption_of_denial")
