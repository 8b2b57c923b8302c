"""Cases and alerts end to end: stored screenings, determinations and package checks; decisions that the
package verdict follows; remembered false positives; sign-off; retention; hostile text stored and shown inert."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from service_samples import DETERMINE_CASE, LISTED_LIKE, package_with
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from exportgate.cli import app
from exportgate.errors import AccessDenied, InputError, NotFound
from exportgate.reports import render
from exportgate.store.service import Service
from exportgate.store.service_models import Alert, AlertEvent, Case, CaseParty, CaseRun


@pytest.fixture
def svc(db_url: str, warm_index: Any, migrated: Any) -> Iterator[Service]:
    service = Service.open(migrated(db_url), screener=warm_index)
    admin = service.local_actor("installer")
    service.users.add(admin, "adam", "admin")
    for name, role in (("rita", "reviewer"), ("ann", "analyst")):
        service.users.add(service.local_actor("adam"), name, role)
    yield service
    service.close()


def test_a_package_verdict_follows_the_decisions(svc: Service) -> None:
    ann, rita = svc.local_actor("ann"), svc.local_actor("rita")
    case = svc.check(ann, package_with(LISTED_LIKE))
    assert (case.kind, case.status, case.result["verdict"]) == ("check", "review", "review")
    [alert] = case.alert_list
    assert (alert.status, alert.party.name, alert.list, alert.strength) == ("open", LISTED_LIKE, "entity_list", "strong")
    assert case.runs[0].rules_sha256 == svc.rules.sha256 and case.runs[0].lists["entity_list"].as_of == "2022-04-21"
    assert case.result["signature"]["alg"] == "HMAC-SHA256"  # recordable in the ledger without --force

    with pytest.raises(AccessDenied):
        svc.alerts.decide(ann, alert.id, "false_positive", "not the same company")
    with pytest.raises(InputError, match="comment: is required"):
        svc.alerts.decide(rita, alert.id, "false_positive", "  ")
    decided = svc.alerts.decide(rita, alert.id, "false_positive", "Huawei's Japanese subsidiary is not this KK")
    assert decided.status == "false_positive"
    assert [(h.action, h.actor, h.to_status) for h in decided.history] == [
        ("opened", "ann", "open"), ("decided", "rita", "false_positive")]
    after = svc.cases.get(ann, case.id)
    assert after.status == after.result["verdict"] == "clear" and len(after.runs) == 2
    assert after.runs[1].reason == "alert_decided" and after.runs[1].actor == "rita"
    [match] = [m for p in after.result["screening"]["parties"] if p["name"] == LISTED_LIKE for m in p["matches"]]
    assert match["decision"]["status"] == "applied" and match["decision"]["by"] == "rita"

    assert svc.alerts.decide(rita, alert.id, "open", None).status == "open"
    assert svc.cases.get(ann, case.id).status == "review"
    svc.alerts.decide(rita, alert.id, "escalated", "ask the senior reviewer")
    assert svc.cases.get(ann, case.id).status == "review"
    svc.alerts.decide(rita, alert.id, "confirmed_match", "same registration number as the listed entry")
    blocked = svc.cases.get(ann, case.id)
    assert blocked.status == blocked.result["verdict"] == "blocked" and len(blocked.runs) == 5
    assert any("confirmed on entity_list" in r for r in blocked.result["verdict_reasons"])
    with pytest.raises(InputError, match="already"):
        svc.alerts.decide(rita, alert.id, "confirmed_match", "again")
    # the memo of the latest run, in each format
    md = render(svc.cases.memo_source(ann, case.id), "md")
    assert isinstance(md, str) and "BLOCKED" in md.upper()
    with pytest.raises(NotFound):
        svc.cases.get(ann, 999_999)


def test_a_remembered_false_positive_suppresses_the_same_match_later(svc: Service) -> None:
    ann, rita = svc.local_actor("ann"), svc.local_actor("rita")
    first = svc.check(ann, package_with(LISTED_LIKE))
    svc.alerts.decide(rita, first.alert_list[0].id, "false_positive", "a different company (checked the register)")
    # the same party in another package: suppressed, the verdict clear from the start
    second = svc.check(ann, package_with(LISTED_LIKE, example="01-japan-sovereign-cloud.yaml"))
    [alert] = second.alert_list
    assert (second.status, alert.status) == ("clear", "false_positive")
    assert alert.suppressed is not None and alert.suppressed.alert_id == first.alert_list[0].id
    assert alert.suppressed.decided_by == "rita" and "register" in alert.suppressed.comment
    assert svc.alerts.get(ann, alert.id).history[0].action == "suppressed"
    # and in a screening of the name (same normalised name and country)
    screened = svc.screen(ann, "HUAWEI  technologies japan kk", country="JP")
    suppressed = [a for a in screened.alert_list if a.entity_id == alert.entity_id]
    assert [a.status for a in suppressed] == ["false_positive"] and suppressed[0].suppressed is not None
    # another country is another party: it alerts
    other = svc.screen(ann, LISTED_LIKE, country="CN")
    assert {a.status for a in other.alert_list if a.entity_id == alert.entity_id} == {"open"}
    # a confirmation of the same party and entry revokes the memory
    svc.alerts.decide(rita, alert.id, "confirmed_match", "new evidence: it is the listed entity")
    third = svc.check(ann, package_with(LISTED_LIKE))
    assert third.status == "review" and third.alert_list[0].status == "open"


def test_screenings_and_determinations_are_cases(svc: Service) -> None:
    ann, rita = svc.local_actor("ann"), svc.local_actor("rita")
    screened = svc.screen(ann, "Huawei Technologies", country="CN")
    assert screened.kind == "screen" and screened.status == "review" and screened.alerts == screened.open_alerts > 1
    assert screened.parties[0].name == "Huawei Technologies" and screened.parties[0].country == "CN"
    with pytest.raises(InputError, match="undecided"):
        svc.cases.sign_off(rita, screened.id, "looks fine")
    hit = next(a for a in screened.alert_list if a.list == "entity_list")
    svc.alerts.decide(rita, hit.id, "confirmed_match", "the listed Huawei")
    assert svc.cases.get(ann, screened.id).status == "blocked"  # confirmed on a blocking list: the worst wins
    with pytest.raises(InputError, match="undecided"):
        svc.cases.sign_off(rita, screened.id, "blocked: listed")
    for a in screened.alert_list:
        if a.id != hit.id:
            svc.alerts.decide(rita, a.id, "false_positive", "another Huawei entity, decided above")
    assert svc.cases.get(ann, screened.id).status == "blocked"
    signed = svc.cases.sign_off(rita, screened.id, "blocked: listed")
    assert signed.signed_off_by == "rita"
    with pytest.raises(AccessDenied):
        svc.cases.sign_off(ann, screened.id, "x")

    determined = svc.determine(ann, DETERMINE_CASE)
    assert (determined.kind, determined.status, determined.result["status"]) == (
        "determine", "clear", "no_license_required")
    assert [p.name for p in determined.parties] == ["Sakura Sovereign Cloud KK"]
    listed = svc.cases.list(ann, kind="screen")
    assert [c.id for c in listed] == [screened.id]
    assert {c.id for c in svc.cases.list(ann)} == {screened.id, determined.id}
    assert svc.cases.list(ann, title="sakura")[0].id == determined.id
    queue = svc.alerts.list(ann, status="confirmed_match")
    assert [a.id for a in queue] == [hit.id]


def test_retention_refuses_deletion(svc: Service) -> None:
    ann, adam = svc.local_actor("ann"), svc.local_actor("adam")
    case = svc.screen(ann, "Huawei Technologies", country="CN")
    assert case.retain_until.year - case.created_at.year == 5  # records.retention_years (15 CFR 762.6)
    with pytest.raises(AccessDenied):
        svc.cases.delete(ann, case.id)
    with pytest.raises(InputError, match=r"kept until .* cannot be deleted before then"):
        svc.cases.delete(adam, case.id)
    with pytest.raises(InputError, match="cannot be deleted"):
        svc.cases.delete(adam, case.id, today=case.retain_until - timedelta(days=1))
    with Session(svc.engine) as session:
        assert session.scalar(select(func.count()).select_from(Alert)) == case.alerts
    svc.cases.delete(adam, case.id, today=case.retain_until)
    with Session(svc.engine) as session:
        for model in (Case, CaseRun, CaseParty, Alert, AlertEvent):
            assert session.scalar(select(func.count()).select_from(model)) == 0
    assert [e.event for e in svc.audit_log.events()][-2:] == ["case.store", "case.delete"]
    assert svc.audit_verify(ann).ok


HOSTILE = [
    "Robert'); DROP TABLE cases;-- Trading",
    "<script>alert('x')</script> Holdings",
    "{{ 7*7 }} {% for x in y %} ${7*7} Ltd",
    "../../../etc/passwd Logistics",
    "[bold red]ACME[/] [link=file:///etc/passwd]x[/link] Co",
    "=HYPERLINK(\"http://evil\") Corp",
]


def test_hostile_text_is_stored_as_written_and_shown_inert(svc: Service, tmp_path: Path, db_url: str) -> None:
    ann, rita = svc.local_actor("ann"), svc.local_actor("rita")
    cases = [svc.screen(ann, name, country="JP") for name in HOSTILE]
    for name, case in zip(HOSTILE, cases, strict=True):
        assert case.title == " ".join(name.split()) and case.parties[0].name == name
        assert case.input["name"] == name
    pkg = svc.check(ann, package_with(LISTED_LIKE, *HOSTILE[:4]))
    decided = svc.alerts.decide(rita, pkg.alert_list[0].id, "false_positive", HOSTILE[1] + " " + HOSTILE[2])
    assert decided.history[-1].comment == HOSTILE[1] + " " + HOSTILE[2]
    with svc.engine.connect() as conn:  # no statement ran from the text: every table is there
        assert conn.execute(text("SELECT count(*) FROM cases")).scalar_one() == len(HOSTILE) + 1
    html = render(svc.cases.memo_source(ann, pkg.id), "html")
    assert isinstance(html, str) and "<script>alert" not in html and "&lt;script&gt;alert" in html
    assert "{{ 7*7 }}" in html and ">49<" not in html

    # the command line prints them as written: no markup obeyed, no template evaluated
    def run(*args: str) -> Any:
        return CliRunner().invoke(app, [*args, "--db", db_url, "--as", "ann"], catch_exceptions=False)

    out = run("cases", "list")
    assert out.exit_code == 0, out.output
    listing = run("cases", "list", "--json")
    assert {c["title"] for c in json.loads(listing.stdout)} >= {" ".join(n.split()) for n in HOSTILE}
    shown = run("alerts", "show", str(decided.id))
    assert shown.exit_code == 0 and "<script>alert('x')</script>" in shown.stdout and "{{ 7*7 }}" in shown.stdout
    wide = CliRunner().invoke(app, ["cases", "show", str(cases[4].id), "--db", db_url, "--as", "ann"],
                              env={"COLUMNS": "300"}, catch_exceptions=False)
    assert "[bold red]ACME[/]" in wide.stdout and "[link=file:///etc/passwd]" in wide.stdout


def test_cases_and_alerts_from_the_command_line(tmp_path: Path, warm_index: Any) -> None:
    """`screen --save`, `check --save`, `alerts decide` with a comment: the package verdict follows."""
    db = str(tmp_path / "store.db")
    pkg = tmp_path / "pkg.json"
    pkg.write_text(json.dumps(package_with(LISTED_LIKE), default=str), encoding="utf-8")

    def run(*args: str) -> Any:
        return CliRunner().invoke(app, [*args], catch_exceptions=False)

    out = run("screen", "Huawei Technologies", "--country", "CN", "--save", "--db", db, "--json")
    assert out.exit_code == 0, out.output
    saved = json.loads(out.stdout)
    assert saved["case"]["status"] == "review" and saved["case"]["open_alerts"] == len(saved["matches"]) > 0
    out = run("check", str(pkg), "--save", "--db", db)
    assert out.exit_code == 20, out.output  # review
    assert "saved as case #2: review, 1 alert(s), 1 open" in out.stdout
    alerts = json.loads(run("alerts", "list", "--case", "2", "--db", db, "--json").stdout)
    assert [(a["status"], a["party"]["name"]) for a in alerts] == [("open", LISTED_LIKE)]
    out = run("alerts", "decide", str(alerts[0]["id"]), "--status", "false_positive", "--db", db)
    assert out.exit_code == 2 and out.stderr.startswith("error: comment: is required")
    out = run("alerts", "decide", str(alerts[0]["id"]), "--status", "false_positive", "--comment",
              "another company", "--db", db)
    assert out.exit_code == 0 and "case #2 is now CLEAR" in out.stdout
    case = json.loads(run("cases", "show", "2", "--db", db, "--json").stdout)
    assert case["status"] == case["result"]["verdict"] == "clear" and [r["reason"] for r in case["runs"]] == [
        "stored", "alert_decided"]
    memo = tmp_path / "memo.md"
    assert run("cases", "show", "2", "--memo", str(memo), "--db", db).exit_code == 0
    assert "Sakura Sovereign AI Cloud" in memo.read_text(encoding="utf-8")
    out = run("determine", str(tmp_path / "case.json"), "--save", "--db", db) if (
        tmp_path / "case.json").write_text(json.dumps(DETERMINE_CASE)) else None
    assert out is not None and out.exit_code == 0 and "saved as case #3: clear" in out.stdout
    out = run("cases", "record", "2", "--db", db)
    assert out.exit_code == 0 and "record #1" in out.stdout
    out = run("audit", "verify", "--db", db)
    assert out.exit_code == 0 and out.stdout.startswith("the audit chain is intact")


def test_decisions_taken_at_the_same_time_both_reach_the_verdict(svc: Service, monkeypatch: pytest.MonkeyPatch) -> None:
    """A reviewer decides one alert of a package while another decides a second one: the first re-check ran
    without the second decision, so it is run again; the case's latest run carries both."""
    ann, rita = svc.local_actor("ann"), svc.local_actor("rita")
    case = svc.check(ann, package_with(LISTED_LIKE, "Huawei Technologies Co Ltd"))
    first, second = case.alert_list[:2]
    original = svc.recheck
    raced: list[int] = []

    def recheck_while_someone_decides(*args: Any, **kwargs: Any) -> Any:
        run = original(*args, **kwargs)
        if not raced:
            raced.append(1)
            svc.alerts.decide(rita, second.id, "false_positive", "the other reviewer: not the listed one")
        return run

    monkeypatch.setattr(svc, "recheck", recheck_while_someone_decides)
    svc.alerts.decide(rita, first.id, "false_positive", "not the listed one")
    final = svc.cases.get(ann, case.id)
    applied = {m["entity_id"] for p in final.result["screening"]["parties"] for m in p["matches"]
               if (m.get("decision") or {}).get("status") == "applied"}
    assert {first.entity_id, second.entity_id} <= applied
    assert [r.reason for r in final.runs] == ["stored", "alert_decided", "alert_decided"]
