"""Compute tally arithmetic: per destination and end user, allocations (text mode) and the LPP cap."""

from __future__ import annotations

from datetime import date

import pytest

from exportgate.packages.compute import Contribution, StaticLedger, allocation_in_force, tally
from exportgate.rules import Mode, load_rules

RULES = load_rules()


def _c(dest: str, eu: str, tpp: float, level: str | None = "a", shared: bool = False) -> Contribution:
    return Contribution(line="layers.hardware[0]", destination=dest, end_user=eu, tpp=tpp, level=level, shared=shared)


def test_totals_per_destination_and_end_user_enforced_mode_has_no_allocation() -> None:
    out = tally(
        [_c("SA", "A", 100.0), _c("SA", "B", 50.0), _c("QA", "C", 25.0)],
        {"A": ("SA", "SA"), "B": ("SA", "SA"), "C": ("QA", "QA")},
        date(2026, 10, 1),
        Mode.ENFORCED,
        RULES,
        None,
    )
    rows = {r["country"]: r for r in out["per_destination"]}
    assert rows["SA"]["tpp"] == 150.0 and rows["QA"]["tpp"] == 25.0
    assert rows["SA"]["allocation"] is None and rows["SA"]["remaining"] is None
    assert {r["end_user"]: r["tpp"] for r in out["per_end_user"]} == {"A": 100.0, "B": 50.0, "C": 25.0}
    assert all(r["cap"] is None for r in out["per_end_user"])
    assert out["total_tpp"] == 175.0


def test_text_mode_allocation_uses_the_ledger_over_2025_2027() -> None:
    alloc = allocation_in_force(RULES, date(2026, 10, 1), Mode.TEXT)
    assert alloc is not None
    assert alloc.tpp == 790_000_000
    assert alloc.years == [2025, 2026, 2027]
    assert alloc.count_from == date(2025, 1, 1)
    assert allocation_in_force(RULES, date(2026, 10, 1), Mode.ENFORCED) is None
    ledger = StaticLedger(countries={("SA", 2025): 300_000_000, ("SA", 2026): 400_000_000, ("SA", 2024): 1e9})
    out = tally(
        [_c("SA", "A", 126_656.0 * 250)], {"A": ("SA", "SA")}, date(2026, 10, 1), Mode.TEXT, RULES, ledger, {"SA"}
    )
    row = out["per_destination"][0]
    assert row["ledger_before"] == 700_000_000  # 2024 does not count
    assert row["after_package"] == 700_000_000 + 31_664_000
    assert row["remaining"] == 790_000_000 - 731_664_000
    assert "742.6(b)(10)(iii)(B)" in row["citation"]
    assert not any("country allocation" in n for n in out["notes"])
    # 31.7M of .a-level TPP to one consignee in one year is over LPP's 26.9M cap (text mode)
    assert any("License Exception LPP" in n for n in out["notes"])


def test_allocation_exceeded_is_noted() -> None:
    ledger = StaticLedger(countries={("SA", 2026): 780_000_000})
    out = tally([_c("SA", "A", 20_000_000)], {"A": ("SA", "SA")}, date(2026, 10, 1), Mode.TEXT, RULES, ledger, {"SA"})
    assert out["per_destination"][0]["remaining"] == -10_000_000
    assert any("over the 790,000,000 country allocation" in n for n in out["notes"])


def test_no_allocation_for_supp5a_or_d5() -> None:
    out = tally(
        [_c("JP", "A", 10.0), _c("CN", "B", 10.0)],
        {"A": ("JP", "JP"), "B": ("CN", "CN")},
        date(2026, 10, 1),
        Mode.TEXT,
        RULES,
        None,
    )
    assert all(r["allocation"] is None for r in out["per_destination"])


def test_lpp_cap_per_end_user_and_year_text_mode() -> None:
    ledger = StaticLedger(
        end_users={("Riyadh AI Campus Company", 2026): 20_000_000, ("riyadh ai campus company", 2025): 5e9}
    )
    out = tally(
        [_c("SA", "Riyadh AI Campus Company", 10_000_000), _c("SA", "Riyadh AI Campus Company", 5.0, level="b")],
        {"Riyadh AI Campus Company": ("SA", "SA")},
        date(2026, 10, 1),
        Mode.TEXT,
        RULES,
        ledger,
    )
    row = out["per_end_user"][0]
    assert row["cap"] == 26_900_000
    assert row["ledger_before"] == 20_000_000  # this year only
    assert row["cap_applies_to_tpp"] == 10_000_000  # .a-level only
    assert row["remaining"] == pytest.approx(26_900_000 - 30_000_000)
    assert any("License Exception LPP" in n for n in out["notes"])
    # not in enforced mode, and not for a consignee headquartered in D:5
    out = tally([_c("SA", "X", 1.0)], {"X": ("SA", "SA")}, date(2026, 10, 1), Mode.ENFORCED, RULES, None)
    assert out["per_end_user"][0]["cap"] is None
    out = tally([_c("SA", "X", 1.0)], {"X": ("SA", "CN")}, date(2026, 10, 1), Mode.TEXT, RULES, None)
    assert out["per_end_user"][0]["cap"] is None


def test_shared_lines_are_counted_in_full_and_noted() -> None:
    out = tally(
        [_c("SA", "A", 10.0, shared=True), _c("QA", "B", 10.0, shared=True)],
        {"A": ("SA", "SA"), "B": ("QA", "QA")},
        date(2026, 10, 1),
        Mode.ENFORCED,
        RULES,
        None,
    )
    assert out["total_tpp"] is None
    assert any("counted in full" in n for n in out["notes"])


def test_static_ledger_from_totals() -> None:
    led = StaticLedger.from_totals(
        {
            "countries": [{"country": "SA", "year": 2026, "tpp": 5}],
            "end_users": [{"end_user": "E", "year": 2026, "tpp": 7}],
        }
    )
    assert led.country_tpp("SA", [2026], date(2026, 1, 1)) == 5
    assert led.end_user_tpp("e", 2026, date(2026, 1, 1)) == 7
