"""The decision memo in HTML, Markdown and PDF: parsed, not just "file exists"."""

from __future__ import annotations

import copy
import io
import os
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from report_samples import make_result

from exportgate.errors import InputError
from exportgate.packages.memo import content_hash
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
    from pypdf import PdfReader  # here, not at collection: only this module reads PDFs

    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def pdf_pages(data: bytes) -> list[str]:
    from pypdf import PdfReader

    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def squash(text: str) -> str:
    """PDF text with its line breaks and hyphen-free wraps joined (what a reader sees as one run of words)."""
    return " ".join(text.split())


# -- HTML ------------------------------------------------------------------------------------------

def test_html_decides_above_the_fold(result: dict[str, Any]) -> None:
    """The verdict, the licences to obtain with their operative provision first, the open alerts, the dates in
    force and the sign-off come before any supporting detail."""
    html = render(result, "html")
    assert isinstance(html, str)
    tree = parse_html(html)
    assert tree.text("verdict").startswith("LICENSE REQUIRED")
    assert "hardware[0] needs a licence to AE (3A090.a.1)" in tree.text("verdict")
    assert "also (review)" not in tree.text("verdict")  # the lesser findings go to the appendix
    assert "#b45309" in tree.verdict_style
    order = [html.index(f'id="{i}"') for i in ("verdict", "licenses", "alerts", "in-force", "signoff",
                                                 "determinations", "layers", "screening", "versions")]
    assert order == sorted(order)
    licences = tree.text("licenses")
    # operative provision first, then its citation and the review policy
    assert licences.index("742.6(a)(6)") < licences.index("88 FR 73458") < licences.index("case by case")
    assert "hardware[0] NVIDIA H100 SXM accelerators — 3A090.a.1" in licences and "AE · G42 Cloud" in licences
    decision = tree.text("decision")
    assert "NAC" in decision and "notify BIS 25 days before" in decision  # the exception's conditions
    alerts = tree.text("alerts")
    for kind in ("Undecided match", "Re-opened decision", "Manual classification", "Red flag held"):
        assert kind in alerts, kind
    assert "hardware[3]" in alerts and "supp3.1" in alerts
    assert "entity_list" in tree.text("in-force") and "2025-09-01" in tree.text("in-force")
    assert [row[0] for row in next(t["rows"] for t in tree.tables if "signoff" in t["attrs"].get("class", ""))] \
        == ["Role", "Prepared by", "Reviewed by", "Approved by"]


@pytest.mark.parametrize(
    ("verdict", "label", "colour"),
    [("clear", "CLEAR", "#1b7f3b"), ("review", "REVIEW", "#6d28d9"), ("blocked", "BLOCKED", "#b91c1c")],
)
def test_html_each_verdict(verdict: str, label: str, colour: str) -> None:
    tree = parse_html(str(render(make_result(verdict), "html")))
    assert tree.text("verdict").startswith(label)
    assert colour in tree.verdict_style


def _outcome_rows(tree: Tree) -> list[list[str]]:
    table = next(t for t in tree.tables if t["rows"] and t["rows"][0][:2] == ["Outcome", "Operative provision"])
    return table["rows"][1:]


def test_html_identical_outcomes_collapse_into_one_row(result: dict[str, Any]) -> None:
    tree = parse_html(str(render(result, "html")))
    rows = _outcome_rows(tree)
    keys = [(r[0], r[1].split(" How this was decided")[0]) for r in rows]
    assert len(keys) == len(set(keys)), rows  # no identical determination row twice
    nlr = [r for r in rows if r[0].startswith("no license required")]
    assert len(nlr) == 1  # two lines x two end users, one answer: one row listing them
    assert "hardware[1]" in nlr[0][2] and "hardware[2]" in nlr[0][2]
    assert nlr[0][3] == "AE · G42 Cloud; SA · Humain | KSA"
    first = rows[0]
    assert first[0].startswith("license required") and first[1].startswith("742.6(a)(6) 15 CFR 742.6(a)(6)(iii)")
    assert any(r[0].startswith("needs manual classification") and "hardware[3]" in r[2] for r in rows)
    assert any(r[0].startswith("not subject to the EAR (734.7(a))") for r in rows) is False  # no determination
    # how each was decided stays available, folded
    html = str(render(result, "html"))
    assert '<details class="how"><summary>How this was decided</summary>' in html
    assert "AE is in D:4 and 3A090.a.1 is controlled there" in tree.text("determinations")


def test_html_layer_tables(result: dict[str, Any]) -> None:
    tree = parse_html(str(render(result, "html")))
    layer_tables = {t["attrs"]["data-layer"]: t["rows"] for t in tree.tables if "data-layer" in t["attrs"]}
    assert set(layer_tables) == {"hardware", "models"}
    header, h100, switches = layer_tables["hardware"][:3]
    assert header == ["Line", "Description", "Qty", "Value", "Classification", "TPP per unit"]
    assert h100[:4] == ["hardware[0]", "NVIDIA H100 SXM accelerators", "1,000", "30,000,000"]
    assert h100[4].startswith("3A090.a.1") and "TPP 15832 >= 4800" in h100[4] and h100[5] == "15,832"
    assert switches[1] == "Ethernet switches <fast> & cheap"  # escaped, not interpreted
    assert layer_tables["models"][1][4].startswith("not subject to the EAR (734.7(a))")


