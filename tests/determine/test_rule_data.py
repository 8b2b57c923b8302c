"""The rule data and the code agree: every key the code names exists, every key is read by code (or marked
documentation-only); the determination's unverified rules are listed in the usage note."""

from __future__ import annotations

import ast
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from determine_cases import case_doc, run

from exportgate.rules import DATA_DIR, RuleSet, load_rules

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "exportgate"
DATA = ROOT / "src" / "exportgate" / "rules" / "data"
FILES = ["scope", "policy", "exceptions", "enduse", "kyc", "records", "uae", "part746", "gp10"]
KEY = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")


def _params() -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in FILES:
        out.update(yaml.safe_load((DATA / f"{name}.yaml").read_text(encoding="utf-8"))["parameters"])
    return out


def code_keys(src: Path, namespaces: set[str]) -> dict[str, set[str]]:
    """Every string literal in the code that is a rule key (dotted, in a namespace of the rule data), with
    the files naming it."""
    out: dict[str, set[str]] = {}
    for path in sorted(src.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and KEY.match(node.value):
                if node.value.split(".")[0] in namespaces:
                    out.setdefault(node.value, set()).add(str(path.relative_to(src)))
    return out


def _referenced(data_dir: Path) -> set[str]:
    """Keys another parameter's value refers to (``{ref: key}``): read through that parameter."""
    refs: set[str] = set()
    for path in data_dir.glob("*.yaml"):
        for param in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("parameters", {}).values():
            refs |= {str(v["value"]["ref"]) for v in param["values"] if isinstance(v.get("value"), dict)
                     and set(v["value"]) == {"ref"}}
    return refs


def key_problems(rules: RuleSet, data_dir: Path, named: dict[str, set[str]]) -> list[str]:
    """Both directions: a key the code names that the data lacks; a key the data holds that no code reads
    (neither named, referred to, nor marked ``documentation_only``); a documentation-only key code reads."""
    problems = [f"{key}: named in {', '.join(sorted(files))} but not in the rule data"
                for key, files in sorted(named.items()) if not rules.has(key)]
    read = set(named) | _referenced(data_dir)
    for key in rules.keys():
        doc_only = rules.documentation_only(key)
        if doc_only is None and key not in read:
            problems.append(f"{key}: in the rule data but no code reads it (use it, or mark it documentation_only "
                            "with a documentation_reason)")
        if doc_only is not None and key in named:
            problems.append(f"{key}: marked documentation_only but named in {', '.join(sorted(named[key]))}")
    return problems


def _namespaces(rules: RuleSet) -> set[str]:
    return {k.split(".")[0] for k in rules.keys()}


def test_code_keys_and_data_keys_agree_both_ways() -> None:
    rules = load_rules()
    named = code_keys(SRC, _namespaces(rules))
    assert "enduse.744_23.exceptions_allowed" in named  # read by the 744.23 step (was hard-coded)
    assert len(named) > 100
    assert key_problems(rules, DATA_DIR, named) == []


def test_the_two_way_check_fails_both_ways(tmp_path: Path) -> None:
    """Remove a key the code reads, add a key nothing reads: both are reported."""
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    enduse = data / "enduse.yaml"
    doc = yaml.safe_load(enduse.read_text(encoding="utf-8"))
    del doc["parameters"]["enduse.744_23.exceptions_allowed"]
    doc["parameters"]["enduse.unused_example"] = {
        "description": "read by nothing",
        "values": [{"start": "2022-10-07", "value": 1, "citation": {"cfr": "15 CFR 744"}, "verification": "verified"}],
    }
    enduse.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    rules = load_rules(data)
    problems = key_problems(rules, data, code_keys(SRC, _namespaces(rules)))
    assert any(p.startswith("enduse.744_23.exceptions_allowed: named in determine/part744.py") for p in problems)
    assert any(p.startswith("enduse.unused_example: in the rule data but no code reads it") for p in problems)
    assert len(problems) == 2


@pytest.mark.parametrize("key", ["aaep.proposal.deadline", "aaep.proposal.financing_agencies"])
def test_documentation_only_keys_say_why(key: str) -> None:
    reason = load_rules().documentation_only(key)
    assert reason and len(reason) > 40


def test_744_23_exceptions_are_read_from_the_data(tmp_path: Path) -> None:
    """744.23(c): the exceptions that overcome an (a)(1)/(a)(2) requirement come from the data (none today)."""
    doc = case_doc("2024-06-01", "CN", {"eccn": "5A992.z.1", "tpp": 5000, "datacenter_designed_or_marketed": False},
                   facts={"written_purchase_order": True}, end_use={"supercomputer": True})
    barred = run(doc)
    assert (barred.status, barred.license_exception) == ("license_required", None)
    assert any(r.basis == "supercomputer" and r.exceptions == () for r in barred.requirements)
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    enduse = data / "enduse.yaml"
    text = enduse.read_text(encoding="utf-8")
    block = text[text.index("  enduse.744_23.exceptions_allowed:"):text.index("  enduse.entity_list.footnotes:")]
    enduse.write_text(text.replace(block, block.replace("value: []", "value: [NAC]")), encoding="utf-8")
    allowed = run(doc, rules=load_rules(data))
    assert (allowed.status, allowed.license_exception) == ("license_exception_available", "NAC")
    assert any(r.basis == "supercomputer" and r.exceptions == ("NAC",) for r in allowed.requirements)


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
