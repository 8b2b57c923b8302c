"""The landscape views: who holds the compute on one list, one country's history, countries compared,
and the destination profile a memo shows. Pure functions of the per-country facts (``facts.py``).

Shares are percentages of the whole list: of its 500 systems, and of the sum of its Rmax. A country's
place (``rank_by_systems``, ``rank_by_rmax``) is its standing among countries, ties sharing a place
(1, 2, 2, 4). The *lead* between countries on a measure is held by the one strictly ahead; a tie keeps
the lead where it was, so a lead change is recorded only when another country moves strictly ahead.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from types import MappingProxyType
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from exportgate.errors import InputError
from exportgate.landscape.countries import display_name, resolve
from exportgate.landscape.editions import citation, edition_number
from exportgate.landscape.facts import LIST_SIZE, CountryFacts, Facts, shipped_facts

Measure = Literal["systems", "rmax"]
MEASURES: tuple[Measure, ...] = ("systems", "rmax")
#: how many editions back the memo's trend looks: ten lists, five years
TREND_EDITIONS = 10


class Standing(BaseModel):
    """One country on one list (frozen: the tables of every edition are built once per facts and shared)."""

    model_config = ConfigDict(frozen=True)

    edition: str
    country: str
    name: str
    systems: int
    systems_pct: float = Field(description="share of the list's 500 systems, percent")
    rmax_tflops: float
    rmax_pct: float = Field(description="share of the list's summed Rmax, percent")
    rpeak_tflops: float
    top10: int
    best_rank: int | None = Field(description="rank of its highest system; None when it has none")
    rank_by_systems: int | None = Field(description="place among countries by systems (1 = most)")
    rank_by_rmax: int | None = Field(description="place among countries by summed Rmax (1 = most)")


class EditionTable(BaseModel):
    """``landscape countries``: every country on one list, most systems first."""

    edition: str
    number: int
    citation: str
    source: str
    systems: int
    rmax_tflops: float
    countries: int = Field(description="countries with at least one system on the list")
    rows: list[Standing]


class LeadChange(BaseModel):
    edition: str
    measure: Measure
    leader: str
    previous: str


class CountryHistory(BaseModel):
    """``landscape country``: one country on every list."""

    country: str
    name: str
    citation: str
    database_editions: list[str] = Field(description="editions read from imported lists (else shipped facts)")
    first_listed: str | None
    last_listed: str | None
    most_systems: Standing | None
    largest_rmax_share: Standing | None
    led_by_systems: list[str] = Field(description="editions where it had the most systems of any country")
    led_by_rmax: list[str] = Field(description="editions where it had the largest summed Rmax")
    lead_changes: list[LeadChange] = Field(description="world lead changes it took part in")
    editions: list[Standing]


class Comparison(BaseModel):
    """``landscape compare``: several countries on every list, and who led among them when."""

    countries: list[str]
    names: dict[str, str]
    citation: str
    database_editions: list[str]
    editions: list[str]
    series: dict[str, list[Standing]]
    leaders: dict[str, list[str | None]] = Field(description="measure -> leader among them, per edition")
    lead_changes: list[LeadChange]


class Trend(BaseModel):
    since: str
    systems: int
    systems_change: int
    rmax_pct: float
    rmax_pct_change: float
    direction: Literal["up", "down", "flat"] = Field(description="by number of systems")


class Profile(BaseModel):
    """A destination's TOP500 standing on one list (the latest by default) and how it moved."""

    country: str
    name: str
    edition: str
    citation: str
    source: str
    standing: Standing
    list_leader_by_systems: str | None
    list_leader_by_rmax: str | None
    previous: Trend | None = Field(description="against the list before")
    five_years: Trend | None = Field(description=f"against the list {TREND_EDITIONS} editions before")
    first_listed: str | None
    editions_listed: int = Field(description="lists up to this one with at least one of its systems")
    summary: str


# --- building blocks ----------------------------------------------------------------------------------


def _places(values: dict[str, float]) -> dict[str, int]:
    """Competition ranking of positive values, largest first (1, 2, 2, 4)."""
    ordered = sorted((v for v in values.values() if v > 0), reverse=True)
    first: dict[float, int] = {}
    for i, v in enumerate(ordered, start=1):
        first.setdefault(v, i)
    return {c: first[v] for c, v in values.items() if v > 0}


def standings(facts: Facts, edition: str) -> dict[str, Standing]:
    """Every country on ``edition`` (those with systems only), by code."""
    rows: Sequence[CountryFacts] = facts.of(edition)
    total_rmax = math.fsum(f.rmax_tflops for f in rows)
    by_systems = _places({f.country: float(f.systems) for f in rows})
    by_rmax = _places({f.country: f.rmax_tflops for f in rows})
    return {
        f.country: Standing(
            edition=edition, country=f.country, name=display_name(f.country), systems=f.systems,
            systems_pct=100.0 * f.systems / LIST_SIZE, rmax_tflops=f.rmax_tflops,
            rmax_pct=100.0 * f.rmax_tflops / total_rmax if total_rmax else 0.0, rpeak_tflops=f.rpeak_tflops,
            top10=f.top10, best_rank=f.best_rank, rank_by_systems=by_systems.get(f.country),
            rank_by_rmax=by_rmax.get(f.country),
        )
        for f in rows
    }


