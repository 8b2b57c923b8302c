"""The package check end to end (in process): each verdict, red flags, screening, compute, errors, memo."""

from __future__ import annotations

import copy
import json
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from exportgate.errors import InputError, InputErrors
from exportgate.packages import check_package, load_package, parse_package
from exportgate.packages.memo import EXIT_CODES, content_hash
from exportgate.packages.screening import default_screener
from exportgate.reports import render, write_report
from exportgate.rules import Mode

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

B200_SERVERS: dict[str, Any] = {
    "description": "HGX B200 servers",
    "quantity": 10,
    "value": 5_000_000,
    "us_content_share": 0.8,
    "item": {
        "kind": "server",
        "datacenter_designed_or_marketed": True,
        "contains": [{"item": "NVIDIA B200", "count": 8}],
    },
}


@pytest.fixture(scope="module")
def screener() -> Any:
    return default_screener()


def _check(doc: dict[str, Any], screener: Any, **kw: Any) -> dict[str, Any]:
    result = check_package(parse_package(doc), screener=screener, **kw)
    data = result.to_json()
    assert EXIT_CODES[data["verdict"]] == result.exit_code
    return data


def _with_servers(doc: dict[str, Any]) -> dict[str, Any]:
    doc["layers"]["hardware"].append(copy.deepcopy(B200_SERVERS))
    return doc


def _errors(doc: dict[str, Any], screener: Any, **kw: Any) -> list[str]:
    with pytest.raises(InputErrors) as info:
        check_package(parse_package(doc), screener=screener, **kw)
    return [str(e) for e in info.value.errors]


# --- the examples -------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_example_gets_its_expected_verdict(path: Path, screener: Any) -> None:
    loaded = load_package(str(path))
    assert loaded.package.expected_verdict is not None
    data = check_package(loaded, screener=screener).to_json()
    assert data["verdict"] == loaded.package.expected_verdict, data["verdict_reasons"]
    assert data["content_hash"] == content_hash(data)
    # the file's name, not where it sits on this machine
    assert data["package"]["source_sha256"] and data["package"]["source_file"] == path.name


def test_examples_cover_every_verdict() -> None:
    verdicts = {load_package(str(p)).package.expected_verdict for p in EXAMPLES.glob("*.yaml")}
    assert verdicts == {"clear", "license_required", "review", "blocked"}


def test_saudi_example_licence_details(screener: Any) -> None:
    data = check_package(load_package(str(EXAMPLES / "02-saudi-ai-campus.yaml")), screener=screener).to_json()
    assert [(x["line"], x["destination"], x["classification"]) for x in data["licenses_needed"]] == [
        ("layers.hardware[0]", "SA", "4A090.a")
    ]
    lic = data["licenses_needed"][0]
    assert lic["review_policy"] == "case_by_case"
    assert any("742.6" in c for c in lic["citations"])
    hw = data["layers"][0]
    assert hw["key"] == "hardware"
    line = hw["lines"][0]
    assert line["tpp"] == 126_656 and line["tpp_total"] == 250 * 126_656
    # every line of every layer is determined for the one destination / end user
    assert all(len(ln["determinations"]) == 1 for layer in data["layers"] for ln in layer["lines"])
    assert data["compute"]["per_destination"][0]["tpp"] == 250 * 126_656
    assert data["completeness"]["status"] == "complete"


def test_blocked_example_names_the_listed_intermediary(screener: Any) -> None:
    data = check_package(load_package(str(EXAMPLES / "03-india-listed-forwarder.yaml")), screener=screener).to_json()
    party = next(p for p in data["screening"]["parties"] if p["name"] == "Complete Freight Solutions")
    # the matcher's strong match is confirmed by the package's screening decision, which the memo shows
    assert party["status"] == "confirmed"
    top = party["matches"][0]
    assert top["list"] == "entity_list" and top["strength"] == "strong"
    assert top["confirmed"] is True and top["confirmed_by"] == "decision"
    assert top["decision"]["by"] == "A. Rao (export compliance)" and top["decision"]["status"] == "applied"
    assert "Complete Freight Solutions" in data["verdict_reasons"][0]
    assert data["screening"]["lists_as_of"]["entity_list"]
    # the other parties and members are clean
    assert {p["status"] for p in data["screening"]["parties"] if p["name"] != "Complete Freight Solutions"} == {"clear"}


