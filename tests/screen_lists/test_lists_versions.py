"""List versions that tell the truth (issue 11), from the command line: content dates come from the files, an
older list never silently replaces a newer one, and `lists versions` / `activate` / `rollback` undo changes,
each recorded in the version log (and the ledger's audit log when there is a ledger)."""

from __future__ import annotations

import csv
import gzip
import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from lists_helpers import SMALL
from typer.testing import CliRunner

from exportgate.cli import app

Server = tuple[str, Path, dict[str, Any]]
ADDED = "WUHAN GLOBAL SENSOR TECHNOLOGY CO., LTD."  # on the SDN list of 2024-05-03, not on that of 2024-04-26


def cli(home: Path, *args: str) -> Any:
    return CliRunner().invoke(app, [*args, "--home", str(home)], catch_exceptions=False)


def status(home: Path) -> dict[str, Any]:
    out = cli(home, "lists", "status", "--json")
    assert out.exit_code == 0, out.output
    doc: dict[str, Any] = json.loads(out.stdout)
    return doc


def versions(home: Path) -> dict[str, Any]:
    out = cli(home, "lists", "versions", "--json")
    assert out.exit_code == 0, out.output
    doc: dict[str, Any] = json.loads(out.stdout)
    return doc


def active(home: Path) -> str:
    return next(v["name"] for v in versions(home)["versions"] if v["active"])


def matched(home: Path, name: str) -> bool:
    out = cli(home, "screen", name, "--json")
    assert out.exit_code == 0, out.output
    return any(m["name"] == name for m in json.loads(out.stdout)["matches"])


def _rows(path: Path) -> list[str]:
    return gzip.decompress(path.read_bytes()).decode("utf-8").rstrip("\x1a").split("\r\n")


def _ofac(rows: list[str]) -> str:
    return "\r\n".join(r for r in rows if r) + "\r\n\x1a"


@pytest.fixture
def sdn_pair(shared_dir: Path, tmp_path: Path) -> tuple[Path, Path]:
    """Cuts of the real SDN files of 2024-04-26 (400 rows) and 2024-05-03 (the same rows and five of the
    305 entries OFAC added on 1 May 2024), named with their dates as the scraper archived them."""
    old_rows = _rows(shared_dir / "data/lists/ofac/sdn_2024-04-26.csv.gz")
    new_rows = _rows(shared_dir / "data/lists/ofac/sdn_2024-05-03.csv.gz")
    old_ids = {r.split(",", 1)[0] for r in old_rows}
    added = [r for r in new_rows if r and r.split(",", 1)[0] not in old_ids]
    assert any(ADDED in r for r in added[:5])
    old, new = tmp_path / "sdn_2024-04-26.csv", tmp_path / "sdn_2024-05-03.csv"
    old.write_text(_ofac(old_rows[:400]), encoding="utf-8", newline="")
    new.write_text(_ofac(old_rows[:400] + added[:5]), encoding="utf-8", newline="")
    return old, new


