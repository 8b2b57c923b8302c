"""The memo of real check results (exportgate.packages), in all three formats, read back as a reviewer reads it:
page 1 decides, identical rows never repeat, each hit shows its listed entry, the provenance is complete, and the
UAE-like example fits in three PDF pages."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from test_reports_render import _outcome_rows, parse_html, pdf_pages, pdf_text, squash

from exportgate.packages import check_package, load_package
from exportgate.packages.memo import content_hash
from exportgate.reports import render

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture(scope="module")
def results(warm_index: Any) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for stem in ("03-india-listed-forwarder", "05-gulf-regional"):
        loaded = load_package(str(EXAMPLES / f"{stem}.yaml"))
        out[stem] = check_package(loaded, screener=warm_index, produced_by="J. Reviewer").to_json()
    return out


def test_real_result_all_formats(results: dict[str, dict[str, Any]]) -> None:
    real = results["03-india-listed-forwarder"]
    label = real["verdict"].replace("_", " ").upper()
    tree = parse_html(str(render(real, "html")))
    assert tree.text("verdict").startswith(label)
    assert tree.text("content-hash") == real["content_hash"]
    layer_keys = {t["attrs"].get("data-layer") for t in tree.tables} - {None}
    assert layer_keys == {layer["key"] for layer in real["layers"]}
    md = str(render(real, "md"))
    assert f"## Verdict: **{label}**" in md and real["content_hash"] in md
    text = pdf_text(bytes(render(real, "pdf")))
    assert label in text and real["content_hash"] in squash(text)


def test_uae_memo_page_one_decides_and_fits_three_pages(results: dict[str, dict[str, Any]]) -> None:
    real = results["05-gulf-regional"]
    pages = pdf_pages(bytes(render(real, "pdf")))
    assert len(pages) <= 3, len(pages)
    first = squash(pages[0])
    assert "LICENSE REQUIRED" in first
    for lic in real["licenses_needed"]:
        op = lic["operative"]
        assert op["provision"] in first and op["citation"].split(";")[0] in first  # the operative citation
        assert lic["line"].removeprefix("layers.") in first and lic["destination"] in first
    assert "742.6(a)(6)(iii)(B)" in first and "742.6(a)(6)" in first
    assert "Sign-off" in first and "In force" in first


def test_no_identical_determination_row_twice(results: dict[str, dict[str, Any]]) -> None:
    for real in results.values():
        rows = _outcome_rows(parse_html(str(render(real, "html"))))
        keys = [(r[0], r[1].split(" How this was decided")[0]) for r in rows]
        assert len(keys) == len(set(keys)), keys
        # every determination of every line is in exactly one row
        dets = sum(len(ln["determinations"]) for layer in real["layers"] for ln in layer["lines"])
        assert dets > len(rows)
        for layer in real["layers"]:
            for ln in layer["lines"]:
                ref = ln["ref"].removeprefix("layers.")
                assert sum(1 for r in rows if re.search(rf"(?<![\w.]){re.escape(ref)}", r[2])) == 1, ref
    uae_rows = _outcome_rows(parse_html(str(render(results["05-gulf-regional"], "html"))))
    nlr = [r for r in uae_rows if r[0].startswith("no license required")]
    assert len(nlr) == 1 and "Abu Dhabi Compute Holding PJSC" in nlr[0][3] and "Doha" in nlr[0][3]
    assert any(r[0].startswith("not subject to the EAR (734.7(a))") and "models[0]" in r[2] for r in uae_rows)


def test_each_hit_shows_its_entry_and_decision(results: dict[str, dict[str, Any]]) -> None:
    real = results["03-india-listed-forwarder"]
    match = real["screening"]["parties"][0]["matches"][0]
    entry = match["entry"]
    assert entry["federal_register_notice"] and entry["addresses"]
    html = parse_html(str(render(real, "html"))).text("screening")
    md = str(render(real, "md"))
    pdf = squash(pdf_text(bytes(render(real, "pdf"))))
    for text in (entry["addresses"][0], entry["federal_register_notice"], entry["license_policy"],
                 "Confirmed by A. Rao (export compliance) on 2026-08-28"):
        assert text in html, text
        assert text in pdf, text
    assert entry["federal_register_notice"] in md and "Confirmed by A. Rao" in md
    assert "query_tokens" not in html and "query_tokens" not in md  # the machine explanation stays in the JSON


def test_provenance_block_is_complete(results: dict[str, dict[str, Any]]) -> None:
    real = results["05-gulf-regional"]
    tree = parse_html(str(render(real, "html")))
    rows = {r[0]: r[1] for r in next(t for t in tree.tables if t["attrs"].get("id") == "provenance")["rows"]}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", rows["Produced at"])  # with its zone
    assert rows["Produced by"] == "J. Reviewer"
    assert rows["exportgate"] == real["versions"]["exportgate"]
    assert rows["Rule data SHA-256"] == real["versions"]["rules_sha256"]
    for key, day in real["screening"]["lists_as_of"].items():
        assert any(k == f"Lists of {day}" and key in v for k, v in rows.items()), key
    assert rows["Package file"] == f"05-gulf-regional.yaml · SHA-256 {real['package']['source_sha256']}"
    assert str(EXAMPLES) not in str(render(real, "html"))  # the file's name, never the local path
    pdf = squash(pdf_text(bytes(render(real, "pdf"))))
    for label in ("Produced at:", "Produced by: J. Reviewer", "exportgate:", "Rule data SHA-256:", "Package file:",
                  "Content hash:"):
        assert label in pdf, label


def test_production_metadata_is_outside_the_content_hash(warm_index: Any) -> None:
    loaded = load_package(str(EXAMPLES / "05-gulf-regional.yaml"))
    a = check_package(loaded, screener=warm_index, produced_by="first").to_json()
    b = check_package(loaded, screener=warm_index, produced_by="second").to_json()
    assert a["provenance"]["produced_by"] != b["provenance"]["produced_by"]
    assert a["content_hash"] == b["content_hash"] == content_hash(b)
    signed = {**b, "signoff": {"approved_by": {"name": "M. Chen", "date": "2026-10-21"}},
              "licences_granted": [{"line": "layers.hardware[0]", "number": "D1"}]}
    assert content_hash(signed) == b["content_hash"]
    assert content_hash({**b, "verdict": "clear"}) != b["content_hash"]  # the content itself is covered
