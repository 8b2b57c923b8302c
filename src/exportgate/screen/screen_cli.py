"""``exportgate screen NAME`` and ``exportgate screen-batch INPUT --out OUTPUT``."""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from exportgate.errors import ExportgateError, InputError
from exportgate.screen.gcpause import gc_paused
from exportgate.screen.screener import (
    Screener,
    ScreenResult,
    validate_country,
    validate_name,
    validate_threshold,
    validate_type,
)

INPUT_KINDS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet", ".pq": "parquet"}
OUTPUT_COLUMNS = [
    "row", "id", "name", "country", "type", "status", "error", "match_count", "best_score",
    "best_strength", "best_entity_id", "best_list", "best_name", "best_matched_name", "matches",
]  # fmt: skip
MATCH_SUMMARY_LIMIT = 10  # matches kept per row in the batch output (best first)


def _fail(exc: ExportgateError) -> None:
    typer.echo(f"error: {exc}", err=True)
    raise typer.Exit(2)


HomeOpt = Annotated[
    Path | None,
    typer.Option("--home", help="Data home for updated lists (default: $EXPORTGATE_HOME or ~/.exportgate)."),
]


def _screener(home: Path | None) -> Screener:
    from exportgate.screen.lists import load_active

    return Screener(load_active(home))