def test_incomplete_example_findings(screener: Any) -> None:
    data = check_package(load_package(str(EXAMPLES / "04-incomplete-malaysia.yaml")), screener=screener).to_json()
    ids = {f["id"] for f in data["completeness"]["findings"]}
    assert ids >= {
        "layer_missing.security",
        "layer_missing.applications",
        "anchor.missing",
        "member.country_of_concern.1",
        "member.excluded_provider.2",
        "financing.missing",
        "us_content.below_presumption",
        "business_model.incomplete",
    }
    assert data["completeness"]["status"] == "incomplete"
    assert data["licenses_needed"] == []  # Malaysia needs no licence for these items in enforced mode


# --- verdicts on variations of a small package ---------------------------------------------------------


def test_clear_with_datacenter_gpus_to_japan(doc: dict[str, Any], screener: Any) -> None:
    data = _check(_with_servers(doc), screener)
    assert data["verdict"] == "clear"
    line = data["layers"][0]["lines"][1]
    assert line["classification"] == "4A090.a"
    assert line["determinations"][0]["status"] == "no_license_required"


def test_text_mode_uses_a_licence_exception_with_conditions(doc: dict[str, Any], screener: Any) -> None:
    data = _check(_with_servers(doc), screener, mode=Mode.TEXT)
    d = data["layers"][0]["lines"][1]["determinations"][0]
    assert d["status"] == "license_exception_available" and d["license_exception"] == "AIA"
    assert data["verdict"] == "clear"
    assert any("AIA" in c for c in data["conditions"])
    assert data["mode"] == "text"


def test_license_required_for_a_gulf_destination(doc: dict[str, Any], screener: Any) -> None:
    doc["destinations"] = ["QA"]
    doc["parties"][0]["country"] = "QA"
    data = _check(_with_servers(doc), screener)
    assert data["verdict"] == "license_required"
    assert [x["line"] for x in data["licenses_needed"]] == ["layers.hardware[1]"]


def test_d5_headquartered_end_user_needs_a_licence_anywhere(doc: dict[str, Any], screener: Any) -> None:
    doc["parties"][0]["ultimate_parent_hq"] = "CN"
    data = _check(_with_servers(doc), screener)
    assert data["verdict"] == "license_required"
    assert data["licenses_needed"][0]["review_policy"] == "presumption_of_denial"
    assert "HQ" in data["verdict_reasons"][0]


def test_embargoed_destination_is_blocked(doc: dict[str, Any], screener: Any) -> None:
    doc["destinations"] = ["CU"]
    doc["parties"][0]["country"] = "CU"
    data = _check(doc, screener)
    assert data["verdict"] == "blocked"
    assert data["verdict_reasons"][0].startswith("destination CU is under a comprehensive US embargo")


def _confirm(doc: dict[str, Any], screener: Any, name: str, on_list: str | None = None) -> dict[str, Any]:
    """The package with a reviewer's decision confirming ``name``'s top match (on ``on_list``), as a reviewer would
    add it after reading the memo."""
    first = _check(copy.deepcopy(doc), screener)
    matches = next(p for p in first["screening"]["parties"] if p["name"] == name)["matches"]
    top = next(m for m in matches if on_list is None or m["list"] == on_list)
    doc.setdefault("screening_decisions", []).append({
        "party": name, "entity_id": top["entity_id"], "decision": "confirmed", "by": "J. Doe", "on": "2026-10-01",
        "reason": "same name and address as the entry", "entry_fingerprint": top["entry_fingerprint"]})
    return doc


def test_confirmed_listed_end_user_is_blocked(doc: dict[str, Any], screener: Any) -> None:
    doc["parties"].append({"name": "Atlinx Electronics", "role": "distributor", "country": "AE"})
    data = _check(_confirm(doc, screener, "Atlinx Electronics"), screener)
    assert data["verdict"] == "blocked"
    assert any("Atlinx Electronics" in r and "confirmed" in r for r in data["verdict_reasons"])


def test_listed_consortium_member_is_blocked(doc: dict[str, Any], screener: Any) -> None:
    doc["consortium"].append({"name": "Cloudminds (Hong Kong) Limited", "country": "HK"})
    data = _check(_confirm(doc, screener, "Cloudminds (Hong Kong) Limited"), screener)
    assert data["verdict"] == "blocked"
    member = next(p for p in data["screening"]["parties"] if p["kind"] == "member" and p["status"] == "confirmed")
    assert member["name"] == "Cloudminds (Hong Kong) Limited"


