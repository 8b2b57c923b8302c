"""List changes and delta re-screening.

Each change of the active list version (``lists update``, ``activate``, ``rollback``) is recorded with what
it changed — the entries added, removed and changed (``exportgate.screen.lists.diff``), each added or changed
entry stored whole — in one transaction with its audit line (the version-log line, as before).

A re-screen (``exportgate rescreen``, run by ``lists update`` unless ``--no-rescreen``) takes the changes not
re-screened yet and:

* closes the undecided alerts on entries that were removed, saying so;
* screens every stored party against the added and changed entries only: a small index of just those
  entries, weighted like the full lists' (``exportgate.screen.delta``), finds the parties worth a look; each
  is then screened by the full screener and its matches on those entries kept, so an alert carries exactly
  the match ``exportgate screen`` would show;
* opens an alert for each new match (a remembered false positive on an unchanged entry suppresses it), and
  re-opens a decided alert whose entry changed; a package case with new matches, or with closed alerts, is
  checked again (its verdict follows);
* marks the changes re-screened, with what it did, and writes one audit line.

It never rescans everything: the full screener runs only for the parties the small index found. A re-screen
stopped half-way leaves its changes pending; the next one does the rest (alerts are never duplicated).
"""

from __future__ import annotations

import functools
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from exportgate.errors import InputError, NotFound
from exportgate.store.accounts import Actor, Permission
from exportgate.store.alerts import Raced, SyncCounts, alert_state, close, lock_case, package_decisions, sync_alerts
from exportgate.store.audit import AuditLog
from exportgate.store.cases import check_page, get_case, utc
from exportgate.store.db import write
from exportgate.store.service_models import Alert, Case, CaseParty, ListChange, ListChangeEntry
from exportgate.store.views import UNDECIDED, ListChangeView, RescreenReport

if TYPE_CHECKING:
    from exportgate.store.service import Service

#: the delta index finds candidates this far below the reporting threshold; the full screener then decides
#: (the two score the same entries the same way: the margin only absorbs rounding)
PREFILTER_MARGIN = 0.05


def _view(change: ListChange, entries: list[ListChangeEntry] | None = None) -> ListChangeView:
    return ListChangeView(
        id=change.id, at=utc(change.at), actor=change.actor, event=change.event, from_version=change.from_version,
        to_version=change.to_version, added=change.added, removed=change.removed, changed=change.changed,
        rescreened_at=utc(change.rescreened_at) if change.rescreened_at else None,
        rescreened_by=change.rescreened_by, rescreen=change.rescreen,
        entries=[{"change": e.change, "entity_id": e.entity_id, "list": e.list, "name": e.name, "fields": e.fields}
                 for e in entries or []],
    )


