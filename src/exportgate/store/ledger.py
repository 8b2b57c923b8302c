"""The compute ledger: TPP of approved packages, per destination, end user and calendar year.

```python
from exportgate.store import Ledger
ledger = Ledger.open()                      # or Ledger.open("postgresql+psycopg://...")
record_id = ledger.record(result, approved_by="J. Doe")   # result: the check result (memo.md)
totals = ledger.totals(country="AE", year=2026, as_of=date(2026, 6, 30))
totals.per_country, totals.per_end_user, totals.per_year, totals.to_json()
ledger.entries(country="AE"); ledger.audit("note", {...}); ledger.audit_log.events()
```

Before anything is written, the result must hold together: its content hash must match its content, its
verdict must be the one its own determinations, screening, red flags and findings lead to (re-derived by
``exportgate.packages.verdict.verdict_of_memo``: an edited verdict with a recomputed hash is refused,
always), and it must be signed by this installation (``exportgate.store.signing``) unless ``force`` is
given, which the audit line records with the signature's state.

A recorded result becomes one :class:`Record` row (the whole result kept as JSON) and one
:class:`Entry` row per destination x end user x calendar year, dated by the result's ``as_of``. The
TPP of each pair is taken from the result's lines (quantity x TPP for every destination and end user
a line is determined for, as the check tallies it) and must agree with the result's
``compute.per_destination`` totals, or the result is refused. Everything a record writes, its audit
line included, is one transaction.

``Ledger`` is an ``exportgate.determine.TppLedger`` (:meth:`allocation_used_tpp`, :meth:`lpp_used_tpp`,
:meth:`end_user_tpp`), so the determination and the check count what the ledger already holds.
"""

from __future__ import annotations

import copy
import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from exportgate.determine.allocation import LPP_EXCEPTION
from exportgate.errors import InputError
from exportgate.packages.memo import LicenceGranted, Memo, content_hash
from exportgate.packages.verdict import verdict_of_memo
from exportgate.rules import Mode, RuleSet, load_rules
from exportgate.store.audit import AuditLog
from exportgate.store.db import Database
from exportgate.store.models import Entry, Record
from exportgate.store.signing import SignatureCheck, verify_result
from exportgate.store.signoff import check_licences, signed_result, signoff

#: verdicts that may be recorded without ``force``
APPROVABLE = ("clear", "license_required")
HEX64 = re.compile(r"^[0-9a-f]{64}$")
#: relative tolerance when the lines' TPP is checked against the result's per-destination totals
TOLERANCE = 1e-9


def end_user_key(name: str) -> str:
    """How end users are matched: case-folded, whitespace collapsed."""
    return " ".join(name.split()).casefold()


@dataclass(frozen=True)
class EntryRow:
    """TPP to one destination and end user in one year, as recorded."""

    country: str
    end_user: str
    year: int
    tpp: float
    lpp_tpp: float = 0.0


@dataclass(frozen=True)
class LedgerEntry:
    """One ledger entry as read back (with what its record says)."""

    id: int
    record_id: int
    country: str
    end_user: str
    year: int
    as_of: date
    tpp: float
    lpp_tpp: float
    package_name: str
    content_hash: str
    mode: str
    verdict: str
    approved_by: str | None
    forced: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "record_id": self.record_id,
            "country": self.country,
            "end_user": self.end_user,
            "year": self.year,
            "as_of": self.as_of.isoformat(),
            "tpp": self.tpp,
            "lpp_tpp": self.lpp_tpp,
            "package": self.package_name,
            "content_hash": self.content_hash,
            "mode": self.mode,
            "verdict": self.verdict,
            "approved_by": self.approved_by,
            "forced": self.forced,
        }


@dataclass(frozen=True)
class CountryYearTotal:
    country: str
    year: int
    tpp: float


@dataclass(frozen=True)
class EndUserYearTotal:
    end_user: str
    country: str
    year: int
    tpp: float
    #: the part shipped under License Exception LPP (what its yearly cap per consignee counts)
    lpp_tpp: float = 0.0


