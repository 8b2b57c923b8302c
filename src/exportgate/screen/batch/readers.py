"""Reading a file of parties as rows, in partitions that can be read on their own.

One pass over the input (:func:`plan_input`) finds where partitions begin — at record boundaries, so a
partition can be read by any process that sees the file: a worker on this machine or on a Dask cluster
reads exactly the rows the sequential reader would have given it, with the same line numbers and the same
errors. The pass keeps nothing but the partition starts, so memory does not grow with the file.

What a row is, per format:

* CSV: every line after the header is one row, unless it is blank. A record that runs over several lines
  (a quoted field with a line break, or a quote that is never closed and swallows the lines after it) is
  not screened: each of its lines is an error row, so a listed party on a swallowed line shows up as a row
  that was not screened instead of vanishing into one ``ok`` row. The counts of lines, rows and blank lines
  in the summary reconcile with ``wc -l``.
* JSON lines: every non-blank line is one row.
* Parquet (a file, or a folder of ``.parquet`` files read in name order): every row is one row, numbered
  from 1 across the files.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any, BinaryIO

from exportgate import settings
from exportgate.errors import InputError

INPUT_KINDS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet", ".pq": "parquet"}
#: partitions begin only at a multiple of this many rows (a checkpoint of the planning pass)
CHECKPOINT_ROWS = 100
_BOM = b"\xef\xbb\xbf"
_SNIFF_BYTES = 1 << 16
_PARQUET_BATCH = 2048


@dataclass(slots=True)
class Row:
    """One data row of the input: its line (or row) number, its fields, or why it cannot be read."""

    number: int
    fields: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


@dataclass(frozen=True, slots=True)
class Partition:
    """A run of consecutive rows that can be read on its own.

    ``offset`` is the byte offset of its first line (CSV, JSON lines) or the position of its first row
    among all rows (Parquet); ``line`` is the number the line before it has (0 before the first line of
    the file), so its first line is ``line + 1``; ``rows`` is how many rows it gives and ``lines`` how
    many input lines (rows, blank lines) it covers."""

    index: int
    offset: int
    line: int
    rows: int
    lines: int


@dataclass(slots=True)
class InputPlan:
    """What the planning pass learnt about an input: its kind, columns, partitions and counts."""

    path: str
    kind: str  # csv | jsonl | parquet
    columns: list[str]
    partitions: list[Partition]
    rows: int  # data rows (each gives one output row)
    lines: int  # input lines (CSV, JSON lines: every line of the file, the header included) or rows (Parquet)
    blank: int  # blank lines (no output row)
    header_lines: int  # 1 for CSV (the header), else 0
    fingerprint: str  # SHA-256 of the input's bytes (a folder: of its files' names and bytes)
    files: list[str] = field(default_factory=list)  # Parquet: the files, in reading order

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "kind": self.kind,
            "columns": self.columns,
            "partitions": [[p.index, p.offset, p.line, p.rows, p.lines] for p in self.partitions],
            "rows": self.rows,
            "lines": self.lines,
            "blank": self.blank,
            "header_lines": self.header_lines,
            "fingerprint": self.fingerprint,
            "files": self.files,
        }

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> InputPlan:
        return cls(
            path=str(doc["path"]),
            kind=str(doc["kind"]),
            columns=[str(c) for c in doc["columns"]],
            partitions=[Partition(*(int(v) for v in p)) for p in doc["partitions"]],
            rows=int(doc["rows"]),
            lines=int(doc["lines"]),
            blank=int(doc["blank"]),
            header_lines=int(doc["header_lines"]),
            fingerprint=str(doc["fingerprint"]),
            files=[str(f) for f in doc.get("files", [])],
        )


def input_kind(path: Path, field_name: str = "input") -> str:
    """``csv``, ``jsonl`` or ``parquet`` (a Parquet file, or a folder of them); an InputError otherwise."""
    if path.is_dir():
        return "parquet"
    return file_kind(path, field_name)


def file_kind(path: Path, field_name: str) -> str:
    """``csv``, ``jsonl`` or ``parquet``, from the suffix; anything else is an InputError on ``field_name``."""
    kind = INPUT_KINDS.get(path.suffix.lower())
    if kind is None:
        raise InputError(
            field_name, f"{path.name}: unknown file type {path.suffix or '(none)'}; use .csv, .jsonl or .parquet"
        )
    return kind


_ESCAPED = re.compile("[\udc80-\udcff]")


def has_bad_bytes(value: str) -> bool:
    """Whether text decoded with ``surrogateescape`` held bytes that are not UTF-8."""
    return not value.isascii() and _ESCAPED.search(value) is not None


def printable(value: str) -> str:
    """Undecodable bytes shown as U+FFFD, so the row can still be identified in the output."""
    return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


# --------------------------------------------------------------------------------------------------
# Planning


def plan_input(
    path: Path, partitions: int | None = None, rows_per_partition: int = 10_000, min_partitions: int = 1
) -> InputPlan:
    """Read the input once, without screening: its columns, its counts and where its partitions begin.

    ``partitions``: how many (at most; a partition begins only at a checkpoint every
    :data:`CHECKPOINT_ROWS` rows), else as many as it takes to hold ``rows_per_partition`` rows each, and at
    least ``min_partitions`` (so that every worker has a share to the end of a small file). A
    file that cannot be read at all (missing, no ``name`` column, not Parquet) is an InputError."""
    if not path.exists():
        raise InputError("input", f"{path} does not exist")
    kind = input_kind(path)
    if kind == "parquet":
        return _plan_parquet(path, partitions, rows_per_partition, min_partitions)
    if not path.is_file():
        raise InputError("input", f"{path} is not a file")
    with path.open("rb") as fh:
        _check_line_endings(fh, path)
        if kind == "jsonl":
            return _plan_text(path, kind, [], 0, _JsonCounter(), fh, (partitions, rows_per_partition, min_partitions))
        columns, header_end = _read_header(fh, path)
        counter = _CsvCounter(len(columns))
        return _plan_text(
            path, kind, columns, header_end, counter, fh, (partitions, rows_per_partition, min_partitions)
        )


def _check_line_endings(fh: BinaryIO, path: Path) -> None:
    head = fh.read(_SNIFF_BYTES)
    fh.seek(0)
    if b"\r" in head and b"\n" not in head:
        raise InputError(
            "input",
            f"{path.name}: lines end in a bare carriage return (old Mac style); save it with LF or CRLF line ends",
        )


def _too_long(name: str, line: int, cap: int) -> InputError:
    return InputError("input", f"{name}: line {line} is longer than {cap:,} bytes (limit: EXPORTGATE_MAX_INPUT_BYTES); "
                               "a file of parties has one party per line")


def _read_header(fh: BinaryIO, path: Path) -> tuple[list[str], int]:
    cap = settings.limit("input_bytes")
    raw = fh.readline(cap + 1)  # bounded: a file with no line break (2 GB of zeros) is not read whole
    if len(raw) > cap:
        raise _too_long(path.name, 1, cap)
    if not raw.strip(b"\r\n\t ").removeprefix(_BOM).strip():
        raise InputError("input", f"{path.name}: the file is empty (no header row)")
    text = raw.removeprefix(_BOM).decode("utf-8", "surrogateescape")
    if has_bad_bytes(text):
        raise InputError("input", f"{path.name}: the header row is not valid UTF-8")
    try:  # strict: a quote left open in the header would otherwise swallow the rows after it
        header = next(csv.reader([text.rstrip("\r\n")], strict=True))
    except csv.Error as exc:
        raise InputError("input", f"{path.name}: header row is not valid CSV ({exc})") from None
    columns = [h.strip().lower() for h in header]
    require_name(columns, path)
    return columns, len(raw)


def require_name(columns: list[str], path: Path) -> None:
    if "name" not in [c.strip().lower() for c in columns]:
        shown = ", ".join(columns) or "none"
        raise InputError("input", f"{path.name}: no 'name' column (columns: {shown}); expected name, country, type, id")


class _JsonCounter:
    """Rows per line of a JSON lines file: one per non-blank line. Also notes whether any line is an object
    with a ``name`` (read until one is: a file where none is, is not a file of parties)."""

    def __init__(self) -> None:
        self.seen_name = False

    def records(self, lines: _Lines) -> Iterator[int]:
        for text in lines:
            if not text.strip():
                yield 0
                continue
            if not self.seen_name:
                self.seen_name = _has_name(text)
            yield 1


def _has_name(text: str) -> bool:
    try:
        doc = json.loads(text)
    except ValueError:
        return False
    return isinstance(doc, dict) and any(str(k).strip().lower() == "name" for k in doc)


class _CsvCounter:
    """Rows per CSV record, exactly as :func:`_csv_rows` gives them (tests check the two agree)."""

    def __init__(self, width: int) -> None:
        self.width = width

    def records(self, lines: _Lines) -> Iterator[int]:
        for first, last, values, _error in _csv_records(lines):
            if values is not None and first == last and _blank(values):
                yield 0
            else:
                yield last - first + 1


def _plan_text(
    path: Path,
    kind: str,
    columns: list[str],
    header_end: int,
    counter: _JsonCounter | _CsvCounter,
    fh: BinaryIO,
    sizing: tuple[int | None, int, int],
) -> InputPlan:
    digest = hashlib.sha256()
    fh.seek(0)
    digest.update(fh.read(header_end))
    header_lines = 1 if kind == "csv" else 0
    lines = _Lines(fh, header_end, header_lines, digest, keep_texts=kind == "csv", name=path.name)
    checkpoints: list[tuple[int, int, int, int]] = [(header_end, header_lines, 0, 0)]  # offset, line, rows, blank
    rows = blank = 0
    for n in counter.records(lines):
        rows += n
        blank += n == 0
        if rows - checkpoints[-1][2] >= CHECKPOINT_ROWS:
            checkpoints.append((lines.offset, lines.line, rows, blank))
    if isinstance(counter, _JsonCounter) and rows and not counter.seen_name:
        raise InputError("input", f"{path.name}: no line has a 'name' field")
    parts = _cut(checkpoints, (lines.offset, lines.line, rows, blank), *sizing)
    return InputPlan(str(path), kind, columns, parts, rows, lines.line, blank, header_lines, digest.hexdigest())


def _cut(
    checkpoints: list[tuple[int, int, int, int]],
    end: tuple[int, int, int, int],
    partitions: int | None,
    rows_per_partition: int,
    min_partitions: int = 1,
) -> list[Partition]:
    """Partitions from the checkpoints: about ``rows / wanted`` rows each, each starting at a checkpoint."""
    total = end[2]
    if len(checkpoints) > 1 and checkpoints[-1][0] == end[0]:
        checkpoints = checkpoints[:-1]  # a checkpoint at the very end starts nothing
    wanted = partitions if partitions else max(min_partitions, -(-total // rows_per_partition))
    wanted = max(1, min(wanted, len(checkpoints)))
    starts = sorted(
        {checkpoints[min(len(checkpoints) - 1, round(i * len(checkpoints) / wanted))] for i in range(wanted)}
    )
    bounds = [*starts, end]
    return [Partition(i, a[0], a[1], b[2] - a[2], b[1] - a[1]) for i, (a, b) in enumerate(pairwise(bounds))]


class _Lines:
    """The lines of a text file for the CSV and JSON readers, one at a time, decoded (bytes that are not UTF-8
    kept as surrogates), with the number of the last line read, the byte offset after it and, for the
    record being read, the text of its lines. Stops after line ``limit`` (a partition's last line)."""

    __slots__ = ("_cap", "_digest", "_fh", "_keep", "_limit", "_name", "bad", "line", "offset", "texts")

    def __init__(
        self,
        fh: BinaryIO,
        offset: int,
        line: int,
        digest: Any = None,
        limit: int | None = None,
        keep_texts: bool = False,
        name: str = "input",
    ) -> None:
        self._fh = fh
        self._name = name
        self._cap = settings.limit("input_bytes")  # the longest line read (the planning pass refuses longer)
        self.offset = offset
        self.line = line
        self.texts: list[str] = []
        self.bad = False  # a line of the record being read is not valid UTF-8
        self._digest = digest
        self._limit = limit
        self._keep = keep_texts  # CSV: the record's lines, to show a line of a record that is not screened

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        if self._limit is not None and self.line >= self._limit:
            raise StopIteration
        raw = self._fh.readline(self._cap + 1)
        if not raw:
            raise StopIteration
        if len(raw) > self._cap:
            raise _too_long(self._name, self.line + 1, self._cap)
        if self._digest is not None:
            self._digest.update(raw)
        at_start = self.offset == 0
        self.offset += len(raw)
        self.line += 1
        if at_start and raw.startswith(_BOM):
            raw = raw[len(_BOM) :]
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("utf-8", "surrogateescape")
            self.bad = True
        if self._keep:
            self.texts.append(text)
        return text


def _blank(values: list[str]) -> bool:
    return not values or all(not v.strip() for v in values)


def _csv_records(lines: _Lines) -> Iterator[tuple[int, int, list[str] | None, str | None]]:
    """CSV records with the numbers of their first and last lines: (first, last, values, None), or
    (first, last, None, why) for a record the csv module cannot read. ``lines.texts`` holds the record's
    lines until the next record is asked for."""
    reader = csv.reader(lines)
    while True:
        before = lines.line
        lines.texts = []
        lines.bad = False
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield before + 1, lines.line, None, str(exc)
            continue
        yield before + 1, lines.line, values, None


# --------------------------------------------------------------------------------------------------
# Reading a partition


def read_partition(plan: InputPlan, part: Partition) -> Iterator[Row]:
    """The rows of one partition, in order (any process that can read the file can call this)."""
    path = Path(plan.path)
    if plan.kind == "parquet":
        yield from _parquet_rows(plan, part)
        return
    try:
        fh = path.open("rb")
    except OSError as exc:
        raise InputError("input", f"cannot read {path}: {exc.strerror or exc}") from None
    with fh:
        fh.seek(part.offset)
        lines = _Lines(fh, part.offset, part.line, limit=part.line + part.lines, keep_texts=plan.kind == "csv")
        yield from _jsonl_rows(lines) if plan.kind == "jsonl" else _csv_rows(lines, plan.columns)


def iter_rows(plan: InputPlan) -> Iterator[Row]:
    """Every row of the input, partition after partition."""
    for part in plan.partitions:
        yield from read_partition(plan, part)


def read_rows(path: Path) -> tuple[list[Row], list[str]]:
    """Every data row of the input (with a per-row error where it cannot be read) and the columns; a
    convenience for small files (the command streams)."""
    plan = plan_input(path)
    rows = list(iter_rows(plan))
    columns = plan.columns if plan.kind != "jsonl" else sorted({k for r in rows for k in r.fields})
    return rows, columns


def _jsonl_rows(lines: _Lines) -> Iterator[Row]:
    for text in lines:
        lineno = lines.line
        bad, lines.bad = lines.bad, False
        if not text.strip():
            continue
        if bad:
            yield Row(lineno, error="line is not valid UTF-8")
            continue
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            yield Row(lineno, error=f"not valid JSON ({exc.msg})")
            continue
        if not isinstance(doc, dict):
            yield Row(lineno, error="not a JSON object")
            continue
        yield Row(lineno, doc)


def _one_line_fields(text: str, columns: list[str]) -> dict[str, Any]:
    """A line's fields read on their own (to show which party a line that was not screened holds)."""
    try:
        values = next(csv.reader([text.rstrip("\r\n")]), [])
    except csv.Error:
        values = []
    return {c: printable(values[i]) if i < len(values) else "" for i, c in enumerate(columns)}


def _open_at_end(texts: list[str]) -> bool:
    """Whether the file's last line (no line break after it) ends inside a quoted field."""
    if len(texts) != 1 or texts[0].endswith(("\n", "\r")):
        return False
    try:
        next(csv.reader(texts, strict=True), None)
    except csv.Error as exc:
        return "unexpected end of data" in str(exc)
    return False


def _csv_rows(lines: _Lines, columns: list[str]) -> Iterator[Row]:
    width = len(columns)
    for first, last, values, error in _csv_records(lines):
        if values is None or first != last:
            texts = lines.texts
            if values is None:
                head = f"not valid CSV ({error})"
                rest = f"not screened: part of the CSV record that starts on line {first}, which is not valid CSV ({error})"
                if first != last:
                    head += f"; lines {first}-{last} were not screened"
            else:
                head = (
                    f"a quoted field runs from line {first} to line {last} (a quote not closed, or a line break "
                    f"inside a field); lines {first}-{last} were not screened"
                )
                rest = f"not screened: inside a quoted field that starts on line {first} (a quote not closed, or a line break inside a field)"
            for i, number in enumerate(range(first, last + 1)):
                text = texts[i] if i < len(texts) else ""
                yield Row(number, _one_line_fields(text, columns), head if i == 0 else rest)
            continue
        if _blank(values):
            continue
        fields = {c: (values[i] if i < len(values) else "") for i, c in enumerate(columns)}
        if lines.bad:
            shown = {c: printable(v) for c, v in fields.items()}
            yield Row(first, shown, "row is not valid UTF-8 (re-save the file as UTF-8)")
            continue
        if any("\n" in v for v in values) or _open_at_end(lines.texts):  # a quote never closed
            yield Row(
                first,
                _one_line_fields(lines.texts[0] if lines.texts else "", columns),
                "a quote is not closed (the quoted field runs to the end of the file); not screened",
            )
            continue
        if len(values) > width:
            yield Row(first, fields, f"row has {len(values)} fields, the header has {width}")
            continue
        yield Row(first, fields)


# --------------------------------------------------------------------------------------------------
# Parquet


def _parquet_files(path: Path) -> list[Path]:
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() in {".parquet", ".pq"} and p.is_file())
        if not files:
            raise InputError("input", f"{path}: the folder holds no .parquet files")
        return files
    return [path]


