"""The on-disk index cache: reused for the same entities and matcher, never reused across a change of the
matcher's code or reference tables (a stale index would screen with yesterday's normalisation)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from exportgate.screen import index as index_mod
from exportgate.screen.model import EntityType, ListedEntity, Name, NameKind


def _entities() -> list[ListedEntity]:
    return [
        ListedEntity(
            id="t:1",
            source="test_list",
            type=EntityType.ENTITY,
            names=[Name("Kuzbass Razrez Ugol OOO", NameKind.PRIMARY)],
        ),
        ListedEntity(
            id="t:2", source="test_list", type=EntityType.PERSON, names=[Name("Ivanov, Petr", NameKind.PRIMARY)]
        ),
    ]


def test_cache_is_reused_and_keyed_by_the_reference_tables(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXPORTGATE_CACHE_DIR", str(tmp_path / "cache"))
    index_mod._builder_fingerprint.cache_clear()
    first = index_mod.load_or_build(_entities())
    files = sorted((tmp_path / "cache").glob("screen-index-*.egcache"))
    assert len(files) == 1 and first.fingerprint in files[0].name

    again = index_mod.load_or_build(_entities())
    assert again.fingerprint == first.fingerprint
    assert sorted((tmp_path / "cache").glob("screen-index-*.egcache")) == files

    # an edited reference table (as after an upgrade) gives a new key: the old index is not loaded
    tables = tmp_path / "rigour"
    shutil.copytree(index_mod.REFERENCE_DIR, tables)
    stopwords = tables / "stopwords.yml"
    stopwords.write_text(stopwords.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    monkeypatch.setattr(index_mod, "REFERENCE_DIR", tables)
    index_mod._builder_fingerprint.cache_clear()
    try:
        changed = index_mod.load_or_build(_entities())
    finally:
        index_mod._builder_fingerprint.cache_clear()
    assert changed.fingerprint != first.fingerprint
    assert len(list((tmp_path / "cache").glob("screen-index-*.egcache"))) == 2
