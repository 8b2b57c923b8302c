"""Writing results: one part file per partition, then the output put together and put in place at once.

No output is ever visible half-written under its final name: part files and the assembled output are
written to a temporary name in the same folder and renamed (``os.replace``, atomic on one file system); a
folder of Parquet files (``--out results/``) is assembled as a temporary folder and swapped in.

Outputs: ``.csv``, ``.jsonl`` (``.ndjson``), ``.parquet`` (one file), or a folder of Parquet files (a path
without a suffix, or ending in ``/``: one ``part-NNNNN.parquet`` per partition, as Dask writes them).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import shutil
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from exportgate import safe
from exportgate.errors import InputError
from exportgate.screen.batch.readers import INPUT_KINDS, has_bad_bytes, printable
from exportgate.screen.batch.rows import OUTPUT_COLUMNS, matches_text

PART_SUFFIX = {"csv": ".csv", "jsonl": ".jsonl", "parquet": ".parquet", "parquet-dir": ".parquet"}
PARQUET_ROW_GROUP = 10_000  # rows buffered before a Parquet row group is written (memory stays bounded)


def output_kind(path: Path | str) -> str:
    """``csv``, ``jsonl``, ``parquet`` (one file) or ``parquet-dir`` (a folder of Parquet files)."""
    text = str(path)
    p = Path(text)
    if text.endswith(("/", os.sep)) or p.is_dir() or not p.suffix:
        return "parquet-dir"
    kind = INPUT_KINDS.get(p.suffix.lower())
    if kind is None:
        raise InputError(
            "out", f"{p.name}: unknown file type {p.suffix}; use .csv, .jsonl, .parquet or a folder (no suffix)"
        )
    return kind


def csv_cell(value: Any) -> str:
    """The text of one CSV cell. Every cell of the CSV output is written through here: a cell a spreadsheet
    would read as a formula (``=``, ``+``, ``-``, ``@``, tab, carriage return) gets a leading quote
    (``exportgate.safe.csv_cell``, as OWASP recommends)."""
    return "" if value is None else str(safe.csv_cell(value if isinstance(value, str) else str(value)))


def _arrow_schema() -> Any:
    import pyarrow as pa

    return pa.schema(
        [
            ("row", pa.int64()), ("id", pa.string()), ("name", pa.string()), ("country", pa.string()),
            ("type", pa.string()), ("status", pa.string()), ("error", pa.string()), ("match_count", pa.int64()),
            ("best_score", pa.float64()), ("best_strength", pa.string()), ("best_entity_id", pa.string()),
            ("best_list", pa.string()), ("best_name", pa.string()), ("best_matched_name", pa.string()),
            ("matches", pa.string()),
        ]
    )  # fmt: skip


def _flat(r: dict[str, Any]) -> dict[str, Any]:
    """A row for Parquet: matches as JSON text, text columns as valid UTF-8 strings."""
    flat = {**r, "matches": matches_text(r)}
    for key in ("id", "name", "country", "type"):
        value = flat[key]
        if value is not None and not isinstance(value, str):
            value = str(value)
        if isinstance(value, str) and has_bad_bytes(value):
            value = printable(value)
        flat[key] = value
    return flat


def _safe_text(value: str) -> str:
    return printable(value) if has_bad_bytes(value) else value


class PartWriter:
    """Writes the rows of one partition to ``path`` (a temporary name until :meth:`commit`)."""

    def __init__(self, kind: str, path: Path) -> None:
        self.kind = kind
        self.path = path
        self.tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
        self.rows = 0
        self._fh: Any = None
        self._csv: Any = None
        self._pq: Any = None
        self._buffer: list[dict[str, Any]] = []
        if kind in {"csv", "jsonl"}:
            self._fh = self.tmp.open("w", encoding="utf-8", newline="")
            if kind == "csv":
                self._csv = csv.writer(self._fh)

    def write(self, rows: Sequence[dict[str, Any]]) -> None:
        self.rows += len(rows)
        if self.kind == "jsonl":
            self._fh.write("".join(json.dumps(_jsonl_row(r), ensure_ascii=False) + "\n" for r in rows))
        elif self.kind == "csv":
            self._csv.writerows(csv_row(r) for r in rows)
        else:
            self._buffer += map(_flat, rows)
            if len(self._buffer) >= PARQUET_ROW_GROUP:
                self._flush()

    def _flush(self) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        if self._pq is None:
            self._pq = pq.ParquetWriter(self.tmp, _arrow_schema())
        if self._buffer:
            self._pq.write_table(pa.Table.from_pylist(self._buffer, schema=_arrow_schema()))
            self._buffer = []

    def commit(self) -> None:
        """Finish the file and give it its name."""
        if self.kind in {"csv", "jsonl"}:
            self._fh.flush()
            os.fsync(self._fh.fileno())
            self._fh.close()
        else:
            self._flush()
            self._pq.close()
        os.replace(self.tmp, self.path)

    def abort(self) -> None:
        with contextlib.suppress(Exception):
            if self._fh is not None:
                self._fh.close()
            if self._pq is not None:
                self._pq.close()
        self.tmp.unlink(missing_ok=True)


def _jsonl_row(r: dict[str, Any]) -> dict[str, Any]:
    return {k: _safe_text(v) if isinstance(v, str) else v for k, v in r.items()}


def csv_row(r: dict[str, Any]) -> list[str]:
    """The cells of one output row in the CSV output."""
    return [csv_cell(matches_text(r) if c == "matches" else r[c]) for c in OUTPUT_COLUMNS]


def csv_header() -> str:
    buf = io.StringIO()
    csv.writer(buf).writerow(OUTPUT_COLUMNS)
    return buf.getvalue()


def temp_sibling(path: Path, what: str = "tmp") -> Path:
    """A temporary name next to ``path`` (same folder, so a rename puts it in place)."""
    return path.with_name(f".{path.name}.{what}-{os.getpid()}")


def assemble(kind: str, parts: Iterable[Path], out: Path) -> None:
    """Put the finished part files together as ``out`` and rename it into place (a folder of Parquet parts
    is moved as it is: see :func:`swap_dir`). Streams: one part at a time."""
    parts = list(parts)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_sibling(out)
    try:
        if kind in {"csv", "jsonl"}:
            with tmp.open("wb") as fh:
                if kind == "csv":
                    fh.write(csv_header().encode("utf-8"))
                for part in parts:
                    with part.open("rb") as src:
                        shutil.copyfileobj(src, fh, 1 << 20)
                fh.flush()
                os.fsync(fh.fileno())
        else:
            import pyarrow.parquet as pq

            with pq.ParquetWriter(tmp, _arrow_schema()) as writer:
                for part in parts:
                    table = pq.read_table(part, schema=_arrow_schema())
                    if table.num_rows:
                        writer.write_table(table)
        os.replace(tmp, out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise InputError("out", f"cannot write {out}: {exc.strerror or exc}") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def swap_dir(new: Path, out: Path) -> None:
    """Put the finished folder ``new`` in place as ``out``. A rename when ``out`` does not exist; else the
    old one is renamed aside first and deleted after, so ``out`` is never a mix of old and new files."""
    out = Path(str(out).rstrip("/" + os.sep)) if str(out) not in {"/", os.sep} else out
    out.parent.mkdir(parents=True, exist_ok=True)
    if not out.exists() and not out.is_symlink():
        os.rename(new, out)
        return
    old = temp_sibling(out, "old")
    os.rename(out, old)
    try:
        os.rename(new, out)
    except OSError:
        os.rename(old, out)
        raise
    if old.is_dir() and not old.is_symlink():
        shutil.rmtree(old, ignore_errors=True)
    else:
        old.unlink(missing_ok=True)


def write_results(results: list[dict[str, Any]], path: Path) -> None:
    """Write results as CSV, JSON lines or Parquet (by ``path``'s suffix; a folder of Parquet without one);
    in CSV and Parquet the matches column holds JSON text. Written to a temporary name, then renamed."""
    kind = output_kind(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "parquet-dir":
        folder = temp_sibling(Path(str(path).rstrip("/" + os.sep)), "new")
        folder.mkdir()
        writer = PartWriter("parquet", folder / "part-00000.parquet")
        writer.write(results)
        writer.commit()
        swap_dir(folder, path)
        return
    part = temp_sibling(path, "part")
    writer = PartWriter(kind, part)
    try:
        writer.write(results)
        writer.commit()
        assemble(kind, [part], path)
    finally:
        writer.abort()
        part.unlink(missing_ok=True)
