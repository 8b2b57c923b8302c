"""The views on the shipped per-country facts (no ../shared needed), and their logic on small facts."""

from __future__ import annotations

import math

import pytest
from pydantic import ValidationError

from exportgate.errors import InputError
from exportgate.landscape import views
from exportgate.landscape.editions import citation, edition_number
from exportgate.landscape.facts import CountryFacts, Facts, read_facts, shipped_facts

SHIPPED = read_facts()
FACTS = shipped_facts()


def systems(edition: str) -> dict[str, int]:
    return {f.country: f.systems for f in SHIPPED[edition]}


# --- the shipped facts --------------------------------------------------------------------------------


def test_shipped_facts_cover_every_list_from_1993_06_to_2026_06() -> None:
    editions = list(SHIPPED)
    assert editions[0] == "1993-06" and editions[-1] == "2026-06"
    assert [edition_number(e) for e in editions] == list(range(1, 68))  # none missing
    for edition, facts in SHIPPED.items():
        assert sum(f.systems for f in facts) == 500, edition
        assert sum(f.top10 for f in facts) == 10, edition
        assert [f.best_rank for f in facts].count(1) == 1, edition  # one country holds no. 1
        assert all(f.best_rank <= 500 - f.systems + 1 and f.rmax_tflops > 0 for f in facts), edition


def test_shipped_facts_of_the_issue() -> None:
    """November 2018: China 227 systems against 109 for the US, which had 5 of the top 10."""
    nov18 = {f.country: f for f in SHIPPED["2018-11"]}
    assert (nov18["CN"].systems, nov18["US"].systems, nov18["US"].top10) == (227, 109, 5)
    assert {f.country: f.top10 for f in SHIPPED["2025-06"]}["US"] == 4


def test_the_list_total_rmax_grows_by_orders_of_magnitude() -> None:
    total = {e: math.fsum(f.rmax_tflops for f in facts) for e, facts in SHIPPED.items()}
    assert 1 < total["1993-06"] < 2  # 1.1 TFlop/s for the whole first list
    assert total["2026-06"] > 1e6 * total["1993-06"]


# --- countries ----------------------------------------------------------------------------------------


def test_countries_on_one_list() -> None:
    view = views.countries("2018-11", facts=FACTS)
    assert (view.edition, view.number, view.source, view.systems) == ("2018-11", 52, "shipped", 500)
    assert view.countries == len(SHIPPED["2018-11"]) == len(view.rows)
    assert math.isclose(sum(r.systems_pct for r in view.rows), 100.0)
    assert math.isclose(sum(r.rmax_pct for r in view.rows), 100.0)
    assert [r.country for r in view.rows[:2]] == ["CN", "US"]
    assert view.rows[0].systems_pct == pytest.approx(45.4)
    # places by systems: competition ranking, recomputed here
    counts = systems("2018-11")
    for row in view.rows:
        assert row.rank_by_systems == 1 + sum(1 for n in counts.values() if n > counts[row.country])
    by_rmax = sorted(view.rows, key=lambda r: -r.rmax_tflops)
    assert by_rmax[0].country == "US" and by_rmax[0].rank_by_rmax == 1
    assert views.countries("2018-11", top=3, facts=FACTS).rows == view.rows[:3]


def test_countries_defaults_to_the_latest_list_and_refuses_others() -> None:
    assert views.countries(facts=FACTS).edition == "2026-06"
    with pytest.raises(InputError, match="--edition: no facts for 2026-11"):
        views.countries("2026-11", facts=FACTS)
    with pytest.raises(InputError, match="--top: must be at least 1"):
        views.countries(top=0, facts=FACTS)


# --- one country --------------------------------------------------------------------------------------


def test_a_country_on_every_list() -> None:
    view = views.country("Korea, South", facts=FACTS)
    assert view.country == "KR" and view.name == "South Korea"
    assert [s.edition for s in view.editions] == list(SHIPPED)
    for s in view.editions:
        assert s.systems == systems(s.edition).get("KR", 0)
        assert (s.best_rank is None) == (s.systems == 0)
    listed = [e for e in SHIPPED if systems(e).get("KR")]
    assert (view.first_listed, view.last_listed) == (listed[0], listed[-1])


