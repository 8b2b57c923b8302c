"""Stopping and resuming a run: a run killed by a signal (or whose worker is killed) keeps its finished
partitions and ``--resume`` continues from them; the output never exists half-written under its name (an
older output of the same name stays whole until the new one replaces it); the workers of a killed run do
not linger."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from batch_helpers import start, write_parties
from typer.testing import CliRunner

from exportgate.cli import app
from exportgate.errors import InputError
from exportgate.screen import Screener
from exportgate.screen.batch import BatchInterrupted, BatchOptions, run_batch

PARTITIONS = 40
ROWS = 4000  # enough work that a signal sent after a partition or two lands mid-run on a fast host


def _wait(condition: Callable[[], bool], proc: subprocess.Popen[str], what: str, limit: float = 60.0) -> None:
    deadline = time.monotonic() + limit
    while not condition():
        if proc.poll() is not None:
            raise AssertionError(f"the run ended before {what}: {proc.communicate()}")
        if time.monotonic() > deadline:
            proc.kill()
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.005)


def _done(work: Path) -> int:
    return len(list((work / "done").glob("part-*.json"))) if (work / "done").is_dir() else 0


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(x) for x in path.read_text().split()] if path.exists() else []


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.mark.usefixtures("warm_index")
def test_a_run_killed_by_a_signal_resumes_where_it_stopped(runner: CliRunner, tmp_path: Path) -> None:
    src = write_parties(tmp_path / "parties.csv", ROWS)
    out = tmp_path / "screened.csv"
    out.write_text("the previous results\n", encoding="utf-8")
    work = tmp_path / "screened.csv.partial"
    args = ["screen-batch", str(src), "--out", str(out), "--workers", "2", "--partitions", str(PARTITIONS)]

    # 1. killed outright (SIGKILL: no chance to clean up)
    proc = start(*args)
    _wait(lambda: _done(work) >= 1, proc, "a finished partition")
    workers = _children(proc.pid)
    proc.kill()
    proc.communicate(timeout=30)
    assert out.read_text(encoding="utf-8") == "the previous results\n"  # never half-written
    deadline = time.monotonic() + 10
    while any(_alive(p) for p in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert workers and not any(_alive(p) for p in workers)  # the orphaned workers ended by themselves
    finished = _done(work)
    assert 1 <= finished < PARTITIONS

    # 2. resumed, then stopped with SIGTERM (as `kill` or a job scheduler stops it)
    proc = start(*args, "--resume")
    _wait(lambda: _done(work) > finished, proc, "one more partition")
    proc.send_signal(signal.SIGTERM)
    _stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert f"resuming: {finished} of {PARTITIONS} partitions already screened" in stderr
    assert "interrupted:" in stderr and "--resume" in stderr
    assert out.read_text(encoding="utf-8") == "the previous results\n"
    again = _done(work)
    assert finished < again

    # 3. resumed, and one of its workers killed (as the out-of-memory killer does): an error, nothing lost
    proc = start(*args, "--resume")
    _wait(lambda: _done(work) > again and len(_children(proc.pid)) == 2, proc, "two workers and a partition")
    os.kill(_children(proc.pid)[0], signal.SIGKILL)
    _stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 2, stderr
    assert "\nerror: a worker process died" in stderr and "--resume" in stderr
    assert out.read_text(encoding="utf-8") == "the previous results\n"
    again = _done(work)

    # 4. resumed to the end: the same output as one uninterrupted run
    proc = start(*args, "--resume")
    _stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 1, stderr  # some rows cannot be screened (no name)
    assert f"resuming: {again} of {PARTITIONS}" in stderr and "from the interrupted run" in stderr
    assert f"{ROWS + 1:,} input lines read (1 header, {ROWS:,} rows)" in stderr
    assert not work.exists()
    reference = tmp_path / "reference.csv"
    res = runner.invoke(app, ["screen-batch", str(src), "--out", str(reference), "--workers", "1"])
    assert res.exit_code == 1
    assert out.read_bytes() == reference.read_bytes()


class _StopAfter:
    """A progress sink that stops the run (as Ctrl-C does) after some rows."""

    def __init__(self, rows: int) -> None:
        self.left = rows

    def start(self, total_rows: int, done_rows: int) -> None:
        pass

    def advance(self, rows: int) -> None:
        self.left -= rows
        if self.left <= 0:
            raise KeyboardInterrupt


def test_resume_refuses_a_changed_input_or_other_lists(screener: Screener, small: Screener, tmp_path: Path) -> None:
    src = write_parties(tmp_path / "parties.csv", 400)
    out = tmp_path / "out.jsonl"
    opts = BatchOptions(src, out, workers=1, partitions=4)
    with pytest.raises(BatchInterrupted) as stopped:
        run_batch(opts, screener, progress=_StopAfter(150))
    assert stopped.value.done == 1 and stopped.value.total == 4 and not out.exists()

    with pytest.raises(InputError, match="lists or the matcher changed"):
        run_batch(BatchOptions(src, out, workers=1, resume=True), small)
    with pytest.raises(InputError, match="its threshold was None"):
        run_batch(BatchOptions(src, out, workers=1, resume=True, threshold=0.5), screener)
    with src.open("a", encoding="utf-8") as fh:
        fh.write("r-new,Rosneft,RU,\n")
    with pytest.raises(InputError, match="the input file changed since"):
        run_batch(BatchOptions(src, out, workers=1, resume=True), screener)
    summary = run_batch(BatchOptions(src, out, workers=1), screener)  # without --resume: from the start
    assert summary.rows == 401 and summary.resumed_partitions == 0
    assert len(out.read_text(encoding="utf-8").splitlines()) == 401


def test_resume_with_nothing_to_resume_starts_over(screener: Screener, tmp_path: Path) -> None:
    src = write_parties(tmp_path / "parties.csv", 50)
    out = tmp_path / "out.csv"
    notes: list[str] = []
    summary = run_batch(BatchOptions(src, out, workers=1, resume=True), screener, note=notes.append)
    assert summary.rows == 50 and notes == [
        f"nothing to resume in {tmp_path / 'out.csv.partial'}: screening from the start"
    ]
    assert set(os.listdir(tmp_path)) == {"parties.csv", "out.csv"}
