"""``exportgate ledger ...`` in-process through the Typer app (CliRunner sees the app's exit codes)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer
from ledger_samples import make_result
from sqlalchemy import select
from typer.testing import CliRunner

from exportgate import settings
from exportgate.cli import app as cli_app
from exportgate.store import Ledger
from exportgate.store.models import Record

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def app() -> typer.Typer:
    return cli_app


def run(app: typer.Typer, *args: str) -> Any:
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def write(tmp_path: Path, result: dict[str, Any], name: str) -> str:
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(result), encoding="utf-8")
    return str(path)


def test_record_and_show(app: typer.Typer, tmp_path: Path, db_url: str) -> None:
    a = make_result("alpha", "2025-06-01", [("H100", [("AE", "G42 Cloud"), ("AE", "Khazna")], 15832.0, 100)])
    b = make_result("beta", "2026-03-01", [("H100", [("AE", "G42 Cloud", "LPP")], 15832.0, 2000),
                                           ("H20", [("FR", "Mistral")], 2960.0, 10)])
    out = run(app, "ledger", "record", "--result", write(tmp_path, a, "a"), "--db", db_url, "--approved-by", "me",
              "--as", "clerk")
    assert out.exit_code == 0, out.output
    assert out.output.startswith("recorded #1: alpha as of 2025-06-01 (clear, enforced mode)")
    assert "AE 2025 G42 Cloud: 1,583,200 TPP" in out.output and "AE 2025 Khazna: 1,583,200 TPP" in out.output
    out = run(app, "ledger", "record", "--result", write(tmp_path, b, "b"), "--db", db_url, "--json")
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["record_id"] == 2 and data["content_hash"] == b["content_hash"]
    assert [(e["country"], e["end_user"], e["tpp"]) for e in data["entries"]] == [
        ("AE", "G42 Cloud", 31_664_000.0), ("FR", "Mistral", 29_600.0)]

    out = run(app, "ledger", "show", "--db", db_url, "--json", "--as-of", "2026-12-31", "--mode", "text")
    assert out.exit_code == 0, out.output
    s = json.loads(out.output)
    assert s["records"] == 2 and s["total_tpp"] == 3_166_400.0 + 31_664_000.0 + 29_600.0
    by_cc = {r["country"]: r for r in s["countries"]}
    assert by_cc["AE"]["tpp"] == 34_830_400.0
    assert by_cc["AE"]["allocation"]["tpp"] == 790_000_000 and by_cc["AE"]["allocation"]["used"] == 34_830_400.0
    assert by_cc["FR"]["allocation"] is None  # a Supp. 5(a) country has no allocation
    eus = {(r["end_user"], r["year"]): r for r in s["end_users"]}
    assert eus[("G42 Cloud", 2026)]["tpp"] == 31_664_000.0 and eus[("G42 Cloud", 2026)]["cap"]["exceeded"] is True

    out = run(app, "ledger", "show", "--db", db_url, "--json", "--country", "ae", "--year", "2025",
              "--as-of", "2026-12-31")
    s = json.loads(out.output)
    assert [(r["country"], r["tpp"]) for r in s["countries"]] == [("AE", 3_166_400.0)]
    assert s["allocation_in_force"] is None  # enforced mode: the allocation is not applied

    out = run(app, "ledger", "show", "--db", db_url, "--as-of", "2026-12-31", "--mode", "text")
    assert out.exit_code == 0
    assert "Country allocation in force: 790,000,000 TPP per country, 2025-2027" in out.output
    assert "34,830,400" in out.output and "Mistral" in out.output

    out = run(app, "ledger", "entries", "--db", db_url, "--country", "FR")
    assert [json.loads(line)["package"] for line in out.output.splitlines()] == ["beta"]
    out = run(app, "ledger", "audit", "--db", db_url, "--event", "ledger.record")
    lines = [json.loads(line) for line in out.output.splitlines()]
    # the audit line names who recorded it (--as, else the local user); approved_by defaults to that user
    local = settings.local_user()
    assert [(x["actor"], x["payload"]["approved_by"], x["payload"]["package"]) for x in lines] == [
        ("clerk", "me", "alpha"), (local, local, "beta")]


def test_errors_exit_2_with_one_line(app: typer.Typer, tmp_path: Path, sqlite_url: str) -> None:
    blocked = make_result("listed", "2026-01-01", [("H100", [("AE", "X")], 15832.0, 1)], verdict="blocked")
    path = write(tmp_path, blocked, "blocked")
    out = run(app, "ledger", "record", "--result", path, "--db", sqlite_url)
    assert out.exit_code == 2
    assert out.output.startswith("error: result.verdict: 'listed' is 'blocked'")
    assert run(app, "ledger", "record", "--result", path, "--db", sqlite_url, "--force").exit_code == 0
    again = run(app, "ledger", "record", "--result", path, "--db", sqlite_url, "--force")
    assert again.exit_code == 2 and "error: result.content_hash: this result is already recorded" in again.output
    out = run(app, "ledger", "record", "--db", sqlite_url)
    assert out.exit_code == 2 and "error: PACKAGE:" in out.output
    out = run(app, "ledger", "show", "--db", sqlite_url, "--country", "XX")
    assert out.exit_code == 2 and out.output.startswith("error: --country")
    out = run(app, "ledger", "show", "--db", sqlite_url, "--as-of", "yesterday")
    assert out.exit_code == 2 and out.output.startswith("error: --as-of")
    out = run(app, "ledger", "show", "--db", sqlite_url, "--mode", "lenient")
    assert out.exit_code == 2 and out.output.startswith("error: --mode")
    out = run(app, "ledger", "show", "--db", "oracle://x@y/z")
    assert out.exit_code == 2 and out.output.startswith("error: db: unsupported database")
    out = run(app, "ledger", "record", "--result", str(tmp_path / "missing.json"), "--db", sqlite_url)
    assert out.exit_code == 2 and out.output.startswith("error: --result: file not found")


def test_record_package_runs_the_check(app: typer.Typer, sqlite_url: str, warm_index: Any) -> None:
    """`ledger record PACKAGE` checks the package (exportgate.packages) and records its compute."""
    example = ROOT / "examples" / "01-japan-sovereign-cloud.yaml"
    out = run(app, "ledger", "record", str(example), "--db", sqlite_url, "--json")
    assert out.exit_code == 0, out.output
    recorded = json.loads(out.output)
    ledger = Ledger.open(sqlite_url)
    with ledger.engine.connect() as conn:
        [record] = conn.execute(select(Record.result)).scalars().all()
    ledger.close()
    assert record["verdict"] == "clear" and record["content_hash"] == recorded["content_hash"]
    expected = {r["country"]: r["tpp"] for r in record["compute"]["per_destination"]}
    got: dict[str, float] = {}
    for e in recorded["entries"]:
        got[e["country"]] = got.get(e["country"], 0.0) + e["tpp"]
    assert got == expected and sum(expected.values()) > 0
    # The same unchanged file again: refused. Its re-check does not count the recorded package against itself,
    # so it is the same result (the same content hash).
    out = run(app, "ledger", "record", str(example), "--db", sqlite_url)
    assert out.exit_code == 2 and "this result is already recorded (record #1" in out.output


def test_reading_commands_never_create_or_migrate(app: typer.Typer, tmp_path: Path) -> None:
    """show, entries and audit only read: a database that is not there is an error naming it."""
    missing = tmp_path / "typo.db"
    for args in (["show"], ["entries"], ["audit"]):
        out = run(app, "ledger", *args, "--db", str(missing))
        assert out.exit_code == 2, out.output
        assert out.stderr == f"error: db: no database at {missing}\n"
    assert not missing.exists() and list(tmp_path.iterdir()) == []


def test_show_on_a_database_without_a_ledger_is_an_error(app: typer.Typer, db_url: str) -> None:
    if db_url.startswith("sqlite:///"):
        Path(db_url.removeprefix("sqlite:///")).touch()  # an empty database file
    out = run(app, "ledger", "show", "--db", db_url)
    assert out.exit_code == 2 and out.stderr.startswith("error: db: no ledger in ")


def test_migrate_then_show_an_empty_ledger(app: typer.Typer, db_url: str) -> None:
    out = run(app, "ledger", "migrate", "--db", db_url)
    assert out.exit_code == 0, out.output
    from exportgate.store.db import head_revision

    assert out.stdout.startswith("ledger ") and f"is at schema revision {head_revision()}" in out.stdout
    out = run(app, "ledger", "show", "--db", db_url, "--json")
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout)["records"] == 0


def _licensed(name: str = "gamma") -> dict[str, Any]:
    """A license_required result: hardware[0] needs a licence to AE and to SA (two end users)."""
    from ledger_samples import rehash, sign

    r = make_result(name, "2026-10-20", [("H100", [("AE", "G42 Cloud"), ("SA", "Humain")], 15832.0, 10)],
                    verdict="license_required")
    op = {"kind": "requirement", "name": "destination", "provision": "742.6(a)(6)", "citation": "15 CFR 742.6"}
    for det in r["layers"][0]["lines"][0]["determinations"]:
        det.update(status="license_required", license_required=True, review_policy="case_by_case", operative=op)
    r["licenses_needed"] = [
        {"line": "layers.hardware[0]", "destination": d, "end_user": eu, "classification": "3A090.a.1",
         "status": "license_required", "review_policy": "case_by_case", "operative": op, "citations": []}
        for d, eu in (("AE", "G42 Cloud"), ("SA", "Humain"))]
    return sign(rehash(r))  # edited by the test, then signed as this installation signs its own results


def test_record_licences_granted_and_signoff(app: typer.Typer, tmp_path: Path, db_url: str) -> None:
    r = _licensed()
    memo_html = tmp_path / "signed.html"
    out = run(app, "ledger", "record", "--result", write(tmp_path, r, "g"), "--db", db_url,
              "--license", "hardware[0]@AE=D1234567", "--license-condition", "D1234567=no reexport to D:5",
              "--prepared-by", "J. Doe", "--reviewed-by", "K. Osei", "--approved-by", "M. Chen",
              "--report", str(memo_html))
    assert out.exit_code == 0, out.output
    assert "licence D1234567: hardware[0] → AE · G42 Cloud — conditions: no reexport to D:5" in out.output
    assert "warning: no licence number recorded for hardware[0] → SA" in out.output
    html = memo_html.read_text(encoding="utf-8")
    assert "D1234567" in html and "no reexport to D:5" in html and "K. Osei" in html and "M. Chen" in html
    # the ledger shows them, and the signed memo is the checked memo: its content hash unchanged
    out = run(app, "ledger", "records", "--db", db_url, "--json")
    row = json.loads(out.output.splitlines()[0])
    assert row["licences"] == [{"line": "layers.hardware[0]", "number": "D1234567", "destination": "AE",
                                "end_user": "G42 Cloud", "conditions": ["no reexport to D:5"]}]
    assert row["signoff"]["approved_by"]["name"] == "M. Chen" and row["signoff"]["record_id"] == 1
    out = run(app, "ledger", "memo", "1", "--db", db_url, "--json")
    signed = json.loads(out.output)
    from exportgate.packages.memo import content_hash

    assert signed["content_hash"] == r["content_hash"] == content_hash(signed)
    assert signed["signoff"]["prepared_by"] == {"name": "J. Doe", "date": signed["signoff"]["recorded_at"][:10]}
    assert signed["licences_granted"][0]["number"] == "D1234567"
    out = run(app, "ledger", "memo", "1", "--db", db_url, "--report", str(tmp_path / "again.md"))
    assert out.exit_code == 0 and "D1234567" in (tmp_path / "again.md").read_text(encoding="utf-8")
    audit = [json.loads(line) for line in run(app, "ledger", "audit", "--db", db_url).output.splitlines()]
    assert audit[-1]["payload"]["licences"][0]["number"] == "D1234567"


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (["--license", "hardware[3]=D1"], "error: --license: hardware[3] needs no licence in this result"),
        (["--license", "hardware[0]@QA=D1"], "error: --license: hardware[0] to QA needs no licence"),
        (["--license", "hardware[0]"], "error: --license: expected LINE=NUMBER"),
        (["--license", "hardware[0]=D1", "--license", "hardware[0]=D2"], "error: --license: hardware[0] is given twice"),
        (["--license-condition", "D9=x"], "error: --license-condition: 'D9' is not a licence given with --license"),
    ],
)
def test_record_refuses_a_licence_the_result_does_not_need(
    app: typer.Typer, tmp_path: Path, db_url: str, args: list[str], problem: str
) -> None:
    out = CliRunner().invoke(app, ["ledger", "record", "--result", write(tmp_path, _licensed(), "g"), "--db", db_url,
                                   *args])
    assert out.exit_code == 2 and out.stderr.startswith(problem), out.output
    ledger = Ledger.open(db_url)
    try:
        assert ledger.record_count() == 0  # nothing recorded
    finally:
        ledger.close()
