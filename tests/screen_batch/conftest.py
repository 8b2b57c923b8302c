"""Fixtures for the screen-batch tests: the command in this process with the session's screener, and a
screener over other lists."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from typer.testing import CliRunner

from exportgate.cli import screen as screen_cli
from exportgate.screen import Screener
from exportgate.screen.model import EntityType, ListedEntity, Name


@pytest.fixture()
def runner(screener: Screener, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """The command in this process, with the session's screener (no index load per test)."""
    monkeypatch.setattr(screen_cli, "_screener", lambda home: screener)
    return CliRunner()


@pytest.fixture(scope="session")
def screener(warm_index: Screener) -> Screener:
    return warm_index


@dataclass
class _Snap:
    entities: list[ListedEntity]
    sources: dict[str, Any] = field(default_factory=lambda: {"test_list": {"as_of": "2026-01-01"}})


@pytest.fixture(scope="session")
def small() -> Screener:
    """A screener over other lists (two entities): its index differs from the embedded lists' one."""
    ents = [
        ListedEntity(id="t:1", source="test_list", type=EntityType.ENTITY, names=[Name("Gromovsky Trading LLC")]),
        ListedEntity(id="t:2", source="test_list", type=EntityType.PERSON, names=[Name("IVANOV, Pyotr")]),
    ]
    return Screener(_Snap(ents), use_cache=False)
