"""Bounded memos: a dict of results that repeat across many queries (a batch), emptied when full."""

from __future__ import annotations

from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V")


def remember(store: dict[K, V], key: K, value: V, size: int) -> V:
    """Keep ``value`` under ``key`` in ``store`` (emptied first when it holds ``size`` entries); returns it.
    The caller looks ``key`` up first: this is the miss path, so the hit path stays one dict lookup."""
    if len(store) >= size:
        store.clear()
    store[key] = value
    return value
