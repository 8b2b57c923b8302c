"""Streaming: memory does not grow with the file. A process screens a 20,000-row file, then a 100,000-row
file, and reports its peak resident memory after each (``resource``); holding the rows or the results
(as screen-batch once did: 709 MB at 100,000 rows) would add hundreds of megabytes between the two.

The rows repeat a few hundred parties (answered from the memo after their first time), so that the test
measures what reading, screening and writing keep in memory, not the matcher's speed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from batch_helpers import party_rows

GROWTH_LIMIT_MB = 40  # 80,000 more rows: ~2 KB of results per row held would be ~160 MB
PEAK_LIMIT_MB = 900  # the warmed index and the interpreter are about 300-400 MB

SCRIPT = """
import json, sys
from pathlib import Path
from exportgate.screen import Screener
from exportgate.screen.batch import BatchOptions, run_batch
from exportgate.screen.batch.worker import peak_rss_mb
screener = Screener()
screener.warm()
peaks = {"start": peak_rss_mb()}
for name in sys.argv[1:]:
    src = Path(name)
    summary = run_batch(BatchOptions(src, src.with_suffix(".out.csv"), workers=1), screener)
    peaks[src.stem] = peak_rss_mb()
    peaks[src.stem + "_rows"] = summary.rows
print(json.dumps(peaks))
"""


def _file(path: Path, n: int, pool: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        fh.write("id,name,country,type\n")
        for i in range(n):
            _id, name, country, etype = pool[i % len(pool)]
            fh.write(f"x{i},{name},{country},{etype}\n")
    return path


@pytest.mark.usefixtures("warm_index")
def test_memory_stays_flat_as_the_file_grows(tmp_path: Path) -> None:
    pool = [r for r in party_rows(400, seed=3) if r[1] and "," not in r[1]]
    small = _file(tmp_path / "small.csv", 20_000, pool)
    big = _file(tmp_path / "big.csv", 100_000, pool)
    # the index must be on disk, so that the measured process loads it rather than builds it (a build's
    # peak is not the batch's); other tests' builds over other lists may have pruned it from the cache
    subprocess.run(
        [sys.executable, "-c", "from exportgate.screen import Screener; Screener().warm()"],
        check=True, capture_output=True, timeout=300, env=dict(os.environ),
    )  # fmt: skip
    res = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(small), str(big)],
        capture_output=True, text=True, timeout=300, env=dict(os.environ),
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    peaks = json.loads(res.stdout)
    assert peaks["small_rows"] == 20_000 and peaks["big_rows"] == 100_000
    assert peaks["big"] - peaks["small"] < GROWTH_LIMIT_MB, peaks
    assert peaks["big"] < PEAK_LIMIT_MB, peaks


def test_a_child_of_a_large_process_reports_its_own_peak() -> None:
    """``ru_maxrss`` survives fork and exec on Linux: measured that way, every worker or subprocess of a
    large parent (this test run holds the index) would report the parent's size as its own peak."""
    if not Path("/proc/self/status").exists():
        pytest.skip("no /proc: the peak is ru_maxrss there")
    ballast = bytearray(400 * 1024 * 1024)
    ballast[:: 4096] = b"\x01" * len(range(0, len(ballast), 4096))
    res = subprocess.run(
        [sys.executable, "-c", "from exportgate.screen.batch.worker import peak_rss_mb; print(peak_rss_mb())"],
        capture_output=True, text=True, timeout=60, env=dict(os.environ), check=True,
    )  # fmt: skip
    del ballast
    assert float(res.stdout) < 200, res.stdout
