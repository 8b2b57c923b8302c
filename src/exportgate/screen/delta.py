"""A screener over a few list entries that scores them as the screener over the whole lists would.

A re-screen after a list update screens every stored party against the entries the update added or changed
only. Their index is small and built in milliseconds, but a name's score depends on how rare its words are
across all the lists (IDF): so the small index takes its word counts and its entity count from the full
index. Then a query finds the same candidates among these entries as the full index would (and perhaps a few
more: fewer names compete), scored the same way; the caller verifies its hits with the full screener.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from exportgate.screen.index import build_index
from exportgate.screen.model import ListedEntity
from exportgate.screen.screener import Screener


@dataclass
class _Entries:
    """The entries as a snapshot (what :class:`Screener` reads), with the full lists' sources and dates."""

    entities: Sequence[ListedEntity]
    sources: Mapping[str, Any] = field(default_factory=dict)


def subset_screener(entities: Sequence[ListedEntity], full: Screener) -> Screener:
    """A screener over ``entities`` (a few entries of ``full``'s lists) whose weights are ``full``'s."""
    idx = build_index(entities)
    # the full lists' counts (an entry no longer listed keeps its own)
    idx.set_counts({**idx.df, **full.index.df}, full.index.n_entities)
    idx.name_totals.clear()
    for rec in idx.names:
        rec.weights = tuple(idx.idf(t) for t in rec.tokens)
        idx.name_totals.append(sum(rec.weights) or 1.0)
    snapshot = _Entries(entities, getattr(full.snapshot, "sources", {}) or {})
    return Screener(snapshot, config=full.config, index=idx)
