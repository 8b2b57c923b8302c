"""Fixtures for the matcher tests: the embedded snapshot indexed once per session, and a tiny hand-made
snapshot for the evidence logic."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from exportgate.screen import Screener
from exportgate.screen.model import EntityType, Identifier, ListedEntity, Name, NameKind


@pytest.fixture(scope="session")
def embedded() -> Any:
    from exportgate.screen import load_embedded

    return load_embedded()


@pytest.fixture(scope="session")
def screener(embedded: Any) -> Screener:
    return Screener(embedded)


@dataclass
class Snap:
    entities: list[ListedEntity]
    sources: dict[str, Any] = field(default_factory=lambda: {"test_list": {"as_of": "2026-01-01"}})


def small_entities() -> list[ListedEntity]:
    return [
        ListedEntity(
            id="t:1",
            source="test_list",
            type=EntityType.PERSON,
            names=[Name("IVANOV, Pyotr Sergeyevich"), Name("Petr Ivanov", NameKind.AKA)],
            countries=["RU"],
            dates_of_birth=["1961-03-14"],
            identifiers=[Identifier("Passport", "7203 456789", "RU")],
        ),
        ListedEntity(
            id="t:2",
            source="test_list",
            type=EntityType.ENTITY,
            names=[Name("Zhongxin Quantum Photonics Co., Ltd."), Name("ZQP", NameKind.WEAK)],
            countries=["CN"],
            entity_list_footnote=4,
            license_policy="Presumption of denial",
        ),
        ListedEntity(
            id="t:3",
            source="test_list",
            type=EntityType.ENTITY,
            names=[Name("Gromovsky Trading LLC")],
            countries=["AE"],
        ),
        ListedEntity(
            id="t:4",
            source="test_list",
            type=EntityType.ENTITY,
            names=[Name("Trading Company Limited")],
        ),
    ] + [
        # filler so that IDF has something to compare with
        ListedEntity(
            id=f"f:{i}",
            source="test_list",
            type=EntityType.ENTITY,
            names=[Name(f"{w} Trading Co Ltd")],
        )
        for i, w in enumerate(
            ["Alpha", "Beta", "Gamma", "Delta", "Epsilon", "Zeta", "Eta", "Theta", "Iota", "Kappa", "Lambda"]
        )
    ]


@pytest.fixture(scope="session")
def small() -> Screener:
    return Screener(Snap(small_entities()), use_cache=False)
