"""Stale lists: which lists a screening used are older than the transaction by more than their usual
publication interval (rule data ``screening.lists.max_age_days``), so that a result is never presented as
current when the lists behind it may have missed designations.

``exportgate lists status`` shows them for today; the package check for the package's date::

    from exportgate.screen.lists import staleness
    for s in staleness(memo.screening.lists_as_of, date(2026, 10, 20), rules):
        print(s.message())
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from exportgate.errors import RuleDataError

if TYPE_CHECKING:
    from exportgate.rules import Mode, RuleSet

MAX_AGE_KEY = "screening.lists.max_age_days"


@dataclass(frozen=True, slots=True)
class Stale:
    """One list older than the transaction by more than its usual publication interval (or of unknown date)."""

    key: str  # list key (ofac_sdn, entity_list, ...)
    list_date: str | None  # ISO date of the list copy; None when it is not known
    on: str  # ISO date of the transaction (or of the check)
    days: int | None  # how many days the list is older than ``on``; None when its date is not known
    interval: int  # the usual publication interval, days (rule data)
    citation: str  # where the interval comes from

    def message(self) -> str:
        """One sentence for a memo, a condition or a terminal (the citation is ``citation``)."""
        if self.list_date is None or self.days is None:
            return f"{self.key}: the list's date is unknown (usual publication interval {self.interval} days)"
        return (f"{self.key}: the list of {self.list_date} is {self.days} days older than {self.on} (usual "
                f"publication interval {self.interval} days)")

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "list_date": self.list_date, "on": self.on, "days": self.days,
                "interval": self.interval, "citation": self.citation}


def staleness(lists_as_of: Mapping[str, str | None], on: date, rules: RuleSet | None = None,
              mode: Mode | None = None) -> list[Stale]:
    """The lists of ``lists_as_of`` ({list key: ISO date or "unknown"}, as a screening result or a snapshot
    gives them) that are older than ``on`` by more than their usual publication interval, or whose date is
    unknown (deny by default), sorted by list key."""
    from exportgate.rules import Mode, load_rules

    rules = rules or load_rules()
    resolved = rules.resolve(MAX_AGE_KEY, on, mode or Mode.ENFORCED)
    intervals = resolved.value
    out = []
    for key, raw in sorted(lists_as_of.items()):
        interval = _interval(intervals, key)
        try:
            listed: date | None = date.fromisoformat(str(raw)) if raw else None
        except ValueError:
            listed = None
        days = (on - listed).days if listed is not None else None
        if days is None or days > interval:
            out.append(Stale(key=key, list_date=listed.isoformat() if listed else None, on=on.isoformat(),
                             days=days, interval=interval, citation=resolved.cite()))
    return out


def _interval(intervals: Any, key: str) -> int:
    value = intervals.get(key, intervals.get("default")) if isinstance(intervals, Mapping) else None
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise RuleDataError(f"{MAX_AGE_KEY}: no usual publication interval (a whole number of days) for list "
                            f"{key!r} and no default")
    return value
