"""List versions in the data home: the ``active`` pointer, the version log, activation and rollback.

Layout under ``<home>/lists/``::

    versions/<version>/   list files + manifest.json (one directory per update; names sort by time)
    active                the active version's name (empty or absent: the embedded snapshot)
    versions.log          one JSON line per change of the active version (update, activate, rollback)
    .lock                 held while a change runs: one change at a time per data home

Every change of the active version is recorded: a line in ``versions.log`` (always) and the same line in
the ledger's audit log when the data home (or ``EXPORTGATE_DB_URL``) has a ledger database; no database is
created for it. ``rollback`` undoes the last change the log records (the log is an undo stack: update and
activate push the version they replaced, rollback pops it), so two rollbacks undo two changes.

A change that is killed leaves at most a ``.staging-*`` directory or a ``.active-*`` temporary file
behind; the next change, holding the lock, removes them.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from exportgate import settings
from exportgate.errors import ExportgateError, InputError
from exportgate.screen.lists._data import data_dir
from exportgate.screen.lists.fetch import UpdateError
from exportgate.screen.lists.snapshot import read_manifest

EMBEDDED = "embedded"
LOG_NAME = "versions.log"
STAGING_PREFIX = ".staging-"
#: kinds whose dates are compared with each other: the same list in another format
_COMPARABLE: dict[str, tuple[str, ...]] = {
    "csl": ("csl", "csl_json"),
    "csl_json": ("csl", "csl_json"),
    "enhanced_xml": ("enhanced_xml", "cons_prim"),
    "cons_prim": ("cons_prim", "enhanced_xml"),
}
_CHANGES = ("lists.update", "lists.activate")


def lists_dir(home: Path | None = None) -> Path:
    return settings.home(home) / "lists"


def versions_root(home: Path | None = None) -> Path:
    return lists_dir(home) / "versions"


def active_name(home: Path | None = None) -> str | None:
    """The active version's name, or None when the embedded snapshot is in use."""
    pointer = lists_dir(home) / "active"
    try:
        name = pointer.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ExportgateError(f"lists: cannot read {pointer} ({exc.strerror})") from None
    return name or None


def active_version(home: Path | None = None) -> Path | None:
    """The active updated version's directory, or None when the embedded snapshot is in use."""
    name = active_name(home)
    if name is None:
        return None
    directory = versions_root(home) / name
    if not (directory / "manifest.json").is_file():
        raise ExportgateError(
            f"lists: the active version {name!r} is missing ({directory}); run `exportgate lists update`, "
            f"`exportgate lists activate VERSION` or delete {lists_dir(home) / 'active'} to use the embedded snapshot"
        )
    return directory


def set_active(name: str | None, home: Path | None = None) -> None:
    """Point ``active`` at ``name`` (None: the embedded snapshot), atomically: readers see the old or the new
    version, never a mix."""
    pointer = lists_dir(home) / "active"
    tmp = pointer.with_name(f".active-{uuid.uuid4().hex[:8]}")
    tmp.write_text((name or "") + "\n", encoding="utf-8")
    os.replace(tmp, pointer)


def version_dir(name: str, home: Path | None = None) -> Path:
    """The directory of version ``name`` (the embedded snapshot's for ``embedded``); InputError if none."""
    if name == EMBEDDED:
        return data_dir()
    if not name or "/" in name or name.startswith(".") or name != Path(name).name:
        raise InputError("VERSION", f"{name!r} is not a version name (see `exportgate lists versions`)")
    directory = versions_root(home) / name
    if not (directory / "manifest.json").is_file():
        raise InputError("VERSION", f"no list version {name!r} in {versions_root(home)} (see `exportgate lists "
                         "versions`)")
    return directory


# --- the lock and what a killed change leaves behind ---------------------------------------------------


@contextlib.contextmanager
def changing(home: Path | None = None) -> Iterator[None]:
    """Hold the data home's list lock while the active version is changed, after clearing what a killed
    change left behind (only the lock holder may: nobody else is writing)."""
    root = lists_dir(home)
    settings.private_dir(versions_root(home))  # the data home, if made here, is the owner's only
    try:
        import fcntl
    except ImportError:  # no advisory locks on this platform: changes are not serialised, nothing is cleared
        yield
        return
    with (root / ".lock").open("a+") as lock:
        try:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UpdateError(f"another `lists update`, `activate` or `rollback` is running on {root}; "
                              "try again when it has finished") from None
        try:
            clear_leftovers(home)
            yield
        finally:
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)


def clear_leftovers(home: Path | None = None) -> list[str]:
    """Remove staging directories and pointer temporaries of changes that were killed; their names."""
    removed = []
    for path in versions_root(home).glob(f"{STAGING_PREFIX}*"):
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path.name)
    for path in lists_dir(home).glob(".active-*"):
        path.unlink(missing_ok=True)
        removed.append(path.name)
    return removed


# --- versions and their dates ----------------------------------------------------------------------------


@dataclass(slots=True)
class VersionInfo:
    """One list version as ``lists versions`` shows it."""

    name: str
    path: Path
    active: bool
    created: str | None
    previous: str | None
    files: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "path": str(self.path),
            "active": self.active,
            "created": self.created,
            "previous": self.previous,
            "files": [
                {k: f.get(k) for k in ("kind", "file", "as_of", "as_of_basis", "source")} for f in self.files
            ],
        }


