"""The list reader on synthetic workbooks: columns by name, units from headers, and every refusal
naming the file, the row and the column."""

from __future__ import annotations

import collections
import math
from pathlib import Path

import pytest
from landscape_helpers import MODERN, SPELLINGS, WriteBook, synthetic_rows

from exportgate.errors import InputError
from exportgate.landscape.countries import resolve, table
from exportgate.landscape.editions import citation, edition_from_filename, edition_number, parse_edition
from exportgate.landscape.reader import header_name, read_list


def test_a_modern_list_is_read_by_column_name(write_book: WriteBook) -> None:
    edition = read_list(write_book("TOP500_202506.xlsx", title="65"))
    assert (edition.edition, edition.number, len(edition.rows)) == ("2025-06", 65, 500)
    counts = collections.Counter(r.country for r in edition.rows)
    expected = collections.Counter(SPELLINGS[rank % 7] for rank in range(1, 501))
    assert counts["CN"] == expected["China"]
    assert counts["KR"] == expected["Korea, South"] + expected["South Korea"]
    assert counts["SA"] == expected["Saudia Arabia"] + expected["Saudi Arabia"]
    first = edition.rows[0]
    assert (first.rank, first.name, first.computer, first.cores, first.rmax_tflops, first.rpeak_tflops) == (
        1, "Sys1", "Computer 1", 1001, 999.0, 1499.0)
    assert first.accelerator is None  # written "None" by TOP500: no accelerator
    assert edition.rows[1].accelerator == "NVIDIA H100"
    assert edition.rows[2].power_kw == 100.0 and first.power_kw is None
    assert edition.rows[20].name is None


def test_columns_in_another_order_and_old_names_with_gflops(write_book: WriteBook) -> None:
    """The 1990s layout: blank row first, 'Processors', 'RMax'/'RPeak' in GFlop/s, no power or accelerator."""
    header = ["Rank", "Site", "Manufacturer", "Computer", "Country", "Year", "Processors", "RMax", "RPeak", "Nmax"]
    rows = [[r, f"Site {r}", "TMC", f"CM-5/{r}", "Germany" if r % 2 else "United States", 1993, 32, 59.7, 131.0, 0]
            for r in range(500, 0, -1)]  # written bottom-up: the reader sorts by rank
    edition = read_list(write_book("TOP500_199306.xlsx", header=header, rows=rows, blank_first_row=True))
    assert [r.rank for r in edition.rows] == list(range(1, 501))
    top = edition.rows[0]
    assert math.isclose(top.rmax_tflops, 0.0597) and math.isclose(top.rpeak_tflops, 0.131)
    assert (top.country, top.cores, top.power_kw, top.accelerator, top.name) == ("DE", 32, None, None, None)


@pytest.mark.parametrize(("header", "factor"), [("Rmax [PFlop/s]", 1000.0), ("Rmax [GFlop/s]", 0.001),
                                               ("Rmax (TFlop/s)", 1.0), ("Rmax", 0.001)])
def test_the_rmax_unit_is_read_from_the_header(write_book: WriteBook, header: str, factor: float) -> None:
    columns = [header if c == "Rmax [TFlop/s]" else c for c in MODERN]
    edition = read_list(write_book("TOP500_202011.xlsx", header=columns))
    assert math.isclose(edition.rows[0].rmax_tflops, 999.0 * factor)
    assert edition.rows[0].rpeak_tflops == 1499.0  # its own header still says TFlop/s


def _error(excinfo: pytest.ExceptionInfo[InputError]) -> str:
    return str(excinfo.value)


def test_an_unknown_country_names_the_row_and_column(write_book: WriteBook) -> None:
    rows = synthetic_rows()
    rows[36][6] = "Narnia"  # rank 37, spreadsheet row 38
    with pytest.raises(InputError) as excinfo:
        read_list(write_book("TOP500_201811.xlsx", rows=rows))
    assert excinfo.value.field == "TOP500_201811.xlsx row 38 (Country)"
    assert "unknown country 'Narnia'" in excinfo.value.problem


@pytest.mark.parametrize(
    ("change", "field", "problem"),
    [
        (lambda rows: rows.pop(99), "TOP500_201811.xlsx", "499 ranked rows, a TOP500 list has 500 (ranks missing: 100)"),
        (lambda rows: rows[5].__setitem__(0, 5), "TOP500_201811.xlsx row 7 (Rank)", "rank 5 appears twice (rows 6 and 7)"),
        (lambda rows: rows[5].__setitem__(0, 501), "TOP500_201811.xlsx row 7 (Rank)", "rank 501 is outside 1..500"),
        (lambda rows: rows[5].__setitem__(0, 6.5), "TOP500_201811.xlsx row 7 (Rank)", "must be a whole number, not 6.5"),
        (lambda rows: rows[9].__setitem__(11, None), "TOP500_201811.xlsx row 11 (Rmax [TFlop/s])", "empty"),
        (lambda rows: rows[9].__setitem__(11, "fast"), "TOP500_201811.xlsx row 11 (Rmax [TFlop/s])", "not a number: 'fast'"),
        (lambda rows: rows[9].__setitem__(12, -3), "TOP500_201811.xlsx row 11 (Rpeak [TFlop/s])",
         "must be a positive number, not -3"),
        (lambda rows: rows[9].__setitem__(6, None), "TOP500_201811.xlsx row 11 (Country)", "no country given"),
        (lambda rows: rows.insert(3, [None] * len(MODERN)), "TOP500_201811.xlsx row 5", "empty row inside the list"),
    ],
)
def test_a_bad_row_is_refused_with_its_place(write_book: WriteBook, change: object, field: str, problem: str) -> None:
    rows = synthetic_rows()
    change(rows)  # type: ignore[operator]
    with pytest.raises(InputError) as excinfo:
        read_list(write_book("TOP500_201811.xlsx", rows=rows))
    assert (excinfo.value.field, excinfo.value.problem) == (field, problem)


