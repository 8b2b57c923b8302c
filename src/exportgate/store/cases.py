"""Stored cases: every screening, determination and package check run through the service.

A case keeps its input and one run per time it was run — the first when it was stored, another each time a
decision on one of its alerts or a list change re-checks it — each run with its result, the rule data's hash,
each list's version and date, who ran it and when. The names it screened are its parties (what a re-screen
screens again); the matches they got are its alerts (:mod:`exportgate.store.alerts`).

A case's status is one of the package verdicts (``clear``, ``license_required``, ``review``, ``blocked``): a
package's verdict as its latest run gives it (decisions included); a screening is ``review`` while an alert
is undecided and ``blocked`` once a match on a blocking list is confirmed; a determination's status is its
outcome's verdict, made worse the same way by its alerts.

Part 762: a case is kept ``records.retention_years`` (rule data) from the later of its date and the day it
was stored; :meth:`Cases.delete` refuses any case before then.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from exportgate.determine.records import add_years
from exportgate.errors import InputError, NotFound
from exportgate.packages.memo import VERDICT_ORDER
from exportgate.rules import Mode, RuleSet
from exportgate.store.accounts import Actor, Permission
from exportgate.store.audit import AuditLog
from exportgate.store.db import write
from exportgate.store.service_models import Alert, AlertEvent, Case, CaseParty, CaseRun, FalsePositive
from exportgate.store.views import (
    UNDECIDED,
    AlertEventView,
    AlertView,
    CaseRunView,
    CaseSummary,
    CaseView,
    ListVersion,
    PartyView,
    SuppressionView,
)

if TYPE_CHECKING:
    from exportgate.store.service import Service

RETENTION_KEY = "records.retention_years"
BLOCKING_LISTS_KEY = "aaep.check.blocking_lists"
#: the most cases or alerts one listing returns
MAX_PAGE = 1000
#: the largest row id a store holds (the id columns are INTEGER: 32 bits on PostgreSQL); a larger one names no row
#: (and would be an out-of-range error from PostgreSQL, an overflow from SQLite past 64 bits, if it were sent)
MAX_ID = 2**31 - 1


def is_id(value: Any) -> bool:
    """Whether ``value`` can be a row's id (a whole number 1 to :data:`MAX_ID`)."""
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID


def utc(at: datetime) -> datetime:
    """A stored timestamp as aware UTC (SQLite gives it back naive)."""
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def jsonable(doc: Any) -> Any:
    """A document as JSON data (dates as ISO strings): what is stored and what is run."""
    def default(value: Any) -> Any:
        if isinstance(value, datetime | date):
            return value.isoformat()
        return str(value)

    return json.loads(json.dumps(doc, default=default, ensure_ascii=False))


# --- parties --------------------------------------------------------------------------------------------


def _ident(value: str) -> str:
    return "".join(ch for ch in value.casefold() if ch.isalnum())


def party_key(name: str, country: str | None, identifiers: Iterable[str] = ()) -> str:
    """A party as remembered false positives know it: its normalised name (the matcher's normal form: case,
    accents, word order of legal forms do not count), its country and its identifiers (letters and digits)."""
    from exportgate.screen.normalize import normalize_name

    norm = normalize_name(name)
    body = {
        "name": list(norm.tokens) or [" ".join(name.casefold().split())],
        "legal": sorted(norm.legal),
        "country": (country or "").upper() or None,
        "identifiers": sorted({_ident(i) for i in identifiers if _ident(i)}),
    }
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


class PartyIn:
    """A name a case screens (or names), before it is stored."""

    __slots__ = ("country", "dob", "identifiers", "key", "name", "path", "type")

    def __init__(self, path: str, name: str, country: str | None = None, type: str | None = None,
                 dob: str | None = None, identifiers: Sequence[str] = ()) -> None:
        self.path, self.name, self.country, self.type, self.dob = path, name, country, type, dob
        self.identifiers = list(identifiers)
        #: its :func:`party_key`, made here: not in the transaction that stores it
        self.key = party_key(self.name, self.country, self.identifiers)

    def row(self, case_id: int | None) -> CaseParty:
        return CaseParty(case_id=case_id, path=self.path, name=self.name, country=self.country, type=self.type,
                         dob=self.dob, identifiers=self.identifiers, party_key=self.key)


