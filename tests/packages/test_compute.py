"""Compute tally arithmetic: per destination and end user, the country allocation (text mode) and LPP's cap,
read as ``exportgate.determine.allocation`` reads them (the ledger summary's agreement with the tally is
tested against a real ledger in ``tests/store/test_store_ledger.py``)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from exportgate.determine import determine, parse_case
from exportgate.determine.allocation import country_allocation, lpp_cap
from exportgate.packages.compute import Contribution, StaticLedger, tally
from exportgate.rules import Mode, load_rules

RULES = load_rules()
DAY = date(2026, 10, 1)
H100 = {"eccn": "3A090.a.1", "tpp": 15832, "datacenter_designed_or_marketed": True, "total_dram_bandwidth_gbps": 3350}


def _tally(*args: Any) -> dict[str, Any]:
    """The compute block as the memo's JSON shows it."""
    return tally(*args).model_dump(mode="json")


def _c(dest: str, eu: str, tpp: float, level: str | None = "a", lpp: bool = False,
       consignee: str | None = None) -> Contribution:
    return Contribution(line="layers.hardware[0]", destination=dest, end_user=eu, tpp=tpp, level=level,
                        lpp=lpp, consignee=consignee)


def test_totals_per_destination_and_end_user_enforced_mode_has_no_allocation() -> None:
    out = _tally(
        [_c("SA", "A", 100.0), _c("SA", "B", 50.0), _c("QA", "C", 25.0)],
        {"A": ("SA", "SA"), "B": ("SA", "SA"), "C": ("QA", "QA")},
        DAY,
        Mode.ENFORCED,
        RULES,
        None,
    )
    rows = {r["country"]: r for r in out["per_destination"]}
    assert rows["SA"]["tpp"] == 150.0 and rows["QA"]["tpp"] == 25.0
    assert rows["SA"]["allocation"] is None and rows["SA"]["remaining"] is None and rows["SA"]["exceeded"] is False
    assert {r["end_user"]: r["tpp"] for r in out["per_end_user"]} == {"A": 100.0, "B": 50.0, "C": 25.0}
    assert all(r["cap"] is None and r["exceeded"] is False for r in out["per_end_user"])
    assert out["total_tpp"] == 175.0


def test_text_mode_allocation_uses_the_ledger_over_2025_2027() -> None:
    alloc = country_allocation(RULES.at(DAY, Mode.TEXT))
    assert alloc is not None
    assert alloc.tpp == 790_000_000
    assert alloc.years == [2025, 2026, 2027]
    assert alloc.count_from == date(2025, 1, 1)
    assert country_allocation(RULES.at(DAY, Mode.ENFORCED)) is None
    ledger = StaticLedger(countries={("SA", 2025): 300_000_000, ("SA", 2026): 400_000_000, ("SA", 2024): 1e9})
    out = _tally([_c("SA", "A", 126_656.0 * 250)], {"A": ("SA", "SA")}, DAY, Mode.TEXT, RULES, ledger, {"SA"})
    row = out["per_destination"][0]
    assert row["ledger_before"] == 700_000_000  # 2024 does not count
    assert row["after_package"] == 700_000_000 + 31_664_000
    assert row["remaining"] == 790_000_000 - 731_664_000
    assert row["exceeded"] is False and row["allocation_applied"] is True
    assert "742.6(b)(10)(iii)(B)" in row["citation"]
    assert out["notes"] == []
    # 31.7M of .a-level TPP to one consignee, but none of it under LPP: LPP's cap is not touched
    eu = out["per_end_user"][0]
    assert eu["cap"] == 26_900_000 and eu["lpp_tpp"] == 0.0 and eu["remaining"] == 26_900_000 and not eu["exceeded"]


def test_allocation_exceeded_is_a_field_and_a_note() -> None:
    ledger = StaticLedger(countries={("SA", 2026): 780_000_000})
    out = _tally([_c("SA", "A", 20_000_000)], {"A": ("SA", "SA")}, DAY, Mode.TEXT, RULES, ledger, {"SA"})
    row = out["per_destination"][0]
    assert row["remaining"] == -10_000_000 and row["exceeded"] is True
    assert any("over the 790,000,000 country allocation" in n for n in out["notes"])
    # the same figures where no determination reviewed a licence under the allocation: exceeded, said so,
    # but not as a review-policy change
    out = _tally([_c("SA", "A", 20_000_000)], {"A": ("SA", "SA")}, DAY, Mode.TEXT, RULES, ledger, set())
    row = out["per_destination"][0]
    assert row["exceeded"] is True and row["allocation_applied"] is False
    assert not any("over the" in n for n in out["notes"])
    assert any("no licence in this package is reviewed under it" in n for n in out["notes"])


@pytest.mark.parametrize(("country", "has"), [("IN", True), ("BR", True), ("JP", False), ("DE", False),
                                               ("CN", False), ("MO", False), ("HK", False)])
