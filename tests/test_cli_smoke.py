"""The installed console script, end to end: a handful of real runs (every other CLI test runs in-process
through the Typer app with CliRunner, which sees the same exit codes since the error handler is inside the
app). The subprocesses inherit the run's home and ``EXPORTGATE_CACHE_DIR``, so none builds the index."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
EXE = str(Path(sys.executable).parent / "exportgate")
EXAMPLES = ROOT / "examples"


def _run(*args: str, stdin: str | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([EXE, *args], input=stdin, capture_output=True, text=True, cwd=cwd, timeout=600)


def test_help_lists_every_command() -> None:
    proc = _run("--help")
    assert proc.returncode == 0, proc.stderr
    for command in ("classify", "determine", "screen", "screen-batch", "check", "run", "serve", "rules",
                    "countries", "catalog", "lists", "schema", "ledger", "redflags", "rescreen", "cases", "alerts",
                    "users", "audit"):
        assert f" {command} " in proc.stdout


def test_bad_input_is_one_line_and_exit_2() -> None:
    proc = _run("classify", "-", stdin="kind: integrated_circuit\ndense_tops: {fp9: 5}\n")
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: item.dense_tops.fp9: unknown precision")
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr


def test_check_an_example_with_memos_and_no_ledger_file(tmp_path: Path, warm_index: Any) -> None:
    md, pdf, db = tmp_path / "m.md", tmp_path / "m.pdf", tmp_path / "ledger.db"
    proc = _run("check", str(EXAMPLES / "03-india-listed-forwarder.yaml"), "--json", "--report", str(md),
                "--report", str(pdf), "--db", str(db))
    assert proc.returncode == 30, proc.stderr
    data = json.loads(proc.stdout)
    assert data["verdict"] == "blocked"
    assert "BLOCKED" in md.read_text(encoding="utf-8") and pdf.read_bytes().startswith(b"%PDF")
    assert not db.exists()  # check reads the ledger; it never creates one
    assert not list(tmp_path.glob("*.tmp")) and not list(tmp_path.glob(".*.tmp"))


def test_screen_a_name(warm_index: Any) -> None:
    proc = _run("screen", "Bank Melli Iran", "--json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert "ofac_sdn:25578" in {m["entity_id"] for m in doc["matches"]}


def test_run_a_directory(tmp_path: Path, warm_index: Any) -> None:
    example = "01-japan-sovereign-cloud.yaml"
    (tmp_path / "pk").mkdir()
    shutil.copy(EXAMPLES / example, tmp_path / "pk" / example)
    proc = _run("run", str(tmp_path / "pk"), "--out", str(tmp_path / "out"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.startswith("clear") and "[ok]" in proc.stdout
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        f"{Path(example).stem}.{s}" for s in ("html", "json", "md", "pdf")
    ]
