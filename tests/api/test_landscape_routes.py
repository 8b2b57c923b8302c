"""``/landscape`` (issue 18: the REST API shows the views of ``exportgate landscape``): the figures of real lists
against an independent count of the shipped facts file, the lead changes, and bad input as a 422 naming the
query parameter. On the shipped facts (no ../shared needed); once on SQLite and once on PostgreSQL."""

from __future__ import annotations

import csv
import gzip
import io
from typing import Any

import pytest

from exportgate.landscape.facts import SHIPPED


def _shipped(edition: str) -> dict[str, int]:
    """Systems per country on one list: the shipped facts file read with the csv module, not the landscape code."""
    text = gzip.decompress(SHIPPED.read_bytes()).decode("utf-8")
    return {row["country"]: int(row["systems"]) for row in csv.DictReader(io.StringIO(text))
            if row["edition"] == edition}


def test_the_landscape_views_through_the_api(team_db: Any, api_client: Any) -> None:
    client = api_client(team_db, "analyst")
    nov18 = client.get("/landscape/countries", params={"edition": "2018-11", "top": 3, "source": "shipped"})
    assert nov18.status_code == 200, nov18.text
    data = nov18.json()
    counted = _shipped("2018-11")
    assert sum(counted.values()) == 500 and data["systems"] == 500
    assert [(r["country"], r["systems"]) for r in data["rows"]] == [("CN", 227), ("US", 109), ("JP", 31)]
    assert [r["systems"] for r in data["rows"]] == sorted(counted.values(), reverse=True)[:3]
    assert data["citation"] == "TOP500.org, list of November 2018" and data["countries"] == len(counted)
    # no edition: the latest list; no imported lists in this store, so 'auto' is the shipped facts
    latest = client.get("/landscape/countries").json()
    assert latest["edition"] == "2026-06" and latest["source"] == "shipped"
    assert {r["country"]: r["systems"] for r in latest["rows"]} == {c: n for c, n in _shipped("2026-06").items() if n}

    cn = client.get("/landscape/country/China").json()
    assert cn["country"] == "CN" and len(cn["editions"]) == 67
    assert {s["edition"]: s["systems"] for s in cn["editions"]}["2018-11"] == 227
    assert ("2016-06", "systems") in {(c["edition"], c["measure"]) for c in cn["lead_changes"] if c["leader"] == "CN"}

    both = client.get("/landscape/compare", params={"country": ["US", "CN"]}).json()
    assert both["countries"] == ["US", "CN"]
    assert ("2023-06", "systems", "US", "CN") in {(c["edition"], c["measure"], c["leader"], c["previous"])
                                                 for c in both["lead_changes"]}


@pytest.mark.parametrize(
    ("path", "params", "field", "problem"),
    [
        ("/landscape/countries", {"edition": "2018-07"}, "edition", "published in June (06) and November (11)"),
        ("/landscape/countries", {"top": 0}, "top", ""),
        ("/landscape/country/Narnia", {}, "country", "unknown country 'Narnia'"),
        ("/landscape/compare", {"country": ["US", "US"]}, "countries", "US given more than once"),
        ("/landscape/compare", {"country": ["US"]}, "country", ""),
    ],
)
def test_bad_landscape_input_is_a_422_naming_the_parameter(path: str, params: dict[str, Any], field: str,
                                                           problem: str, team_db: Any, api_client: Any) -> None:
    answer = api_client(team_db, "analyst").get(path, params=params)
    assert answer.status_code == 422, answer.text
    errors = answer.json()["errors"]
    assert any(field in e["field"] and problem in e["problem"] for e in errors), errors


def test_the_landscape_needs_a_key(team_db: Any, api_client: Any) -> None:
    assert api_client(team_db, None).get("/landscape/countries").status_code == 401