def test_an_older_list_is_refused_unless_asked_and_rollback_undoes_it(small_home: Path,
                                                                      sdn_pair: tuple[Path, Path]) -> None:
    old, new = sdn_pair
    out = cli(small_home, "lists", "update", "--from", str(new))
    assert out.exit_code == 0, out.output
    current = active(small_home)
    assert status(small_home)["sources"]["ofac_sdn"]["as_of"] == "2024-05-03"
    assert matched(small_home, ADDED)

    out = cli(small_home, "lists", "update", "--from", str(old))
    assert out.exit_code == 2
    assert out.stderr.count("\n") == 1 and "older than the sdn file of the active version" in out.stderr
    assert "2024-04-26" in out.stderr and "2024-05-03" in out.stderr and "--allow-older" in out.stderr
    assert active(small_home) == current and matched(small_home, ADDED)  # nothing changed

    out = cli(small_home, "lists", "update", "--from", str(old), "--allow-older")
    assert out.exit_code == 0, out.output
    assert "warning: older than the list it replaces" in out.stderr
    older = active(small_home)
    assert older != current and status(small_home)["sources"]["ofac_sdn"]["as_of"] == "2024-04-26"
    assert not matched(small_home, ADDED)  # what the refusal protects against

    assert versions(small_home)["rollback_to"] == current
    out = cli(small_home, "lists", "rollback")
    assert out.exit_code == 0, out.output
    assert out.stdout.strip() == f"active lists version: {current} (was {older})"
    assert active(small_home) == current and matched(small_home, ADDED)

    log = [json.loads(line) for line in (small_home / "lists" / "versions.log").read_text().splitlines()]
    assert [(x["event"], x["to"]) for x in log[-3:]] == [
        ("lists.update", current), ("lists.update", older), ("lists.rollback", current)]
    assert log[-2]["allow_older"] is True and "2024-04-26" in log[-2]["older"][0]
    assert log[-2]["files"][0]["as_of"] == "2024-04-26" and log[-2]["files"][0]["as_of_basis"] == "file name"


def test_activate_and_rollback(small_home: Path, small_files: Path) -> None:
    base = active(small_home)
    out = cli(small_home, "lists", "update", "--from", str(small_files / SMALL["sdn_comments"]))
    assert out.exit_code == 0, out.output
    second = active(small_home)
    out = cli(small_home, "lists", "activate", base)  # the same dates: not older
    assert out.exit_code == 0, out.output
    assert active(small_home) == base
    out = cli(small_home, "lists", "activate", base)
    assert out.exit_code == 2 and "already the active version" in out.stderr
    out = cli(small_home, "lists", "activate", "no-such-version")
    assert out.exit_code == 2 and out.stderr.startswith("error: VERSION: no list version 'no-such-version'")
    out = cli(small_home, "lists", "activate", "../../etc")
    assert out.exit_code == 2 and "is not a version name" in out.stderr
    out = cli(small_home, "lists", "rollback")  # undoes the activation
    assert out.exit_code == 0 and active(small_home) == second
    out = cli(small_home, "lists", "rollback")  # then the update
    assert out.exit_code == 0 and active(small_home) == base
    log = [json.loads(line)["event"] for line in (small_home / "lists" / "versions.log").read_text().splitlines()]
    assert log[-4:] == ["lists.update", "lists.activate", "lists.rollback", "lists.rollback"]


def test_activating_older_lists_needs_allow_older(small_home: Path, sdn_pair: tuple[Path, Path]) -> None:
    old, _ = sdn_pair
    base = active(small_home)  # its SDN is of 2024-05-03
    out = cli(small_home, "lists", "update", "--from", str(old), "--allow-older")
    assert out.exit_code == 0, out.output
    older = active(small_home)
    out = cli(small_home, "lists", "activate", base)
    assert out.exit_code == 0, out.output
    out = cli(small_home, "lists", "activate", older)
    assert out.exit_code == 2 and "would replace newer lists with older ones" in out.stderr
    assert active(small_home) == base
    out = cli(small_home, "lists", "activate", older, "--allow-older")
    assert out.exit_code == 0 and active(small_home) == older


def test_a_file_without_a_date_needs_as_of(small_home: Path, small_files: Path, tmp_path: Path) -> None:
    """The OFAC CSV files state no date: copied today under a plain name, they are not 'as of today'."""
    plain = tmp_path / "sdn.csv"
    plain.write_bytes((small_files / SMALL["sdn"]).read_bytes())
    out = cli(small_home, "lists", "update", "--from", str(plain))
    assert out.exit_code == 2 and out.stderr.count("\n") == 1
    assert "states no date of its own" in out.stderr and "--as-of" in out.stderr
    out = cli(small_home, "lists", "update", "--from", str(plain), "--as-of", "2024-05-03")
    assert out.exit_code == 0, out.output
    assert status(small_home)["sources"]["ofac_sdn"]["as_of"] == "2024-05-03"
    out = cli(small_home, "lists", "update", "--from", str(plain), "--as-of", "3 May")
    assert out.exit_code == 2 and "is not an ISO date" in out.stderr


