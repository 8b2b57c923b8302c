"""Fixtures of the landscape tests: the TOP500 lists in ../shared (skipped when absent), synthetic
workbooks written with openpyxl (the SQLite/PostgreSQL ``db_url`` fixture is tests/conftest.py's)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from landscape_helpers import MODERN, WriteBook, synthetic_rows

from exportgate.landscape.reader import ListEdition, read_list

# The database fixtures (db_url runs a test on SQLite and on PostgreSQL) are tests/conftest.py's.


@pytest.fixture(scope="session")
def lists_dir(shared_dir: Path) -> Path:
    folder = shared_dir / "data" / "top500" / "lists"
    if not folder.is_dir():
        pytest.skip(f"{folder} is not present")
    return folder


@pytest.fixture(scope="session")
def every_edition(lists_dir: Path) -> list[ListEdition]:
    """Every list in ../shared, read once per test run (about 3 s)."""
    files = sorted(p for p in lists_dir.iterdir() if p.suffix in (".xls", ".xlsx"))
    return [read_list(p) for p in files]


@pytest.fixture
def write_book(tmp_path: Path) -> WriteBook:
    """Write a one-sheet .xlsx: ``write_book(name, header=MODERN, rows=synthetic_rows(), title=...,
    blank_first_row=False)``."""
    import openpyxl

    def write(name: str, header: Sequence[Any] = MODERN, rows: Sequence[Sequence[Any]] | None = None,
              title: str = "Sublist Results", blank_first_row: bool = False) -> Path:
        book = openpyxl.Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.title = title
        if blank_first_row:
            sheet.append([])
        sheet.append(list(header))
        for row in synthetic_rows() if rows is None else rows:
            sheet.append(list(row))
        path = tmp_path / name
        book.save(path)
        return path

    return write
