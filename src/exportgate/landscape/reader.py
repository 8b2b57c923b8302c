"""Read one TOP500 list workbook (``.xls`` through xlrd, ``.xlsx`` through openpyxl) into 500 rows.

The layout changed over 33 years (see ``exportgate/data/top500/PROVENANCE.md``): a blank row above the
header until 2007-11, 23 to 38 columns, ``Processors`` then ``Cores`` then ``Total Cores``, ``RMax`` in
GFlop/s until 2016-11 and ``Rmax [TFlop/s]`` from 2017-06. So columns are found by name in the header
row (never by position) and units are read from the header: a bracketed or parenthesised unit is
used as written; a bare ``Rmax``/``Rpeak`` is GFlop/s and a bare ``Power`` is kW, as TOP500 publishes
them. Everything is stored in TFlop/s and kW. An accelerator written ``None`` is no accelerator (null).

The reader is strict: a list is exactly 500 rows ranked 1 to 500, every row has a known country and
positive Rmax and Rpeak, or the error names the file, the spreadsheet row and the column.
"""

from __future__ import annotations

import hashlib
import io
import math
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from exportgate.errors import InputError
from exportgate.landscape.countries import table
from exportgate.landscape.editions import edition_from_filename, edition_number, parse_edition
from exportgate.settings import limits

#: rows a TOP500 list has
LIST_SIZE = 500
#: how many rows from the top of the sheet are searched for the header row
HEADER_SEARCH = 10

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls (Compound File Binary)
_ZIP = b"PK\x03\x04"  # .xlsx (Office Open XML)
_UNIT = re.compile(r"^(?P<name>.*?)\s*(?:\[(?P<b>[^\]]*)\]|\((?P<p>[^)]*)\))\s*$")
_SPACES = re.compile(r"\s+")

#: field -> (header names that hold it, in order of preference; required)
COLUMNS: dict[str, tuple[tuple[str, ...], bool]] = {
    "rank": (("rank",), True),
    "name": (("name",), False),
    "computer": (("computer",), True),
    "site": (("site",), True),
    "manufacturer": (("manufacturer",), True),
    "country": (("country",), True),
    "year": (("year",), False),
    "segment": (("segment",), False),
    "cores": (("total cores", "cores", "processors"), False),
    "rmax": (("rmax",), True),
    "rpeak": (("rpeak",), True),
    "accelerator": (("accelerator/co-processor", "accelerator"), False),
    "power": (("power",), False),
}
#: unit as written in a header (lower case; None = no unit given) -> factor to TFlop/s
FLOPS = {None: 1e-3, "gflop/s": 1e-3, "gflops": 1e-3, "tflop/s": 1.0, "tflops": 1.0, "pflop/s": 1e3, "pflops": 1e3}
#: unit as written -> factor to kW
POWER = {None: 1.0, "kw": 1.0, "mw": 1e3}


@dataclass(frozen=True)
class SystemRow:
    """One system of one list, in TFlop/s and kW; ``country`` is the landscape's code."""

    rank: int
    name: str | None
    computer: str
    site: str
    manufacturer: str
    country_name: str
    country: str
    rmax_tflops: float
    rpeak_tflops: float
    cores: int | None
    accelerator: str | None
    power_kw: float | None
    segment: str | None
    year: int | None


@dataclass(frozen=True)
class ListEdition:
    """One list read from its file: the edition (``YYYY-MM``), its number and its 500 rows by rank."""

    edition: str
    number: int
    source_file: str
    sha256: str
    rows: tuple[SystemRow, ...]


def header_name(cell: object) -> tuple[str, str | None]:
    """A header cell as (name, unit): ``'Rmax [TFlop/s]'`` -> ``('rmax', 'tflop/s')``, ``'RMax'`` ->
    ``('rmax', None)``, ``'Power (kW)'`` -> ``('power', 'kw')``."""
    text = _SPACES.sub(" ", str(cell or "")).strip().lower()
    match = _UNIT.match(text)
    if match and match.group("name"):
        return match.group("name"), (match.group("b") or match.group("p") or "").strip() or None
    return text, None


@dataclass(frozen=True)
class _Layout:
    header_row: int  # 0-based index of the header row in the sheet
    index: dict[str, int]  # field -> column
    units: dict[str, str | None]  # field -> unit as written