def test_who_led_the_world_and_when_it_changed() -> None:
    view = views.country("CN", facts=FACTS)
    most = [e for e in SHIPPED if max(systems(e).values()) == systems(e).get("CN")]
    assert view.led_by_systems == most
    assert "2018-11" in view.led_by_systems
    changes = [(c.edition, c.measure, c.leader, c.previous) for c in view.lead_changes]
    assert ("2016-06", "systems", "CN", "US") in changes  # China passed the US in June 2016
    assert all("CN" in (c.leader, c.previous) for c in view.lead_changes)


def test_a_country_never_listed() -> None:
    view = views.country("NP", facts=FACTS)
    assert view.first_listed is None and view.most_systems is None
    assert all(s.systems == 0 for s in view.editions)


# --- compare ------------------------------------------------------------------------------------------


def _leaders(a: str, b: str, measure: str) -> list[str | None]:
    """Who is strictly ahead, a tie keeping the lead where it was: computed here, from the raw facts."""
    held: str | None = None
    out: list[str | None] = []
    for facts in SHIPPED.values():
        by = {f.country: (f.systems if measure == "systems" else f.rmax_tflops) for f in facts}
        va, vb = by.get(a, 0), by.get(b, 0)
        if va != vb:
            held = a if va > vb else b
        out.append(held)
    return out


def test_compare_finds_every_lead_change() -> None:
    view = views.compare(["US", "CN"], facts=FACTS)
    for measure in ("systems", "rmax"):
        expected = _leaders("US", "CN", measure)
        assert view.leaders[measure] == expected
        edits = [e for i, e in enumerate(SHIPPED) if i and expected[i] != expected[i - 1] and expected[i - 1]]
        assert [c.edition for c in view.lead_changes if c.measure == measure] == edits
    assert view.leaders["systems"][list(SHIPPED).index("2018-11")] == "CN"
    assert view.leaders["rmax"][list(SHIPPED).index("2018-11")] == "US"


def test_compare_refuses_one_country_or_the_same_twice() -> None:
    with pytest.raises(InputError, match="countries: compare needs at least two countries"):
        views.compare(["US"], facts=FACTS)
    with pytest.raises(InputError, match="countries: KR given more than once"):
        views.compare(["KR", "Korea, South"], facts=FACTS)
    with pytest.raises(InputError, match=r"countries\[1\]: unknown country 'Atlantis'"):
        views.compare(["US", "Atlantis"], facts=FACTS)


def _facts(rows: dict[str, dict[str, int]]) -> Facts:
    """Small facts: edition -> country -> systems (Rmax = systems), the rest of 500 in 'ZZ'... as 'JP'."""
    out: dict[str, tuple[CountryFacts, ...]] = {}
    for edition, by in rows.items():
        full = {**by, "JP": 500 - sum(by.values())}
        out[edition] = tuple(CountryFacts(edition, c, n, float(n), float(n), 0, 1) for c, n in full.items() if n)
    return Facts(out, dict.fromkeys(out, "shipped"))


def test_a_tie_keeps_the_lead() -> None:
    facts = _facts({"2020-06": {"US": 10, "CN": 5}, "2020-11": {"US": 7, "CN": 7}, "2021-06": {"US": 6, "CN": 9},
                    "2021-11": {"US": 8, "CN": 8}, "2022-06": {"US": 8, "CN": 8}})
    view = views.compare(["US", "CN"], facts=facts)
    assert view.leaders["systems"] == ["US", "US", "CN", "CN", "CN"]
    assert [(c.edition, c.leader, c.previous) for c in view.lead_changes if c.measure == "systems"] == [
        ("2021-06", "CN", "US")]


# --- the destination profile --------------------------------------------------------------------------


