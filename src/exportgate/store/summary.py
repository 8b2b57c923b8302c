"""What ``exportgate ledger show`` reports: cumulative TPP per country and end user, against the country
allocation and License Exception LPP's cap in force — read, scoped and counted by
:mod:`exportgate.determine.allocation`, as the package check counts them (one reading of the rules)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from exportgate.determine.allocation import country_allocation, country_tpp_used, lpp_cap, lpp_tpp_used
from exportgate.rules import Mode, RuleSet, load_rules
from exportgate.store.ledger import Ledger, end_user_key
from exportgate.store.models import Entry, Record


def recorded_hqs(ledger: Ledger, keys: set[str]) -> dict[str, str]:
    """The HQ country of each end user (by :func:`end_user_key`) as the latest recorded check stated it
    (``compute.per_end_user[].hq``); end users recorded before checks stated it are absent."""
    out: dict[str, str] = {}
    if not keys:
        return out
    ids = select(Entry.record_id).where(Entry.end_user_key.in_(keys))
    with Session(ledger.engine) as session:
        for (result,) in session.execute(select(Record.result).where(Record.id.in_(ids)).order_by(Record.id)):
            compute = result.get("compute") if isinstance(result, dict) else None
            for row in (compute or {}).get("per_end_user") or []:
                if isinstance(row, dict) and row.get("hq") and row.get("end_user"):
                    out[end_user_key(str(row["end_user"]))] = str(row["hq"])
    return {k: v for k, v in out.items() if k in keys}


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
    view = rules.at(as_of, mode)
    allocation = country_allocation(view)

    countries: list[dict[str, Any]] = []
    for cc, tpp in sorted(totals.per_country.items()):
        by_year = {r.year: r.tpp for r in totals.countries if r.country == cc}
        row: dict[str, Any] = {"country": cc, "tpp": tpp, "by_year": {str(y): v for y, v in sorted(by_year.items())},
                               "allocation": None}
        if allocation is not None and allocation.applies_to(cc):
            # The country TPP used counts every entry of the allocation's years, whatever the --year filter.
            used = country_tpp_used(ledger, view, cc)
            row["allocation"] = {
                "key": allocation.key,
                "tpp": allocation.tpp,
                "years": [allocation.count_from.year, allocation.last_year],
                "used": used,
                "remaining": allocation.tpp - used,
                "exceeded": used > allocation.tpp,
                "citation": allocation.citation,
            }
        countries.append(row)

    hqs = recorded_hqs(ledger, {end_user_key(r.end_user) for r in totals.end_users})
    end_users: list[dict[str, Any]] = []
    for r in totals.end_users:
        cap_day = min(as_of, date(r.year, 12, 31))
        cap = lpp_cap(rules.at(cap_day, mode)) if cap_day >= rules.regime_start else None
        hq = hqs.get(end_user_key(r.end_user))
        row = {"end_user": r.end_user, "country": r.country, "hq": hq, "year": r.year, "tpp": r.tpp, "cap": None}
        if cap is not None and cap.applies_to(r.country, hq):
            used = lpp_tpp_used(ledger, r.end_user, r.year)
            row["cap"] = {
                "key": cap.key,
                "tpp": cap.tpp,
                "lpp_tpp": r.lpp_tpp,
                "used": used,
                "remaining": cap.tpp - used,
                "exceeded": used > cap.tpp,
                "citation": cap.citation,
                "note": "the cap counts what was shipped under License Exception LPP to the consignee in the year "
                        "(used; lpp_tpp is this row's part)"
                        + ("" if hq else "; the end user's HQ is not recorded: the cap is scoped by location only"),
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
            "key": allocation.key, "tpp": allocation.tpp, "years": [allocation.count_from.year, allocation.last_year],
            "citation": allocation.citation,
        },
    }