def test_html_screening_hits_for_people(result: dict[str, Any]) -> None:
    html = str(render(result, "html"))
    tree = parse_html(html)
    screening = tree.text("screening").replace(" ,", ",")
    assert "Торговый дом Восток (intermediary) → TORGOVY DOM VOSTOK on ofac_sdn, programme RUSSIA-EO14024, RU " \
           "— score 0.91, potential" in screening
    assert "<mark>TORGOVY</mark> DOM VOSTOK" in html  # the aligned word marked
    assert "<mark>Huawei Technologies</mark> Co., Ltd." in html
    # the listed entry's details
    for text in ("Ul. Lenina 1, Moscow, RU", "Tax ID No. 7701234567 (RU)", "Secondary sanctions risk",
                 "TD VOSTOK", "For all items subject to the EAR.", "Presumption of denial.",
                 "Entity List footnote 4", "listed 2019-05-16 · 84 FR 22961"):
        assert text in screening, text
    # and the decision taken on it
    assert "No decision yet: confirm it or dismiss it" in screening
    assert "Re-opened — the entry changed since this decision. Dismissed as a false positive by A. Rao on " \
           "2025-01-10" in screening
    assert "aligned" not in screening  # the machine explanation stays in the JSON


def test_html_provenance_and_hash(result: dict[str, Any]) -> None:
    html = str(render(result, "html"))
    tree = parse_html(html)
    assert tree.text("content-hash") == result["content_hash"]
    assert f'content="{result["content_hash"]}"' in html
    rows = {r[0]: r[1] for r in next(t for t in tree.tables if t["attrs"].get("id") == "provenance")["rows"]}
    assert rows["Produced at"] == "2026-03-01T09:30:00+04:00" and rows["Produced by"] == "j.doe"
    assert rows["exportgate"] == "0.1.0" and rows["Rule data SHA-256"] == "cd" * 32
    assert rows["List snapshot"] == "embedded-2025-12-19"
    assert rows["Lists of 2024-05-03"].startswith("ofac_sdn · sdn_2024-05-03.csv.gz · SHA-256 efef")
    assert rows["Package file"] == f"gulf.yaml · SHA-256 {'ab' * 32}"
    assert rows["Content hash"] == result["content_hash"]
    # bars, compute
    assert {b["data-country"]: float(b["data-tpp"]) for b in tree.svg_bars} == {"AE": 9.4992e6, "SA": 6.3328e6}
    assert "790,000,000" in tree.text("compute") and "none in force" in tree.text("compute")


def test_html_signoff_licences_granted_and_stale_lists(result: dict[str, Any]) -> None:
    result = copy.deepcopy(result)
    result["signoff"] = {"prepared_by": {"name": "J. Doe", "date": "2026-03-02"},
                         "approved_by": {"name": "M. Chen", "date": "2026-03-03"}, "record_id": 7}
    result["licences_granted"] = [{"line": "layers.hardware[0]", "number": "D1234567", "destination": "AE",
                                   "conditions": ["no reexport without BIS authorization"]}]
    result["screening"]["stale"] = [{"key": "entity_list", "list_date": "2025-09-01", "days": 181,
                                     "interval": 30}]
    tree = parse_html(str(render(result, "html")))  # the hash still verifies: these are outside it
    signoff = next(t for t in tree.tables if "signoff" in t["attrs"].get("class", ""))["rows"]
    assert signoff[1][:3] == ["Prepared by", "J. Doe", "2026-03-02"] and signoff[2][1] == ""
    assert signoff[3][:3] == ["Approved by", "M. Chen", "2026-03-03"]
    assert "D1234567" in tree.text("licenses") and "no reexport without BIS authorization" in tree.text("licenses")
    assert "D1234567" in tree.text("licences-granted")
    stale = tree.text("stale-lists")
    assert "entity_list of 2025-09-01 (181 days older)" in stale and "(at most 30 days)" in stale


def test_html_minimal_result_renders_nones() -> None:
    minimal = {"verdict": "clear", "content_hash": "0" * 64}
    tree = parse_html(str(render(minimal, "html")))
    assert tree.text("verdict").startswith("CLEAR")
    assert "No conditions." in tree.text("conditions")
    assert "No licence is needed." in tree.text("licenses")
    assert "The package has no layers." in tree.text("layers")
    assert "No controlled compute" in tree.text("compute")


# -- Markdown --------------------------------------------------------------------------------------