def test_potential_match_needs_review(doc: dict[str, Any], screener: Any) -> None:
    doc["parties"].append({"name": "Complete Freight Services", "role": "freight_forwarder", "country": "AE"})
    data = _check(doc, screener)
    party = next(p for p in data["screening"]["parties"] if p["name"] == "Complete Freight Services")
    assert party["status"] == "potential"
    assert data["verdict"] == "review"
    assert any("potentially matches" in r and "needs a decision" in r for r in data["verdict_reasons"])


def test_stated_red_flag_needs_review_until_resolved(doc: dict[str, Any], screener: Any) -> None:
    doc["facts"] = [{"id": "supp3.21", "party": "Operator KK", "note": "distributor will not name the owner"}]
    data = _check(doc, screener)
    assert data["verdict"] == "review"
    assert data["red_flags"][0]["id"] == "supp3.21" and data["red_flags"][0]["citation"]
    doc["facts"][0].update(resolved=True, resolution="owner confirmed by notarised certificate")
    assert _check(doc, screener)["verdict"] == "clear"


def test_freight_forwarder_as_final_destination_is_a_derived_red_flag(doc: dict[str, Any], screener: Any) -> None:
    doc["parties"][0]["name"] = "Osaka Forwarding KK"
    doc["parties"].append({"name": "Osaka Forwarding KK", "role": "freight_forwarder", "country": "JP"})
    data = _check(doc, screener)
    assert [f["id"] for f in data["red_flags"]] == ["supp3.9"]
    assert data["red_flags"][0]["source"] == "derived"
    assert data["verdict"] == "review"


def test_incomplete_proposal_is_review_even_when_the_exports_are_clear(doc: dict[str, Any], screener: Any) -> None:
    doc["layers"]["security"] = []
    data = _check(doc, screener)
    assert data["verdict"] == "review"
    assert "layer_missing.security" in data["verdict_reasons"][0]


def test_blocked_outranks_everything_and_the_rest_is_still_listed(doc: dict[str, Any], screener: Any) -> None:
    doc["destinations"] = ["SA", "SY"]
    doc["parties"].append({"name": "Damascus Cloud", "role": "end_user", "country": "SY"})
    doc["parties"][0]["country"] = "SA"
    doc["layers"]["security"] = []
    _with_servers(doc)["layers"]["hardware"][-1]["split"] = [{"end_user": "Operator KK", "quantity": 6},
                                                            {"end_user": "Damascus Cloud", "quantity": 4}]
    data = _check(doc, screener)
    assert data["verdict"] == "blocked"
    assert any(r.startswith("also (review)") for r in data["verdict_reasons"])
    assert any(r.startswith("also (license required)") for r in data["verdict_reasons"])


# --- several destinations, compute and the ledger ------------------------------------------------------


def test_regional_package_determines_each_destination_and_tallies_compute(doc: dict[str, Any], screener: Any) -> None:
    doc["destinations"] = ["SA", "QA"]
    doc["parties"] = [
        {"name": "Riyadh DC", "role": "ultimate_consignee", "country": "SA"},
        {"name": "Doha DC", "role": "end_user", "country": "QA"},
    ]
    servers = copy.deepcopy(B200_SERVERS)
    doc["layers"]["hardware"] = [
        {**servers, "destination": "SA", "quantity": 10},
        {**servers, "destination": "QA", "quantity": 5},
    ]
    data = _check(doc, screener)
    rows = {r["country"]: r["tpp"] for r in data["compute"]["per_destination"]}
    assert rows == {"SA": 10 * 288_000, "QA": 5 * 288_000}
    eus = {r["end_user"]: r["tpp"] for r in data["compute"]["per_end_user"]}
    assert eus == {"Riyadh DC": 10 * 288_000, "Doha DC": 5 * 288_000}
    assert data["compute"]["total_tpp"] == 15 * 288_000
    # lines without a destination go to both, each determined per destination
    assert [d["destination"] for d in data["layers"][1]["lines"][0]["determinations"]] == ["SA", "QA"]
    assert {x["destination"] for x in data["licenses_needed"]} == {"SA", "QA"}