def _absent(edition: str, country: str) -> Standing:
    return Standing(edition=edition, country=country, name=display_name(country), systems=0, systems_pct=0.0,
                    rmax_tflops=0.0, rmax_pct=0.0, rpeak_tflops=0.0, top10=0, best_rank=None,
                    rank_by_systems=None, rank_by_rmax=None)


# facts object's id -> (the facts, its tables): a check's memo profiles each destination from every edition's
# table (34 editions of up to 60 countries, 45 ms of CPU a check when rebuilt each time); facts are
# immutable, so the tables are built once per facts object and shared (a few kept: the shipped facts and
# the facts of a database or two; the object is held so that its id is not reused while it is kept).
_TABLES: dict[int, tuple[Facts, Mapping[str, Mapping[str, Standing]]]] = {}
_TABLES_KEPT = 4


def tables(facts: Facts) -> Mapping[str, Mapping[str, Standing]]:
    """:func:`standings` of every edition, built once per facts object (read-only views)."""
    found = _TABLES.get(id(facts))
    if found is not None and found[0] is facts:
        return found[1]
    built = MappingProxyType({e: MappingProxyType(standings(facts, e)) for e in facts.editions})
    if len(_TABLES) >= _TABLES_KEPT:
        _TABLES.clear()
    _TABLES[id(facts)] = (facts, built)
    return built


def _series(tables_: Mapping[str, Mapping[str, Standing]], country: str) -> list[Standing]:
    """``country`` on every edition, standing at zero where it has no system."""
    return [table.get(country) or _absent(edition, country) for edition, table in tables_.items()]


def _value(measure: Measure) -> Callable[[Standing], float]:
    return (lambda s: float(s.systems)) if measure == "systems" else (lambda s: s.rmax_tflops)


def leaders(series: dict[str, list[Standing]], editions: Sequence[str], measure: Measure) -> list[str | None]:
    """Per edition, the country strictly ahead on ``measure``; a tie (or nobody listed) keeps the lead."""
    value = _value(measure)
    out: list[str | None] = []
    held: str | None = None
    for i in range(len(editions)):
        values = {c: value(s[i]) for c, s in series.items()}
        top = max(values.values(), default=0.0)
        ahead = [c for c, v in values.items() if v == top]
        if top > 0 and len(ahead) == 1:
            held = ahead[0]
        out.append(held)
    return out


def lead_changes(editions: Sequence[str], leaders_: Sequence[str | None], measure: Measure) -> list[LeadChange]:
    changes = []
    for i in range(1, len(editions)):
        before, now = leaders_[i - 1], leaders_[i]
        if before is not None and now is not None and now != before:
            changes.append(LeadChange(edition=editions[i], measure=measure, leader=now, previous=before))
    return changes


def _span(editions: Sequence[str]) -> str:
    if not editions:
        return "TOP500.org"
    if len(editions) == 1:
        return citation(editions[0])
    return f"TOP500.org, lists of {_list_name(editions[0])} to {_list_name(editions[-1])}"


def _database(facts: Facts) -> list[str]:
    return [e for e in facts.editions if facts.sources.get(e) == "database"]


def _facts(facts: Facts | None) -> Facts:
    """The facts given (a database's, from ``exportgate.store.top500.load_facts``), else the shipped ones."""
    return facts if facts is not None else shipped_facts()


# --- the views ----------------------------------------------------------------------------------------


def countries(edition: str | None = None, top: int | None = None, *, facts: Facts | None = None) -> EditionTable:
    """Every country on one list (the latest by default), most systems first (then most Rmax)."""
    facts = _facts(facts)
    chosen = facts.edition(edition)
    if top is not None and top < 1:
        raise InputError("--top", f"must be at least 1, not {top}")
    rows = sorted(tables(facts)[chosen].values(), key=lambda s: (-s.systems, -s.rmax_tflops, s.country))
    return EditionTable(
        edition=chosen, number=edition_number(chosen), citation=citation(chosen), source=facts.sources[chosen],
        systems=sum(s.systems for s in rows), rmax_tflops=math.fsum(s.rmax_tflops for s in rows),
        countries=len(rows), rows=rows[:top] if top is not None else rows,
    )


def country(code: str, *, facts: Facts | None = None) -> CountryHistory:
    """One country on every list, with its peaks and the world lead changes it took part in."""
    facts = _facts(facts)
    cc = resolve(code, "country")
    all_ = tables(facts)
    history = _series(all_, cc)
    listed = [s for s in history if s.systems > 0]
    world = {c: _series(all_, c) for c in sorted({c for table in all_.values() for c in table})}
    changes = [
        change
        for measure in MEASURES
        for change in lead_changes(facts.editions, leaders(world, facts.editions, measure), measure)
        if cc in (change.leader, change.previous)
    ]
    return CountryHistory(
        country=cc, name=display_name(cc), citation=_span(facts.editions), database_editions=_database(facts),
        first_listed=listed[0].edition if listed else None, last_listed=listed[-1].edition if listed else None,
        most_systems=max(listed, key=lambda s: s.systems) if listed else None,
        largest_rmax_share=max(listed, key=lambda s: s.rmax_pct) if listed else None,
        led_by_systems=[s.edition for s in history if s.rank_by_systems == 1],
        led_by_rmax=[s.edition for s in history if s.rank_by_rmax == 1],
        lead_changes=sorted(changes, key=lambda c: (c.edition, c.measure)),
        editions=history,
    )


