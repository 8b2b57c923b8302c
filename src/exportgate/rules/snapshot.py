"""The rule set on one date in one mode, and the trace of what a determination consulted.

``rules.at(day, mode)`` is a memoised snapshot: each parameter is looked up, its references followed and
its country sets expanded once per (day, mode), whoever asks. A :class:`Trace` (``rules.at(day,
mode).trace()``) is what one classification or determination writes as it goes: the parameters it
consulted (for ``--compare``), the countries whose groups it looked at, its reasons and its citations.
Classification and determination share this one context, so "what was consulted" is recorded the same
way everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Any

from exportgate.rules.model import Mode, Resolved

if TYPE_CHECKING:
    from exportgate.rules.ruleset import RuleSet


class RulesAt:
    """The rule set as of one date in one mode (immutable answers, memoised; safe to share).

    Build it with :meth:`RuleSet.at`, which checks the date (deny by default: before the regime start
    is an input error) and keeps one snapshot per (date, mode).
    """

    __slots__ = ("_countries", "_members", "_resolved", "as_of", "mode", "rules")

    def __init__(self, rules: RuleSet, as_of: date, mode: Mode) -> None:
        self.rules = rules
        self.as_of = as_of
        self.mode = mode
        self._resolved: dict[str, Resolved] = {}
        self._members: dict[str, frozenset[str]] = {}
        self._countries: dict[str, tuple[str, Resolved | None]] = {}

    def resolve(self, key: str) -> Resolved:
        """The parameter on this date in this mode, references and country sets evaluated (once)."""
        hit = self._resolved.get(key)
        if hit is None:
            hit = self.rules._resolve_at(key, self)
            self._resolved[key] = hit
        return hit

    def value(self, key: str) -> Any:
        return self.resolve(key).value

    def members(self, group: str) -> frozenset[str]:
        """Members of a country group on this date (expanded once)."""
        hit = self._members.get(group)
        if hit is None:
            hit = self.rules.members(group, self.as_of)
            self._members[group] = hit
        return hit

    def effective_country(self, code: str) -> tuple[str, Resolved | None]:
        """The destination the EAR treats ``code`` as on this date (see :meth:`RuleSet.effective_country`)."""
        hit = self._countries.get(code)
        if hit is None:
            hit = self.rules.effective_country(code, self.as_of)
            self._countries[code] = hit
        return hit

    def trace(self) -> Trace:
        """A fresh record of what one classification or determination consults."""
        return Trace(self)


class Trace:
    """What one classification or determination consulted, said and cited, in order.

    ``resolve``/``get``/``cset`` record the key as consulted; ``use`` also records the value's citation
    when the parameter is in force (not null); ``say`` appends a reason and cites what it names.
    """

    __slots__ = ("_citations", "_consulted", "_countries", "at", "reasons")

    def __init__(self, at: RulesAt) -> None:
        self.at = at
        self.reasons: list[str] = []
        self._citations: dict[str, None] = {}
        self._consulted: dict[str, None] = {}
        self._countries: dict[str, None] = {}

    # -- where and when
    @property
    def rules(self) -> RuleSet:
        return self.at.rules

    @property
    def as_of(self) -> date:
        return self.at.as_of

    @property
    def mode(self) -> Mode:
        return self.at.mode

    # -- what was consulted
    @property
    def consulted(self) -> list[str]:
        """The rule parameters consulted, in the order first consulted."""
        return list(self._consulted)

    @property
    def citations(self) -> list[str]:
        return list(self._citations)

    @property
    def countries(self) -> list[str]:
        """Countries whose group memberships the analysis looked at (recorded with :meth:`country`)."""
        return list(self._countries)

    def resolve(self, key: str) -> Resolved:
        self._consulted[key] = None
        return self.at.resolve(key)

    def get(self, key: str) -> Any:
        return self.resolve(key).value

    def cset(self, key: str) -> frozenset[str]:
        """A country-set (or list) parameter as a set; an empty set when it is null on this date."""
        value = self.get(key)
        if value is None:
            return frozenset()
        return frozenset(value)

    def use(self, key: str) -> Any:
        """The parameter's value, its citation recorded when it is in force (not null)."""
        res = self.resolve(key)
        if res.value is not None:
            self._citations[res.cite()] = None
        return res.value

    # -- what was said
    def cite(self, source: Resolved | str) -> None:
        text = source.cite() if isinstance(source, Resolved) else source
        if text:
            self._citations[text] = None

    def cite_all(self, sources: Iterable[str]) -> None:
        for text in sources:
            self.cite(text)

    def say(self, text: str, *cites: Resolved | str) -> None:
        self.reasons.append(text)
        for c in cites:
            self.cite(c)

    def country(self, code: str) -> str:
        self._countries[code] = None
        return code
