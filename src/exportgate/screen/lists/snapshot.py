"""A loaded set of lists: ``ListSnapshot`` (entities + per-list ``SourceInfo``), built from a
directory of list files described by a ``manifest.json``, with a cache keyed on the files' hashes and the
loaders' code (:mod:`exportgate.screen.cachefile`: inert data, verified before use; entities decoded
one at a time, :mod:`exportgate.screen.lists.records`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from exportgate.errors import ExportgateError, InputError
from exportgate.screen import cachefile
from exportgate.screen.gcpause import gc_paused
from exportgate.screen.lists._data import config, data_dir, list_title
from exportgate.screen.lists.records import EntityRecords
from exportgate.screen.model import ListedEntity

# Part of the cache key (with the data files and the loaders' source): bump to drop all caches.
LOADER_VERSION = "1"
CACHE_KEEP = 4
CACHE_KIND = "list-snapshot"


@dataclass(frozen=True, slots=True)
class SourceInfo:
    """One list of a snapshot: where it came from, how old it is, how many entries it has."""

    key: str  # stable list key: ofac_sdn, entity_list, meu, uvl, dpl, ssi, ...
    title: str
    as_of: str | None  # ISO date of the list content (the file's date), None if unknown
    count: int  # number of ListedEntity entries of this list in the snapshot
    files: list[str]  # file names the entries were read from
    sha256: dict[str, str]  # file name -> sha256 of the file as stored
    origin: str = "embedded"  # "embedded" (shipped snapshot) or "updated" (lists update)
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "as_of": self.as_of,
            "count": self.count,
            "files": self.files,
            "sha256": self.sha256,
            "origin": self.origin,
            "notes": self.notes,
        }

    @classmethod
    def from_json(cls, doc: Any) -> SourceInfo:
        """The inverse of :meth:`to_json` (TypeError/KeyError on anything else)."""
        if not isinstance(doc, dict):
            raise TypeError("a source is an object")
        strs = (doc["key"], doc["title"], doc["origin"], *doc["files"], *doc["notes"], *doc["sha256"].values())
        if not all(isinstance(v, str) for v in (*strs, *doc["sha256"])) or not isinstance(doc["count"], int):
            raise TypeError("source fields")
        if doc["as_of"] is not None and not isinstance(doc["as_of"], str):
            raise TypeError("as_of")
        return cls(
            key=doc["key"],
            title=doc["title"],
            as_of=doc["as_of"],
            count=doc["count"],
            files=list(doc["files"]),
            sha256=dict(doc["sha256"]),
            origin=doc["origin"],
            notes=list(doc["notes"]),
        )


@dataclass(slots=True)
class ListSnapshot:
    entities: Sequence[ListedEntity]  # an EntityRecords when loaded through the cache
    sources: dict[str, SourceInfo]
    version: str = "embedded"
    origin: str = "embedded"
    path: str | None = None
    file_rows: dict[str, int] = field(default_factory=dict)  # file kind -> data rows (OFAC legacy CSV files)

    def lists_as_of(self) -> dict[str, str]:
        """List key -> ISO date of that list's content ("unknown" when the files carry no date)."""
        return {k: s.as_of or "unknown" for k, s in sorted(self.sources.items())}

    def counts(self) -> dict[str, int]:
        return {k: s.count for k, s in sorted(self.sources.items())}

    def to_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "origin": self.origin,
            "path": self.path,
            "total": len(self.entities),
            "sources": {k: s.to_json() for k, s in sorted(self.sources.items())},
        }


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_manifest(directory: Path) -> dict[str, Any]:
    path = directory / "manifest.json"
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ExportgateError(f"lists: {path} is missing") from None
    except (OSError, json.JSONDecodeError) as exc:
        raise ExportgateError(f"lists: {path} is unreadable ({exc})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("files"), list):
        raise ExportgateError(f"lists: {path} has no 'files' list")
    return doc


def build_snapshot(directory: Path, manifest: dict[str, Any], origin: str) -> ListSnapshot:
    """Parse every list file a manifest names (InputError naming the file/row on bad input)."""
    # The parsers (csv, XML, JSON) are imported here, not at the top: a warm start reads the cache only.
    from exportgate.screen.lists import csl, enhanced_xml, ftm, ofac_csv

    entries = {f["kind"]: f for f in manifest["files"]}
    path = {k: directory / f["file"] for k, f in entries.items()}
    as_of = {k: f.get("as_of") for k, f in entries.items()}
    sha = {k: f.get("sha256") or sha256_file(path[k]) for k, f in entries.items()}
    entities: list[ListedEntity] = []
    provided: dict[str, tuple[list[str], list[str]]] = {}  # key -> (kinds, notes)
    excluded: set[str] = set()
    file_rows: dict[str, int] = {}  # file name -> rows, turned into kind -> rows below

    def files_for(kinds: list[str]) -> list[str]:
        return [k for k in kinds if k in entries]

    if "sdn" in entries:
        stats = ofac_csv.LoadStats()
        got = ofac_csv.load_legacy(
            path["sdn"],
            path.get("alt"),
            path.get("add"),
            path.get("sdn_comments"),
            family="sdn",
            list_date=as_of["sdn"],
            alias_date=as_of.get("alt"),
            stats=stats,
        )
        entities += got
        file_rows.update(stats.rows)
        notes = [f"{stats.rows[path['sdn'].name]} primary rows"]
        if stats.orphan_alias_entities:
            notes.append(
                f"{stats.orphan_alias_entities} alias-only entries ({stats.orphan_alias_rows} alias rows without a "
                f"primary row in {path['sdn'].name}, from {path['alt'].name if 'alt' in path else 'alt'})"
            )
        if stats.orphan_address_rows_dropped:
            notes.append(f"{stats.orphan_address_rows_dropped} address rows without any name dropped")
        for key in config()["ofac_sdn_keys"]:
            provided[key] = (files_for(["sdn", "alt", "add", "sdn_comments"]), notes)
        excluded.update(config()["ofac_sdn_keys"])
    if "cons_prim" in entries:
        cons_stats = ofac_csv.LoadStats()
        entities += ofac_csv.load_legacy(
            path["cons_prim"],
            path.get("cons_alt"),
            path.get("cons_add"),
            path.get("cons_comments"),
            family="cons",
            list_date=as_of["cons_prim"],
            alias_date=as_of.get("cons_alt"),
            stats=cons_stats,
        )
        file_rows.update(cons_stats.rows)
        for key in config()["ofac_cons_keys"]:
            provided[key] = (files_for(["cons_prim", "cons_alt", "cons_add", "cons_comments"]), [])
        excluded.update(config()["ofac_cons_keys"])
    elif "enhanced_xml" in entries:
        got, xml_date = enhanced_xml.load_enhanced_xml(path["enhanced_xml"])
        as_of["enhanced_xml"] = xml_date or as_of.get("enhanced_xml")  # the file says best
        entities += got
        for key in config()["ofac_cons_keys"]:
            provided[key] = (["enhanced_xml"], [])
        excluded.update(config()["ofac_cons_keys"])
    for kind, loader in (("csl", csl.load_csv), ("csl_json", csl.load_json)):
        if kind in entries:
            got = loader(path[kind], list_date=as_of[kind], exclude_keys=excluded)
            entities += got
            for key in {e.source for e in got}:
                provided.setdefault(key, ([kind], []))
    if "ftm" in entries:
        entities += ftm.load_ftm(path["ftm"], list_date=as_of["ftm"])
        provided.setdefault("ftm", (["ftm"], []))

    counts: dict[str, int] = {}
    for e in entities:
        counts[e.source] = counts.get(e.source, 0) + 1
    sources: dict[str, SourceInfo] = {}
    for key, n in sorted(counts.items()):
        kinds, notes = provided.get(key, ([], []))
        names = [path[k].name for k in kinds]
        sources[key] = SourceInfo(
            key=key,
            title=list_title(key),
            as_of=as_of.get(kinds[0]) if kinds else None,
            count=n,
            files=names,
            sha256={path[k].name: sha[k] for k in kinds},
            origin=origin,
            notes=list(notes),
        )
    kind_of_file = {p.name: k for k, p in path.items()}
    return ListSnapshot(
        entities=entities,
        sources=sources,
        version=str(manifest.get("version", directory.name)),
        origin=origin,
        path=str(directory),
        file_rows={kind_of_file[n]: r for n, r in file_rows.items() if n in kind_of_file},
    )


def _cache_key(directory: Path, manifest: dict[str, Any], origin: str) -> str:
    """The snapshot's content key: the manifest, the list files, the list configuration (its data hash)."""
    h = hashlib.sha256(f"{LOADER_VERSION}|{origin}|".encode())
    h.update(json.dumps(manifest, sort_keys=True).encode())
    for f in manifest["files"]:
        h.update(sha256_file(directory / f["file"]).encode())
    for name in ("sources.yaml", "footnotes.yaml", "countries.json"):
        h.update(sha256_file(data_dir() / name).encode())
    h.update(_loader_code().encode())
    return h.hexdigest()[:32]


def _loader_code() -> str:
    """The loaders' own code, the entity model and the cache format: a changed parser must not be served a
    stale cache."""
    here = Path(__file__).parent
    return cachefile.code_hash([*sorted(here.glob("*.py")), here.parent / "model.py", here.parent / "cachefile.py"])


def cache_path(cache_dir: Path, key: str) -> Path:
    return cache_dir / f"lists-{key}{cachefile.SUFFIX}"


def load_directory(directory: Path, origin: str, cache_dir: Path | None) -> ListSnapshot:
    """Load a list directory, through the cache in ``cache_dir`` when possible."""
    with gc_paused():
        return _load_directory(directory, origin, cache_dir)


def _load_directory(directory: Path, origin: str, cache_dir: Path | None) -> ListSnapshot:
    manifest = read_manifest(directory)
    for f in manifest["files"]:
        if not (directory / f["file"]).is_file():
            raise InputError(str(directory / f["file"]), "file not found (named in manifest.json)")
    key = _cache_key(directory, manifest, origin)
    if cache_dir is not None:
        cached = read_cache(cache_path(cache_dir, key), key)
        if cached is not None:
            cached.path = str(directory)
            return cached
    snap = build_snapshot(directory, manifest, origin)
    snap.entities = EntityRecords.of(snap.entities, key)
    if cache_dir is not None:
        write_cache(cache_path(cache_dir, key), snap, key)
    return snap


def read_cache(path: Path, key: str) -> ListSnapshot | None:
    """The snapshot cached at ``path`` if the file verifies for ``key`` (else None: it is rebuilt). Its
    entities are decoded only as they are read."""
    cf = cachefile.read(path, CACHE_KIND, _loader_code(), key)
    if cf is None:
        return None
    try:
        meta = cf.json("meta")
        entities = EntityRecords.read(cf, str(path), key)
        if len(entities) != meta["total"]:
            return None
        sources = {k: SourceInfo.from_json(v) for k, v in meta["sources"].items()}
        file_rows = {str(k): int(v) for k, v in meta["file_rows"].items()}
        return ListSnapshot(
            entities=entities,
            sources=sources,
            version=str(meta["version"]),
            origin=str(meta["origin"]),
            path=meta["path"] if isinstance(meta["path"], str) else None,
            file_rows=file_rows,
        )
    except (ValueError, TypeError, KeyError, AttributeError):
        return None


def write_cache(cache_file: Path, snap: ListSnapshot, key: str) -> None:
    """Write the snapshot's cache atomically (best effort: an unwritable data home only costs speed)."""
    entities = snap.entities if isinstance(snap.entities, EntityRecords) else EntityRecords.of(snap.entities, key)
    meta = {**snap.to_json(), "file_rows": snap.file_rows}
    sections = {"meta": cachefile.json_section(meta), **entities.sections()}
    if cachefile.write(cache_file, CACHE_KIND, _loader_code(), key, sections):
        # Keep the few newest caches (embedded + recent versions); pickles of earlier versions are removed.
        cachefile.prune(cache_file.parent, f"lists-*{cachefile.SUFFIX}", CACHE_KEEP, cache_file)
        for legacy in cache_file.parent.glob("lists-*.pickle"):
            legacy.unlink(missing_ok=True)
