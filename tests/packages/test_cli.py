"""The commands through the installed console script (exit codes, stderr, files) and CliRunner."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from exportgate.cli import app
from exportgate.packages.screening import default_screener

ROOT = Path(__file__).resolve().parents[2]
EXE = str(Path(sys.executable).parent / "exportgate")
EXAMPLES = ROOT / "examples"


def _run(*args: str, home: Path, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "EXPORTGATE_HOME": str(home)}
    return subprocess.run([EXE, *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=600)


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def _html_text(path: Path) -> str:
    p = _Text()
    p.feed(path.read_text(encoding="utf-8"))
    return " ".join(p.parts)


def _pdf_text(path: Path) -> str:
    pypdf = pytest.importorskip("pypdf")
    return "\n".join(page.extract_text() or "" for page in pypdf.PdfReader(str(path)).pages)


def test_schema_package_prints_the_json_schema(tmp_path: Path) -> None:
    proc = _run("schema", "package", home=tmp_path)
    assert proc.returncode == 0, proc.stderr
    schema = json.loads(proc.stdout)
    assert schema["title"] == "exportgate full-stack AI export package"
    assert "Line" in schema["$defs"]


def test_schema_errors_all_listed_exit_2_and_no_memo(doc: dict[str, Any], tmp_path: Path) -> None:
    doc["layers"]["hardware"] += [
        {"description": "ok", "quantity": 1, "value": 1, "eccn": "EAR99"},
        {"description": "bad", "quantity": 0, "value": 1, "eccn": "EAR99"},
    ]
    doc["layers"]["models"][0]["value"] = -1
    del doc["name"]
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(doc))
    memo = tmp_path / "memo.html"
    proc = _run("check", str(path), "--report", str(memo), home=tmp_path)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert "error: layers.hardware[2].quantity: must be > 0" in lines
    assert "error: layers.models[0].value: must be >= 0" in lines
    assert "error: name: required" in lines
    assert len(lines) == 3
    assert "Traceback" not in proc.stderr
    assert not memo.exists()
    assert not list(tmp_path.glob("memo*"))


def test_bad_report_suffix_and_missing_file(tmp_path: Path) -> None:
    proc = _run("check", str(EXAMPLES / "01-japan-sovereign-cloud.yaml"), "--report", "x.txt", home=tmp_path)
    assert proc.returncode == 2 and "error: --report:" in proc.stderr
    proc = _run("check", str(tmp_path / "none.yaml"), home=tmp_path)
    assert proc.returncode == 2 and "file not found" in proc.stderr


@pytest.fixture(scope="module")
def slow_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The two slow commands (each checks packages and renders PDFs), run side by side: ``check`` through
    the console script, ``run`` in this process."""
    tmp = tmp_path_factory.mktemp("cli")
    env = {**os.environ, "EXPORTGATE_HOME": str(tmp)}
    md, pdf, out = tmp / "m.md", tmp / "m.pdf", tmp / "out"
    check = ["check", str(EXAMPLES / "03-india-listed-forwarder.yaml"), "--json"]
    check += ["--report", str(md), "--report", str(pdf)]
    proc = subprocess.Popen([EXE, *check], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    clear = subprocess.Popen(
        [EXE, "check", str(EXAMPLES / "01-japan-sovereign-cloud.yaml")],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    # meanwhile, `run` in this process (its exit code is asserted from CliRunner)
    default_screener()
    ran = CliRunner().invoke(app, ["run", "--out", str(out)])
    stdout, stderr = proc.communicate(timeout=600)
    clear_out, clear_err = clear.communicate(timeout=600)
    return {
        "clear": subprocess.CompletedProcess(clear.args, clear.returncode, clear_out, clear_err),
        "tmp": tmp,
        "md": md,
        "pdf": pdf,
        "out": out,
        "check": subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr),
        "run": subprocess.CompletedProcess(["run"], ran.exit_code, ran.output, ""),
    }


def test_check_clear_exit_0_with_the_default_ledger(slow_runs: dict[str, Any]) -> None:
    proc = slow_runs["clear"]
    assert proc.returncode == 0, proc.stderr
    assert "verdict: CLEAR" in proc.stdout
    assert (slow_runs["tmp"] / "exportgate.db").exists()  # the ledger at EXPORTGATE_HOME was opened


def test_check_blocked_json_and_memos(slow_runs: dict[str, Any]) -> None:
    md, pdf, tmp_path = slow_runs["md"], slow_runs["pdf"], slow_runs["tmp"]
    proc = slow_runs["check"]
    assert proc.returncode == 30, proc.stderr
    data = json.loads(proc.stdout)
    assert data["verdict"] == "blocked"
    assert data["package"]["name"].startswith("Deccan AI Cloud")
    text = md.read_text(encoding="utf-8")
    assert "BLOCKED" in text and "Complete Freight Solutions" in text and data["content_hash"] in text
    pdf_text = _pdf_text(pdf)
    assert "BLOCKED" in pdf_text and "Complete Freight Solutions" in pdf_text
    assert not list(tmp_path.glob("*.tmp"))


def test_run_checks_every_example_and_writes_memos(slow_runs: dict[str, Any]) -> None:
    out = slow_runs["out"]
    proc = slow_runs["run"]
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = [ln for ln in proc.stdout.splitlines() if ln.strip()]
    examples = sorted(EXAMPLES.glob("*.yaml"))
    assert len(lines) == len(examples) + 1
    for path, line in zip(examples, lines, strict=False):
        expected = yaml.safe_load(path.read_text())["expected_verdict"]
        assert line.split()[0] == expected and "[ok]" in line
        data = json.loads((out / f"{path.stem}.json").read_text())
        assert data["verdict"] == expected
        headline = {"clear": "CLEAR", "license_required": "LICENSE REQUIRED", "review": "REVIEW", "blocked": "BLOCKED"}
        assert headline[expected] in _html_text(out / f"{path.stem}.html")
        assert headline[expected] in (out / f"{path.stem}.md").read_text(encoding="utf-8")
        pdf = _pdf_text(out / f"{path.stem}.pdf")
        assert headline[expected] in pdf and data["content_hash"][:16] in pdf.replace("\n", "")
    assert lines[-1].startswith(f"{len(examples)} packages, 0 failed")


def test_run_fails_on_a_wrong_verdict_or_a_bad_package(tmp_path: Path) -> None:
    bad = tmp_path / "pk"
    bad.mkdir()
    (bad / "a.yaml").write_text("name: x\ndate: 2026-01-01\n")
    proc = _run("run", str(bad), "--out", str(tmp_path / "o"), home=tmp_path)
    assert proc.returncode == 1
    assert proc.stdout.startswith("error") and "destinations: required" in proc.stdout
    proc = _run("run", str(tmp_path / "nothing"), home=tmp_path)
    assert proc.returncode == 2 and "not a directory" in proc.stderr


@pytest.mark.parametrize(
    ("name", "code"),
    [("01-japan-sovereign-cloud", 0), ("02-saudi-ai-campus", 10), ("04-incomplete-malaysia", 20)],
)
def test_check_exit_codes(name: str, code: int) -> None:
    default_screener()  # built once for the process
    result = CliRunner().invoke(app, ["check", str(EXAMPLES / f"{name}.yaml"), "--no-ledger"])
    assert result.exit_code == code, result.output
    assert "verdict:" in result.output


def test_run_with_mismatched_expectation_exits_1(tmp_path: Path) -> None:
    default_screener()
    pk = tmp_path / "pk"
    pk.mkdir()
    doc = yaml.safe_load((EXAMPLES / "01-japan-sovereign-cloud.yaml").read_text())
    doc["expected_verdict"] = "blocked"
    (pk / "x.yaml").write_text(yaml.safe_dump(doc))
    result = CliRunner().invoke(app, ["run", str(pk), "--out", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert "MISMATCH (expected blocked)" in result.output


def test_check_reads_the_ledger(tmp_path: Path) -> None:
    store = pytest.importorskip("exportgate.store")
    from exportgate.packages import check_package, load_package
    from exportgate.rules import Mode

    ledger = store.Ledger.open(f"sqlite:///{tmp_path / 'l.db'}")
    loaded = load_package(str(EXAMPLES / "02-saudi-ai-campus.yaml"))
    first = check_package(loaded, mode=Mode.TEXT, ledger=ledger, screener=default_screener()).to_json()
    ledger.record(first, approved_by="test")
    again = check_package(loaded, mode=Mode.TEXT, ledger=ledger, screener=default_screener()).to_json()
    tpp = 250 * 126_656
    row = again["compute"]["per_destination"][0]
    assert row["ledger_before"] == tpp and row["after_package"] == 2 * tpp
    assert row["remaining"] == 790_000_000 - 2 * tpp
    assert again["compute"]["per_end_user"][0]["ledger_before"] == tpp


def test_check_db_option_reads_that_ledger(tmp_path: Path) -> None:
    store = pytest.importorskip("exportgate.store")
    from exportgate.packages import check_package, load_package

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    first = check_package(load_package(str(EXAMPLES / "02-saudi-ai-campus.yaml")), screener=default_screener())
    store.Ledger.open(url).record(first.to_json(), approved_by="test")
    args = ["check", str(EXAMPLES / "02-saudi-ai-campus.yaml"), "--db", url, "--json"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 10, result.output
    data = json.loads(result.output)
    assert data["compute"]["per_destination"][0]["ledger_before"] == 250 * 126_656


def test_check_reads_json_packages(tmp_path: Path) -> None:
    default_screener()
    doc = yaml.safe_load((EXAMPLES / "02-saudi-ai-campus.yaml").read_text())
    path = tmp_path / "p.json"
    path.write_text(json.dumps(doc, default=str))
    result = CliRunner().invoke(app, ["check", str(path), "--no-ledger", "--json"])
    assert result.exit_code == 10, result.output
    assert json.loads(result.output)["package"]["source_file"] == str(path)


def test_check_reads_stdin() -> None:
    default_screener()
    text = (EXAMPLES / "04-incomplete-malaysia.yaml").read_text()
    result = CliRunner().invoke(app, ["check", "-", "--no-ledger", "--json"], input=text)
    assert result.exit_code == 20, result.output
    data = json.loads(result.output)
    assert data["package"]["source_file"] == "-" and len(data["package"]["source_sha256"]) == 64
