"""Alerts: every potential or strong match of a stored case's party, and what reviewers decide on it.

An alert is ``open`` until a reviewer decides it ``confirmed_match`` or ``false_positive`` (a comment saying
why is required) or ``escalated``; a decided alert can be re-opened. Every change is an :class:`AlertEvent`
(who, when, from which status to which, why) and an audit line, in one transaction.

A package case is re-checked when one of its alerts is decided: the decisions go into the package check as
its ``screening_decisions`` (the same mechanism a package file uses, so the verdict rules are written once),
and the new run's verdict is the case's status — open alerts keep it in ``review``, a confirmed match on a
blocking list makes it ``blocked``.

Remembered false positives: a false positive decided for a party (its normalised name, country and
identifiers: :func:`exportgate.store.cases.party_key`) against a list entry suppresses the same match later,
in any case: the alert is stored as ``false_positive`` with the decision it rests on (``suppressed``), as
long as the entry is unchanged (its ``entry_fingerprint``). When the entry changes, the match alerts again;
a decided alert whose entry changed is re-opened. A confirmed match revokes the remembered false positives
of that party and entry.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, false, select
from sqlalchemy.orm import Session

from exportgate.errors import InputError, NotFound
from exportgate.store.accounts import Actor, Permission
from exportgate.store.audit import AuditLog
from exportgate.store.cases import (
    _comment,
    _false_positives,
    alert_view,
    check_page,
    get_case,
    is_id,
    utc,
)
from exportgate.store.db import insert_rows, insert_values, write
from exportgate.store.service_models import Alert, AlertEvent, Case, CaseParty, FalsePositive
from exportgate.store.views import COMMENT_REQUIRED, DECISIONS, UNDECIDED, AlertView

if TYPE_CHECKING:
    from exportgate.store.service import Service

#: an alert status -> the package file's decision it feeds into the check
PACKAGE_DECISION = {"confirmed_match": "confirmed", "false_positive": "false_positive"}


@dataclass
class SyncCounts:
    """What storing a run's matches did to its case's alerts."""

    opened: int = 0
    reopened: int = 0
    suppressed: int = 0
    closed: int = 0
    #: the alerts this sync made (whatever their status), in order
    made: list[Alert] = field(default_factory=list)

    def add(self, other: SyncCounts) -> None:
        self.opened += other.opened
        self.reopened += other.reopened
        self.suppressed += other.suppressed
        self.closed += other.closed


def _event(session: Session, alert: Alert, actor: str | None, action: str, before: str | None, after: str,
           comment: str | None, now: datetime) -> None:
    session.add(AlertEvent(alert_id=alert.id, at=now, actor=actor, action=action, from_status=before,
                           to_status=after, comment=comment, entry_fingerprint=alert.entry_fingerprint))


def remembered(session: Session, key: str, entity_id: str) -> FalsePositive | None:
    """The latest remembered false positive of a party against an entry that was not revoked."""
    return remembered_many(session, {(key, entity_id)}).get((key, entity_id))


def remembered_many(session: Session, pairs: set[tuple[str, str]]) -> dict[tuple[str, str], FalsePositive]:
    """:func:`remembered` for many (party key, entity id) pairs in one query: the latest of each pair found."""
    if not pairs:
        return {}
    keys = list({k for k, _ in pairs})
    found: dict[tuple[str, str], FalsePositive] = {}
    rows = session.scalars(_REMEMBERED_ONE, {"key": keys[0]}) if len(keys) == 1 else session.scalars(
        _REMEMBERED, {"keys": keys})
    for fp in rows:  # the parties' remembered false positives (few): those of the pairs kept
        if (fp.party_key, fp.entity_id) in pairs:
            found[(fp.party_key, fp.entity_id)] = fp  # ascending ids: the latest one stays
    return found


#: the remembered false positives not revoked of one party, of several (statements built once)
_REMEMBERED_ONE = select(FalsePositive).where(FalsePositive.party_key == bindparam("key"),
                                              FalsePositive.revoked_at.is_(None)).order_by(FalsePositive.id)
_REMEMBERED = select(FalsePositive).where(FalsePositive.party_key.in_(bindparam("keys", expanding=True)),
                                          FalsePositive.revoked_at.is_(None)).order_by(FalsePositive.id)


def _initial(match: dict[str, Any], party: CaseParty, session: Session, suppressed_by: int | None,
             lookup: bool, known: dict[tuple[str, str], FalsePositive]) -> tuple[str, str, str | None, int | None]:
    """How a new alert starts: (status, action, comment, remembered false positive id). A package check has
    looked its remembered false positives up already (they are decisions in its result: ``suppressed_by``);
    other cases look them up here (``lookup``). ``known``: the remembered false positives of the run's (party,
    entry) pairs, looked up at once (:func:`remembered_many`)."""
    found = known.get((party.party_key, str(match.get("entity_id"))))
    fp = session.get(FalsePositive, suppressed_by) if suppressed_by is not None else None
    if fp is None and lookup:
        fp = found
    if fp is not None and fp.entry_fingerprint == match.get("entry_fingerprint") and (lookup or suppressed_by):
        return "false_positive", "suppressed", (
            f"remembered false positive: alert #{fp.alert_id}, decided by {fp.decided_by} on "
            f"{utc(fp.decided_at).date().isoformat()}: {fp.comment}"), fp.id
    decision = match.get("decision") or None
    if isinstance(decision, dict) and decision.get("status") == "applied":
        status = "confirmed_match" if decision.get("decision") == "confirmed" else "false_positive"
        return status, "decided", (f"decided in the package file by {decision.get('by')} on {decision.get('on')}: "
                                   f"{decision.get('reason')}"), None
    if match.get("confirmed_by") == "exact_name_and_identifier":
        return "confirmed_match", "decided", "the exact listed name with an agreeing identifier", None
    if fp is None and not lookup:
        fp = found
    if fp is not None and fp.entry_fingerprint != match.get("entry_fingerprint"):
        return "open", "opened", (f"the false positive decided on alert #{fp.alert_id} ({fp.decided_by}, "
                                  f"{utc(fp.decided_at).date().isoformat()}) no longer applies: the list entry has "
                                  "changed since"), None
    return "open", "opened", None, None


@dataclass
class AlertChanges:
    """What a run's matches do to a case's alerts (:func:`decide_alerts`): the changes to its existing alerts,
    made on them in the session, and its new alerts, not written yet (:func:`write_alerts`)."""

    counts: SyncCounts
    #: each new alert (without its case and party ids), its party's path, and the event it opens with
    new: list[tuple[Alert, str, str, str | None]]
    actor: str | None
    now: datetime

    def statuses(self) -> list[tuple[str, str]]:
        """The new alerts' (status, list): a new case's alerts (what its status follows)."""
        return [(alert.status, alert.list) for alert, _path, _action, _comment in self.new]


def sync_alerts(
    session: Session,
    case: Case,
    parties: dict[str, CaseParty],
    matches: dict[str, list[dict[str, Any]]],
    source: str,
    actor: str | None,
    *,
    full: bool,
    suppressed: dict[tuple[str, str], int] | None = None,
) -> SyncCounts:
    """Bring a stored case's alerts in line with the matches a run found (:func:`decide_alerts`, then
    :func:`write_alerts`)."""
    existing = list(session.scalars(select(Alert).where(Alert.case_id == case.id)))
    changes = decide_alerts(session, case, parties, matches, source, actor, full=full, suppressed=suppressed,
                            existing=existing)
    return write_alerts(session, changes, case.id, parties)


def decide_alerts(
    session: Session,
    case: Case,
    parties: dict[str, CaseParty],
    matches: dict[str, list[dict[str, Any]]],
    source: str,
    actor: str | None,
    *,
    full: bool,
    suppressed: dict[tuple[str, str], int] | None = None,
    existing: Sequence[Alert] = (),
) -> AlertChanges:
    """Decide what the matches a run found (party path -> match dicts, as the screener or the memo gives them)
    do to a case's alerts (``existing``: none for a case just made, whose rows are not written yet: its parties
    need no ids here). With ``full`` the run screened every party of the case, so an undecided alert whose match
    it no longer found is closed. ``suppressed``: for a package check, the matches its remembered false
    positives decided, by (party path, entry). Existing alerts are changed in the session (with their events);
    the new ones are returned to write (:func:`write_alerts`). The remembered false positives are looked up in
    one query."""
    suppressed = suppressed or {}
    now = datetime.now(UTC)
    counts = SyncCounts()
    path_of = {p.id: path for path, p in parties.items() if p.id is not None}
    # by (party, entry); a party by its path in this run (its id if the run did not screen it)
    known_alerts: dict[tuple[str | int, str], Alert] = {
        (path_of.get(a.party_id, a.party_id), a.entity_id): a for a in existing}
    pairs = {(parties[path].party_key, str(m.get("entity_id"))) for path, rows in matches.items() for m in rows
             if (path, str(m.get("entity_id"))) not in known_alerts}
    known = remembered_many(session, pairs)
    seen: set[tuple[str | int, str]] = set()
    new: list[tuple[Alert, str, str, str | None]] = []
    for path, rows in matches.items():
        party = parties[path]
        for match in rows:
            entity_id = str(match.get("entity_id"))
            fingerprint = match.get("entry_fingerprint") or None
            seen.add((path, entity_id))
            alert = known_alerts.get((path, entity_id))
            if alert is None:
                status, action, comment, fp_id = _initial(match, party, session, suppressed.get((path, entity_id)),
                                                          lookup=case.kind != "check", known=known)
                alert = Alert(entity_id=entity_id, list=str(match.get("list")),
                              listed_name=match.get("matched_name") or match.get("name"), score=match.get("score"),
                              strength=match.get("strength"), entry_fingerprint=fingerprint, status=status,
                              source=source, match=match, suppressed_by=fp_id, opened_at=now, updated_at=now,
                              updated_by=actor)
                known_alerts[(path, entity_id)] = alert  # a party listed twice in the run: one alert
                new.append((alert, path, action, comment))
                counts.suppressed += status == "false_positive" and fp_id is not None
                counts.opened += status == "open"
                continue
            alert.match, alert.score, alert.strength = match, match.get("score"), match.get("strength")
            alert.listed_name = match.get("matched_name") or match.get("name")
            changed = fingerprint is not None and alert.entry_fingerprint not in (None, fingerprint)
            if changed or alert.status == "closed":
                before = alert.status
                alert.entry_fingerprint = fingerprint
                alert.suppressed_by = None
                if before not in UNDECIDED:
                    alert.status, alert.updated_at, alert.updated_by = "open", now, actor
                    why = "the list entry has changed since it was decided" if changed else (
                        "the list entry is listed again")
                    _event(session, alert, actor, "reopened", before, "open", why, now)
                    counts.reopened += 1
                else:
                    _event(session, alert, actor, "entry_changed", before, before, "the list entry has changed", now)
    if full:
        for key, alert in known_alerts.items():
            if key not in seen and alert.status in UNDECIDED:
                counts.closed += close(session, alert, actor, "no longer matched when the case was run again", now)
    return AlertChanges(counts, new, actor, now)


def write_alerts(session: Session, changes: AlertChanges, case_id: int, parties: dict[str, CaseParty]) -> SyncCounts:
    """Write the new alerts :func:`decide_alerts` made for the case (its parties written: their ids), and the
    event each opens with: one insert each (``exportgate.store.db.insert_rows``), not the unit of work. The
    counts, with the new alerts (outside the session: as written) in order."""
    counts = changes.counts
    if not changes.new:
        return counts
    for alert, path, *_rest in changes.new:
        alert.case_id, alert.party_id = case_id, parties[path].id
    insert_rows(session, [alert for alert, *_ in changes.new], key=("party_id", "entity_id"))
    insert_values(session, AlertEvent, [
        {"alert_id": alert.id, "at": changes.now, "actor": changes.actor, "action": action, "from_status": None,
         "to_status": alert.status, "comment": comment, "entry_fingerprint": alert.entry_fingerprint}
        for alert, _path, action, comment in changes.new])
    counts.made.extend(alert for alert, *_ in changes.new)
    return counts


def close(session: Session, alert: Alert, actor: str | None, reason: str, now: datetime) -> int:
    before = alert.status
    alert.status, alert.updated_at, alert.updated_by = "closed", now, actor
    _event(session, alert, actor, "closed", before, "closed", reason, now)
    return 1


def package_decisions(session: Session, case_id: int,
                      override: tuple[int, str, str, str | None] | None = None) -> list[dict[str, Any]]:
    """The case's decided alerts as the package check's ``screening_decisions``; ``override`` (alert id, status,
    who, comment) is a decision about to be taken."""
    out = []
    rows = session.execute(select(Alert, CaseParty).join(CaseParty, Alert.party_id == CaseParty.id)
                           .where(Alert.case_id == case_id).order_by(Alert.id)).all()
    for alert, party in rows:
        status = alert.status
        by, on, reason = None, None, None
        if override is not None and override[0] == alert.id:
            status, by, on, reason = override[1], override[2], date.today(), override[3]
        elif status in PACKAGE_DECISION:
            last = session.scalars(select(AlertEvent).where(AlertEvent.alert_id == alert.id,
                                                            AlertEvent.to_status == status)
                                   .order_by(AlertEvent.id.desc()).limit(1)).first()
            if last is not None:
                by, on, reason = last.actor, utc(last.at).date(), last.comment
        if status not in PACKAGE_DECISION:
            continue
        out.append({"party": party.name, "entity_id": alert.entity_id, "decision": PACKAGE_DECISION[status],
                    "by": by or "unknown", "on": (on or date.today()).isoformat(),
                    "reason": reason or f"alert #{alert.id} decided {status}",
                    "entry_fingerprint": alert.entry_fingerprint})
    return out


class Alerts:
    """The alert queue (``Service.alerts``)."""

    def __init__(self, service: Service) -> None:
        self.service = service
        self.engine = service.engine

    def list(
        self,
        actor: Actor,
        *,
        status: str | None = None,
        case_id: int | None = None,
        list_key: str | None = None,
        party: str | None = None,
        min_score: float | None = None,
        opened_before: datetime | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[AlertView]:
        """Alerts, undecided first (open, then escalated), oldest first within a status; filtered by status,
        case, list, a part of the party's name, score and age."""
        actor.require(Permission.ALERTS_READ)
        check_page(limit, offset)
        if status is not None and status not in (*DECISIONS, "closed"):
            raise InputError("status", f"must be one of {', '.join((*DECISIONS, 'closed'))}, not {status!r}")
        from sqlalchemy import case as when
        from sqlalchemy import func

        query = select(Alert, Case, CaseParty).join(Case, Alert.case_id == Case.id).join(
            CaseParty, Alert.party_id == CaseParty.id)
        if status is not None:
            query = query.where(Alert.status == status)
        if case_id is not None:
            query = query.where(Alert.case_id == case_id if is_id(case_id) else false())
        if list_key is not None:
            query = query.where(Alert.list == list_key)
        if party:
            query = query.where(func.lower(CaseParty.name).contains(party.lower(), autoescape=True))
        if min_score is not None:
            query = query.where(Alert.score >= min_score)
        if opened_before is not None:
            query = query.where(Alert.opened_at <= opened_before)
        rank = when((Alert.status == "open", 0), (Alert.status == "escalated", 1), else_=2)
        query = query.order_by(rank, Alert.opened_at, Alert.id).limit(limit).offset(offset)
        with Session(self.engine) as session:
            rows = session.execute(query).all()
            fps = _false_positives(session, {a.suppressed_by for a, _, _ in rows if a.suppressed_by})
            return [alert_view(a, c, p, fps.get(a.suppressed_by or -1)) for a, c, p in rows]

    def get(self, actor: Actor, alert_id: int) -> AlertView:
        """One alert with its history."""
        actor.require(Permission.ALERTS_READ)
        with Session(self.engine) as session:
            return self._view(session, alert_id)

    @staticmethod
    def _view(session: Session, alert_id: int) -> AlertView:
        alert = session.get(Alert, alert_id) if is_id(alert_id) else None
        if alert is None:
            raise NotFound("alert", f"no alert #{alert_id}")
        case = get_case(session, alert.case_id)
        party = session.get(CaseParty, alert.party_id)
        assert party is not None
        events = list(session.scalars(select(AlertEvent).where(AlertEvent.alert_id == alert_id)
                                      .order_by(AlertEvent.id)))
        fp = session.get(FalsePositive, alert.suppressed_by) if alert.suppressed_by else None
        return alert_view(alert, case, party, fp, events)

    def decide(self, actor: Actor, alert_id: int, status: str, comment: str | None = None) -> AlertView:
        """Decide an alert: ``confirmed_match`` or ``false_positive`` (a comment is required), ``escalated``,
        or ``open`` (re-open a decided one). A package case is re-checked with the decision; a false positive
        is remembered for the party and the entry (see the module docstring)."""
        actor.require(Permission.ALERTS_DECIDE)
        if status not in DECISIONS:
            raise InputError("status", f"must be one of {', '.join(DECISIONS)}, not {status!r}")
        text = _comment(comment, required=status in COMMENT_REQUIRED)
        for _attempt in range(3):
            with Session(self.engine) as session:
                alert = session.get(Alert, alert_id) if is_id(alert_id) else None
                if alert is None:
                    raise NotFound("alert", f"no alert #{alert_id}")
                before = alert.status
                if before == "closed":
                    raise InputError("status", f"alert #{alert_id} is closed (its list entry was removed): there "
                                               "is nothing to decide")
                if before == status:
                    raise InputError("status", f"alert #{alert_id} is {status} already")
                case = get_case(session, alert.case_id)
                state = alert_state(session, case.id)
                rerun = None
                if case.kind == "check":
                    decisions = package_decisions(session, case.id, (alert_id, status, actor.name, text))
                    rerun = (case.id, dict(case.input), case.as_of, case.mode, decisions)
            run = self.service.recheck(*rerun) if rerun is not None else None
            try:
                return write(self.engine, functools.partial(self._apply, actor=actor, alert_id=alert_id,
                                                            state=state, status=status, text=text, run=run))
            except Raced:
                continue
        raise InputError("alert", f"alert #{alert_id} is being decided by someone else at the same time; try again")

    def _apply(self, session: Session, actor: Actor, alert_id: int, state: tuple[Any, ...], status: str,
               text: str | None, run: Any) -> AlertView:
        alert = session.get(Alert, alert_id, populate_existing=True)
        assert alert is not None
        lock_case(session, alert.case_id)
        if alert_state(session, alert.case_id) != state:
            raise Raced()  # another decision or a re-screen changed the case's alerts since the re-check
        before = alert.status
        now = datetime.now(UTC)
        alert.status, alert.updated_at, alert.updated_by = status, now, actor.name
        alert.suppressed_by = None
        _event(session, alert, actor.name, "decided" if status != "open" else "reopened", before, status, text, now)
        party = session.get(CaseParty, alert.party_id)
        assert party is not None
        remembered_id = None
        if status == "false_positive" and alert.entry_fingerprint:
            fp = FalsePositive(party_key=party.party_key, party_name=party.name, entity_id=alert.entity_id,
                               entry_fingerprint=alert.entry_fingerprint, alert_id=alert.id, decided_by=actor.name,
                               decided_at=now, comment=text or "", revoked_at=None, revoked_by=None)
            session.add(fp)
            session.flush()
            remembered_id = fp.id
        elif status in ("confirmed_match", "open"):
            for fp in session.scalars(select(FalsePositive).where(
                    FalsePositive.party_key == party.party_key, FalsePositive.entity_id == alert.entity_id,
                    FalsePositive.revoked_at.is_(None))):
                fp.revoked_at, fp.revoked_by = now, actor.name
        case = get_case(session, alert.case_id)
        self.service.apply_run(session, case, run, actor.name) if run is not None else self.service.restatus(
            session, case)
        AuditLog.append(session, "alert.decide", {
            "alert_id": alert.id, "case_id": case.id, "party": party.name, "entity_id": alert.entity_id,
            "list": alert.list, "from": before, "to": status, "comment": text,
            "entry_fingerprint": alert.entry_fingerprint, "remembered_false_positive": remembered_id,
            "case_status": case.status}, actor=actor.name)
        session.flush()
        return self._view(session, alert_id)


class Raced(Exception):
    """A case's alerts changed between reading them and writing (another reviewer, a re-screen): the re-check
    was run on other decisions; run it again."""


def lock_case(session: Session, case_id: int) -> Case:
    """The case row, locked until the transaction ends (PostgreSQL; SQLite's write lock is already held): one
    writer at a time changes a case's alerts and runs."""
    case = session.get(Case, case_id, populate_existing=True, with_for_update=True)
    if case is None:
        raise NotFound("case", f"no case #{case_id}")
    return case


def alert_state(session: Session, case_id: int) -> tuple[Any, ...]:
    """What a re-check of the case depends on: each alert's status and entry."""
    return tuple(session.execute(select(Alert.id, Alert.status, Alert.entry_fingerprint)
                                 .where(Alert.case_id == case_id).order_by(Alert.id)).all())
