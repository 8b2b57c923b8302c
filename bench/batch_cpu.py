"""Batch screening's CPU cost on one core, for paired before/after measurements during development (the
record is ``python -m bench batch``).

The first ROWS rows of the benchmark's million-name file (``bench.batch.input_file``) are read, screened and
written as ``screen-batch`` does in one worker (``screen_chunk`` with the process's memo, a CSV part file),
timed in CPU seconds (``time.process_time``: the host is shared). ``--profile`` adds a cProfile (self time by
function); ``--full FILE`` writes every result in full (matches with their explanations, as JSON lines) instead,
untimed, to check that a change leaves results alone. Another version is measured with
``PYTHONPATH=THAT/src``::

    python -m bench.batch_cpu --rows 20000 --out out/bench/cpu-now.csv
    PYTHONPATH=/tmp/base/src python -m bench.batch_cpu --rows 20000 --out out/bench/cpu-base.csv
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import sys
import time
from itertools import islice
from pathlib import Path

from bench.batch import CACHE, N_FULL, input_file


def cli(argv: list[str] | None = None) -> int:
    """The command (not ``main``: ``python -m bench`` runs every module's ``main`` as a benchmark)."""
    p = argparse.ArgumentParser(prog="python -m bench.batch_cpu")
    p.add_argument("--rows", type=int, default=20_000)
    p.add_argument("--n", type=int, default=N_FULL, help="the generated file of this many rows (bench.batch)")
    p.add_argument("--skip", type=int, default=0, help="start after this many rows")
    p.add_argument("--out", type=Path, default=CACHE / "cpu-part.csv")
    p.add_argument("--profile", action="store_true")
    p.add_argument("--full", type=Path, help="write every result in full (JSON lines), untimed")
    args = p.parse_args(argv)

    import exportgate
    from exportgate.screen import Screener
    from exportgate.screen.batch import iter_rows, plan_input
    from exportgate.screen.batch.rows import ResultMemo, chunks, record, screen_chunk
    from exportgate.screen.batch.writers import PartWriter

    src, _meta = input_file(args.n)
    screener = Screener()
    screener.warm()
    plan = plan_input(src)
    rows = list(islice(iter_rows(plan), args.skip, args.skip + args.rows))
    if args.full:
        with args.full.open("w", encoding="utf-8") as fh:
            for row in rows:
                try:
                    rec = record({str(k).strip().lower(): v for k, v in row.fields.items()})
                except Exception as exc:  # written as the row's outcome
                    fh.write(json.dumps({"row": row.number, "refused": str(exc)}) + "\n")
                    continue
                res = screener.screen_many([rec])[0]
                doc = res.to_json()
                doc["warnings"] = res.warnings
                doc.pop("lists_as_of")
                fh.write(json.dumps({"row": row.number, **doc}, ensure_ascii=False, sort_keys=True) + "\n")
        print(json.dumps({"full": str(args.full), "rows": len(rows), "src": exportgate.__file__}))
        return 0
    writer = PartWriter("csv", args.out)
    memo = ResultMemo()

    def work() -> None:
        for chunk in chunks(rows):
            writer.write(screen_chunk(screener, chunk, None, memo))

    prof = cProfile.Profile() if args.profile else None
    cpu = time.process_time()
    wall = time.perf_counter()
    if prof is not None:
        prof.enable()
    work()
    if prof is not None:
        prof.disable()
    cpu = time.process_time() - cpu
    wall = time.perf_counter() - wall
    writer.commit()
    print(
        json.dumps(
            {
                "rows": len(rows),
                "cpu_seconds": round(cpu, 3),
                "rows_per_cpu_second": round(len(rows) / cpu),
                "wall": round(wall, 3),
                "memo_hits": memo.hits,
                "src": exportgate.__file__,
            }
        )
    )
    if prof is not None:
        stats = pstats.Stats(prof, stream=sys.stderr)
        stats.sort_stats("tottime").print_stats(40)
        stats.sort_stats("cumulative").print_stats(40)
    return 0


if __name__ == "__main__":
    sys.exit(cli())
