"""The data home: versioned list directories, the ``active`` pointer, and ``lists update``.

Layout (``EXPORTGATE_HOME``, default ``~/.exportgate``)::

    <home>/lists/versions/<version>/   list files + manifest.json (one directory per update)
    <home>/lists/active                the active version's name (swapped atomically: temp + os.replace)
    <home>/cache/lists-<hash>.egcache  parsed snapshots, keyed on the files' sha256 (inert, verified data)

Nothing is written outside ``<home>``. A failed update removes its staging directory and never
touches ``active``.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import tempfile
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from exportgate import __version__, settings
from exportgate.errors import ExportgateError, InputError
from exportgate.screen.lists._data import config, data_dir
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

_DATE_IN_NAME = re.compile(r"(\d{4}-\d{2}-\d{2})")


def home_dir(home: Path | None = None) -> Path:
    return settings.home(home)


def lists_dir(home: Path | None = None) -> Path:
    return home_dir(home) / "lists"


def cache_dir(home: Path | None = None) -> Path:
    return home_dir(home) / "cache"


def active_version(home: Path | None = None) -> Path | None:
    """The active updated version's directory, or None when the embedded snapshot is in use."""
    pointer = lists_dir(home) / "active"
    try:
        name = pointer.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ExportgateError(f"lists: cannot read {pointer} ({exc.strerror})") from None
    if not name:
        return None
    directory = lists_dir(home) / "versions" / name
    if not (directory / "manifest.json").is_file():
        raise ExportgateError(
            f"lists: the active version {name!r} is missing ({directory}); run `exportgate lists update` "
            f"or delete {pointer} to use the embedded snapshot"
        )
    return directory


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


class UpdateError(InputError):
    """A list update was refused; the active version is untouched."""

    def __init__(self, problem: str) -> None:
        super().__init__("lists update", problem)


def _suffix(name: str) -> str:
    base = name.rsplit("/", 1)[-1].split("?", 1)[0].lower()
    for ext in (".ftm.json", ".csv.gz", ".json.gz", ".jsonl", ".csv", ".json", ".zip", ".xml"):
        if base.endswith(ext):
            return ext
    return ""


def _fetch_url(url: str, dest: Path, timeout: float) -> str:
    """Download ``url`` to ``dest``; returns the content date (Last-Modified, else today, UTC)."""
    import httpx  # not on the screening hot path

    try:
        # Raw bytes are stored as received: ask for gzip or nothing (gzip is recognised when read).
        headers = {"Accept-Encoding": "gzip", "User-Agent": f"exportgate/{__version__}"}
        with httpx.stream("GET", url, follow_redirects=True, timeout=timeout, headers=headers) as resp:
            if resp.status_code != 200:
                raise UpdateError(f"{url}: HTTP {resp.status_code} {resp.reason_phrase}".rstrip())
            expected = resp.headers.get("content-length")
            size = 0
            with dest.open("wb") as fh:
                for chunk in resp.iter_raw():
                    size += len(chunk)
                    fh.write(chunk)
            if expected is not None and expected.isdigit() and int(expected) != size:
                raise UpdateError(f"{url}: truncated download ({size} of {expected} bytes)")
            last_modified = resp.headers.get("last-modified")
    except httpx.HTTPError as exc:
        raise UpdateError(f"{url}: download failed ({type(exc).__name__}: {exc})") from None
    if size == 0:
        raise UpdateError(f"{url}: empty download")
    if last_modified:
        from email.utils import parsedate_to_datetime

        with contextlib.suppress(TypeError, ValueError):
            return parsedate_to_datetime(last_modified).astimezone(UTC).date().isoformat()
    return datetime.now(UTC).date().isoformat()


def _copy_path(src: Path, dest: Path) -> str:
    if not src.is_file():
        raise UpdateError(f"{src}: file not found")
    if src.stat().st_size == 0:
        raise UpdateError(f"{src}: empty file")
    shutil.copyfile(src, dest)
    m = _DATE_IN_NAME.search(src.name)
    if m:
        return m.group(1)
    return datetime.fromtimestamp(src.stat().st_mtime, UTC).date().isoformat()


def _prune_versions(root: Path, keep: int, active: str) -> None:
    """Delete the oldest version directories beyond ``keep`` (names sort by creation time)."""
    names = sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    for name in names[: max(0, len(names) - max(keep, 1))]:
        if name != active:
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
    timeout: float | None = None,
    as_of: str | None = None,
) -> UpdateResult:
    """Fetch list files (URLs or paths; default: the official URLs in sources.yaml), validate them and
    make them the active version. Files not given are carried over from the previous version.

    ``as_of`` (ISO date) overrides the content date of the given files; otherwise it is the HTTP
    Last-Modified date, a date in the file name, or the download/file modification date."""
    if as_of is not None and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", as_of):
        raise UpdateError(f"--as-of {as_of!r} is not an ISO date (YYYY-MM-DD)")
    cfg = config()
    min_ratio = float(cfg["validation"]["min_ratio"] if min_ratio is None else min_ratio)
    max_ratio = float(cfg["validation"]["max_ratio"] if max_ratio is None else max_ratio)
    timeout = float(cfg["validation"]["timeout_seconds"] if timeout is None else timeout)
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

    try:
        prev_dir = active_version(home)
    except ExportgateError:
        prev_dir = None  # a broken pointer: updating is the way out, so start from the embedded snapshot
    base_dir = prev_dir if prev_dir is not None else data_dir()
    base_manifest = read_manifest(base_dir)

    root = lists_dir(home) / "versions"
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=root, prefix=".staging-"))
    staging.chmod(0o755)
    try:
        files: list[dict[str, Any]] = []
        fetched: list[dict[str, Any]] = []
        for kind, src in items:
            stem = {"csl": "consolidated", "csl_json": "consolidated", "ftm": "entities"}.get(kind, kind)
            name = f"{stem}{_suffix(src) or '.csv'}"  # a name kind_of() recognises, so files can be diffed
            dest = staging / name
            is_url = src.startswith(("http://", "https://"))
            date = _fetch_url(src, dest, timeout) if is_url else _copy_path(Path(src), dest)
            entry = {"kind": kind, "file": name, "as_of": as_of or date, "sha256": sha256_file(dest), "source": src}
            files.append(entry)
            fetched.append(entry)
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
        # Swap the pointer atomically: readers see the old or the new version, never a mix.
        pointer = lists_dir(home) / "active"
        tmp = pointer.with_name(f".active-{uuid.uuid4().hex[:8]}")
        tmp.write_text(version + "\n", encoding="utf-8")
        os.replace(tmp, pointer)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _prune_versions(root, keep=int(cfg["retention"]["keep_versions"]), active=version)
    with contextlib.suppress(ExportgateError, OSError):
        # Warm the cache so the next CLI call does not parse again.
        from exportgate.screen.lists.snapshot import _cache_key

        key = _cache_key(final, manifest, "updated")
        write_cache(cache_path(cache_dir(home), key), snap, key)
    return UpdateResult(version=version, path=final, snapshot=snap, fetched=fetched, previous=prev_snapshot.counts())
