"""Compute tally: total TPP a package sends per destination and per end user, against the country
allocation and License Exception LPP's cap in force, given what the compute ledger already holds.

The limits, which countries and consignees they apply to, and the two quantities counted against them
("country TPP used", "LPP TPP used") have one reading, in :mod:`exportgate.determine.allocation`, shared
with the determination and the ledger summary. The ledger is any :class:`TppLedger` (``store.Ledger``, or
:class:`StaticLedger` in memory), so the tally is computed and tested without a database.

Each row says whether a limit is ``exceeded``; the ``notes`` repeat it in words for people (nothing
downstream needs to read them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from exportgate.determine.allocation import (
    LPP_EXCEPTION,
    TppLedger,
    country_allocation,
    country_tpp_used,
    lpp_cap,
    lpp_tpp_used,
)
from exportgate.packages.memo import Compute, DestinationTally, EndUserTally
from exportgate.rules import Mode, RuleSet

#: the one ledger protocol (kept under its old name here)
LedgerView = TppLedger


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


@dataclass
class StaticLedger:
    """A ledger held in memory: ``{(country, year): tpp}``, ``{(end_user, year): tpp}`` and the part of the
    latter shipped under License Exception LPP (tests, and the ``ledger_totals=`` argument of
    :func:`exportgate.packages.check_package`). End users match case-insensitively, as in the store."""

    countries: dict[tuple[str, int], float] = field(default_factory=dict)
    end_users: dict[tuple[str, int], float] = field(default_factory=dict)
    lpp: dict[tuple[str, int], float] = field(default_factory=dict)

    def allocation_used_tpp(self, country: str, count_from: date, as_of: date) -> float:
        years = range(count_from.year, as_of.year + 1)
        return sum(v for (c, y), v in self.countries.items() if c == country.upper() and y in years)

    def lpp_used_tpp(self, ultimate_consignee: str, year: int) -> float:
        key = _key(ultimate_consignee)
        return sum(v for (e, y), v in self.lpp.items() if _key(e) == key and y == year)

    def end_user_tpp(self, end_user: str, year: int, as_of: date) -> float:
        key = _key(end_user)
        return sum(v for (e, y), v in self.end_users.items() if _key(e) == key and y == year)

    def excluding(self, package_name: str) -> StaticLedger:
        """Totals given as numbers carry no package names: nothing to leave out."""
        return self

    @classmethod
    def from_totals(cls, totals: dict[str, Any]) -> StaticLedger:
        """Build from a totals dict: ``{"countries": [{"country", "year", "tpp"}], "end_users": [{"end_user",
        "year", "tpp", "lpp_tpp"}]}`` (the shape ``Ledger.totals().to_json()`` returns; see
        docs/usage/packages.md). ``lpp_tpp`` (the part shipped under LPP) is 0 when absent."""
        led = cls()
        for row in totals.get("countries", totals.get("per_country", [])) or []:
            k = (str(row["country"]), int(row["year"]))
            led.countries[k] = led.countries.get(k, 0.0) + float(row["tpp"])
        for row in totals.get("end_users", totals.get("per_end_user", [])) or []:
            k = (str(row["end_user"]), int(row["year"]))
            led.end_users[k] = led.end_users.get(k, 0.0) + float(row["tpp"])
            led.lpp[k] = led.lpp.get(k, 0.0) + float(row.get("lpp_tpp") or 0.0)
        return led


@dataclass
class Contribution:
    """TPP one line sends to one destination / end user."""

    line: str
    destination: str
    end_user: str
    tpp: float
    level: str | None  # "a" | "b" | None
    #: the determination authorized it under License Exception LPP (counts against LPP's cap)
    lpp: bool = False
    #: the ultimate consignee LPP's cap is counted for (the end user's ultimate parent); default the end user
    consignee: str | None = None

    @property
    def ultimate_consignee(self) -> str:
        return self.consignee or self.end_user


def tally(
    contributions: list[Contribution],
    end_user_hq: dict[str, tuple[str, str]],
    as_of: date,
    mode: Mode,
    rules: RuleSet,
    ledger: TppLedger | None,
    allocation_countries: set[str] | None = None,
) -> Compute:
    """The ``compute`` block of the memo.

    ``end_user_hq`` maps an end user to (located in, HQ country): LPP's cap does not apply where either is
    D:5/Macau. ``allocation_countries`` are the destinations where a determination reviewed a licence under
    the country allocation; an allocation exceeded there makes that review policy denial (``exceeded`` and
    ``allocation_applied`` on the row). Which countries *have* an allocation is the allocation rule's."""
    per_dest: dict[str, float] = {}
    per_eu: dict[str, float] = {}
    lpp_per_consignee: dict[str, float] = {}
    consignee_of: dict[str, str] = {}
    for c in contributions:
        per_dest[c.destination] = per_dest.get(c.destination, 0.0) + c.tpp
        per_eu[c.end_user] = per_eu.get(c.end_user, 0.0) + c.tpp
        consignee_of.setdefault(c.end_user, c.ultimate_consignee)
        if c.lpp:
            lpp_per_consignee[c.ultimate_consignee] = lpp_per_consignee.get(c.ultimate_consignee, 0.0) + c.tpp

    view = rules.at(as_of, mode)
    alloc = country_allocation(view)
    applied = allocation_countries or set()
    notes: list[str] = []
    rows: list[DestinationTally] = []
    for country in sorted(per_dest):
        tpp = per_dest[country]
        has = alloc is not None and alloc.applies_to(country)
        years = alloc.years if alloc is not None and has else [as_of.year]
        before = country_tpp_used(ledger, view, country) if ledger else 0.0
        limit = alloc.tpp if alloc is not None and has else None
        remaining = limit - before - tpp if limit is not None else None
        exceeded = remaining is not None and remaining < 0
        rows.append(DestinationTally(
            country=country,
            tpp=tpp,
            allocation=limit,
            ledger_years=years,
            ledger_before=before,
            after_package=before + tpp,
            remaining=remaining,
            exceeded=exceeded,
            allocation_applied=country in applied,
            citation=alloc.citation if alloc is not None and has else None,
        ))
        if exceeded and alloc is not None:
            if country in applied:
                notes.append(
                    f"{country}: this package takes cumulative TPP for {years[0]}-{years[-1]} to {before + tpp:,.0f}, "
                    f"over the {alloc.tpp:,.0f} country allocation; the review policy becomes denial ({alloc.citation})"
                )
            else:
                notes.append(
                    f"{country}: cumulative TPP for {years[0]}-{years[-1]} would reach {before + tpp:,.0f}, beyond the "
                    f"{alloc.tpp:,.0f} country allocation; no licence in this package is reviewed under it "
                    f"({alloc.citation})"
                )

    cap = lpp_cap(view)
    noted: set[str] = set()
    eu_rows: list[EndUserTally] = []
    for eu in sorted(per_eu):
        country, hq = end_user_hq.get(eu, ("", ""))
        consignee = consignee_of.get(eu, eu)
        has_cap = cap is not None and cap.applies_to(country or None, hq or None)
        before = ledger.end_user_tpp(eu, as_of.year, as_of) if ledger else 0.0
        lpp_this = lpp_per_consignee.get(consignee, 0.0)
        lpp_before = lpp_tpp_used(ledger, consignee, as_of.year) if ledger and has_cap else 0.0
        remaining = cap.tpp - lpp_before - lpp_this if cap is not None and has_cap else None
        exceeded = remaining is not None and remaining < 0
        eu_rows.append(EndUserTally(
            end_user=eu,
            country=country,
            hq=hq or None,
            ultimate_consignee=consignee,
            tpp=per_eu[eu],
            cap=cap.tpp if cap is not None and has_cap else None,
            cap_applies_to_tpp=lpp_this if has_cap else None,
            lpp_tpp=lpp_this,
            lpp_before=lpp_before if has_cap else None,
            year=as_of.year,
            ledger_before=before,
            after_package=before + per_eu[eu],
            remaining=remaining,
            exceeded=exceeded,
            citation=cap.citation if cap is not None and has_cap else None,
        ))
        if exceeded and cap is not None and consignee not in noted:
            noted.add(consignee)
            notes.append(
                f"{consignee}: TPP under License Exception {LPP_EXCEPTION} this year would reach "
                f"{lpp_before + lpp_this:,.0f}, over the {cap.tpp:,.0f} per-consignee yearly cap ({cap.citation})"
            )
    return Compute(
        per_destination=rows,
        per_end_user=eu_rows,
        total_tpp=sum(per_dest.values()),
        notes=notes,
    )
