"""Screening one partition, in whatever process does it: this one, a forked local worker or a Dask worker.

A worker screens with the screener of its process (:func:`set_worker_screener`: set before a fork, or by
the worker's start-up — never sent with a task), remembers the records it screened (:func:`memo_for`),
writes the partition's part file under a temporary name and renames it, then writes the partition's
counts (its ``done`` file): a partition is finished when that file exists.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

from exportgate.errors import ExportgateError
from exportgate.screen.batch.readers import InputPlan, Partition, read_partition
from exportgate.screen.batch.rows import ResultMemo, chunks, screen_chunk
from exportgate.screen.batch.writers import PART_SUFFIX, PartWriter
from exportgate.screen.gcpause import gc_paused
from exportgate.screen.screener import Screener

ERROR_EXAMPLES = 20  # rows with an error kept per partition for the summary


class ProgressSink(Protocol):
    def start(self, total_rows: int, done_rows: int) -> None: ...

    def advance(self, rows: int) -> None: ...


@dataclass(slots=True)
class PartStats:
    """What screening one partition gave (also its ``done`` file)."""

    index: int
    rows: int = 0
    ok: int = 0
    errors: int = 0
    alerts: int = 0  # rows with at least one match
    strong: int = 0  # rows whose best match is strong
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # CPU time of the process that screened it (on a shared host: its own share)
    memo_hits: int = 0
    pid: int = 0
    peak_rss_mb: float = 0.0  # the peak resident memory of the process that screened it
    pss_mb: float = 0.0  # its proportional set size at the end (shared pages split among the sharers; Linux)
    index_fingerprint: str = ""
    error_examples: list[list[Any]] = field(default_factory=list)  # [row, error]

    def add(self, results: list[dict[str, Any]]) -> None:
        for r in results:
            self.rows += 1
            if r["status"] == "error":
                self.errors += 1
                if len(self.error_examples) < ERROR_EXAMPLES:
                    self.error_examples.append([r["row"], r["error"]])
                continue
            self.ok += 1
            self.alerts += bool(r["match_count"])
            self.strong += r["best_strength"] == "strong"


@dataclass(frozen=True, slots=True)
class PartTask:
    """A partition to screen, with everything a worker needs besides the screener (small: pickled per task)."""

    plan: InputPlan
    part: Partition
    work: str
    part_kind: str  # csv | jsonl | parquet
    threshold: float | None


# --------------------------------------------------------------------------------------------------
# Screening one partition (in this process, a forked worker or a Dask worker)

_SCREENER: Screener | None = None
_LOAD_ERROR: str | None = None  # why this worker could not load its screener (reported by its first task)
_MEMO = ResultMemo()
_MEMO_OWNER: tuple[int, str] = (0, "")  # the screener the memo's results came from (id, index fingerprint)
_PROGRESS: Any = None  # a multiprocessing queue the local workers report rows to


def set_worker_screener(screener: Screener) -> None:
    """The screener this process screens partitions with (set before forking workers, or by a worker's
    start-up: it is never sent with a task)."""
    global _SCREENER
    _SCREENER = screener


def set_progress_queue(queue: Any) -> None:
    """A queue this (local worker) process reports the rows it screens to."""
    global _PROGRESS
    _PROGRESS = queue


def set_load_error(problem: str) -> None:
    """Why this worker has no screener: its first task says so (a worker that died at start-up would be
    replaced by another, again and again)."""
    global _LOAD_ERROR
    _LOAD_ERROR = problem


def worker_screener() -> Screener:
    if _SCREENER is None:
        raise ExportgateError(f"a worker could not load the screener: {_LOAD_ERROR or 'not loaded'}")
    return _SCREENER


def memo_for(screener: Screener) -> ResultMemo:
    """This process's memo of screened records, emptied when another screener (other lists) is used."""
    global _MEMO, _MEMO_OWNER
    owner = (id(screener), screener.index.fingerprint)
    if owner != _MEMO_OWNER:
        _MEMO, _MEMO_OWNER = ResultMemo(), owner
    return _MEMO


def part_name(index: int, kind: str) -> str:
    return f"part-{index:05d}{PART_SUFFIX[kind]}"


def screen_partition(
    task: PartTask, screener: Screener | None = None, progress: Callable[[int], None] | None = None
) -> PartStats:
    """Screen one partition into its part file and write its ``done`` file; returns its counts."""
    screener = screener or worker_screener()
    started = time.perf_counter()
    cpu = time.process_time()
    work = Path(task.work)
    stats = PartStats(task.part.index, pid=os.getpid(), index_fingerprint=screener.index.fingerprint)
    memo = memo_for(screener)
    hits = memo.hits
    writer = PartWriter(task.part_kind, work / "parts" / part_name(task.part.index, task.part_kind))
    # The cyclic garbage collector paused for the whole partition, not only inside each chunk's screen_many:
    # re-enabled between chunks, it collected every 200 rows what the chunk left alive (results, the caches'
    # new entries) and now and then every cache in full: 8% of a worker's time (sampled with py-spy).
    # Screening makes no reference cycles; whatever a partition leaves is collected after it.
    try:
        with gc_paused():
            for chunk in chunks(read_partition(task.plan, task.part)):
                results = screen_chunk(screener, chunk, task.threshold, memo)
                writer.write(results)
                stats.add(results)
                if progress is not None:
                    progress(len(chunk))
                elif _PROGRESS is not None:
                    _PROGRESS.put(len(chunk))
        writer.commit()
    except BaseException:
        writer.abort()
        raise
    stats.seconds = time.perf_counter() - started
    stats.cpu_seconds = time.process_time() - cpu
    stats.memo_hits = memo.hits - hits
    stats.peak_rss_mb = peak_rss_mb()
    stats.pss_mb = pss_mb()
    write_json(work / "done" / f"part-{task.part.index:05d}.json", asdict(stats))
    return stats


def peak_rss_mb() -> float:
    """This process's peak resident memory so far, in MB.

    Linux's ``VmHWM`` first: ``ru_maxrss`` survives ``exec``, so a process started by a large parent (a
    test run, a notebook) would report the parent's size as its own peak."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except (OSError, ValueError, IndexError):
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024, 1)


def pss_mb() -> float:
    """This process's proportional set size in MB (pages shared with forked siblings counted in part); 0.0
    where /proc does not tell."""
    try:
        for line in Path("/proc/self/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return round(int(line.split()[1]) / 1024, 1)
    except (OSError, ValueError, IndexError):
        pass
    return 0.0


def write_json(path: Path, doc: Any) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)
