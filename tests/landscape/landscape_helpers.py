"""Helpers of the landscape tests (a module of its own: conftest modules are not imported by name)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

#: the ``write_book`` fixture: ``write_book(name, header=MODERN, rows=None, title=..., blank_first_row=False)``
WriteBook = Callable[..., Path]

#: the header of the lists from 2017-06 on (trimmed to the columns the reader uses, plus two it ignores)
MODERN = ["Rank", "Previous Rank", "Name", "Computer", "Site", "Manufacturer", "Country", "Year", "Segment",
          "Total Cores", "Accelerator/Co-Processor Cores", "Rmax [TFlop/s]", "Rpeak [TFlop/s]",
          "Power (kW)", "Accelerator/Co-Processor"]
#: synthetic list: the country of rank i is SPELLINGS[i % 7], written as TOP500 writes it
SPELLINGS = ["China", "United States", "Korea, South", "South Korea", "Saudia Arabia", "Saudi Arabia", "Japan"]


def list_file(folder: Path, edition: str) -> Path:
    """The workbook of ``edition`` (``YYYY-MM``) in ``folder``."""
    [path] = folder.glob(f"TOP500_{edition.replace('-', '')}.xls*")
    return path


def synthetic_rows(n: int = 500) -> list[list[Any]]:
    """``n`` rows in the MODERN layout: rank i is in SPELLINGS[i % 7], Rmax 1000 - i TFlop/s."""
    rows = []
    for rank in range(1, n + 1):
        country = SPELLINGS[rank % len(SPELLINGS)]
        rows.append([rank, None, f"Sys{rank}" if rank <= 20 else None, f"Computer {rank}", f"Site {rank}",
                     "Vendor", country, 2020, "Research", 1000 + rank, 0, 1000.0 - rank, 1500.0 - rank,
                     None if rank % 3 else 100.0, "None" if rank % 2 else "NVIDIA H100"])
    return rows