def test_a_501st_row_is_refused(write_book: WriteBook) -> None:
    rows = synthetic_rows()
    rows.append(list(rows[-1]))
    with pytest.raises(InputError, match=r"row 502 \(Rank\): rank 500 appears twice"):
        read_list(write_book("TOP500_201811.xlsx", rows=rows))


def test_trailing_blank_rows_are_not_rows(write_book: WriteBook) -> None:
    rows = [*synthetic_rows(), [None] * len(MODERN), [""] * len(MODERN)]
    assert len(read_list(write_book("TOP500_201811.xlsx", rows=rows)).rows) == 500


@pytest.mark.parametrize(
    ("header", "problem"),
    [
        ([c for c in MODERN if c != "Rpeak [TFlop/s]"], "no 'rpeak' column (row 1)"),
        ([*MODERN, "Country"], "column 'country' appears 2 times"),
        (["Rmax [furlongs]" if c.startswith("Rmax") else c for c in MODERN], "unknown unit 'furlongs' for rmax"),
    ],
)
def test_a_bad_header_is_refused(write_book: WriteBook, header: list[str], problem: str) -> None:
    rows = [row[: len(header)] for row in synthetic_rows()]
    with pytest.raises(InputError) as excinfo:
        read_list(write_book("TOP500_201811.xlsx", header=header, rows=rows))
    assert excinfo.value.field == "TOP500_201811.xlsx header"
    assert excinfo.value.problem == problem


def test_no_header_row(write_book: WriteBook) -> None:
    with pytest.raises(InputError, match="no header row with 'Rank' and 'Country'"):
        read_list(write_book("TOP500_201811.xlsx", header=["a", "b"], rows=[[1, 2]]))


def test_the_sheet_number_must_be_the_editions(write_book: WriteBook) -> None:
    with pytest.raises(InputError, match="sheet '51' is list number 51, but 2018-11 is number 52"):
        read_list(write_book("TOP500_201811.xlsx", title="51"))


def test_the_edition_comes_from_the_name_or_the_option(write_book: WriteBook) -> None:
    path = write_book("november.xlsx")
    with pytest.raises(InputError, match="cannot tell the edition from the file name"):
        read_list(path)
    assert read_list(path, edition="2018-11").edition == "2018-11"
    with pytest.raises(InputError, match="--edition: an edition is YYYY-MM"):
        read_list(path, edition="Nov 2018")


def test_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "TOP500_201811.xls"
    path.write_text("Rank,Country\n1,China\n")
    with pytest.raises(InputError, match=r"TOP500_201811.xls: not an Excel workbook \(.xls or .xlsx\)"):
        read_list(path)
    broken = tmp_path / "TOP500_201906.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(InputError, match=r"not a readable \.xlsx workbook"):
        read_list(broken)
    with pytest.raises(InputError, match="cannot read"):
        read_list(tmp_path / "TOP500_202006.xlsx")


def test_header_names_and_units() -> None:
    assert header_name("Rmax [TFlop/s]") == ("rmax", "tflop/s")
    assert header_name(" RMax ") == ("rmax", None)
    assert header_name("Power (kW)") == ("power", "kw")
    assert header_name("Accelerator/Co-Processor") == ("accelerator/co-processor", None)
    assert header_name(None) == ("", None)


def test_editions() -> None:
    assert [edition_number(e) for e in ("1993-06", "1993-11", "2018-11", "2026-06")] == [1, 2, 52, 67]
    assert edition_from_filename("TOP500_201811.xls") == "2018-11"
    assert edition_from_filename("lists.xlsx") is None
    assert citation("2025-06") == "TOP500.org, list of June 2025"
    for bad, problem in (("2018-07", "June (06) and November (11)"), ("1992-11", "first TOP500 list is 1993-06"),
                         ("201811", "YYYY-MM")):
        with pytest.raises(InputError, match=problem.replace("(", r"\(").replace(")", r"\)")):
            parse_edition(bad)


def test_country_table() -> None:
    countries = table()
    assert countries.code_for("Korea, South", "f") == countries.code_for("South  Korea ", "f") == "KR"
    assert countries.code_for("Czech Republic", "f") == countries.code_for("Czechia", "f") == "CZ"
    assert countries.code_for("Saudia Arabia", "f") == "SA"
    # historical countries keep codes of their own, never a successor's
    assert countries.code_for("Czechoslovakia", "f") == "CSHH"
    assert countries.code_for("Yugoslavia", "f") == "YUCS"
    assert countries.by_code["CSHH"].historical and not countries.by_code["CZ"].historical
    # Hong Kong and Taiwan are counted as TOP500 lists them, apart from China
    assert {countries.code_for(n, "f") for n in ("Hong Kong", "Taiwan", "China")} == {"HK", "TW", "CN"}


def test_resolving_what_the_user_typed() -> None:
    assert resolve("kr") == resolve("Korea, South") == resolve("south korea") == "KR"
    assert resolve("CSHH") == "CSHH"
    assert resolve("NP") == "NP"  # never on a list, but a country the rule data knows
    with pytest.raises(InputError, match="country: unknown country 'XX'"):
        resolve("XX")
    with pytest.raises(InputError, match="country: give a country code"):
        resolve("  ")
