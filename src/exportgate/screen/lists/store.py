"""The data home's lists: loading the active version, and ``lists update``.

Layout (``EXPORTGATE_HOME``, default ``~/.exportgate``)::

    <home>/lists/versions/<version>/   list files + manifest.json (one directory per update)
    <home>/lists/active                the active version's name (swapped atomically: temp + os.replace)
    <home>/lists/versions.log          every change of the active version (:mod:`.versions`)
    <home>/cache/lists-<hash>.egcache  parsed snapshots, keyed on the files' sha256 (inert, verified data)

Nothing is written outside ``<home>``. A failed update removes its staging directory and never touches
``active``; one killed outright leaves its staging directory, which the next change removes. Each new
file's content date is what the file says (:mod:`.dates`), never the day it was fetched, and an update
that would replace a list with an older one is refused unless asked for.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from exportgate import settings
from exportgate.errors import ExportgateError, InputError
from exportgate.screen.lists._data import config, data_dir
from exportgate.screen.lists.dates import content_date, iso_day, name_date, resolve_as_of
from exportgate.screen.lists.fetch import Limits, UpdateError, copy_path, fetch_url
from exportgate.screen.lists.files import kind_of
from exportgate.screen.lists.snapshot import (
    ListSnapshot,
    build_snapshot,
    cache_path,
    load_directory,
    read_manifest,
    sha256_file,
    write_cache,
)
from exportgate.screen.lists.versions import (
    EMBEDDED,
    STAGING_PREFIX,
    active_name,
    active_version,
    changing,
    lists_dir,
    log_change,
    older_files,
    refuse_older,
    set_active,
    undo_target,
)

__all__ = ["UpdateError", "UpdateResult", "active_version", "cache_dir", "home_dir", "lists_dir", "load_active",
           "load_embedded", "update", "versions"]


def home_dir(home: Path | None = None) -> Path:
    return settings.home(home)


def cache_dir(home: Path | None = None) -> Path:
    return home_dir(home) / "cache"


def load_embedded(home: Path | None = None) -> ListSnapshot:
    """The snapshot shipped with exportgate (public-domain US Government files; see PROVENANCE.md)."""
    return load_directory(data_dir(), "embedded", cache_dir(home))


def load_active(home: Path | None = None) -> ListSnapshot:
    """The active updated version if there is one, else the embedded snapshot."""
    directory = active_version(home)
    if directory is None:
        return load_embedded(home)
    return load_directory(directory, "updated", cache_dir(home))


def versions(home: Path | None = None) -> list[str]:
    root = lists_dir(home) / "versions"
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))


# --- update ------------------------------------------------------------------------------------


@dataclass(slots=True)
class UpdateResult:
    version: str
    path: Path
    snapshot: ListSnapshot
    fetched: list[dict[str, Any]] = field(default_factory=list)
    previous: dict[str, int] = field(default_factory=dict)
    #: files older than the lists they replaced (only with ``allow_older``)
    older: list[str] = field(default_factory=list)
    #: the line the change wrote to the version log (the interfaces copy it into the ledger's audit log)
    log_line: dict[str, Any] = field(default_factory=dict)


def _suffix(name: str) -> str:
    base = name.rsplit("/", 1)[-1].split("?", 1)[0].lower()
    for ext in (".ftm.json", ".csv.gz", ".json.gz", ".jsonl", ".csv", ".json", ".zip", ".xml"):
        if base.endswith(ext):
            return ext
    return ""


def _prune_versions(root: Path, keep: int, protect: set[str]) -> None:
    """Delete the oldest version directories beyond ``keep`` (names sort by creation time), never the
    active one nor the one a rollback would return to."""
    names = sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    for name in names[: max(0, len(names) - max(keep, 1))]:
        if name not in protect:
            shutil.rmtree(root / name, ignore_errors=True)


def _check_counts(new: ListSnapshot, old: ListSnapshot, min_ratio: float, max_ratio: float) -> None:
    min_count = int(config()["validation"]["min_count_for_ratio"])
    problems = []
    for key, info in sorted(old.sources.items()):
        if info.count < min_count:
            continue
        got = new.sources[key].count if key in new.sources else 0
        ratio = got / info.count
        if ratio < min_ratio:
            problems.append(f"{key} has {got} entries, below {min_ratio:.0%} of the previous {info.count}")
        elif old.origin != "embedded" and ratio > max_ratio:
            problems.append(f"{key} has {got} entries, above {max_ratio:.0%} of the previous {info.count}")
    for kind, before in sorted(old.file_rows.items()):
        after = new.file_rows.get(kind)
        if after is None or before < min_count:
            continue
        ratio = after / before
        if ratio < min_ratio:
            problems.append(f"{kind} file has {after} rows, below {min_ratio:.0%} of the previous {before}")
        elif old.origin != "embedded" and ratio > max_ratio:
            problems.append(f"{kind} file has {after} rows, above {max_ratio:.0%} of the previous {before}")
    if problems:
        raise UpdateError("row counts out of bounds: " + "; ".join(problems))


def update(
    sources: list[str] | None = None,
    home: Path | None = None,
    *,
    min_ratio: float | None = None,
    max_ratio: float | None = None,
    as_of: str | None = None,
    allow_older: bool = False,
    deadline: float | None = None,
    max_bytes: int | None = None,
) -> UpdateResult:
    """Fetch list files (URLs or paths; default: the official URLs in sources.yaml), validate them and
    make them the active version. Files not given are carried over from the previous version.

    Each new file's content date comes from the file (:mod:`.dates`); ``as_of`` (ISO date) states it for
    files that carry none. A file older than the same list in the active version is refused unless
    ``allow_older``. ``deadline`` (seconds, all downloads together) and ``max_bytes`` (per file, as stored
    and decompressed) default to the settings (:mod:`exportgate.settings`)."""
    if as_of is not None and iso_day(as_of) != as_of:
        raise UpdateError(f"--as-of {as_of!r} is not an ISO date (YYYY-MM-DD)")
    limits = Limits.start(deadline, max_bytes)
    cfg = config()
    min_ratio = float(cfg["validation"]["min_ratio"] if min_ratio is None else min_ratio)
    max_ratio = float(cfg["validation"]["max_ratio"] if max_ratio is None else max_ratio)
    items: list[tuple[str, str]] = []
    if sources:
        for src in sources:
            kind = kind_of(src)
            if kind is None:
                raise UpdateError(
                    f"{src}: cannot tell which list file this is (expected a name like sdn.csv, alt.csv, add.csv, "
                    "sdn_comments.csv, cons_prim.csv, consolidated.csv, consolidated.json, *.xml/*.zip)"
                )
            items.append((kind, src))
    else:
        items = [(kind, str(url)) for kind, url in cfg["downloads"].items()]
    kinds = [k for k, _ in items]
    if len(set(kinds)) != len(kinds):
        raise UpdateError(
            "the same list file is given twice: " + ", ".join(sorted({k for k in kinds if kinds.count(k) > 1}))
        )
    with changing(home):
        result, line = _update(items, home, min_ratio, max_ratio, as_of, allow_older, limits)
    result.log_line = line
    return result


def _update(
    items: list[tuple[str, str]],
    home: Path | None,
    min_ratio: float,
    max_ratio: float,
    as_of: str | None,
    allow_older: bool,
    limits: Limits,
) -> tuple[UpdateResult, dict[str, Any]]:
    """The update itself, under the data home's lock: (its result, its version-log line)."""
    try:
        prev_dir = active_version(home)
    except ExportgateError:
        prev_dir = None  # a broken pointer: updating is the way out, so start from the embedded snapshot
    base_dir = prev_dir if prev_dir is not None else data_dir()
    base_manifest = read_manifest(base_dir)
    previous_name = prev_dir.name if prev_dir is not None else EMBEDDED

    root = lists_dir(home) / "versions"
    staging = Path(tempfile.mkdtemp(dir=root, prefix=STAGING_PREFIX))
    staging.chmod(0o755)
    try:
        files: list[dict[str, Any]] = []
        fetched: list[dict[str, Any]] = []
        for kind, src in items:
            stem = {"csl": "consolidated", "csl_json": "consolidated", "ftm": "entities"}.get(kind, kind)
            name = f"{stem}{_suffix(src) or '.csv'}"  # a name kind_of() recognises, so files can be diffed
            dest = staging / name
            last_modified = None
            if src.startswith(("http://", "https://")):
                last_modified = fetch_url(src, dest, limits)
            else:
                copy_path(Path(src), dest, limits)
            day, basis = resolve_as_of(
                f"lists update: {src}",
                content_date(dest, kind),
                stated=as_of,
                name=name_date(src),
                last_modified=last_modified,
            )
            entry = {"kind": kind, "file": name, "as_of": day, "as_of_basis": basis, "sha256": sha256_file(dest),
                     "source": src}
            files.append(entry)
            fetched.append(entry)
        older = older_files(fetched, base_manifest["files"], f"the active version ({previous_name})")
        if not allow_older:
            refuse_older(older, "this update")
        new_kinds = {f["kind"] for f in files}
        # The same list in another format: a new file replaces the carried-over other format.
        if new_kinds & {"csl", "csl_json"}:
            new_kinds |= {"csl", "csl_json"}
        if "enhanced_xml" in new_kinds:
            new_kinds |= {"cons_prim", "cons_alt", "cons_add", "cons_comments"}
        if "cons_prim" in new_kinds:
            new_kinds.add("enhanced_xml")
        for f in base_manifest["files"]:
            if f["kind"] in new_kinds:
                continue
            shutil.copyfile(base_dir / f["file"], staging / f["file"])
            files.append(
                {
                    **f,
                    "sha256": f.get("sha256") or sha256_file(staging / f["file"]),
                    "source": f.get("source", f"carried over from {base_manifest.get('version', base_dir.name)}"),
                }
            )
        version = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ") + "-" + uuid.uuid4().hex[:6]  # sorts by time
        manifest = {
            "version": version,
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "previous": base_manifest.get("version", base_dir.name),
            "files": files,
        }
        try:
            snap = build_snapshot(staging, manifest, "updated")
        except InputError as exc:
            raise UpdateError(f"validation failed: {exc}") from None
        prev_snapshot = load_directory(prev_dir, "updated", cache_dir(home)) if prev_dir else load_embedded(home)
        _check_counts(snap, prev_snapshot, min_ratio, max_ratio)
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        final = root / version
        os.replace(staging, final)
        snap.path = str(final)
        set_active(version, home)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    line = log_change(home, "lists.update", previous_name, version, allow_older=allow_older or None, older=older,
                      files=[{k: f[k] for k in ("kind", "file", "as_of", "as_of_basis", "sha256", "source")}
                             for f in fetched])
    _prune_versions(root, keep=int(config()["retention"]["keep_versions"]),
                    protect={version, *(n for n in (undo_target(home), active_name(home)) if n)})
    with contextlib.suppress(ExportgateError, OSError):
        # Warm the cache so the next CLI call does not parse again.
        from exportgate.screen.lists.snapshot import _cache_key

        key = _cache_key(final, manifest, "updated")
        write_cache(cache_path(cache_dir(home), key), snap, key)
    result = UpdateResult(version=version, path=final, snapshot=snap, fetched=fetched,
                          previous=prev_snapshot.counts(), older=older)
    return result, line
