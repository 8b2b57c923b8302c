"""The determination rule data: loads, is cited, and its unverified rules are listed in the usage note."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from determine_cases import case_doc, run

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "src" / "exportgate" / "rules" / "data"
FILES = ["scope", "policy", "exceptions", "enduse", "kyc", "records", "uae"]


def _params() -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in FILES:
        out.update(yaml.safe_load((DATA / f"{name}.yaml").read_text(encoding="utf-8"))["parameters"])
    return out


def test_every_parameter_loads(rules: Any) -> None:
    for key in _params():
        assert rules.has(key), key


def test_unverified_rules_are_listed_in_the_usage_note() -> None:
    doc = (ROOT / "docs" / "usage" / "determine.md").read_text(encoding="utf-8")
    unverified = {k for k, p in _params().items() if any(v["verification"] == "unverified" for v in p["values"])}
    assert unverified
    missing = sorted(k for k in unverified if f"`{k}`" not in doc)
    assert not missing, f"unverified rules not listed in docs/usage/determine.md: {missing}"


def test_unlisted_classification_is_flagged(rules: Any) -> None:
    """An IC below 3A991.p: no listed paragraph -> no CCL requirement, but the ECCN is a condition."""
    tiny = {"kind": "integrated_circuit", "dense_tops": {"int8": 1}, "aggregate_bidirectional_io_gbps": 10}
    d = run(case_doc("2024-06-01", "CN", tiny), rules=rules)
    assert (d.classification, d.status) == (None, "no_license_required")
    assert any("confirm the item's ECCN" in c for c in d.conditions)
