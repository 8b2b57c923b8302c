"""`exportgate determine` command line and `--compare`.

In-process through the Typer app with CliRunner (the app turns InputError into exit 2, as the console
script does)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from determine_cases import H100, H200, case_doc

from exportgate.determine import compare, parse_case


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


def cli(*args: str, stdin: str | None = None) -> Result:
    from typer.testing import CliRunner

    from exportgate.cli import app

    res = CliRunner().invoke(app, ["determine", *args], input=stdin)
    if res.exception is not None and not isinstance(res.exception, SystemExit):
        raise res.exception
    return Result(res.exit_code, res.stdout, res.stderr)


@pytest.fixture()
def china_case(tmp_path: Path) -> Path:
    path = tmp_path / "case.yaml"
    path.write_text(yaml.safe_dump(case_doc("2026-02-01", "CN", H200, quantity=10, certifications=["supp2_748_dd"])))
    return path


def test_json_output(china_case: Path) -> None:
    """91 FR 1684: H200-class export to China with (dd) certifications -> case-by-case."""
    res = cli(str(china_case), "--json")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    # the original keys first, in their order; later keys are only ever added (structured requirements)
    assert list(out)[:10] == ["classification", "license_required", "status", "license_exception", "review_policy",
                              "conditions", "red_flags", "retain_records_until", "reasons", "citations"]
    assert out["operative"]["kind"] == "requirement" and out["requirements"][0]["part"] == "742"
    assert (out["status"], out["license_exception"], out["review_policy"]) == ("license_required", None, "case_by_case")
    assert out["retain_records_until"] == "2031-02-01"


def test_text_output_and_mode(tmp_path: Path) -> None:
    """90 FR 4544: worldwide .a licence in text mode only."""
    path = tmp_path / "de.json"
    path.write_text(json.dumps(case_doc("2025-06-01", "DE", H100, end_user={"hq": "DE"})))
    enforced = cli(str(path))
    text = cli(str(path), "--mode", "text")
    assert enforced.returncode == text.returncode == 0
    assert "status: no_license_required" in enforced.stdout
    assert "status: license_exception_available" in text.stdout and "licence exception: AIA" in text.stdout


def test_stdin() -> None:
    res = cli("-", "--json", stdin=yaml.safe_dump(case_doc("2024-06-01", "IR", {"eccn": "EAR99"})))
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["status"] == "prohibited_without_authorization"


@pytest.mark.parametrize(
    ("doc", "args", "message"),
    [
        pytest.param(case_doc("2024-06-01", "XX", H100), [], "error: destination: unknown country code", id="unknown-country"),
        pytest.param(case_doc("2024-06-01", "DE", {"eccn": "9Z999"}), [], "error: item.eccn:", id="unknown-eccn"),
        pytest.param(case_doc("2020-06-01", "DE", H100), [], "error: date:", id="date-before-regime"),
        pytest.param(case_doc("2024-06-01", "DE", H100, red_flags=["nope"]), [], "error: red_flags[0]:", id="unknown-red-flag"),
        pytest.param(case_doc("2024-06-01", "DE", H100), ["--mode", "lenient"], "error: --mode:", id="bad-mode"),
        pytest.param(case_doc("2024-06-01", "DE", H100), ["--compare", "2024-06-01"], "error: --compare:", id="compare-one-date"),
        pytest.param(case_doc("2024-06-01", "DE", H100), ["--compare", "2024-06-01,soon"], "error: --compare:", id="compare-bad-date"),
        pytest.param(case_doc("2024-06-01", "DE", H100), ["--compare", "2021-01-01,2024-06-01"], "error: --compare:",
                     id="compare-before-regime"),
    ],
)
def test_exit_2_naming_the_field(tmp_path: Path, doc: dict[str, Any], args: list[str], message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(doc))
    res = cli(str(path), *args)
    assert res.returncode == 2
    assert message in res.stderr
    assert "Traceback" not in res.stderr


def test_missing_file_exit_2(tmp_path: Path) -> None:
    res = cli(str(tmp_path / "nope.yaml"))
    assert res.returncode == 2 and "error: FILE:" in res.stderr


def test_compare_cli_shows_both_answers_and_the_rule_change(china_case: Path) -> None:
    """--compare 2024-06-01,2026-02-01: presumption of denial -> case-by-case, explained by 91 FR 1684."""
    res = cli(str(china_case), "--compare", "2024-06-01,2026-02-01")
    assert res.returncode == 0, res.stderr
    out = res.stdout
    assert "=== 2024-06-01 (enforced) ===" in out and "=== 2026-02-01 (enforced) ===" in out
    assert "review policy: presumption_of_denial" in out and "review policy: case_by_case" in out
    assert "policy.china_cbc.enabled" in out and "91 FR 1684" in out
    assert "ccl." not in out  # only parameters this determination consulted


def test_compare_cli_json(china_case: Path) -> None:
    res = cli(str(china_case), "--compare", "2024-06-01,2026-02-01", "--json")
    data = json.loads(res.stdout)
    assert data["dates"] == ["2024-06-01", "2026-02-01"]
    assert data["answers"]["2024-06-01"]["review_policy"] == "presumption_of_denial"
    assert data["answers"]["2026-02-01"]["review_policy"] == "case_by_case"
    assert data["same_outcome"] is False
    keys = {c["key"] for c in data["rule_changes"]}
    assert "policy.china_cbc.enabled" in keys
    assert all(not k.startswith("ccl.") for k in keys)


def test_compare_api_uae_group_change(rules: Any) -> None:
    """91 FR 43038: the UAE left D:3/D:4 for A:5; the named-UAE scope and Supp. 8 explain G42's NLR."""
    case = parse_case(case_doc("2026-01-01", "AE", H100, end_user={"supp8_entity": "g42"}), rules=rules)
    cmp = compare(case, date(2026, 1, 1), date(2026, 8, 1), "enforced", rules)
    assert (cmp.first.status, cmp.first.review_policy) == ("license_required", "case_by_case")
    assert cmp.second.status == "no_license_required"
    assert cmp.group_changes["AE"] == {"before": ["B", "D:3", "D:4"], "after": ["A:5", "B"]}
    keys = {c.key for c in cmp.changes}
    assert {"scope.named.countries", "uae.supp8.approved", "scope.destinations"} <= keys


