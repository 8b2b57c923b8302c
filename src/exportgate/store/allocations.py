"""Allocations and caps in force, looked up in the rule data (never numbers in code).

Keys (see ``src/exportgate/rules/data``), the same the package check uses
(``exportgate.packages.compute``):

- ``policy.allocation.tpp`` — per-country cumulative TPP allocation, 742.6(b)(10)(iii)(B) (text mode,
  2025-01-13 to 2027-12-31: 790,000,000; ``null`` otherwise, and in enforced mode);
- ``policy.allocation.count_from`` — first day whose shipments count against it (2025-01-01);
- ``policy.supp5a.countries`` and ``policy.d5_macau.destinations`` — destinations the allocation does
  not apply to (Supp. 5(a) countries have none; D:5 and Macau get a presumption of denial);
- ``exception.lpp.available``, ``exception.lpp.cap_tpp_per_year`` and
  ``exception.diffusion.excluded_destinations`` — License Exception LPP's cap per ultimate consignee
  per calendar year (740.29: 26,900,000), in force only where LPP is available (text mode from
  2025-01-13), not for D:5 or Macau.

A key missing from the rule data is a bug and raises ``UnknownParameter``; a ``null`` value means
"not in force".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from exportgate.rules import Mode, RuleSet, load_rules

ALLOCATION_KEY = "policy.allocation.tpp"
ALLOCATION_FROM_KEY = "policy.allocation.count_from"
ALLOCATION_NOT_FOR_KEYS = ("policy.supp5a.countries", "policy.d5_macau.destinations")
LPP_AVAILABLE_KEY = "exception.lpp.available"
LPP_CAP_KEY = "exception.lpp.cap_tpp_per_year"
LPP_EXCLUDED_KEY = "exception.diffusion.excluded_destinations"
#: how a determination names License Exception LPP (``license_exception``), as exportgate.determine does
LPP_EXCEPTION = "LPP"


@dataclass(frozen=True)
class CountryAllocation:
    """The country allocation in force: its TPP, the calendar years it sums, the countries outside it."""

    tpp: float
    first_year: int
    last_year: int
    excluded: frozenset[str]
    citation: str
    key: str = ALLOCATION_KEY

    @property
    def years(self) -> list[int]:
        return list(range(self.first_year, self.last_year + 1))

    def applies_to(self, country: str) -> bool:
        return country not in self.excluded


@dataclass(frozen=True)
class ConsigneeCap:
    """LPP's yearly cap per ultimate consignee, if in force."""

    tpp: float
    excluded: frozenset[str]
    citation: str
    key: str = LPP_CAP_KEY


def country_allocation(as_of: date, mode: Mode, rules: RuleSet | None = None) -> CountryAllocation | None:
    """The per-country allocation in force on ``as_of`` in ``mode``, or ``None``."""
    rules = rules or load_rules()
    resolved = rules.resolve(ALLOCATION_KEY, as_of, mode)
    if resolved.value is None:
        return None
    count_from = rules.value(ALLOCATION_FROM_KEY, as_of, mode)
    first = date.fromisoformat(str(count_from)).year if count_from else as_of.year
    last = resolved.end.year if resolved.end is not None else as_of.year
    excluded: set[str] = set()
    for key in ALLOCATION_NOT_FOR_KEYS:
        excluded |= set(rules.value(key, as_of, mode) or [])
    return CountryAllocation(
        tpp=float(resolved.value),
        first_year=first,
        last_year=last,
        excluded=frozenset(excluded),
        citation=str(resolved.citation),
    )


def consignee_cap(as_of: date, mode: Mode, rules: RuleSet | None = None) -> ConsigneeCap | None:
    """LPP's per-consignee yearly cap in force on ``as_of`` in ``mode``, or ``None``."""
    rules = rules or load_rules()
    if not rules.value(LPP_AVAILABLE_KEY, as_of, mode):
        return None
    resolved = rules.resolve(LPP_CAP_KEY, as_of, mode)
    if resolved.value is None:
        return None
    return ConsigneeCap(
        tpp=float(resolved.value),
        excluded=frozenset(rules.value(LPP_EXCLUDED_KEY, as_of, mode) or []),
        citation=str(resolved.citation),
    )
