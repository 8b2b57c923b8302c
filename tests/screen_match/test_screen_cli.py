"""The ``screen`` and ``screen-batch`` commands."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from exportgate.cli import app
from exportgate.cli import screen as screen_cli
from exportgate.screen import Screener


@pytest.fixture()
def runner(screener: Screener, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setattr(screen_cli, "_screener", lambda home: screener)
    return CliRunner()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["screen", "   "], "error: name: is empty"),
        (["screen", "Bank\x07Melli"], "error: name: contains a control character"),
        (["screen", "x" * 10_000], "error: name: is 10000 characters long"),
        (["screen", "Bank Melli", "--type", "robot"], "error: type:"),
        (["screen", "Bank Melli", "--country", "Iran"], "error: country:"),
        (["screen", "Ivan Petrov", "--nationality", "Russia"], "error: nationality:"),
        (["screen", "Ivan Petrov", "--dob", "14.03.1961"], "error: dob:"),
    ],
)
def test_bad_input_exits_2_with_one_line(args: list[str], message: str) -> None:
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 2
    assert res.stderr.startswith(message), res.stderr
    assert len(res.stderr.strip().splitlines()) == 1 and "Traceback" not in res.output


def test_screen_json(runner: CliRunner) -> None:
    res = runner.invoke(app, ["screen", "Bank Meli Iran", "--json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["query"] == "Bank Meli Iran"
    assert "ofac_sdn:25578" in {m["entity_id"] for m in doc["matches"]}
    assert doc["lists_as_of"]


def test_screen_table_shows_snapshot_date(runner: CliRunner) -> None:
    res = runner.invoke(app, ["screen", "Bank Melli Iran", "--country", "IR"], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    assert "BANK MELLI IRAN" in res.stdout
    assert "Lists as of" in res.stdout and "ofac_sdn" in res.stdout


def test_screen_no_match(runner: CliRunner) -> None:
    res = runner.invoke(app, ["screen", "Trading Co Ltd"])
    assert res.exit_code == 0
    assert "No match" in res.stdout


def _write_csv(path: Path, text: bytes) -> Path:
    path.write_bytes(text)
    return path


def test_batch_csv_reports_every_row(runner: CliRunner, tmp_path: Path) -> None:
    src = _write_csv(
        tmp_path / "in.csv",
        b"id,name,country,type\n"
        b"a1,Bank Melli Iran,IR,entity\n"
        b"a2,,US,\n"
        b"a3,Acme Widgets,US,entity\n"
        b"a4,caf\xe9 latin-1,FR,\n"
        b"a5,Bank\x07Melli,IR,\n"
        b"a6,Rosneft,RU,robot\n"
        b"a7,Vladimir Putin,RU,person,extra\n",
    )
    out = tmp_path / "out.csv"
    res = runner.invoke(app, ["screen-batch", str(src), "--out", str(out)])
    assert res.exit_code == 1  # some rows could not be screened; the file is still complete
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [r["id"] for r in rows] == ["a1", "a2", "a3", "a4", "a5", "a6", "a7"]
    status = {r["id"]: (r["status"], r["error"]) for r in rows}
    assert status["a1"][0] == "ok" and rows[0]["best_name"].upper().startswith("BANK MELLI")
    assert status["a3"] == ("ok", "") and rows[2]["match_count"] == "0"
    assert status["a2"] == ("error", "name: is empty")
    assert status["a4"][0] == "error" and "UTF-8" in status["a4"][1]
    assert status["a5"][0] == "error" and "control character" in status["a5"][1]
    assert status["a6"][0] == "error" and status["a6"][1].startswith("type:")
    assert status["a7"][0] == "error" and "fields" in status["a7"][1]
    assert "ofac_sdn:25578" in {m["entity_id"] for m in json.loads(rows[0]["matches"])}


def test_batch_missing_name_column_is_a_file_error(runner: CliRunner, tmp_path: Path) -> None:
    src = _write_csv(tmp_path / "in.csv", b"company,country\nBank Melli Iran,IR\n")
    res = runner.invoke(app, ["screen-batch", str(src), "--out", str(tmp_path / "o.csv")])
    assert res.exit_code == 2
    assert "no 'name' column" in res.output


def test_batch_jsonl_and_parquet(runner: CliRunner, tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    src = tmp_path / "in.jsonl"
    src.write_text('{"name": "Bank Melli Iran", "country": "IR"}\nnot json\n{"name": 7}\n', encoding="utf-8")
    out = tmp_path / "out.parquet"
    res = runner.invoke(app, ["screen-batch", str(src), "--out", str(out)])
    assert res.exit_code == 1
    table = pq.read_table(out).to_pylist()
    assert [r["status"] for r in table] == ["ok", "error", "error"]
    assert "ofac_sdn:25578" in table[0]["matches"]

    pq.write_table(pa.table({"name": ["Rosneft", None], "country": ["RU", None]}), tmp_path / "in.parquet")
    out2 = tmp_path / "out.jsonl"
    res = runner.invoke(app, ["screen-batch", str(tmp_path / "in.parquet"), "--out", str(out2)])
    lines = [json.loads(x) for x in out2.read_text(encoding="utf-8").splitlines()]
    assert lines[0]["status"] == "ok" and lines[0]["match_count"] > 0
    assert lines[1]["status"] == "error"


def test_batch_unknown_file_type(runner: CliRunner, tmp_path: Path) -> None:
    src = tmp_path / "in.xlsx"
    src.write_bytes(b"x")
    res = runner.invoke(app, ["screen-batch", str(src), "--out", str(tmp_path / "o.csv")])
    assert res.exit_code == 2
    assert "unknown file type" in res.output


def test_screen_evidence_options(runner: CliRunner) -> None:
    res = runner.invoke(
        app,
        ["screen", "PUTIN, Vladimir", "--type", "person", "--dob", "1952-10-07", "--nationality", "RU",
         "--id", "passport: 0000 000000", "--json"],
    )
    assert res.exit_code == 0, res.output
    best = json.loads(res.stdout)["matches"][0]
    features = {r["feature"] for r in best["explanation"]["evidence"]}
    assert {"date_of_birth", "nationality"} <= features


def test_screen_prints_the_reading_and_evidence(runner: CliRunner) -> None:
    res = runner.invoke(app, ["screen", "金正恩", "--country", "KP"])
    assert res.exit_code == 0, res.output
    assert "Read as: kim jong un" in res.stdout
    assert "Evidence: country" in res.stdout


def test_batch_unclosed_quote_loses_no_row(runner: CliRunner, tmp_path: Path) -> None:
    """Issue 11: one unclosed quote swallowed the rows after it into one ``ok`` row, and a listed party went
    unscreened. Every line is now a row of the output; the swallowed ones are errors naming the line where
    the quote opened, and the summary counts the input lines."""
    src = _write_csv(
        tmp_path / "in.csv",
        b"id,name,country\n"
        b'a1,"Acme Trading,US\n'
        b"a2,Bank Melli Iran,IR\n"
        b"a3,Rosneft,RU\n"
        b'a4,"Solid, Quoted Ltd",US\n'
        b"a5,Huawei Technologies,CN\n",
    )
    out = tmp_path / "out.csv"
    res = runner.invoke(app, ["screen-batch", str(src), "--out", str(out)])
    assert res.exit_code == 1, res.output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [r["row"] for r in rows] == ["2", "3", "4", "5", "6"]  # one output row per input line
    assert [r["status"] for r in rows[:4]] == ["error"] * 4
    assert "quote not closed" in rows[0]["error"] and "lines 2-5" in rows[0]["error"]
    assert rows[1]["name"] == "Bank Melli Iran" and "starts on line 2" in rows[1]["error"]
    assert rows[4]["status"] == "ok" and rows[4]["best_name"].upper().startswith("HUAWEI")
    assert "6 input lines read (1 header, 5 rows)" in res.stderr
    assert "1 screened" in res.stderr and "4 could not be screened" in res.stderr


def test_batch_name_with_a_line_break_is_an_error_row(runner: CliRunner, tmp_path: Path) -> None:
    src = _write_csv(
        tmp_path / "in.csv",
        b'id,name,country\na1,"Bank Melli\nIran",IR\na2,"Rosneft",RU\na3,"Mahan\rAir",IR\n',
    )
    out = tmp_path / "out.jsonl"
    res = runner.invoke(app, ["screen-batch", str(src), "--out", str(out)])
    assert res.exit_code == 1, res.output
    rows = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [(r["row"], r["status"]) for r in rows] == [(2, "error"), (3, "error"), (4, "ok"), (5, "error")]
    assert "line break" in rows[0]["error"] and "starts on line 2" in rows[1]["error"]
    assert rows[3]["error"] == "name: contains a line break (one party per row: check the quoting of this row)"
    assert "5 input lines read (1 header, 4 rows)" in res.stderr

    jsonl = tmp_path / "in.jsonl"
    jsonl.write_text('{"name": "Bank Melli\\nIran"}\n\n{"name": "Rosneft"}\n', encoding="utf-8")
    res = runner.invoke(app, ["screen-batch", str(jsonl), "--out", str(out)])
    rows = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [(r["row"], r["status"]) for r in rows] == [(1, "error"), (3, "ok")]
    assert "3 input lines read (2 rows, 1 blank)" in res.stderr


def test_batch_quote_open_at_the_end_of_the_file(runner: CliRunner, tmp_path: Path) -> None:
    src = _write_csv(tmp_path / "in.csv", b'id,name\na1,Rosneft\na2,"Bank Melli Iran')
    out = tmp_path / "out.csv"
    res = runner.invoke(app, ["screen-batch", str(src), "--out", str(out)])
    assert res.exit_code == 1
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [(r["row"], r["status"]) for r in rows] == [("2", "ok"), ("3", "error")]
    assert "not closed" in rows[1]["error"] and rows[1]["name"] == "Bank Melli Iran"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("in.csv", b'id,"name\n1,Rosneft\n', "header row is not valid CSV"),
        ("in.csv", b"", "the file is empty"),
        ("in.jsonl", b'{"company": "Rosneft"}\n\n{"company": "Bank Melli"}\n', "no line has a 'name' field"),
        ("in.csv", b"id,name\r1,Rosneft\r2,Bank Melli\r", "bare carriage return"),
    ],
)
def test_batch_files_that_cannot_be_used(
    runner: CliRunner, tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    src = _write_csv(tmp_path / name, content)
    out = tmp_path / "out.csv"
    res = runner.invoke(app, ["screen-batch", str(src), "--out", str(out)])
    assert res.exit_code == 2 and message in res.stderr, res.stderr
    assert len(res.stderr.strip().splitlines()) == 1 and not out.exists()
    assert not list(tmp_path.glob("out.csv*"))
