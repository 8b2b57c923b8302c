"""TOP500 lists in the store (the same database as the ledger: SQLite by default, PostgreSQL unchanged).

An import writes whole editions: every edition named in one call is replaced — its old rows deleted,
its 500 new rows written — together with one audit line, in ONE transaction, so a failed import leaves
the database as it was and a reader never sees half an edition.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from sqlalchemy import Engine, case, delete, func, insert, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from exportgate import settings
from exportgate.errors import InputError
from exportgate.landscape.facts import DECIMALS, TOP, CountryFacts, Facts, check_edition, shipped_facts
from exportgate.landscape.reader import ListEdition, SystemRow
from exportgate.store.audit import AuditLog
from exportgate.store.db import Database
from exportgate.store.models import Top500Edition, Top500System


@dataclass(frozen=True)
class ImportedEdition:
    """What one import did to one edition."""

    edition: str
    number: int
    source_file: str
    source_sha256: str
    rows: int
    countries: int
    replaced: bool  # the edition was in the database before and has been replaced

    def to_json(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class StoredEdition:
    edition: str
    number: int
    source_file: str
    source_sha256: str
    rows: int
    imported_at: datetime


class TopList(Database):
    """The imported TOP500 lists of one database; ``TopList.open(url)`` opens it (see ``exportgate.store.db``)."""

    # -- writing -------------------------------------------------------------------------------------

    def replace(self, editions: Sequence[ListEdition], actor: str | None = None) -> list[ImportedEdition]:
        """Write ``editions`` (each replacing the same edition if present) in one transaction."""
        names = [e.edition for e in editions]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            files = ", ".join(e.source_file for e in editions if e.edition in twice)
            raise InputError("PATH", f"edition {', '.join(twice)} is given more than once ({files})")
        done: list[ImportedEdition] = []
        now = datetime.now(UTC)
        try:
            with Session(self.engine) as session, session.begin():
                before = set(session.scalars(select(Top500Edition.edition).where(Top500Edition.edition.in_(names))))
                for ed in editions:
                    session.execute(delete(Top500System).where(Top500System.edition == ed.edition))
                    session.execute(delete(Top500Edition).where(Top500Edition.edition == ed.edition))
                    session.add(Top500Edition(edition=ed.edition, number=ed.number, source_file=ed.source_file,
                                              source_sha256=ed.sha256, rows=len(ed.rows), imported_at=now))
                    session.flush()
                    session.execute(insert(Top500System), [_row(ed.edition, r) for r in ed.rows])
                    done.append(ImportedEdition(ed.edition, ed.number, ed.source_file, ed.sha256, len(ed.rows),
                                                len({r.country for r in ed.rows}), ed.edition in before))
                AuditLog.append(session, "landscape.import", {"editions": [d.to_json() for d in done]}, actor=actor)
        except SQLAlchemyError as exc:
            raise InputError("db", f"cannot import into {self.url}: {str(getattr(exc, 'orig', exc)).strip()}") from None
        return done

    # -- reading -------------------------------------------------------------------------------------

    def editions(self) -> list[StoredEdition]:
        with Session(self.engine) as session:
            return [
                StoredEdition(e.edition, e.number, e.source_file, e.source_sha256, e.rows, e.imported_at)
                for e in session.scalars(select(Top500Edition).order_by(Top500Edition.edition))
            ]

    def facts(self) -> dict[str, tuple[CountryFacts, ...]]:
        """The per-country facts of every imported edition (see ``exportgate.landscape.facts``)."""
        s = Top500System
        query = (
            select(s.edition, s.country, func.count(), func.sum(s.rmax_tflops), func.sum(s.rpeak_tflops),
                   func.sum(case((s.rank <= TOP, 1), else_=0)), func.min(s.rank))
            .group_by(s.edition, s.country)
            .order_by(s.edition, s.country)
        )
        out: dict[str, list[CountryFacts]] = {}
        with Session(self.engine) as session:
            for edition, country, n, rmax, rpeak, top10, best in session.execute(query):
                out.setdefault(edition, []).append(CountryFacts(
                    edition=edition, country=country, systems=int(n), rmax_tflops=round(float(rmax), DECIMALS),
                    rpeak_tflops=round(float(rpeak), DECIMALS), top10=int(top10), best_rank=int(best),
                ))
        for edition, facts in out.items():
            check_edition(edition, facts, self.url)
        return {e: tuple(f) for e, f in out.items()}

    def systems(self, edition: str, country: str | None = None) -> list[SystemRow]:
        """The systems of one imported edition (of one country), by rank."""
        query = select(Top500System).where(Top500System.edition == edition).order_by(Top500System.rank)
        if country is not None:
            query = query.where(Top500System.country == country)
        with Session(self.engine) as session:
            return [
                SystemRow(rank=r.rank, name=r.name, computer=r.computer, site=r.site, manufacturer=r.manufacturer,
                          country_name=r.country_name, country=r.country, rmax_tflops=r.rmax_tflops,
                          rpeak_tflops=r.rpeak_tflops, cores=r.cores, accelerator=r.accelerator,
                          power_kw=r.power_kw, segment=r.segment, year=r.year)
                for r in session.scalars(query)
            ]


def _row(edition: str, row: SystemRow) -> dict[str, object]:
    return {**asdict(row), "edition": edition}


Source = Literal["auto", "shipped", "db"]


def load_facts(source: Source = "auto", db: str | None = None, *, engine: Engine | None = None) -> Facts:
    """The facts to show.

    ``shipped``: the facts shipped with the package only. ``db``: only the editions imported into the
    database (``db`` URL, else ``EXPORTGATE_DB_URL``, else the SQLite file in the data home); an error if
    none is. ``auto`` (default): the shipped facts, with every edition imported into the database taken
    from the database instead; a default SQLite file that does not exist yet is not created for this.
    ``engine``: a database already open and migrated (the service's), read instead of opening ``db`` — the
    API and the web pages pass theirs, so a request neither opens an engine nor runs the migrations check.
    """
    if source not in ("auto", "shipped", "db"):
        raise InputError("--source", f"must be auto, shipped or db, not {source!r}")
    by_edition: dict[str, tuple[CountryFacts, ...]] = {}
    sources: dict[str, str] = {}
    if source != "db":
        shipped = shipped_facts()
        by_edition.update(shipped.by_edition)
        sources.update(shipped.sources)
    if source == "shipped" or (source == "auto" and engine is None and not _database_exists(db)):
        return Facts(by_edition, sources)
    if engine is not None:
        store = TopList(engine)
        imported = store.facts()
    else:
        with TopList.open(db) as store:
            imported = store.facts()
    if source == "db" and not imported:
        raise InputError("--source", f"no TOP500 list is imported in {store.url}: run `exportgate landscape import`")
    by_edition.update(imported)
    sources.update(dict.fromkeys(imported, "database"))
    return Facts(dict(sorted(by_edition.items())), sources)


def _database_exists(db: str | None) -> bool:
    """Whether the database the user pointed at could hold imported lists (a missing SQLite file cannot)."""
    url = settings.db_url(db)
    if not url.startswith("sqlite"):
        return True
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        database = make_url(url).database
    except ArgumentError:
        return True  # opening it says what is wrong with it
    return bool(database) and database != ":memory:" and Path(str(database)).is_file()