def test_text_mode_allocation_and_lpp_cap_against_the_ledger(doc: dict[str, Any], screener: Any) -> None:
    doc["destinations"] = ["SA"]
    doc["parties"][0]["country"] = "SA"
    totals = {
        "countries": [{"country": "SA", "year": 2025, "tpp": 500_000_000}, {"country": "SA", "year": 2026, "tpp": 1e8}],
        "end_users": [{"end_user": "Operator KK", "year": 2026, "tpp": 20_000_000}],
    }
    data = _check(_with_servers(doc), screener, mode=Mode.TEXT, ledger_totals=totals)
    row = data["compute"]["per_destination"][0]
    assert row["ledger_before"] == 600_000_000
    assert row["allocation"] == 790_000_000
    assert row["remaining"] == 790_000_000 - 600_000_000 - 2_880_000
    eu = data["compute"]["per_end_user"][0]
    assert eu["cap"] == 26_900_000 and eu["ledger_before"] == 20_000_000
    # LPP's cap counts only TPP shipped under LPP: none in the ledger, none here (no LPP to SA, 740.2(a)(9)(ii))
    assert eu["lpp_before"] == 0 and eu["lpp_tpp"] == 0 and eu["remaining"] == 26_900_000
    totals["end_users"][0]["lpp_tpp"] = 20_000_000
    eu = _check(_with_servers(doc), screener, mode=Mode.TEXT, ledger_totals=totals)["compute"]["per_end_user"][0]
    assert eu["lpp_before"] == 20_000_000 and eu["remaining"] == 26_900_000 - 20_000_000
    # the determination saw the ledger too
    d = data["layers"][0]["lines"][1]["determinations"][0]
    assert d["allocation"] is not None


def test_allocation_exhausted_in_text_mode(doc: dict[str, Any], screener: Any) -> None:
    doc["destinations"] = ["SA"]
    doc["parties"][0]["country"] = "SA"
    totals = {"countries": [{"country": "SA", "year": 2026, "tpp": 789_000_000}]}
    data = _check(_with_servers(doc), screener, mode=Mode.TEXT, ledger_totals=totals)
    assert data["compute"]["per_destination"][0]["remaining"] < 0
    assert data["verdict"] == "license_required"
    assert any("country allocation" in r for r in data["verdict_reasons"])


# --- errors: every one at once, with its path in the file -----------------------------------------------


def test_all_errors_at_once_with_file_paths(doc: dict[str, Any], screener: Any) -> None:
    doc["layers"]["hardware"][0]["eccn"] = "9Z999.x"
    doc["layers"]["models"][0] = {"description": "m", "quantity": 1, "value": 1, "catalog": "No Such Chip 9000"}
    doc["layers"]["applications"][0]["end_user"] = "Nobody Ltd"
    doc["layers"]["security"][0]["destination"] = "SA"
    doc["consortium"][0]["country"] = "XX"
    doc["facts"] = [{"id": "kyc.made_up"}]
    errors = _errors(doc, screener)
    paths = [e.split(":")[0] for e in errors]
    assert "layers.hardware[0].eccn" in paths
    assert "layers.models[0].catalog" in paths
    assert "layers.applications[0].end_user" in paths
    assert "layers.security[0].destination" in paths
    assert "consortium[0].country" in paths
    assert "facts[0].id" in paths


def test_destination_without_end_user_is_an_error(doc: dict[str, Any], screener: Any) -> None:
    doc["destinations"] = ["JP", "KR"]
    assert any(e.startswith("destinations[1]: no party with role end_user") for e in _errors(doc, screener))


def test_item_spec_errors_name_the_line(doc: dict[str, Any], screener: Any) -> None:
    doc["layers"]["hardware"][0] = {"description": "x", "quantity": 1, "value": 1, "item": {"kind": "gizmo"}}
    assert any(e.startswith("layers.hardware[0].item.kind:") for e in _errors(doc, screener))


def test_date_before_the_regime_is_an_error(doc: dict[str, Any], screener: Any) -> None:
    with pytest.raises(InputError, match="as_of"):
        check_package(parse_package(doc), as_of=date(2021, 1, 1), screener=screener)