def test_markdown_content(result: dict[str, Any]) -> None:
    md = render(result, "md")
    assert isinstance(md, str)
    lines = md.splitlines()
    assert lines[0] == "# Export decision memo — Gulf sovereign AI cluster"
    assert "## Verdict: **LICENSE REQUIRED** — May not proceed until the licences listed are granted." in lines
    licence = next(ln for ln in lines if ln.startswith("| **742.6(a)(6)**"))
    assert "| case by case |" in licence and "`hardware[0]` NVIDIA H100 SXM accelerators (3A090.a.1)" in licence
    # a pipe inside a value does not break the table; raw HTML in a package text is escaped
    assert "| `hardware[1]` | Ethernet switches &lt;fast\\> \\& cheap | 40 | 2,000,000 | EAR99 | — |" in lines
    nlr = [ln for ln in lines if ln.startswith("| **no license required**")]
    assert len(nlr) == 1 and "AE · G42 Cloud; SA · Humain \\| KSA" in nlr[0]
    assert any(ln.startswith("- **Undecided match:**") for ln in lines)
    hit = next(ln for ln in lines if ln.startswith("- Торговый дом Восток"))
    assert "→ **TORGOVY** DOM VOSTOK on **ofac_sdn**, programme RUSSIA-EO14024, RU — score 0.91, potential" in hit
    assert "  - Addresses: Ul. Lenina 1, Moscow, RU" in lines or "  - Address: Ul. Lenina 1, Moscow, RU" in lines
    assert "  - **Decision:** No decision yet: confirm it or dismiss it as a false positive before shipping" in lines
    assert f"- Content hash: `{result['content_hash']}`" in md
    assert "- Produced by: j.doe" in lines
    # the supporting chain in the appendix, identical chains folded (AE and SA read the same but for the place)
    appendix = md.split("## Appendix: how this was decided", 1)[1]
    assert "#### hardware[1], hardware[2] → AE · G42 Cloud; SA · Humain \\| KSA" in appendix
    assert "1. determination on 2026-03-01 in enforced mode: export from US to ‹destination›" in appendix
    chart = md.split("```text\n", 1)[1].split("\n```", 1)[0].splitlines()
    ae = next(line for line in chart if line.startswith("AE "))
    assert ae.count("▒") == 20 and "|" in ae and ae.endswith("409,499,200 TPP of 790,000,000 allocated")
    assert "\n\n\n" not in md


def test_markdown_escapes_package_and_list_text() -> None:
    r = make_result()
    r["licenses_needed"][0]["end_user"] = "A | B"
    r["layers"][0]["lines"][0]["description"] = "<script>alert(1)</script> [x](http://evil) *bold*"
    r["screening"]["parties"][1]["matches"][0]["entry"]["remarks"] = "<img src=x onerror=alert(1)>"
    r["content_hash"] = content_hash(r)
    md = str(render(r, "md"))
    assert not re.search(r"(?<!\\)<", md) and not re.search(r"(?<!\\)\]\(", md)  # no raw HTML, no link
    assert "&lt;script\\>alert(1)&lt;/script\\> [x\\](http://evil) \\*bold\\*" in md
    assert "A \\| B" in md


# -- PDF -------------------------------------------------------------------------------------------

def test_pdf_first_page_decides(result: dict[str, Any]) -> None:
    data = render(result, "pdf")
    assert isinstance(data, bytes) and data.startswith(b"%PDF-")
    pages = pdf_pages(data)
    first = squash(pages[0])
    assert "LICENSE REQUIRED" in first
    assert "742.6(a)(6)" in first and "88 FR 73458" in first  # the operative provision and its citation
    assert "hardware[0] NVIDIA H100 SXM accelerators (3A090.a.1)" in first
    assert "NAC" in first and "notify BIS 25 days before" in first
    assert "Undecided match" in first and "Manual classification" in first and "Red flag held" in first
    assert "Prepared by" in first and "Approved by" in first
    assert first.index("LICENSE REQUIRED") < first.index("742.6(a)(6)") < first.index("Sign-off")
    rest = squash("\n".join(pages[1:]))
    assert "Determinations" not in first and "Determinations" in rest
    assert "Торговый дом Восток" in rest           # DejaVu draws Cyrillic
    assert "Secondary sanctions risk" in rest and "84 FR 22961" in rest
    assert "No decision yet" in rest
    assert "Produced by: j.doe" in rest and "Produced at: 2026-03-01T09:30:00+04:00" in rest
    assert result["content_hash"] in squash(pages[-1])
    assert "AE is in D:4 and 3A090.a.1 is controlled there" in rest  # the appendix
    assert "this package takes cumulative TPP to 409,499,200" in rest


def test_pdf_without_any_ttf_font_transliterates(monkeypatch: pytest.MonkeyPatch, result: dict[str, Any]) -> None:
    monkeypatch.setattr(pdf_module, "find_font_dir", lambda: None)
    text = squash(pdf_text(bytes(render(result, "pdf"))))
    assert "LICENSE REQUIRED" in text
    assert "Torgovyy dom Vostok" in text
    assert result["content_hash"] in text


def test_pdf_cjk_is_transliterated_never_a_crash(result: dict[str, Any]) -> None:
    result = copy.deepcopy(result)
    result["screening"]["parties"][0]["name"] = "华为技术有限公司"
    result["content_hash"] = content_hash(result)
    assert "Hua Wei Ji Shu You Xian Gong Si" in squash(pdf_text(bytes(render(result, "pdf"))))


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