class ListChanges:
    """What list changes changed, and the re-screen (``Service.lists``)."""

    def __init__(self, service: Service) -> None:
        self.service = service
        self.engine = service.engine

    # -- recording --------------------------------------------------------------------------------------

    def record_change(self, actor: Actor, line: dict[str, Any], home: Path | None = None) -> ListChangeView:
        """Record a change of the active list version (its version-log line: ``event``, ``from``, ``to``) with
        the entries it added, removed and changed, and its audit line (the version-log line)."""
        actor.require(Permission.LISTS_UPDATE)
        from exportgate.screen.lists.diff import changed_fields, diff
        from exportgate.screen.lists.records import entity_row

        event, old, new = str(line.get("event")), str(line.get("from")), str(line.get("to"))
        if event not in ("lists.update", "lists.activate", "lists.rollback"):
            raise InputError("event", f"not a change of the active list version: {event!r}")
        d = diff(old, new, home or self.service.home)
        rows: list[ListChangeEntry] = []
        for e in d.added:
            rows.append(ListChangeEntry(change="added", entity_id=e.id, list=e.source, name=e.primary_name, fields=[],
                                        fingerprint_after=e.fingerprint(), entity=entity_row(e)))
        for e in d.removed:
            rows.append(ListChangeEntry(change="removed", entity_id=e.id, list=e.source, name=e.primary_name,
                                        fields=[], fingerprint_before=e.fingerprint(), entity=None))
        for o, n in d.changed:
            rows.append(ListChangeEntry(change="changed", entity_id=n.id, list=n.source, name=n.primary_name,
                                        fields=changed_fields(o, n), fingerprint_before=o.fingerprint(),
                                        fingerprint_after=n.fingerprint(), entity=entity_row(n)))

        def work(session: Session) -> ListChangeView:
            change = ListChange(at=datetime.now(UTC), actor=actor.name, event=event, from_version=old, to_version=new,
                                added=len(d.added), removed=len(d.removed), changed=len(d.changed),
                                detail={k: v for k, v in line.items() if k != "actor"})
            session.add(change)
            session.flush()
            for row in rows:
                row.change_id = change.id
            session.add_all(rows)
            payload = {k: v for k, v in line.items() if k not in ("event", "actor")}
            payload["changes"] = {"id": change.id, "added": change.added, "removed": change.removed,
                                  "changed": change.changed}
            AuditLog.append(session, event, payload, actor=actor.name)
            session.flush()
            return _view(change)

        return write(self.engine, work)

    # -- reading ----------------------------------------------------------------------------------------

    def changes(self, actor: Actor, limit: int = 20) -> list[ListChangeView]:
        """The latest list changes, newest first (without their entries)."""
        actor.require(Permission.LISTS_READ)
        check_page(limit)
        with Session(self.engine) as session:
            return [_view(c) for c in session.scalars(select(ListChange).order_by(ListChange.id.desc()).limit(limit))]

    def change(self, actor: Actor, change_id: int) -> ListChangeView:
        """One list change with its entries."""
        actor.require(Permission.LISTS_READ)
        with Session(self.engine) as session:
            change = session.get(ListChange, change_id)
            if change is None:
                raise NotFound("change", f"no list change #{change_id}")
            entries = list(session.scalars(select(ListChangeEntry).where(ListChangeEntry.change_id == change_id)
                                           .order_by(ListChangeEntry.id)))
            return _view(change, entries)

    # -- re-screening -----------------------------------------------------------------------------------

    def rescreen(self, actor: Actor) -> RescreenReport:
        """Re-screen every stored party against the pending changes (see the module docstring)."""
        actor.require(Permission.RESCREEN)
        from exportgate.screen.lists.records import entity_from_row

        started = time.perf_counter()
        timings: dict[str, float] = {}
        with Session(self.engine) as session:
            pending = list(session.scalars(select(ListChange).where(ListChange.rescreened_at.is_(None))
                                           .order_by(ListChange.id)))
            change_ids = [c.id for c in pending]
            entries = list(session.scalars(select(ListChangeEntry).where(ListChangeEntry.change_id.in_(change_ids))
                                           .order_by(ListChangeEntry.change_id, ListChangeEntry.id))) if pending else []
            delta: dict[str, Any] = {}
            removed: dict[str, tuple[str, int]] = {}
            for e in entries:  # in order: a later change wins
                if e.change == "removed":
                    delta.pop(e.entity_id, None)
                    removed[e.entity_id] = (e.list, e.change_id)
                else:
                    removed.pop(e.entity_id, None)
                    delta[e.entity_id] = e.entity
            parties = session.execute(select(CaseParty.id, CaseParty.case_id, CaseParty.path, CaseParty.name,
                                             CaseParty.country, CaseParty.type, CaseParty.dob,
                                             CaseParty.identifiers)).all() if pending else []
        timings["read"] = time.perf_counter() - started

        # who to screen: each distinct party once
        groups: dict[tuple[Any, ...], list[tuple[int, int, str]]] = defaultdict(list)
        for pid, case_id, path, name, country, type_, dob, ids in parties:
            groups[(name, country, type_, dob, tuple(ids or []))].append((pid, case_id, path))
        found: dict[int, list[dict[str, Any]]] = defaultdict(list)  # party id -> matches on changed entries
        candidates = 0
        if delta and groups:
            t0 = time.perf_counter()
            full = self.service.screener
            from exportgate.screen.delta import subset_screener

            small = subset_screener([entity_from_row(row) for row in delta.values()], full)
            timings["index"] = time.perf_counter() - t0
            threshold = max(0.0, full.config.potential_threshold - PREFILTER_MARGIN)
            t0 = time.perf_counter()
            hits = []
            for key in groups:
                name, country, type_, dob, ids = key
                try:
                    if small.screen(name, country=country, type=type_, dob=dob, identifiers=list(ids) or None,
                                    threshold=threshold).matches:
                        hits.append(key)
                except InputError:
                    continue  # a name stored before a limit was lowered: it was screened when stored
            timings["screen"] = time.perf_counter() - t0
            t0 = time.perf_counter()
            for key in hits:
                name, country, type_, dob, ids = key
                res = full.screen(name, country=country, type=type_, dob=dob, identifiers=list(ids) or None)
                matches = [m.to_json() for m in res.matches if m.entity_id in delta]
                if matches:
                    candidates += 1
                    for pid, _case_id, _path in groups[key]:
                        found[pid].extend(matches)
            timings["verify"] = time.perf_counter() - t0

        if not pending:  # nothing waiting: nothing written
            return RescreenReport(changes=[], entries=0, removed_entries=0, parties=0, distinct_parties=0, candidates=0,
                                  alerts_opened=0, alerts_reopened=0, alerts_suppressed=0, alerts_closed=0,
                                  seconds=round(time.perf_counter() - started, 3))
        t0 = time.perf_counter()
        counts, rechecked = self._write(actor, found, removed)
        timings["write"] = time.perf_counter() - t0
        report = RescreenReport(
            changes=change_ids, entries=len(delta), removed_entries=len(removed), parties=len(parties),
            distinct_parties=len(groups), candidates=candidates, alerts_opened=counts.opened,
            alerts_reopened=counts.reopened, alerts_suppressed=counts.suppressed, alerts_closed=counts.closed,
            cases_rechecked=rechecked, seconds=round(time.perf_counter() - started, 3),
            timings={k: round(v, 3) for k, v in timings.items()},
        )

        def finish(session: Session) -> None:
            now = datetime.now(UTC)
            for change in session.scalars(select(ListChange).where(ListChange.id.in_(change_ids))):
                change.rescreened_at, change.rescreened_by = now, actor.name
                change.rescreen = report.model_dump(mode="json")
            AuditLog.append(session, "rescreen", report.model_dump(mode="json"), actor=actor.name)

        write(self.engine, finish)
        return report

    def _write(self, actor: Actor, found: dict[int, list[dict[str, Any]]],
               removed: dict[str, tuple[str, int]]) -> tuple[SyncCounts, list[int]]:
        """Store what the re-screen found, case by case (each case one transaction); the package cases it
        checked again."""
        counts = SyncCounts()
        with Session(self.engine) as session:
            by_case: dict[int, dict[int, list[dict[str, Any]]]] = defaultdict(dict)
            for pid, matches in found.items():
                party = session.get(CaseParty, pid)
                assert party is not None
                by_case[party.case_id][pid] = matches
            closing: dict[int, list[int]] = defaultdict(list)
            if removed:
                for alert in session.scalars(select(Alert).where(Alert.entity_id.in_(list(removed)),
                                                                 Alert.status.in_(UNDECIDED))):
                    closing[alert.case_id].append(alert.id)
            kinds = {c.id: c.kind for c in session.scalars(select(Case).where(
                Case.id.in_(set(by_case) | set(closing))))}
        rechecked: list[int] = []
        for case_id in sorted(set(by_case) | set(closing)):
            if kinds.get(case_id) == "check":
                counts.add(self._recheck(actor, case_id, closing.get(case_id, []), removed))
                rechecked.append(case_id)
            else:
                counts.add(write(self.engine, functools.partial(
                    self._update, actor=actor, case_id=case_id, found=by_case.get(case_id, {}),
                    closing=closing.get(case_id, []), removed=removed)))
        return counts, rechecked

    def _update(self, session: Session, actor: Actor, case_id: int, found: dict[int, list[dict[str, Any]]],
                closing: list[int], removed: dict[str, tuple[str, int]]) -> SyncCounts:
        """A screening or determination case: open alerts on its parties' new matches, close those on
        removed entries."""
        case = get_case(session, case_id)
        parties = {p.path: p for p in session.scalars(select(CaseParty).where(CaseParty.id.in_(list(found))))}
        counts = sync_alerts(session, case, parties, {p.path: found[p.id] for p in parties.values()}, "rescreen",
                             actor.name, full=False)
        counts.closed += self._close(session, actor, closing, removed)
        self.service.restatus(session, case)
        AuditLog.append(session, "case.rescreen", {"case_id": case_id, "alerts_opened": counts.opened,
                                                   "alerts_reopened": counts.reopened,
                                                   "alerts_suppressed": counts.suppressed,
                                                   "alerts_closed": counts.closed, "status": case.status},
                        actor=actor.name)
        return counts

    @staticmethod
    def _close(session: Session, actor: Actor, alert_ids: list[int], removed: dict[str, tuple[str, int]]) -> int:
        now, n = datetime.now(UTC), 0
        for alert_id in alert_ids:
            alert = session.get(Alert, alert_id)
            if alert is None or alert.status not in UNDECIDED:
                continue
            lst, change_id = removed[alert.entity_id]
            n += close(session, alert, actor.name, f"the entry was removed from {lst} (list change #{change_id})", now)
        return n

    def _recheck(self, actor: Actor, case_id: int, closing: list[int],
                 removed: dict[str, tuple[str, int]]) -> SyncCounts:
        """A package case: close its alerts on removed entries, then check it again against the lists in force
        (its new matches become alerts; its verdict follows)."""
        for _attempt in range(3):
            with Session(self.engine) as session:
                case = get_case(session, case_id)
                decisions = package_decisions(session, case_id)
                state = alert_state(session, case_id)
                rerun = (case_id, dict(case.input), case.as_of, case.mode)
            run = self.service.recheck(*rerun, decisions, reason="rescreen")
            try:
                return write(self.engine, functools.partial(self._store_recheck, actor=actor, case_id=case_id,
                                                            state=state, run=run, closing=closing, removed=removed))
            except Raced:
                continue
        raise InputError("case", f"case #{case_id} kept changing while it was re-screened; run `exportgate rescreen` "
                                 "again")

    def _store_recheck(self, session: Session, actor: Actor, case_id: int, state: tuple[Any, ...], run: Any,
                       closing: list[int], removed: dict[str, tuple[str, int]]) -> SyncCounts:
        case = lock_case(session, case_id)
        if alert_state(session, case_id) != state:
            raise Raced()  # a decision came in since the re-check: check again with it
        closed = self._close(session, actor, closing, removed)
        counts = self.service.apply_run(session, case, run, actor.name)
        counts.closed += closed
        AuditLog.append(session, "case.rescreen", {"case_id": case_id, "run": "checked again",
                                                   "alerts_opened": counts.opened, "alerts_reopened": counts.reopened,
                                                   "alerts_suppressed": counts.suppressed,
                                                   "alerts_closed": counts.closed, "status": case.status},
                        actor=actor.name)
        return counts
