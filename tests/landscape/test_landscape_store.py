"""Imported lists in the store, on SQLite and on PostgreSQL: whole editions, replaced atomically."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import pytest
from landscape_helpers import WriteBook, list_file
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from exportgate.errors import InputError
from exportgate.landscape.facts import CountryFacts, facts_of, read_facts
from exportgate.landscape.reader import ListEdition, read_list
from exportgate.store.audit import AuditLog
from exportgate.store.models import Top500System
from exportgate.store.top500 import TopList, load_facts


def counts(store: TopList) -> dict[str, int]:
    """Rows per edition, counted in SQL."""
    query = select(Top500System.edition, func.count()).group_by(Top500System.edition)
    with Session(store.engine) as session:
        return {e: int(n) for e, n in session.execute(query)}


def scaled(edition: ListEdition, factor: float) -> ListEdition:
    rows = tuple(dataclasses.replace(r, rmax_tflops=r.rmax_tflops * factor) for r in edition.rows)
    return dataclasses.replace(edition, rows=rows)


def same_facts(a: tuple[CountryFacts, ...] | list[CountryFacts], b: tuple[CountryFacts, ...] | list[CountryFacts]) -> bool:
    if [(f.edition, f.country, f.systems, f.top10, f.best_rank) for f in a] != [
        (f.edition, f.country, f.systems, f.top10, f.best_rank) for f in b
    ]:
        return False
    return all(math.isclose(x.rmax_tflops, y.rmax_tflops, rel_tol=1e-12) and
               math.isclose(x.rpeak_tflops, y.rpeak_tflops, rel_tol=1e-12) for x, y in zip(a, b, strict=True))


def test_import_then_reimport_replaces_the_edition(db_url: str, write_book: WriteBook) -> None:
    edition = read_list(write_book("TOP500_202506.xlsx"))
    with TopList.open(db_url) as store:
        [first] = store.replace([edition], actor="tester")
        assert (first.edition, first.rows, first.replaced, first.countries) == ("2025-06", 500, False, 5)
        assert counts(store) == {"2025-06": 500}
        assert same_facts(store.facts()["2025-06"], facts_of("2025-06", edition.rows))
        stored = store.systems("2025-06", "CN")
        assert stored == [r for r in edition.rows if r.country == "CN"]  # every field comes back as written

        [again] = store.replace([scaled(edition, 2.0)])
        assert again.replaced
        assert counts(store) == {"2025-06": 500}
        assert store.systems("2025-06")[0].rmax_tflops == 2 * edition.rows[0].rmax_tflops
        assert [e.edition for e in store.editions()] == ["2025-06"]
        lines = AuditLog(store.engine).events("landscape.import")
        assert [line.payload["editions"][0]["replaced"] for line in lines] == [False, True]
        assert lines[0].actor == "tester"


def test_a_failed_import_leaves_the_database_as_it_was(db_url: str, write_book: WriteBook,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    old = read_list(write_book("TOP500_202506.xlsx"))
    other = read_list(write_book("TOP500_202511.xlsx"))
    with TopList.open(db_url) as store:
        store.replace([old])

        def broken(*_args: object, **_kwargs: object) -> None:
            raise OperationalError("INSERT INTO audit_log", {}, Exception("disk full"))

        monkeypatch.setattr(AuditLog, "append", staticmethod(broken))
        with pytest.raises(InputError, match=r"db: cannot import into .*disk full"):
            store.replace([scaled(old, 3.0), other])  # both editions written, then the audit line fails
        assert counts(store) == {"2025-06": 500}
        assert store.systems("2025-06")[0].rmax_tflops == old.rows[0].rmax_tflops


def test_an_edition_given_twice_is_refused(db_url: str, write_book: WriteBook) -> None:
    edition = read_list(write_book("TOP500_202506.xlsx"))
    with TopList.open(db_url) as store, pytest.raises(InputError, match="edition 2025-06 is given more than once"):
        store.replace([edition, edition])


def test_the_views_read_imported_editions_from_the_database(db_url: str, write_book: WriteBook) -> None:
    mine = read_list(write_book("TOP500_201811.xlsx"))  # a synthetic 2018-11 in place of the real one
    shipped = read_facts()
    with TopList.open(db_url) as store:
        with pytest.raises(InputError, match="--source: no TOP500 list is imported"):
            load_facts("db", db_url)
        store.replace([mine])
    auto = load_facts("auto", db_url)
    assert auto.sources["2018-11"] == "database" and auto.sources["2018-06"] == "shipped"
    assert auto.editions == sorted(shipped)
    assert same_facts(auto.of("2018-11"), facts_of("2018-11", mine.rows))
    assert auto.of("2018-06") == shipped["2018-06"]
    only = load_facts("db", db_url)
    assert only.editions == ["2018-11"]
    assert load_facts("shipped", db_url).of("2018-11") == shipped["2018-11"]


def test_a_missing_default_database_is_not_created(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXPORTGATE_HOME", str(tmp_path / "home"))
    facts = load_facts()
    assert set(facts.sources.values()) == {"shipped"}
    assert not (tmp_path / "home").exists()


@pytest.mark.shared
def test_real_lists_import_with_their_500_rows(db_url: str, lists_dir: Path) -> None:
    editions = [read_list(list_file(lists_dir, e)) for e in ("1993-06", "2018-11", "2025-06")]
    shipped = read_facts()
    with TopList.open(db_url) as store:
        store.replace(editions)
        assert counts(store) == {"1993-06": 500, "2018-11": 500, "2025-06": 500}
        facts = store.facts()
    for e in ("1993-06", "2018-11", "2025-06"):
        assert same_facts(facts[e], shipped[e])
    cn_us = {f.country: f.systems for f in facts["2018-11"] if f.country in ("CN", "US")}
    assert cn_us == {"CN": 227, "US": 109}


@pytest.mark.shared
def test_every_edition_imports_500_rows(sqlite_url: str, every_edition: list[ListEdition]) -> None:
    """All 67 lists in one import (one transaction); each edition holds exactly its 500 rows."""
    with TopList.open(sqlite_url) as store:
        done = store.replace(every_edition)
        assert len(done) == 67 and all(d.rows == 500 for d in done)
        assert counts(store) == {e.edition: 500 for e in every_edition}
        facts = store.facts()
    shipped = read_facts()
    assert sorted(facts) == sorted(shipped)
    assert all(same_facts(facts[e], shipped[e]) for e in shipped)


def test_facts_through_an_open_engine_are_those_through_its_url(db_url: str, write_book: WriteBook) -> None:
    """The API and the web pages read the imported lists through the service's engine (no engine opened and
    no migration checked per request): the same facts as through the URL, imported editions marked so."""
    edition = read_list(write_book("TOP500_202506.xlsx"))
    with TopList.open(db_url) as store:
        store.replace([edition], actor="tester")
        by_engine = load_facts("auto", engine=store.engine)
        assert by_engine.sources["2025-06"] == "database"
        assert by_engine.sources["2024-11"] == "shipped"
        assert same_facts(by_engine.of("2025-06"), facts_of("2025-06", edition.rows))
        only_db = load_facts("db", engine=store.engine)
        assert list(only_db.by_edition) == ["2025-06"]
    by_url = load_facts("auto", db_url)
    assert by_url.sources == by_engine.sources
    assert same_facts(by_url.of("2025-06"), by_engine.of("2025-06"))