# --- runs -----------------------------------------------------------------------------------------------


def list_versions(snapshot: Any) -> dict[str, dict[str, Any]]:
    """Each list of the snapshot a screener used: its date, the snapshot's version, its files' SHA-256."""
    if snapshot is None:
        return {}
    version = getattr(snapshot, "version", None)
    out: dict[str, dict[str, Any]] = {}
    for key, info in sorted((getattr(snapshot, "sources", None) or {}).items()):
        out[str(key)] = {"as_of": getattr(info, "as_of", None), "version": version,
                         "sha256": dict(getattr(info, "sha256", {}) or {})}
    return out


class RunIn:
    """A run, before it is stored."""

    __slots__ = ("content_hash", "lists", "lists_version", "reason", "result", "rules_sha256", "status")

    def __init__(self, reason: str, status: str, result: dict[str, Any], rules_sha256: str,
                 lists: dict[str, dict[str, Any]], lists_version: str | None, content_hash: str | None) -> None:
        self.reason, self.status, self.result = reason, status, result
        self.rules_sha256, self.lists, self.lists_version, self.content_hash = (
            rules_sha256, lists, lists_version, content_hash)


def worst(*statuses: str) -> str:
    """The worst of verdict-like statuses (``VERDICT_ORDER``: clear < license_required < review < blocked)."""
    return max(statuses, key=VERDICT_ORDER.index)


def retain_until(as_of: date, rules: RuleSet) -> date:
    """Part 762: the day before which a case of ``as_of``, stored today, may not be deleted (the retention
    period in force today, counted from the later of ``as_of`` and today)."""
    today = date.today()
    years = int(rules.value(RETENTION_KEY, today, Mode.ENFORCED))
    return add_years(max(as_of, today), years)


def alert_status(kind: str, base: str, alerts: Iterable[tuple[str, str]], blocking: set[str]) -> str:
    """A case's status from its run's status (``base``) and its alerts (status, list): see the module
    docstring. A package's run already carries its decisions; its undecided alerts keep it in review."""
    status = base
    for state, lst in alerts:
        if state in UNDECIDED:
            status = worst(status, "review")
        elif state == "confirmed_match" and kind != "check":
            status = worst(status, "blocked" if lst in blocking else "review")
    return status


# --- views ----------------------------------------------------------------------------------------------


def party_view(p: CaseParty) -> PartyView:
    return PartyView(id=p.id, path=p.path, name=p.name, country=p.country, type=p.type, dob=p.dob,
                     identifiers=list(p.identifiers or []))


def alert_view(a: Alert, case: Case, party: CaseParty, fp: FalsePositive | None = None,
               events: Sequence[AlertEvent] = ()) -> AlertView:
    suppressed = None
    if fp is not None:
        suppressed = SuppressionView(false_positive_id=fp.id, alert_id=fp.alert_id, decided_by=fp.decided_by,
                                     decided_at=utc(fp.decided_at), comment=fp.comment,
                                     entry_fingerprint=fp.entry_fingerprint)
    return AlertView(
        id=a.id, case_id=a.case_id, case_kind=case.kind, case_title=case.title, party=party_view(party),
        entity_id=a.entity_id, list=a.list, listed_name=a.listed_name, score=a.score, strength=a.strength,
        entry_fingerprint=a.entry_fingerprint, status=a.status, source=a.source,
        opened_at=utc(a.opened_at), updated_at=utc(a.updated_at), updated_by=a.updated_by, suppressed=suppressed,
        match=dict(a.match or {}),
        history=[AlertEventView(at=utc(e.at), actor=e.actor, action=e.action, from_status=e.from_status,
                                to_status=e.to_status, comment=e.comment, entry_fingerprint=e.entry_fingerprint)
                 for e in events],
    )


def run_view(r: CaseRun) -> CaseRunView:
    return CaseRunView(number=r.number, reason=r.reason, at=utc(r.at), actor=r.actor, status=r.status,
                       rules_sha256=r.rules_sha256,
                       lists={k: ListVersion(**v) for k, v in (r.lists or {}).items()},
                       lists_version=r.lists_version, content_hash=r.content_hash)


