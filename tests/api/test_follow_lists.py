"""Every worker screens against the active list version: after another process activates other lists, a
worker's next request (at most a second later) loads them."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from exportgate.api import deps


def test_a_worker_loads_the_lists_another_process_activated(monkeypatch: pytest.MonkeyPatch, warm_index: Any) -> None:
    active = {"name": None}
    loads: list[Any] = []
    monkeypatch.setattr(deps, "active_lists", lambda home: active["name"])

    class Loaded:
        def __init__(self, snapshot: Any) -> None:
            loads.append(snapshot)

    monkeypatch.setattr(deps, "Screener", Loaded)
    import exportgate.screen.lists as lists

    monkeypatch.setattr(lists, "load_active", lambda home: f"snapshot of {active['name']}")
    svc = SimpleNamespace(home=None, screener=warm_index)
    state = SimpleNamespace(lists_active=None, lists_checked=0.0)
    deps.follow_lists(state, svc)  # type: ignore[arg-type]
    assert svc.screener is warm_index and not loads  # unchanged: nothing loaded
    active["name"] = "2026-12-01T10-00-00Z"
    deps.follow_lists(state, svc)  # type: ignore[arg-type]
    assert not loads  # looked at once a second at most
    state.lists_checked = 0.0
    deps.follow_lists(state, svc)  # type: ignore[arg-type]
    assert loads == ["snapshot of 2026-12-01T10-00-00Z"] and isinstance(svc.screener, Loaded)
    assert state.lists_active == "2026-12-01T10-00-00Z"
    state.lists_checked = 0.0
    deps.follow_lists(state, svc)  # type: ignore[arg-type]
    assert len(loads) == 1  # the same version: not loaded again