def compare(codes: Sequence[str], *, facts: Facts | None = None) -> Comparison:
    """Several countries on every list; who led among them on systems and on Rmax, and when that changed."""
    chosen = [resolve(c, f"countries[{i}]") for i, c in enumerate(codes)]
    if len(chosen) < 2:
        raise InputError("countries", "compare needs at least two countries")
    twice = sorted({c for c in chosen if chosen.count(c) > 1})
    if twice:
        raise InputError("countries", f"{', '.join(twice)} given more than once")
    facts = _facts(facts)
    editions = facts.editions
    all_ = tables(facts)
    series = {c: _series(all_, c) for c in chosen}
    lead: dict[str, list[str | None]] = {m: leaders(series, editions, m) for m in MEASURES}
    changes = [change for m in MEASURES for change in lead_changes(editions, lead[m], m)]
    return Comparison(
        countries=chosen, names={c: display_name(c) for c in chosen}, citation=_span(editions),
        database_editions=_database(facts), editions=editions, series=series, leaders=lead,
        lead_changes=sorted(changes, key=lambda c: (c.edition, c.measure)),
    )


def _trend(now: Standing, then: Standing) -> Trend:
    change = now.systems - then.systems
    return Trend(since=then.edition, systems=then.systems, systems_change=change, rmax_pct=then.rmax_pct,
                 rmax_pct_change=now.rmax_pct - then.rmax_pct,
                 direction="up" if change > 0 else "down" if change < 0 else "flat")


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _systems(n: int) -> str:
    return f"{n} system" if n == 1 else f"{n} systems"


def _list_name(edition: str) -> str:
    return citation(edition).removeprefix("TOP500.org, list of ")


def profile(code: str, edition: str | None = None, *, facts: Facts | None = None,
            as_of: date | None = None) -> Profile:
    """The destination profile: ``code``'s standing on ``edition`` (the latest by default; with ``as_of``,
    the latest list out by that day), against the list before and the list five years before, and since
    when it is listed. Any ISO country the rule data knows can be profiled; one that TOP500 never listed
    stands at zero."""
    facts = _facts(facts)
    cc = resolve(code, "country")
    if edition is None and as_of is not None:
        chosen = facts.out_by(as_of)
    else:
        chosen = facts.edition(edition, "edition")
    editions = facts.editions
    at = editions.index(chosen)
    all_ = tables(facts)
    history = _series(all_, cc)
    now = history[at]
    listed_so_far = [s.edition for s in history[: at + 1] if s.systems > 0]
    previous = _trend(now, history[at - 1]) if at >= 1 else None
    five = _trend(now, history[at - TREND_EDITIONS]) if at >= TREND_EDITIONS else None
    table = all_[chosen]
    leader_s = [c for c, s in table.items() if s.rank_by_systems == 1]
    leader_r = [c for c, s in table.items() if s.rank_by_rmax == 1]
    name = display_name(cc)
    if now.systems:
        assert now.rank_by_systems is not None and now.rank_by_rmax is not None
        summary = (
            f"{name} ({cc}) on the TOP500 list of {_list_name(chosen)}: {_systems(now.systems)} "
            f"({now.systems_pct:.1f}% of the list, {now.rmax_pct:.1f}% of its Rmax), {now.top10} in the top 10, "
            f"best rank {now.best_rank}; {_ordinal(now.rank_by_systems)} of {len(table)} countries by systems, "
            f"{_ordinal(now.rank_by_rmax)} by Rmax."
        )
    elif listed_so_far:
        summary = (f"{name} ({cc}) has no system on the TOP500 list of {_list_name(chosen)}; it was last listed "
                   f"in {_list_name(listed_so_far[-1])}.")
    else:
        summary = f"{name} ({cc}) has no system on the TOP500 list of {_list_name(chosen)} and never had one."
    if five is not None and (five.systems or now.systems):
        summary += (f" Five years earlier ({_list_name(five.since)}): {_systems(five.systems)}, "
                    f"{five.rmax_pct:.1f}% of the Rmax.")
    return Profile(
        country=cc, name=name, edition=chosen, citation=citation(chosen), source=facts.sources[chosen],
        standing=now, list_leader_by_systems=leader_s[0] if len(leader_s) == 1 else None,
        list_leader_by_rmax=leader_r[0] if len(leader_r) == 1 else None, previous=previous, five_years=five,
        first_listed=listed_so_far[0] if listed_so_far else None, editions_listed=len(listed_so_far),
        summary=summary,
    )
