"""Nothing forged (issue 11): `ledger record --result` re-derives the verdict from the result's own content and
knows the results this installation signed; from the command line, on a real check of a bundled example."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from ledger_samples import content_hash
from typer.testing import CliRunner

from exportgate import settings
from exportgate.cli import app
from exportgate.errors import InputError
from exportgate.packages.memo import Memo
from exportgate.packages.verdict import verdict_of_memo
from exportgate.store.signing import key_path, sign_result, verify_result

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def run(*args: str) -> Any:
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def checked(warm_index: Any) -> dict[str, dict[str, Any]]:
    """`exportgate check --json` of every bundled example (each a signed result)."""
    out = {}
    for path in sorted(EXAMPLES.glob("*.yaml")):
        res = run("check", str(path), "--json", "--no-ledger")
        assert res.exit_code in (0, 10, 20, 30), res.output
        out[path.stem] = json.loads(res.stdout)
    return out


def write(tmp_path: Path, doc: dict[str, Any], name: str = "result") -> str:
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return str(path)


def audit(db: str, event: str) -> list[dict[str, Any]]:
    res = run("ledger", "audit", "--db", db, "--event", event)
    return [json.loads(line) for line in res.stdout.splitlines()]


def test_every_example_re_derives_to_its_own_verdict(checked: dict[str, dict[str, Any]]) -> None:
    verdicts = set()
    for name, doc in checked.items():
        memo = Memo.parse(doc)
        derived, reasons = verdict_of_memo(memo)
        assert derived == memo.verdict and reasons == memo.verdict_reasons, name
        assert verify_result(doc).valid, name
        verdicts.add(derived)
    assert verdicts == {"clear", "license_required", "review", "blocked"}


def test_an_edited_verdict_is_refused_even_forced(checked: dict[str, dict[str, Any]], tmp_path: Path) -> None:
    """The blocked India package turned 'clear' and re-hashed: its own screening still says blocked."""
    forged = {**checked["03-india-listed-forwarder"], "verdict": "clear"}
    forged["content_hash"] = content_hash(forged)
    forged = sign_result(forged)  # even with this installation's signature
    db = str(tmp_path / "ledger.db")
    for extra in ([], ["--force"]):
        res = run("ledger", "record", "--result", write(tmp_path, forged), "--db", db, *extra)
        assert res.exit_code == 2
        assert res.stderr.startswith("error: result.verdict: ") and res.stderr.count("\n") == 1
        assert "says 'clear', but its own determinations, screening" in res.stderr and "'blocked'" in res.stderr
    refused = audit(db, "ledger.record_refused")
    assert len(refused) == 2 and refused[0]["payload"]["derived_verdict"] == "blocked"
    assert run("ledger", "entries", "--db", db).stdout == ""


def test_a_result_changed_beyond_its_verdict_needs_force_and_says_so(checked: dict[str, dict[str, Any]],
                                                                     tmp_path: Path) -> None:
    """Screening and verdict edited together re-derive consistently: only the signature tells."""
    forged = json.loads(json.dumps(checked["03-india-listed-forwarder"]))
    for party in forged["screening"]["parties"]:
        party["status"], party["matches"] = "clear", []
    forged["verdict"] = verdict_of_memo(Memo.parse({**forged, "content_hash": "-"}))[0]
    forged["content_hash"] = content_hash(forged)
    assert forged["verdict"] != "blocked"
    db = str(tmp_path / "ledger.db")
    res = run("ledger", "record", "--result", write(tmp_path, forged), "--db", db)
    assert res.exit_code == 2, res.output
    assert res.stderr.startswith("error: result.signature: ") and "changed after it was signed" in res.stderr
    res = run("ledger", "record", "--result", write(tmp_path, forged), "--db", db, "--force", "--approved-by", "ops")
    assert res.exit_code == 0, res.output
    assert "forced: the result is changed after it was signed" in res.stdout
    [line] = audit(db, "ledger.record")
    assert line["payload"]["approved_by"] == "ops" and line["payload"]["forced"] is True
    assert line["payload"]["signature"] == {"status": "mismatch", "key_id": line["payload"]["signature"]["key_id"],
                                            "produced_here": False}


def test_results_of_this_installation_record_without_force(checked: dict[str, dict[str, Any]], tmp_path: Path) -> None:
    doc = checked["01-japan-sovereign-cloud"]
    db = str(tmp_path / "ledger.db")
    res = run("ledger", "record", "--result", write(tmp_path, doc), "--db", db, "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["signature"]["produced_here"] is True
    [line] = audit(db, "ledger.record")
    assert line["payload"]["forced"] is False and line["payload"]["signature"]["status"] == "valid"


@pytest.mark.parametrize("how", ["unsigned", "other_key", "malformed"])
def test_results_from_elsewhere_need_force(checked: dict[str, dict[str, Any]], tmp_path: Path, how: str) -> None:
    doc = {k: v for k, v in checked["02-saudi-ai-campus"].items() if k != "signature"}
    if how == "other_key":
        doc = sign_result(doc, home=tmp_path / "another-installation")
    elif how == "malformed":
        doc["signature"] = "trust me"
    db = str(tmp_path / "ledger.db")
    res = run("ledger", "record", "--result", write(tmp_path, doc), "--db", db)
    assert res.exit_code == 2 and res.stderr.startswith("error: result.signature: ")
    assert {"unsigned": "is not signed", "other_key": "signed under another key",
            "malformed": "signed in a form"}[how] in res.stderr
    res = run("ledger", "record", "--result", write(tmp_path, doc), "--db", db, "--force")
    assert res.exit_code == 0, res.output
    [line] = audit(db, "ledger.record")
    status = {"unsigned": "missing", "other_key": "other_key", "malformed": "malformed"}[how]
    assert line["payload"]["forced"] is True and line["payload"]["signature"]["status"] == status


def test_the_key_is_private_to_the_data_home(checked: dict[str, dict[str, Any]], tmp_path: Path) -> None:
    home = Path(os.environ[settings.HOME_ENV])
    path = key_path()
    assert path == home / "keys" / "result-signing.key"  # made by the checks above
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    fresh = tmp_path / "home"
    signed = sign_result({"content_hash": "x", "verdict": "clear"}, home=fresh)
    assert stat.S_IMODE(key_path(fresh).stat().st_mode) == 0o600
    assert verify_result(signed, home=fresh).valid and not verify_result(signed).valid
    key_path(fresh).chmod(0o644)
    with pytest.raises(InputError, match="can be read by other users"):
        verify_result(signed, home=fresh)