def _plan_parquet(path: Path, partitions: int | None, rows_per_partition: int, min_partitions: int) -> InputPlan:
    import pyarrow.parquet as pq

    files = _parquet_files(path)
    digest = hashlib.sha256()
    total = 0
    columns: list[str] = []
    for f in files:
        try:
            meta = pq.ParquetFile(f).metadata
            names = list(meta.schema.names)
        except Exception as exc:  # pyarrow raises several types for unreadable files
            raise InputError("input", f"{f.name}: not a readable Parquet file ({exc})") from None
        require_name(names, f)
        columns = columns or names
        total += meta.num_rows
        _hash_file(digest, f, named=True)
    checkpoints = [(r, r, r, 0) for r in range(0, max(total, 1), CHECKPOINT_ROWS)]
    parts = _cut(checkpoints, (total, total, total, 0), partitions, rows_per_partition, min_partitions)
    return InputPlan(
        str(path), "parquet", columns, parts, total, total, 0, 0, digest.hexdigest(), [str(f) for f in files]
    )


def _hash_file(digest: Any, path: Path, named: bool = False) -> None:
    if named:
        digest.update(f"{path.name}\x1f{path.stat().st_size}\x1f".encode())
    with path.open("rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)


def input_digest(plan: InputPlan) -> str:
    """The input's SHA-256 as the planning pass computed it (to check that a resumed input is unchanged)."""
    digest = hashlib.sha256()
    if plan.kind == "parquet":
        for name in plan.files:
            _hash_file(digest, Path(name), named=True)
    else:
        _hash_file(digest, Path(plan.path))
    return digest.hexdigest()


def _parquet_rows(plan: InputPlan, part: Partition) -> Iterator[Row]:
    import pyarrow.parquet as pq

    start, end = part.offset, part.offset + part.rows
    base = 0
    for name in plan.files:
        if base >= end:
            return
        try:
            pf = pq.ParquetFile(name)
        except Exception as exc:
            raise InputError("input", f"{Path(name).name}: not a readable Parquet file ({exc})") from None
        n = pf.metadata.num_rows
        if base + n <= start:
            base += n
            continue
        groups: list[int] = []
        first_row = None
        pos = base
        for g in range(pf.metadata.num_row_groups):
            size = pf.metadata.row_group(g).num_rows
            if pos + size > start and pos < end:
                groups.append(g)
                first_row = pos if first_row is None else first_row
            pos += size
        at = first_row if first_row is not None else base
        for batch in pf.iter_batches(batch_size=_PARQUET_BATCH, row_groups=groups):
            for rec in batch.to_pylist():
                if start <= at < end:
                    yield Row(at + 1, rec)
                at += 1
        base += n
