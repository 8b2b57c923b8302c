"""The rule loader: validation at load time, dated lookups, modes, country groups."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner, Result

from exportgate.cli import app
from exportgate.errors import InputError, RuleDataError
from exportgate.rules import DATA_DIR, Mode, NotInForce, UnknownParameter, load_rules


@pytest.fixture()
def data_copy(tmp_path: Path) -> Path:
    """A private copy of the country data plus the regime file, to break on purpose."""
    target = tmp_path / "data"
    target.mkdir()
    shutil.copy(DATA_DIR / "country_groups.yaml", target)
    shutil.copy(DATA_DIR / "regime.yaml", target)
    return target


def _write(dir_: Path, name: str, parameters: dict) -> None:
    (dir_ / name).write_text(yaml.safe_dump({"parameters": parameters}, sort_keys=False), encoding="utf-8")


CIT = {"cfr": "15 CFR 774 Supp. 1"}


def _param(*values: dict) -> dict:
    return {"description": "test", "values": list(values)}


def _v(start: str, value: object, end: str | None = None, mode: str = "both", **extra: object) -> dict:
    out: dict = {"start": start, "value": value, "mode": mode, "citation": CIT, "verification": "verified"}
    if end:
        out["end"] = end
    out.update(extra)
    return out


def test_shipped_rule_data_loads_and_is_cited() -> None:
    rules = load_rules()
    assert rules.regime_start == date(2022, 10, 7)
    assert len(rules.sha256) == 64
    for r in rules.in_force(date(2026, 9, 24), Mode.ENFORCED) + rules.in_force(date(2026, 9, 24), Mode.TEXT):
        assert str(r.citation), r.key


def test_lookup_by_date_and_mode(data_copy: Path) -> None:
    _write(data_copy, "t.yaml", {
        "t.limit": _param(_v("2022-10-07", 10, end="2023-11-16"), _v("2023-11-17", 20, mode="both", end="2025-01-12"),
                          _v("2025-01-13", 30, mode="text"), _v("2025-01-13", 20, mode="enforced")),
    })
    rules = load_rules(data_copy)
    assert rules.value("t.limit", date(2023, 11, 16)) == 10
    assert rules.value("t.limit", date(2023, 11, 17)) == 20
    assert rules.value("t.limit", date(2025, 1, 13), Mode.TEXT) == 30
    assert rules.value("t.limit", date(2025, 1, 13), Mode.ENFORCED) == 20
    changes = rules.diff(date(2024, 1, 1), date(2025, 2, 1), Mode.TEXT)
    assert [(c.key, c.before.value if c.before else None, c.after.value if c.after else None) for c in changes] == [
        ("t.limit", 20, 30)]
    assert rules.diff(date(2024, 1, 1), date(2025, 2, 1), Mode.ENFORCED) == []
    assert date(2025, 1, 13) in rules.change_dates(Mode.TEXT)


def test_before_regime_start_is_an_error() -> None:
    rules = load_rules()
    with pytest.raises(InputError) as exc:
        rules.resolve("regime.start", date(2022, 10, 6))
    assert exc.value.field == "as_of"


def test_unknown_parameter_and_not_in_force(data_copy: Path) -> None:
    _write(data_copy, "t.yaml", {"t.late": _param(_v("2024-12-02", 2))})
    rules = load_rules(data_copy)
    with pytest.raises(UnknownParameter):
        rules.value("t.nope", date(2024, 1, 1))
    with pytest.raises(NotInForce):
        rules.value("t.late", date(2024, 12, 1))
    assert rules.value("t.late", date(2024, 12, 2)) == 2


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({"t.x": _param(_v("2022-10-07", 1, end="2023-12-31"), _v("2023-06-01", 2))}, "overlap"),
        ({"t.x": _param(_v("2022-10-07", 1, end="2023-01-01"), _v("2023-06-01", 2))}, "gap"),
        ({"t.x": _param({"start": "2022-10-07", "value": 1, "citation": {"note": "x"}, "verification": "verified"})},
         "citation needs"),
        ({"t.x": _param({"start": "2022-10-07", "value": 1, "verification": "verified"})}, "citation"),
        ({"t.x": _param(_v("2022-10-07", {"ref": "t.missing"}))}, "missing parameter 't.missing'"),
        ({"t.countries": _param(_v("2022-10-07", ["CN", "XX"]))}, "unknown country code 'XX'"),
        ({"t.scope": _param(_v("2022-10-07", {"country_set": {"union": ["D:9"]}}))}, "unknown country or group 'D:9'"),
        ({"t.x": _param(_v("2022-10-07", 1, verification="sure"))}, "verification"),
    ],
    ids=["overlap", "gap", "citation-without-source", "no-citation", "missing-ref", "unknown-country",
         "unknown-group", "bad-verification"],
)
def test_invalid_rule_data_names_file_key_and_problem(data_copy: Path, parameters: dict, message: str) -> None:
    _write(data_copy, "broken.yaml", parameters)
    with pytest.raises(RuleDataError) as exc:
        load_rules(data_copy)
    text = str(exc.value)
    assert "broken.yaml" in text
    assert message in text
    if "overlap" in message or "gap" in message or "missing" in message or "unknown" in message:
        assert "t." in text  # names the key


def test_duplicate_key_across_files(data_copy: Path) -> None:
    _write(data_copy, "a.yaml", {"t.x": _param(_v("2022-10-07", 1))})
    _write(data_copy, "b.yaml", {"t.x": _param(_v("2022-10-07", 1))})
    with pytest.raises(RuleDataError, match="defined twice"):
        load_rules(data_copy)


def test_unknown_country_in_group_table(data_copy: Path) -> None:
    doc = yaml.safe_load((data_copy / "country_groups.yaml").read_text())
    doc["groups"]["D:5"]["members"].append({"country": "XX", "start": "2022-10-07", "verification": "verified"})
    (data_copy / "country_groups.yaml").write_text(yaml.safe_dump(doc))
    with pytest.raises(RuleDataError, match=r"country_groups.yaml: groups.D:5: unknown country code 'XX'"):
        load_rules(data_copy)


def test_ref_and_country_set_evaluate_on_the_query_date(data_copy: Path) -> None:
    _write(data_copy, "t.yaml", {
        "t.scope": _param(_v("2022-10-07", {"country_set": {"union": ["D:1", "D:4", "D:5"], "minus": ["A:5", "A:6"]}})),
        "t.alias": _param(_v("2022-10-07", {"ref": "t.scope"})),
    })
    rules = load_rules(data_copy)
    before, after = rules.value("t.alias", date(2026, 1, 1)), rules.value("t.alias", date(2026, 8, 1))
    # The UAE was D:3/D:4 until July 2026, then A:5: in the licensed set before, out after.
    assert "AE" in before and "AE" not in after
    assert "IL" not in before  # D:4 but also A:6
    assert "MO" in before and "CN" in before and "US" not in before
    expected = {"AF", "AM", "AZ", "BH", "BY", "CD", "CF", "CN", "CU", "EG", "ER", "GE", "HT", "IQ", "IR", "JO", "KG",
                "KH", "KP", "KW", "KZ", "LA", "LB", "LY", "MD", "MM", "MN", "MO", "NI", "OM", "PK", "QA", "RU", "SA",
                "SD", "SO", "SS", "SY", "TJ", "TM", "UZ", "VE", "VN", "YE", "ZW"}
    # fact sheet §2.1: the 45 destinations of the pre-Diffusion test as of 2026-09-24
    assert after == expected


def test_country_groups_dated_changes() -> None:
    rules = load_rules()
    assert rules.in_group("KH", "D:5", date(2025, 11, 6))
    assert not rules.in_group("KH", "D:5", date(2025, 11, 7))
    assert rules.in_group("KH", "D:1", date(2026, 9, 24))
    assert rules.in_group("AE", "D:4", date(2026, 7, 9)) and not rules.in_group("AE", "A:5", date(2026, 7, 9))
    assert rules.in_group("AE", "A:5", date(2026, 7, 10)) and not rules.in_group("AE", "D:4", date(2026, 7, 10))
    m = rules.membership("AE", "A:5", date(2026, 8, 1))
    assert m is not None and m.verification.value == "unverified" and "91 FR 43038" in m.cite()
    assert set(rules.groups_of("MO", date(2024, 1, 1))) == {"D:1", "D:3", "D:4"}
    assert {"A:6", "D:3"} <= set(rules.groups_of("TW", date(2024, 1, 1)))


def test_hong_kong_follows_china() -> None:
    rules = load_rules()
    cc, why = rules.effective_country("hk", date(2024, 1, 1))
    assert cc == "CN" and why is not None and "85 FR 83765" in why.cite() and "unverified" in why.cite()
    assert rules.in_group("HK", "D:5", date(2024, 1, 1))
    assert rules.groups_of("HK", date(2024, 1, 1)) == rules.groups_of("CN", date(2024, 1, 1))


def test_unknown_country_code_is_an_input_error() -> None:
    with pytest.raises(InputError) as exc:
        load_rules().country_code("XX", field="destination")
    assert exc.value.field == "destination"


def test_cli_rules_show_diff_countries() -> None:
    def run(*args: str) -> Result:
        return CliRunner().invoke(app, list(args))

    out = run("countries", "show", "AE", "--as-of", "2026-08-01", "--json")
    assert out.exit_code == 0, out.output
    assert set(yaml.safe_load(out.stdout)["groups"]) == {"A:5", "B"}
    bad = run("countries", "show", "ZZ")
    assert bad.exit_code == 2 and bad.stderr.strip() == "error: CC: unknown country code 'ZZ'"
    early = run("rules", "show", "--as-of", "2021-01-01")
    assert early.exit_code == 2 and early.stderr.startswith("error: --as-of") and "Traceback" not in early.output
    shown = run("rules", "show", "--as-of", "2024-01-01", "--json")
    assert shown.exit_code == 0, shown.output
    assert any(p["key"] == "regime.start" for p in yaml.safe_load(shown.stdout)["parameters"])
    diff = run("rules", "diff", "2023-01-01", "2024-01-01", "--json")
    assert diff.exit_code == 0, diff.output
    assert yaml.safe_load(diff.stdout)["from"] == "2023-01-01"
