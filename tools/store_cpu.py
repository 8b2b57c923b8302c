"""CPU time of storing a screening, in one process, for before/after comparisons of the store (not a recorded
benchmark: ``python -m bench service`` is). On a shared host, compare CPU time, interleaved runs, same load.

    .venv/bin/python tools/store_cpu.py head                  # this checkout
    git archive BASE src | tar -x -C /tmp/base                # another commit's code, same environment
    PYTHONPATH=/tmp/base/src .venv/bin/python tools/store_cpu.py base
    .venv/bin/python tools/store_cpu.py head --pg            # on PostgreSQL (127.0.0.1:5432, a database of its own)

Prints, on a fresh SQLite file store (``--pg``: a fresh PostgreSQL database, dropped afterwards): the screening alone and screening + storing (``Service.screen``) in CPU
milliseconds, one thread, 200 names after 20 to warm up; then 16 threads storing 25 screenings each (a
service worker's thread pool): stored screenings a second and CPU milliseconds each. On PostgreSQL, also the CPU
milliseconds the server's backends of the run spent per stored screening (from /proc: same host, same cores).
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the checkout's bench package
from bench.rescreen import _drop_pg, _pg_url  # the service bench's private PostgreSQL database
from bench.service import NAMES  # the names the service bench screens

ONE, THREADS, EACH = 200, 16, 25


def _backend_cpu(svc: object, database: str | None) -> float:
    """CPU seconds so far of the PostgreSQL backends serving ``database`` (0 on SQLite)."""
    if database is None:
        return 0.0
    from sqlalchemy import text

    with svc.engine.connect() as conn:  # type: ignore[attr-defined]
        pids = conn.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = :d"), {"d": database}).scalars()
        ticks = 0
        for pid in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def main(label: str, pg: bool = False) -> None:
    from exportgate.packages.screening import default_screener
    from exportgate.store.accounts import Actor
    from exportgate.store.service import Service

    screener = default_screener()
    url = _pg_url() if pg else None
    if pg and url is None:
        raise SystemExit("PostgreSQL at 127.0.0.1:5432 does not answer")
    database = url.rsplit("/", 1)[1] if url else None
    try:
        with tempfile.TemporaryDirectory() as tmp:
            backend = _measure(label, Service, Actor, screener, url or f"sqlite:///{tmp}/x.db", Path(tmp), database)
    finally:
        if url:
            _drop_pg(url)
    import exportgate

    print(f"{label} ({Path(exportgate.__file__).parent.parent}, {'PostgreSQL' if pg else 'SQLite'}): {backend}")


def _measure(label: str, Service: type, Actor: type, screener: object, url: str, home: Path,
             database: str | None) -> str:
    with Service.open(url, screener=screener, home=home) as svc:
        actor = Actor.local("tools")
        screener.warm()  # as a served worker is, and as a screener is after its first queries (else the
        # warming at the 32nd query, ~0.4 s, lands inside the timed loop: 2 ms a screening of 200)
        for i in range(20):
            svc.screen(actor, NAMES[i % len(NAMES)])
        c = time.process_time()
        for i in range(ONE):
            screener.screen(NAMES[i % len(NAMES)])
        alone = (time.process_time() - c) / ONE * 1000
        c, b = time.process_time(), _backend_cpu(svc, database)
        for i in range(ONE):
            svc.screen(actor, NAMES[i % len(NAMES)])
        stored = (time.process_time() - c) / ONE * 1000
        server = (_backend_cpu(svc, database) - b) / ONE * 1000

        def work(k: int) -> None:
            for i in range(EACH):
                svc.screen(actor, NAMES[(i + k) % len(NAMES)])

        threads = [threading.Thread(target=work, args=(k,)) for k in range(THREADS)]
        w, c, b = time.perf_counter(), time.process_time(), _backend_cpu(svc, database)
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall, cpu = time.perf_counter() - w, time.process_time() - c
        total = THREADS * EACH
        server_threads = (_backend_cpu(svc, database) - b) / total * 1000
    pg = "" if database is None else " (+ server {:.2f})"
    return (f"screening {alone:.2f} ms CPU, screening + storing {stored:.2f} ms CPU{pg.format(server)} (storing "
            f"{stored - alone:.2f}); {THREADS} threads: {total / wall:.0f} stored screenings/s, "
            f"{cpu / total * 1000:.2f} ms CPU each{pg.format(server_threads)}")


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--pg"]
    main(args[0] if args else "this checkout", pg="--pg" in sys.argv[1:])
