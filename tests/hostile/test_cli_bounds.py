"""Issue 12, bounded resources on the command line: every hostile input is one line and exit code 2,
never a traceback and never unbounded memory (the memory-bound cases run in a subprocess whose address
space is capped at 1 GB)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hostile_helpers import EXAMPLE, alias_bomb, assert_one_line_error, bounded, example_doc
from typer.testing import CliRunner

from exportgate.cli import app


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


CASE = "date: 2026-01-01\ntransaction: export\ndestination: JP\nitem: {eccn: EAR99}\n"


def _check(runner: CliRunner, *args: str, stdin: str | None = None, env: dict[str, str] | None = None) -> Any:
    return runner.invoke(app, ["check", *args, "--no-ledger"], input=stdin, env=env)


# --- YAML aliases ---------------------------------------------------------------------------------------


def test_an_alias_bomb_in_a_case_file_is_one_line_within_1_gb(tmp_path: Path) -> None:
    # 9 levels of 9 aliases: 387 million strings once expanded; quoting it in an error took gigabytes
    case = tmp_path / "case.yaml"
    case.write_text(CASE + "extra:\n" + alias_bomb(9, "  ") + "end_user: {name: *a9}\n")
    proc = bounded("determine", str(case))
    assert_one_line_error(proc.stderr, proc.returncode, "aliases (*name)", "line ")


def test_an_alias_bomb_in_a_package_is_one_line_within_1_gb(tmp_path: Path) -> None:
    package = tmp_path / "package.yaml"
    package.write_text(EXAMPLE.read_text() + "exception_facts:\n" + alias_bomb(9, "  "))
    proc = bounded("check", str(package), "--no-ledger")
    assert_one_line_error(proc.stderr, proc.returncode, "PACKAGE:", "aliases (*name)")


def test_a_single_alias_and_a_merge_are_refused_too(runner: CliRunner, tmp_path: Path) -> None:
    case = tmp_path / "case.yaml"
    case.write_text("base: &b {name: X}\n" + CASE + "end_user: *b\n")
    res = runner.invoke(app, ["determine", str(case)])
    assert_one_line_error(res.stderr, res.exit_code, "aliases")
    case.write_text("base: &b {name: X}\n" + CASE + "end_user: {<<: *b}\n")
    res = runner.invoke(app, ["determine", str(case)])
    assert_one_line_error(res.stderr, res.exit_code, "aliases")


# --- sizes ------------------------------------------------------------------------------------------------


def test_dev_zero_as_the_package_is_refused_after_the_limit_within_1_gb() -> None:
    proc = bounded("check", "/dev/zero", "--no-ledger")
    assert_one_line_error(proc.stderr, proc.returncode, "PACKAGE: /dev/zero is larger than 16,777,216 bytes",
                          "EXPORTGATE_MAX_INPUT_BYTES")


def test_input_size_limit_from_the_flag_and_the_environment(runner: CliRunner, tmp_path: Path) -> None:
    size = EXAMPLE.stat().st_size
    res = _check(runner, str(EXAMPLE), "--max-input-bytes", str(size - 1))
    assert_one_line_error(res.stderr, res.exit_code, f"larger than {size - 1:,} bytes")
    res = _check(runner, "-", stdin=EXAMPLE.read_text(), env={"EXPORTGATE_MAX_INPUT_BYTES": "1000"})
    assert_one_line_error(res.stderr, res.exit_code, "PACKAGE: <stdin> is larger than 1,000 bytes")
    # raised above the file's size, the same file is checked
    res = _check(runner, str(EXAMPLE), "--max-input-bytes", str(size))
    assert res.exit_code == 0, res.stderr


def test_a_bad_limit_value_names_its_variable(runner: CliRunner) -> None:
    res = _check(runner, str(EXAMPLE), env={"EXPORTGATE_MAX_LINES": "lots"})
    assert_one_line_error(res.stderr, res.exit_code, "EXPORTGATE_MAX_LINES: must be a whole number > 0")
    res = _check(runner, str(EXAMPLE), "--max-lines", "0")
    assert_one_line_error(res.stderr, res.exit_code, "--max-lines: must be a whole number > 0")


def _with_lines(count: int) -> dict[str, Any]:
    doc = example_doc()
    line = {"description": "switch", "quantity": 1, "value": 1, "eccn": "EAR99"}
    doc["layers"]["security"] = [dict(line) for _ in range(count - sum(
        len(doc["layers"][k]) for k in ("hardware", "data_pipelines", "models", "applications")))]
    return doc


def test_lines_per_package_are_bounded(runner: CliRunner, tmp_path: Path) -> None:
    package = tmp_path / "p.json"
    package.write_text(json.dumps(_with_lines(30)))
    res = _check(runner, str(package), "--max-lines", "20")
    assert_one_line_error(res.stderr, res.exit_code, "layers: has 30 lines; at most 20 are checked")
    res = _check(runner, str(package), env={"EXPORTGATE_MAX_LINES": "29"})
    assert_one_line_error(res.stderr, res.exit_code, "at most 29 are checked")


def test_a_package_of_50_000_lines_is_refused_at_once_within_1_gb(tmp_path: Path) -> None:
    # issue 12: checking 100,000 lines took 69 s and 1.5 GB and wrote a 142 MB memo
    package = tmp_path / "p.json"
    doc = example_doc()
    line = {"description": "switch", "quantity": 1, "value": 1, "eccn": "EAR99"}
    for key in ("hardware", "data_pipelines", "models", "security", "applications"):
        doc["layers"][key] = [dict(line) for _ in range(10_000)]
    doc["layers"]["hardware"][0] = example_doc()["layers"]["hardware"][0]
    package.write_text(json.dumps(doc))
    proc = bounded("check", str(package), "--no-ledger", "--report", str(tmp_path / "memo.md"))
    assert_one_line_error(proc.stderr, proc.returncode, "layers: has 50,000 lines; at most 10,000 are checked")
    assert not (tmp_path / "memo.md").exists()


def test_a_long_list_is_refused_with_its_path(runner: CliRunner, tmp_path: Path) -> None:
    items = tmp_path / "items.json"
    items.write_text(json.dumps([{"kind": "integrated_circuit", "tpp": 1}] * 6))
    res = runner.invoke(app, ["classify", str(items)], env={"EXPORTGATE_MAX_LIST_ITEMS": "5"})
    assert_one_line_error(res.stderr, res.exit_code, "FILE: has 6 entries; at most 5 are accepted")


# --- numbers, dates, nesting ------------------------------------------------------------------------------


@pytest.mark.parametrize(("suffix", "edit", "field"), [
    (".yaml", ("value: 70400000", "value: .inf"), "layers.hardware[0].value"),
    (".yaml", ("quantity: 128", "quantity: 1.0e+400"), "layers.hardware[0].quantity"),
    (".json", ('"value": 70400000', '"value": NaN'), "layers.hardware[0].value"),
    (".json", ('"value": 70400000', '"value": 1e400'), "layers.hardware[0].value"),
    (".json", ('"amount_usd": 250000000', '"amount_usd": -Infinity'), "financing[0].amount_usd"),
])
def test_numbers_that_are_not_finite_are_field_errors(runner: CliRunner, tmp_path: Path, suffix: str,
                                                      edit: tuple[str, str], field: str) -> None:
    text = EXAMPLE.read_text() if suffix == ".yaml" else json.dumps(example_doc())
    assert edit[0] in text
    package = tmp_path / f"p{suffix}"
    package.write_text(text.replace(edit[0], edit[1], 1))
    res = _check(runner, str(package))
    assert_one_line_error(res.stderr, res.exit_code, f"{field}: must be a finite number")


def test_a_huge_integer_is_a_field_error(runner: CliRunner, tmp_path: Path) -> None:
    package = tmp_path / "p.json"
    package.write_text(json.dumps(example_doc()).replace('"quantity": 128', '"quantity": ' + "9" * 400, 1))
    res = _check(runner, str(package))
    assert_one_line_error(res.stderr, res.exit_code, "layers.hardware[0].quantity: is too large a number")


@pytest.mark.parametrize("command", ["check", "determine"])
def test_a_date_in_year_9995_is_a_field_error(runner: CliRunner, tmp_path: Path, command: str) -> None:
    path = tmp_path / "doc.yaml"
    text = EXAMPLE.read_text().replace("date: 2026-10-15", "date: 9995-10-15") if command == "check" else \
        CASE.replace("2026-01-01", "9995-01-01")
    path.write_text(text)
    res = runner.invoke(app, [command, str(path)])
    assert_one_line_error(res.stderr, res.exit_code, "date: 9995-", "EXPORTGATE_MAX_YEAR")


def test_as_of_in_year_9995_is_an_error_and_the_limit_can_be_raised(runner: CliRunner) -> None:
    res = _check(runner, str(EXAMPLE), "--as-of", "9995-01-01")
    assert_one_line_error(res.stderr, res.exit_code, "as_of: 9995-01-01 is after the year 2199")
    res = _check(runner, str(EXAMPLE), "--as-of", "9989-12-31", env={"EXPORTGATE_MAX_YEAR": "9989"})
    assert res.exit_code in (0, 10, 20, 30), res.stderr  # a verdict, not a traceback


@pytest.mark.parametrize("text", ["[" * 10_000 + "]" * 10_000, "a: " + "[" * 10_000 + "]" * 10_000,
                                  "".join(" " * i + "a:\n" for i in range(2_000)) + " " * 2_000 + "b: 1\n",
                                  json.dumps(json.loads("[" * 70 + "]" * 70))])
def test_nesting_10_000_deep_is_one_line(runner: CliRunner, tmp_path: Path, text: str) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text(text)
    for command in (["check", "--no-ledger"], ["determine"], ["classify"]):
        res = runner.invoke(app, [command[0], str(path), *command[1:]])
        assert_one_line_error(res.stderr, res.exit_code, "nest")


@pytest.mark.parametrize("command", [["check", "--no-ledger"], ["determine"], ["classify"]])
def test_a_directory_given_as_file_is_one_line(runner: CliRunner, tmp_path: Path, command: list[str]) -> None:
    res = runner.invoke(app, [command[0], str(tmp_path), *command[1:]])
    assert_one_line_error(res.stderr, res.exit_code, "is a directory, not a file")


# --- YAML 1.2 booleans: Norway ------------------------------------------------------------------------


def test_country_NO_is_norway_not_false(runner: CliRunner, tmp_path: Path) -> None:
    text = EXAMPLE.read_text().replace("destinations: [JP]", "destinations: [NO]")
    text = text.replace("country: JP", "country: NO").replace("hq: JP", "hq: NO")
    assert "country: NO\n" in text  # unquoted, as people write it
    package = tmp_path / "norway.yaml"
    package.write_text(text)
    res = _check(runner, str(package), "--json")
    assert res.exit_code in (0, 10, 20, 30), res.stderr
    result = json.loads(res.stdout)
    assert result["package"]["destinations"] == ["NO"]
    assert {p["country"] for p in result["screening"]["parties"]} >= {"NO"}
    assert [d["destination"] for line in result["layers"][0]["lines"] for d in line["determinations"]] == \
        ["NO"] * len(result["layers"][0]["lines"])


def test_yes_and_no_are_not_booleans_where_a_boolean_is_strict(runner: CliRunner, tmp_path: Path) -> None:
    case = tmp_path / "case.yaml"
    case.write_text(CASE + "end_use: {military: no}\n")
    res = runner.invoke(app, ["determine", str(case)])
    assert_one_line_error(res.stderr, res.exit_code, "end_use.military", "boolean")
    case.write_text(CASE + "end_use: {military: false}\n")
    assert runner.invoke(app, ["determine", str(case)]).exit_code == 0


def test_the_c_parser_is_used_where_libyaml_exists() -> None:
    import yaml

    from exportgate import io

    assert io.YAML_PARSER == ("libyaml" if yaml.__with_libyaml__ else "python")


# --- errors never echo input unbounded --------------------------------------------------------------------


def test_an_error_quoting_a_huge_value_stays_short(runner: CliRunner, tmp_path: Path) -> None:
    items = tmp_path / "item.json"
    items.write_text(json.dumps({"kind": "integrated_circuit", "tpp": "x" * 1_000_000}))
    res = runner.invoke(app, ["classify", str(items)])
    line = assert_one_line_error(res.stderr, res.exit_code, "tpp")
    assert len(line) < 1_100
    case = tmp_path / "case.json"
    case.write_text(json.dumps({**json.loads(json.dumps({"date": "2026-01-01", "transaction": "export"})),
                                "destination": "JP", "item": {"eccn": "EAR99"},
                                "end_user": {"name": [["y" * 1000] * 1000] * 5}}))
    res = runner.invoke(app, ["determine", str(case)])
    line = assert_one_line_error(res.stderr, res.exit_code, "end_user.name")
    assert len(line) < 200 and "yyyy" not in line


# --- TOP500 workbooks (landscape import) ---------------------------------------------------------------------


def test_a_2_gb_top500_workbook_is_refused_after_the_limit_within_1_gb(tmp_path: Path) -> None:
    """`landscape import` read the whole file into memory: a 2 GB file ran out of memory."""
    huge = tmp_path / "TOP500_202406.xls"
    with huge.open("wb") as fh:
        fh.truncate(2 << 30)  # sparse: no disk used
    proc = bounded("landscape", "import", str(huge), "--db", str(tmp_path / "l.db"))
    assert_one_line_error(proc.stderr, proc.returncode, "TOP500_202406.xls: larger than 16,777,216 bytes",
                          "EXPORTGATE_MAX_INPUT_BYTES")


def test_a_zip_bomb_as_a_top500_workbook_is_refused_before_it_is_unpacked(tmp_path: Path) -> None:
    """An .xlsx is a ZIP: a workbook of a few hundred KB whose sheet unpacks to 200 MB is refused from the sizes
    its members state (a member is never read past its stated size), before any XML is parsed."""
    import io
    import zipfile

    import openpyxl

    book = openpyxl.Workbook()
    buf = io.BytesIO()
    book.save(buf)
    bomb = tmp_path / "TOP500_202406.xlsx"
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as real, \
            zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for info in real.infolist():
            data = real.read(info.filename)
            if info.filename != "xl/worksheets/sheet1.xml":
                archive.writestr(info, data)
                continue
            head, _, tail = data.partition(b"<sheetData")
            with archive.open(info.filename, "w", force_zip64=True) as member:
                member.write(head)
                for _ in range(200):
                    member.write(b" " * (1 << 20))
                member.write(b"<sheetData" + tail)
    assert bomb.stat().st_size < 1 << 20
    proc = bounded("landscape", "import", str(bomb), "--db", str(tmp_path / "l.db"))
    assert_one_line_error(proc.stderr, proc.returncode, "TOP500_202406.xlsx: unpacks to 209,7",
                          "EXPORTGATE_MAX_INPUT_BYTES")


# --- screen-batch lines --------------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_a_2_gb_batch_file_without_a_line_break_is_one_line_within_1_gb(tmp_path: Path, suffix: str) -> None:
    """screen-batch read a line whole: 2 GB of zeros (no line break) was a MemoryError traceback."""
    huge = tmp_path / f"parties{suffix}"
    with huge.open("wb") as fh:
        fh.truncate(2 << 30)
    proc = bounded("screen-batch", str(huge), "--out", str(tmp_path / "out.csv"), "--workers", "1")
    assert_one_line_error(proc.stderr, proc.returncode, f"input: parties{suffix}: line 1 is longer than 16,777,216",
                          "EXPORTGATE_MAX_INPUT_BYTES")


def test_a_batch_row_longer_than_the_limit_names_its_line(runner: CliRunner, tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text("id,name\n1,Rosneft\n2," + "x" * 2_000 + "\n3,Bank Melli\n", encoding="utf-8")
    res = runner.invoke(app, ["screen-batch", str(src), "--out", str(tmp_path / "out.csv")],
                        env={"EXPORTGATE_MAX_INPUT_BYTES": "1000"})
    assert_one_line_error(res.stderr, res.exit_code, "input: in.csv: line 3 is longer than 1,000 bytes")
    assert not (tmp_path / "out.csv").exists()
