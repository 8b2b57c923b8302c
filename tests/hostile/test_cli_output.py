"""Issue 12, inert output and clean failures on the command line: text from packages and lists is shown,
never obeyed (rich markup, terminal escapes, Markdown/HTML in the memo); a memo that cannot be written, a
closed pipe and a busy port are one line or no failure at all."""

from __future__ import annotations

import errno
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from hostile_helpers import EXAMPLE, assert_one_line_error, example_doc
from typer.testing import CliRunner

from exportgate.cli import app

ROOT = Path(__file__).resolve().parents[2]
BLOCKED = ROOT / "examples" / "03-india-listed-forwarder.yaml"
#: a name that rich would read as markup: a closing tag that matches nothing (crashes rich) and a style
#: that hides the rest of the line
MARKUP = "Sakura [/x] [conceal]Cloud KK"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


# --- rich markup and terminal escapes ------------------------------------------------------------------


@pytest.mark.parametrize("name", ["Bank [/x] Melli", "[conceal]Bank Melli Iran"])
def test_screen_prints_a_name_with_markup_as_written(runner: CliRunner, warm_index: object, name: str) -> None:
    res = runner.invoke(app, ["screen", name])
    assert res.exit_code == 0, res.output
    assert name in res.stdout


def _markup_package(tmp_path: Path) -> Path:
    path = tmp_path / "markup.json"
    doc = json.loads(json.dumps(example_doc()).replace("Sakura Sovereign Cloud KK", MARKUP))
    doc["name"] = "[/bold] " + doc["name"]
    path.write_text(json.dumps(doc))
    return path


def test_check_and_every_later_ledger_show_print_markup_as_written(runner: CliRunner, warm_index: object,
                                                                   tmp_path: Path) -> None:
    package = _markup_package(tmp_path)
    wide = {"COLUMNS": "250"}  # no cell folded over two lines
    res = runner.invoke(app, ["check", str(package), "--no-ledger"], env=wide)
    assert res.exit_code == 0, res.output
    assert MARKUP in res.stdout and "[/bold] Sakura Sovereign AI Cloud" in res.stdout
    db = f"sqlite:///{tmp_path / 'ledger.db'}"
    res = runner.invoke(app, ["ledger", "record", str(package), "--db", db])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["ledger", "show", "--db", db, "--as-of", "2026-12-31"], env=wide)
    assert res.exit_code == 0, res.output
    assert MARKUP in res.stdout


def test_screen_batch_prints_markup_in_row_errors_as_written(runner: CliRunner, warm_index: object,
                                                             tmp_path: Path) -> None:
    rows = tmp_path / "rows.csv"
    rows.write_text('name,country\n"ACME Ltd","[/x]"\n')
    res = runner.invoke(app, ["screen-batch", str(rows), "--out", str(tmp_path / "out.jsonl")])
    assert res.exit_code == 1, res.output  # the row could not be screened: no crash
    assert "got '[/x]'" in res.stderr


def test_control_characters_in_package_text_are_shown_not_obeyed(runner: CliRunner, warm_index: object,
                                                                 tmp_path: Path) -> None:
    doc = example_doc()
    doc["name"] = "Cloud \x1b[2J\x1b]0;owned\x07 \u202eKK"
    package = tmp_path / "p.json"
    package.write_text(json.dumps(doc))
    res = runner.invoke(app, ["check", str(package), "--no-ledger"])
    assert res.exit_code == 0, res.output
    assert "\x1b" not in res.stdout and "\x07" not in res.stdout and "\u202e" not in res.stdout
    assert "Cloud \\x1b[2J\\x1b]0;owned\\x07 \\u202eKK" in res.stdout


# --- the Markdown memo ----------------------------------------------------------------------------------