@dataclass(frozen=True)
class LedgerTotals:
    """Cumulative TPP of the entries matching the filters, by country/year and end user/country/year."""

    countries: list[CountryYearTotal]
    end_users: list[EndUserYearTotal]
    filters: dict[str, Any] = field(default_factory=dict)

    @property
    def total_tpp(self) -> float:
        return math.fsum(row.tpp for row in self.countries)

    @property
    def per_country(self) -> dict[str, float]:
        """``{country: tpp}`` over all years matched."""
        out: dict[str, float] = {}
        for row in self.countries:
            out[row.country] = out.get(row.country, 0.0) + row.tpp
        return out

    @property
    def per_year(self) -> dict[int, float]:
        """``{year: tpp}`` over all countries matched."""
        out: dict[int, float] = {}
        for row in self.countries:
            out[row.year] = out.get(row.year, 0.0) + row.tpp
        return out

    @property
    def per_end_user(self) -> dict[tuple[str, str], float]:
        """``{(country, end user): tpp}`` over all years matched."""
        out: dict[tuple[str, str], float] = {}
        for row in self.end_users:
            key = (row.country, row.end_user)
            out[key] = out.get(key, 0.0) + row.tpp
        return out

    def country(self, country: str, years: Iterable[int] | None = None) -> float:
        wanted = set(years) if years is not None else None
        return math.fsum(
            r.tpp for r in self.countries if r.country == country and (wanted is None or r.year in wanted)
        )

    def end_user(self, name: str, year: int | None = None) -> float:
        key = end_user_key(name)
        return math.fsum(
            r.tpp for r in self.end_users if end_user_key(r.end_user) == key and (year is None or r.year == year)
        )

    def to_json(self) -> dict[str, Any]:
        """``{"filters", "total_tpp", "countries": [{country, year, tpp}], "end_users": [{end_user,
        country, year, tpp}]}`` — the shape ``exportgate.packages.StaticLedger.from_totals`` reads."""
        return {
            "filters": self.filters,
            "total_tpp": self.total_tpp,
            "countries": [{"country": r.country, "year": r.year, "tpp": r.tpp} for r in self.countries],
            "end_users": [
                {"end_user": r.end_user, "country": r.country, "year": r.year, "tpp": r.tpp, "lpp_tpp": r.lpp_tpp}
                for r in self.end_users
            ],
        }


# --- reading a check result ---------------------------------------------------------------------------


