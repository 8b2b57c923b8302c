"""``check``, ``schema package`` and ``run`` in-process through the Typer app (exit codes, stderr, files);
the console script itself is exercised in ``tests/test_cli_smoke.py``."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from exportgate.cli import app
from exportgate.store import Ledger
from exportgate.store.signing import sign_result

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def _invoke(*args: str, stdin: str | None = None, env: dict[str, str] | None = None) -> Any:
    return CliRunner().invoke(app, list(args), input=stdin, env=env)


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
    import pypdf  # here, not at collection: only this module's memo tests read PDFs

    return "\n".join(page.extract_text() or "" for page in pypdf.PdfReader(str(path)).pages)


def _pdf_pages(path: Path) -> int:
    import pypdf

    return len(pypdf.PdfReader(path).pages)


def test_schema_package_prints_the_json_schema() -> None:
    result = _invoke("schema", "package")
    assert result.exit_code == 0, result.stderr
    schema = json.loads(result.stdout)
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
    result = _invoke("check", str(path), "--report", str(memo))
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert "error: layers.hardware[2].quantity: must be > 0" in lines
    assert "error: layers.models[0].value: must be >= 0" in lines
    assert "error: name: required" in lines
    assert len(lines) == 3
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert not memo.exists()
    assert not list(tmp_path.glob("memo*"))


def test_bad_report_suffix_and_missing_file(tmp_path: Path) -> None:
    result = _invoke("check", str(EXAMPLES / "01-japan-sovereign-cloud.yaml"), "--report", "x.txt")
    assert result.exit_code == 2 and result.stderr.startswith("error: --report:")
    result = _invoke("check", str(tmp_path / "none.yaml"))
    assert result.exit_code == 2 and "file not found" in result.stderr


@pytest.fixture(scope="module")
def slow_runs(tmp_path_factory: pytest.TempPathFactory, warm_index: Any) -> dict[str, Any]:
    """The slow commands (each checks packages and renders PDFs), run once for the module's tests."""
    tmp = tmp_path_factory.mktemp("cli")
    md, pdf, out = tmp / "m.md", tmp / "m.pdf", tmp / "out"
    check = ["check", str(EXAMPLES / "03-india-listed-forwarder.yaml"), "--json"]
    check += ["--report", str(md), "--report", str(pdf), "--db", str(tmp / "ledger.db")]
    return {
        # the default ledger: exportgate.db in EXPORTGATE_HOME
        "clear": _invoke("check", str(EXAMPLES / "01-japan-sovereign-cloud.yaml"), env={"EXPORTGATE_HOME": str(tmp)}),
        "tmp": tmp,
        "md": md,
        "pdf": pdf,
        "out": out,
        "check": _invoke(*check),
        "run": _invoke("run", "--out", str(out), "--as", "A. Reviewer"),
    }


def test_check_clear_exit_0_and_the_ledger_is_only_read(slow_runs: dict[str, Any]) -> None:
    result = slow_runs["clear"]
    assert result.exit_code == 0, result.output
    assert "verdict: CLEAR" in result.stdout
    assert not (slow_runs["tmp"] / "exportgate.db").exists()  # a missing ledger is empty; check never creates one


def test_check_blocked_json_and_memos(slow_runs: dict[str, Any]) -> None:
    md, pdf, tmp_path = slow_runs["md"], slow_runs["pdf"], slow_runs["tmp"]
    result = slow_runs["check"]
    assert result.exit_code == 30, result.output
    data = json.loads(result.stdout)
    assert data["verdict"] == "blocked"
    assert data["package"]["name"].startswith("Deccan AI Cloud")
    text = md.read_text(encoding="utf-8")
    assert "BLOCKED" in text and "Complete Freight Solutions" in text and data["content_hash"] in text
    pdf_text = _pdf_text(pdf)
    assert "BLOCKED" in pdf_text and "Complete Freight Solutions" in pdf_text
    assert not list(tmp_path.glob("*.tmp")) and not list(tmp_path.glob(".*.tmp"))


