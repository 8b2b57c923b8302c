"""CPU time of storing a screening, in one process, for before/after comparisons of the store (not a recorded
benchmark: ``python -m bench service`` is). On a shared host, compare CPU time, interleaved runs, same load.

    .venv/bin/python tools/store_cpu.py head                  # this checkout
    git archive BASE src | tar -x -C /tmp/base                # another commit's code, same environment
    PYTHONPATH=/tmp/base/src .venv/bin/python tools/store_cpu.py base

Prints, on a fresh SQLite file store: the screening alone and screening + storing (``Service.screen``) in CPU
milliseconds, one thread, 200 names after 20 to warm up; then 16 threads storing 25 screenings each (a
service worker's thread pool): stored screenings a second and CPU milliseconds each.
"""

from __future__ import annotations

import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the checkout's bench package
from bench.service import NAMES  # the names the service bench screens

ONE, THREADS, EACH = 200, 16, 25


def main(label: str) -> None:
    import exportgate
    from exportgate.packages.screening import default_screener
    from exportgate.store.accounts import Actor
    from exportgate.store.service import Service

    screener = default_screener()
    with tempfile.TemporaryDirectory() as tmp, Service.open(f"sqlite:///{tmp}/x.db", screener=screener,
                                                             home=Path(tmp)) as svc:
        actor = Actor.local("tools")
        screener.warm()  # as a served worker is, and as a screener is after its first queries (else the
        # warming at the 32nd query, ~0.4 s, lands inside the timed loop: 2 ms a screening of 200)
        for i in range(20):
            svc.screen(actor, NAMES[i % len(NAMES)])
        c = time.process_time()
        for i in range(ONE):
            screener.screen(NAMES[i % len(NAMES)])
        alone = (time.process_time() - c) / ONE * 1000
        c = time.process_time()
        for i in range(ONE):
            svc.screen(actor, NAMES[i % len(NAMES)])
        stored = (time.process_time() - c) / ONE * 1000

        def work(k: int) -> None:
            for i in range(EACH):
                svc.screen(actor, NAMES[(i + k) % len(NAMES)])

        threads = [threading.Thread(target=work, args=(k,)) for k in range(THREADS)]
        w, c = time.perf_counter(), time.process_time()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall, cpu = time.perf_counter() - w, time.process_time() - c
    total = THREADS * EACH
    print(f"{label} ({Path(exportgate.__file__).parent.parent}): screening {alone:.2f} ms CPU, screening + storing "
          f"{stored:.2f} ms CPU (storing {stored - alone:.2f}); {THREADS} threads: {total / wall:.0f} stored "
          f"screenings/s, {cpu / total * 1000:.2f} ms CPU each")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "this checkout")
