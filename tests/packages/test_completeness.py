"""Completeness against the American AI Exports Program: each finding, dated by the rule data."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from exportgate.packages import parse_package
from exportgate.packages.completeness import check_completeness, us_content
from exportgate.rules import Mode, load_rules

RULES = load_rules()
DAY = date(2026, 10, 15)


def _ids(doc: dict[str, Any], day: date = DAY) -> dict[str, str]:
    pkg = parse_package(doc)
    findings, _ = check_completeness(pkg, day, Mode.ENFORCED, RULES)
    for f in findings:
        assert f.citation, f  # every finding is cited
    return {f.id: f.severity for f in findings}


def test_complete_package_has_no_errors(doc: dict[str, Any]) -> None:
    ids = _ids(doc)
    assert [i for i, s in ids.items() if s == "error"] == []
    assert ids == {"us_content.presumption_met": "info"}


@pytest.mark.parametrize("layer", ["hardware", "data_pipelines", "models", "security", "applications"])
def test_each_missing_layer(doc: dict[str, Any], layer: str) -> None:
    doc["layers"][layer] = []
    ids = _ids(doc)
    assert ids[f"layer_missing.{layer}"] == "error"
    assert sum(1 for i in ids if i.startswith("layer_missing.")) == 1


def test_anchor_missing_and_multiple(doc: dict[str, Any]) -> None:
    doc["consortium"][0]["role"] = "member"
    assert _ids(doc)["anchor.missing"] == "error"
    doc["consortium"][0]["role"] = "anchor"
    doc["consortium"][1]["role"] = "anchor"
    assert _ids(doc)["anchor.multiple"] == "error"


def test_anchor_not_required_before_the_call_for_proposals(doc: dict[str, Any]) -> None:
    """The anchor-member rule came with the call for proposals (FR Doc 2026-06952, 2026-04-10)."""
    doc["consortium"][0]["role"] = "member"
    assert "anchor.missing" not in _ids(doc, date(2026, 1, 15))
    assert "anchor.missing" in _ids(doc, date(2026, 4, 10))


@pytest.mark.parametrize(
    "member",
    [
        {"name": "X", "country": "CN"},
        {"name": "X", "country": "HK"},
        {"name": "X", "country": "MO"},
        {"name": "X", "country": "SG", "hq": "CN"},
        {"name": "X", "country": "SG", "ultimate_parent_hq": "HK"},
        {"name": "X", "country": "DE", "controlled_from": ["CN"]},
    ],
)
def test_member_in_or_controlled_from_a_country_of_concern(doc: dict[str, Any], member: dict[str, Any]) -> None:
    doc["consortium"].append(member)
    ids = _ids(doc)
    assert ids["member.country_of_concern.2"] == "error"


def test_member_elsewhere_is_fine(doc: dict[str, Any]) -> None:
    doc["consortium"].append({"name": "X", "country": "SG", "hq": "TW", "controlled_from": ["US"]})
    assert not any(i.startswith("member.") for i in _ids(doc))


def test_software_provider_based_in_russia(doc: dict[str, Any]) -> None:
    doc["consortium"].append({"name": "R", "country": "RU", "provides": ["data_pipelines"]})
    ids = _ids(doc)
    assert ids["member.excluded_provider.2"] == "error"
    assert "member.country_of_concern.2" not in ids  # Russia is not a country of concern for membership
    # a Russian hardware-only member is not caught by the software-provider exclusion
    doc["consortium"][2]["provides"] = ["hardware"]
    assert "member.excluded_provider.2" not in _ids(doc)


def test_us_content_below_and_at_the_presumption(doc: dict[str, Any]) -> None:
    doc["layers"]["hardware"] = [
        {"description": "a", "quantity": 1, "value": 510, "us_content_share": 1.0, "eccn": "EAR99"},
        {"description": "b", "quantity": 1, "value": 490, "us_content_share": 0.0, "eccn": "EAR99"},
    ]
    assert _ids(doc)["us_content.presumption_met"] == "info"  # exactly 51%: met ("at least")
    doc["layers"]["hardware"][0]["value"] = 509
    assert _ids(doc)["us_content.below_presumption"] == "warning"


def test_us_content_layer_share_and_unknown(doc: dict[str, Any]) -> None:
    del doc["layers"]["hardware"][0]["us_content_share"]
    assert _ids(doc)["us_content.unknown"] == "warning"
    doc["layers"]["hardware_us_content_share"] = 0.6
    assert _ids(doc)["us_content.presumption_met"] == "info"
    pkg = parse_package(doc)
    assert us_content(pkg, 0.51).share == pytest.approx(0.6)


def test_us_content_not_assessed_before_the_call(doc: dict[str, Any]) -> None:
    doc["layers"]["hardware"][0]["us_content_share"] = 0.1
    assert not any(i.startswith("us_content") for i in _ids(doc, date(2025, 12, 1)))


def test_business_model_missing_and_incomplete(doc: dict[str, Any]) -> None:
    del doc["business_model"]["owns"]
    assert _ids(doc)["business_model.incomplete"] == "warning"
    del doc["business_model"]
    assert _ids(doc)["business_model.missing"] == "error"


def test_financing_missing(doc: dict[str, Any]) -> None:
    doc["financing"] = []
    assert _ids(doc)["financing.missing"] == "error"


def test_before_the_programme_nothing_is_required(doc: dict[str, Any]) -> None:
    doc["layers"]["security"] = []
    doc["financing"] = []
    doc["consortium"] = []
    ids = _ids(doc, date(2025, 3, 1))
    assert ids == {"program.not_in_force": "info"}


def test_target_countries_missing(doc: dict[str, Any]) -> None:
    """The schema already requires one destination; the rule (minimum from the rule data) is still checked."""
    pkg = parse_package(doc).model_copy(update={"destinations": []})
    findings, _ = check_completeness(pkg, DAY, Mode.ENFORCED, RULES)
    assert "target_countries.missing" in {f.id for f in findings}
