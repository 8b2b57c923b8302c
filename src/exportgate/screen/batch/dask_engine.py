"""The ``dask`` engine: partitions screened on a ``dask.distributed`` cluster.

``--scheduler ADDRESS`` submits to a running scheduler; without it a ``LocalCluster`` of ``--workers``
single-threaded worker processes is started for the run. The index reaches each worker once: a worker
plugin loads the screener when the worker joins (from the worker's own on-disk cache, built there once
from the same lists), and every task uses it — it is never sent with a task. A task carries only its
partition (where it starts in the input, how many rows) and writes its part file itself, so the input
and the output's folder must be on storage every worker sees at the same path (as for any Dask job that
reads files; a LocalCluster shares this machine's). A worker that loaded other lists than this process is
refused (the index fingerprints are compared), so results never mix list versions.

Importing this module imports dask: it is imported only when the engine is asked for.
"""

from __future__ import annotations

import importlib
import logging
import time
import uuid
from pathlib import Path
from typing import Any

from exportgate.errors import InputError
from exportgate.screen.batch import run as batch_run
from exportgate.screen.batch import worker as batch_worker
from exportgate.screen.screener import Screener

try:
    distributed: Any = importlib.import_module("distributed")
    _WorkerPlugin: Any = distributed.WorkerPlugin
except ImportError:  # pragma: no cover - the scale extra is not installed
    distributed = None
    _WorkerPlugin = object

PLUGIN_NAME = "exportgate-screener"


class ScreenerPlugin(_WorkerPlugin):  # type: ignore[misc]
    """Loads the screener once per worker (``setup`` runs when the worker joins or the plugin is registered)."""

    def __init__(self, home: str | None, fingerprint: str) -> None:
        self.home = home
        self.fingerprint = fingerprint

    def setup(self, worker: Any) -> None:
        from exportgate.screen.lists import load_active

        screener = Screener(load_active(Path(self.home) if self.home else None))
        if screener.index.fingerprint != self.fingerprint:
            raise RuntimeError(
                f"worker {getattr(worker, 'address', '?')} has other lists or another matcher version "
                f"(index {screener.index.fingerprint[:12]}, the client's {self.fingerprint[:12]})"
            )
        screener.warm()
        batch_worker.set_worker_screener(screener)


def _screen(task: batch_worker.PartTask) -> batch_worker.PartStats:
    return batch_worker.screen_partition(task)


def connect(opts: batch_run.BatchOptions, workers: int) -> tuple[Any, Any]:
    """A client for ``opts.scheduler``, or for a LocalCluster started here; (client, cluster or None).
    An unreachable or malformed address is an InputError naming it."""
    if distributed is None:
        raise InputError("engine", "dask needs the 'scale' extra: pip install 'exportgate[scale]'")
    if opts.scheduler:
        try:
            client = distributed.Client(opts.scheduler, timeout=opts.connect_timeout, set_as_default=False)
        except (OSError, TimeoutError, ValueError, TypeError) as exc:
            reason = " ".join(str(exc).split()) or type(exc).__name__
            raise InputError("scheduler", f"cannot reach the Dask scheduler at {opts.scheduler} ({reason})") from None
        return client, None
    cluster = distributed.LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=logging.ERROR,
    )
    return distributed.Client(cluster, set_as_default=False), cluster


def run_dask(
    tasks: list[batch_worker.PartTask],
    opts: batch_run.BatchOptions,
    screener: Screener,
    workers: int,
    progress: batch_worker.ProgressSink | None,
    summary: batch_run.BatchSummary | None = None,
) -> list[batch_worker.PartStats]:
    """Screen ``tasks`` on the cluster; their counts, as they finish. The time it took to start the cluster
    and load the screener on its workers goes to ``summary.start_seconds``."""
    started = time.perf_counter()
    client, cluster = connect(opts, workers)
    futures: list[Any] = []
    try:
        home = str(opts.home) if opts.home is not None else None
        try:
            client.register_plugin(ScreenerPlugin(home, screener.index.fingerprint), name=PLUGIN_NAME)
        except Exception as exc:
            raise InputError("engine", f"a Dask worker could not load the screener: {exc}") from None
        if summary is not None:
            summary.start_seconds = time.perf_counter() - started
        run_id = uuid.uuid4().hex[:8]
        futures = client.map(_screen, tasks, key=[f"exportgate-part-{t.part.index}-{run_id}" for t in tasks])
        results: list[batch_worker.PartStats] = []
        for fut in distributed.as_completed(futures, loop=client.loop):
            try:
                stats = fut.result()
            except InputError:
                raise
            except Exception as exc:
                raise InputError("engine", f"a Dask task failed: {type(exc).__name__}: {exc}") from None
            results.append(stats)
            if progress is not None:
                progress.advance(stats.rows)
        return results
    finally:
        if futures:
            client.cancel(futures)
        client.close()
        if cluster is not None:
            cluster.close()
