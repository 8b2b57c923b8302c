"""One query's CPU cost on the screening benchmark's queries, for paired before/after measurements during
development (the record is ``python -m bench screening``, which times wall clock per query).

The benchmark's perturbed listed names and ordinary names (``bench.screening``: the same seed and sample sizes;
``--quick`` the quick run's) are screened one by one, name only, at the benchmark's threshold (0.5), after the
same warm-up; each query is timed in CPU seconds (``time.process_time``: the host is shared). ``--profile`` adds
a cProfile (self time by function); ``--full FILE`` writes every result in full (JSON lines), untimed, to check
that a change leaves results alone. Another version is measured with ``PYTHONPATH=THAT/src``::

    python -m bench.query_cpu --quick
    PYTHONPATH=/tmp/base/src python -m bench.query_cpu --quick
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import random
import statistics
import sys
import time
from pathlib import Path

LOW_THRESHOLD = 0.5  # bench.screening screens at this threshold, to count scores below the alert threshold


def cli(argv: list[str] | None = None) -> int:
    """The command (not ``main``: ``python -m bench`` runs every module's ``main`` as a benchmark)."""
    p = argparse.ArgumentParser(prog="python -m bench.query_cpu")
    p.add_argument("--quick", action="store_true", help="the quick run's sample sizes")
    p.add_argument("--limit", type=int, default=0, help="only the first N queries (0: all)")
    p.add_argument("--repeat", type=int, default=1, help="time every query this many times, keep the least")
    p.add_argument("--profile", action="store_true")
    p.add_argument("--full", type=Path, help="write every result in full (JSON lines), untimed")
    args = p.parse_args(argv)

    import exportgate
    from bench.screening import SEED, _valid, load_negatives, load_snapshot, make_positives
    from exportgate.screen.screener import Screener

    rng = random.Random(SEED)
    snap, _desc, _s = load_snapshot()
    entities = list(snap.entities)
    positives = make_positives(entities, 800 if args.quick else 4000, rng)
    negatives = [n for n in load_negatives(2000 if args.quick else 10000, rng) if _valid(n.query)]
    queries = [q.query for q in positives] + [n.query for n in negatives]
    if args.limit:
        queries = queries[: args.limit]
    screener = Screener(snap)
    screener.screen_many([q.query for q in positives[:200]])  # the benchmark's warm-up
    if args.full:
        with args.full.open("w", encoding="utf-8") as fh:
            for q in queries:
                doc = screener.screen(q, threshold=LOW_THRESHOLD).to_json()
                doc.pop("lists_as_of")
                fh.write(json.dumps(doc, ensure_ascii=False, sort_keys=True) + "\n")
        print(json.dumps({"full": str(args.full), "queries": len(queries), "src": exportgate.__file__}))
        return 0
    prof = cProfile.Profile() if args.profile else None
    times = [float("inf")] * len(queries)
    clock = time.process_time
    for _ in range(args.repeat):
        if prof is not None:
            prof.enable()
        for k, q in enumerate(queries):
            t0 = clock()
            screener.screen(q, threshold=LOW_THRESHOLD)
            times[k] = min(times[k], clock() - t0)
        if prof is not None:
            prof.disable()
    ms = sorted(t * 1000 for t in times)

    def pct(x: float) -> float:
        return ms[min(len(ms) - 1, round(x / 100 * (len(ms) - 1)))]

    print(
        json.dumps(
            {
                "queries": len(ms),
                "p50_ms": round(pct(50), 3),
                "p90_ms": round(pct(90), 3),
                "p99_ms": round(pct(99), 3),
                "max_ms": round(ms[-1], 2),
                "mean_ms": round(statistics.fmean(ms), 3),
                "src": exportgate.__file__,
            }
        )
    )
    if prof is not None:
        stats = pstats.Stats(prof, stream=sys.stderr)
        stats.sort_stats("tottime").print_stats(40)
        stats.sort_stats("cumulative").print_stats(50)
    return 0


if __name__ == "__main__":
    sys.exit(cli())
