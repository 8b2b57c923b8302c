"""The `exportgate classify` / `catalog` command contract, in-process through the Typer app
(`typer.testing.CliRunner`; the app turns InputError into exit code 2 as the console script does)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import get_args

import pytest
from typer.testing import CliRunner

from exportgate.cli import app
from exportgate.cli.classify import ModeName
from exportgate.rules import Mode


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


def sh(*args: str, stdin: str | None = None) -> Result:
    """Run the command in-process."""
    r = CliRunner().invoke(app, list(args), input=stdin, terminal_width=300, env={"COLUMNS": "300"})
    return Result(r.exit_code, r.stdout, r.stderr)


def test_json_list_contract(tmp_path: Path) -> None:
    f = tmp_path / "items.yaml"
    f.write_text(
        "- name: big\n  kind: integrated_circuit\n  datacenter_designed_or_marketed: true\n"
        "  dense_tops: {fp16: 300}\n"
        "- name: small\n  kind: integrated_circuit\n  dense_tops: {int8: 2}\n  aggregate_bidirectional_io_gbps: 10\n"
    )
    r = sh("classify", str(f), "--as-of", "2024-01-01", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert isinstance(out, list) and len(out) == 2
    assert set(out[0]) == {"name", "classification", "tpp", "performance_density", "as_of", "mode", "reasons",
                           "citations", "not_subject_to_ear"}
    assert out[0]["classification"] == "3A090.a.1" and out[0]["tpp"] == 4800
    assert out[0]["as_of"] == "2024-01-01" and out[0]["mode"] == "enforced"
    assert out[1]["classification"] is None
    assert any("no listed paragraph applies" in r for r in out[1]["reasons"])


def test_json_single_item_from_stdin_and_text_mode() -> None:
    doc = json.dumps({"name": "w", "kind": "model_weights", "training_operations": 2e26, "weights_published": False})
    r = sh("classify", "-", "--as-of", "2025-02-01", "--mode", "text", "--json", stdin=doc)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert isinstance(out, dict)
    assert out["classification"] == "4E091" and out["mode"] == "text"


def test_catalog_option() -> None:
    r = sh("classify", "--catalog", "NVIDIA H100 SXM", "--as-of", "2024-01-01", "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["classification"] == "3A090.a.1"
    r = sh("classify", "--catalog", "NVIDIA H100 SXM", "--as-of", "2024-01-01")
    assert r.returncode == 0 and "3A090.a.1" in r.stdout


@pytest.mark.parametrize(
    ("yaml_text", "field"),
    [
        ("kind: integrated_circuit\ndense_tops: {fp16: -5}\n", "item.dense_tops.fp16"),
        ("kind: integrated_circuit\ndense_tops: {fp16: lots}\n", "item.dense_tops.fp16"),
        ("kind: integrated_circuit\ndense_tops: {fp9: 5}\n", "item.dense_tops.fp9"),
        ("kind: integrated_circuit\ntpp: -1\n", "item.tpp"),
        ("kind: gpu\ntpp: 5000\n", "item.kind"),
        ("kind: integrated_circuit\ndatacenter_designed_or_marketed: true\ndense_tops: {fp16: 200}\n",
         "item.applicable_die_area_mm2"),
        ("- kind: integrated_circuit\n  tpp: 9000\n- kind: integrated_circuit\n  tpp: 9000\n"
         "- kind: integrated_circuit\n  dense_tops: {fp9: 1}\n", "items[2].dense_tops.fp9"),
        ("kind: computer\ncontains: [{item: NVIDIA H999, count: 1}]\n", "item.contains[0].item"),
    ],
)
def test_bad_input_exit_2_one_line(tmp_path: Path, yaml_text: str, field: str) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text(yaml_text)
    r = sh("classify", str(f), "--as-of", "2024-01-01")
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith(f"error: {field}: ")
    assert "Traceback" not in r.stderr


def test_unknown_precision_message_lists_known(tmp_path: Path) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text("kind: integrated_circuit\ndense_tops: {fp9: 5}\n")
    r = sh("classify", str(f))
    assert r.stderr.strip() == (
        "error: item.dense_tops.fp9: unknown precision (known: fp64, fp32, tf32, fp16, bf16, fp8, int8, fp4, int4)"
    )


@pytest.mark.parametrize(
    "args",
    [
        ("classify", "--catalog", "NVIDIA H100 SXM", "--as-of", "2022-10-06"),
        ("classify", "--catalog", "NVIDIA H100 SXM", "--as-of", "2024-13-01"),
        ("classify", "--catalog", "No Such Chip"),
        ("classify", "/nonexistent/file.yaml"),
        ("classify",),
        ("catalog", "show", "No Such Chip"),
        ("catalog", "list", "--as-of", "2022-01-01"),
    ],
)
def test_bad_arguments_exit_2(args: tuple[str, ...]) -> None:
    r = sh(*args)
    assert r.returncode == 2
    assert r.stderr.startswith("error: ")
    assert "Traceback" not in r.stderr


def test_catalog_list_and_show() -> None:
    r = sh("catalog", "list", "--as-of", "2024-01-01", "--json")
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)
    assert len(rows) >= 40
    by_name = {row["name"]: row for row in rows}
    assert by_name["NVIDIA H100 SXM5 80GB"]["classification"] == "3A090.a.1"
    assert by_name["AWS Inferentia2"]["undetermined"] and by_name["AWS Inferentia2"]["classification"] is None
    r = sh("catalog", "list", "--as-of", "2024-01-01")
    assert r.returncode == 0 and "NVIDIA H100 SXM5 80GB" in r.stdout and "undetermined" in r.stdout
    r = sh("catalog", "show", "NVIDIA H800 SXM", "--as-of", "2023-01-01")
    assert r.returncode == 0, r.stderr
    assert "src_interconnect" in r.stdout and "3A991.p" in r.stdout
    r = sh("catalog", "show", "NVIDIA H800 SXM", "--as-of", "2023-01-01", "--json")
    doc = json.loads(r.stdout)
    assert doc["fields"]["interconnect_bandwidth_gbs"] == "400"
    assert doc["classification"]["classification"] == "3A991.p"


def test_catalog_diff_2023_to_2024() -> None:
    r = sh("catalog", "diff", "2023-01-01", "2024-01-01", "--json")
    assert r.returncode == 0, r.stderr
    by_name = {row["name"]: row for row in json.loads(r.stdout)}
    assert by_name["NVIDIA H800 SXM5"]["before"] == "3A991.p" and by_name["NVIDIA H800 SXM5"]["after"] == "3A090.a.1"
    assert by_name["NVIDIA H100 SXM5 80GB"]["same_control"] is True
    assert "NVIDIA H20" not in by_name


@pytest.mark.parametrize(
    ("args", "stdin", "prefix"),
    [
        (("classify", "-"), "kind: integrated_circuit\ndense_tops: {fp9: 5}\n", "error: item.dense_tops.fp9: unknown precision"),
        (("classify", "-", "--as-of", "2022-10-06"), "kind: integrated_circuit\ntpp: 9000\n", "error: --as-of: "),
        (("classify", "-", "--as-of", "2024-01-01"),
         "kind: integrated_circuit\ndatacenter_designed_or_marketed: true\ntpp: 3000\n",
         "error: item.applicable_die_area_mm2: needed"),
    ],
)
def test_exit_2_one_line_from_stdin(args: tuple[str, ...], stdin: str, prefix: str) -> None:
    r = sh(*args, stdin=stdin)
    assert r.returncode == 2
    assert r.stderr.startswith(prefix) and len(r.stderr.strip().splitlines()) == 1
    assert "Traceback" not in r.stderr


def test_catalog_json() -> None:
    r = sh("classify", "--catalog", "NVIDIA H100 SXM", "--as-of", "2024-01-01", "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["classification"] == "3A090.a.1"


def test_tables_keep_verification_marks() -> None:
    # "[unverified]" must not be eaten as rich markup
    r = sh("catalog", "show", "NVIDIA H100 SXM", "--as-of", "2024-01-01")
    assert "[unverified]" in r.stdout
    r = sh("classify", "--catalog", "NVIDIA H100 SXM", "--as-of", "2024-01-01")
    assert "[unverified]" in r.stdout


def test_mode_choices_are_the_rule_modes() -> None:
    """--mode is spelt out in the CLI (so --help need not load the rules): it must name every Mode."""
    assert set(get_args(ModeName)) == {m.value for m in Mode}