def test_compare_same_outcome_text_vs_dates(rules: Any) -> None:
    """88 FR 73458 -> BIS 2025-05-13: the licence to China is the same; only the legal basis changed."""
    case = parse_case(case_doc("2024-06-01", "CN", H100), rules=rules)
    cmp = compare(case, date(2024, 6, 1), date(2025, 6, 1), "enforced", rules)
    assert cmp.same
    assert cmp.first.status == cmp.second.status == "license_required"


def test_compare_diffusion_in_text_mode(rules: Any) -> None:
    """90 FR 4544: Germany becomes licensed (AIA) in text mode on 2025-01-13."""
    case = parse_case(case_doc("2025-01-12", "DE", H100, end_user={"hq": "DE"}), rules=rules)
    cmp = compare(case, date(2025, 1, 12), date(2025, 1, 13), "text", rules)
    assert (cmp.first.status, cmp.second.status) == ("no_license_required", "license_exception_available")
    assert "scope.a_level.worldwide" in {c.key for c in cmp.changes}


def test_compare_explains_syria_across_2025_09_02(tmp_path: Path) -> None:
    """90 FR 42320 (2025-09-02): an EAR99 item to Syria needs a licence before and goes under License Exception
    SPP after; --compare names the rule changes (the exception list, the policy, SPP) with their citations."""
    path = tmp_path / "sy.yaml"
    path.write_text(yaml.safe_dump(case_doc("2025-08-01", "SY", {"eccn": "EAR99"})))
    res = cli(str(path), "--compare", "2025-08-01,2025-10-01")
    assert res.returncode == 0, res.stderr
    changed = res.stdout.split("=== what changed")[1]
    assert "status: license_required -> license_exception_available" in changed
    assert "licence exception: - -> SPP" in changed
    assert "review policy: policy_of_denial -> case_by_case" in changed
    assert "- exception.spp.available:" in changed
    assert "- part746.syria.exceptions: added SPP, RPL, CCD; removed BAG; changed TMP, GOV, TSU, AVS" in changed
    assert "- part746.syria.policy:" in changed and "90 FR 42320" in changed
    out = json.loads(cli(str(path), "--compare", "2025-08-01,2025-10-01", "--json").stdout)
    keys = {c["key"]: c for c in out["rule_changes"]}
    assert keys["part746.syria.exceptions"]["summary"].startswith("added SPP")
    assert out["same_outcome"] is False


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        (case_doc("2024-06-01", "UA", {"eccn": "EAR99"}, destination_region="Narnia"),
         "error: destination_region: unknown region 'Narnia'"),
        (case_doc("2024-06-01", "DE", {"eccn": "EAR99"}, transaction="lease"), "error: transaction: "),
        (case_doc("2024-06-01", "DE", {"eccn": "EAR99"}, parties=[{"role": "shipper"}]), "error: parties[0].role: "),
    ],
)
def test_issue_19_bad_input_is_one_line_exit_2(tmp_path: Path, doc: dict[str, Any], message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(doc))
    res = cli(str(path))
    assert res.returncode == 2
    assert res.stderr.startswith(message) and res.stderr.count("\n") == 1, res.stderr
