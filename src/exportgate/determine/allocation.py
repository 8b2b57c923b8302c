"""The compute limits in force, and the two quantities counted against them: one reading for the
determination, the package tally (``exportgate.packages.compute``) and the ledger summary
(``exportgate.store.summary``).

**The country allocation** (742.6(b)(10)(iii)(B), text mode 2025-01-13 to 2027-12-31): presumption of
approval up to ``policy.allocation.tpp`` cumulative TPP per country, counted from
``policy.allocation.count_from``; denial once used up. It exists for "all other destinations": not the
Supp. 5(a) countries (``policy.supp5a.countries``, (iii)(A)(2): presumption of approval) and not Macau/D:5
(``policy.d5_macau.destinations``, (iii)(A)(1): presumption of denial). Hong Kong counts as China.
Whether one transaction's licence is reviewed under it also depends on the end user (an entity HQ'd in
D:5/Macau or in Supp. 5(a) gets those policies instead): that is the determination's call.

**License Exception LPP's cap** (740.29, text mode from 2025-01-13): ``exception.lpp.cap_tpp_per_year`` TPP
per ultimate consignee per calendar year, all exporters together; in force only where LPP is available.
Not for D:5/Macau (``exception.diffusion.excluded_destinations``): not where the consignee is located or
goes, nor when it or its ultimate parent is headquartered there.

**The quantities**, asked of a :class:`TppLedger` and nowhere computed differently:

- *country TPP used* — the TPP the ledger holds to the country, dated from the allocation's count-from
  date up to the day (:func:`country_tpp_used`; for a country without an allocation, the year's).
  Everything recorded counts, whatever the item or the exception it went under (the fact sheet does not
  say which exports the allocation counts; counting all of them can only exhaust it sooner, never approve
  more).
- *LPP TPP used* — the TPP shipped under License Exception LPP to the ultimate consignee in the calendar
  year (:func:`lpp_tpp_used`): what the cap counts, and nothing else.

A key missing from the rule data is a bug (``UnknownParameter``); ``null`` means "not in force".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from exportgate.rules import Mode, Resolved, RulesAt, RuleSet, Trace

ALLOCATION_KEY = "policy.allocation.tpp"
ALLOCATION_FROM_KEY = "policy.allocation.count_from"
#: destinations with no allocation: Supp. 5(a) ((iii)(A)(2)) and Macau/D:5 ((iii)(A)(1))
ALLOCATION_EXCLUDED_KEYS = ("policy.supp5a.countries", "policy.d5_macau.destinations")
LPP_AVAILABLE_KEY = "exception.lpp.available"
LPP_CAP_KEY = "exception.lpp.cap_tpp_per_year"
LPP_EXCLUDED_KEY = "exception.diffusion.excluded_destinations"
#: how a determination names License Exception LPP (``Determination.license_exception``)
LPP_EXCEPTION = "LPP"


class TppLedger(Protocol):
    """The compute ledger's questions (``exportgate.store.Ledger`` and ``packages.StaticLedger`` answer them).

    The figures exclude the transaction being determined: the asker adds its own TPP.
    """

    def allocation_used_tpp(self, country: str, count_from: date, as_of: date) -> float:
        """TPP recorded to ``country`` dated from ``count_from`` up to ``as_of`` (with ``count_from`` the
        allocation's count-from date: the country TPP used)."""
        ...

    def lpp_used_tpp(self, ultimate_consignee: str, year: int) -> float:
        """TPP shipped under License Exception LPP to ``ultimate_consignee`` in calendar ``year`` (LPP TPP used)."""
        ...

    def end_user_tpp(self, end_user: str, year: int, as_of: date) -> float:
        """All TPP recorded to ``end_user`` in calendar ``year`` up to ``as_of`` (shown to people; decides nothing)."""
        ...

    def excluding(self, package_name: str) -> TppLedger:
        """The same ledger without the records of the package named ``package_name``: a package re-checked after
        it was recorded is not counted against itself."""
        ...


View = RulesAt | Trace


def _at(view: View) -> RulesAt:
    return view.at if isinstance(view, Trace) else view


@dataclass(frozen=True)
class _Limit:
    """A TPP limit in force: its parameter as resolved on the date, in the mode."""

    resolved: Resolved

    @property
    def tpp(self) -> float:
        return float(self.resolved.value)

    @property
    def key(self) -> str:
        return self.resolved.key

    @property
    def citation(self) -> str:
        return str(self.resolved.citation)


@dataclass(frozen=True)
class CountryAllocation(_Limit):
    """The country allocation in force on a date in a mode (742.6(b)(10)(iii)(B))."""

    count_from: date
    #: Supp. 5(a) and Macau/D:5 on the date: no allocation there
    excluded: frozenset[str]
    as_of: date
    effective: Callable[[str], str] = field(repr=False, compare=False)

    @property
    def last_year(self) -> int:
        """The last calendar year the allocation runs (its value's end; the day's year if open-ended)."""
        return self.resolved.end.year if self.resolved.end is not None else self.as_of.year

    @property
    def years(self) -> list[int]:
        """The calendar years it sums: from the count-from year to its last year."""
        return list(range(self.count_from.year, self.last_year + 1))

    def applies_to(self, country: str) -> bool:
        """Whether ``country`` (as given: Hong Kong counts as China) has an allocation."""
        return self.effective(country) not in self.excluded


def country_allocation(view: View) -> CountryAllocation | None:
    """The country allocation in force on the view's date in its mode, or None.

    ``view`` is ``rules.at(day, mode)``, or a determination's trace (which then records the keys read)."""
    r = view.resolve(ALLOCATION_KEY)
    if r.value is None:
        return None
    count_from = date.fromisoformat(str(view.resolve(ALLOCATION_FROM_KEY).value))
    excluded: set[str] = set()
    for key in ALLOCATION_EXCLUDED_KEYS:
        excluded |= set(view.resolve(key).value or ())
    at = _at(view)
    return CountryAllocation(r, count_from, frozenset(excluded), at.as_of, lambda cc: at.effective_country(cc)[0])


@dataclass(frozen=True)
class LppScope:
    """Where License Exception LPP (and so its cap) cannot apply: D:5 and Macau (740.29)."""

    excluded: Resolved
    effective: Callable[[str], str] = field(repr=False, compare=False)

    def applies_to(self, *countries: str | None) -> bool:
        """Whether LPP and its cap can apply to a consignee with these countries — where it is located or the
        items go, its HQ, its ultimate parent's HQ (None: not known, ignored). Hong Kong counts as China."""
        excluded = self.excluded.value or frozenset()
        return not any(cc is not None and self.effective(cc) in excluded for cc in countries)


def lpp_scope(view: View) -> LppScope:
    at = _at(view)
    return LppScope(view.resolve(LPP_EXCLUDED_KEY), lambda cc: at.effective_country(cc)[0])


@dataclass(frozen=True)
class LppCap(_Limit):
    """License Exception LPP's yearly cap per ultimate consignee, in force on a date in a mode (740.29)."""

    scope: LppScope


    def applies_to(self, *countries: str | None) -> bool:
        """See :meth:`LppScope.applies_to`."""
        return self.scope.applies_to(*countries)


def lpp_cap(view: View) -> LppCap | None:
    """LPP's per-consignee yearly cap in force on the view's date in its mode, or None (LPP not available)."""
    if not view.resolve(LPP_AVAILABLE_KEY).value:
        return None
    scope = lpp_scope(view)
    r = view.resolve(LPP_CAP_KEY)
    if r.value is None:
        return None
    return LppCap(r, scope)


def counted_from(view: View, country: str) -> date:
    """Where the TPP counted for ``country`` starts on the view's date: the allocation's count-from date
    where the country has an allocation, else 1 January of the year (the year's TPP, shown to people)."""
    alloc = country_allocation(view)
    if alloc is not None and alloc.applies_to(country):
        return alloc.count_from
    return date(_at(view).as_of.year, 1, 1)


def country_tpp_used(ledger: TppLedger, view: View, country: str) -> float:
    """Country TPP used: what ``ledger`` holds to ``country`` from the allocation's count-from date to the
    view's day (for a country without an allocation: this calendar year's, see :func:`counted_from`)."""
    return float(ledger.allocation_used_tpp(country, counted_from(view, country), _at(view).as_of))


def lpp_tpp_used(ledger: TppLedger, ultimate_consignee: str, year: int) -> float:
    """LPP TPP used: what ``ledger`` holds as shipped under LPP to ``ultimate_consignee`` in ``year``."""
    return float(ledger.lpp_used_tpp(ultimate_consignee, year))


@dataclass
class TppUsed:
    """Country TPP used and LPP TPP used while a package's lines are determined one after another: what the
    ledger holds plus the lines already determined, so a package cannot pass a limit line by line."""

    country: dict[str, float] = field(default_factory=dict)
    lpp: dict[str, float] = field(default_factory=dict)

    @classmethod
    def from_ledger(
        cls,
        ledger: TppLedger | None,
        countries: list[str],
        consignees: list[str],
        as_of: date,
        mode: Mode,
        rules: RuleSet,
    ) -> TppUsed:
        used = cls()
        if ledger is None:
            return used
        view = rules.at(as_of, mode)
        for cc in countries:
            used.country[cc] = country_tpp_used(ledger, view, cc)
        for name in consignees:
            used.lpp[name] = lpp_tpp_used(ledger, name, as_of.year)
        return used

    def add(self, country: str, ultimate_consignee: str, tpp: float, license_exception: str | None) -> None:
        """Count one determined transaction: all of its TPP to the country, and to the consignee's LPP TPP
        when it goes under LPP."""
        self.country[country] = self.country.get(country, 0.0) + tpp
        if license_exception == LPP_EXCEPTION:
            self.lpp[ultimate_consignee] = self.lpp.get(ultimate_consignee, 0.0) + tpp
