"""OFAC legacy CSV files: ``sdn.csv``/``alt.csv``/``add.csv``/``sdn_comments.csv`` and the Non-SDN
``cons_prim.csv``/``cons_alt.csv``/``cons_add.csv``/``cons_comments.csv``.

Format: no header; ``-0-`` (with a trailing space) means empty; CRLF; a trailing Ctrl-Z (0x1A) byte.
Multiple programs are written ``A] [B``. See PROVENANCE.md of the embedded snapshot.

Orphans: an alias (``alt``) row whose ``ent_num`` has no primary row (the embedded primary file is
older than the alias file) becomes an *alias-only* entity of the same list, so that designations
newer than the primary file can still be found by name; it is marked in ``remarks`` and its type is
unknown (``entity``). Address rows of entities with neither a primary nor an alias row carry no name
and are dropped (counted in the load statistics).
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from exportgate.errors import InputError
from exportgate.screen.lists._data import config
from exportgate.screen.lists.countries import to_iso2
from exportgate.screen.lists.files import read_text
from exportgate.screen.lists.remarks import parse_remarks
from exportgate.screen.model import Address, EntityType, Identifier, ListedEntity, Name, NameKind

PRIM_COLUMNS = 12
ALT_COLUMNS = 5
ADD_COLUMNS = 6
COMMENT_COLUMNS = 2
_TYPES = {"individual": EntityType.PERSON, "vessel": EntityType.VESSEL, "aircraft": EntityType.AIRCRAFT}
_ALT_KINDS = {"aka": NameKind.AKA, "fka": NameKind.FKA, "nka": NameKind.NKA}
ORPHAN_REMARK = (
    "Alias-only record: the list's primary-name row for this entry is not in the loaded primary file "
    "(it was listed after that file's date); name(s) and addresses come from the newer alias/address files."
)


@dataclass(slots=True)
class LoadStats:
    rows: dict[str, int] = field(default_factory=dict)
    orphan_alias_rows: int = 0
    orphan_alias_entities: int = 0
    orphan_address_rows_dropped: int = 0


_EMPTY = frozenset(("", "-0-"))


def read_legacy_csv(text: str, label: str, columns: int) -> list[list[str | None]]:
    """Rows of a legacy OFAC CSV, checked for the column count; `-0-` -> None."""
    text = text.rstrip("\x1a\r\n \t")
    rows: list[list[str | None]] = []
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        for row in reader:
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            if len(row) != columns:
                raise InputError(label, f"row {reader.line_num}: expected {columns} columns, got {len(row)}")
            rows.append([None if (c := v.strip()) in _EMPTY else c for v in row])
    except csv.Error as exc:
        raise InputError(label, f"row {reader.line_num}: malformed CSV ({exc})") from None
    for i, parsed in enumerate(rows, start=1):
        if parsed[0] is None or not parsed[0].isdigit():
            raise InputError(label, f"row {i}: ent_num {parsed[0]!r} is not a number")
    return rows


def cons_key(programs: list[str]) -> str:
    for rule in config()["ofac_cons_programs"]:
        for p in programs:
            if p.startswith(rule["prefix"]):
                return str(rule["key"])
    return "ofac_cons"


def load_legacy(
    prim: Path,
    alt: Path | None = None,
    add: Path | None = None,
    comments: Path | None = None,
    *,
    family: str = "sdn",
    list_date: str | None = None,
    alias_date: str | None = None,
    stats: LoadStats | None = None,
) -> list[ListedEntity]:
    """Entities of one OFAC legacy CSV family (``sdn`` -> key ofac_sdn; ``cons`` -> ssi/plc/cmic/...)."""
    stats = stats if stats is not None else LoadStats()
    prim_rows = read_legacy_csv(read_text(prim), prim.name, PRIM_COLUMNS)
    stats.rows[prim.name] = len(prim_rows)
    overflow: dict[str, str] = {}
    if comments is not None:
        rows = read_legacy_csv(read_text(comments), comments.name, COMMENT_COLUMNS)
        stats.rows[comments.name] = len(rows)
        for r in rows:
            assert r[0] is not None
            overflow[r[0]] = overflow.get(r[0], "") + (r[1] or "")
    aliases: dict[str, list[Name]] = defaultdict(list)
    if alt is not None:
        rows = read_legacy_csv(read_text(alt), alt.name, ALT_COLUMNS)
        stats.rows[alt.name] = len(rows)
        for i, r in enumerate(rows, start=1):
            assert r[0] is not None
            if not r[3]:
                continue
            kind = _ALT_KINDS.get((r[2] or "aka").lower().replace(".", ""))
            if kind is None:
                raise InputError(alt.name, f"row {i}: unknown alias type {r[2]!r}")
            aliases[r[0]].append(Name(r[3], kind))
    addresses: dict[str, list[Address]] = defaultdict(list)
    if add is not None:
        rows = read_legacy_csv(read_text(add), add.name, ADD_COLUMNS)
        stats.rows[add.name] = len(rows)
        for r in rows:
            assert r[0] is not None
            if not any(r[2:5]):
                continue
            country = to_iso2(r[4]) or r[4]
            addresses[r[0]].append(Address(street=r[2], city=r[3], country=country))

    out: list[ListedEntity] = []
    seen: set[str] = set()
    for r in prim_rows:
        ent = r[0]
        assert ent is not None
        seen.add(ent)
        programs = [p.strip() for p in (r[3] or "").strip("[] ").split("] [") if p.strip()]
        remarks = r[11] or ""
        if ent in overflow:
            remarks = remarks + overflow[ent]
        parsed = parse_remarks(remarks)
        names = [Name(r[1] or "", NameKind.PRIMARY), *aliases.get(ent, [])]
        known = {n.value for n in names}
        names += [n for n in parsed.weak_names if n.value not in known]
        addrs = addresses.get(ent, [])
        countries: list[str] = []
        for c in [*(a.country for a in addrs), *parsed.nationalities, *parsed.citizenships]:
            if c and len(c) == 2 and c not in countries:
                countries.append(c)
        identifiers = list(parsed.identifiers)
        if r[5]:
            identifiers.append(Identifier("Call Sign", r[5]))
        notes = [
            x
            for x in (
                f"Title: {r[4]}" if r[4] else None,
                f"Vessel: type {r[6] or '-'}, tonnage {r[7] or '-'}, GRT {r[8] or '-'}, flag {r[9] or '-'}, "
                f"owner {r[10] or '-'}"
                if any(r[6:11])
                else None,
                remarks or None,
            )
            if x
        ]
        key = "ofac_sdn" if family == "sdn" else cons_key(programs)
        out.append(
            ListedEntity(
                id=f"{key}:{ent}",
                source=key,
                type=_TYPES.get((r[2] or "").lower(), EntityType.ENTITY),
                names=names,
                addresses=addrs,
                countries=countries,
                identifiers=identifiers,
                dates_of_birth=parsed.dates_of_birth,
                programs=programs,
                list_date=list_date,
                remarks="; ".join(notes) or None,
            )
        )
    orphan_key = "ofac_sdn" if family == "sdn" else "ofac_cons"
    for ent, names in aliases.items():
        if ent in seen:
            continue
        stats.orphan_alias_entities += 1
        stats.orphan_alias_rows += len(names)
        addrs = addresses.get(ent, [])
        countries = []
        for a in addrs:
            if a.country and len(a.country) == 2 and a.country not in countries:
                countries.append(a.country)
        out.append(
            ListedEntity(
                id=f"{orphan_key}:{ent}",
                source=orphan_key,
                type=EntityType.ENTITY,
                names=list(names),
                addresses=addrs,
                countries=countries,
                list_date=alias_date or list_date,
                remarks=ORPHAN_REMARK,
            )
        )
        seen.add(ent)
    stats.orphan_address_rows_dropped = sum(len(v) for k, v in addresses.items() if k not in seen)
    return out