# --- the memo: same content in every format -------------------------------------------------------------


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def test_memo_html_and_markdown_carry_the_result(screener: Any, tmp_path: Path) -> None:
    data = check_package(load_package(str(EXAMPLES / "02-saudi-ai-campus.yaml")), screener=screener).to_json()
    path = write_report(data, tmp_path / "memo.html")
    parser = _Text()
    parser.feed(Path(path).read_text(encoding="utf-8"))
    text = " ".join(parser.parts)
    assert "LICENSE REQUIRED" in text
    assert "4A090.a" in text and "Riyadh AI Campus Company" in text
    assert data["content_hash"] in text
    md = render(data, "md")
    assert "LICENSE REQUIRED" in md and "layers.hardware[0]" in md
    assert json.loads(json.dumps(data)) == data  # the result is plain JSON


# --- non-hardware layers are determined too --------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        {"model_weights": {"training_operations": 3e26, "weights_published": False}},
        {"eccn": "4E091"},
    ],
    ids=["model_weights", "eccn"],
)
def test_frontier_model_weights_are_determined(doc: dict[str, Any], screener: Any, line: dict[str, Any]) -> None:
    doc["destinations"] = ["SA"]
    doc["parties"][0]["country"] = "SA"
    doc["layers"]["models"] = [{"description": "frontier model weights", "quantity": 1, "value": 1e7, **line}]
    data = _check(doc, screener, mode=Mode.TEXT)
    ln = data["layers"][2]["lines"][0]
    assert ln["classification"] == "4E091"
    assert ln["determinations"][0]["status"] == "license_required"
    assert data["verdict"] == "license_required"
    assert data["licenses_needed"][0]["line"] == "layers.models[0]"


def test_published_weights_are_not_subject_to_the_ear(doc: dict[str, Any], screener: Any) -> None:
    """Published weights (734.7(a)) are outside the EAR: the line says so instead of an unknown classification,
    and no "confirm the item's ECCN" condition is asked for them."""
    doc["layers"]["models"] = [
        {
            "description": "open-weight model",
            "quantity": 1,
            "value": 1,
            "model_weights": {"training_operations": 5e24, "weights_published": True},
        }
    ]
    data = _check(doc, screener)
    ln = data["layers"][2]["lines"][0]
    assert ln["classification"] is None and ln["not_subject_to_ear"] == "734.7(a)"
    assert any("not subject to the EAR" in r for r in ln["classify_reasons"])
    det = ln["determinations"][0]
    assert det["status"] == "no_license_required" and not det["conditions"]
    assert any("not subject to the EAR (734.7(a)" in r for r in det["reasons"])
    assert data["verdict"] == "clear"
    assert not [c for c in data["conditions"] if c.startswith("confirm the item's ECCN")], data["conditions"]


def test_stayed_red_flag_does_not_hold_until_the_stay_ends(doc: dict[str, Any], screener: Any) -> None:
    """Red flag 29 (affiliates rule) is stayed until 2026-11-09 (90 FR 50857): the determination decides."""
    doc["facts"] = [{"id": "supp3.29"}]
    data = _check(doc, screener)  # 2026-10-15
    assert data["red_flags"][0]["held"] is False and data["verdict"] == "clear"
    data = _check(doc, screener, as_of=date(2026, 11, 15))
    assert data["red_flags"][0]["held"] is True and data["verdict"] == "review"


def test_red_flag_hold_keeps_the_licence_requirement_visible(doc: dict[str, Any], screener: Any) -> None:
    doc["destinations"] = ["SA"]
    doc["parties"][0]["country"] = "SA"
    doc["facts"] = [{"id": "supp3.1"}]
    data = _check(_with_servers(doc), screener)
    assert data["layers"][0]["lines"][1]["determinations"][0]["status"] == "red_flag_hold"
    assert data["verdict"] == "review"
    assert data["verdict_reasons"][0].startswith("red flag supp3.1")
    assert any(r.startswith("also (license required)") for r in data["verdict_reasons"])


def test_red_flag_raised_by_the_determination_is_listed(doc: dict[str, Any], screener: Any) -> None:
    doc["end_use"] = {"description": "IaaS training", "facts": {"trains_4e091_model_for_non_supp5a": True}}
    data = _check(_with_servers(doc), screener)
    flag = next(f for f in data["red_flags"] if f["id"] == "supp3.28")
    assert flag["source"] == "determination" and flag["held"] and flag["citation"]
    assert data["verdict"] == "review"