def _latest_start_date(text: str) -> str:
    return max(r["start_date"] for r in csv.DictReader(io.StringIO(text)) if r["start_date"])


def test_a_served_csl_is_dated_by_its_content_not_by_the_server(small_home: Path, small_files: Path,
                                                                http_server: Server) -> None:
    """The 2022 CSL served today (Last-Modified: today) is a 2022 list: dated by its latest start_date."""
    base, root, _ = http_server
    text = (small_files / SMALL["csl"]).read_text(encoding="utf-8")
    (root / "consolidated.csv").write_text(text, encoding="utf-8")
    out = cli(small_home, "lists", "update", "--from", f"{base}/consolidated.csv", "--allow-older")
    assert out.exit_code == 0, out.output
    today = datetime.now(UTC).date().isoformat()
    expected = _latest_start_date(text)
    assert expected < "2022-04-22" < today
    assert status(small_home)["sources"]["entity_list"]["as_of"] == expected
    assert "file: latest date it states" in out.stdout
    # a stated date earlier than the content's latest is impossible
    out = cli(small_home, "lists", "update", "--from", f"{base}/consolidated.csv", "--as-of", "2020-01-01",
              "--allow-older")
    assert out.exit_code == 2 and "cannot be older than that" in out.stderr


def test_enhanced_xml_is_dated_by_data_as_of(small_home: Path, shared_dir: Path) -> None:
    xml = shared_dir / "data/lists/ofac/CONS_ENHANCED_2025-01-14.ZIP"
    out = cli(small_home, "lists", "update", "--from", str(xml), "--as-of", "2025-01-14", "--allow-older")
    assert out.exit_code == 2 and "disagrees with the date the file states (2025-01-10" in out.stderr
    out = cli(small_home, "lists", "update", "--from", str(xml))
    assert out.exit_code == 2 and "would replace newer lists" in out.stderr  # the Non-SDN CSV: 2025-12-19
    out = cli(small_home, "lists", "update", "--from", str(xml), "--allow-older")
    assert out.exit_code == 0, out.output
    assert status(small_home)["sources"]["ssi"]["as_of"] == "2025-01-10"


def test_changes_are_written_to_the_ledger_audit_log(small_home: Path, small_files: Path) -> None:
    """With a ledger in the data home, each change of the active version is an audit line there too."""
    db = small_home / "exportgate.db"
    assert CliRunner().invoke(app, ["ledger", "migrate", "--db", str(db)]).exit_code == 0
    out = cli(small_home, "lists", "update", "--from", str(small_files / SMALL["sdn_comments"]))
    assert out.exit_code == 0, out.output
    out = cli(small_home, "lists", "rollback")
    assert out.exit_code == 0, out.output
    audit = CliRunner().invoke(app, ["ledger", "audit", "--db", str(db)])
    every = [json.loads(line) for line in audit.stdout.splitlines()]
    # each change is followed by the re-screen it ran (nothing stored here to re-screen)
    assert [x["event"] for x in every] == ["lists.update", "rescreen", "lists.rollback", "rescreen"]
    lines = [x for x in every if x["event"].startswith("lists.")]
    assert lines[0]["payload"]["files"][0]["kind"] == "sdn_comments"
    assert lines[1]["payload"]["to"] == lines[0]["payload"]["from"]


def test_no_ledger_is_created_for_the_audit(small_home: Path, small_files: Path) -> None:
    out = cli(small_home, "lists", "update", "--from", str(small_files / SMALL["sdn_comments"]))
    assert out.exit_code == 0 and out.stderr == ""
    assert not (small_home / "exportgate.db").exists()
