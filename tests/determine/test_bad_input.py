"""Bad input is an error naming the field, never a silent 'no licence required' (deny by default)."""

from __future__ import annotations

from typing import Any

import pytest
from determine_cases import EAR99, H100, case_doc, run

from exportgate.errors import InputError


@pytest.mark.parametrize(
    ("doc", "field"),
    [
        pytest.param(case_doc("2024-06-01", "XX", H100), "destination", id="unknown-destination"),
        pytest.param(case_doc("2024-06-01", "DE", H100, origin="QQ"), "origin", id="unknown-origin"),
        pytest.param(case_doc("2024-06-01", "DE", H100, end_user={"hq": "ZZ"}), "end_user.hq", id="unknown-hq"),
        pytest.param(case_doc("2024-06-01", "DE", H100, end_user={"ultimate_parent_hq": "C1"}), "end_user.ultimate_parent_hq",
                     id="unknown-parent-hq"),
        pytest.param(case_doc("2024-06-01", "DE", H100, end_user={"located_in": "??"}), "end_user.located_in", id="unknown-location"),
        pytest.param(case_doc("2021-06-01", "DE", H100), "date", id="date-before-regime"),
        pytest.param(case_doc("2024-06-01", "DE", H100, red_flags=["supp3.99"]), "red_flags[0]", id="unknown-red-flag"),
        pytest.param(case_doc("2024-06-01", "DE", H100, certifications=["dd_whatever"]), "certifications[0]",
                     id="unknown-certification"),
        pytest.param(case_doc("2024-06-01", "DE", H100, end_user={"restricted_party_hits": [{"list": "naughty"}]}),
                     "end_user.restricted_party_hits[0].list", id="unknown-party-list"),
        pytest.param(case_doc("2024-06-01", "DE", H100, end_user={"restricted_party_hits": [{"list": "entity_list", "footnote": 9}]}),
                     "end_user.restricted_party_hits[0].footnote", id="unknown-footnote"),
        pytest.param(case_doc("2026-08-01", "AE", H100, end_user={"supp8_entity": "acme"}), "end_user.supp8_entity",
                     id="unknown-supp8-entity"),
        pytest.param(case_doc("2024-06-01", "DE", H100, end_user={"military_or_intel": "maybe"}), "end_user.military_or_intel",
                     id="bad-party-status"),
        pytest.param(case_doc("2024-06-01", "DE", H100, transaction="transfer", origin="US"), "destination",
                     id="transfer-across-borders"),
        pytest.param(case_doc("2024-06-01", "DE", H100, transaction="gift"), "transaction", id="unknown-transaction"),
        pytest.param(case_doc("2024-06-01", "DE", H100, quantity=0), "quantity", id="zero-quantity"),
        pytest.param({"date": "2024-06-01", "destination": "DE", "item": H100}, "transaction", id="missing-transaction"),
        pytest.param(case_doc("2024-06-01", "DE", H100, surprise=1), "surprise", id="unknown-field"),
        pytest.param(case_doc("2024-06-01", "DE", {"eccn": "3A090.a", "tpp": "lots"}), "item.tpp", id="bad-item-tpp"),
    ],
)
def test_parse_errors_name_the_field(doc: dict[str, Any], field: str, rules: Any) -> None:
    with pytest.raises(InputError) as exc:
        run(doc, rules=rules)
    assert exc.value.field == field


@pytest.mark.parametrize(
    ("doc", "mode"),
    [
        pytest.param(case_doc("2024-06-01", "DE", {"eccn": "3A090.q"}), "enforced", id="unknown-eccn"),
        pytest.param(case_doc("2024-06-01", "DE", {"eccn": "3A090"}), "enforced", id="eccn-without-paragraph"),
        pytest.param(case_doc("2024-06-01", "DE", {"eccn": "4A003"}), "enforced", id="eccn-outside-rule-data"),
        pytest.param(case_doc("2024-06-01", "DE", {"eccn": "5A992.z.7"}), "enforced", id="unknown-z-paragraph"),
        pytest.param(case_doc("2024-11-01", "CN", {"eccn": "3A090.c"}), "enforced", id="3A090.c-before-2024-12-02"),
        pytest.param(case_doc("2024-06-01", "DE", {"eccn": "4E091"}), "text", id="4E091-before-2025-01-13"),
        pytest.param(case_doc("2023-06-01", "CN", {"eccn": "3A090.b"}), "enforced", id="3A090.b-before-2023-11-17"),
    ],
)
def test_unknown_eccn_is_an_error(doc: dict[str, Any], mode: str, rules: Any) -> None:
    with pytest.raises(InputError) as exc:
        run(doc, mode, rules)
    assert exc.value.field == "item.eccn"


def test_b_level_not_datacenter_is_excluded_by_note_2(rules: Any) -> None:
    with pytest.raises(InputError) as exc:
        run(case_doc("2024-06-01", "CN", {"eccn": "3A090.b.1", "datacenter_designed_or_marketed": False}), rules=rules)
    assert exc.value.field == "item.eccn"
    assert "Note 2" in exc.value.problem


def test_ear99_is_known(rules: Any) -> None:
    assert run(case_doc("2024-06-01", "DE", {"eccn": "ear99"}), rules=rules).classification == "EAR99"


def test_not_a_mapping(rules: Any) -> None:
    with pytest.raises(InputError) as exc:
        run([1, 2], rules=rules)  # type: ignore[arg-type]
    assert exc.value.field == "case"


def test_classify_errors_pass_through(rules: Any) -> None:
    with pytest.raises(InputError) as exc:
        run(case_doc("2024-06-01", "DE", {"kind": "gizmo"}), rules=rules)
    assert exc.value.field == "item.kind"


def test_empty_end_user_sections_allowed(rules: Any) -> None:
    doc = case_doc("2024-06-01", "DE", EAR99)
    doc["end_use"] = "training language models"
    d = run(doc, rules=rules)
    assert d.status == "no_license_required"


def test_export_to_the_origin_country_is_an_error(rules: Any) -> None:
    with pytest.raises(InputError) as exc:
        run(case_doc("2025-06-01", "US", H100), "text", rules)
    assert exc.value.field == "destination"


def test_a_level_not_datacenter_below_4800_is_excluded_by_note_2(rules: Any) -> None:
    """Note 2 to 3A090: a non-datacenter item with TPP below 4800 is not 3A090 (NAC/ACA need TPP >= 4800)."""
    item = {"eccn": "3A090.a.2", "tpp": 2000, "datacenter_designed_or_marketed": False}
    with pytest.raises(InputError) as exc:
        run(case_doc("2024-06-01", "CN", item), rules=rules)
    assert exc.value.field == "item.tpp"


@pytest.mark.parametrize("eccn", ["5A992.c", "5D992.c"])
def test_mass_market_encryption_is_at_only(eccn: str, rules: Any) -> None:
    """15 CFR 774 Supp. 1, 5A992/5D992 (AT; unverified in the rule data): no CCL licence to an ally,
    the embargo still applies, and the .z paragraph is not AT-only."""
    ally = run(case_doc("2024-06-01", "DE", {"eccn": eccn}), rules=rules)
    assert (ally.classification, ally.status) == (eccn, "no_license_required")
    assert any("AT-only" in r for r in ally.reasons)
    assert run(case_doc("2024-06-01", "IR", {"eccn": eccn}), rules=rules).status == "prohibited_without_authorization"
    z = run(case_doc("2024-06-01", "CN", {"eccn": eccn[:5] + ".z.1", "tpp": 6000, "datacenter_designed_or_marketed": True}), rules=rules)
    assert z.license_required is True