def test_unscreenable_names_are_input_errors_with_paths(doc: dict[str, Any], screener: Any) -> None:
    doc["parties"].append({"name": "---", "role": "intermediary", "country": "JP"})
    doc["consortium"].append({"name": "!!", "country": "US"})
    errors = _errors(doc, screener)
    assert "parties[1].name: has no letters or digits" in errors
    assert "consortium[2].name: has no letters or digits" in errors


def test_entity_listed_end_user_is_blocked_and_the_determination_sees_the_hit(
    doc: dict[str, Any], screener: Any
) -> None:
    doc["destinations"] = ["CN"]
    doc["parties"] = [{"name": "Huawei Technologies Co., Ltd.", "role": "end_user", "country": "CN", "hq": "CN"}]
    data = _check(_confirm(doc, screener, "Huawei Technologies Co., Ltd.", "entity_list"), screener)
    assert data["verdict"] == "blocked"
    assert "confirmed on entity_list" in data["verdict_reasons"][0]
    d = data["layers"][0]["lines"][0]["determinations"][0]
    assert d["status"] == "license_required"  # EAR99 too: the Entity List covers all items subject to the EAR
    assert any("Entity List" in r for r in d["reasons"])


def test_confirmed_match_on_a_non_export_list_needs_review(doc: dict[str, Any], screener: Any) -> None:
    doc["parties"].append({"name": "Inspur Group", "role": "intermediary", "country": "JP"})
    data = _check(_confirm(doc, screener, "Inspur Group"), screener)
    party = next(p for p in data["screening"]["parties"] if p["name"] == "Inspur Group")
    assert party["status"] == "confirmed" and {m["list"] for m in party["matches"] if m["confirmed"]} == {"cmic"}
    assert data["verdict"] == "review"
    assert "restricts finance or licence exceptions" in data["verdict_reasons"][0]


# --- every party to the transaction (issue 19) ----------------------------------------------------------


def test_listed_intermediary_is_a_party_to_every_lines_determination(doc: dict[str, Any], screener: Any) -> None:
    """744.11 applies to whichever party the Entity List names: a confirmed distributor (an intermediate
    consignee, 748.5(d)) makes every line need a licence, not only the verdict blocked."""
    doc["parties"].append({"name": "Atlinx Electronics", "role": "distributor", "country": "AE"})
    data = _check(_confirm(doc, screener, "Atlinx Electronics"), screener)
    assert data["verdict"] == "blocked"
    for layer in data["layers"]:
        for ln in layer["lines"]:
            d = ln["determinations"][0]
            assert d["status"] == "license_required" and d["review_policy"] == "presumption_of_denial"
            assert any("Atlinx Electronics (intermediate consignee) is on the Entity List" in r for r in d["reasons"])


def test_party_in_ukraine_needs_its_region(doc: dict[str, Any], screener: Any) -> None:
    """746.6: the region decides; a package end user in UA without one is an error naming parties[i].region."""
    doc["destinations"] = ["UA"]
    doc["parties"] = [{"name": "Kyiv Cloud LLC", "role": "ultimate_consignee", "country": "UA"}]
    errors = _errors(doc, screener)
    assert any(e.startswith("parties[0].region: required for destination UA") for e in errors), errors
    doc["parties"][0]["region"] = "Kyiv"
    assert _check(doc, screener)["verdict"] == "clear"
    doc["parties"][0]["region"] = "Simferopol"
    data = _check(doc, screener)
    assert data["verdict"] == "license_required"
    assert data["licenses_needed"][0]["operative"]["provision"] == "746.6(a)(1)(i)"


def test_cuba_package_lines_follow_746_2(doc: dict[str, Any], screener: Any) -> None:
    """The package verdict keeps 'comprehensively embargoed -> blocked' (enduse.embargo.destinations); each
    line's determination is the 746.2 licence requirement, not a blanket prohibition."""
    doc["destinations"] = ["CU"]
    doc["parties"][0]["country"] = "CU"
    data = _check(doc, screener)
    assert data["verdict"] == "blocked"
    d = data["layers"][0]["lines"][0]["determinations"][0]
    assert (d["status"], d["review_policy"]) == ("license_required", "policy_of_denial")
    assert d["operative"]["provision"] == "746.2(a)"


def test_package_schema_names_the_party_region() -> None:
    from exportgate.packages import package_json_schema

    party = package_json_schema()["$defs"]["Party"]["properties"]
    assert "region" in party and "746.6" in party["region"]["description"]
