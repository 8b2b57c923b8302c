"""Differences between two list files or versions: entries added, removed and changed (by entry id)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from exportgate.errors import InputError
from exportgate.screen.lists import csl, enhanced_xml, ftm, ofac_csv
from exportgate.screen.lists.files import kind_of
from exportgate.screen.lists.snapshot import load_directory
from exportgate.screen.lists.store import cache_dir, lists_dir, load_active, load_embedded
from exportgate.screen.model import ListedEntity


@dataclass(slots=True)
class ListDiff:
    old: str
    new: str
    added: list[ListedEntity] = field(default_factory=list)
    removed: list[ListedEntity] = field(default_factory=list)
    changed: list[tuple[ListedEntity, ListedEntity]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        def brief(e: ListedEntity) -> dict[str, Any]:
            return {"id": e.id, "list": e.source, "name": e.primary_name, "type": str(e.type), "programs": e.programs}

        return {
            "old": self.old,
            "new": self.new,
            "counts": {"added": len(self.added), "removed": len(self.removed), "changed": len(self.changed)},
            "added": [brief(e) for e in self.added],
            "removed": [brief(e) for e in self.removed],
            "changed": [{**brief(n), "fields": changed_fields(o, n)} for o, n in self.changed],
        }


def changed_fields(old: ListedEntity, new: ListedEntity) -> list[str]:
    return [
        f.name
        for f in dataclasses.fields(ListedEntity)
        if f.name != "list_date" and getattr(old, f.name) != getattr(new, f.name)
    ]


def load_file(path: Path) -> list[ListedEntity]:
    """Entities of one list file on its own (kind from the file name)."""
    kind = kind_of(path.name)
    if kind in ("sdn", "cons_prim"):
        return ofac_csv.load_legacy(path, family="sdn" if kind == "sdn" else "cons")
    if kind == "csl":
        return csl.load_csv(path)
    if kind == "csl_json":
        return csl.load_json(path)
    if kind == "enhanced_xml":
        return enhanced_xml.load_enhanced_xml(path)[0]
    if kind == "ftm":
        return ftm.load_ftm(path)
    raise InputError(
        str(path),
        "cannot diff this file on its own (give sdn.csv, cons_prim.csv, consolidated.csv/json, an enhanced XML/ZIP, "
        "an FTM file, a version directory, a version name, 'embedded' or 'active')",
    )


def load_spec(spec: str, home: Path | None = None) -> Sequence[ListedEntity]:
    """A file, a version directory, a version name under the data home, ``embedded`` or ``active``."""
    if spec == "embedded":
        return load_embedded(home).entities
    if spec == "active":
        return load_active(home).entities
    path = Path(spec)
    if path.is_dir():
        return load_directory(path, "updated", cache_dir(home)).entities
    if path.is_file():
        return load_file(path)
    version = lists_dir(home) / "versions" / spec
    if version.is_dir():
        return load_directory(version, "updated", cache_dir(home)).entities
    raise InputError(spec, "no such file, directory or list version")


def diff_entities(
    old: Sequence[ListedEntity], new: Sequence[ListedEntity], old_label: str = "old", new_label: str = "new"
) -> ListDiff:
    def norm(e: ListedEntity) -> ListedEntity:
        return dataclasses.replace(e, list_date=None)

    old_by = {e.id: e for e in old}
    new_by = {e.id: e for e in new}
    out = ListDiff(old=old_label, new=new_label)
    out.added = [e for i, e in new_by.items() if i not in old_by]
    out.removed = [e for i, e in old_by.items() if i not in new_by]
    out.changed = [(old_by[i], e) for i, e in new_by.items() if i in old_by and norm(old_by[i]) != norm(e)]
    return out


def diff(old: str, new: str, home: Path | None = None) -> ListDiff:
    return diff_entities(load_spec(old, home), load_spec(new, home), old, new)