def test_run_checks_every_example_and_writes_memos(slow_runs: dict[str, Any]) -> None:
    out = slow_runs["out"]
    result = slow_runs["run"]
    assert result.exit_code == 0, result.output
    lines = [ln for ln in result.stdout.splitlines() if ln.strip()]
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
        assert _pdf_pages(out / f"{path.stem}.pdf") <= 3  # every bundled example's memo
        assert data["provenance"]["produced_by"] == "A. Reviewer" and data["package"]["source_file"] == path.name
    assert lines[-1].startswith(f"{len(examples)} packages, 0 failed")
    assert not list(out.glob(".*.tmp"))


def test_run_fails_on_a_wrong_verdict_or_a_bad_package(tmp_path: Path) -> None:
    bad = tmp_path / "pk"
    bad.mkdir()
    (bad / "a.yaml").write_text("name: x\ndate: 2026-01-01\n")
    result = _invoke("run", str(bad), "--out", str(tmp_path / "o"))
    assert result.exit_code == 1
    assert result.stdout.startswith("error") and "destinations: required" in result.stdout
    result = _invoke("run", str(tmp_path / "nothing"))
    assert result.exit_code == 2 and "not a directory" in result.stderr


@pytest.mark.parametrize(
    ("name", "code"),
    [("01-japan-sovereign-cloud", 0), ("02-saudi-ai-campus", 10), ("04-incomplete-malaysia", 20)],
)
def test_check_exit_codes(name: str, code: int, warm_index: Any) -> None:
    result = _invoke("check", str(EXAMPLES / f"{name}.yaml"), "--no-ledger")
    assert result.exit_code == code, result.output
    assert "verdict:" in result.stdout


def test_run_with_mismatched_expectation_exits_1(tmp_path: Path, warm_index: Any) -> None:
    pk = tmp_path / "pk"
    pk.mkdir()
    doc = yaml.safe_load((EXAMPLES / "01-japan-sovereign-cloud.yaml").read_text())
    doc["expected_verdict"] = "blocked"
    (pk / "x.yaml").write_text(yaml.safe_dump(doc))
    result = _invoke("run", str(pk), "--out", str(tmp_path / "o"))
    assert result.exit_code == 1
    assert "MISMATCH (expected blocked)" in result.stdout


def test_check_reads_the_ledger(tmp_path: Path, warm_index: Any) -> None:
    from exportgate.packages import check_package, load_package
    from exportgate.rules import Mode

    ledger = Ledger.open(f"sqlite:///{tmp_path / 'l.db'}")
    loaded = load_package(str(EXAMPLES / "02-saudi-ai-campus.yaml"))
    first = check_package(loaded, mode=Mode.TEXT, ledger=ledger, screener=warm_index).to_json()
    ledger.record(sign_result(first), approved_by="test")  # a result made here, signed here
    tpp = 250 * 126_656
    # re-checking the recorded package does not count it against itself
    same = check_package(loaded, mode=Mode.TEXT, ledger=ledger, screener=warm_index).to_json()
    assert same["compute"]["per_destination"][0]["ledger_before"] == 0
    # another package (phase 2 of the campus) counts what phase 1 recorded
    phase2 = loaded.model_copy(update={"package": loaded.package.model_copy(update={"name": "Riyadh phase 2"})})
    again = check_package(phase2, mode=Mode.TEXT, ledger=ledger, screener=warm_index).to_json()
    row = again["compute"]["per_destination"][0]
    assert row["ledger_before"] == tpp and row["after_package"] == 2 * tpp
    assert row["remaining"] == 790_000_000 - 2 * tpp
    assert again["compute"]["per_end_user"][0]["ledger_before"] == tpp