def _parse_date(value: Any, where: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InputError(where, f"must be a date (YYYY-MM-DD), not {value!r}") from None


def _finite(value: float, where: str) -> float:
    if not math.isfinite(value):
        raise InputError(where, f"must be a finite number, not {value!r}")
    if value < 0:
        raise InputError(where, f"must not be negative, not {value!r}")
    return float(value)


@dataclass(frozen=True)
class ParsedResult:
    content_hash: str
    verdict: str
    as_of: date
    mode: str
    package_name: str
    source_file: str | None
    source_sha256: str | None
    rows: list[EntryRow]
    #: the verdict the result's own determinations and screening lead to
    derived_verdict: str = ""
    rules_differ: bool = False  # the result names other rule data than this installation's


def parse_result(result: Any, rules: RuleSet | None = None, *, check_verdict: bool = True) -> ParsedResult:
    """Check a result and work out its ledger rows (see the module docstring); InputError if unfit.

    The result is the memo document (``exportgate.packages.memo.Memo``, or its JSON); its content hash
    must match what it says, its lines must add up to its own compute totals, and (unless
    ``check_verdict`` is false: the caller checks ``derived_verdict`` itself) its verdict must be the one
    its own content leads to.
    """
    doc = result.to_json() if isinstance(result, Memo) else result
    if not isinstance(doc, dict):
        raise InputError("result", "must be a package check result (a mapping)")
    stated_hash = doc.get("content_hash")
    if not isinstance(stated_hash, str) or not HEX64.match(stated_hash):
        raise InputError("result.content_hash", "missing or not a SHA-256 hex digest")
    if content_hash(doc) != stated_hash:
        raise InputError(
            "result.content_hash",
            "does not match the result's content: the result was changed after the check; check the package again",
        )
    memo = Memo.parse(doc)
    as_of = _parse_date(memo.as_of, "result.as_of")
    mode = memo.mode
    if mode not in {m.value for m in Mode}:
        raise InputError("result.mode", f"must be one of {', '.join(m.value for m in Mode)}, not {mode!r}")
    package_name = (memo.package.name or "").strip()
    if not package_name:
        raise InputError("result.package.name", "missing: the package needs a name")
    rules = rules or load_rules()

    pairs: dict[tuple[str, str], tuple[str, float, float]] = {}
    for i, layer in enumerate(memo.layers):
        for j, line in enumerate(layer.lines):
            where = f"result.layers[{i}].lines[{j}]"
            if line.tpp is None:
                continue
            per_unit = _finite(line.tpp, f"{where}.tpp")
            if per_unit == 0:
                continue
            for k, det in enumerate(line.determinations):
                dwhere = f"{where}.determinations[{k}]"
                quantity = det.quantity if det.quantity is not None else line.quantity
                if quantity is None:
                    raise InputError(f"{where}.quantity", "missing: a line with a TPP needs its quantity")
                tpp = per_unit * quantity
                country = rules.country_code(det.destination or "", field=f"{dwhere}.destination")
                name = " ".join((det.end_user or "").split())
                key = (country, end_user_key(name))
                shown, before, lpp_before = pairs.get(key, (name, 0.0, 0.0))
                lpp = tpp if det.license_exception == LPP_EXCEPTION else 0.0
                pairs[key] = (shown, before + tpp, lpp_before + lpp)

    per_country: dict[str, float] = {}
    for (country, _), (_, tpp, _lpp) in pairs.items():
        per_country[country] = per_country.get(country, 0.0) + tpp
    stated: dict[str, float] = {}
    for i, row in enumerate(memo.compute.per_destination):
        where = f"result.compute.per_destination[{i}]"
        country = rules.country_code(row.country, field=f"{where}.country")
        stated[country] = stated.get(country, 0.0) + _finite(row.tpp, f"{where}.tpp")
    for country in sorted(set(stated) | set(per_country)):
        a, b = stated.get(country, 0.0), per_country.get(country, 0.0)
        if not math.isclose(a, b, rel_tol=TOLERANCE, abs_tol=1e-6):
            raise InputError(
                "result.compute.per_destination",
                f"{country}: the result states {a:,.0f} TPP but its lines add up to {b:,.0f}; "
                "the result is inconsistent and cannot be recorded",
            )

    rows = [
        EntryRow(country=country, end_user=name, year=as_of.year, tpp=tpp, lpp_tpp=lpp)
        for (country, _), (name, tpp, lpp) in sorted(pairs.items())
    ]
    derived, _reasons = verdict_of_memo(memo, rules)
    parsed = ParsedResult(
        content_hash=stated_hash,
        verdict=memo.verdict,
        as_of=as_of,
        mode=str(mode),
        package_name=package_name,
        source_file=memo.package.source_file or None,
        source_sha256=memo.package.source_sha256 or None,
        rows=rows,
        derived_verdict=derived,
        rules_differ=memo.versions.rules_sha256 != rules.sha256,
    )
    if check_verdict:
        refuse_edited_verdict(parsed)
    return parsed


def refuse_edited_verdict(parsed: ParsedResult) -> None:
    """An InputError if the result's verdict is not the one its own content leads to."""
    if parsed.derived_verdict == parsed.verdict:
        return
    other_rules = " (or it was checked with other rule data than this installation's)" if parsed.rules_differ else ""
    raise InputError(
        "result.verdict",
        f"{parsed.package_name!r} says {parsed.verdict!r}, but its own determinations, screening, red flags and "
        f"findings lead to {parsed.derived_verdict!r}: the result was changed after the check{other_rules}; "
        "check the package again",
    )


# --- the ledger ---------------------------------------------------------------------------------------


class Ledger(Database):
    """The compute ledger in one database (see the module docstring); ``Ledger.open(url)`` opens it."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        self.audit_log = AuditLog(engine)
        #: a package whose entries the TPP questions leave out (see :meth:`excluding`)
        self.excluded_package: str | None = None

    # -- writing -------------------------------------------------------------------------------------

    def record(
        self,
        result: dict[str, Any],
        approved_by: str | None = None,
        *,
        force: bool = False,
        rules: RuleSet | None = None,
        licences: list[LicenceGranted] | None = None,
        prepared_by: str | None = None,
        reviewed_by: str | None = None,
        actor: str | None = None,
    ) -> int:
        """Record an approved package check result; the new record's id. ``actor`` is who records it (the
        audit line's actor; default ``approved_by``).

        ``licences``: the licences granted for the lines that need one (each checked against the result's
        licences needed, ``store.signoff.check_licences``); ``prepared_by`` (default: who produced the memo),
        ``reviewed_by`` and ``approved_by`` fill the memo's sign-off block. The result is kept with both filled in;
        they are outside its content hash.

        Refused (``InputError``) if the result is not a consistent check result, if its verdict is not the
        one its own content leads to (always), if it is not signed by this installation (unless ``force``;
        ``exportgate.store.signing.sign_result`` signs a result made in this process), if its verdict is
        ``blocked`` or ``review`` (unless ``force``), if the same content hash is already recorded
        (always), or if the same package file (``package.source_sha256``) is already recorded (unless
        ``force``: a re-check of an unchanged package after recording it has a different hash, because
        the ledger totals in it moved). The refusal itself is written to the audit log.
        """
        parsed = parse_result(result, rules, check_verdict=False)
        signature = verify_result(result) if isinstance(result, dict) else SignatureCheck("missing")
        memo = Memo.parse(result.to_json() if isinstance(result, Memo) else result)
        granted = check_licences(memo, licences or [])
        actor = actor or approved_by
        try:
            refuse_edited_verdict(parsed)
            if not signature.valid and not force:
                raise InputError(
                    "result.signature",
                    f"{parsed.package_name!r} is {signature.describe()}; check the package here, or force the "
                    "record (the audit log notes it)",
                )
            if parsed.verdict not in APPROVABLE and not force:
                raise InputError(
                    "result.verdict",
                    f"{parsed.package_name!r} is {parsed.verdict!r}: only approved packages (clear or "
                    "license_required) are recorded; resolve it and check again, or force the record",
                )
            with Session(self.engine) as session, session.begin():
                self._refuse_duplicates(session, parsed, force)
                now = datetime.now(UTC)
                record = Record(
                    content_hash=parsed.content_hash,
                    package_name=parsed.package_name,
                    source_file=parsed.source_file,
                    source_sha256=parsed.source_sha256,
                    as_of=parsed.as_of,
                    mode=parsed.mode,
                    verdict=parsed.verdict,
                    forced=bool(force and (parsed.verdict not in APPROVABLE or not signature.valid)),
                    approved_by=approved_by,
                    recorded_at=now,
                    total_tpp=math.fsum(r.tpp for r in parsed.rows),
                    result=json.loads(json.dumps(result, default=str)),
                )
                session.add(record)
                session.flush()
                block = signoff(now, prepared_by=prepared_by or memo.provenance.produced_by, reviewed_by=reviewed_by,
                                approved_by=approved_by, record_id=record.id)
                record.result = signed_result(record.result, block, granted)
                record.licences = [g.model_dump(mode="json") for g in granted]
                record.signoff = block.model_dump(mode="json")
                for row in parsed.rows:
                    session.add(
                        Entry(
                            record_id=record.id,
                            country=row.country,
                            end_user=row.end_user,
                            end_user_key=end_user_key(row.end_user),
                            year=row.year,
                            as_of=parsed.as_of,
                            tpp=row.tpp,
                            lpp_tpp=row.lpp_tpp,
                            package_name=parsed.package_name,
                            content_hash=parsed.content_hash,
                            mode=parsed.mode,
                        )
                    )
                    session.flush()
                AuditLog.append(
                    session,
                    "ledger.record",
                    {
                        "record_id": record.id,
                        "package": parsed.package_name,
                        "source_file": parsed.source_file,
                        "as_of": parsed.as_of,
                        "mode": parsed.mode,
                        "verdict": parsed.verdict,
                        "forced": record.forced,
                        "approved_by": approved_by,
                        "signature": signature.to_json(),
                        "total_tpp": record.total_tpp,
                        "entries": [row.__dict__ for row in parsed.rows],
                        "licences": record.licences,
                        "signoff": record.signoff,
                    },
                    actor=actor,
                    content_hash=parsed.content_hash,
                )
                return record.id
        except InputError as exc:
            self._audit_refusal(parsed, exc, actor, signature)
            raise
        except IntegrityError:
            # A concurrent writer may have recorded the same content hash between our check and our insert.
            with Session(self.engine) as session:
                taken = session.scalar(select(Record.id).where(Record.content_hash == parsed.content_hash))
            if taken is None:
                raise
            refusal = InputError("result.content_hash", f"this result is already recorded (record #{taken})")
            self._audit_refusal(parsed, refusal, actor, signature)
            raise refusal from None

    def _refuse_duplicates(self, session: Session, parsed: ParsedResult, force: bool) -> None:
        same = session.scalars(select(Record).where(Record.content_hash == parsed.content_hash)).first()
        if same is not None:
            raise InputError(
                "result.content_hash",
                f"this result is already recorded (record #{same.id}, {same.package_name!r} as of "
                f"{same.as_of.isoformat()}); a result is recorded once",
            )
        if parsed.source_sha256 and not force:
            earlier = session.scalars(
                select(Record).where(Record.source_sha256 == parsed.source_sha256).order_by(Record.id)
            ).first()
            if earlier is not None:
                raise InputError(
                    "package",
                    f"the same package file is already recorded (record #{earlier.id}, {earlier.package_name!r} "
                    f"as of {earlier.as_of.isoformat()}); force the record if this is a second shipment",
                )

    def _audit_refusal(self, parsed: ParsedResult, exc: InputError, actor: str | None,
                       signature: SignatureCheck) -> None:
        try:
            self.audit_log.write(
                "ledger.record_refused",
                {"package": parsed.package_name, "as_of": parsed.as_of, "verdict": parsed.verdict,
                 "derived_verdict": parsed.derived_verdict, "signature": signature.to_json(),
                 "field": exc.field, "problem": exc.problem},
                actor=actor,
                content_hash=parsed.content_hash,
            )
        except SQLAlchemyError:
            pass  # the refusal stands even if it cannot be logged

    def audit(self, event: str, payload: Any, actor: str | None = None, content_hash: str | None = None) -> int:
        """Append a free audit line (its own transaction); its id."""
        return self.audit_log.write(event, payload, actor, content_hash)

    # -- reading -------------------------------------------------------------------------------------

    @staticmethod
    def _filters(
        query: Any, country: str | None, year: int | None, end_user: str | None, as_of: date | None
    ) -> Any:
        if country is not None:
            query = query.where(Entry.country == country.upper())
        if year is not None:
            query = query.where(Entry.year == year)
        if end_user is not None:
            query = query.where(Entry.end_user_key == end_user_key(end_user))
        if as_of is not None:
            query = query.where(Entry.as_of <= as_of)
        return query

    def totals(
        self,
        country: str | None = None,
        year: int | None = None,
        end_user: str | None = None,
        as_of: date | None = None,
    ) -> LedgerTotals:
        """Cumulative TPP of the entries dated on or before ``as_of`` (all, if ``None``) matching the filters."""
        by_country = self._filters(
            select(Entry.country, Entry.year, func.sum(Entry.tpp)), country, year, end_user, as_of
        ).group_by(Entry.country, Entry.year).order_by(Entry.country, Entry.year)
        by_end_user = self._filters(
            select(Entry.end_user_key, Entry.country, Entry.year, func.sum(Entry.tpp), func.sum(Entry.lpp_tpp)),
            country, year, end_user, as_of,
        ).group_by(Entry.end_user_key, Entry.country, Entry.year).order_by(
            Entry.country, Entry.end_user_key, Entry.year
        )
        with Session(self.engine) as session:
            countries = [CountryYearTotal(c, int(y), float(t)) for c, y, t in session.execute(by_country)]
            rows = session.execute(by_end_user).all()
            names = self._display_names(session, {key for key, *_ in rows})
            end_users = [
                EndUserYearTotal(names[k], c, int(y), float(t), float(lpp or 0.0)) for k, c, y, t, lpp in rows
            ]
        filters = {"country": country, "year": year, "end_user": end_user,
                   "as_of": as_of.isoformat() if as_of else None}
        return LedgerTotals(countries=countries, end_users=end_users, filters=filters)

    @staticmethod
    def _display_names(session: Session, keys: set[str]) -> dict[str, str]:
        """How each end user is shown: the name as first recorded."""
        names: dict[str, str] = {}
        if keys:
            query = select(Entry.end_user_key, Entry.end_user).where(Entry.end_user_key.in_(keys)).order_by(Entry.id)
            for key, name in session.execute(query):
                names.setdefault(key, name)
        return names

    def entries(
        self,
        country: str | None = None,
        year: int | None = None,
        end_user: str | None = None,
        as_of: date | None = None,
    ) -> list[LedgerEntry]:
        """The entries matching the filters, oldest first."""
        query = self._filters(select(Entry, Record).join(Record), country, year, end_user, as_of).order_by(
            Entry.as_of, Entry.id
        )
        with Session(self.engine) as session:
            return [
                LedgerEntry(
                    id=e.id, record_id=e.record_id, country=e.country, end_user=e.end_user, year=e.year,
                    as_of=e.as_of, tpp=e.tpp, lpp_tpp=e.lpp_tpp, package_name=e.package_name, content_hash=e.content_hash,
                    mode=e.mode, verdict=r.verdict, approved_by=r.approved_by, forced=r.forced,
                )
                for e, r in session.execute(query)
            ]

    def recorded(self, record_id: int) -> dict[str, Any]:
        """A recorded result as kept: the checked memo with its sign-off and licences granted (render it with
        ``exportgate.reports``); an unknown record id is an error naming it."""
        with Session(self.engine) as session:
            record = session.get(Record, record_id)
            if record is None:
                raise InputError("RECORD", f"no ledger record #{record_id}")
            return dict(record.result)

    def records(self) -> list[dict[str, Any]]:
        """Every record, oldest first: id, package, date, mode, verdict, total TPP, sign-off and licences granted."""
        with Session(self.engine) as session:
            return [
                {"record_id": r.id, "package": r.package_name, "as_of": r.as_of.isoformat(), "mode": r.mode,
                 "verdict": r.verdict, "forced": r.forced, "total_tpp": r.total_tpp, "content_hash": r.content_hash,
                 "recorded_at": r.recorded_at.isoformat(), "approved_by": r.approved_by,
                 "signoff": r.signoff, "licences": r.licences or []}
                for r in session.scalars(select(Record).order_by(Record.id))
            ]

    def record_count(self) -> int:
        with Session(self.engine) as session:
            return int(session.scalar(select(func.count()).select_from(Record)) or 0)

    # -- the TppLedger questions (exportgate.determine.allocation) ------------------------------------

    def excluding(self, package_name: str) -> Ledger:
        """This ledger without the entries of the package named ``package_name`` (a package re-checked after it
        was recorded is not counted against itself); the TPP questions below leave them out."""
        view = copy.copy(self)
        view.excluded_package = package_name
        return view

    def _tpp(self, column: Any, *conditions: Any) -> float:
        query = select(func.sum(column)).where(*conditions)
        if self.excluded_package is not None:
            query = query.where(Entry.package_name != self.excluded_package)
        with Session(self.engine) as session:
            return float(session.scalar(query) or 0.0)

    def allocation_used_tpp(self, country: str, count_from: date, as_of: date) -> float:
        """TPP to ``country`` in entries dated from ``count_from`` up to ``as_of``."""
        return self._tpp(Entry.tpp, Entry.country == country.upper(), Entry.as_of >= count_from, Entry.as_of <= as_of)

    def lpp_used_tpp(self, ultimate_consignee: str, year: int) -> float:
        """TPP shipped under License Exception LPP to ``ultimate_consignee`` in calendar ``year``."""
        return self.end_user_tpp(ultimate_consignee, year, date(year, 12, 31), lpp_only=True)


    def country_tpp(self, country: str, years: Iterable[int] | None, as_of: date) -> float:
        """Cumulative TPP to ``country`` in ``years`` (all if ``None``), entries dated on or before ``as_of``."""
        conditions = [Entry.country == country.upper(), Entry.as_of <= as_of]
        if years is not None:
            conditions.append(Entry.year.in_(list(years)))
        return self._tpp(Entry.tpp, *conditions)

    def end_user_tpp(self, end_user: str, year: int, as_of: date, *, lpp_only: bool = False) -> float:
        """Cumulative TPP to ``end_user`` in calendar ``year``, entries dated on or before ``as_of``;
        with ``lpp_only``, only what was shipped under License Exception LPP (what its yearly cap counts)."""
        column = Entry.lpp_tpp if lpp_only else Entry.tpp
        return self._tpp(column, Entry.end_user_key == end_user_key(end_user), Entry.year == year, Entry.as_of <= as_of)