def find_layout(rows: Sequence[Sequence[Any]], where: str) -> _Layout:
    """Locate the header row (the first with ``Rank`` and ``Country``) and the column of every field."""
    for r, row in enumerate(rows[:HEADER_SEARCH]):
        names = [header_name(cell) for cell in row]
        plain = [name for name, _ in names]
        if "rank" not in plain or "country" not in plain:
            continue
        index: dict[str, int] = {}
        units: dict[str, str | None] = {}
        for field, (aliases, required) in COLUMNS.items():
            for alias in aliases:
                hits = [c for c, name in enumerate(plain) if name == alias]
                if len(hits) > 1:
                    raise InputError(f"{where} header", f"column {alias!r} appears {len(hits)} times")
                if hits:
                    index[field], units[field] = hits[0], names[hits[0]][1]
                    break
            else:
                if required:
                    wanted = " or ".join(repr(a) for a in aliases)
                    raise InputError(f"{where} header", f"no {wanted} column (row {r + 1})")
        for field, table_ in (("rmax", FLOPS), ("rpeak", FLOPS), ("power", POWER)):
            if field in index and units[field] not in table_:
                raise InputError(f"{where} header", f"unknown unit {units[field]!r} for {field}")
        return _Layout(r, index, units)
    raise InputError(where, f"no header row with 'Rank' and 'Country' in the first {HEADER_SEARCH} rows")


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value: object) -> str | None:
    if _blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return _SPACES.sub(" ", str(value)).strip()


def _accelerator(value: object) -> str | None:
    # TOP500 writes "None" for a system without accelerators; that is no accelerator, not one named None
    text = _text(value)
    return None if text is None or text.casefold() == "none" else text


def _number(value: object, where: str, *, required: bool, positive: bool = False) -> float | None:
    if _blank(value):
        if required:
            raise InputError(where, "empty")
        return None
    if isinstance(value, bool):
        raise InputError(where, f"not a number: {value!r}")
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        try:
            number = float(str(value).strip())
        except ValueError:
            raise InputError(where, f"not a number: {value!r}") from None
    if not math.isfinite(number) or number < 0 or (positive and number == 0):
        raise InputError(where, f"must be a {'positive' if positive else 'non-negative'} number, not {value!r}")
    return number


def _whole(value: object, where: str, *, required: bool) -> int | None:
    number = _number(value, where, required=required)
    if number is None:
        return None
    if not number.is_integer():
        raise InputError(where, f"must be a whole number, not {value!r}")
    return int(number)


def parse_rows(rows: Sequence[Sequence[Any]], where: str) -> tuple[SystemRow, ...]:
    """The 500 systems of a sheet given as rows of cell values (see the module docstring)."""
    layout = find_layout(rows, where)
    countries = table()
    data = list(rows[layout.header_row + 1 :])
    while data and all(_blank(cell) for cell in data[-1]):
        data.pop()
    out: list[SystemRow] = []
    seen: dict[int, int] = {}
    heading = {field: str(rows[layout.header_row][col]).strip() for field, col in layout.index.items()}
    for offset, row in enumerate(data):
        line = layout.header_row + 2 + offset  # the row number a spreadsheet shows

        def cell(field: str, row: Sequence[Any] = row) -> Any:
            col = layout.index.get(field)
            return row[col] if col is not None and col < len(row) else None

        def at(field: str, line: int = line) -> str:
            return f"{where} row {line} ({heading[field]})"

        if all(_blank(value) for value in row):
            raise InputError(f"{where} row {line}", "empty row inside the list")
        rank = _whole(cell("rank"), at("rank"), required=True)
        assert rank is not None
        if not 1 <= rank <= LIST_SIZE:
            raise InputError(at("rank"), f"rank {rank} is outside 1..{LIST_SIZE}")
        if rank in seen:
            raise InputError(at("rank"), f"rank {rank} appears twice (rows {seen[rank]} and {line})")
        seen[rank] = line
        country_name = _text(cell("country"))
        rmax = _number(cell("rmax"), at("rmax"), required=True, positive=True)
        rpeak = _number(cell("rpeak"), at("rpeak"), required=True, positive=True)
        power = _number(cell("power"), at("power"), required=False) if "power" in layout.index else None
        assert rmax is not None and rpeak is not None
        computer = _text(cell("computer"))
        if computer is None:
            raise InputError(at("computer"), "empty")
        out.append(
            SystemRow(
                rank=rank,
                name=_text(cell("name")),
                computer=computer,
                site=_text(cell("site")) or "",
                manufacturer=_text(cell("manufacturer")) or "",
                country_name=country_name or "",
                country=countries.code_for(country_name, at("country")),
                rmax_tflops=rmax * FLOPS[layout.units["rmax"]],
                rpeak_tflops=rpeak * FLOPS[layout.units["rpeak"]],
                cores=_whole(cell("cores"), at("cores"), required=False) if "cores" in layout.index else None,
                accelerator=_accelerator(cell("accelerator")),
                power_kw=None if power is None else power * POWER[layout.units["power"]],
                segment=_text(cell("segment")),
                year=_whole(cell("year"), at("year"), required=False) if "year" in layout.index else None,
            )
        )
    if len(out) != LIST_SIZE:
        missing = sorted(set(range(1, LIST_SIZE + 1)) - set(seen))
        shown = ", ".join(str(m) for m in missing[:10]) + (" ..." if len(missing) > 10 else "")
        raise InputError(where, f"{len(out)} ranked rows, a TOP500 list has {LIST_SIZE} (ranks missing: {shown})")
    out.sort(key=lambda r: r.rank)
    return tuple(out)


