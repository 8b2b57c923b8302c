"""The one normalised entity model every list loader produces and the matcher consumes.

Loosely follows FollowTheMoney (the model OpenSanctions uses): an entity has a schema-like ``type``,
several names with their kind, and supporting properties (countries, identifiers, dates of birth)
that the matcher uses as evidence for or against a match.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class EntityType(StrEnum):
    ENTITY = "entity"  # a company, organisation, government body (OFAC "-0-", CSL blank type)
    PERSON = "person"
    VESSEL = "vessel"
    AIRCRAFT = "aircraft"


class NameKind(StrEnum):
    PRIMARY = "primary"
    AKA = "aka"  # also known as
    FKA = "fka"  # formerly known as
    NKA = "nka"  # now known as
    WEAK = "weak"  # OFAC "weak a.k.a." (low quality; scored lower)
    SPLIT = "split"  # split off an Entity List name ("Affiliated Entity"/"Subordinate Institution" clause)


@dataclass(frozen=True, slots=True)
class Name:
    value: str
    kind: NameKind = NameKind.PRIMARY


@dataclass(frozen=True, slots=True)
class Address:
    street: str | None = None
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str | None = None  # ISO 3166 alpha-2 when known, else the list's own text


@dataclass(frozen=True, slots=True)
class Identifier:
    kind: str  # e.g. "Passport", "Tax ID No.", "Registration ID"
    value: str
    country: str | None = None


@dataclass(slots=True)
class ListedEntity:
    """One entry of one restricted-party list.

    ``id`` is unique across all loaded lists: ``<source>:<native id>`` (for example
    ``ofac_sdn:36216`` or ``csl_entity_list:5b3c…``).
    """

    id: str
    source: str  # list key: ofac_sdn, ofac_cons, entity_list, meu, uvl, dpl, ... (see screen.lists)
    type: EntityType
    names: list[Name]
    addresses: list[Address] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)  # ISO alpha-2, deduplicated
    identifiers: list[Identifier] = field(default_factory=list)
    dates_of_birth: list[str] = field(default_factory=list)  # ISO dates or years as the list gives them
    programs: list[str] = field(default_factory=list)
    entity_list_footnote: int | None = None  # Entity List footnote (e.g. 4 for the FDP rule), if any
    license_requirement: str | None = None
    license_policy: str | None = None
    list_date: str | None = None  # ISO date of the list snapshot the entry came from
    start_date: str | None = None  # date the entry was listed, where the list says
    federal_register_notice: str | None = None
    remarks: str | None = None

    def fingerprint(self) -> str:
        """SHA-256 of the entry's content (names, addresses, countries, identifiers, dates of birth, programmes,
        footnote, licence fields, dates, remarks) but not the date of the list version it came from: a reviewer's
        decision on a match records it, and a changed entry re-opens the decision."""
        # (the fields as dataclasses.asdict gives them, without its deep copy of every value: the same JSON,
        # about a third of the time; a screening fingerprints each entry it returns the first time it does)
        body = {k: _plain(getattr(self, k)) for k in _ENTITY_FIELDS if k != "list_date"}
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def details(self) -> dict[str, Any]:
        """What a reviewer adjudicating a match needs to see of the entry, as plain JSON: its type, other names,
        programmes, addresses (one line each), identifiers, dates of birth, Entity List footnote, licence
        requirement and policy, the date it was listed, its Federal Register notice and remarks. Built only for a
        returned match (never for every candidate), so screening a name stays as fast as it was."""
        primary = self.primary_name
        return {
            "type": self.type.value,
            "aliases": [n.value for n in self.names if n.value != primary],
            "programs": list(self.programs),
            "countries": list(self.countries),
            "addresses": [line for line in (_address_line(a) for a in self.addresses) if line],
            "identifiers": [
                {"kind": i.kind, "value": i.value, **({"country": i.country} if i.country else {})}
                for i in self.identifiers
            ],
            "dates_of_birth": list(self.dates_of_birth),
            "entity_list_footnote": self.entity_list_footnote,
            "license_requirement": self.license_requirement,
            "license_policy": self.license_policy,
            "start_date": self.start_date,
            "federal_register_notice": self.federal_register_notice,
            "remarks": self.remarks,
            "list_date": self.list_date,
        }

    @property
    def primary_name(self) -> str:
        for name in self.names:
            if name.kind is NameKind.PRIMARY:
                return name.value
        return self.names[0].value if self.names else ""


_SCALARS = frozenset({str, int, float, bool, type(None), EntityType, NameKind})
_FIELD_NAMES: dict[type, tuple[str, ...] | None] = {}  # a class -> its fields' names (None: no dataclass)


def _field_names(cls: type) -> tuple[str, ...] | None:
    try:
        return _FIELD_NAMES[cls]
    except KeyError:
        names = tuple(f.name for f in dataclasses.fields(cls)) if dataclasses.is_dataclass(cls) else None
        _FIELD_NAMES[cls] = names
        return names


def _plain(value: Any) -> Any:
    """``value`` as :func:`dataclasses.asdict` gives it (dataclasses as dicts, lists and tuples of them as lists
    and tuples, dict values converted), sharing what it need not copy (strings, numbers, enums)."""
    cls = type(value)
    if cls in _SCALARS:
        return value
    if cls is list:
        return [_plain(v) for v in value]
    names = _field_names(cls)
    if names is not None:
        return {k: _plain(getattr(value, k)) for k in names}
    if isinstance(value, tuple):
        return cls(*(_plain(v) for v in value)) if hasattr(value, "_fields") else cls(_plain(v) for v in value)
    if isinstance(value, list):
        return cls(_plain(v) for v in value)
    if isinstance(value, dict):
        return cls((_plain(k), _plain(v)) for k, v in value.items())
    return value


_ENTITY_FIELDS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(ListedEntity))


def _address_line(a: Address) -> str:
    """An address on one line, its parts in the order a letter gives them."""
    return ", ".join(part for part in (a.street, a.city, a.state, a.postal_code, a.country) if part)