def test_no_allocation_for_supp5a_or_d5(country: str, has: bool) -> None:
    """742.6(b)(10)(iii): Supp. 5(a) (JP, DE) gets (A)(2), Macau/D:5 (CN, MO; HK as China) gets (A)(1); the
    allocation of (iii)(B) is for all other destinations (IN, BR), and only in text mode."""
    out = _tally([_c(country, "E", 10.0)], {"E": (country, country)}, DAY, Mode.TEXT, RULES, None)
    row = out["per_destination"][0]
    assert (row["allocation"] == 790_000_000) is has
    assert (row["citation"] is not None) is has
    enforced = _tally([_c(country, "E", 10.0)], {"E": (country, country)}, DAY, Mode.ENFORCED, RULES, None)
    assert enforced["per_destination"][0]["allocation"] is None


def test_the_determination_applies_the_allocation_where_the_tally_shows_it() -> None:
    """One scope rule: an .a-level licence to India in text mode is reviewed under India's allocation."""
    doc = {"date": DAY.isoformat(), "transaction": "export", "destination": "IN", "item": H100, "quantity": 2000,
           "end_user": {"name": "E", "located_in": "IN", "hq": "IN"}}
    d = determine(parse_case(doc, rules=RULES), Mode.TEXT, RULES, ledger=StaticLedger())
    assert d.allocation is not None and d.allocation["country"] == "IN"
    assert d.review_policy == "presumption_of_approval"


def test_lpp_cap_counts_only_tpp_shipped_under_lpp_per_consignee_and_year() -> None:
    ledger = StaticLedger(
        end_users={("Riyadh AI Campus Company", 2026): 30_000_000, ("riyadh ai campus company", 2025): 5e9},
        lpp={("Riyadh AI Campus Company", 2026): 20_000_000, ("riyadh ai campus company", 2025): 5e9},
    )
    out = _tally(
        [_c("BR", "Riyadh AI Campus Company", 10_000_000, lpp=True),
         _c("BR", "Riyadh AI Campus Company", 5.0, level="b")],
        {"Riyadh AI Campus Company": ("BR", "BR")},
        DAY,
        Mode.TEXT,
        RULES,
        ledger,
    )
    row = out["per_end_user"][0]
    assert row["cap"] == 26_900_000
    assert row["ledger_before"] == 30_000_000  # all TPP this year, shown
    assert row["lpp_before"] == 20_000_000  # what the cap counts: LPP shipments this year only
    assert row["lpp_tpp"] == row["cap_applies_to_tpp"] == 10_000_000  # this package's LPP shipments only
    assert row["remaining"] == pytest.approx(26_900_000 - 30_000_000) and row["exceeded"] is True
    assert any("License Exception LPP" in n and "over the 26,900,000" in n for n in out["notes"])
    # not in enforced mode, and not for a consignee located or headquartered in D:5/Macau (HK as China)
    for mode, where in ((Mode.ENFORCED, ("BR", "BR")), (Mode.TEXT, ("BR", "CN")), (Mode.TEXT, ("CN", "CN")),
                        (Mode.TEXT, ("BR", "HK"))):
        out = _tally([_c("BR", "X", 1.0)], {"X": where}, DAY, mode, RULES, None)
        assert out["per_end_user"][0]["cap"] is None, (mode, where)
    cap = lpp_cap(RULES.at(DAY, Mode.TEXT))
    assert cap is not None and cap.applies_to("BR", "US") and not cap.applies_to("BR", None, "MO")


def test_lpp_cap_is_counted_for_the_ultimate_consignee() -> None:
    """740.29: the cap is per ultimate consignee (the parent that owns the items), across its end users."""
    out = _tally(
        [_c("BR", "Site A", 15_000_000, lpp=True, consignee="Parent SA"),
         _c("BR", "Site B", 15_000_000, lpp=True, consignee="Parent SA")],
        {"Site A": ("BR", "BR"), "Site B": ("BR", "BR")},
        DAY,
        Mode.TEXT,
        RULES,
        StaticLedger(),
    )
    rows = {r["end_user"]: r for r in out["per_end_user"]}
    assert rows["Site A"]["ultimate_consignee"] == "Parent SA" and rows["Site A"]["lpp_tpp"] == 30_000_000
    assert rows["Site A"]["exceeded"] and rows["Site B"]["exceeded"]
    assert sum("Parent SA" in n for n in out["notes"]) == 1


def test_static_ledger_from_totals_answers_the_ledger_questions() -> None:
    led = StaticLedger.from_totals(
        {
            "countries": [{"country": "SA", "year": 2025, "tpp": 3}, {"country": "SA", "year": 2026, "tpp": 5}],
            "end_users": [{"end_user": "E", "year": 2026, "tpp": 7, "lpp_tpp": 4}, {"end_user": "F", "year": 2026,
                                                                                    "tpp": 1}],
        }
    )
    assert led.allocation_used_tpp("SA", date(2025, 1, 1), date(2026, 6, 1)) == 8
    assert led.allocation_used_tpp("SA", date(2026, 1, 1), date(2026, 6, 1)) == 5
    assert led.end_user_tpp("e", 2026, date(2026, 1, 1)) == 7
    assert led.lpp_used_tpp("E", 2026) == 4 and led.lpp_used_tpp("F", 2026) == 0
