"""The engines give identical results: same rows, same order, same matches, whatever the engine, the
number of workers or of partitions — on a real 2-worker Dask LocalCluster too."""

from __future__ import annotations

import csv
import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from batch_helpers import write_parties
from typer.testing import CliRunner

from exportgate.cli import app

ROWS = 300


def _run(runner: CliRunner, *args: str) -> str:
    res = runner.invoke(app, ["screen-batch", *args])
    assert res.exit_code == 1, res.output  # the file has rows that cannot be screened
    return res.stderr


def test_local_one_and_two_workers_and_a_local_cluster_agree(runner: CliRunner, tmp_path: Path) -> None:
    src = write_parties(tmp_path / "parties.csv", ROWS)
    one = tmp_path / "one.csv"
    two = tmp_path / "two.csv"
    dask = tmp_path / "dask.csv"
    log1 = _run(runner, str(src), "--out", str(one), "--workers", "1")
    log2 = _run(runner, str(src), "--out", str(two), "--workers", "2", "--partitions", "3")
    log3 = _run(runner, str(src), "--out", str(dask), "--engine", "dask", "--workers", "2", "--partitions", "3")
    assert "1 partition(s)" in log1 and "2 worker(s), 3 partition(s)" in log2 and "engine dask" in log3
    assert one.read_bytes() == two.read_bytes() == dask.read_bytes()
    rows = list(csv.DictReader(one.open(encoding="utf-8")))
    assert [int(r["row"]) for r in rows] == list(range(2, ROWS + 2))  # every row, in input order
    statuses = {r["status"] for r in rows}
    assert statuses == {"ok", "error"}
    listed = [r for r in rows if r["name"] == "Bank Melli Iran"]
    assert listed and all("ofac_sdn:25578" in {m["entity_id"] for m in json.loads(r["matches"])} for r in listed)
    for path in (one, two, dask):
        assert not path.with_name(path.name + ".partial").exists()  # the work folder is gone


@pytest.mark.filterwarnings("ignore:The inplace keyword")
def test_a_parquet_folder_is_read_by_dask_and_swapped_whole(runner: CliRunner, tmp_path: Path) -> None:
    import dask.dataframe as dd

    src = write_parties(tmp_path / "parties.csv", 250)
    folder = tmp_path / "screened"
    _run(runner, str(src), "--out", str(folder), "--workers", "2", "--partitions", "3")
    assert sorted(p.name for p in folder.iterdir()) == [f"part-0000{i}.parquet" for i in range(3)]
    frame = dd.read_parquet(str(folder)).compute()
    reference = tmp_path / "ref.csv"
    _run(runner, str(src), "--out", str(reference), "--workers", "1")
    rows = list(csv.DictReader(reference.open(encoding="utf-8")))
    assert frame["row"].tolist() == [int(r["row"]) for r in rows]
    assert frame["status"].tolist() == [r["status"] for r in rows]
    assert frame["best_entity_id"].fillna("").tolist() == [r["best_entity_id"] for r in rows]

    smaller = write_parties(tmp_path / "smaller.csv", 120, seed=5)  # one partition: no stale part is kept
    _run(runner, str(smaller), "--out", str(folder), "--workers", "1")
    assert [p.name for p in folder.iterdir()] == ["part-00000.parquet"]
    assert len(dd.read_parquet(str(folder)).compute()) == 120
    assert not list(tmp_path.glob(".screened*"))  # nothing left beside it


def test_an_unreachable_scheduler_is_one_line(runner: CliRunner, tmp_path: Path) -> None:
    src = write_parties(tmp_path / "parties.csv", 10)
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = tmp_path / "out.csv"
    args = ["screen-batch", str(src), "--out", str(out), "--engine", "dask", "--scheduler", f"tcp://127.0.0.1:{port}"]
    res = runner.invoke(app, [*args, "--timeout", "1"])
    assert res.exit_code == 2
    assert res.stderr.startswith(f"error: scheduler: cannot reach the Dask scheduler at tcp://127.0.0.1:{port}")
    assert len(res.stderr.strip().splitlines()) == 1 and "Traceback" not in res.output
    assert not out.exists() and not list(tmp_path.glob("out.csv*"))


def test_bad_engine_options_are_input_errors(runner: CliRunner, tmp_path: Path) -> None:
    src = write_parties(tmp_path / "parties.csv", 10)
    out = str(tmp_path / "o.csv")
    for extra, message in [
        (["--engine", "spark"], "error: engine: must be one of local, dask"),
        (["--workers", "0"], "error: workers: must be at least 1"),
        (["--partitions", "0"], "error: partitions: must be at least 1"),
        (["--scheduler", "tcp://127.0.0.1:8786"], "error: scheduler: is for --engine dask"),
    ]:
        res = runner.invoke(app, ["screen-batch", str(src), "--out", out, *extra])
        assert res.exit_code == 2 and res.stderr.startswith(message), res.stderr


def test_the_command_line_and_the_local_engine_load_no_dask() -> None:
    code = (
        "import sys, exportgate.cli, exportgate.screen.batch, exportgate.screen.batch.run\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed', 'pandas')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
