"""One ``screen-batch`` run: plan the input, screen its partitions on an engine, put the output in place.

The run keeps its work in a folder beside the output, ``<out>.partial/``: ``manifest.json`` (what is being
screened: the input's SHA-256, the lists, the threshold, the partitions), ``parts/`` (one finished file per
partition, each renamed into place when complete) and ``done/`` (each finished partition's counts, written
after its part file: a partition is finished when its ``done`` file exists). The output is put together
from the parts only when every partition is finished, under a temporary name, then renamed; the work
folder is removed after. A run stopped part way (Ctrl-C, a signal, a crash, a lost machine) leaves its
finished partitions; ``--resume`` screens only the others, after checking that the input, the lists and
the threshold are those of the first run.

Engines (every one reads the same partitions through the same reader and screens them through the same
code, so their results are identical):

* ``local``: this machine's cores (:mod:`exportgate.screen.batch.local_engine`);
* ``dask``: a ``dask.distributed`` cluster (:mod:`exportgate.screen.batch.dask_engine`).

A partition is screened the same way by both (:func:`exportgate.screen.batch.worker.screen_partition`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import shutil
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from exportgate.errors import ExportgateError, InputError
from exportgate.screen.batch.readers import InputPlan, input_digest, plan_input
from exportgate.screen.batch.worker import (
    ERROR_EXAMPLES,
    PartStats,
    PartTask,
    ProgressSink,
    part_name,
    write_json,
)
from exportgate.screen.batch.writers import PART_SUFFIX, assemble, output_kind, swap_dir
from exportgate.screen.screener import Screener

MANIFEST_FORMAT = 1
ROWS_PER_PARTITION = 10_000
PARTITIONS_PER_WORKER = 4  # at least, by default (a small file is still shared evenly)
ENGINES = ("local", "dask")


class BatchInterrupted(Exception):
    """The run was stopped (Ctrl-C, SIGTERM) before every partition was screened; the finished ones are
    kept for ``--resume``."""

    def __init__(self, done: int, total: int, work: Path) -> None:
        self.done, self.total, self.work = done, total, work
        super().__init__(
            f"interrupted: {done} of {total} partitions finished and kept in {work}; "
            "run the same command with --resume to continue"
        )


@dataclass(slots=True)
class BatchOptions:
    input: Path
    out: Path
    threshold: float | None = None
    engine: str = "local"
    workers: int | None = None  # default: every core of this machine (local, or a LocalCluster)
    scheduler: str | None = None  # dask: the scheduler's address (else a LocalCluster)
    partitions: int | None = None
    resume: bool = False
    home: Path | None = None
    rows_per_partition: int = ROWS_PER_PARTITION
    connect_timeout: float = 10.0  # seconds to reach a Dask scheduler


@dataclass(slots=True)
class BatchSummary:
    out: Path
    engine: str
    workers: int
    rows: int
    lines: int
    header_lines: int
    blank: int
    ok: int = 0
    errors: int = 0
    alerts: int = 0
    strong: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # CPU time the workers spent on the partitions screened in this run
    partitions: int = 0
    resumed_partitions: int = 0
    resumed_rows: int = 0
    memo_hits: int = 0
    peak_rss_mb: dict[int, float] = field(default_factory=dict)  # pid -> peak MB
    pss_mb: dict[int, float] = field(default_factory=dict)  # pid -> largest proportional set size seen, MB
    error_examples: list[list[Any]] = field(default_factory=list)
    lists_as_of: dict[str, str] = field(default_factory=dict)
    input_kind: str = ""
    plan_seconds: float = 0.0  # the planning pass (reading the input once)
    start_seconds: float = 0.0  # starting the engine (a cluster, its workers loading the screener)

    @property
    def screened_now(self) -> int:
        return self.rows - self.resumed_rows

    @property
    def rows_per_second(self) -> float:
        return self.screened_now / self.seconds if self.seconds > 0 else 0.0


# --------------------------------------------------------------------------------------------------
# The run


def work_dir(out: Path) -> Path:
    clean = Path(str(out).rstrip("/" + os.sep)) if str(out) not in {"/", os.sep} else out
    return clean.with_name(clean.name + ".partial")


def default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _manifest(opts: BatchOptions, plan: InputPlan, screener: Screener, out_kind: str) -> dict[str, Any]:
    return {
        "format": MANIFEST_FORMAT,
        "input": str(Path(opts.input).resolve()),
        "out": str(Path(opts.out).resolve()),
        "out_kind": out_kind,
        "threshold": opts.threshold,
        "lists_as_of": dict(screener.lists_as_of),
        "index": screener.index.fingerprint,
        "plan": plan.to_json(),
    }


def _resumable(work: Path, opts: BatchOptions, screener: Screener, out_kind: str) -> InputPlan | None:
    """The plan of the interrupted run in ``work`` when it can be resumed; None when there is none;
    InputError when there is one that must not be (the input, the lists or the settings changed)."""
    try:
        doc = json.loads((work / "manifest.json").read_text(encoding="utf-8"))
        plan = InputPlan.from_json(doc["plan"])
        same_format = doc["format"] == MANIFEST_FORMAT
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not same_format:
        return None
    problems = []
    if doc["input"] != str(Path(opts.input).resolve()):
        problems.append(f"it screened {doc['input']}")
    elif input_digest(plan) != plan.fingerprint:
        problems.append("the input file changed since")
    if doc["threshold"] != opts.threshold:
        problems.append(f"its threshold was {doc['threshold']}")
    if doc["out_kind"] != out_kind:
        problems.append(f"its output was {doc['out_kind']}")
    if doc["index"] != screener.index.fingerprint or doc["lists_as_of"] != dict(screener.lists_as_of):
        problems.append("the lists or the matcher changed since (every row must be screened against the same lists)")
    if problems:
        raise InputError("resume", f"cannot resume the run in {work}: {'; '.join(problems)}; run without --resume")
    return plan


def _finished(work: Path, plan: InputPlan, part_kind: str, fingerprint: str) -> dict[int, PartStats]:
    """The partitions finished in ``work`` by a screener with the index ``fingerprint``."""
    done: dict[int, PartStats] = {}
    for part in plan.partitions:
        marker = work / "done" / f"part-{part.index:05d}.json"
        if not marker.is_file() or not (work / "parts" / part_name(part.index, part_kind)).is_file():
            continue
        try:
            doc = json.loads(marker.read_text(encoding="utf-8"))
            stats = PartStats(**doc)
        except (OSError, ValueError, TypeError):
            continue
        if stats.rows == part.rows and stats.index_fingerprint == fingerprint:
            done[part.index] = stats
    return done


def run_batch(
    opts: BatchOptions,
    screener: Screener,
    progress: ProgressSink | None = None,
    note: Callable[[str], None] | None = None,
) -> BatchSummary:
    """Screen ``opts.input`` into ``opts.out``; the counts of the whole run. InputError when the input cannot
    be read or the run cannot start; :class:`BatchInterrupted` when stopped part way."""
    if opts.engine not in ENGINES:
        raise InputError("engine", f"must be one of {', '.join(ENGINES)}, got {opts.engine!r}")
    if opts.workers is not None and opts.workers < 1:
        raise InputError("workers", f"must be at least 1, got {opts.workers}")
    if opts.partitions is not None and opts.partitions < 1:
        raise InputError("partitions", f"must be at least 1, got {opts.partitions}")
    if opts.scheduler and opts.engine != "dask":
        raise InputError("scheduler", "is for --engine dask")
    out_kind = output_kind(opts.out)
    part_kind = "parquet" if out_kind == "parquet-dir" else out_kind
    say = note or (lambda _msg: None)
    shown_out = opts.out
    workers = opts.workers or default_workers()
    # absolute paths: the workers (a Dask cluster's too) may not share this process's working directory
    opts = dataclasses.replace(opts, input=Path(opts.input).absolute(), out=Path(opts.out).absolute())
    work = work_dir(opts.out)
    started = time.perf_counter()

    plan = _resumable(work, opts, screener, out_kind) if opts.resume and work.is_dir() else None
    planned = 0.0
    if plan is None:
        if opts.resume:
            say(f"nothing to resume in {work}: screening from the start")
        elif work.exists():
            say(f"discarding the unfinished run in {work} (use --resume to continue one)")
        # a few partitions per worker at least: the last ones do not leave a worker idle for long
        least = PARTITIONS_PER_WORKER * workers if workers > 1 else 1
        plan = plan_input(opts.input, opts.partitions, opts.rows_per_partition, least)
        planned = time.perf_counter() - started
        shutil.rmtree(work, ignore_errors=True)
        for sub in ("parts", "done"):
            (work / sub).mkdir(parents=True, exist_ok=True)
        write_json(work / "manifest.json", _manifest(opts, plan, screener, out_kind))
    done = _finished(work, plan, part_kind, screener.index.fingerprint)
    _clean_parts(work, plan, part_kind, done)
    summary = BatchSummary(
        out=shown_out,
        engine=opts.engine,
        workers=workers,
        rows=plan.rows,
        lines=plan.lines,
        header_lines=plan.header_lines,
        blank=plan.blank,
        partitions=len(plan.partitions),
        resumed_partitions=len(done),
        resumed_rows=sum(s.rows for s in done.values()),
        lists_as_of=dict(screener.lists_as_of),
        input_kind=plan.kind,
        plan_seconds=planned,
    )
    if done:
        say(f"resuming: {len(done)} of {len(plan.partitions)} partitions already screened")
    reader = dataclasses.replace(plan, partitions=[])  # what a task needs to read its partition (small)
    tasks = [
        PartTask(reader, part, str(work), part_kind, opts.threshold)
        for part in plan.partitions
        if part.index not in done
    ]

    def begin() -> None:
        if progress is not None:
            progress.start(plan.rows, summary.resumed_rows)

    with _signals_interrupt():
        try:
            if opts.engine == "dask":
                from exportgate.screen.batch.dask_engine import run_dask

                begin()
                new = run_dask(tasks, opts, screener, workers, progress, summary)
            else:
                from exportgate.screen.batch.local_engine import run_local

                new = run_local(tasks, screener, workers, progress, begin, opts.home)
        except KeyboardInterrupt:
            finished = len(_finished(work, plan, part_kind, screener.index.fingerprint))
            raise BatchInterrupted(finished, len(plan.partitions), work) from None
        except BaseException:
            if not _finished(
                work, plan, part_kind, screener.index.fingerprint
            ):  # nothing worth resuming: leave nothing behind
                shutil.rmtree(work, ignore_errors=True)
            raise
    if any(stats.index_fingerprint != screener.index.fingerprint for stats in new):
        shutil.rmtree(work, ignore_errors=True)  # nothing of it may be resumed
        raise InputError(
            "engine", "a worker screened against other lists or another version of the matcher than this one"
        )
    done.update({s.index: s for s in new})
    if len(done) != len(plan.partitions):  # cannot happen: every task returns or raises
        raise ExportgateError(f"only {len(done)} of {len(plan.partitions)} partitions were screened")
    _finish(work, plan, part_kind, out_kind, opts.out)
    for stats in (done[p.index] for p in plan.partitions):
        summary.ok += stats.ok
        summary.errors += stats.errors
        summary.alerts += stats.alerts
        summary.strong += stats.strong
        summary.memo_hits += stats.memo_hits
        if len(summary.error_examples) < ERROR_EXAMPLES:
            summary.error_examples += stats.error_examples[: ERROR_EXAMPLES - len(summary.error_examples)]
    for stats in new:
        summary.cpu_seconds += stats.cpu_seconds
        summary.peak_rss_mb[stats.pid] = max(summary.peak_rss_mb.get(stats.pid, 0.0), stats.peak_rss_mb)
        summary.pss_mb[stats.pid] = max(summary.pss_mb.get(stats.pid, 0.0), stats.pss_mb)
    summary.seconds = time.perf_counter() - started
    return summary


def _clean_parts(work: Path, plan: InputPlan, part_kind: str, done: dict[int, PartStats]) -> None:
    """Remove what a stopped run left that is not a finished partition (temporary files, a part file whose
    ``done`` file was never written): the parts folder then holds finished partitions only."""
    keep = {part_name(i, part_kind) for i in done}
    for folder in ("parts", "done"):
        for path in (work / folder).iterdir():
            name = path.name if folder == "parts" else path.name.removesuffix(".json") + PART_SUFFIX[part_kind]
            if name not in keep:
                path.unlink(missing_ok=True)


def _finish(work: Path, plan: InputPlan, part_kind: str, out_kind: str, out: Path) -> None:
    parts = [work / "parts" / part_name(p.index, part_kind) for p in plan.partitions]
    if out_kind == "parquet-dir":
        try:
            swap_dir(work / "parts", out)
        except OSError as exc:
            raise InputError("out", f"cannot write {out}: {exc.strerror or exc}") from None
    else:
        assemble(out_kind, parts, out)
    shutil.rmtree(work, ignore_errors=True)


@contextlib.contextmanager
def _signals_interrupt() -> Iterator[None]:
    """SIGTERM (and SIGHUP) stop the run the way Ctrl-C does: finished partitions are kept."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = {s: signal.signal(s, stop) for s in (signal.SIGTERM, getattr(signal, "SIGHUP", signal.SIGTERM))}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
