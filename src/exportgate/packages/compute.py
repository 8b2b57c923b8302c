"""Compute tally: total TPP a package sends per destination and per end user, against any allocation or
cap the rules of the day set, given what the compute ledger already holds.

The ledger is reached through :class:`LedgerView` (two questions: cumulative TPP to a country over a set
of years, and to an end user in one year, both as of a date), so the tally can be computed and tested
without a database; :func:`ledger_view` adapts ``exportgate.store.Ledger`` when it is installed.

Allocation and cap parameters are looked up by key in the rule data; where the rule data does not
define them (or they are ``null`` on the date / in the mode), the memo shows no allocation.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from exportgate.rules import Mode, RuleSet


class LedgerView(Protocol):
    def country_tpp(self, country: str, years: Iterable[int] | None, as_of: date) -> float: ...

    def end_user_tpp(self, end_user: str, year: int, as_of: date) -> float: ...


@dataclass
class StaticLedger:
    """A ledger held in memory: ``{(country, year): tpp}`` and ``{(end_user, year): tpp}`` (tests, and the
    ``ledger_totals=`` argument of :func:`exportgate.packages.check_package`)."""

    countries: dict[tuple[str, int], float] = field(default_factory=dict)
    end_users: dict[tuple[str, int], float] = field(default_factory=dict)

    def country_tpp(self, country: str, years: Iterable[int] | None, as_of: date) -> float:
        wanted = set(years) if years is not None else None
        return sum(v for (c, y), v in self.countries.items() if c == country and (wanted is None or y in wanted))

    def end_user_tpp(self, end_user: str, year: int, as_of: date) -> float:
        key = end_user.casefold()
        return sum(v for (e, y), v in self.end_users.items() if e.casefold() == key and y == year)

    @classmethod
    def from_totals(cls, totals: dict[str, Any]) -> StaticLedger:
        """Build from a totals dict: ``{"countries": [{"country", "year", "tpp"}], "end_users": [{"end_user",
        "year", "tpp"}]}`` (the shape ``Ledger.totals()`` returns; see docs/usage/packages.md)."""
        led = cls()
        for row in totals.get("countries", totals.get("per_country", [])) or []:
            k = (str(row["country"]), int(row["year"]))
            led.countries[k] = led.countries.get(k, 0.0) + float(row["tpp"])
        for row in totals.get("end_users", totals.get("per_end_user", [])) or []:
            k = (str(row["end_user"]), int(row["year"]))
            led.end_users[k] = led.end_users.get(k, 0.0) + float(row["tpp"])
        return led


@dataclass
class Contribution:
    """TPP one line sends to one destination / end user."""

    line: str
    destination: str
    end_user: str
    tpp: float
    level: str | None  # "a" | "b" | None
    shared: bool  # the line names several destinations/end users and is counted in full against each


#: rule-data keys for the country allocation (742.6(b)(10)(iii)(B)) and License Exception LPP (740.29);
#: their values come from the rule data, never from code
ALLOCATION_KEY = "policy.allocation.tpp"
ALLOCATION_FROM_KEY = "policy.allocation.count_from"
LPP_AVAILABLE_KEY = "exception.lpp.available"
LPP_CAP_KEY = "exception.lpp.cap_tpp_per_year"
LPP_EXCLUDED_KEY = "exception.diffusion.excluded_destinations"


@dataclass(frozen=True)
class Allocation:
    tpp: float
    count_from: date
    years: list[int]
    citation: str


def allocation_in_force(rules: RuleSet, as_of: date, mode: Mode) -> Allocation | None:
    """The per-country allocation in force on ``as_of`` in ``mode``, with the calendar years it covers
    (from the count-from date to the end of the allocation's period), or None. Which destinations it
    applies to is the determination's call (it reports ``allocation`` on the cases it applied to)."""
    r = rules.resolve(ALLOCATION_KEY, as_of, mode)
    if r.value is None:
        return None
    count_from = date.fromisoformat(str(rules.value(ALLOCATION_FROM_KEY, as_of, mode)))
    last = r.end.year if r.end is not None else as_of.year
    return Allocation(float(r.value), count_from, list(range(count_from.year, last + 1)), str(r.citation))


@dataclass(frozen=True)
class LppCap:
    tpp: float
    excluded: frozenset[str]
    citation: str


def lpp_cap_in_force(rules: RuleSet, as_of: date, mode: Mode) -> LppCap | None:
    if not rules.value(LPP_AVAILABLE_KEY, as_of, mode):
        return None
    r = rules.resolve(LPP_CAP_KEY, as_of, mode)
    if r.value is None:
        return None
    excluded = frozenset(rules.value(LPP_EXCLUDED_KEY, as_of, mode) or [])
    return LppCap(float(r.value), excluded, str(r.citation))


def tally(
    contributions: list[Contribution],
    end_user_hq: dict[str, tuple[str, str]],
    as_of: date,
    mode: Mode,
    rules: RuleSet,
    ledger: LedgerView | None,
    allocation_countries: set[str] | None = None,
) -> dict[str, Any]:
    """The ``compute`` block of the memo. ``end_user_hq`` maps an end user to (located in, HQ country);
    ``allocation_countries`` are the destinations the country allocation applies to (as determined)."""
    per_dest: dict[str, float] = {}
    per_eu: dict[str, float] = {}
    a_level_eu: dict[str, float] = {}
    shared = False
    for c in contributions:
        per_dest[c.destination] = per_dest.get(c.destination, 0.0) + c.tpp
        per_eu[c.end_user] = per_eu.get(c.end_user, 0.0) + c.tpp
        if c.level == "a":
            a_level_eu[c.end_user] = a_level_eu.get(c.end_user, 0.0) + c.tpp
        shared = shared or c.shared

    alloc = allocation_in_force(rules, as_of, mode)
    in_scope = allocation_countries or set()
    notes: list[str] = []
    rows: list[dict[str, Any]] = []
    for country in sorted(per_dest):
        tpp = per_dest[country]
        applies = alloc is not None and country in in_scope
        years = alloc.years if alloc is not None and applies else [as_of.year]
        before = ledger.country_tpp(country, years, as_of) if ledger else 0.0
        row: dict[str, Any] = {
            "country": country,
            "tpp": tpp,
            "allocation": alloc.tpp if alloc is not None and applies else None,
            "ledger_years": years,
            "ledger_before": before,
            "after_package": before + tpp,
            "remaining": (alloc.tpp - before - tpp) if alloc is not None and applies else None,
            "citation": alloc.citation if alloc is not None and applies else None,
        }
        if alloc is not None and applies and row["remaining"] < 0:
            notes.append(
                f"{country}: this package takes cumulative TPP for {years[0]}-{years[-1]} to {before + tpp:,.0f}, "
                f"over the {alloc.tpp:,.0f} country allocation; the review policy becomes denial ({alloc.citation})"
            )
        rows.append(row)

    lpp = lpp_cap_in_force(rules, as_of, mode)
    eu_rows: list[dict[str, Any]] = []
    for eu in sorted(per_eu):
        country, hq = end_user_hq.get(eu, ("", ""))
        has_cap = lpp is not None and eu in a_level_eu and not {country, hq} & lpp.excluded
        before = ledger.end_user_tpp(eu, as_of.year, as_of) if ledger else 0.0
        row = {
            "end_user": eu,
            "country": country,
            "tpp": per_eu[eu],
            "cap": lpp.tpp if lpp is not None and has_cap else None,
            "cap_applies_to_tpp": a_level_eu.get(eu, 0.0) if has_cap else None,
            "year": as_of.year,
            "ledger_before": before,
            "after_package": before + per_eu[eu],
            "remaining": (lpp.tpp - before - a_level_eu[eu]) if lpp is not None and has_cap else None,
            "citation": lpp.citation if lpp is not None and has_cap else None,
        }
        if lpp is not None and has_cap and row["remaining"] < 0:
            notes.append(
                f"{eu}: .a-level TPP this year would reach {before + a_level_eu[eu]:,.0f}, over the "
                f"{lpp.tpp:,.0f} per-consignee yearly cap of License Exception LPP ({lpp.citation})"
            )
        eu_rows.append(row)
    if shared:
        notes.append(
            "some lines name no single destination or end user; they are counted in full against each (conservative)"
        )
    return {
        "per_destination": rows,
        "per_end_user": eu_rows,
        "total_tpp": sum(per_dest.values()) if not shared else None,
        "notes": notes,
    }
