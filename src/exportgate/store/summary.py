"""What ``exportgate ledger show`` reports: cumulative TPP per country and end user, against the
allocation and caps in force (from the rule data; see ``exportgate.store.allocations``)."""

from __future__ import annotations

from datetime import date
from typing import Any

from exportgate.rules import Mode, RuleSet, load_rules
from exportgate.store.allocations import consignee_cap, country_allocation
from exportgate.store.ledger import Ledger


def ledger_summary(
    ledger: Ledger,
    as_of: date,
    mode: Mode = Mode.ENFORCED,
    country: str | None = None,
    year: int | None = None,
    end_user: str | None = None,
    rules: RuleSet | None = None,
) -> dict[str, Any]:
    """The ledger as of ``as_of``: per country (with the allocation in force and how much of it is
    used), per end user and year (with LPP's yearly cap where in force), and the totals."""
    rules = rules or load_rules()
    rules.check_date(as_of, field="as_of")
    totals = ledger.totals(country=country, year=year, end_user=end_user, as_of=as_of)
    allocation = country_allocation(as_of, mode, rules)

    countries: list[dict[str, Any]] = []
    for cc, tpp in sorted(totals.per_country.items()):
        by_year = {r.year: r.tpp for r in totals.countries if r.country == cc}
        row: dict[str, Any] = {"country": cc, "tpp": tpp, "by_year": {str(y): v for y, v in sorted(by_year.items())},
                               "allocation": None}
        if allocation is not None and allocation.applies_to(cc):
            # Use of the allocation counts every entry of its years, whatever the --year filter.
            used = ledger.country_tpp(cc, allocation.years, as_of)
            row["allocation"] = {
                "key": allocation.key,
                "tpp": allocation.tpp,
                "years": [allocation.first_year, allocation.last_year],
                "used": used,
                "remaining": allocation.tpp - used,
                "exceeded": used > allocation.tpp,
                "citation": allocation.citation,
            }
        countries.append(row)

    end_users: list[dict[str, Any]] = []
    for r in totals.end_users:
        cap_day = min(as_of, date(r.year, 12, 31))
        cap = consignee_cap(cap_day, mode, rules) if cap_day >= rules.regime_start else None
        row = {"end_user": r.end_user, "country": r.country, "year": r.year, "tpp": r.tpp, "cap": None}
        if cap is not None and r.country not in cap.excluded:
            row["cap"] = {
                "key": cap.key,
                "tpp": cap.tpp,
                "lpp_tpp": r.lpp_tpp,
                "remaining": cap.tpp - r.lpp_tpp,
                "exceeded": r.lpp_tpp > cap.tpp,
                "citation": cap.citation,
                "note": "the cap counts what was shipped under License Exception LPP (lpp_tpp)",
            }
        end_users.append(row)

    return {
        "as_of": as_of.isoformat(),
        "mode": mode.value,
        "filters": {"country": country, "year": year, "end_user": end_user},
        "database": ledger.url,
        "records": ledger.record_count(),
        "total_tpp": totals.total_tpp,
        "countries": countries,
        "end_users": end_users,
        "allocation_in_force": None if allocation is None else {
            "key": allocation.key, "tpp": allocation.tpp, "years": [allocation.first_year, allocation.last_year],
            "citation": allocation.citation,
        },
    }
