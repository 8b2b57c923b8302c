"""Screening a file of parties: read CSV, JSON lines or Parquet rows, screen them through
:meth:`Screener.screen_many`, write one result per row (``exportgate screen-batch``).

```python
from exportgate.screen import Screener
from exportgate.screen.batch import read_rows, screen_rows, write_results
rows, columns = read_rows(Path("parties.csv"))        # InputError when the file cannot be read at all
results = screen_rows(Screener(), rows, threshold=None)  # one dict per row, status "ok" or "error"
write_results(results, Path("screened.parquet"))
```

Columns: ``name`` (required), ``country``, ``type``, ``dob``, ``identifiers`` (one identifier, or in
JSON lines and Parquet a list or a mapping kind -> value) and ``id`` (the caller's row id, copied to the
output). A row that cannot be read or screened gets status ``error`` with the reason; it never stops the
batch.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from exportgate.errors import InputError
from exportgate.screen.screener import Screener, ScreenResult, validate_type

INPUT_KINDS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet", ".pq": "parquet"}
OUTPUT_COLUMNS = [
    "row", "id", "name", "country", "type", "status", "error", "match_count", "best_score",
    "best_strength", "best_entity_id", "best_list", "best_name", "best_matched_name", "matches",
]  # fmt: skip
MATCH_SUMMARY_LIMIT = 10  # matches kept per row in the batch output (best first)
#: the fields of :meth:`Match.to_json` kept per match in the batch output (the explanation is left out)
MATCH_FIELDS = ("entity_id", "list", "name", "matched_name", "score", "strength", "country", "entity_list_footnote")
CHUNK = 200  # rows screened between two progress reports


@dataclass(slots=True)
class Row:
    """One data row of the input: its line (or row) number, its fields, or why it cannot be read."""

    number: int
    fields: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


def file_kind(path: Path, field_name: str) -> str:
    """``csv``, ``jsonl`` or ``parquet``, from the suffix; anything else is an InputError on ``field_name``."""
    kind = INPUT_KINDS.get(path.suffix.lower())
    if kind is None:
        raise InputError(
            field_name, f"{path.name}: unknown file type {path.suffix or '(none)'}; use .csv, .jsonl or .parquet"
        )
    return kind


def _has_bad_bytes(value: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for ch in value)


def _printable(value: str) -> str:
    """Undecodable bytes shown as U+FFFD, so the row can still be identified in the output."""
    return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def read_rows(path: Path) -> tuple[list[Row], list[str]]:
    """Every data row of the input (with a per-row error where it cannot be read) and the columns."""
    kind = file_kind(path, "input")
    if not path.is_file():
        raise InputError("input", f"{path} does not exist")
    if kind == "parquet":
        return _read_parquet(path)
    text = path.read_bytes().decode("utf-8-sig", errors="surrogateescape")
    if kind == "jsonl":
        return _read_jsonl(text, path)
    return _read_csv(text, path)


def _read_parquet(path: Path) -> tuple[list[Row], list[str]]:
    try:
        import pyarrow.parquet as pq

        table = pq.read_table(path)
    except Exception as exc:  # pyarrow raises several types for unreadable files
        raise InputError("input", f"{path.name}: not a readable Parquet file ({exc})") from None
    columns = list(table.column_names)
    _require_name(columns, path)
    return [Row(i + 1, dict(r)) for i, r in enumerate(table.to_pylist())], columns


def _read_jsonl(text: str, path: Path) -> tuple[list[Row], list[str]]:
    rows: list[Row] = []
    columns_seen: set[str] = set()
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        if _has_bad_bytes(line):
            rows.append(Row(lineno, error="line is not valid UTF-8"))
            continue
        try:
            doc = json.loads(line)
        except json.JSONDecodeError as exc:
            rows.append(Row(lineno, error=f"not valid JSON ({exc.msg})"))
            continue
        if not isinstance(doc, dict):
            rows.append(Row(lineno, error="not a JSON object"))
            continue
        columns_seen.update(doc)
        rows.append(Row(lineno, doc))
    if rows and "name" not in columns_seen:
        raise InputError("input", f"{path.name}: no line has a 'name' field")
    return rows, sorted(columns_seen)


def _read_csv(text: str, path: Path) -> tuple[list[Row], list[str]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise InputError("input", f"{path.name}: the file is empty (no header row)") from None
    except csv.Error as exc:
        raise InputError("input", f"{path.name}: header row is not valid CSV ({exc})") from None
    if any(_has_bad_bytes(h) for h in header):
        raise InputError("input", f"{path.name}: the header row is not valid UTF-8")
    columns = [h.strip().lower() for h in header]
    _require_name(columns, path)
    rows: list[Row] = []
    while True:
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            rows.append(Row(reader.line_num, error=f"not valid CSV ({exc})"))
            continue
        if not values or all(not v.strip() for v in values):
            continue
        number = reader.line_num
        fields = {c: (values[i] if i < len(values) else "") for i, c in enumerate(columns)}
        if any(_has_bad_bytes(v) for v in values):
            shown = {c: _printable(v) for c, v in fields.items()}
            rows.append(Row(number, shown, "row is not valid UTF-8 (re-save the file as UTF-8)"))
            continue
        if len(values) > len(columns):
            rows.append(Row(number, fields, f"row has {len(values)} fields, the header has {len(columns)}"))
            continue
        rows.append(Row(number, fields))
    return rows, columns


def _require_name(columns: list[str], path: Path) -> None:
    if "name" not in [c.strip().lower() for c in columns]:
        shown = ", ".join(columns) or "none"
        raise InputError("input", f"{path.name}: no 'name' column (columns: {shown}); expected name, country, type, id")


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value != value:  # NaN from Parquet
        return None
    return str(value).strip() or None


def _identifiers(value: Any) -> Any:
    """A list or mapping (JSON lines, Parquet) as given; anything else as one identifier."""
    return value if isinstance(value, list | Mapping) else _text(value)


def _base(row: Row, f: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = dict.fromkeys(OUTPUT_COLUMNS)
    out.update(
        row=row.number,
        id=_text(f.get("id")),
        name=f.get("name") if isinstance(f.get("name"), str) else _text(f.get("name")),
        country=_text(f.get("country")),
        type=_text(f.get("type")),
        match_count=0,
        matches=[],
    )
    return out


def _record(f: dict[str, Any]) -> dict[str, Any]:
    """The screen_many record of a readable row; InputError for a row with no usable name or type."""
    name = f.get("name")
    if name is None or (isinstance(name, str) and not name.strip()):
        raise InputError("name", "is empty")
    if not isinstance(name, str):
        raise InputError("name", f"must be text, got {type(name).__name__}")
    return {
        "name": name,
        "country": _text(f.get("country")),
        "type": validate_type(_text(f.get("type"))),
        "dob": _text(f.get("dob")),
        "identifiers": _identifiers(f.get("identifiers")),
    }


def _fill(out: dict[str, Any], res: ScreenResult) -> None:
    if res.error is not None:
        out.update(status="error", error=res.error)
        return
    out["status"] = "ok"
    out["match_count"] = len(res.matches)
    if res.matches:
        b = res.matches[0]
        out.update(
            best_score=b.score,
            best_strength=b.strength,
            best_entity_id=b.entity_id,
            best_list=b.list,
            best_name=b.name,
            best_matched_name=b.matched_name,
        )
    out["matches"] = [
        {key: doc[key] for key in MATCH_FIELDS} for doc in (m.to_json() for m in res.matches[:MATCH_SUMMARY_LIMIT])
    ]
    if res.warnings:
        out["error"] = "; ".join(res.warnings)


def _screen_chunk(screener: Screener, records: list[dict[str, Any]], threshold: float | None) -> list[ScreenResult]:
    try:
        return screener.screen_many(records, threshold)
    except Exception:  # a bug on one record: screen them one by one so only that row fails
        results: list[ScreenResult] = []
        for rec in records:
            try:
                results += screener.screen_many([rec], threshold)
            except Exception as exc:
                results.append(ScreenResult(query=rec["name"], lists_as_of=dict(screener.lists_as_of),
                                            error=f"internal error: {type(exc).__name__}: {exc}"))
        return results


def _chunks(items: list[Row], size: int) -> Iterator[list[Row]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def screen_rows(
    screener: Screener,
    rows: list[Row],
    threshold: float | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[dict[str, Any]]:
    """One output row (the :data:`OUTPUT_COLUMNS`) per input row, in order; ``progress(n)`` is called
    after every ``n`` rows screened."""
    results: list[dict[str, Any]] = []
    for chunk in _chunks(rows, CHUNK):
        pending: list[tuple[dict[str, Any], dict[str, Any]]] = []
        for row in chunk:
            f = {str(k).strip().lower(): v for k, v in row.fields.items()}
            out = _base(row, f)
            results.append(out)
            if row.error is not None:
                out.update(status="error", error=row.error)
                continue
            try:
                pending.append((out, _record(f)))
            except InputError as exc:
                out.update(status="error", error=str(exc))
        screened = _screen_chunk(screener, [rec for _out, rec in pending], threshold)
        for (out, _rec), res in zip(pending, screened, strict=True):
            _fill(out, res)
        if progress is not None:
            progress(len(chunk))
    return results


def write_results(results: list[dict[str, Any]], path: Path) -> None:
    """Write the results as CSV, JSON lines or Parquet (by ``path``'s suffix); in CSV and Parquet the
    matches column holds JSON text."""
    kind = file_kind(path, "out")
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "jsonl":
        with path.open("w", encoding="utf-8") as fh:
            for r in results:
                fh.write(json.dumps(r, ensure_ascii=False) + "\n")
        return
    flat = [{**r, "matches": json.dumps(r["matches"], ensure_ascii=False)} for r in results]
    if kind == "csv":
        with path.open("w", encoding="utf-8", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=OUTPUT_COLUMNS)
            w.writeheader()
            w.writerows(flat)
        return
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema(
        [
            ("row", pa.int64()), ("id", pa.string()), ("name", pa.string()), ("country", pa.string()),
            ("type", pa.string()), ("status", pa.string()), ("error", pa.string()), ("match_count", pa.int64()),
            ("best_score", pa.float64()), ("best_strength", pa.string()), ("best_entity_id", pa.string()),
            ("best_list", pa.string()), ("best_name", pa.string()), ("best_matched_name", pa.string()),
            ("matches", pa.string()),
        ]
    )  # fmt: skip
    for r in flat:
        for key in ("id", "name", "country", "type"):
            if r[key] is not None and not isinstance(r[key], str):
                r[key] = str(r[key])
            if isinstance(r[key], str) and _has_bad_bytes(r[key]):
                r[key] = _printable(r[key])
    pq.write_table(pa.Table.from_pylist(flat, schema=schema), path)
