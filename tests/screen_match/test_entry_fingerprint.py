"""An entry's fingerprint (``ListedEntity.fingerprint``) is recorded with every decision taken on it: the fields
are read without dataclasses.asdict's deep copy (a screening fingerprints each entry it returns), and the
fingerprint must stay the hash of the very same JSON."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Any

from exportgate.screen.model import EntityType, Identifier, ListedEntity, Name, NameKind


def _as_before(ent: ListedEntity) -> str:
    body = {k: v for k, v in dataclasses.asdict(ent).items() if k != "list_date"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def test_every_embedded_entry_keeps_its_fingerprint(embedded: Any) -> None:
    entities = list(embedded.entities)
    assert len(entities) > 10_000
    assert all(ent.fingerprint() == _as_before(ent) for ent in entities)


def test_the_fingerprint_covers_every_field_but_the_list_date() -> None:
    ent = ListedEntity(
        "t:1",
        "test",
        EntityType.PERSON,
        [Name("IVANOV, Pyotr"), Name("Petr Ivanov", NameKind.AKA)],
        identifiers=[Identifier("Passport", "7203 456789", "RU")],
        list_date="2026-01-01",
    )
    assert ent.fingerprint() == _as_before(ent)
    assert dataclasses.replace(ent, list_date="2026-02-01").fingerprint() == ent.fingerprint()
    for change in ({"remarks": "x"}, {"names": [Name("IVANOV, Pyotr")]}, {"identifiers": []}, {"countries": ["RU"]}):
        assert dataclasses.replace(ent, **change).fingerprint() != ent.fingerprint()  # type: ignore[arg-type]