def _sheets(data: bytes, where: str) -> list[tuple[str, list[list[Any]]]]:
    """(sheet name, rows of cell values) of every worksheet; the format is told by the file's magic bytes."""
    if data.startswith(_OLE2):
        import xlrd

        try:
            with open(os.devnull, "w") as quiet:  # xlrd prints harmless OLE2 warnings on the 1990s files
                book = xlrd.open_workbook(file_contents=data, logfile=quiet)
        except xlrd.XLRDError as exc:
            raise InputError(where, f"not a readable .xls workbook: {exc}") from None
        return [(sheet.name, [sheet.row_values(i) for i in range(sheet.nrows)]) for sheet in book.sheets()]
    if data.startswith(_ZIP):
        import zipfile

        import openpyxl

        cap = limits().input_bytes
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:  # a member is read at most to its stated size
                unpacked = sum(member.file_size for member in archive.infolist())
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise InputError(where, f"not a readable .xlsx workbook: {exc}") from None
        if unpacked > cap:  # a ZIP bomb: a few kilobytes that unpack to gigabytes of sheet XML
            raise InputError(where, f"unpacks to {unpacked:,} bytes, more than {cap:,} (limit: EXPORTGATE_MAX_INPUT_BYTES)")
        try:
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
            raise InputError(where, f"not a readable .xlsx workbook: {exc}") from None
        try:
            return [(ws.title, [list(row) for row in ws.iter_rows(values_only=True)]) for ws in book.worksheets]
        finally:
            book.close()
    raise InputError(where, "not an Excel workbook (.xls or .xlsx)")


def read_list(path: Path | str, edition: str | None = None) -> ListEdition:
    """Read one list file. The edition comes from ``edition`` (``YYYY-MM``) or the file name
    (``TOP500_YYYYMM.xls``); a sheet named by a number must carry that edition's number."""
    path = Path(path)
    where = path.name
    if edition is not None:
        edition = parse_edition(edition, "--edition")
    else:
        edition = edition_from_filename(path.name)
        if edition is None:
            raise InputError(where, "cannot tell the edition from the file name: name it TOP500_YYYYMM.xls(x) "
                             "or give --edition YYYY-MM")
    cap = limits().input_bytes  # EXPORTGATE_MAX_INPUT_BYTES: a TOP500 workbook is under 1 MB
    try:
        with path.open("rb") as fh:
            data = fh.read(cap + 1)
    except OSError as exc:
        raise InputError(where, f"cannot read: {exc.strerror}") from None
    if len(data) > cap:
        raise InputError(where, f"larger than {cap:,} bytes (limit: EXPORTGATE_MAX_INPUT_BYTES)")
    number = edition_number(edition)
    problems: list[InputError] = []
    for sheet, rows in _sheets(data, where):
        if sheet.strip().isdigit() and int(sheet) != number:
            raise InputError(where, f"sheet {sheet!r} is list number {sheet}, but {edition} is number {number}")
        try:
            parsed = parse_rows(rows, where)
        except InputError as exc:
            problems.append(exc)
            continue
        return ListEdition(edition, number, path.name, hashlib.sha256(data).hexdigest(), parsed)
    if problems:
        raise problems[0]
    raise InputError(where, "the workbook has no worksheet")
