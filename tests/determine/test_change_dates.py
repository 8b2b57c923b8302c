"""Every date on which an answer changes: the day before and the day of (fact sheet §7 change log)."""

from __future__ import annotations

from typing import Any

import pytest
from determine_cases import EAR99, GAMING_A, H100, H200, HBM, case_doc, run

LR, LEA, NLR, HOLD = "license_required", "license_exception_available", "no_license_required", "red_flag_hold"


def outcome(doc: dict[str, Any], mode: str, rules: Any) -> tuple[str, str | None, str | None]:
    d = run(doc, mode, rules)
    return d.status, d.license_exception, d.review_policy


@pytest.mark.parametrize(
    ("mode", "before", "after", "build", "expected_before", "expected_after"),
    [
        pytest.param("enforced", "2023-01-16", "2023-01-17", lambda d: case_doc(d, "MO", H100),
                     (NLR, None, None), (LR, None, "presumption_of_denial"), id="88FR2821-macau-2023-01-17"),
        pytest.param("enforced", "2023-11-16", "2023-11-17", lambda d: case_doc(d, "VN", H100),
                     (NLR, None, None), (LR, None, "case_by_case"), id="88FR73458-D1-D4-D5-2023-11-17"),
        pytest.param("enforced", "2023-11-16", "2023-11-17", lambda d: case_doc(d, "CN", GAMING_A, facts={"written_purchase_order": True}),
                     (LR, None, "presumption_of_denial"), (LEA, "NAC", "presumption_of_denial"), id="88FR73458-NAC-created-2023-11-17"),
        pytest.param("enforced", "2023-11-16", "2023-11-17", lambda d: case_doc(d, "DE", H100, end_user={"hq": "CN"}),
                     (NLR, None, None), (LR, None, "presumption_of_denial"), id="744.23(a)(3)-HQ-rule-2023-11-17"),
        pytest.param("enforced", "2024-04-03", "2024-04-04", lambda d: case_doc(d, "KZ", GAMING_A, facts={"written_purchase_order": True}),
                     (LEA, "NAC", "case_by_case"), (LEA, "ACA", "case_by_case"), id="89FR23876-ACA-split-2024-04-04"),
        pytest.param("enforced", "2024-12-01", "2024-12-02", lambda d: case_doc(d, "CN", EAR99, end_use={"supercomputer": False}),
                     (NLR, None, None), (NLR, None, None), id="89FR96790-EAR99-unchanged-2024-12-02"),
        pytest.param("text", "2025-01-12", "2025-01-13", lambda d: case_doc(d, "BR", H100, quantity=10),
                     (NLR, None, None), (LEA, "LPP", "presumption_of_approval"), id="90FR4544-text-worldwide-2025-01-13"),
        pytest.param("enforced", "2025-01-12", "2025-01-13", lambda d: case_doc(d, "BR", H100, quantity=10),
                     (NLR, None, None), (NLR, None, None), id="90FR4544-enforced-unchanged-2025-01-13"),
        pytest.param("enforced", "2025-05-12", "2025-05-13", lambda d: case_doc(d, "DE", H100, end_user={"hq": "CN"}),
                     (LR, None, "presumption_of_denial"), (LR, None, "presumption_of_denial"), id="BIS-2025-05-13-HQ-rule-kept"),
        pytest.param("enforced", "2025-11-06", "2025-11-07", lambda d: case_doc(d, "DE", H100, end_user={"ultimate_parent_hq": "KH"}),
                     (LR, None, "presumption_of_denial"), (NLR, None, None), id="22CFR126.1-cambodia-out-of-D5-2025-11-07"),
        pytest.param("enforced", "2025-11-06", "2025-11-07", lambda d: case_doc(d, "KH", H100),
                     (LR, None, "presumption_of_denial"), (LR, None, "case_by_case"), id="cambodia-D1-policy-2025-11-07"),
        pytest.param("enforced", "2025-11-09", "2025-11-10", lambda d: case_doc(d, "DE", EAR99, red_flags=["supp3.29"]),
                     (HOLD, None, None), (NLR, None, None), id="90FR50857-flag29-stayed-2025-11-10"),
        pytest.param("enforced", "2026-11-09", "2026-11-10", lambda d: case_doc(d, "DE", EAR99, red_flags=["supp3.29"]),
                     (NLR, None, None), (HOLD, None, None), id="90FR50857-flag29-stay-ends-2026-11-10"),
        pytest.param("enforced", "2026-01-14", "2026-01-15", lambda d: case_doc(d, "MO", H200, certifications=["supp2_748_dd"]),
                     (LR, None, "presumption_of_denial"), (LR, None, "case_by_case"), id="91FR1684-cbc-2026-01-15"),
        pytest.param("enforced", "2026-07-09", "2026-07-10", lambda d: case_doc(d, "AE", H100, end_user={"supp8_entity": "g42"}),
                     (LR, None, "case_by_case"), (NLR, None, None), id="91FR43038-supp8-2026-07-10"),
        pytest.param("text", "2026-07-09", "2026-07-10", lambda d: case_doc(d, "AE", H100, end_user={"supp8_entity": "oracle"}),
                     (LR, None, "presumption_of_approval"), (NLR, None, None), id="91FR43038-supp8-text-2026-07-10"),
        pytest.param("enforced", "2027-04-06", "2027-04-07", lambda d: case_doc(d, "AE", H100, end_user={"supp8_entity": "core42"}),
                     (NLR, None, None), (LR, None, "case_by_case"), id="740Supp8(b)-core42-expiry-2027-04-07"),
        pytest.param("text", "2027-12-31", "2028-01-01", lambda d: case_doc(d, "BR", H100, quantity=2000, allocation_used_tpp=0),
                     (LR, None, "presumption_of_approval"), (LR, None, "case_by_case"), id="742.6(b)(10)(iii)(B)-allocation-ends-2028"),
        pytest.param("enforced", "2024-12-01", "2024-12-02", lambda d: case_doc(d, "CN", {"eccn": "3A001.z.1.a", "tpp": 5000,
                     "datacenter_designed_or_marketed": False}, facts={"written_purchase_order": True}),
                     (LEA, "NAC", "presumption_of_denial"), (LEA, "NAC", "presumption_of_denial"), id="3A001.z-NAC-stable"),
    ],
)
def test_answer_changes_on_date(
    mode: str, before: str, after: str, build: Any, expected_before: Any, expected_after: Any, rules: Any
) -> None:
    assert outcome(build(before), mode, rules) == expected_before
    assert outcome(build(after), mode, rules) == expected_after


def test_regime_start_2022_10_07_china(rules: Any) -> None:
    """87 FR 62186: the first day of the rule data — a licence for 3A090 to China."""
    assert outcome(case_doc("2022-10-07", "CN", H100), "enforced", rules) == (LR, None, "presumption_of_denial")


def test_hbm_exists_from_2024_12_02(rules: Any) -> None:
    """89 FR 96790: 3A090.c and License Exception HBM from 2024-12-02 (3A090.c before that is an error)."""
    doc = case_doc("2024-12-02", "MO", HBM, end_user={"hq": "MO"}, exporter={"hq": "US"})
    assert outcome(doc, "enforced", rules) == (LEA, "HBM", "presumption_of_denial")
