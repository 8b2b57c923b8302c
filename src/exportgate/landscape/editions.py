"""TOP500 editions: ``YYYY-MM`` (June and November lists since June 1993), their numbers and citations."""

from __future__ import annotations

import re
from datetime import date

from exportgate.errors import InputError

FIRST_YEAR = 1993  # the first list, June 1993, is number 1
MONTHS = {6: "June", 11: "November"}
_EDITION = re.compile(r"^(\d{4})-(\d{2})$")
_FILENAME = re.compile(r"top500_(\d{4})(\d{2})(?:\D|$)", re.IGNORECASE)


def parse_edition(text: object, field: str = "edition") -> str:
    """``YYYY-MM`` of a list (June or November, from 1993-06 on); anything else is an InputError."""
    match = _EDITION.match(str(text).strip()) if isinstance(text, str) else None
    if match is None:
        raise InputError(field, f"an edition is YYYY-MM (e.g. 2025-06), not {text!r}")
    year, month = int(match.group(1)), int(match.group(2))
    if month not in MONTHS:
        raise InputError(field, f"TOP500 lists are published in June (06) and November (11), not month {month:02d}")
    if year < FIRST_YEAR:
        raise InputError(field, f"the first TOP500 list is {FIRST_YEAR}-06, not {text}")
    return f"{year:04d}-{month:02d}"


def edition_from_filename(name: str) -> str | None:
    """The edition a file named ``TOP500_YYYYMM.xls(x)`` holds, or None if the name does not say."""
    match = _FILENAME.search(name)
    if match is None:
        return None
    return parse_edition(f"{match.group(1)}-{match.group(2)}", name)


def edition_number(edition: str) -> int:
    """The list's sequence number: 1993-06 is 1, 1993-11 is 2, 2026-06 is 67."""
    year, month = int(edition[:4]), int(edition[5:7])
    return (year - FIRST_YEAR) * 2 + (1 if month == 6 else 2)


def edition_out(edition: str) -> date:
    """The first day a list is taken to be out: the first day of the month after its edition month."""
    year, month = int(edition[:4]), int(edition[5:7])
    return date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)


def edition_years(edition: str) -> float:
    """The edition as a fractional year (for time axes): 2018-11 -> 2018.83."""
    return int(edition[:4]) + (int(edition[5:7]) - 1) / 12


def citation(edition: str) -> str:
    """How the data of one list is cited (its PROVENANCE asks for this wording)."""
    return f"TOP500.org, list of {MONTHS[int(edition[5:7])]} {edition[:4]}"
