"""The memo renders a real check result (exportgate.packages) in all three formats."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from test_reports_render import parse_html, pdf_text

from exportgate.packages import check_package, load_package
from exportgate.reports import render

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "03-india-listed-forwarder.yaml"


@pytest.fixture(scope="module")
def real_result(warm_index: Any) -> dict[str, Any]:
    result: dict[str, Any] = check_package(load_package(str(EXAMPLE)), screener=warm_index).to_json()
    return result


def test_real_result_all_formats(real_result: dict[str, Any]) -> None:
    label = real_result["verdict"].replace("_", " ").upper()
    first_line = real_result["layers"][0]["lines"][0]["description"]
    tree = parse_html(str(render(real_result, "html")))
    assert tree.text("verdict").startswith(label)
    assert tree.text("content-hash") == real_result["content_hash"]
    layer_keys = {t["attrs"].get("data-layer") for t in tree.tables} - {None}
    assert layer_keys == {layer["key"] for layer in real_result["layers"]}
    hits = [m for p in real_result["screening"]["parties"] for m in p["matches"]]
    for m in hits:
        assert m["matched_name"] in tree.text("screening")
    md = str(render(real_result, "md"))
    assert f"## Verdict: **{label}**" in md and real_result["content_hash"] in md and first_line in md
    text = pdf_text(bytes(render(real_result, "pdf")))
    assert label in text and real_result["content_hash"] in text
    assert " ".join(first_line.split()[:3]) in text
