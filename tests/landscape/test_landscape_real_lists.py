"""The reader on the real TOP500 lists (../shared/data/top500/lists; skipped where absent).

Counts are checked against an independent count made here: the workbook is opened with xlrd/openpyxl
directly, the header row and the ``Country``/``Rank``/Rmax columns are found by this test's own code, and
the country names are compared as TOP500 writes them.
"""

from __future__ import annotations

import collections
import math
import os
from pathlib import Path
from typing import Any

import pytest
from landscape_helpers import list_file

from exportgate.landscape.facts import SHIPPED, facts_of, read_facts, write_facts
from exportgate.landscape.reader import ListEdition, read_list

pytestmark = pytest.mark.shared


def raw_sheet(path: Path) -> list[list[Any]]:
    """Every row of the first worksheet, cell values as the file holds them."""
    if path.suffix == ".xls":
        import xlrd

        with open(os.devnull, "w") as quiet:
            sheet = xlrd.open_workbook(str(path), logfile=quiet).sheet_by_index(0)
        return [sheet.row_values(i) for i in range(sheet.nrows)]
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True)
    try:
        return [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    finally:
        book.close()


def independent_records(path: Path) -> list[dict[str, Any]]:
    rows = raw_sheet(path)
    header_at = next(i for i, row in enumerate(rows) if "Country" in row and "Rank" in row)
    header = rows[header_at]
    return [dict(zip(header, row, strict=False)) for row in rows[header_at + 1:] if any(c not in ("", None) for c in row)]


def test_2018_11_china_227_united_states_109(lists_dir: Path) -> None:
    path = list_file(lists_dir, "2018-11")
    records = independent_records(path)
    by_name = collections.Counter(r["Country"] for r in records)
    top10 = collections.Counter(r["Country"] for r in records if int(r["Rank"]) <= 10)
    assert (by_name["China"], by_name["United States"], top10["United States"]) == (227, 109, 5)  # the figures

    edition = read_list(path)
    assert (edition.edition, edition.number) == ("2018-11", 52)
    mine = collections.Counter(r.country for r in edition.rows)
    assert mine["CN"] == by_name["China"]
    assert mine["US"] == by_name["United States"]
    assert sum(1 for r in edition.rows if r.country == "US" and r.rank <= 10) == top10["United States"]
    # every system is counted once, under the code of the name the list gives it
    assert sum(mine.values()) == 500


def test_2025_06_united_states_in_the_top_10(lists_dir: Path) -> None:
    path = list_file(lists_dir, "2025-06")
    records = independent_records(path)
    expected = sum(1 for r in records if r["Country"] == "United States" and int(r["Rank"]) <= 10)
    edition = read_list(path)
    got = [r for r in edition.rows if r.rank <= 10 and r.country == "US"]
    assert len(got) == expected == 4
    # the TFlop/s header is taken as it is
    raw_rmax = {int(r["Rank"]): float(r["Rmax [TFlop/s]"]) for r in records}
    assert all(math.isclose(r.rmax_tflops, raw_rmax[r.rank]) for r in edition.rows)


def test_1993_06_old_headers(lists_dir: Path) -> None:
    """The first list: a blank row above the header, 'Processors', 'RMax' in GFlop/s, no Power column."""
    path = list_file(lists_dir, "1993-06")
    rows = raw_sheet(path)
    assert all(c in ("", None) for c in rows[0])  # the blank first row the reader has to skip
    records = independent_records(path)
    assert "Processors" in records[0] and "RMax" in records[0] and "Power" not in records[0]
    by_name = collections.Counter(r["Country"] for r in records)

    edition = read_list(path)
    assert (edition.edition, edition.number, len(edition.rows)) == ("1993-06", 1, 500)
    mine = collections.Counter(r.country for r in edition.rows)
    assert mine["US"] == by_name["United States"] and mine["JP"] == by_name["Japan"]
    assert mine["DE"] == by_name["Germany"]
    first = {int(r["Rank"]): r for r in records}[1]
    top = edition.rows[0]
    assert top.rank == 1 and top.country == "US" and top.cores == int(first["Processors"])
    assert math.isclose(top.rmax_tflops, float(first["RMax"]) / 1000)  # GFlop/s -> TFlop/s
    assert top.power_kw is None and top.accelerator is None and top.name is None


def test_the_rmax_unit_change_between_2016_11_and_2017_06(lists_dir: Path) -> None:
    """Sunway TaihuLight is no. 1 on both lists with the same Rmax, once in GFlop/s, once in TFlop/s."""
    before = read_list(list_file(lists_dir, "2016-11")).rows[0]
    after = read_list(list_file(lists_dir, "2017-06")).rows[0]
    assert before.name == after.name == "Sunway TaihuLight"
    assert math.isclose(before.rmax_tflops, after.rmax_tflops, rel_tol=1e-6)
    assert 9e4 < after.rmax_tflops < 1e5  # 93 PFlop/s


def test_spellings_of_one_country_share_a_code(lists_dir: Path) -> None:
    """'Korea, South' (2018-11) and 'South Korea' (2025-06) are both KR; 'Saudia Arabia' is SA."""
    old = read_list(list_file(lists_dir, "2018-11"))
    new = read_list(list_file(lists_dir, "2025-06"))
    assert {r.country_name for r in old.rows if r.country == "KR"} == {"Korea, South"}
    assert {r.country_name for r in new.rows if r.country == "KR"} == {"South Korea"}
    assert {r.country_name for r in old.rows if r.country == "SA"} <= {"Saudia Arabia", "Saudi Arabia"}


def test_every_edition_reads_500_rows_ranked_1_to_500(every_edition: list[ListEdition]) -> None:
    assert len(every_edition) == 67
    for edition in every_edition:
        assert [r.rank for r in edition.rows] == list(range(1, 501)), edition.edition
    numbers = [e.number for e in every_edition]
    assert numbers == list(range(1, 68))


def test_shipped_facts_are_the_facts_of_the_lists(every_edition: list[ListEdition], tmp_path: Path) -> None:
    """Rebuilt from the lists, the shipped file comes out byte for byte the same."""
    rebuilt = tmp_path / "facts.csv.gz"
    write_facts(rebuilt, [f for e in every_edition for f in facts_of(e.edition, e.rows)])
    assert rebuilt.read_bytes() == SHIPPED.read_bytes()
    assert read_facts(rebuilt) == read_facts()
