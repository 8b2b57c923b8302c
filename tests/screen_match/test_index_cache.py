"""The on-disk index cache: reused for the same entities and matcher, never reused across a change of the
matcher's code or reference tables (a stale index would screen with yesterday's normalisation), never able
to run code (no pickle: a planted pickle is not executed), and rebuilt when damaged. An index read from the
cache answers exactly as a freshly built one."""

from __future__ import annotations

import itertools
import json
import os
import random
import shutil
from pathlib import Path
from typing import Any

import pytest

from exportgate.errors import ExportgateError
from exportgate.screen import Screener, cachefile, index_store
from exportgate.screen import index as index_mod
from exportgate.screen import normalize as normalize_mod
from exportgate.screen.model import EntityType, ListedEntity, Name, NameKind


def _entities() -> list[ListedEntity]:
    return [
        ListedEntity(
            id="t:1",
            source="test_list",
            type=EntityType.ENTITY,
            names=[Name("Kuzbass Razrez Ugol OOO", NameKind.PRIMARY), Name("OOO Kuzbass Razrez Ugol", NameKind.AKA)],
        ),
        ListedEntity(
            id="t:2", source="test_list", type=EntityType.PERSON, names=[Name("Ivanov, Petr", NameKind.PRIMARY)]
        ),
        ListedEntity(
            id="t:3", source="test_list", type=EntityType.ENTITY, names=[Name("Hua Wei Tech Co Ltd", NameKind.PRIMARY)]
        ),
    ]


@pytest.fixture()
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("EXPORTGATE_CACHE_DIR", str(tmp_path / "cache"))
    index_mod._builder_fingerprint.cache_clear()
    return tmp_path / "cache"


def _index_file(cache: Path) -> Path:
    files = sorted(cache.glob(f"screen-index-*{cachefile.SUFFIX}"))
    assert len(files) == 1
    return files[0]


def _answers(idx: index_mod.Index, queries: list[Any], many: bool = True) -> list[dict[str, Any]]:
    """Answers from a screener around this very index (no module-level index cache): through screen_many
    (the index warmed first: dict tables, every name decoded) or one screen() at a time (as a one-name
    process: tables searched as read, names decoded as reached)."""
    scr = Screener.__new__(Screener)
    scr.config = index_mod.MatchConfig()
    scr.index = idx
    scr.lists_as_of = {}
    scr._distinctive = idx.idf_at_share(scr.config.distinctive_df_share)
    scr._queries = -(10**9) if not many else 0  # never warmed by the query count
    scr._fingerprints = {}
    scr._plans = {}
    if many:
        scr.warm()  # (screen_many warms by itself only a batch of more records than these)
        return [r.to_json() for r in scr.screen_many(queries, threshold=0.5)]
    out = []
    for q in queries:
        rec = {"name": q} if isinstance(q, str) else q
        out.append(scr.screen(rec["name"], country=rec.get("country"), type=rec.get("type"), threshold=0.5).to_json())
    return out


