"""The decision memo in HTML, Markdown and PDF: parsed, not just "file exists"."""

from __future__ import annotations

import io
import os
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from report_samples import make_result

from exportgate.errors import InputError
from exportgate.reports import pdf as pdf_module
from exportgate.reports import render, write_report


class Tree(HTMLParser):
    """A minimal DOM: collects text per element id / class and every table's rows."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, dict[str, str]]] = []
        self.text_by_id: dict[str, list[str]] = {}
        self.tables: list[dict[str, Any]] = []
        self.svg_bars: list[dict[str, str]] = []
        self.verdict_style = ""
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self.stack.append((tag, a))
        if a.get("id") == "verdict":
            self.verdict_style = a.get("style", "")
        if tag == "table":
            self.tables.append({"attrs": a, "rows": []})
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "rect" and "bar" in a.get("class", "").split():
            self.svg_bars.append(a)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None and self.tables:
            self.tables[-1]["rows"].append(self._row)
            self._row = None
        while self.stack:
            t, _ = self.stack.pop()
            if t == tag:
                break

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        for _, a in self.stack:
            if "id" in a:
                self.text_by_id.setdefault(a["id"], []).append(data)

    def text(self, element_id: str) -> str:
        return " ".join(" ".join(self.text_by_id.get(element_id, [])).split())


def parse_html(html: str) -> Tree:
    tree = Tree()
    tree.feed(html)
    tree.close()
    return tree


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


# -- HTML ------------------------------------------------------------------------------------------

def test_html_verdict_first_big_and_coloured(result: dict[str, Any]) -> None:
    html = render(result, "html")
    assert isinstance(html, str)
    tree = parse_html(html)
    assert tree.text("verdict").startswith("LICENSE REQUIRED")
    assert "hardware[0] needs a licence to AE (3A090.a.1)" in tree.text("verdict")
    assert "#b45309" in tree.verdict_style
    # The verdict comes before every other section of the body.
    assert html.index('id="verdict"') < html.index('id="conditions"') < html.index('id="layers"')


@pytest.mark.parametrize(
    ("verdict", "label", "colour"),
    [("clear", "CLEAR", "#1b7f3b"), ("review", "REVIEW", "#6d28d9"), ("blocked", "BLOCKED", "#b91c1c")],
)
def test_html_each_verdict(verdict: str, label: str, colour: str) -> None:
    tree = parse_html(str(render(make_result(verdict), "html")))
    assert tree.text("verdict").startswith(label)
    assert colour in tree.verdict_style


def test_html_layer_tables_lines_and_determinations(result: dict[str, Any]) -> None:
    tree = parse_html(str(render(result, "html")))
    layer_tables = {t["attrs"]["data-layer"]: t["rows"] for t in tree.tables if "data-layer" in t["attrs"]}
    assert set(layer_tables) == {"hardware", "models"}
    header, h100, switches = layer_tables["hardware"]
    assert header[:6] == ["Line", "Description", "Qty", "Value", "Classification", "TPP"]
    assert h100[0] == "layers.hardware[0]"
    assert h100[1] == "NVIDIA H100 SXM accelerators"
    assert h100[2] == "1,000" and h100[3] == "30,000,000" and h100[5] == "15,832"
    assert h100[4].startswith("3A090.a.1") and "TPP 15832 >= 4800" in h100[4]
    # Every determination with status, reasons and citations.
    dets = h100[6]
    assert "AE · G42 Cloud: license required" in dets
    assert "AE is in D:4 and 3A090.a.1 is controlled there" in dets
    assert "15 CFR 742.6(a)(6)(iii)" in dets
    assert "SA · Humain | KSA: license exception available" in dets
    assert "Licence exception: NAC" in dets and "notify BIS 25 days before" in dets and "15 CFR 740.7" in dets
    # Escaped, not interpreted.
    assert switches[1] == "Ethernet switches <fast> & cheap"
    assert layer_tables["models"][1][6] == "no determination"


def test_html_screening_hits_with_explanations(result: dict[str, Any]) -> None:
    tree = parse_html(str(render(result, "html")))
    screening = tree.text("screening")
    assert "Торговый дом Восток" in screening
    assert "TORGOVY DOM VOSTOK (ofac_sdn, sdn-12345, score 0.91)" in screening
    assert "token_overlap torgovy, vostok" in screening
    assert "note transliterated Cyrillic name matched" in screening
    assert "华为技术有限公司" in screening and "alias 华为" in screening


def test_html_sections_hash_versions_chart(result: dict[str, Any]) -> None:
    html = str(render(result, "html"))
    tree = parse_html(html)
    assert tree.text("content-hash") == result["content_hash"]
    assert f'content="{result["content_hash"]}"' in html
    assert "written purchase order before shipment (740.8)" in tree.text("conditions")
    assert "case-by-case" in tree.text("licenses")
    assert "us_content.below_presumption" in tree.text("completeness")
    assert "Consignee declines to state the end use" in tree.text("red-flags")
    versions = tree.text("versions")
    assert "cd" * 32 in versions and "List ofac_sdn as of 2024-05-03" in versions
    # One SVG bar per destination, carrying the package's TPP for that destination.
    assert {b["data-country"]: float(b["data-tpp"]) for b in tree.svg_bars} == {"AE": 1.5832e7, "SA": 2.0e6}
    compute = tree.text("compute")
    assert "AE: this package takes cumulative TPP to 415,832,000 of the 790,000,000 allocation" in compute
    assert "790,000,000" in compute and "374,168,000" in compute and "none in force" in compute


def test_html_minimal_result_renders_nones() -> None:
    minimal = {"verdict": "clear", "content_hash": "0" * 64}
    tree = parse_html(str(render(minimal, "html")))
    assert tree.text("verdict").startswith("CLEAR")
    assert "No conditions." in tree.text("conditions")
    assert "The package has no layers." in tree.text("layers")
    assert "No controlled compute" in tree.text("compute")


# -- Markdown --------------------------------------------------------------------------------------

def test_markdown_content(result: dict[str, Any]) -> None:
    md = render(result, "md")
    assert isinstance(md, str)
    lines = md.splitlines()
    assert lines[0] == "# Export decision memo — Gulf sovereign AI cluster"
    assert "## Verdict: **LICENSE REQUIRED**" in lines[:6]
    assert "| `layers.hardware[0]` | NVIDIA H100 SXM accelerators | 1,000 | 30,000,000 | 3A090.a.1 | 15,832 |" \
        in lines
    # A pipe inside a value does not break the table; in prose it stays as written.
    assert "- **SA · Humain | KSA: license exception available** — licence exception NAC" in lines
    assert "  - Citations: 15 CFR 742.6(a)(6)(iii)" in lines
    assert "### Hits for Торговый дом Восток" in lines
    assert "  - token_overlap: torgovy, vostok" in lines
    assert "- `reexport_risk` Consignee declines to state the end use (15 CFR 732 Supp. 3)" in lines
    assert f"- Content hash: `{result['content_hash']}`" in lines
    # Text bar chart: AE has 400M in the ledger (▒), this package (█) and the 790M allocation tick.
    chart = md.split("```text\n", 1)[1].split("\n```", 1)[0].splitlines()
    ae = next(line for line in chart if line.startswith("AE "))
    assert ae.count("▒") == 20 and ae.count("█") == 1 and "|" in ae
    assert ae.endswith("415,832,000 TPP of 790,000,000 allocated")
    assert "| AE | 15,832,000 | 400,000,000 | 415,832,000 | 790,000,000 | 374,168,000 |" in md
    assert "\n\n\n" not in md
    assert "- AE: this package takes cumulative TPP to 415,832,000 of the 790,000,000 allocation" in lines


def test_markdown_table_cells_escape_pipes() -> None:
    r = make_result()
    r["licenses_needed"][0]["end_user"] = "A | B"
    md = str(render(r, "md"))
    assert "| A \\| B |" in md


# -- PDF -------------------------------------------------------------------------------------------

def test_pdf_text(result: dict[str, Any]) -> None:
    data = render(result, "pdf")
    assert isinstance(data, bytes) and data.startswith(b"%PDF-")
    text = pdf_text(data)
    assert "LICENSE REQUIRED" in text
    assert "NVIDIA H100 SXM accelerators" in text
    assert "AE is in D:4 and 3A090.a.1 is controlled there" in text
    assert result["content_hash"] in text
    assert "Торговый дом Восток" in text          # DejaVu draws Cyrillic
    assert "Hua Wei Ji Shu You Xian Gong Si" in text  # CJK transliterated, never a crash
    assert "this package takes cumulative TPP to 415,832,000" in text


def test_pdf_without_any_ttf_font_transliterates(monkeypatch: pytest.MonkeyPatch, result: dict[str, Any]) -> None:
    monkeypatch.setattr(pdf_module, "find_font_dir", lambda: None)
    text = pdf_text(bytes(render(result, "pdf")))
    assert "LICENSE REQUIRED" in text
    assert "Torgovyy dom Vostok" in text
    assert result["content_hash"] in text


def test_pdf_uses_shipped_font() -> None:
    assert pdf_module.find_font_dir() == pdf_module.PACKAGED_FONTS


# -- errors and atomic writes ----------------------------------------------------------------------

def test_bad_input_is_an_input_error(result: dict[str, Any]) -> None:
    with pytest.raises(InputError, match="format"):
        render(result, "docx")
    with pytest.raises(InputError, match=r"result\.verdict"):
        render({**result, "verdict": "maybe"}, "html")
    with pytest.raises(InputError, match=r"result\.content_hash"):
        render({k: v for k, v in result.items() if k != "content_hash"}, "md")
    with pytest.raises(InputError, match=r"result\.layers\[0\]\.lines"):
        render({**result, "layers": [{"key": "hardware", "lines": "oops"}]}, "html")


@pytest.mark.parametrize("suffix", [".html", ".md", ".pdf"])
def test_write_report_by_suffix(tmp_path: Path, result: dict[str, Any], suffix: str) -> None:
    path = write_report(result, tmp_path / "out" / f"memo{suffix}")
    data = path.read_bytes()
    if suffix == ".pdf":
        assert result["content_hash"] in pdf_text(data)
    else:
        assert result["content_hash"] in data.decode("utf-8")
    assert sorted(p.name for p in path.parent.iterdir()) == [f"memo{suffix}"]


def test_write_report_never_leaves_a_partial_memo(
    tmp_path: Path, result: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "memo.html"
    target.write_text("previous memo", encoding="utf-8")
    # A render failure: nothing written, the previous memo intact.
    with pytest.raises(InputError):
        write_report({**result, "verdict": "bogus"}, target)
    assert target.read_text(encoding="utf-8") == "previous memo"
    # A failure while renaming: the temp file is removed, the previous memo intact.
    def boom(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(InputError, match=r"cannot write .*memo.html: disk full"):
        write_report(result, target)
    assert target.read_text(encoding="utf-8") == "previous memo"
    assert [p.name for p in tmp_path.iterdir()] == ["memo.html"]


def test_write_report_unknown_suffix(tmp_path: Path, result: dict[str, Any]) -> None:
    with pytest.raises(InputError, match="unknown report format"):
        write_report(result, tmp_path / "memo.docx")
    assert list(tmp_path.iterdir()) == []
