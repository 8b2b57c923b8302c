"""``rules.at(day, mode)``: one memoised snapshot per date and mode, and the trace that records what was consulted."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
import yaml

from exportgate.errors import InputError, RuleDataError
from exportgate.rules import DATA_DIR, Mode, RuleSet, load_rules
from exportgate.rules import ruleset as ruleset_module

RULES = load_rules()
DAY = date(2025, 6, 1)


def test_one_snapshot_per_date_and_mode() -> None:
    a = RULES.at(DAY, Mode.TEXT)
    assert RULES.at(DAY, "text") is a
    assert RULES.at(DAY, Mode.ENFORCED) is not a
    assert (a.as_of, a.mode, a.rules) == (DAY, Mode.TEXT, RULES)


def test_snapshot_answers_as_the_dated_lookup_does() -> None:
    fresh = load_rules(DATA_DIR)  # a rule set with no snapshot yet
    for mode in Mode:
        snap = RULES.at(DAY, mode)
        for key in RULES.keys():
            try:
                expected = fresh._lookup(key, DAY, mode)  # the raw value, unevaluated
            except ruleset_module.NotInForce:
                continue
            got = snap.resolve(key)
            assert (got.key, got.start, got.end, got.citation) == (expected.key, expected.start, expected.end,
                                                                     expected.citation)
            assert got == fresh.resolve(key, DAY, mode)


def test_each_parameter_is_computed_once_per_snapshot(monkeypatch: pytest.MonkeyPatch) -> None:
    rules = load_rules(DATA_DIR)
    calls: list[str] = []
    original = RuleSet.members

    def counting(self: RuleSet, group: str, as_of: date) -> frozenset[str]:
        calls.append(group)
        return original(self, group, as_of)

    monkeypatch.setattr(RuleSet, "members", counting)
    first = rules.resolve("scope.destinations", DAY, Mode.ENFORCED)
    expanded = len(calls)
    assert expanded > 0 and isinstance(first.value, frozenset) and "CN" in first.value
    again = rules.resolve("scope.destinations", DAY, Mode.ENFORCED)
    assert again is first and len(calls) == expanded  # not recomputed, groups not expanded again
    # another key naming the same groups reuses the expanded groups of the snapshot
    rules.resolve("policy.d5_macau.destinations", DAY, Mode.ENFORCED)
    assert calls.count("D:5") <= 1


def test_snapshot_before_the_regime_is_an_input_error() -> None:
    with pytest.raises(InputError) as exc:
        RULES.at(date(2000, 1, 1), Mode.ENFORCED)
    assert exc.value.field == "as_of"


def test_trace_records_consulted_keys_reasons_and_citations() -> None:
    trace = RULES.at(DAY, Mode.ENFORCED).trace()
    assert trace.consulted == [] and trace.citations == [] and trace.reasons == []
    trace.get("scope.destinations")
    trace.cset("policy.d5_macau.destinations")
    trace.get("scope.destinations")
    assert trace.consulted == ["scope.destinations", "policy.d5_macau.destinations"]
    assert trace.citations == []  # get/cset do not cite
    # use() cites a parameter in force, not one that is null on the date
    assert trace.use("exception.lpp.available") is False
    assert trace.citations == [RULES.resolve("exception.lpp.available", DAY).cite()]
    assert trace.use("policy.allocation.tpp") is None
    assert len(trace.citations) == 1
    r = trace.resolve("records.retention_years")
    trace.say("keep the records", r, "a free citation")
    assert trace.reasons == ["keep the records"]
    assert trace.citations[-2:] == [r.cite(), "a free citation"]
    trace.country("CN")
    trace.country("CN")
    assert trace.countries == ["CN"]
    # two traces of one snapshot share its answers, not their records
    other = RULES.at(DAY, Mode.ENFORCED).trace()
    assert other.consulted == [] and other.at is trace.at


def test_rule_data_is_parsed_with_libyaml_where_available() -> None:
    if getattr(yaml, "__with_libyaml__", False):
        assert ruleset_module._YAML_LOADER is yaml.CSafeLoader
    else:
        assert ruleset_module._YAML_LOADER is yaml.SafeLoader


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    target.mkdir()
    for name in ("country_groups.yaml", "regime.yaml"):
        shutil.copy(DATA_DIR / name, target)
    return target


def _param(**extra: object) -> dict[str, object]:
    return {"description": "test", "values": [{"start": "2022-10-07", "value": 1, "citation": {"cfr": "15 CFR 1"},
                                               "verification": "verified"}], **extra}


def test_documentation_only_needs_a_reason(tmp_path: Path) -> None:
    data = _copy(tmp_path)
    path = data / "x.yaml"
    path.write_text(yaml.safe_dump({"parameters": {"x.shown": _param(documentation_only=True,
                                                                      documentation_reason="shown to people")}}))
    rules = load_rules(data)
    assert rules.documentation_only("x.shown") == "shown to people"
    assert rules.documentation_only("regime.start") is None
    path.write_text(yaml.safe_dump({"parameters": {"x.shown": _param(documentation_only=True)}}))
    with pytest.raises(RuleDataError, match="documentation_reason"):
        load_rules(data)
    path.write_text(yaml.safe_dump({"parameters": {"x.shown": _param(documentation_reason="why")}}))
    with pytest.raises(RuleDataError, match="documentation_only"):
        load_rules(data)