def test_cache_is_reused_and_keyed_by_the_reference_tables(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = index_mod.load_or_build(_entities())
    file = _index_file(cache)
    assert first.fingerprint in file.name
    assert file.read_bytes().startswith(cachefile.MAGIC)

    again = index_mod.load_or_build(_entities())
    assert again.fingerprint == first.fingerprint
    assert again.names.items == [None] * len(first.names)  # read from the file: no name decoded yet
    assert _index_file(cache) == file

    # an edited reference table (as after an upgrade) gives a new key: the old index is not loaded
    tables = tmp_path / "rigour"
    shutil.copytree(normalize_mod.REFERENCE_DIR, tables)
    stopwords = tables / "stopwords.yml"
    stopwords.write_text(stopwords.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    monkeypatch.setattr(normalize_mod, "REFERENCE_DIR", tables)
    index_mod._builder_fingerprint.cache_clear()
    try:
        changed = index_mod.load_or_build(_entities())
    finally:
        index_mod._builder_fingerprint.cache_clear()
    assert changed.fingerprint != first.fingerprint
    assert len(list(cache.glob(f"screen-index-*{cachefile.SUFFIX}"))) == 2


def test_a_planted_pickle_is_never_executed(cache: Path, planted_pickle: tuple[bytes, Path]) -> None:
    """Whoever can write the cache folder must not run code in the screening process."""
    entities = _entities()
    expected = _answers(index_mod.build_index(entities), ["Kuzbass Razrez", "Petr Ivanov"])
    index_mod.load_or_build(entities)
    path = _index_file(cache)
    payload, marker = planted_pickle
    path.write_bytes(payload)  # where the index is read from
    legacy = cache / path.name.replace(cachefile.SUFFIX, ".pkl")  # where earlier versions read a pickle
    legacy.write_bytes(payload)

    idx = index_mod.load_or_build(entities)

    assert not marker.exists()
    assert _answers(idx, ["Kuzbass Razrez", "Petr Ivanov"]) == expected
    assert path.read_bytes().startswith(cachefile.MAGIC)  # rebuilt and rewritten
    assert not legacy.exists()  # old pickles are removed, never read
    assert index_mod.load_or_build(entities).names.items[0] is None  # and the rewritten file is used


@pytest.mark.parametrize("damage", ["truncate", "flip", "garbage", "empty", "other code", "other data"])
def test_a_damaged_or_foreign_cache_is_rebuilt(cache: Path, damage: str) -> None:
    entities = _entities()
    expected = _answers(index_mod.build_index(entities), ["Kuzbass Razrez Ugol", "Huawei", "Ivanov Petr"])
    index_mod.load_or_build(entities)
    path = _index_file(cache)
    blob = path.read_bytes()
    if damage == "truncate":
        path.write_bytes(blob[: len(blob) // 2])
    elif damage == "flip":
        path.write_bytes(blob[:-10] + bytes([blob[-10] ^ 0xFF]) + blob[-9:])
    elif damage == "garbage":
        path.write_bytes(os.urandom(len(blob)))
    elif damage == "empty":
        path.write_bytes(b"")
    else:  # a valid file, written for other code or from other data under this file's name
        good = cachefile.read(
            path, index_mod.INDEX_KIND, index_mod._builder_fingerprint(), index_mod._data_hash(entities)
        )
        assert good is not None
        code = "0" * 64 if damage == "other code" else index_mod._builder_fingerprint()
        data = "0" * 64 if damage == "other data" else index_mod._data_hash(entities)
        assert cachefile.write(path, index_mod.INDEX_KIND, code, data, {"meta": cachefile.json_section({})})

    idx = index_mod.load_or_build(entities)

    assert idx.names.items[0] is not None  # built, not read
    assert _answers(idx, ["Kuzbass Razrez Ugol", "Huawei", "Ivanov Petr"]) == expected
    assert index_mod.load_or_build(entities).names.items[0] is None  # the rewritten file verifies


def test_a_forged_file_is_inert_and_its_bad_rows_are_one_line_errors(cache: Path) -> None:
    """A file whose checksum was recomputed after an edit (done on purpose) verifies; its content can still
    run no code, and a row this code does not write is an ExportgateError (one line), not a traceback."""
    entities = _entities()
    idx = index_mod.load_or_build(entities)
    path = _index_file(cache)
    sections = index_mod._cache_sections(idx)
    rows = [b'{"__reduce__": "os.system"}', *(json.dumps(index_store.name_row(r)).encode() for r in idx.names[1:])]
    sections["names.rows"] = ("bytes", b"".join(rows))
    sections["names.off"] = cachefile.u32_section(itertools.accumulate(map(len, rows), initial=0))
    code, data = index_mod._builder_fingerprint(), index_mod._data_hash(entities)
    assert cachefile.write(path, index_mod.INDEX_KIND, code, data, sections)

    forged = index_mod.load_or_build(entities)
    assert forged.names.items == [None] * len(idx.names)  # the forged file was read
    assert _answers(forged, ["Ivanov Petr"], many=False)[0]["matches"]  # names with good rows answer
    with pytest.raises(ExportgateError, match="name 0 is unreadable"):
        _answers(forged, ["Kuzbass Razrez Ugol"], many=False)
    with pytest.raises(ExportgateError, match="name 0 is unreadable"):  # decoding all names for a batch
        _answers(forged, ["Ivanov Petr"])


def _sample_queries(entities: Any, n: int) -> list[Any]:
    rng = random.Random(20261201)
    out: list[Any] = []
    for ent in rng.sample(list(entities), n):
        name = rng.choice(ent.names).value
        out.append(name)
        if len(name) > 6:  # one typo
            i = rng.randrange(1, len(name) - 1)
            out.append(name[:i] + name[i + 1 :])
        out.append({"name": name, "country": (ent.countries or ["CN"])[0], "type": ent.type.value})
    out += ["Huawei Technologies", "Bank Melli Iran", "Acme Trading Co Ltd", "ООО Ромашка", "Zhang Wei", "华为"]
    return out


def test_cached_index_answers_exactly_as_a_fresh_build(embedded: Any) -> None:
    """Same matches, scores and explanations on a sample of listed names (as written, misspelt, with
    evidence) and ordinary names, from a fresh build and from the cache file."""
    queries = _sample_queries(embedded.entities, 150)
    fresh = index_mod.build_index(list(embedded.entities))
    index_mod.load_or_build(embedded.entities)  # written if the session has not yet
    cached = index_mod.load_or_build(embedded.entities)
    assert cached.names.items[0] is None  # really from the file
    a = _answers(fresh, queries)
    assert sum(len(r["matches"]) for r in a) > 150
    one_by_one = _answers(cached, queries, many=False)  # tables as read (bisection), names decoded as reached
    assert not all(cached.names.items)
    assert json.dumps(one_by_one, sort_keys=True) == json.dumps(a, sort_keys=True)
    b = _answers(cached, queries)  # warmed: dict tables, all names decoded at once
    assert all(cached.names.items)
    assert json.dumps(b, sort_keys=True) == json.dumps(a, sort_keys=True)
    assert len(cached.names) == len(fresh.names)
    assert [cached.names[i] for i in range(0, len(fresh.names), 97)] == [
        fresh.names[i] for i in range(0, len(fresh.names), 97)
    ]


def test_a_few_records_are_screened_cold_and_a_batch_warms_the_index_first(cache: Path) -> None:
    """Warming (every table a dict, every name decoded) pays off over many queries: a batch warms first, a few
    records (an upload of a handful of rows) are screened as that many single queries are, with the same answers."""
    from exportgate.screen.screener import WARM_AFTER_QUERIES

    entities = _entities()
    index_mod.load_or_build(entities)
    idx = index_mod.load_or_build(entities)  # from the on-disk cache: cold
    scr = Screener.__new__(Screener)
    scr.config, scr.index, scr.lists_as_of = index_mod.MatchConfig(), idx, {}
    scr._distinctive = idx.idf_at_share(scr.config.distinctive_df_share)
    scr._queries, scr._fingerprints, scr._plans = 0, {}, {}
    few = ["Kuzbass Razrez", "Petr Ivanov"]
    cold = [r.to_json() for r in scr.screen_many(few, threshold=0.5)]
    assert not idx.warm()  # not warmed by two records (warm() says whether it was ready: now it is)
    scr._queries, scr._plans = 0, {}
    assert [r.to_json() for r in scr.screen_many(few, threshold=0.5)] == cold  # the same answers warm
    idx2 = index_mod.load_or_build(entities)
    scr.index, scr._queries, scr._plans = idx2, 0, {}
    scr.screen_many(few * (WARM_AFTER_QUERIES // 2 + 1), threshold=0.5)
    assert idx2.warm()  # a batch of more records than WARM_AFTER_QUERIES warmed it first