def screen_cmd(
    name: Annotated[str, typer.Argument(help="Name of the party to screen.")],
    country: Annotated[
        str | None, typer.Option("--country", help="ISO 3166 alpha-2 country of the party (evidence).")
    ] = None,
    type_: Annotated[str | None, typer.Option("--type", help="entity or person (evidence).")] = None,
    threshold: Annotated[
        float | None, typer.Option("--threshold", help="Report matches scoring at least this (0-1).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    home: HomeOpt = None,
) -> None:
    """Screen one name against the restricted-party lists; matches best first."""
    try:
        validate_name(name)
        validate_country(country)
        etype = validate_type(type_)
        if etype is not None and etype.value not in {"entity", "person"}:
            raise InputError("type", f"must be entity or person, got {type_!r}")
        validate_threshold(threshold)
        screener = _screener(home)
        res = screener.screen(name, country=country, type=etype, threshold=threshold)
    except ExportgateError as exc:
        _fail(exc)
        return
    if as_json:
        typer.echo(json.dumps(res.to_json(), ensure_ascii=False, indent=2))
        return
    _print_result(res, screener, threshold)


def _print_result(res: ScreenResult, screener: Screener, threshold: float | None) -> None:
    console = Console()
    dates = ", ".join(f"{k} {v}" for k, v in sorted(res.lists_as_of.items()))
    for w in res.warnings:
        console.print(f"[yellow]warning:[/yellow] {w}")
    thr = threshold if threshold is not None else screener.config.potential_threshold
    if not res.matches:
        console.print(f"No match at or above {thr:.2f} for [bold]{res.query}[/bold].")
        console.print(f"Lists as of: {dates}")
        return
    table = Table(title=f"Screening '{res.query}' — {len(res.matches)} match(es) at or above {thr:.2f}")
    table.add_column("Score", justify="right")
    table.add_column("Strength")
    table.add_column("List")
    table.add_column("Listed name")
    table.add_column("Matched name")
    table.add_column("Country")
    table.add_column("EL footnote")
    table.add_column("License policy")
    table.add_column("Entity id")
    for m in res.matches:
        style = "bold red" if m.strength == "strong" else "yellow"
        table.add_row(
            f"{m.score:.3f}",
            f"[{style}]{m.strength}[/{style}]",
            m.list,
            m.name,
            m.matched_name if m.matched_name != m.name else "",
            m.country or "",
            str(m.entity_list_footnote) if m.entity_list_footnote is not None else "",
            m.license_policy or "",
            m.entity_id,
        )
    console.print(table)
    best = res.matches[0]
    aligned = ", ".join(
        f"{a['query']}~{a['listed']} ({a['similarity']:.2f}, w {a['query_weight']:.1f})"
        for a in best.explanation["aligned"]
    )
    console.print(f"Best match: tokens {aligned}; features {best.explanation['features']}")
    console.print(f"Lists as of: {dates}  (use --json for every match's full explanation)")


# --------------------------------------------------------------------------------------------------
# Batch


class _Row:
    __slots__ = ("error", "fields", "number")

    def __init__(self, number: int, fields: dict[str, Any] | None, error: str | None = None) -> None:
        self.number = number
        self.fields = fields or {}
        self.error = error


def _kind(path: Path, field: str) -> str:
    kind = INPUT_KINDS.get(path.suffix.lower())
    if kind is None:
        raise InputError(
            field, f"{path.name}: unknown file type {path.suffix or '(none)'}; use .csv, .jsonl or .parquet"
        )
    return kind


def _has_bad_bytes(value: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for ch in value)


def _printable(value: str) -> str:
    """Undecodable bytes shown as U+FFFD, so the row can still be identified in the output."""
    return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _read_rows(path: Path) -> tuple[list[_Row], list[str]]:
    """Every data row of the input (with a per-row error where it cannot be read) and the columns."""
    kind = _kind(path, "input")
    if not path.is_file():
        raise InputError("input", f"{path} does not exist")
    if kind == "parquet":
        try:
            import pyarrow.parquet as pq

            table = pq.read_table(path)
        except Exception as exc:  # pyarrow raises several types for unreadable files
            raise InputError("input", f"{path.name}: not a readable Parquet file ({exc})") from None
        columns = list(table.column_names)
        _require_name(columns, path)
        return [_Row(i + 1, dict(r)) for i, r in enumerate(table.to_pylist())], columns
    raw = path.read_bytes()
    text = raw.decode("utf-8-sig", errors="surrogateescape")
    if kind == "jsonl":
        rows: list[_Row] = []
        columns_seen: set[str] = set()
        for lineno, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            if _has_bad_bytes(line):
                rows.append(_Row(lineno, None, "line is not valid UTF-8"))
                continue
            try:
                doc = json.loads(line)
            except json.JSONDecodeError as exc:
                rows.append(_Row(lineno, None, f"not valid JSON ({exc.msg})"))
                continue
            if not isinstance(doc, dict):
                rows.append(_Row(lineno, None, "not a JSON object"))
                continue
            columns_seen.update(doc)
            rows.append(_Row(lineno, doc))
        if rows and "name" not in columns_seen:
            raise InputError("input", f"{path.name}: no line has a 'name' field")
        return rows, sorted(columns_seen)
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
    rows = []
    while True:
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            rows.append(_Row(reader.line_num, None, f"not valid CSV ({exc})"))
            continue
        if not values or all(not v.strip() for v in values):
            continue
        number = reader.line_num
        fields = {c: (values[i] if i < len(values) else "") for i, c in enumerate(columns)}
        if any(_has_bad_bytes(v) for v in values):
            shown = {c: _printable(v) for c, v in fields.items()}
            rows.append(_Row(number, shown, "row is not valid UTF-8 (re-save the file as UTF-8)"))
            continue
        if len(values) > len(columns):
            rows.append(_Row(number, fields, f"row has {len(values)} fields, the header has {len(columns)}"))
            continue
        rows.append(_Row(number, fields))
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


def _screen_row(screener: Screener, row: _Row, threshold: float | None) -> dict[str, Any]:
    f = {str(k).strip().lower(): v for k, v in row.fields.items()}
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
    if row.error is not None:
        out.update(status="error", error=row.error)
        return out
    try:
        name = f.get("name")
        if name is None or (isinstance(name, str) and not name.strip()):
            raise InputError("name", "is empty")
        if not isinstance(name, str):
            raise InputError("name", f"must be text, got {type(name).__name__}")
        etype = validate_type(_text(f.get("type")))
        res = screener.screen(
            name,
            country=_text(f.get("country")),
            type=etype,
            dob=_text(f.get("dob")),
            threshold=threshold,
        )
    except InputError as exc:
        out.update(status="error", error=str(exc))
        return out
    except Exception as exc:  # never let one row stop the batch
        out.update(status="error", error=f"internal error: {type(exc).__name__}: {exc}")
        return out
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
        {
            "entity_id": m.entity_id,
            "list": m.list,
            "name": m.name,
            "matched_name": m.matched_name,
            "score": m.score,
            "strength": m.strength,
            "country": m.country,
            "entity_list_footnote": m.entity_list_footnote,
        }
        for m in res.matches[:MATCH_SUMMARY_LIMIT]
    ]
    if res.warnings:
        out["error"] = "; ".join(res.warnings)
    return out


def _write(results: list[dict[str, Any]], path: Path) -> None:
    kind = _kind(path, "out")
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
                r[key] = r[key].encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    pq.write_table(pa.Table.from_pylist(flat, schema=schema), path)


def _chunks(items: list[_Row], size: int) -> Iterator[list[_Row]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def screen_batch_cmd(
    input_path: Annotated[Path, typer.Argument(metavar="INPUT", help="CSV, JSON lines or Parquet file of parties.")],
    out: Annotated[Path, typer.Option("--out", help="Output file (.csv, .jsonl or .parquet).")],
    threshold: Annotated[
        float | None, typer.Option("--threshold", help="Report matches scoring at least this (0-1).")
    ] = None,
    home: HomeOpt = None,
) -> None:
    """Screen every row of a file of parties (columns name, country, type, id); write one result per row.

    Rows that cannot be screened get status "error" with the reason; the others status "ok". Exit code
    0 when every row was screened, 1 when some rows could not be, 2 when the file cannot be read.
    """
    err = Console(stderr=True)
    try:
        validate_threshold(threshold)
        _kind(out, "out")
        rows, _columns = _read_rows(input_path)
        screener = _screener(home)
    except ExportgateError as exc:
        _fail(exc)
        return
    results: list[dict[str, Any]] = []
    with Progress(
        TextColumn("screening"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("rows"),
        TimeRemainingColumn(),
        console=err,
        transient=not sys.stderr.isatty(),
    ) as progress:
        task = progress.add_task("screen", total=len(rows))
        with gc_paused():
            for chunk in _chunks(rows, 200):
                for row in chunk:
                    results.append(_screen_row(screener, row, threshold))
                progress.advance(task, len(chunk))
    try:
        _write(results, out)
    except OSError as exc:
        _fail(InputError("out", f"cannot write {out}: {exc.strerror or exc}"))
        return
    errors = [r for r in results if r["status"] == "error"]
    hits = sum(1 for r in results if r["status"] == "ok" and r["match_count"])
    strong = sum(1 for r in results if r["best_strength"] == "strong")
    dates = ", ".join(f"{k} {v}" for k, v in sorted(screener.lists_as_of.items()))
    err.print(
        f"screened {len(results) - len(errors)} of {len(results)} rows: {hits} with matches ({strong} strong), "
        f"{len(errors)} could not be screened; wrote {out}"
    )
    for r in errors[:20]:
        err.print(f"  row {r['row']}: {r['error']}")
    if len(errors) > 20:
        err.print(f"  ... and {len(errors) - 20} more (status=error in {out.name})")
    err.print(f"Lists as of: {dates}")
    if errors:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add ``screen`` and ``screen-batch`` to the top-level app."""
    app.command("screen")(screen_cmd)
    app.command("screen-batch")(screen_batch_cmd)
