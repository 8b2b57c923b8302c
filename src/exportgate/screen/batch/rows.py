"""From input rows to output rows: each row's record goes through :meth:`Screener.screen_many` and comes
back as one flat result (:data:`OUTPUT_COLUMNS`), status ``ok`` or ``error``, never an exception.

A batch repeats itself: customer and transaction files name the same parties again and again. A row whose
record (name, country, type, date of birth, identifiers) was screened before in the same process is
answered from :class:`ResultMemo` — the same answer, since screening a record depends on nothing but the
record, the lists and the threshold (``tests/screen_match/test_batch.py`` checks batch results against
one-by-one results).
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from itertools import islice
from typing import Any

from exportgate.errors import InputError
from exportgate.screen.batch.readers import Row
from exportgate.screen.screener import Screener, ScreenResult, validate_type

OUTPUT_COLUMNS = [
    "row", "id", "name", "country", "type", "status", "error", "match_count", "best_score",
    "best_strength", "best_entity_id", "best_list", "best_name", "best_matched_name", "matches",
]  # fmt: skip
MATCH_SUMMARY_LIMIT = 10  # matches kept per row in the batch output (best first)
#: the fields of :meth:`Match.to_json` kept per match in the batch output (the explanation is left out)
MATCH_FIELDS = ("entity_id", "list", "name", "matched_name", "score", "strength", "country", "entity_list_footnote")
CHUNK = 200  # rows screened between two progress reports
MEMO_SIZE = 200_000  # records remembered per process, the least recently seen forgotten first (about 0.1 GB)
_NO_DATES: dict[str, str] = {}


class ResultMemo:
    """Results of records already screened in this process, by record; bounded (least recently used out).

    Repeats in a customer file are spread over it, not next to each other: the memo keeps the most recently
    seen records rather than starting again empty when full (on the benchmark's million names that catches
    three times as many repeats). A result is kept without its query and list dates (the batch row does not
    use them), so an entry is small."""

    __slots__ = ("_items", "hits", "size")

    def __init__(self, size: int = MEMO_SIZE) -> None:
        self._items: OrderedDict[tuple[Any, ...], ScreenResult] = OrderedDict()
        self.size = size
        self.hits = 0

    def get(self, key: tuple[Any, ...] | None) -> ScreenResult | None:
        if key is None:
            return None
        res = self._items.get(key)
        if res is not None:
            self.hits += 1
            self._items.move_to_end(key)
        return res

    def put(self, key: tuple[Any, ...] | None, res: ScreenResult) -> None:
        if key is None or (res.error is not None and res.error.startswith("internal error")):
            return
        if len(self._items) >= self.size:
            self._items.popitem(last=False)
        self._items[key] = ScreenResult("", _NO_DATES, res.matches, res.warnings, res.error)


def _key(rec: dict[str, Any], threshold: float | None) -> tuple[Any, ...] | None:
    """A hashable key of everything screening a record depends on (None: not hashable, not memoised)."""
    ids = rec["identifiers"]
    if isinstance(ids, Mapping):
        ids = ("map", tuple((str(k), str(v)) for k, v in ids.items()))
    elif isinstance(ids, list):
        ids = ("list", tuple(str(v) for v in ids))
    key = (rec["name"], rec["country"], rec["type"], rec["dob"], rec.get("nationality"), ids, threshold)
    try:
        hash(key)
    except TypeError:
        return None
    return key


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value != value:  # NaN from Parquet
        return None
    return str(value).strip() or None


def _identifiers(value: Any) -> Any:
    """A list or mapping (JSON lines, Parquet) as given; anything else as one identifier."""
    if value is None or type(value) is str:  # a CSV cell (the check against Mapping, an ABC, costs more)
        return _text(value)
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


def record(f: dict[str, Any]) -> dict[str, Any]:
    """The screen_many record of a readable row; InputError for a row with no usable name or type.

    A name with a line break is refused: in a file of one party per row it is two values run together
    (most often a quote left open in a spreadsheet export), not one party's name."""
    name = f.get("name")
    if name is None or (isinstance(name, str) and not name.strip()):
        raise InputError("name", "is empty")
    if not isinstance(name, str):
        raise InputError("name", f"must be text, got {type(name).__name__}")
    if "\n" in name or "\r" in name:
        raise InputError("name", "contains a line break (one party per row: check the quoting of this row)")
    return {
        "name": name,
        "country": _text(f.get("country")),
        "type": validate_type(_text(f.get("type"))),
        "dob": _text(f.get("dob")),
        "nationality": _text(f.get("nationality")),
        "identifiers": _identifiers(f.get("identifiers")),
    }


def fill(out: dict[str, Any], res: ScreenResult) -> None:
    """Copy a screening result into an output row."""
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
                results.append(
                    ScreenResult(
                        query=rec["name"],
                        lists_as_of=dict(screener.lists_as_of),
                        error=f"internal error: {type(exc).__name__}: {exc}",
                    )
                )
        return results


def screen_chunk(
    screener: Screener, rows: list[Row], threshold: float | None, memo: ResultMemo | None = None
) -> list[dict[str, Any]]:
    """One output row per input row, in order. Records seen before (``memo``, or earlier in this chunk)
    are screened once."""
    results: list[dict[str, Any]] = []
    pending: dict[Any, list[dict[str, Any]]] = {}  # key -> the output rows waiting for its result
    records: list[tuple[Any, dict[str, Any]]] = []
    for row in rows:
        f = {str(k).strip().lower(): v for k, v in row.fields.items()}
        out = _base(row, f)
        results.append(out)
        if row.error is not None:
            out.update(status="error", error=row.error)
            continue
        try:
            rec = record(f)
        except InputError as exc:
            out.update(status="error", error=str(exc))
            continue
        key = _key(rec, threshold)
        known = memo.get(key) if memo is not None else None
        if known is not None:
            fill(out, known)
            continue
        slot = key if key is not None else ("unhashable", len(records))
        waiting = pending.get(slot)
        if waiting is None:
            pending[slot] = [out]
            records.append((key, rec))
        else:
            waiting.append(out)
    if records:
        screened = _screen_chunk(screener, [rec for _key_, rec in records], threshold)
        for (key, _rec), res, slot in zip(records, screened, pending, strict=True):
            for out in pending[slot]:
                fill(out, res)
            if memo is not None:
                memo.put(key, res)
    return results


def chunks(rows: Iterable[Row], size: int = CHUNK) -> Iterator[list[Row]]:
    it = iter(rows)
    while chunk := list(islice(it, size)):
        yield chunk


def screen_rows(
    screener: Screener,
    rows: Iterable[Row],
    threshold: float | None = None,
    progress: Callable[[int], None] | None = None,
    memo: ResultMemo | None = None,
) -> list[dict[str, Any]]:
    """One output row (the :data:`OUTPUT_COLUMNS`) per input row, in order; ``progress(n)`` is called
    after every ``n`` rows screened. (In memory: for a file of any size, see :func:`run_batch`.)"""
    results: list[dict[str, Any]] = []
    memo = memo if memo is not None else ResultMemo()
    for chunk in chunks(rows):
        results += screen_chunk(screener, chunk, threshold, memo)
        if progress is not None:
            progress(len(chunk))
    return results


def matches_text(out: dict[str, Any]) -> str:
    """The matches of an output row as JSON text (the CSV and Parquet column)."""
    matches = out["matches"]
    return json.dumps(matches, ensure_ascii=False) if matches else "[]"
