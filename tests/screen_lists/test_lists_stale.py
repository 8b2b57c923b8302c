"""Stale lists (issue 11): the lists older than the transaction by more than their usual publication interval,
from the rule data, through the Python API the package check uses and through `exportgate lists status`."""

from __future__ import annotations

import json
import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from exportgate.cli import app
from exportgate.errors import RuleDataError
from exportgate.rules import DATA_DIR, load_rules
from exportgate.screen.lists import Stale, load_active, staleness

ON = date(2026, 10, 20)
KEY = "screening.lists.max_age_days"


def interval(key: str, on: date = ON) -> int:
    value = load_rules().value(KEY, on)
    return int(value.get(key, value["default"]))


def test_lists_older_than_their_interval_are_stale() -> None:
    n = interval("ofac_sdn")
    as_of = {
        "ofac_sdn": (ON - timedelta(days=n + 1)).isoformat(),  # one day too old
        "entity_list": (ON - timedelta(days=interval("entity_list"))).isoformat(),  # exactly the interval: fine
        "dpl": (ON + timedelta(days=3)).isoformat(),  # newer than the transaction
        "uvl": "unknown",  # deny by default
    }
    found = staleness(as_of, ON, load_rules())
    assert [s.key for s in found] == ["ofac_sdn", "uvl"]
    sdn, uvl = found
    assert sdn == Stale(key="ofac_sdn", list_date=as_of["ofac_sdn"], on="2026-10-20", days=n + 1, interval=n,
                        citation=load_rules().resolve(KEY, ON).cite())
    assert f"is {n + 1} days older than 2026-10-20" in sdn.message()
    assert uvl.days is None and uvl.list_date is None and "unknown" in uvl.message()
    assert sdn.to_json()["interval"] == n


def test_a_list_can_have_its_own_interval(tmp_path: Path) -> None:
    data = tmp_path / "rules"
    shutil.copytree(DATA_DIR, data)
    doc = yaml.safe_load((data / "screening.yaml").read_text(encoding="utf-8"))
    doc["parameters"][KEY]["values"][0]["value"] = {"default": 60, "ofac_sdn": 7}
    (data / "screening.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    rules = load_rules(data)
    ten_days = (ON - timedelta(days=10)).isoformat()
    assert [s.key for s in staleness({"ofac_sdn": ten_days, "entity_list": ten_days}, ON, rules)] == ["ofac_sdn"]
    doc["parameters"][KEY]["values"][0]["value"] = {"ofac_sdn": 7}
    (data / "screening.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    with pytest.raises(RuleDataError, match=r"no usual publication interval .* for list 'entity_list'"):
        staleness({"entity_list": ten_days}, ON, load_rules(data))


def test_status_shows_the_stale_lists(small_home: Path) -> None:
    snap = load_active()
    sdn_date = date.fromisoformat(snap.sources["ofac_sdn"].as_of or "")
    fresh_day = sdn_date + timedelta(days=interval("ofac_sdn", sdn_date))
    out = CliRunner().invoke(app, ["lists", "status", "--json", "--on", fresh_day.isoformat()])
    assert out.exit_code == 0, out.output
    stale = {s["key"]: s for s in json.loads(out.stdout)["stale"]}
    assert "ofac_sdn" not in stale
    expected = {k for k, d in snap.lists_as_of().items()
                if d == "unknown" or (fresh_day - date.fromisoformat(d)).days > interval(k, fresh_day)}
    assert set(stale) == expected and "entity_list" in expected  # the CSL of April 2022
    out = CliRunner().invoke(app, ["lists", "status", "--on", (fresh_day + timedelta(days=1)).isoformat()])
    assert out.exit_code == 0, out.output
    assert "ofac_sdn: the list of" in out.stdout and "Run `exportgate lists update`" in out.stdout
    out = CliRunner().invoke(app, ["lists", "status", "--on", "2021-01-01"])
    assert out.exit_code == 2 and out.stderr.startswith("error: --on: 2021-01-01 is before")
