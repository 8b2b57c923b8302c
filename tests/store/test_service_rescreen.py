"""Delta re-screening after a list update (a local SDN file with one entry changed, one removed, one added):
the change is recorded; new matches open alerts, removed entries close theirs, a package case is checked
again, and a remembered false positive re-opens (and alerts again) once its entry has changed."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from service_samples import fields, package_with, row, sdn_rows, write_sdn
from typer.testing import CliRunner

from exportgate.cli import app
from exportgate.screen import Screener
from exportgate.screen.lists import load_active
from exportgate.store.service import Service

CHANGED = "AEROCARIBBEAN AIRLINES"  # ent_num 36: its remarks change
REMOVED = "BOUTIQUE LA MAISON"  # ent_num 424: removed
ADDED = "NORTHWIND QUANTUM TRADING LLC"  # a new entry


@pytest.fixture(scope="session")
def lists_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data home whose active version is the first 400 rows of the embedded SDN file (the rest embedded)."""
    from exportgate.screen.lists.store import update

    home = tmp_path_factory.mktemp("rescreen-home")
    src = write_sdn(tmp_path_factory.mktemp("files") / "sdn_2024-05-03.csv", sdn_rows(400))
    update([str(src)], home, min_ratio=0.0)
    return home


@pytest.fixture
def home(lists_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db_url: str) -> Path:
    h = tmp_path / "home"
    shutil.copytree(lists_home, h)
    monkeypatch.setenv("EXPORTGATE_HOME", str(h))
    monkeypatch.setenv("EXPORTGATE_DB_URL", db_url)
    return h


@pytest.fixture
def svc(home: Path, db_url: str) -> Iterator[Service]:
    service = Service.open(db_url, screener=Screener(load_active(home)), home=home)
    yield service
    service.close()


def next_version(tmp_path: Path) -> Path:
    rows = []
    for r in sdn_rows(400):
        f = fields(r)
        if f[1] == REMOVED:
            continue
        if f[1] == CHANGED:
            f[11] = "Linked To: EMPRESA CUBANA DE AVIACION (changed)."
            r = row(f)
        rows.append(r)
    rows.append(row(["999901", ADDED, "-0- ", "IRAN", "-0- ", "-0- ", "-0- ", "-0- ", "-0- ", "-0- ", "-0- ", "-0- "]))
    return write_sdn(tmp_path / "sdn_2024-05-10.csv", rows)


def alert_on(case: Any, listed: str) -> Any:
    [alert] = [a for a in case.alert_list if (a.listed_name or "").upper() == listed]
    return alert


def test_a_list_update_rescreens_the_stored_parties(svc: Service, home: Path, tmp_path: Path) -> None:
    me = svc.local_actor("compliance")
    changed = svc.screen(me, CHANGED.title(), country="CU")
    fp = alert_on(changed, CHANGED)
    svc.alerts.decide(me, fp.id, "false_positive", "a different airline of the same name")
    again = svc.screen(me, CHANGED.title(), country="CU")
    assert alert_on(again, CHANGED).status == "false_positive" and alert_on(again, CHANGED).suppressed is not None
    removed = svc.screen(me, REMOVED.title(), country="CU")
    assert alert_on(removed, REMOVED).status == "open"
    added = svc.screen(me, "Northwind Quantum Trading", country="IR")
    assert added.alerts == 0 and added.status == "clear"
    package = svc.check(me, package_with("Northwind Quantum Trading LLC"))
    assert package.status == "clear" and package.alerts == 0

    out = CliRunner().invoke(app, ["lists", "update", "--from", str(next_version(tmp_path)), "--min-ratio", "0"],
                             catch_exceptions=False)
    assert out.exit_code == 0, out.output
    assert "recorded list change #1: 1 added, 1 removed, 1 changed" in out.stdout
    assert f"re-screened {4 + len(package.parties)} stored parties" in out.stdout
    change = svc.lists.change(me, 1)
    assert sorted((e["change"], e["name"]) for e in change.entries) == [
        ("added", ADDED), ("changed", CHANGED), ("removed", REMOVED)]
    assert [e["fields"] for e in change.entries if e["change"] == "changed"] == [["remarks"]]
    report = change.rescreen
    assert report is not None and report["changes"] == [1] and report["candidates"] >= 3
    assert report["cases_rechecked"] == [package.id]

    svc.screener = Screener(load_active(home))  # the lists now active
    # the new entry: an alert on the screening and on the package, whose verdict follows
    new = alert_on(svc.cases.get(me, added.id), ADDED)
    assert (new.status, new.source) == ("open", "rescreen") and svc.cases.get(me, added.id).status == "review"
    checked = svc.cases.get(me, package.id)
    assert checked.status == checked.result["verdict"] == "review" and [r.reason for r in checked.runs] == [
        "stored", "rescreen"]
    assert alert_on(checked, ADDED).status == "open"
    # the removed entry: its open alert closed, saying why
    gone = svc.alerts.get(me, alert_on(removed, REMOVED).id)
    assert gone.status == "closed" and "removed from ofac_sdn (list change #1)" in (gone.history[-1].comment or "")
    # the changed entry: the decided and the suppressed false positives re-opened; a new screening alerts
    for case in (changed, again):
        reopened = svc.alerts.get(me, alert_on(case, CHANGED).id)
        assert reopened.status == "open" and reopened.history[-1].action == "reopened"
        assert reopened.entry_fingerprint != fp.entry_fingerprint
    fresh = alert_on(svc.screen(me, CHANGED.title(), country="CU"), CHANGED)
    assert fresh.status == "open" and "no longer applies" in (svc.alerts.get(me, fresh.id).history[0].comment or "")
    # nothing is waiting; a second re-screen does nothing
    assert svc.rescreen(me).changes == []
    events = [x.event for x in svc.audit_log.events()]
    assert events.count("lists.update") == 1 and events.count("rescreen") == 1 and svc.audit_verify(me).ok


def test_rescreen_later_and_from_the_command_line(svc: Service, home: Path, tmp_path: Path) -> None:
    me = svc.local_actor("compliance")
    added = svc.screen(me, "Northwind Quantum Trading", country="IR")
    out = CliRunner().invoke(app, ["lists", "update", "--from", str(next_version(tmp_path)), "--min-ratio", "0",
                                   "--no-rescreen"], catch_exceptions=False)
    assert out.exit_code == 0 and "not re-screened (--no-rescreen)" in out.stdout
    assert svc.cases.get(me, added.id).alerts == 0
    out = CliRunner().invoke(app, ["rescreen", "--json"], catch_exceptions=False)
    assert out.exit_code == 0, out.output
    report = json.loads(out.stdout)
    assert report["alerts_opened"] == 1 and report["parties"] == 1 and report["entries"] == 2
    assert svc.cases.get(me, added.id).open_alerts == 1
    out = CliRunner().invoke(app, ["lists", "rollback"], catch_exceptions=False)
    assert out.exit_code == 0 and "recorded list change #2: 1 added, 1 removed, 1 changed" in out.stdout
    # rolled back: the new entry is gone again, its alert closed
    assert svc.cases.get(me, added.id).open_alerts == 0
    # once the store has users, only an admin changes the lists: refused before anything changes
    from exportgate.screen.lists.versions import active_name

    svc.users.add(me, "ann", "analyst")
    before = active_name(home)
    out = CliRunner().invoke(app, ["lists", "rollback", "--as", "ann"], catch_exceptions=False)
    assert out.exit_code == 2 and out.stderr.startswith("error: actor: ann (analyst) may not update")
    assert active_name(home) == before
