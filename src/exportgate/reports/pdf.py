"""The PDF memo, drawn with fpdf2 from the same :class:`~exportgate.reports.view.MemoView` as HTML.

Font: DejaVu Sans shipped in ``reports/fonts/`` (see its PROVENANCE.md); if that is missing, the
system's DejaVu (Debian ``fonts-dejavu-core``); if neither exists, the PDF core font Helvetica. Any
character the chosen font cannot draw is transliterated with ``anyascii`` first, so a name in a
script the font lacks (CJK with DejaVu, anything outside Latin-1 with Helvetica) never makes
rendering fail.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from anyascii import anyascii
from fpdf import FPDF
from fpdf.enums import TableCellFillMode, XPos, YPos
from fpdf.fonts import FontFace

from exportgate.reports.charts import ALLOCATION, BAR_BEFORE, BAR_OVER, BAR_PACKAGE
from exportgate.reports.view import STATUS_COLOURS, MemoView, fmt_number, humanize

PACKAGED_FONTS = Path(__file__).parent / "fonts"
SYSTEM_FONTS = Path("/usr/share/fonts/truetype/dejavu")
FAMILY = "DejaVu"


def find_font_dir() -> Path | None:
    """The first directory holding both DejaVu Sans faces, or ``None`` (then Helvetica is used)."""
    for directory in (PACKAGED_FONTS, SYSTEM_FONTS):
        if (directory / "DejaVuSans.ttf").is_file() and (directory / "DejaVuSans-Bold.ttf").is_file():
            return directory
    return None


@lru_cache(maxsize=4)
def _font_codepoints(path: str) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    with TTFont(path, lazy=True) as font:
        return frozenset(font.getBestCmap())


def _rgb(colour: str) -> tuple[int, int, int]:
    colour = colour.lstrip("#")
    return int(colour[0:2], 16), int(colour[2:4], 16), int(colour[4:6], 16)


class MemoPDF(FPDF):
    """An A4 memo with a footer carrying the page number and the content hash."""

    def __init__(self, view: MemoView, font_dir: Path | None) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.view = view
        self.set_auto_page_break(auto=True, margin=18)
        self.set_margins(15, 15, 15)
        if font_dir is not None:
            self.add_font(FAMILY, "", str(font_dir / "DejaVuSans.ttf"))
            self.add_font(FAMILY, "B", str(font_dir / "DejaVuSans-Bold.ttf"))
            self.family_name = FAMILY
            self._codepoints: frozenset[int] | None = _font_codepoints(str(font_dir / "DejaVuSans.ttf"))
        else:
            self.family_name = "Helvetica"
            self._codepoints = None
        self.set_title(f"Export decision memo - {self.safe(view.title)}")
        self.set_creator("exportgate")
        self.set_subject(f"verdict {view.verdict}; content hash {view.content_hash}")

    # -- text helpers -------------------------------------------------------------------------
    def safe(self, text: object) -> str:
        """Text the current font can draw: unknown characters transliterated (never an error)."""
        s = "" if text is None else str(text)
        cps = self._codepoints
        out: list[str] = []
        previous_word = False
        for ch in s:
            drawable = ord(ch) < 256 if cps is None else (ord(ch) in cps or ch in "\n\t")
            if drawable:
                out.append(ch)
                previous_word = False
                continue
            repl = anyascii(ch)
            # Syllabic scripts (CJK) transliterate to one word per character: keep them apart.
            word = len(repl) > 1 and repl.isalpha()
            if word and previous_word:
                out.append(" ")
            out.append(repl)
            previous_word = word
        return "".join(out)

    def font(self, size: float, bold: bool = False) -> None:
        self.set_font(self.family_name, "B" if bold else "", size)

    def para(self, text: object, size: float = 9.5, bold: bool = False, indent: float = 0.0,
             colour: tuple[int, int, int] = (17, 24, 39), h: float = 4.8) -> None:
        self.font(size, bold)
        self.set_text_color(*colour)
        self.set_x(self.l_margin + indent)
        self.multi_cell(self.epw - indent, h, self.safe(text), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(17, 24, 39)

    def bullets(self, items: Iterable[object], indent: float = 3.0, size: float = 9.5) -> None:
        for item in items:
            self.para(f"• {self.safe(item)}", size=size, indent=indent)

    def heading(self, text: str, size: float = 13.0) -> None:
        if self.get_y() > self.h - 40:
            self.add_page()
        self.ln(3)
        self.font(size, bold=True)
        self.multi_cell(self.epw, 7, self.safe(text), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_draw_color(209, 213, 219)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(1.5)

    def none(self, text: str) -> None:
        self.para(text, colour=(107, 114, 128))

    def footer(self) -> None:
        self.set_y(-12)
        self.font(7.5)
        self.set_text_color(107, 114, 128)
        self.cell(0, 5, self.safe(f"exportgate decision memo · page {self.page_no()} · content hash "
                                  f"{self.view.content_hash}"), align="C")
        self.set_text_color(17, 24, 39)

    def table_rows(self, headings: list[str], rows: list[list[str]], widths: list[float],
                   size: float = 8.5) -> None:
        self.font(size)
        self.set_draw_color(209, 213, 219)
        self.set_fill_color(255, 255, 255)
        with self.table(cell_fill_mode=TableCellFillMode.NONE, col_widths=tuple(widths), text_align="LEFT", line_height=4.4,
                        headings_style=FontFace(emphasis="BOLD", fill_color=(243, 244, 246)), first_row_as_headings=True, width=self.epw) as table:
            head = table.row()
            for h in headings:
                head.cell(self.safe(h))
            for data in rows:
                row = table.row()
                for value in data:
                    row.cell(self.safe(value))


def _colour(status: object) -> tuple[int, int, int]:
    return _rgb(STATUS_COLOURS.get(str(status), "#374151"))


def render_pdf(view: MemoView) -> bytes:
    pdf = MemoPDF(view, find_font_dir())
    pdf.add_page()

    # Title and verdict banner.
    pdf.font(16, bold=True)
    pdf.multi_cell(pdf.epw, 8, pdf.safe(f"Export decision memo — {view.title}"), align="L",
                   new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pkg = view.package
    dests = ", ".join(str(d) for d in (pkg.get("destinations") or [])) or "—"
    pdf.para(f"Package date {pkg.get('date') or '—'} · destinations {dests} · as of {view.as_of or '—'} · "
             f"mode {view.mode or '—'}", size=9, colour=(75, 85, 99))
    pdf.ln(2)
    top = pdf.get_y()
    pdf.set_fill_color(*_rgb(view.verdict_colour))
    pdf.set_text_color(255, 255, 255)
    pdf.font(26, bold=True)
    pdf.cell(pdf.epw, 14, pdf.safe(view.verdict_label), fill=True, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.font(10.5)
    pdf.multi_cell(pdf.epw, 6, pdf.safe(view.verdict_meaning), fill=True, align="L", new_x=XPos.LMARGIN,
                   new_y=YPos.NEXT)
    for reason in view.verdict_reasons:
        pdf.multi_cell(pdf.epw, 5.5, pdf.safe(f"  • {reason}"), fill=True, align="L", new_x=XPos.LMARGIN,
                       new_y=YPos.NEXT)
    pdf.set_text_color(17, 24, 39)
    if pdf.get_y() - top < 20:
        pdf.ln(1)
    pdf.ln(2)

    pdf.heading("Conditions")
    if view.conditions:
        pdf.bullets(view.conditions)
    else:
        pdf.none("No conditions.")

    pdf.heading("Licences needed")
    if view.licenses_needed:
        for lic in view.licenses_needed:
            who = f"{lic.get('destination') or '—'}"
            if lic.get("end_user"):
                who += f" · {lic.get('end_user')}"
            pdf.para(f"{lic.get('line') or '—'} → {who}: {lic.get('classification') or '—'}, review policy "
                     f"{lic.get('review_policy') or '—'}", size=9.5, bold=True)
            if lic.get("citations"):
                pdf.para("Citations: " + "; ".join(str(c) for c in lic["citations"]), size=8, indent=3,
                         colour=(55, 65, 81))
    else:
        pdf.none("No licences needed.")

    pdf.heading("Completeness")
    if view.findings:
        pdf.table_rows(
            ["Severity", "Finding", "Message", "Citation"],
            [[str(f.get("severity") or "—"), str(f.get("id") or "—"), str(f.get("message") or ""),
              str(f.get("citation") or "")] for f in view.findings],
            [18, 46, 76, 40],
        )
    else:
        pdf.none("No completeness findings: the package is complete.")

    pdf.heading("Layers")
    if not view.layers:
        pdf.none("The package has no layers.")
    for layer in view.layers:
        pdf.heading(str(layer["title"]), size=11)
        if not layer["lines"]:
            pdf.none("This layer has no lines.")
            continue
        pdf.table_rows(
            ["Line", "Description", "Qty", "Value", "Classification", "TPP"],
            [[str(ln.get("ref") or "—"), str(ln.get("description") or "—"), fmt_number(ln.get("quantity")),
              fmt_number(ln.get("value")), str(ln.get("classification") or "unclassified"),
              fmt_number(ln.get("tpp"))] for ln in layer["lines"]],
            [36, 58, 14, 24, 28, 20],
        )
        for ln in layer["lines"]:
            pdf.para(f"{ln.get('ref') or '—'}: {ln.get('description') or ''} — "
                     f"{ln.get('classification') or 'unclassified'}", size=9.5, bold=True)
            for r in ln.get("classify_reasons") or []:
                pdf.para(f"Classification: {r}", size=8.5, indent=3)
            if not ln["determinations"]:
                pdf.para("no determination", size=8.5, indent=3, colour=(107, 114, 128))
            for d in ln["determinations"]:
                who = str(d.get("destination") or "—")
                if d.get("end_user"):
                    who += f" · {d.get('end_user')}"
                pdf.para(f"{who}: {humanize(d.get('status'))}", size=9, bold=True, indent=3,
                         colour=_colour(d.get("status")))
                if d.get("license_exception"):
                    pdf.para(f"Licence exception: {d.get('license_exception')}", size=8.5, indent=6)
                if d.get("review_policy"):
                    pdf.para(f"Review policy: {d.get('review_policy')}", size=8.5, indent=6)
                if d.get("conditions"):
                    pdf.para("Conditions: " + "; ".join(str(c) for c in d["conditions"]), size=8.5, indent=6)
                pdf.bullets(d.get("reasons") or [], indent=6, size=8.5)
                if d.get("citations"):
                    pdf.para("Citations: " + "; ".join(str(c) for c in d["citations"]), size=8,
                             indent=6, colour=(55, 65, 81))
            pdf.ln(1)

    pdf.heading("Party screening")
    if view.lists_as_of:
        pdf.para("Lists as of: " + ", ".join(f"{k} {d}" for k, d in view.lists_as_of.items()), size=8.5,
                 colour=(75, 85, 99))
    if view.parties:
        pdf.table_rows(
            ["Party", "Role", "Country", "Status", "Matches"],
            [[str(p.get("name") or "—"), str(p.get("role") or "—"), str(p.get("country") or "—"),
              str(p.get("status") or "—"), str(len(p["matches"]))] for p in view.parties],
            [70, 35, 20, 30, 25],
        )
        for p in view.parties:
            for m in p["matches"]:
                score = m.get("score")
                head = f"{p.get('name')} → {m.get('matched_name') or m.get('name') or '—'} ({m.get('list') or '?'}"
                if m.get("entity_id"):
                    head += f", {m.get('entity_id')}"
                if isinstance(score, (int, float)):
                    head += f", score {score:.2f}"
                pdf.para(head + ")", size=9, bold=True, colour=_colour(p.get("status")))
                for k, t in m["explanation_pairs"]:
                    pdf.para(f"{k}: {t}", size=8.5, indent=4)
    else:
        pdf.none("No parties were screened.")

    pdf.heading("Red flags")
    if view.red_flags:
        pdf.bullets(
            f"{f.get('id') or '—'}: {f.get('description') or ''}"
            + (f" ({f.get('citation')})" if f.get("citation") else "")
            for f in view.red_flags
        )
    else:
        pdf.none("No red flags.")

    pdf.heading("Compute per destination")
    if view.bars:
        _draw_chart(pdf, view)
        pdf.table_rows(
            ["Destination", "This package", "Ledger before", "After", "Allocation", "Remaining", "Citation"],
            [[b.label, fmt_number(b.tpp), fmt_number(b.ledger_before), fmt_number(b.after),
              fmt_number(b.allocation) if b.allocation is not None else "none in force",
              fmt_number(b.remaining), b.citation or ""] for b in view.bars],
            [23, 25, 25, 25, 27, 25, 30],
        )
    else:
        pdf.none("No controlled compute in this package.")
    pdf.bullets(view.compute_notes)
    if view.per_end_user:
        pdf.ln(2)
        pdf.table_rows(
            ["End user", "Country", "This package (TPP)", "Ledger before", "Cap"],
            [[str(u.get("end_user") or "—"), str(u.get("country") or "—"), fmt_number(u.get("tpp")),
              fmt_number(u.get("ledger_before")),
              fmt_number(u.get("cap")) if u.get("cap") is not None else "none in force"]
             for u in view.per_end_user],
            [60, 20, 35, 35, 30],
        )

    pdf.heading("Versions and integrity")
    versions = view.versions
    pdf.para(f"exportgate {versions.get('exportgate') or '—'}", size=9)
    pdf.para(f"Rules SHA-256: {versions.get('rules_sha256') or '—'}", size=9)
    for k, d in (versions.get("lists_as_of") or {}).items():
        pdf.para(f"List {k}: as of {d}", size=9)
    if pkg.get("source_sha256"):
        pdf.para(f"Package file SHA-256: {pkg.get('source_sha256')}", size=9)
    pdf.para(f"Content hash: {view.content_hash}", size=9, bold=True)
    return bytes(pdf.output())


def _draw_chart(pdf: MemoPDF, view: MemoView) -> None:
    """Horizontal stacked bars (ledger before, this package) with the allocation as a tick."""
    top = view.chart_max
    label_w, note_w, row_h = 18.0, 62.0, 8.0
    plot_w = pdf.epw - label_w - note_w
    needed = row_h * len(view.bars) + 12
    if pdf.get_y() + needed > pdf.h - pdf.b_margin:
        pdf.add_page()
    x0 = pdf.l_margin + label_w
    y = pdf.get_y() + 1
    scale = plot_w / top if top > 0 else 0.0
    for bar in view.bars:
        pdf.font(9, bold=True)
        pdf.set_xy(pdf.l_margin, y)
        pdf.cell(label_w, 6, pdf.safe(bar.label))
        w_before = bar.ledger_before * scale
        w_pkg = max(bar.tpp * scale, 0.4)
        if w_before > 0:
            pdf.set_fill_color(*_rgb(BAR_BEFORE))
            pdf.rect(x0, y + 0.5, w_before, 5, style="F")
        pdf.set_fill_color(*_rgb(BAR_OVER if bar.over else BAR_PACKAGE))
        pdf.rect(x0 + w_before, y + 0.5, w_pkg, 5, style="F")
        if bar.allocation is not None:
            xa = x0 + bar.allocation * scale
            pdf.set_draw_color(*_rgb(ALLOCATION))
            pdf.set_line_width(0.6)
            pdf.line(xa, y - 0.5, xa, y + 6.5)
            pdf.set_line_width(0.2)
        pdf.font(8)
        pdf.set_xy(x0 + plot_w + 2, y)
        note = f"{fmt_number(bar.after)} TPP"
        if bar.allocation is not None:
            note += f" of {fmt_number(bar.allocation)}"
        pdf.cell(note_w - 2, 6, pdf.safe(note))
        y += row_h
    pdf.set_xy(pdf.l_margin, y)
    pdf.font(7.5)
    pdf.set_text_color(75, 85, 99)
    pdf.cell(pdf.epw, 5, pdf.safe("grey: already in ledger · blue: this package (red if over) · black tick: allocation"),
             new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(17, 24, 39)
    pdf.ln(2)