def test_profile_on_one_list() -> None:
    p = views.profile("CN", "2018-11", facts=FACTS)
    assert (p.country, p.edition, p.citation, p.source) == ("CN", "2018-11", "TOP500.org, list of November 2018",
                                                            "shipped")
    assert (p.standing.systems, p.standing.rank_by_systems, p.standing.top10) == (227, 1, 2)
    assert (p.list_leader_by_systems, p.list_leader_by_rmax) == ("CN", "US")
    assert p.previous is not None and p.previous.since == "2018-06"
    assert p.previous.systems_change == 227 - systems("2018-06")["CN"]
    assert p.five_years is not None and p.five_years.since == "2013-11"
    assert p.five_years.systems == systems("2013-11")["CN"]
    assert p.five_years.direction == "up"
    assert p.first_listed == next(e for e in SHIPPED if systems(e).get("CN"))
    assert p.editions_listed == sum(1 for e in list(SHIPPED)[:52] if systems(e).get("CN"))
    assert "227 systems (45.4% of the list" in p.summary and "1st of 27 countries by systems" in p.summary


def test_profile_defaults_to_the_latest_list() -> None:
    p = views.profile("AE", facts=FACTS)
    assert p.edition == "2026-06" and p.standing.systems == systems("2026-06").get("AE", 0)


def test_profile_of_a_country_never_listed_and_of_one_gone() -> None:
    never = views.profile("NP", facts=FACTS)
    assert never.standing.systems == 0 and never.first_listed is None and never.editions_listed == 0
    assert never.standing.rank_by_systems is None
    assert never.summary.endswith("and never had one.")
    hk = views.profile("HK", facts=FACTS)  # Hong Kong is counted apart from China, as TOP500 lists it
    last = [e for e in SHIPPED if systems(e).get("HK")][-1]
    assert hk.standing.systems == systems("2026-06").get("HK", 0) == 0
    assert hk.first_listed is not None
    assert f"last listed in {citation(last).removeprefix('TOP500.org, list of ')}" in hk.summary
    then = systems("2021-06").get("HK", 0)
    assert f"(June 2021): {then} system{'' if then == 1 else 's'}," in hk.summary


def test_profile_trend_flat_and_first_lists() -> None:
    rows = {e: {"US": 100, "CN": 50} for e in ("2019-06", "2019-11", "2020-06", "2020-11", "2021-06", "2021-11",
                                               "2022-06", "2022-11", "2023-06", "2023-11", "2024-06")}
    facts = _facts(rows)
    p = views.profile("US", facts=facts)
    assert p.five_years is not None and p.five_years.since == "2019-06" and p.five_years.direction == "flat"
    first = views.profile("US", "2019-06", facts=facts)
    assert first.previous is None and first.five_years is None


def test_profile_refuses_bad_input() -> None:
    with pytest.raises(InputError, match="country: unknown country 'Narnia'"):
        views.profile("Narnia", facts=FACTS)
    with pytest.raises(InputError, match="edition: TOP500 lists are published in June"):
        views.profile("US", "2024-03", facts=FACTS)
    with pytest.raises(InputError, match="edition: the first TOP500 list is 1993-06"):
        views.profile("US", "1992-11", facts=FACTS)


def test_profile_is_json_ready() -> None:
    data = views.profile("SA", facts=FACTS).model_dump(mode="json")
    assert data["country"] == "SA" and isinstance(data["standing"]["rmax_pct"], float)
    assert set(data) >= {"summary", "five_years", "previous", "citation", "source"}


def test_the_tables_of_every_edition_are_built_once_per_facts_and_cannot_be_changed() -> None:
    """A check profiles each destination from every edition's table: built once per facts object and shared,
    so nothing a caller does may change them; other facts (a database's) get tables of their own."""
    first = views.tables(FACTS)
    assert views.tables(FACTS) is first
    with pytest.raises(TypeError):
        first["2018-11"]["CN"] = first["2018-11"]["US"]
    with pytest.raises(ValidationError):
        first["2018-11"]["CN"].systems = 1
    assert views.profile("CN", "2018-11", facts=FACTS).standing.systems == 227
    other = _facts({"2018-11": {"CN": 3, "US": 2}})
    assert views.tables(other)["2018-11"]["CN"].systems == 3
    assert views.profile("CN", "2018-11", facts=other).standing.systems == 3
    assert views.tables(FACTS)["2018-11"]["CN"].systems == 227
