"""The parsed-lists cache: inert data verified before use. A snapshot read from it equals a fresh parse; a
planted pickle in the data home runs no code in `exportgate screen` (checked from the user's side, in a
subprocess); a damaged or foreign cache is parsed again."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from exportgate.errors import ExportgateError
from exportgate.screen import cachefile
from exportgate.screen.lists import ListSnapshot, load_active, load_embedded
from exportgate.screen.lists._data import data_dir
from exportgate.screen.lists.records import EntityRecords, entity_from_row, entity_row
from exportgate.screen.lists.snapshot import (
    CACHE_KIND,
    _cache_key,
    _loader_code,
    build_snapshot,
    cache_path,
    read_manifest,
)
from exportgate.screen.lists.store import active_version

EXE = Path(sys.executable).parent / "exportgate"


def test_cached_snapshot_equals_a_fresh_parse(embedded_home: Path) -> None:
    cached = load_embedded(embedded_home)
    assert isinstance(cached.entities, EntityRecords) and "0 decoded" in repr(cached.entities)
    fresh = build_snapshot(data_dir(), read_manifest(data_dir()), "embedded")
    assert cached.sources == fresh.sources
    assert cached.file_rows == fresh.file_rows
    assert (cached.version, cached.origin, cached.path) == (fresh.version, fresh.origin, fresh.path)
    assert len(cached.entities) == len(fresh.entities)
    assert cached.entities[-1] == fresh.entities[-1] and cached.entities[5:8] == fresh.entities[5:8]
    assert list(cached.entities) == fresh.entities  # every field of every entity


def test_entity_rows_refuse_what_they_do_not_write(embedded_home: Path) -> None:
    ent = load_embedded(embedded_home).entities[0]
    row = json.loads(json.dumps(entity_row(ent)))
    assert entity_from_row(row) == ent
    for bad in ([], {"id": 1}, [*row[:2], "robot", *row[3:]], [*row[:9], True, *row[10:]], [row[0], 5, *row[2:]]):
        with pytest.raises((TypeError, ValueError, KeyError)):
            entity_from_row(bad)


def _cache_files(home: Path) -> list[Path]:
    return sorted((home / "cache").glob(f"*{cachefile.SUFFIX}"))


def _active_lists_cache(home: Path) -> Path:
    """The cache file of the active version's parsed lists (the home also holds the embedded lists')."""
    directory = active_version(home)
    assert directory is not None
    path = cache_path(home / "cache", _cache_key(directory, read_manifest(directory), "updated"))
    assert path.is_file()
    return path


def test_planted_pickles_run_no_code_in_screen(small_home: Path, planted_pickle: tuple[bytes, Path]) -> None:
    """Every cache file the command reads (parsed lists, index, normalisation tables), and the pickle files
    earlier versions read, replaced by a pickle that would create a marker file when loaded."""
    env = {k: v for k, v in os.environ.items() if k != "EXPORTGATE_CACHE_DIR"}  # every cache in the home
    env["EXPORTGATE_HOME"] = str(small_home)
    name = load_active().entities[3].primary_name
    args = [str(EXE), "screen", name, "--json"]
    first = subprocess.run(args, capture_output=True, text=True, env=env, timeout=300)
    assert first.returncode == 0, first.stderr
    files = _cache_files(small_home)
    read = [p for p in files if not p.name.startswith("lists-")] + [_active_lists_cache(small_home)]
    assert sorted(p.name.split("-")[0] for p in read) == ["lists", "normalize", "screen"]
    payload, marker = planted_pickle
    for path in files:
        path.write_bytes(payload)
    for path in files:  # the names earlier versions read pickles from
        if path.name.startswith(("screen-index-", "lists-")):
            path.with_suffix(".pkl" if path.name.startswith("screen-") else ".pickle").write_bytes(payload)

    again = subprocess.run(args, capture_output=True, text=True, env=env, timeout=300)

    assert again.returncode == 0, again.stderr
    assert not marker.exists()
    assert "Traceback" not in again.stderr
    assert json.loads(again.stdout)["matches"] == json.loads(first.stdout)["matches"]
    assert json.loads(first.stdout)["matches"]
    for path in read:  # rebuilt, and the old pickles are gone
        assert path.read_bytes().startswith(cachefile.MAGIC), path.name
    assert not list((small_home / "cache").glob("*.pkl")) and not list((small_home / "cache").glob("*.pickle"))


@pytest.mark.parametrize("damage", ["truncate", "flip", "pickle", "other code"])
def test_damaged_or_foreign_list_cache_is_parsed_again(
    small_home: Path, planted_pickle: tuple[bytes, Path], damage: str
) -> None:
    counts = load_active().counts()
    ids = [e.id for e in load_active().entities]
    path = _active_lists_cache(small_home)
    blob = path.read_bytes()
    payload, marker = planted_pickle
    if damage == "truncate":
        path.write_bytes(blob[:-100])
    elif damage == "flip":
        path.write_bytes(blob[:200] + bytes([blob[200] ^ 1]) + blob[201:])
    elif damage == "pickle":
        path.write_bytes(payload)
    else:
        key = path.name.removeprefix("lists-").removesuffix(cachefile.SUFFIX)
        assert cachefile.read(path, CACHE_KIND, _loader_code(), key) is not None
        assert cachefile.write(path, CACHE_KIND, "0" * 64, key, {"meta": cachefile.json_section({})})

    snap = load_active()

    assert not marker.exists()
    assert snap.counts() == counts and [e.id for e in snap.entities] == ids
    assert not isinstance(snap.entities, EntityRecords) or "0 decoded" not in repr(snap.entities)  # parsed
    assert "0 decoded" in repr(load_active().entities)  # the rewritten cache verifies


def test_a_forged_entity_row_is_a_one_line_error(small_home: Path) -> None:
    """A cache edited with its checksum recomputed (on purpose) verifies: its bad rows are an ExportgateError
    when read, never code and never a traceback."""
    snap = load_active()
    path = _active_lists_cache(small_home)
    key = path.name.removeprefix("lists-").removesuffix(cachefile.SUFFIX)
    rows = [b'["x"]', *(json.dumps(entity_row(e)).encode() for e in list(snap.entities)[1:])]
    offsets = [0]
    for r in rows:
        offsets.append(offsets[-1] + len(r))
    meta = {**snap.to_json(), "file_rows": snap.file_rows}
    sections = {
        "meta": cachefile.json_section(meta),
        "entities.rows": ("bytes", b"".join(rows)),
        "entities.off": cachefile.u32_section(offsets),
    }
    assert cachefile.write(path, CACHE_KIND, _loader_code(), key, sections)
    forged: ListSnapshot = load_active()
    assert forged.entities[1] == snap.entities[1]
    with pytest.raises(ExportgateError, match="entity 0 is unreadable"):
        forged.entities[0]
