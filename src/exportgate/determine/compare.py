"""``--compare DATE1,DATE2``: the answer on each date and the rule changes that explain the difference.

The changes are ``rules.diff`` filtered to the parameters either determination consulted, plus the
Country Group memberships that changed for the countries it looked at.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from exportgate.determine.engine import determine
from exportgate.determine.model import Case, Determination, TppLedger
from exportgate.rules import Change, Mode, RuleSet, load_rules


@dataclass
class Comparison:
    dates: tuple[date, date]
    mode: str
    first: Determination
    second: Determination
    changes: list[Change] = field(default_factory=list)
    #: {country: {"before": [groups], "after": [groups]}} where membership differs
    group_changes: dict[str, dict[str, list[str]]] = field(default_factory=dict)

    @property
    def same(self) -> bool:
        a, b = self.first, self.second
        return (a.status, a.license_exception, a.review_policy) == (b.status, b.license_exception, b.review_policy)

    def to_json(self) -> dict[str, Any]:
        return {
            "dates": [d.isoformat() for d in self.dates],
            "mode": self.mode,
            "answers": {self.dates[0].isoformat(): self.first.to_json(), self.dates[1].isoformat(): self.second.to_json()},
            "same_outcome": self.same,
            "rule_changes": [_change_json(c) for c in self.changes],
            "country_group_changes": self.group_changes,
        }


def _value_changed(c: Change) -> bool:
    return c.before is None or c.after is None or c.before.value != c.after.value


def delta(c: Change) -> str | None:
    """For a mapping-valued rule (a Part 746 regime's exceptions, policy, status): which entries were added,
    removed or changed, in words; None for other values."""
    before = c.before.value if c.before is not None else None
    after = c.after.value if c.after is not None else None
    if not isinstance(before, dict) or not isinstance(after, dict):
        return None
    added = [k for k in after if k not in before]
    removed = [k for k in before if k not in after]
    changed = [k for k in after if k in before and after[k] != before[k]]
    parts = [f"{label} {', '.join(map(str, keys))}" for label, keys in
             (("added", added), ("removed", removed), ("changed", changed)) if keys]
    return "; ".join(parts) or None


def _change_json(c: Change) -> dict[str, Any]:
    return {
        "key": c.key,
        "value_changed": _value_changed(c),
        "summary": delta(c),
        "before": c.before.to_json() if c.before else None,
        "after": c.after.to_json() if c.after else None,
    }


def compare(
    case: Case,
    first: date,
    second: date,
    mode: Mode | str = Mode.ENFORCED,
    rules: RuleSet | None = None,
    *,
    ledger: TppLedger | None = None,
) -> Comparison:
    rules = rules or load_rules()
    mode = Mode(mode)
    a = determine(case.on(first), mode, rules, ledger=ledger)
    b = determine(case.on(second), mode, rules, ledger=ledger)
    consulted = set(a.consulted) | set(b.consulted)
    changes = [c for c in rules.diff(first, second, mode) if c.key in consulted]
    changes.sort(key=lambda c: (not _value_changed(c), c.key))  # value changes first, then legal-basis-only
    groups: dict[str, dict[str, list[str]]] = {}
    for cc in dict.fromkeys(a.countries + b.countries):
        before = sorted(rules.groups_of(cc, first))
        after = sorted(rules.groups_of(cc, second))
        if before != after:
            groups[cc] = {"before": before, "after": after}
    return Comparison(dates=(first, second), mode=mode.value, first=a, second=b, changes=changes, group_changes=groups)
