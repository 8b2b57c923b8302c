"""The compiled normalisation tables are cached like the index: inert JSON in a verified file, equal to a
fresh compilation, and a planted or damaged file is compiled again (never executed)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from exportgate.screen import cachefile, normalize


@pytest.fixture()
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("EXPORTGATE_CACHE_DIR", str(tmp_path / "cache"))
    normalize.tables.cache_clear()
    yield tmp_path / "cache"
    normalize.tables.cache_clear()


def _file(cache: Path) -> Path:
    (path,) = cache.glob(f"normalize-tables-*{cachefile.SUFFIX}")
    return path


def test_cached_tables_equal_a_fresh_compilation(cache: Path) -> None:
    compiled = normalize.compile_tables()
    assert normalize.tables() == compiled  # compiled, then written
    normalize.tables.cache_clear()
    assert normalize.tables() == compiled  # read from the file
    assert _file(cache).read_bytes().startswith(cachefile.MAGIC)


@pytest.mark.parametrize("damage", ["pickle", "truncate", "other data"])
def test_a_planted_or_damaged_tables_file_is_compiled_again(
    cache: Path, planted_pickle: tuple[bytes, Path], damage: str
) -> None:
    compiled = normalize.tables()
    path = _file(cache)
    payload, marker = planted_pickle
    if damage == "pickle":
        path.write_bytes(payload)
    elif damage == "truncate":
        path.write_bytes(path.read_bytes()[:-1])
    else:  # a valid file under this name, but built from other reference data
        header = cachefile.read(path, normalize.TABLES_KIND, *normalize.tables_hashes())
        assert header is not None
        cachefile.write(path, normalize.TABLES_KIND, header.header["code"], "0" * 64, {})
    normalize.tables.cache_clear()
    assert normalize.tables() == compiled
    assert not marker.exists()
    normalize.tables.cache_clear()
    assert normalize.tables() == compiled
    assert cachefile.read(path, normalize.TABLES_KIND, *normalize.tables_hashes()) is not None  # rewritten
