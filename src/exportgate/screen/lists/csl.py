"""trade.gov Consolidated Screening List (CSL): the CSV download and its JSON form.

CSV: header row, 29 columns (``_id, source, entity_number, type, programs, name, ...``); multi-values
separated by ``; ``; each address ``street, city, state, postal, CC``. JSON: ``{"results": [{...}]}``
with the same field names; values may be strings (as in the CSV) or lists/objects (as the trade.gov
API writes them: ``addresses`` as ``[{address, city, state, postal_code, country}]``, ``ids`` as
``[{type, number, country}]``, ``alt_names``/``programs``/``nationalities`` as lists).

Entity List names embedding an "Affiliated Entity:" / "Subordinate Institution -" clause are given
an extra ``SPLIT`` name (the affiliate/subordinate alone) on the same entry; the parent entity has
its own entry. The Entity List footnote is derived from the license requirement text
(``data/lists/footnotes.yaml``).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from exportgate.errors import InputError
from exportgate.screen.lists._data import config, footnote_rules
from exportgate.screen.lists.countries import to_iso2
from exportgate.screen.lists.files import read_text
from exportgate.screen.model import Address, EntityType, Identifier, ListedEntity, Name, NameKind

COLUMNS = (
    "_id",
    "source",
    "entity_number",
    "type",
    "programs",
    "name",
    "title",
    "addresses",
    "federal_register_notice",
    "start_date",
    "end_date",
    "standard_order",
    "license_requirement",
    "license_policy",
    "call_sign",
    "vessel_type",
    "gross_tonnage",
    "gross_registered_tonnage",
    "vessel_flag",
    "vessel_owner",
    "remarks",
    "source_list_url",
    "alt_names",
    "citizenships",
    "dates_of_birth",
    "nationalities",
    "places_of_birth",
    "source_information_url",
    "ids",
)
REQUIRED = ("_id", "source", "name")
_TYPES = {
    "individual": EntityType.PERSON,
    "vessel": EntityType.VESSEL,
    "aircraft": EntityType.AIRCRAFT,
    "entity": EntityType.ENTITY,
    "": EntityType.ENTITY,
}
_SPLIT = re.compile(r"\.?\s+(?:Affiliated Entity\s*:|Subordinate Institution\s*[-:])\s*", re.IGNORECASE)
_SUCCESSOR = re.compile(r";?\s*and any successor,? sub-unit,? or subsidiary thereof\s*$", re.IGNORECASE)
_LEADING_AND = re.compile(r"^and\s+", re.IGNORECASE)
_CC = re.compile(r"^[A-Z]{2}$")
_SKIP_ID_TYPES = re.compile(
    r"date|information|risk|target type|organization type|gender|prohibited|directive|executive order|"
    r"aircraft model|aircraft operator|vessel flag|vessel type|issuer name|nationality of registration|year of build",
    re.IGNORECASE,
)


def source_key(source: str, label: str, row: int) -> str:
    key = config()["csl_sources"].get(source.strip())
    if key is None:
        raise InputError(label, f"row {row}: unknown CSL source {source!r}")
    return str(key)


def footnote(license_requirement: str | None) -> int | None:
    """The Entity List footnote number the license requirement text marks, if any."""
    if not license_requirement:
        return None
    rules = footnote_rules()
    if m := re.search(rules["explicit"], license_requirement):
        return int(m.group(1))
    for rule in rules["by_citation"]:
        if re.search(rule["pattern"], license_requirement):
            return int(rule["footnote"])
    return None


def _multi(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [v.strip() for v in str(value).split(";") if v.strip()]


def _address(value: Any) -> Address | None:
    if isinstance(value, Mapping):
        country = value.get("country")
        return Address(
            street=value.get("address") or None,
            city=value.get("city") or None,
            state=value.get("state") or None,
            postal_code=value.get("postal_code") or None,
            country=to_iso2(country) or country or None,
        )
    parts = [p.strip() for p in str(value).split(",") if p.strip()]
    if not parts:
        return None
    country = None
    if _CC.match(parts[-1]):
        country = parts.pop()
    return Address(street=", ".join(parts) or None, country=country)


def _digits(text: str) -> int:
    return sum(ch.isdigit() for ch in text)


def _split_id(text: str, type_first: bool) -> tuple[str, str, str | None]:
    """One CSL ``ids`` value -> (type, number, country). Two orders occur: ``CN, 9111..., USCC`` /
    ``5030056754, Tax ID No.`` (2022 files: [country,] number, type) and ``Passport, 836238033, KP`` /
    ``Gender, Male`` (2025 files: type, number[, country]); ``type_first`` is detected per file."""
    parts = [p.strip() for p in text.split(",")]
    if len(parts) < 2:
        return "", "", None
    if len(parts) >= 3 and _CC.match(parts[0]) and not type_first:
        return parts[-1], ", ".join(parts[1:-1]), parts[0]
    if len(parts) >= 3 and _CC.match(parts[-1]) and type_first:
        return parts[0], ", ".join(parts[1:-1]), parts[-1]
    if type_first:
        return parts[0], ", ".join(parts[1:]), None
    return parts[-1], ", ".join(parts[:-1]), None


def detect_type_first(id_values: Iterable[str]) -> bool:
    """Whether a CSL CSV writes ids as ``type, number, CC`` (2025) rather than ``CC, number, type`` (2022)."""
    votes = 0
    for value in id_values:
        for item in value.split(";"):
            parts = [p.strip() for p in item.split(",")]
            if len(parts) == 3:
                votes += bool(_CC.match(parts[-1])) - bool(_CC.match(parts[0]))
    return votes > 0


def _identifiers(value: Any, type_first: bool) -> list[Identifier]:
    out: list[Identifier] = []
    items: Iterable[Any] = value if isinstance(value, list) else _multi(value)
    for item in items:
        if isinstance(item, Mapping):
            kind, number, country = item.get("type") or "", item.get("number") or "", item.get("country")
        else:
            kind, number, country = _split_id(str(item), type_first)
        kind, number = str(kind).strip(), str(number).strip()
        if (
            not kind
            or not number
            or kind.endswith((":", "-"))
            or number.endswith((":", "-"))
            or _SKIP_ID_TYPES.search(kind)
            or _SKIP_ID_TYPES.search(number)
        ):
            continue
        out.append(Identifier(kind=kind, value=number, country=to_iso2(country) if country else None))
    return out


def _countries(addresses: list[Address], *codes: list[str]) -> list[str]:
    out: list[str] = []
    for c in [*(a.country for a in addresses), *(x for lst in codes for x in lst)]:
        code = to_iso2(c) if c else None
        if code and code not in out:
            out.append(code)
    return out


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, list):
        value = "; ".join(str(v) for v in value)
    v = str(value).strip()
    return v or None


def entity_from_row(
    row: Mapping[str, Any], label: str, rownum: int, list_date: str | None, type_first: bool = False
) -> ListedEntity:
    for col in REQUIRED:
        if not _text(row.get(col)):
            raise InputError(label, f"row {rownum}: empty {col}")
    key = source_key(str(row["source"]), label, rownum)
    raw_name = str(row["name"]).strip()
    notes: list[str] = []
    name = _SUCCESSOR.sub("", raw_name).strip()
    if name != raw_name:
        notes.append("Includes any successor, sub-unit, or subsidiary thereof.")
    names = [Name(name, NameKind.PRIMARY)]
    if key == "entity_list":
        parts = _SPLIT.split(name, maxsplit=1)
        if len(parts) == 2 and parts[1].strip():
            names.append(Name(parts[1].strip().rstrip("."), NameKind.SPLIT))
            notes.append(f"Affiliate/subordinate of: {parts[0].strip()}")
    for alt in _multi(row.get("alt_names")):
        alt = _LEADING_AND.sub("", alt).strip()
        if alt and alt not in {n.value for n in names}:
            names.append(Name(alt, NameKind.AKA))
    addr_values = row.get("addresses")
    addresses = [
        a
        for a in (_address(v) for v in (addr_values if isinstance(addr_values, list) else _multi(addr_values)))
        if a is not None
    ]
    nationalities = _multi(row.get("nationalities"))
    citizenships = _multi(row.get("citizenships"))
    lic = _text(row.get("license_requirement"))
    remarks = _text(row.get("remarks"))
    title = _text(row.get("title"))
    notes = [*([f"Title: {title}"] if title else []), *([remarks] if remarks else []), *notes]
    dobs = [d for d in _multi(row.get("dates_of_birth"))]
    ident = _identifiers(row.get("ids"), type_first)
    if cs := _text(row.get("call_sign")):
        ident.append(Identifier("Call Sign", cs))
    native = str(row["_id"]).strip()
    return ListedEntity(
        id=f"{key}:{native}",
        source=key,
        type=_TYPES.get((_text(row.get("type")) or "").lower(), EntityType.ENTITY),
        names=names,
        addresses=addresses,
        countries=_countries(addresses, nationalities, citizenships),
        identifiers=ident,
        dates_of_birth=dobs,
        programs=_multi(row.get("programs")),
        entity_list_footnote=footnote(lic) if key == "entity_list" else None,
        license_requirement=lic,
        license_policy=_text(row.get("license_policy")),
        list_date=list_date,
        start_date=_text(row.get("start_date")),
        federal_register_notice=_text(row.get("federal_register_notice")),
        remarks="; ".join(notes) or None,
    )


def load_csv(path: Path, *, list_date: str | None = None, exclude_keys: Iterable[str] = ()) -> list[ListedEntity]:
    """Entities of a CSL CSV file (gzip allowed); rows of ``exclude_keys`` lists are skipped."""
    label = path.name
    text = read_text(path)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, [])
        missing = [c for c in COLUMNS if c not in header]
        if missing:
            raise InputError(label, f"row 1 (header): missing column(s) {', '.join(missing)}")
        width = len(header)
        source_at = header.index("source")
        skip = {s for s, k in config()["csl_sources"].items() if k in frozenset(exclude_keys)}
        rows: list[tuple[int, list[str]]] = []
        for values in reader:
            if not values:
                continue
            if len(values) != width:
                raise InputError(label, f"row {reader.line_num}: expected {width} columns, got {len(values)}")
            if values[source_at].strip() not in skip:
                rows.append((reader.line_num, values))
    except csv.Error as exc:
        raise InputError(label, f"row {reader.line_num}: malformed CSV ({exc})") from None
    ids_at = header.index("ids")
    type_first = detect_type_first(values[ids_at] for _, values in rows)
    return [
        entity_from_row(dict(zip(header, values, strict=True)), label, line, list_date, type_first)
        for line, values in rows
    ]


def load_json(path: Path, *, list_date: str | None = None, exclude_keys: Iterable[str] = ()) -> list[ListedEntity]:
    """Entities of a CSL JSON file: ``{"results": [{...}]}`` (a bare list of rows is accepted too)."""
    label = path.name
    try:
        doc = json.loads(read_text(path))
    except json.JSONDecodeError as exc:
        raise InputError(label, f"not valid JSON: {exc.msg} at line {exc.lineno}") from None
    rows = doc.get("results") if isinstance(doc, dict) else doc
    if not isinstance(rows, list):
        raise InputError(label, 'expected {"results": [...]}')
    exclude = frozenset(exclude_keys)
    out: list[ListedEntity] = []
    for i, row in enumerate(rows):
        if not isinstance(row, dict):
            raise InputError(f"{label}: results[{i}]", "not an object")
        if exclude and config()["csl_sources"].get(str(row.get("source") or "").strip()) in exclude:
            continue
        out.append(entity_from_row(row, label, i, list_date))
    return out


_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}")


def stated_dates(path: Path) -> list[str]:
    """Every date (ISO day) the file states about its entries or its own making: each row's ``start_date``,
    and in the JSON form the ``sources_used`` dates (``source_last_updated``, ``last_imported``) the trade.gov
    API writes. The file was published on or after the latest of them. Unreadable files give [] (the loader
    reports what is wrong with them)."""
    try:
        text = read_text(path)
    except InputError:
        return []
    values: list[Any] = []
    if path.name.lower().removesuffix(".gz").endswith(".json"):
        try:
            doc = json.loads(text)
        except json.JSONDecodeError:
            return []
        rows = doc.get("results") if isinstance(doc, dict) else doc
        values += [r.get("start_date") for r in rows or [] if isinstance(r, dict)]
        used = doc.get("sources_used") if isinstance(doc, dict) else None
        for source in used if isinstance(used, list) else []:
            if isinstance(source, dict):
                values += [source.get("source_last_updated"), source.get("last_imported")]
    else:
        reader = csv.reader(io.StringIO(text, newline=""))
        try:
            header = next(reader, [])
            if "start_date" not in header:
                return []
            at = header.index("start_date")
            values += [row[at] for row in reader if len(row) > at]
        except csv.Error:
            return []
    return [v.strip()[:10] for v in values if isinstance(v, str) and _ISO_DAY.match(v.strip())]