def test_check_db_option_reads_that_ledger(tmp_path: Path, warm_index: Any) -> None:
    from exportgate.packages import check_package, load_package

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    loaded = load_package(str(EXAMPLES / "02-saudi-ai-campus.yaml"))
    phase1 = loaded.model_copy(update={"package": loaded.package.model_copy(update={"name": "Riyadh phase 1"})})
    first = check_package(phase1, screener=warm_index)
    Ledger.open(url).record(sign_result(first.to_json()), approved_by="test")
    result = _invoke("check", str(EXAMPLES / "02-saudi-ai-campus.yaml"), "--db", url, "--json")
    assert result.exit_code == 10, result.output
    data = json.loads(result.stdout)
    assert data["compute"]["per_destination"][0]["ledger_before"] == 250 * 126_656


def test_check_refuses_a_ledger_at_an_older_schema_revision(tmp_path: Path, warm_index: Any) -> None:
    from exportgate.store.db import make_engine, migrate

    path = tmp_path / "old.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine, "0001_initial")
    engine.dispose()
    before = path.read_bytes()
    result = _invoke("check", str(EXAMPLES / "01-japan-sovereign-cloud.yaml"), "--db", str(path))
    assert result.exit_code == 2
    assert result.stderr.startswith("error: db: the ledger in sqlite:///") and "schema revision 0001_initial" in result.stderr
    assert "exportgate ledger migrate" in result.stderr
    assert path.read_bytes() == before  # not migrated by a read


def test_check_reads_json_packages(tmp_path: Path, warm_index: Any) -> None:
    doc = yaml.safe_load((EXAMPLES / "02-saudi-ai-campus.yaml").read_text())
    path = tmp_path / "p.json"
    path.write_text(json.dumps(doc, default=str))
    result = _invoke("check", str(path), "--no-ledger", "--json")
    assert result.exit_code == 10, result.output
    assert json.loads(result.stdout)["package"]["source_file"] == path.name


def test_check_reads_stdin(warm_index: Any) -> None:
    text = (EXAMPLES / "04-incomplete-malaysia.yaml").read_text()
    result = _invoke("check", "-", "--no-ledger", "--json", stdin=text)
    assert result.exit_code == 20, result.output
    data = json.loads(result.stdout)
    assert data["package"]["source_file"] == "-" and len(data["package"]["source_sha256"]) == 64


def test_check_compare_explains_the_difference(warm_index: Any) -> None:
    """The UAE was named in 742.6(a)(6)(iii)(B) in July 2026: the Abu Dhabi servers need a licence on both
    dates, but under another provision; the comparison says so and names the rule changes behind it."""
    path = str(EXAMPLES / "05-gulf-regional.yaml")
    result = _invoke("check", path, "--no-ledger", "--compare", "2026-06-01,2026-10-20", "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert [v["as_of"] for v in doc["verdicts"]] == ["2026-06-01", "2026-10-20"]
    assert [v["verdict"] for v in doc["verdicts"]] == ["license_required", "license_required"]
    assert {"line": "hardware[0]", "recipient": "AE · Abu Dhabi Compute Holding PJSC",
            "field": "operative provision", "before": "742.6(a)(6)", "after": "742.6(a)(6)(iii)(B)"} \
        in doc["line_changes"]
    assert not [c for c in doc["line_changes"] if c["line"] == "hardware[1]"]  # QA: the same answer
    changes = {c["key"]: c["change"] for c in doc["rule_changes"]}
    assert changes["scope.named.countries"] == "+AE" and changes["scope.destinations"] == "−AE"
    assert all(c["value_changed"] for c in doc["rule_changes"])
    assert doc["country_group_changes"]["AE"]["after"] == ["A:5", "B"]
    text = _invoke("check", path, "--no-ledger", "--compare", "2026-06-01,2026-10-20")
    assert text.exit_code == 0
    assert "- hardware[0] → AE · Abu Dhabi Compute Holding PJSC: operative provision 742.6(a)(6) -> " \
           "742.6(a)(6)(iii)(B)" in text.stdout
    assert "- scope.named.countries: +AE" in text.stdout
    bad = _invoke("check", path, "--no-ledger", "--compare", "2026-06-01,2026-10-20", "--as-of", "2026-10-20")
    assert bad.exit_code == 2 and bad.stderr.startswith("error: --compare:")
