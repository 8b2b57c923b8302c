"""The memo's destination profile: each destination's TOP500 standing on the list out by the check's date,
beside the ledger's tally for it and what the package adds; context only (it never changes a verdict)."""

from __future__ import annotations

import csv
import gzip
import io
from datetime import date
from pathlib import Path

from exportgate.landscape.facts import SHIPPED
from exportgate.packages import check_package, load_package
from exportgate.packages.memo import Compute, DestinationTally
from exportgate.packages.profile import destination_profiles
from exportgate.reports.render import render

EXAMPLES = Path(__file__).resolve().parents[2] / "src" / "exportgate" / "packages" / "examples"


def _systems(edition: str, country: str) -> int:
    """Independent of the landscape code: the shipped facts file read with the csv module."""
    text = gzip.decompress(SHIPPED.read_bytes()).decode("utf-8")
    for row in csv.DictReader(io.StringIO(text)):
        if row["edition"] == edition and row["country"] == country:
            return int(row["systems"])
    return 0


def test_the_list_is_the_one_out_by_the_check_date() -> None:
    # the November 2018 list is out from December 2018 on; on 1 November 2018 the June list is the latest
    dec = {p.country: p for p in destination_profiles(["CN", "US"], date(2018, 12, 3), Compute())}
    assert dec["CN"].edition == "2018-11" and dec["CN"].systems == _systems("2018-11", "CN") == 227
    assert dec["US"].systems == _systems("2018-11", "US") == 109
    assert dec["CN"].rank_by_systems == 1 and dec["US"].rank_by_systems == 2
    assert dec["CN"].trend_since == "2013-11"
    assert dec["CN"].systems_change == 227 - _systems("2013-11", "CN")
    nov = destination_profiles(["CN"], date(2018, 11, 1), Compute())[0]
    assert nov.edition == "2018-06" and nov.systems == _systems("2018-06", "CN")


def test_the_ledger_tally_stands_beside_the_standing() -> None:
    compute = Compute(per_destination=[DestinationTally(country="AE", tpp=27_648_000.0, ledger_before=5_000_000.0,
                                                        ledger_years=[2026])])
    ae = destination_profiles(["AE"], date(2026, 10, 1), compute)[0]
    assert (ae.ledger_tpp, ae.package_tpp, ae.after_package, ae.ledger_years) == (
        5_000_000.0, 27_648_000.0, 32_648_000.0, [2026])
    assert ae.edition == "2026-06" and ae.systems == _systems("2026-06", "AE")


def test_a_country_never_listed_and_a_day_before_the_first_list() -> None:
    never = destination_profiles(["MN"], date(2026, 10, 1), Compute())[0]  # Mongolia: never on a TOP500 list
    assert never.systems == 0 and never.summary.endswith("and never had one.") and never.name == "Mongolia"
    early = destination_profiles(["US"], date(1993, 1, 4), Compute())[0]
    assert early.edition is None and "no TOP500 list had been published by 1993-01-04" in early.summary


def test_the_memo_shows_each_destination_and_replays_with_the_date() -> None:
    loaded = load_package(EXAMPLES / "05-gulf-regional.yaml")
    memo = check_package(loaded)
    profiles = {p.country: p for p in memo.destination_profiles}
    assert set(profiles) == set(memo.package.destinations) == {"AE", "QA"}
    assert profiles["QA"].systems == _systems(profiles["QA"].edition or "", "QA")
    tallies = {t.country: t.tpp for t in memo.compute.per_destination}
    assert profiles["AE"].package_tpp == tallies["AE"] > 0
    text = str(render(memo.to_json(), "md"))
    assert "### Destinations in the compute landscape" in text and profiles["AE"].summary in text
    older = check_package(loaded, as_of=date(2025, 3, 1))
    assert older.destination_profiles[0].edition == "2024-11"
    assert older.verify_hash() and memo.verify_hash()