def _summary_fields(c: Case, alerts: int, open_alerts: int) -> dict[str, Any]:
    return {"id": c.id, "kind": c.kind, "title": c.title, "status": c.status, "as_of": c.as_of, "mode": c.mode,
            "created_at": utc(c.created_at), "created_by": c.created_by, "updated_at": utc(c.updated_at),
            "alerts": alerts, "open_alerts": open_alerts,
            "signed_off_at": utc(c.signed_off_at) if c.signed_off_at else None,
            "signed_off_by": c.signed_off_by, "retain_until": c.retain_until}


def latest_run(session: Session, case_id: int) -> CaseRun:
    run = session.scalars(select(CaseRun).where(CaseRun.case_id == case_id).order_by(CaseRun.number.desc())
                          .limit(1)).first()
    if run is None:
        raise NotFound("case", f"case #{case_id} has no run")
    return run


def case_view(session: Session, case: Case,
              loaded: tuple[list[CaseRun], list[CaseParty], list[Alert]] | None = None) -> CaseView:
    """The case as the API shows it. ``loaded``: its runs, parties and alerts, when the caller holds them all
    (a case it has just stored, in this session: the same objects the queries would give back)."""
    if loaded is None:
        runs = list(session.scalars(select(CaseRun).where(CaseRun.case_id == case.id).order_by(CaseRun.number)))
        parties = {p.id: p for p in session.scalars(select(CaseParty).where(CaseParty.case_id == case.id)
                                                    .order_by(CaseParty.id))}
        alerts = list(session.scalars(select(Alert).where(Alert.case_id == case.id).order_by(Alert.id)))
    else:
        runs = sorted(loaded[0], key=lambda r: r.number)
        parties = {p.id: p for p in sorted(loaded[1], key=lambda p: p.id)}
        alerts = sorted(loaded[2], key=lambda a: a.id)
    fps = _false_positives(session, {a.suppressed_by for a in alerts if a.suppressed_by})
    alert_views = [alert_view(a, case, parties[a.party_id], fps.get(a.suppressed_by or -1)) for a in alerts]
    return CaseView(
        **_summary_fields(case, len(alerts), sum(a.status in UNDECIDED for a in alerts)),
        input=case.input, result=dict(runs[-1].result) if runs else {}, sign_off_comment=case.sign_off_comment,
        runs=[run_view(r) for r in runs], parties=[party_view(p) for p in parties.values()], alert_list=alert_views,
    )


def _false_positives(session: Session, ids: set[int]) -> dict[int, FalsePositive]:
    if not ids:
        return {}
    return {fp.id: fp for fp in session.scalars(select(FalsePositive).where(FalsePositive.id.in_(ids)))}


def check_page(limit: int, offset: int = 0) -> None:
    """A listing's page: 1 to :data:`MAX_PAGE` rows from row ``offset`` (0 to :data:`MAX_ID`)."""
    if not 1 <= limit <= MAX_PAGE:
        raise InputError("limit", f"must be 1 to {MAX_PAGE}")
    if not 0 <= offset <= MAX_ID:
        raise InputError("offset", f"must be 0 to {MAX_ID:,}")


def get_case(session: Session, case_id: int) -> Case:
    case = session.get(Case, case_id) if is_id(case_id) else None
    if case is None:
        raise NotFound("case", f"no case #{case_id}")
    return case


# --- the cases API --------------------------------------------------------------------------------------


