"""The ``local`` engine: partitions screened by worker processes on this machine.

The screener is loaded and warmed once (an input of more than a few rows), then the workers are forked from this process: they share its
memory (the index) until they write to it. Where fork is not available (Windows, macOS' default), each
worker loads the screener from the on-disk cache at start-up. One worker: screened in this process.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from exportgate.errors import ExportgateError
from exportgate.screen.batch.worker import (
    PartStats,
    PartTask,
    ProgressSink,
    screen_partition,
    set_load_error,
    set_progress_queue,
    set_worker_screener,
)
from exportgate.screen.screener import WARM_AFTER_QUERIES, Screener


def run_local(
    tasks: list[PartTask],
    screener: Screener,
    workers: int,
    progress: ProgressSink | None,
    begin: Callable[[], None],
    home: Path | None = None,
) -> list[PartStats]:
    """Screen ``tasks`` on this machine; ``begin()`` once the workers exist (a progress display starts its
    thread then: after the fork)."""
    advance = progress.advance if progress is not None else None
    if sum(t.part.rows for t in tasks) >= WARM_AFTER_QUERIES:
        # warmed here, before any fork, so that the workers share the warmed tables; a smaller input (an upload
        # of a few rows) is screened cold, as that many single queries would be (warming takes 0.4-0.8 s)
        screener.warm()
    set_worker_screener(screener)
    if workers == 1 or len(tasks) <= 1:
        begin()
        return [screen_partition(t, screener, advance) for t in tasks]
    workers = min(workers, len(tasks))
    fork = "fork" in multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if fork else "spawn")
    queue = ctx.SimpleQueue()
    init_args = (os.getpid(), queue, None if fork else _spawn_home(home))
    results: list[PartStats] = []
    pids: list[int] = []
    executor = ProcessPoolExecutor(workers, mp_context=ctx, initializer=_init_local_worker, initargs=init_args)
    try:
        pending = {executor.submit(screen_partition, t) for t in tasks}  # with fork: the workers exist now
        begin()
        while pending:
            finished, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
            _drain(queue, advance, pids)
            results += (f.result() for f in finished)
        _drain(queue, advance, pids)
    except BrokenProcessPool:
        raise ExportgateError(
            "a worker process died (out of memory, or killed); the partitions it finished are kept: run the "
            "same command with --resume to continue"
        ) from None
    except BaseException:
        with contextlib.suppress(Exception):
            _drain(queue, None, pids)
        for pid in pids:  # stop the partitions under way now (the finished ones are kept)
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGTERM)
        raise
    finally:
        executor.shutdown(wait=False, cancel_futures=True)
    return results


def _drain(queue: Any, advance: Callable[[int], None] | None, pids: list[int]) -> None:
    """What the workers reported: rows screened (int), or a worker's pid (("pid", n)) when it starts."""
    while not queue.empty():
        msg = queue.get()
        if isinstance(msg, tuple):
            pids.append(msg[1])
        elif advance is not None:
            advance(msg)


def _spawn_home(home: Path | None) -> str:
    from exportgate import settings

    return str(settings.home(home))


def _init_local_worker(parent: int, queue: Any, home: str | None) -> None:
    """Start-up of a local worker: Ctrl-C is the parent's to handle; the worker ends when the parent is gone
    (even killed: it is not left running); without fork it loads the screener from the on-disk cache."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    set_progress_queue(queue)
    queue.put(("pid", os.getpid()))
    if home is not None:  # not forked: load the screener (from the on-disk cache); a failure is reported by
        try:  # the worker's first task (a worker that died here would be replaced, again and again)
            from exportgate.screen.lists import load_active

            screener = Screener(load_active(Path(home)))
            screener.warm()
            set_worker_screener(screener)
        except Exception as exc:
            set_load_error(f"{type(exc).__name__}: {exc}")

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="exportgate-parent-watch", daemon=True).start()
