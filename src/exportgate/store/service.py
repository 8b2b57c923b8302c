"""The service: what a compliance team's API, web pages and command line all call.

```python
from exportgate.store.service import Service
svc = Service.open()                                   # the store the settings name (created, migrated)
actor = svc.users.authenticate_key(key)                # the API; the command line: svc.local_actor("--as")
case = svc.screen(actor, "Huawei Technologies", country="CN")          # -> CaseView (stored, alerts opened)
case = svc.check(actor, package_doc)                   # a package check, stored; its alerts
svc.alerts.decide(reviewer, case.alert_list[0].id, "false_positive", "different company, other country")
svc.cases.get(actor, case.id).status                   # the package re-checked with the decision
svc.lists.record_change(admin, version_log_line); svc.rescreen(admin)   # after `lists update`
svc.audit_verify(actor)                                # the hash chain walked
```

Every operation takes the acting :class:`~exportgate.store.accounts.Actor` first, checks its permission
(:data:`~exportgate.store.accounts.ROLE_PERMISSIONS`) and returns a pydantic model
(:mod:`exportgate.store.views`); every write is one transaction with its audit line. Slow work (screening,
checking a package) runs before the transaction opens, so the write lock is held only for the writing. Cases
(screenings, determinations, checks) are stored with group commit (``exportgate.store.db.write_grouped``): the
cases a process's threads store at the same moment share one transaction and one commit, each with its own
audit line (one that fails is rolled back alone), and each caller returns only after that commit.
See ``docs/usage/service.md``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Self

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from exportgate import settings
from exportgate.errors import InputError
from exportgate.rules import Mode, RuleSet, load_rules
from exportgate.settings import Limits
from exportgate.store.accounts import Accounts, Actor, Permission
from exportgate.store.alerts import Alerts, SyncCounts, decide_alerts, remembered, sync_alerts, write_alerts
from exportgate.store.audit import AuditLog, AuditRecord, ChainReport
from exportgate.store.cases import (
    BLOCKING_LISTS_KEY,
    Cases,
    PartyIn,
    RunIn,
    alert_status,
    case_view,
    jsonable,
    list_versions,
    party_key,
    retain_until,
)
from exportgate.store.db import Database, insert_rows, write_grouped
from exportgate.store.ledger import Ledger
from exportgate.store.service_models import Alert, Case, CaseParty, CaseRun
from exportgate.store.views import CaseView, ListChangeView, RescreenReport


class Service(Database):
    """One store opened as the service (see the module docstring). ``screener`` and ``rules`` default to the
    active lists and the shipped rule data, loaded on first use; ``home`` is the data home (list versions,
    the result-signing key)."""

    def __init__(self, engine: Engine, *, screener: Any | None = None, rules: RuleSet | None = None,
                 home: Path | None = None) -> None:
        super().__init__(engine)
        self._screener = screener
        self._rules = rules
        self.home = home
        self.users = Accounts(engine)
        self.cases = Cases(self)
        self.alerts = Alerts(self)
        from exportgate.store.rescreen import ListChanges

        self.lists = ListChanges(self)
        self.audit_log = AuditLog(engine)

    @classmethod
    def open(cls, url: str | None = None, *, screener: Any | None = None, rules: RuleSet | None = None,
             home: Path | None = None) -> Self:
        """Open (creating and migrating as needed) the store at ``url`` (``exportgate.store.db``)."""
        from exportgate.store.db import make_engine, migrate, resolve_url

        engine = make_engine(resolve_url(url))
        migrate(engine)
        return cls(engine, screener=screener, rules=rules, home=home)

    # -- what the service uses ------------------------------------------------------------------------

    @property
    def rules(self) -> RuleSet:
        if self._rules is None:
            self._rules = load_rules()
        return self._rules

    @property
    def screener(self) -> Any:
        """The screener over the active lists (``exportgate.packages.screening.default_screener``)."""
        if self._screener is None:
            from exportgate.packages.screening import default_screener

            self._screener = default_screener()
        return self._screener

    @screener.setter
    def screener(self, value: Any) -> None:
        self._screener = value

    def ledger(self) -> Ledger:
        """The compute ledger in this store (the same engine: not to be closed on its own)."""
        return Ledger(self.engine)

    def local_actor(self, name: str | None = None) -> Actor:
        """Who the command line acts as: ``--as NAME``, else ``EXPORTGATE_USER``, else the OS user
        (``Accounts.local_actor``)."""
        return self.users.local_actor(settings.local_user(name))

    # -- screening ------------------------------------------------------------------------------------

    def screen(
        self,
        actor: Actor,
        name: str,
        *,
        country: str | None = None,
        type: str | None = None,
        dob: str | None = None,
        identifiers: Sequence[str] | Mapping[str, str] | str | None = None,
        threshold: float | None = None,
        nationality: str | None = None,
    ) -> CaseView:
        """Screen one name and store it as a case; each match an alert (a remembered false positive
        suppresses its match)."""
        actor.require(Permission.SCREEN)
        from exportgate.screen.screener import validate_identifiers

        screener = self.screener
        result = screener.screen(name, country=country, type=type, dob=dob, identifiers=identifiers,
                                 threshold=threshold, nationality=nationality)
        ids = validate_identifiers(identifiers)
        doc = jsonable({"name": name, "country": country, "type": str(type) if type else None, "dob": dob,
                        "identifiers": ids, "threshold": threshold, "nationality": nationality})
        payload = {**result.to_json(), "warnings": list(result.warnings)}
        party = PartyIn("query", name, (country or "").strip().upper() or None, doc["type"],
                        str(dob) if dob else None, ids)
        run = self._run("stored", "clear", payload, getattr(screener, "snapshot", None))
        return self._store(actor, "screen", " ".join(name.split()), date.today(), None, doc, [party], run,
                           {"query": payload["matches"]})

    # -- determination --------------------------------------------------------------------------------

    def determine(self, actor: Actor, case_doc: Any, mode: Mode = Mode.ENFORCED) -> CaseView:
        """Run a licence determination and store it as a case (its end user and parties are stored parties:
        a re-screen screens them)."""
        actor.require(Permission.DETERMINE)
        from exportgate.determine import determine, parse_case
        from exportgate.packages.verdict import STATUS_VERDICT

        doc = jsonable(case_doc)
        case = parse_case(doc, rules=self.rules)
        result = determine(case, mode, self.rules)
        parties = []
        if case.end_user.name:
            parties.append(PartyIn("end_user", case.end_user.name, case.end_user.located_in))
        for i, p in enumerate(case.parties):
            if p.name:
                parties.append(PartyIn(f"parties[{i}]", p.name, p.located_in))
        title = case.end_user.name or f"{case.destination} ({case.date.isoformat()})"
        run = self._run("stored", STATUS_VERDICT[result.status], result.to_json(), None)
        return self._store(actor, "determine", title, case.date, mode.value, doc, parties, run, {})

    # -- package checks -------------------------------------------------------------------------------

    def check(
        self,
        actor: Actor,
        package_doc: Any,
        as_of: date | None = None,
        mode: Mode = Mode.ENFORCED,
        *,
        source_file: str = "<request>",
        source_sha256: str | None = None,
        lim: Limits | None = None,
    ) -> CaseView:
        """Check a package (its parsed document) and store it as a case: its verdict, and an alert for each
        potential or strong match (remembered false positives applied, as decisions, before the verdict).
        ``lim``: the limits the document is read within (default: the settings')."""
        actor.require(Permission.CHECK)
        from exportgate.packages import parse_package
        from exportgate.packages.screening import targets

        parse_package(package_doc, lim)  # every error at once, within the caller's limits, before anything runs
        doc = jsonable(package_doc)
        digest = source_sha256 or hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()
        result, suppressed = self._check_run(doc, as_of, mode, [], source_file, digest, lim, produced_by=actor.name)
        pkg = parse_package(doc, lim)
        parties = [PartyIn(t.path, t.name, t.country, t.type, t.dob, t.identifiers) for t in targets(pkg)]
        run = self._run("stored", result["verdict"], result, getattr(self.screener, "snapshot", None))
        as_of_day = date.fromisoformat(result["as_of"])
        return self._store(actor, "check", pkg.name, as_of_day, result["mode"],
                           {"package": doc, "source_file": source_file, "source_sha256": digest}, parties, run,
                           _memo_matches(result), suppressed)

    def recheck(self, case_id: int, case_input: dict[str, Any], as_of: date, mode: str | None,
                decisions: list[dict[str, Any]], reason: str = "alert_decided") -> tuple[RunIn, dict[tuple[str, str], int]]:
        """Check a stored package case again with ``decisions`` (the case's decided alerts), as of its date:
        the run to store (with the alerts remembered false positives suppress)."""
        result, suppressed = self._check_run(case_input["package"], as_of, Mode.parse(mode or "enforced"), decisions,
                                             case_input.get("source_file", "<request>"),
                                             case_input.get("source_sha256"))
        return self._run(reason, result["verdict"], result, getattr(self.screener, "snapshot", None)), suppressed

    def _check_run(self, doc: dict[str, Any], as_of: date | None, mode: Mode, decisions: list[dict[str, Any]],
                   source_file: str, digest: str | None, lim: Limits | None = None, *,
                   produced_by: str | None = None) -> tuple[
            dict[str, Any], dict[tuple[str, str], int]]:
        """The check result with ``decisions`` merged into the package's own, and then with the remembered false
        positives of its undecided matches (a second check only when there are some); and those suppressions
        by (party path, entry)."""
        from exportgate.packages import parse_package
        from exportgate.packages.screening import targets

        result = self._check_once(doc, as_of, mode, decisions, source_file, digest, lim, produced_by)
        keys = {t.path: party_key(t.name, t.country, t.identifiers) for t in targets(parse_package(doc, lim))}
        extra, suppressed = self._remembered_decisions(result, keys)
        if extra:
            result = self._check_once(doc, as_of, mode, [*decisions, *extra], source_file, digest, lim, produced_by)
        return result, suppressed

    def _check_once(self, doc: dict[str, Any], as_of: date | None, mode: Mode, decisions: list[dict[str, Any]],
                    source_file: str, digest: str | None, lim: Limits | None,
                    produced_by: str | None = None) -> dict[str, Any]:
        from exportgate.packages import LoadedPackage, check_package, parse_package
        from exportgate.store.signing import sign_result

        merged = dict(doc)
        if decisions:
            ours = {(d["party"].casefold(), d["entity_id"]) for d in decisions}
            own = [d for d in doc.get("screening_decisions") or []
                   if not isinstance(d, dict) or (str(d.get("party", "")).casefold(), d.get("entity_id")) not in ours]
            merged["screening_decisions"] = [*own, *decisions]
        loaded = LoadedPackage(package=parse_package(merged, lim), source_file=source_file, source_sha256=digest or "")
        memo = check_package(loaded, as_of, mode, rules=self.rules, screener=self.screener, ledger=self.ledger(),
                             produced_by=produced_by)
        result = memo.to_json()
        try:
            return sign_result(result, self.home)
        except InputError:
            return result  # no room for the signing key: stored unsigned (recording it needs --force)

    def _remembered_decisions(self, result: dict[str, Any], keys: dict[str, str]) -> tuple[
            list[dict[str, Any]], dict[tuple[str, str], int]]:
        extra: list[dict[str, Any]] = []
        suppressed: dict[tuple[str, str], int] = {}
        taken: set[tuple[str, str]] = set()
        with Session(self.engine) as session:
            for party in result.get("screening", {}).get("parties", []):
                for m in party.get("matches", []):
                    decision = m.get("decision")
                    if m.get("confirmed") or (decision and decision.get("status") == "applied"):
                        continue
                    key = keys.get(str(party.get("path")))
                    fp = remembered(session, key, str(m.get("entity_id"))) if key else None
                    if fp is None or fp.entry_fingerprint != m.get("entry_fingerprint"):
                        continue
                    suppressed[(str(party.get("path")), str(m.get("entity_id")))] = fp.id
                    pair = (party["name"].casefold(), str(m.get("entity_id")))
                    if pair in taken:
                        continue
                    taken.add(pair)
                    extra.append({"party": party["name"], "entity_id": m["entity_id"], "decision": "false_positive",
                                  "by": fp.decided_by or "unknown", "on": fp.decided_at.date().isoformat(),
                                  "reason": f"remembered false positive (alert #{fp.alert_id}): {fp.comment}",
                                  "entry_fingerprint": fp.entry_fingerprint})
        return extra, suppressed

    def record_case(self, actor: Actor, case_id: int, *, force: bool = False) -> int:
        """Record a package check case's latest result in the compute ledger (``Ledger.record``, approved by
        the actor); the record's id."""
        actor.require(Permission.LEDGER_RECORD)
        result = self.cases.memo_source(actor, case_id)
        return self.ledger().record(result, approved_by=actor.name, force=force, actor=actor.name)

    # -- storing --------------------------------------------------------------------------------------

    def _run(self, reason: str, status: str, result: dict[str, Any], snapshot: Any) -> RunIn:
        return RunIn(reason, status, result, self.rules.sha256, list_versions(snapshot),
                     getattr(snapshot, "version", None), result.get("content_hash"))

    def _store(self, actor: Actor, kind: str, title: str, as_of: date, mode: str | None, doc: Any,
               parties: list[PartyIn], run: RunIn, matches: dict[str, list[dict[str, Any]]],
               suppressed: dict[tuple[str, str], int] | None = None) -> CaseView:
        keep = retain_until(as_of, self.rules)

        def work(session: Session) -> CaseView:
            now = datetime.now(UTC)
            case = Case(kind=kind, title=title[:10_000], status=run.status, as_of=as_of, mode=mode, input=doc,
                        created_at=now, created_by=actor.name, updated_at=now, retain_until=keep)
            rows = {p.path: p.row(None) for p in parties}
            counts, run_row = self._add_run(session, case, run, actor.name, rows, matches, suppressed or {},
                                            full=True, new=True)
            AuditLog.append(session, "case.store", {
                "case_id": case.id, "kind": kind, "title": title, "as_of": as_of, "mode": mode, "status": case.status,
                "rules_sha256": run.rules_sha256, "lists": {k: v.get("as_of") for k, v in run.lists.items()},
                "lists_version": run.lists_version, "parties": len(rows), "alerts_opened": counts.opened,
                "alerts_suppressed": counts.suppressed}, actor=actor.name, content_hash=run.content_hash)
            return case_view(session, case, ([run_row], list(rows.values()), counts.made))

        return write_grouped(self.engine, work)  # with the other requests' cases stored at the same moment

    def _add_run(self, session: Session, case: Case, run: RunIn, actor: str | None, parties: dict[str, CaseParty],
                 matches: dict[str, list[dict[str, Any]]], suppressed: dict[tuple[str, str], int], *,
                 full: bool, new: bool = False) -> tuple[SyncCounts, CaseRun]:
        """Store a run of ``case`` and bring its alerts in line. ``new``: the case is being made (``case`` and
        ``parties`` not written yet; its first run, no alerts yet): what its alerts will be is decided first, its
        status from them, then every row is written at once (``exportgate.store.db.insert_rows``), the case
        with its final status; else the run is added to the stored case and its alerts synced."""
        number = 1 if new else (
            session.scalar(select(func.max(CaseRun.number)).where(CaseRun.case_id == case.id)) or 0) + 1
        row = CaseRun(case_id=case.id, number=number, reason=run.reason, at=datetime.now(UTC), actor=actor,
                      status=run.status, rules_sha256=run.rules_sha256, lists=run.lists,
                      lists_version=run.lists_version, content_hash=run.content_hash, result=run.result)
        source = {"stored": case.kind}.get(run.reason, "rescreen" if run.reason == "rescreen" else case.kind)
        if not new:
            session.add(row)
            counts = sync_alerts(session, case, parties, matches, source, actor, full=full, suppressed=suppressed)
            self.restatus(session, case, run.status)
            row.status = case.status
            return counts, row
        changes = decide_alerts(session, case, parties, matches, source, actor, full=full, suppressed=suppressed)
        self.restatus(session, case, run.status, changes.statuses())
        row.status = case.status
        insert_rows(session, [case])
        for party in parties.values():
            party.case_id = case.id
        insert_rows(session, list(parties.values()), key=("path",))
        row.case_id = case.id
        insert_rows(session, [row])
        return write_alerts(session, changes, case.id, parties), row

    def apply_run(self, session: Session, case: Case, run: tuple[RunIn, dict[tuple[str, str], int]],
                  actor: str | None) -> SyncCounts:
        """Store a re-check of a package case (:meth:`recheck`) and bring its alerts in line."""
        run_in, suppressed = run
        parties = {p.path: p for p in session.scalars(select(CaseParty).where(CaseParty.case_id == case.id))}
        return self._add_run(session, case, run_in, actor, parties, _memo_matches(run_in.result), suppressed,
                             full=True)[0]

    def restatus(self, session: Session, case: Case, base: str | None = None,
                 alerts: list[tuple[str, str]] | None = None) -> None:
        """Set a case's status from its latest run and its alerts (``exportgate.store.cases.alert_status``).
        ``alerts``: its alerts' (status, list), when the caller holds them all (a case being made), else they
        are read."""
        if base is None:
            from exportgate.store.cases import latest_run

            base = latest_run(session, case.id).result.get("verdict") if case.kind == "check" else None
            base = base or self._base_status(session, case)
        if alerts is None:
            session.flush()
            alerts = [(s, lst) for s, lst in session.execute(
                select(Alert.status, Alert.list).where(Alert.case_id == case.id))]
        blocking = set(self.rules.value(BLOCKING_LISTS_KEY, _rule_day(case.as_of, self.rules), Mode.ENFORCED) or [])
        case.status = alert_status(case.kind, base, alerts, blocking)
        case.updated_at = datetime.now(UTC)

    @staticmethod
    def _base_status(session: Session, case: Case) -> str:
        if case.kind == "determine":
            from exportgate.packages.verdict import STATUS_VERDICT
            from exportgate.store.cases import latest_run

            return STATUS_VERDICT.get(str(latest_run(session, case.id).result.get("status")), "review")
        return "clear"

    # -- list changes, re-screening, the audit chain -----------------------------------------------------

    def update_lists(self, actor: Actor, sources: list[str] | None = None, *, rescreen: bool = True,
                     progress: Callable[[str], None] | None = None,
                     **options: Any) -> tuple[Any, ListChangeView, RescreenReport | None]:
        """``lists update`` as a service: refused unless the actor may change the lists (before anything
        changes); then the update (``exportgate.screen.lists.store.update(sources, home, **options)``), the
        change recorded with what it changed, and (unless ``rescreen`` is false) the re-screen. The service's
        screener is the new lists' afterwards. ``progress`` is told each step as it starts: ``downloading``,
        ``recording``, ``re-screening``. (the update's result, the change, the re-screen's report)"""
        actor.require(Permission.LISTS_UPDATE)
        if rescreen:
            actor.require(Permission.RESCREEN)
        from exportgate.screen.lists.store import update

        step = progress or (lambda _name: None)
        step("downloading")
        result = update(sources, self.home, **options)
        change, report = self._after_list_change(actor, result.log_line, rescreen, step)
        return result, change, report

    def switch_lists(self, actor: Actor, version: str | None, *, allow_older: bool = False,
                     rescreen: bool = True) -> tuple[Any, ListChangeView, RescreenReport | None]:
        """``lists activate VERSION`` (or, with ``version`` None, ``lists rollback``) as a service, recorded and
        re-screened as :meth:`update_lists`. (the switch, the change, the re-screen's report)"""
        actor.require(Permission.LISTS_UPDATE)
        if rescreen:
            actor.require(Permission.RESCREEN)
        from exportgate.screen.lists.versions import activate, rollback

        switch = rollback(self.home) if version is None else activate(version, self.home, allow_older=allow_older)
        change, report = self._after_list_change(actor, switch.line, rescreen)
        return switch, change, report

    def _after_list_change(self, actor: Actor, line: dict[str, Any], rescreen: bool,
                           step: Callable[[str], None] = lambda _name: None) -> tuple[
            ListChangeView, RescreenReport | None]:
        from exportgate.screen import Screener
        from exportgate.screen.lists import load_active

        step("recording")
        change = self.lists.record_change(actor, line, self.home)
        home = self.home
        self._screener = LazyScreener(lambda: Screener(load_active(home)))  # built if something screens
        if not rescreen:
            return change, None
        step("re-screening")
        return change, self.rescreen(actor)

    def audit_lines(self, actor: Actor, event: str | None = None) -> list[AuditRecord]:
        """The audit log's lines, oldest first (optionally of one event)."""
        actor.require(Permission.AUDIT_READ)
        return self.audit_log.events(event=event)

    def rescreen(self, actor: Actor) -> RescreenReport:
        """Screen every stored party against what the pending list changes added and changed
        (``exportgate.store.rescreen``)."""
        return self.lists.rescreen(actor)

    def audit_verify(self, actor: Actor) -> ChainReport:
        """Walk the audit chain (``exportgate.store.audit.verify_chain``)."""
        actor.require(Permission.AUDIT_VERIFY)
        return self.audit_log.verify()


class LazyScreener:
    """A screener made when first used (a re-screen with nothing stored, or a command that never screens, never
    builds an index)."""

    def __init__(self, make: Callable[[], Any]) -> None:
        self._make = make
        self._made: Any = None

    def __getattr__(self, name: str) -> Any:
        if self._made is None:
            self._made = self._make()
        return getattr(self._made, name)


def _rule_day(day: date, rules: RuleSet) -> date:
    """``day`` if the rule data covers it, else today (a case of a date before the regime)."""
    try:
        rules.check_date(day)
    except InputError:
        return date.today()
    return day


def _memo_matches(result: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Each screened name's matches in a package check result, by its path in the package."""
    return {str(p.get("path")): list(p.get("matches") or []) for p in result.get("screening", {}).get("parties", [])}
