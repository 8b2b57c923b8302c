"""What storing a screening writes, row by row and field by field: the case, its party, its run, its alerts,
their events and the audit line (a fresh screening with open alerts; then the same party again, one of its
matches a remembered false positive: suppressed). On SQLite and PostgreSQL. The store writes these rows with
bulk inserts; this pins their content to what the screening and the rules say it is."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from exportgate.store.cases import list_versions, party_key, retain_until, utc
from exportgate.store.chain import canonical, link
from exportgate.store.models import AuditEvent, AuditHead
from exportgate.store.service import Service
from exportgate.store.service_models import Alert, AlertEvent, Case, CaseParty, CaseRun, FalsePositive

NAME, COUNTRY = "Huawei Technologies", "CN"


@pytest.fixture
def svc(db_url: str, warm_index: Any) -> Iterator[Service]:
    service = Service.open(db_url, screener=warm_index)
    admin = service.local_actor("installer")
    service.users.add(admin, "adam", "admin")
    for name, role in (("rita", "reviewer"), ("ann", "analyst")):
        service.users.add(service.local_actor("adam"), name, role)
    yield service
    service.close()


def _rows(svc: Service, case_id: int) -> tuple[Case, list[CaseParty], list[CaseRun], list[Alert],
                                               dict[int, list[AlertEvent]], AuditEvent]:
    with Session(svc.engine) as session:
        case = session.get(Case, case_id)
        assert case is not None
        parties = list(session.scalars(select(CaseParty).where(CaseParty.case_id == case_id).order_by(CaseParty.id)))
        runs = list(session.scalars(select(CaseRun).where(CaseRun.case_id == case_id).order_by(CaseRun.id)))
        alerts = list(session.scalars(select(Alert).where(Alert.case_id == case_id).order_by(Alert.id)))
        events: dict[int, list[AlertEvent]] = {a.id: [] for a in alerts}
        for e in session.scalars(select(AlertEvent).where(AlertEvent.alert_id.in_(list(events)))
                                 .order_by(AlertEvent.id)):
            events[e.alert_id].append(e)
        [line] = [a for a in session.scalars(select(AuditEvent).where(AuditEvent.event == "case.store"))
                  if a.payload["case_id"] == case_id]
        session.expunge_all()
        return case, parties, runs, alerts, events, line


def _expected_result(svc: Service) -> dict[str, Any]:
    result = svc.screener.screen(NAME, country=COUNTRY)
    return {**result.to_json(), "warnings": list(result.warnings)}


def _check_audit_line(svc: Service, line: AuditEvent, payload: dict[str, Any], content_hash: str | None) -> None:
    assert (line.event, line.actor, line.content_hash, line.note) == ("case.store", "ann", content_hash, None)
    assert line.payload == payload
    with Session(svc.engine) as session:
        before = session.scalar(select(AuditEvent).where(AuditEvent.seq == (line.seq or 0) - 1))
        head = session.get(AuditHead, 1)
    assert before is not None and head is not None
    assert line.prev_hash == before.line_hash
    assert line.line_hash == link(before.line_hash or "",
                                  canonical(line.at, line.event, line.actor, line.content_hash, line.payload, None))
    assert (head.seq, head.line_hash) == (line.seq, line.line_hash)  # the last line written


def test_a_stored_screening_writes_exactly_these_rows(svc: Service) -> None:
    ann, rita = svc.local_actor("ann"), svc.local_actor("rita")
    started = datetime.now(UTC)
    view = svc.screen(ann, NAME, country=COUNTRY)
    finished = datetime.now(UTC)
    expected = _expected_result(svc)
    matches = expected["matches"]
    assert len(matches) > 1 and any(m["list"] == "entity_list" for m in matches)
    case, parties, runs, alerts, events, line = _rows(svc, view.id)
    snapshot = svc.screener.snapshot

    # the case
    assert (case.kind, case.title, case.status, case.as_of, case.mode, case.created_by) == (
        "screen", NAME, "review", date.today(), None, "ann")
    assert case.input == {"name": NAME, "country": COUNTRY, "type": None, "dob": None, "identifiers": [],
                          "threshold": None, "nationality": None}
    assert case.retain_until == retain_until(date.today(), svc.rules)
    assert (case.signed_off_at, case.signed_off_by, case.sign_off_comment) == (None, None, None)
    # the party
    [party] = parties
    assert (party.case_id, party.path, party.name, party.country, party.type, party.dob, party.identifiers) == (
        case.id, "query", NAME, COUNTRY, None, None, [])
    assert party.party_key == party_key(NAME, COUNTRY, [])
    # the run
    [run] = runs
    assert (run.case_id, run.number, run.reason, run.actor, run.status) == (case.id, 1, "stored", "ann", "review")
    assert run.rules_sha256 == svc.rules.sha256
    assert run.lists == list_versions(snapshot) and run.lists_version == snapshot.version
    assert run.content_hash == expected.get("content_hash")
    assert run.result == expected
    # the alerts: one per match, in the screener's order, each opened with one event
    assert len(alerts) == len(matches)
    for alert, match in zip(alerts, matches, strict=True):
        assert (alert.case_id, alert.party_id, alert.entity_id, alert.list) == (
            case.id, party.id, str(match["entity_id"]), match["list"])
        assert alert.listed_name == (match.get("matched_name") or match.get("name"))
        assert (alert.score, alert.strength, alert.entry_fingerprint) == (
            match["score"], match["strength"], match["entry_fingerprint"])
        assert (alert.status, alert.source, alert.match, alert.suppressed_by, alert.updated_by) == (
            "open", "screen", match, None, "ann")
        assert utc(alert.opened_at) == utc(alert.updated_at)
        [event] = events[alert.id]
        assert (event.actor, event.action, event.from_status, event.to_status, event.comment,
                event.entry_fingerprint) == ("ann", "opened", None, "open", None, match["entry_fingerprint"])
        assert utc(event.at) == utc(alert.opened_at)
    # when: in the order they were written, within the call
    assert started <= utc(case.created_at) <= utc(run.at) <= utc(alerts[0].opened_at) <= utc(case.updated_at) \
        <= utc(line.at) <= finished
    # the audit line
    _check_audit_line(svc, line, {
        "case_id": case.id, "kind": "screen", "title": NAME, "as_of": date.today().isoformat(), "mode": None,
        "status": "review", "rules_sha256": svc.rules.sha256,
        "lists": {k: v["as_of"] for k, v in list_versions(snapshot).items()}, "lists_version": snapshot.version,
        "parties": 1, "alerts_opened": len(matches), "alerts_suppressed": 0}, expected.get("content_hash"))
    # and what the call returned is what was stored
    assert [a.id for a in view.alert_list] == [a.id for a in alerts]
    assert view.result == run.result and view.status == case.status and view.parties[0].id == party.id
    assert utc(view.updated_at) == utc(case.updated_at)

    # the same party again, one of its matches decided a false positive before: suppressed, with the decision
    decided = next(a for a in alerts if a.list != "entity_list")
    svc.alerts.decide(rita, decided.id, "false_positive", "another entity of the group")
    again = svc.screen(ann, NAME, country=COUNTRY)
    case2, parties2, runs2, alerts2, events2, line2 = _rows(svc, again.id)
    with Session(svc.engine) as session:
        fp = session.scalars(select(FalsePositive).where(FalsePositive.alert_id == decided.id)).one()
        session.expunge_all()
    assert case2.status == runs2[0].status == "review"
    assert [(a.entity_id, a.status) for a in alerts2] == [
        (a.entity_id, "false_positive" if a.id == decided.id else "open") for a in alerts]
    [suppressed] = [a for a in alerts2 if a.status == "false_positive"]
    assert (suppressed.suppressed_by, suppressed.party_id) == (fp.id, parties2[0].id)
    [event] = events2[suppressed.id]
    assert (event.action, event.from_status, event.to_status, event.actor) == (
        "suppressed", None, "false_positive", "ann")
    assert event.comment == (f"remembered false positive: alert #{decided.id}, decided by rita on "
                             f"{utc(fp.decided_at).date().isoformat()}: another entity of the group")
    assert all([e.action for e in events2[a.id]] == ["opened"] for a in alerts2 if a is not suppressed)
    assert line2.payload["alerts_opened"] == len(matches) - 1 and line2.payload["alerts_suppressed"] == 1
    assert line2.seq == (line.seq or 0) + 2  # the decision's line between them
    [view_suppressed] = [a for a in again.alert_list if a.status == "false_positive"]
    assert view_suppressed.suppressed is not None and view_suppressed.suppressed.false_positive_id == fp.id
    assert svc.audit_verify(ann).ok