def list_versions(home: Path | None = None) -> list[VersionInfo]:
    """The embedded snapshot, then every updated version, oldest first."""
    current = active_name(home)
    out = [_info(EMBEDDED, data_dir(), current is None)]
    root = versions_root(home)
    if root.is_dir():
        for path in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
            with contextlib.suppress(ExportgateError):
                out.append(_info(path.name, path, path.name == current))
    return out


def _info(name: str, path: Path, active: bool) -> VersionInfo:
    manifest = read_manifest(path)
    previous = manifest.get("previous")
    return VersionInfo(
        name=name,
        path=path,
        active=active,
        created=manifest.get("created"),
        previous=EMBEDDED if isinstance(previous, str) and previous.startswith(EMBEDDED) else previous,
        files=list(manifest["files"]),
    )


def older_files(new: list[dict[str, Any]], base: list[dict[str, Any]], base_label: str) -> list[str]:
    """Each file of ``new`` whose content date is earlier than that of the same list in ``base``."""
    by_kind = {f["kind"]: f for f in base if f.get("as_of")}
    out = []
    for f in new:
        prior = [by_kind[k] for k in _COMPARABLE.get(f["kind"], (f["kind"],)) if k in by_kind]
        if not prior or not f.get("as_of"):
            continue
        newest = max(prior, key=lambda p: str(p["as_of"]))
        if str(f["as_of"]) < str(newest["as_of"]):
            out.append(f"{f['file']} ({f['kind']}) is as of {f['as_of']}, older than the {newest['kind']} file of "
                       f"{base_label} ({newest['as_of']})")
    return out


def refuse_older(problems: list[str], what: str) -> None:
    if problems:
        raise UpdateError(f"{what} would replace newer lists with older ones: " + "; ".join(problems)
                          + " (pass --allow-older to do it on purpose)")


# --- activate and rollback -------------------------------------------------------------------------------


@dataclass(slots=True)
class Switch:
    """A change of the active version: from which to which, and the line it wrote to the version log (which the
    interfaces record in the store with what changed, ``exportgate.store.rescreen.ListChanges.record_change``)."""

    event: str
    previous: str
    current: str
    line: dict[str, Any] = field(default_factory=dict)


def activate(name: str, home: Path | None = None, *, allow_older: bool = False) -> Switch:
    """Make version ``name`` (or ``embedded``) the active one. Refused when it holds older lists than the
    active version, unless ``allow_older``; the version must load (parse and verify) first."""
    return _switch("lists.activate", name, home, allow_older=allow_older)


def rollback(home: Path | None = None) -> Switch:
    """Undo the last change of the active version the log records (an update, an activation or, one step
    further back, the previous rollback's change)."""
    target = undo_target(home)
    if target is None:
        raise InputError("lists rollback", "nothing to roll back: the version log records no earlier active version")
    return _switch("lists.rollback", target, home, allow_older=True)


def _switch(event: str, name: str, home: Path | None, *, allow_older: bool) -> Switch:
    from exportgate.screen.lists.snapshot import load_directory

    directory = version_dir(name, home)
    with changing(home):
        before = active_name(home) or EMBEDDED
        if name == before:
            raise InputError("VERSION", f"{name} is already the active version")
        target = read_manifest(directory)
        older: list[str] = []
        with contextlib.suppress(ExportgateError):
            older = older_files(target["files"], read_manifest(version_dir(before, home))["files"], "the active version")
        if not allow_older:
            refuse_older(older, f"activating {name}")
        origin = EMBEDDED if name == EMBEDDED else "updated"
        try:
            load_directory(directory, origin, settings.home(home) / "cache")
        except InputError as exc:
            raise InputError("VERSION", f"{name} does not load ({exc}); it stays inactive") from None
        set_active(None if name == EMBEDDED else name, home)
        line = log_change(home, event, before, name, older=older)
    return Switch(event, before, name, line)


def undo_target(home: Path | None = None) -> str | None:
    """The version a rollback returns to: the log read as an undo stack (see the module docstring); for a
    data home updated before the log existed, the active version's ``previous``."""
    log = read_log(home)
    stack: list[str] = []
    for line in log:
        if line.get("event") in _CHANGES:
            stack.append(str(line.get("from")))
        elif line.get("event") == "lists.rollback" and stack:
            stack.pop()
    if stack:
        return stack[-1]
    if log:
        return None
    current = active_version(home)
    if current is None:
        return None
    previous = read_manifest(current).get("previous")
    if not isinstance(previous, str):
        return None
    return EMBEDDED if previous.startswith(EMBEDDED) else previous


# --- recording -------------------------------------------------------------------------------------------


def _actor() -> str | None:
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return None


def log_change(home: Path | None, event: str, previous: str, current: str, **details: Any) -> dict[str, Any]:
    """Append one line to ``versions.log`` (flushed to disk before the change is reported); the line."""
    line = {"at": datetime.now(UTC).isoformat(timespec="seconds"), "event": event, "actor": _actor(),
            "from": previous, "to": current, **{k: v for k, v in details.items() if v not in (None, [], {})}}
    path = lists_dir(home) / LOG_NAME
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, settings.PRIVATE_FILE_MODE)
    try:
        os.write(fd, (json.dumps(line, ensure_ascii=False, default=str) + "\n").encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)
    return line


def read_log(home: Path | None = None) -> list[dict[str, Any]]:
    """The version log's lines, oldest first (a line cut by a crash is skipped)."""
    path = lists_dir(home) / LOG_NAME
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    out = []
    for raw in text.splitlines():
        with contextlib.suppress(json.JSONDecodeError):
            line = json.loads(raw)
            if isinstance(line, dict):
                out.append(line)
    return out
