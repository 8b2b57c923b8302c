"""The memo's destination profile: each destination's standing in the compute landscape (TOP500, from the
shipped per-country facts) beside what the ledger has recorded for it and what the package adds.

It is context for the reviewer, never an input to the verdict. The list is the latest one out by the
check's date (``Facts.out_by``), so replaying a check as of a past day shows the landscape of that day,
and the shipped facts (not a user's imported lists) keep the memo the same on every machine.
"""

from __future__ import annotations

from datetime import date

from exportgate.errors import InputError
from exportgate.landscape import profile as landscape_profile
from exportgate.landscape.countries import display_name
from exportgate.packages.memo import Compute, DestinationProfile


def destination_profiles(destinations: list[str], day: date, compute: Compute) -> list[DestinationProfile]:
    """One profile per destination, in the package's order."""
    tallies = {t.country: t for t in compute.per_destination}
    out: list[DestinationProfile] = []
    for code in destinations:
        tally = tallies.get(code)
        ledger = tally.ledger_before if tally else 0.0
        adds = tally.tpp if tally else 0.0
        compute_part = {"ledger_tpp": ledger, "ledger_years": list(tally.ledger_years) if tally else [],
                        "package_tpp": adds, "after_package": ledger + adds}
        try:
            p = landscape_profile(code, as_of=day)
        except InputError as exc:  # a country TOP500 cannot place, or a day before the first list
            out.append(DestinationProfile(country=code, name=display_name(code),
                                          summary=f"No TOP500 standing: {exc.problem}.", **compute_part))
            continue
        five = p.five_years
        out.append(DestinationProfile(
            country=p.country, name=p.name, edition=p.edition, citation=p.citation,
            systems=p.standing.systems, systems_pct=p.standing.systems_pct, rmax_pct=p.standing.rmax_pct,
            top10=p.standing.top10, best_rank=p.standing.best_rank, rank_by_systems=p.standing.rank_by_systems,
            rank_by_rmax=p.standing.rank_by_rmax, trend_since=five.since if five else None,
            systems_change=five.systems_change if five else None,
            rmax_pct_change=five.rmax_pct_change if five else None, summary=p.summary, **compute_part,
        ))  # fmt: skip
    return out
