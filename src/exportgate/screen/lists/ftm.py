"""FollowTheMoney JSON lines (``*.entities.ftm.json``, as OpenSanctions/yente export them).

Only "thing" schemata that can be screened become entities (Person, Company, Organization,
LegalEntity, PublicBody, Vessel, Airplane); Address entities are resolved into their holders'
addresses and Sanction entities into their programs. Note: OpenSanctions data is CC BY-NC; exportgate
does not ship any, this loader is for users' own licensed exports.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from exportgate.errors import InputError
from exportgate.screen.lists.countries import to_iso2
from exportgate.screen.lists.files import read_text
from exportgate.screen.model import Address, EntityType, Identifier, ListedEntity, Name, NameKind

_SCHEMA_TYPES = {
    "Person": EntityType.PERSON,
    "Company": EntityType.ENTITY,
    "Organization": EntityType.ENTITY,
    "LegalEntity": EntityType.ENTITY,
    "PublicBody": EntityType.ENTITY,
    "Vessel": EntityType.VESSEL,
    "Airplane": EntityType.AIRCRAFT,
}
_NAME_PROPS = (
    ("name", NameKind.PRIMARY),
    ("alias", NameKind.AKA),
    ("previousName", NameKind.FKA),
    ("weakAlias", NameKind.WEAK),
    ("abbreviation", NameKind.AKA),
)
_ID_PROPS = (
    "registrationNumber",
    "taxNumber",
    "innCode",
    "ogrnCode",
    "idNumber",
    "passportNumber",
    "imoNumber",
    "mmsi",
    "swiftBic",
    "leiCode",
    "uniqueEntityId",
    "kppCode",
    "permId",
)
_COUNTRY_PROPS = ("country", "nationality", "citizenship", "jurisdiction", "flag")


def load_ftm(path: Path, *, key: str = "ftm", list_date: str | None = None) -> list[ListedEntity]:
    label = path.name
    records: list[dict[str, Any]] = []
    for lineno, line in enumerate(read_text(path).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(label, f"line {lineno}: not valid JSON ({exc.msg})") from None
        if not isinstance(rec, dict) or "id" not in rec or "schema" not in rec:
            raise InputError(label, f"line {lineno}: not a FollowTheMoney entity (needs id and schema)")
        records.append(rec)
    by_id = {r["id"]: r for r in records}
    programs: dict[str, list[str]] = {}
    for r in records:
        if r["schema"] == "Sanction":
            sprops = r.get("properties", {})
            for target in sprops.get("entity", []):
                programs.setdefault(target, []).extend(sprops.get("program", []) or sprops.get("programId", []))
    out: list[ListedEntity] = []
    for r in records:
        etype = _SCHEMA_TYPES.get(r["schema"])
        if etype is None:
            continue
        props: dict[str, list[str]] = r.get("properties", {})
        names: list[Name] = []
        seen: set[str] = set()
        caption = r.get("caption")
        for value, kind in [
            ((caption, NameKind.PRIMARY) if caption else ("", NameKind.PRIMARY)),
            *((v, k) for prop, k in _NAME_PROPS for v in props.get(prop, [])),
        ]:
            if value and value not in seen:
                seen.add(value)
                names.append(Name(value, kind if names or kind is not NameKind.PRIMARY else NameKind.PRIMARY))
        if names and caption:
            names = [
                names[0],
                *(n if n.kind is not NameKind.PRIMARY else Name(n.value, NameKind.AKA) for n in names[1:]),
            ]
        if not names:
            continue
        addresses = [Address(street=a) for a in props.get("address", [])]
        for ref in props.get("addressEntity", []):
            a = by_id.get(ref, {}).get("properties", {})
            if a:
                addresses.append(
                    Address(
                        street=", ".join(a.get("street", [])) or (a.get("full") or [None])[0],
                        city=(a.get("city") or [None])[0],
                        state=(a.get("region") or [None])[0],
                        postal_code=(a.get("postalCode") or [None])[0],
                        country=to_iso2((a.get("country") or [None])[0]),
                    )
                )
        countries: list[str] = []
        for prop in _COUNTRY_PROPS:
            for c in props.get(prop, []):
                code = to_iso2(c)
                if code and code not in countries:
                    countries.append(code)
        idents = [Identifier(prop, v) for prop in _ID_PROPS for v in props.get(prop, [])]
        out.append(
            ListedEntity(
                id=f"{key}:{r['id']}",
                source=key,
                type=etype,
                names=names,
                addresses=addresses,
                countries=countries,
                identifiers=idents,
                dates_of_birth=list(props.get("birthDate", [])),
                programs=sorted(set(programs.get(r["id"], []))),
                list_date=list_date or r.get("last_change", "")[:10] or None,
                remarks="; ".join(props.get("notes", [])[:3]) or None,
            )
        )
    return out


def stated_dates(path: Path) -> list[str]:
    """Each entity's ``last_change`` day: the export was made on or after the latest of them. Unreadable
    files give [] (the loader reports what is wrong with them)."""
    try:
        text = read_text(path)
    except InputError:
        return []
    out: list[str] = []
    for line in text.splitlines():
        try:
            rec = json.loads(line) if line.strip() else None
        except json.JSONDecodeError:
            return []
        change = rec.get("last_change") if isinstance(rec, dict) else None
        if isinstance(change, str) and len(change) >= 10:
            out.append(change[:10])
    return out