def test_the_markdown_memo_does_not_carry_raw_html_or_links(runner: CliRunner, warm_index: object,
                                                             tmp_path: Path) -> None:
    doc = example_doc()
    doc["name"] = "Cloud <img src=x onerror=alert(1)>"
    doc["layers"]["hardware"][1]["description"] = "arrays <script>alert(1)</script> [click](javascript:alert(1))"
    doc["layers"]["hardware"][2]["description"] = "switches\n```\n# Verdict: CLEAR\n![x](https://tracker.example/p.png)"
    package = tmp_path / "p.json"
    package.write_text(json.dumps(doc))
    memo = tmp_path / "memo.md"
    res = runner.invoke(app, ["check", str(package), "--no-ledger", "--report", str(memo)])
    assert res.exit_code == 0, res.output
    md = memo.read_text(encoding="utf-8")
    for raw in ("<img", "<script", "[click](", "![x](", "\n```\n# Verdict", "\n# Verdict: CLEAR"):
        assert raw not in md
    # shown as text: "<" as an entity, the link's brackets escaped (CommonMark backslash escapes)
    assert "Cloud &lt;img src=x onerror=alert(1)\\>" in md
    assert "[click\\](javascript:alert(1))" in md and "[click](" not in md


# --- memos that cannot be written -------------------------------------------------------------------------


def test_a_memo_in_a_directory_that_cannot_be_written_is_one_line(runner: CliRunner, warm_index: object,
                                                                  tmp_path: Path) -> None:
    # /proc/self exists and refuses new files, even to root (who ignores read-only permission bits)
    res = runner.invoke(app, ["check", str(EXAMPLE), "--no-ledger", "--report", "/proc/self/memo.md"])
    assert_one_line_error(res.stderr, res.exit_code, "report: cannot write /proc/self/memo.md")
    (tmp_path / "memo.md").mkdir()
    res = runner.invoke(app, ["check", str(EXAMPLE), "--no-ledger", "--report", str(tmp_path / "memo.md")])
    assert_one_line_error(res.stderr, res.exit_code, "it is a directory")


def test_a_full_disk_is_one_line_and_leaves_no_partial_memo(runner: CliRunner, warm_index: object,
                                                            tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def full(_fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    res = runner.invoke(app, ["check", str(EXAMPLE), "--no-ledger", "--report", str(tmp_path / "memo.pdf")])
    assert_one_line_error(res.stderr, res.exit_code, "memo.pdf: No space left on device")
    assert list(tmp_path.iterdir()) == []


def test_run_into_an_output_folder_that_cannot_be_made_is_one_line(runner: CliRunner) -> None:
    res = runner.invoke(app, ["run", "--out", "/proc/self/memos"])
    assert_one_line_error(res.stderr, res.exit_code, "--out: cannot create directory /proc/self/memos")


# --- a closed pipe, a busy port ---------------------------------------------------------------------------


def test_check_into_a_closed_pipe_keeps_the_verdicts_exit_code(warm_index: object) -> None:
    # `exportgate check PKG | head`: the reader stops early; the check is not a failure for that, and the
    # exit code is still the verdict's (30: blocked)
    proc = subprocess.Popen([sys.executable, "-m", "exportgate", "check", str(BLOCKED), "--no-ledger"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader is gone before the first line is written
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 30, stderr
    assert "Traceback" not in stderr and "BrokenPipe" not in stderr and "Exception ignored" not in stderr


def test_serve_on_a_busy_port_is_one_line(runner: CliRunner) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        res = runner.invoke(app, ["serve", "--port", str(port)])
    assert_one_line_error(res.stderr, res.exit_code, f"port: cannot listen on 127.0.0.1:{port}", "in use")


def test_serve_with_a_bad_address_or_port_is_one_line(runner: CliRunner) -> None:
    res = runner.invoke(app, ["serve", "--port", "70000"])
    assert_one_line_error(res.stderr, res.exit_code, "port: must be between 0 and 65535")
    res = runner.invoke(app, ["serve", "--host", "no-such-host.invalid"])
    assert_one_line_error(res.stderr, res.exit_code, "host: cannot listen on 'no-such-host.invalid'")