class Cases:
    """Stored cases (``Service.cases``): listing, reading, the memo, sign-off, deletion after retention."""

    def __init__(self, service: Service) -> None:
        self.service = service
        self.engine = service.engine

    def list(
        self,
        actor: Actor,
        *,
        kind: str | None = None,
        status: str | None = None,
        title: str | None = None,
        created_by: str | None = None,
        since: datetime | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[CaseSummary]:
        """Cases, newest first, filtered by kind, status, a part of the title (any case), who stored them and
        since when."""
        actor.require(Permission.CASES_READ)
        check_page(limit, offset)
        query = select(Case)
        if kind is not None:
            query = query.where(Case.kind == kind)
        if status is not None:
            query = query.where(Case.status == status)
        if title:
            query = query.where(func.lower(Case.title).contains(title.lower(), autoescape=True))
        if created_by is not None:
            query = query.where(Case.created_by == created_by)
        if since is not None:
            query = query.where(Case.created_at >= since)
        query = query.order_by(Case.id.desc()).limit(limit).offset(offset)
        with Session(self.engine) as session:
            cases = list(session.scalars(query))
            counts: dict[int, tuple[int, int]] = {}
            if cases:
                rows = session.execute(
                    select(Alert.case_id, Alert.status, func.count()).where(Alert.case_id.in_([c.id for c in cases]))
                    .group_by(Alert.case_id, Alert.status))
                for case_id, state, n in rows:
                    total, undecided = counts.get(case_id, (0, 0))
                    counts[case_id] = (total + n, undecided + (n if state in UNDECIDED else 0))
            return [CaseSummary(**_summary_fields(c, *counts.get(c.id, (0, 0)))) for c in cases]

    def get(self, actor: Actor, case_id: int) -> CaseView:
        """A case with its input, latest result, runs, parties and alerts."""
        actor.require(Permission.CASES_READ)
        with Session(self.engine) as session:
            return case_view(session, get_case(session, case_id))

    def memo_source(self, actor: Actor, case_id: int) -> dict[str, Any]:
        """The latest result of a package check case: the memo document, to render in any format with
        ``exportgate.reports.render(doc, fmt)`` (the reports sit beside the store, not below it)."""
        actor.require(Permission.CASES_READ)
        with Session(self.engine) as session:
            case = get_case(session, case_id)
            if case.kind != "check":
                raise InputError("case", f"case #{case_id} is a {case.kind}: only package checks have a memo")
            return dict(latest_run(session, case_id).result)

    def sign_off(self, actor: Actor, case_id: int, comment: str) -> CaseView:
        """A reviewer signs off a case: refused while any of its alerts is undecided, or once signed off."""
        actor.require(Permission.CASES_SIGN_OFF)
        text = _comment(comment, required=True)

        def work(session: Session) -> CaseView:
            case = get_case(session, case_id)
            if case.signed_off_at is not None:
                raise InputError("case", f"case #{case_id} was signed off by {case.signed_off_by} on "
                                         f"{utc(case.signed_off_at).date().isoformat()}")
            undecided = session.scalar(select(func.count()).select_from(Alert).where(
                Alert.case_id == case_id, Alert.status.in_(UNDECIDED)))
            if undecided:
                raise InputError("case", f"case #{case_id} has {undecided} undecided alert(s): decide them first")
            now = datetime.now(UTC)
            case.signed_off_at, case.signed_off_by, case.sign_off_comment, case.updated_at = (
                now, actor.name, text, now)
            AuditLog.append(session, "case.sign_off", {"case_id": case_id, "status": case.status,
                                                       "comment": text}, actor=actor.name)
            session.flush()
            return case_view(session, case)

        return write(self.engine, work)

    def delete(self, actor: Actor, case_id: int, today: date | None = None) -> None:
        """Delete a case past its Part 762 retention date (its audit lines stay); refused before it."""
        actor.require(Permission.CASES_DELETE)
        today = today or date.today()

        def work(session: Session) -> None:
            case = get_case(session, case_id)
            if today < case.retain_until:
                raise InputError(
                    "case", f"case #{case_id} is kept until {case.retain_until.isoformat()} (Part 762: "
                            f"{RETENTION_KEY} from the rule data, 15 CFR 762.6): it cannot be deleted before then")
            alert_ids = select(Alert.id).where(Alert.case_id == case_id)
            for model, condition in ((AlertEvent, AlertEvent.alert_id.in_(alert_ids)),
                                     (FalsePositive, FalsePositive.alert_id.in_(alert_ids)),
                                     (Alert, Alert.case_id == case_id), (CaseParty, CaseParty.case_id == case_id),
                                     (CaseRun, CaseRun.case_id == case_id)):
                for row in session.scalars(select(model).where(condition)):
                    session.delete(row)
                session.flush()
            AuditLog.append(session, "case.delete", {"case_id": case_id, "kind": case.kind, "title": case.title,
                                                     "retain_until": case.retain_until}, actor=actor.name)
            session.delete(case)

        write(self.engine, work)


def _comment(comment: str | None, *, required: bool) -> str | None:
    text = (comment or "").strip()
    if required and not text:
        raise InputError("comment", "is required: say why")
    if len(text) > 10_000:
        raise InputError("comment", "is longer than 10,000 characters")
    return text or None
