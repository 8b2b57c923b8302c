"""The PDF memo, drawn with fpdf2 from the same :class:`~exportgate.reports.view.MemoView` as HTML.

Page 1 is the page that decides and is signed: the verdict, what must happen before shipping (licences to
obtain with the operative provision first, licence exceptions and their conditions, the other conditions, the
open alerts), the rule and list dates in force, and the sign-off block. The pages after it carry the collapsed
determinations, the lines, the screening hits with the listed entries' details, red flags, completeness, compute,
the provenance and, as an appendix, how each determination was decided (its reasons, identical chains folded) and
every citation once.

Font: DejaVu Sans shipped in ``reports/fonts/`` (see its PROVENANCE.md); if that is missing, the
system's DejaVu (Debian ``fonts-dejavu-core``); if neither exists, the PDF core font Helvetica. Any
character the chosen font cannot draw is transliterated with ``anyascii`` first, so a name in a
script the font lacks (CJK with DejaVu, anything outside Latin-1 with Helvetica) never makes
rendering fail.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

from anyascii import anyascii
from fpdf import FPDF
from fpdf.enums import TableCellFillMode, VAlign, XPos, YPos
from fpdf.fonts import FontFace

from exportgate.reports.charts import ALLOCATION, BAR_BEFORE, BAR_OVER, BAR_PACKAGE
from exportgate.reports.view import STATUS_COLOURS, MemoView, Seg, fmt_number, humanize, short_ref

PACKAGED_FONTS = Path(__file__).parent / "fonts"
SYSTEM_FONTS = Path("/usr/share/fonts/truetype/dejavu")
FAMILY = "DejaVu"
INK = (17, 24, 39)
GREY = (75, 85, 99)
MUTED = (107, 114, 128)
MARK = (146, 64, 14)


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
        self.set_auto_page_break(auto=True, margin=14)
        self.set_margins(14, 12, 14)
        if font_dir is not None:
            self.add_font(FAMILY, "", str(font_dir / "DejaVuSans.ttf"))
            self.add_font(FAMILY, "B", str(font_dir / "DejaVuSans-Bold.ttf"))
            self.family_name = FAMILY
            self._codepoints: frozenset[int] | None = _font_codepoints(str(font_dir / "DejaVuSans.ttf"))
        else:
            self.family_name = "Helvetica"
            self._codepoints = None
        self.alias_nb_pages()
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

    def para(self, text: object, size: float = 9.0, bold: bool = False, indent: float = 0.0,
             colour: tuple[int, int, int] = INK, h: float | None = None) -> None:
        self.font(size, bold)
        self.set_text_color(*colour)
        self.set_x(self.l_margin + indent)
        self.multi_cell(self.epw - indent, h or size * 0.47, self.safe(text), align="L", new_x=XPos.LMARGIN,
                        new_y=YPos.NEXT)
        self.set_text_color(*INK)

    def labelled(self, label: str, text: object, size: float = 8.5, indent: float = 0.0,
                 colour: tuple[int, int, int] = INK) -> None:
        """``label`` in bold, then ``text``, flowing as one paragraph."""
        self.set_x(self.l_margin + indent)
        self.runs([(label + " ", True, colour), (str(text), False, colour)], size, indent)

    def runs(self, parts: Sequence[tuple[str, bool, tuple[int, int, int]]], size: float, indent: float = 0.0) -> None:
        """Pieces of text in one flowing paragraph, each bold or not and in its colour (wrapped at the margin)."""
        left = self.l_margin
        self.set_left_margin(left + indent)
        self.set_x(left + indent)
        for text, bold, colour in parts:
            if not text:
                continue
            self.font(size, bold)
            self.set_text_color(*colour)
            self.write(size * 0.47, self.safe(text))
        self.set_left_margin(left)
        self.ln(size * 0.47)
        self.set_text_color(*INK)

    def bullets(self, items: Iterable[object], indent: float = 2.0, size: float = 8.5) -> None:
        for item in items:
            self.para(f"• {item}", size=size, indent=indent)

    def heading(self, text: str, size: float = 11.0, space: float = 2.5) -> None:
        if self.get_y() > self.h - 35:
            self.add_page()
        self.ln(space)
        self.font(size, bold=True)
        self.multi_cell(self.epw, size * 0.5, self.safe(text), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_draw_color(209, 213, 219)
        self.line(self.l_margin, self.get_y() + 0.3, self.w - self.r_margin, self.get_y() + 0.3)
        self.ln(1.2)

    def subheading(self, text: str) -> None:
        if self.get_y() > self.h - 25:
            self.add_page()
        self.ln(1.2)
        self.para(text, size=9.5, bold=True)
        self.ln(0.3)

    def none(self, text: str, size: float = 8.5) -> None:
        self.para(text, size=size, colour=MUTED)

    def footer(self) -> None:
        self.set_y(-10)
        self.font(6.5)
        self.set_text_color(*MUTED)
        self.cell(0, 4, f"exportgate decision memo · page {self.page_no()} of {{nb}} · content hash "
                        f"{self.view.content_hash}", align="C")
        self.set_text_color(*INK)

    def table_rows(self, headings: list[str], rows: list[list[str]], widths: list[float], size: float = 8.0,
                   bold_first: bool = False, line_height: float | None = None) -> None:
        self.font(size)
        self.set_draw_color(209, 213, 219)
        self.set_fill_color(255, 255, 255)
        bold = FontFace(emphasis="BOLD")
        with self.table(cell_fill_mode=TableCellFillMode.NONE, col_widths=tuple(widths), text_align="LEFT",
                        v_align=VAlign.T,
                        line_height=line_height or size * 0.46, padding=(0.6, 1.0),
                        headings_style=FontFace(emphasis="BOLD", fill_color=(243, 244, 246)),
                        first_row_as_headings=True, width=self.epw) as table:
            head = table.row()
            for h in headings:
                head.cell(self.safe(h))
            for data in rows:
                row = table.row()
                for i, value in enumerate(data):
                    row.cell(self.safe(value), style=bold if bold_first and i == 0 else None)
        self.ln(0.8)


def _colour(status: object) -> tuple[int, int, int]:
    return _rgb(STATUS_COLOURS.get(str(status), "#374151"))


def render_pdf(view: MemoView) -> bytes:
    pdf = MemoPDF(view, find_font_dir())
    pdf.add_page()
    _decision_page(pdf, view)
    if pdf.page_no() == 1:
        pdf.add_page()  # page 1 is the page that decides and is signed; the supporting detail follows it
    _determinations(pdf, view)
    _lines(pdf, view)
    _screening(pdf, view)
    _red_flags_and_completeness(pdf, view)
    _compute(pdf, view)
    _granted(pdf, view)
    _provenance(pdf, view)
    _appendix(pdf, view)
    return bytes(pdf.output())


# -- page 1: the decision ---------------------------------------------------------------------------------------


def _decision_page(pdf: MemoPDF, view: MemoView) -> None:
    pdf.font(14, bold=True)
    pdf.multi_cell(pdf.epw, 6.5, pdf.safe(f"Export decision memo — {view.title}"), align="L",
                   new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pkg = view.package
    dests = ", ".join(str(d) for d in (pkg.get("destinations") or [])) or "—"
    pdf.para(f"{pkg.get('source_file') or 'package'} · dated {pkg.get('date') or '—'} · to {dests} · checked as of "
             f"{view.as_of or '—'} ({view.mode or '—'} mode)", size=8.5, colour=GREY)
    pdf.ln(1.5)
    # the verdict band
    pdf.set_fill_color(*_rgb(view.verdict_colour))
    pdf.set_text_color(255, 255, 255)
    pdf.font(20, bold=True)
    label_w = pdf.get_string_width(pdf.safe(view.verdict_label)) + 6
    y = pdf.get_y()
    pdf.cell(label_w, 11, pdf.safe(view.verdict_label), fill=True)
    pdf.font(9.5)
    meaning = pdf.safe(view.verdict_meaning)
    if pdf.get_string_width(meaning) + 4 <= pdf.epw - label_w:
        pdf.cell(pdf.epw - label_w, 11, meaning, fill=True, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    else:  # the meaning on its own line under the label
        pdf.cell(pdf.epw - label_w, 11, "", fill=True, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.multi_cell(pdf.epw, 5, f" {meaning}", fill=True, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_y(max(pdf.get_y(), y + 11))
    reasons = view.verdict_reasons[:4]
    if len(view.verdict_reasons) > 4:
        reasons.append(f"… and {len(view.verdict_reasons) - 4} more (see the determinations)")
    pdf.font(8)
    for reason in reasons:
        pdf.multi_cell(pdf.epw, 3.9, pdf.safe(f"  • {reason}"), fill=True, align="L", new_x=XPos.LMARGIN,
                       new_y=YPos.NEXT)
    if reasons:
        pdf.cell(pdf.epw, 1.2, "", fill=True, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(*INK)
    if view.stale:
        pdf.ln(1.5)
        pdf.para(view.stale_text, size=8.5, bold=True, colour=_rgb("#b91c1c"))

    pdf.heading("Before shipping", size=11, space=2.0)
    pdf.subheading("Licences to obtain")
    if view.verdict == "blocked" and view.licences:
        pdf.para("The export is blocked (see the open alerts): these are the licences it would need, with their "
                 "review policy.", size=7.5, colour=GREY)
    if view.licences:
        rows = []
        for lic in view.licences:
            op = lic.operative or {}
            why = "; ".join(lic.operative_reasons)
            policy = humanize(lic.review_policy)
            if lic.status == "prohibited_without_authorization":
                policy += " (prohibited without authorization)"
            granted = "; ".join(f"{g.get('number')}" for g in lic.granted) or "not yet"
            rows.append([str(op.get("provision") or "—"), f"{op.get('citation') or ''}" + (f" — {why}" if why else ""),
                         policy, "; ".join(f"{ln.ref} {ln.description} ({ln.classification})" for ln in lic.lines),
                         lic.destination + (f" · {'; '.join(lic.end_users)}" if lic.end_users else ""), granted])
        pdf.table_rows(["Operative provision", "Citation and reason", "Review policy", "Lines", "To", "Granted"],
                       rows, [25, 43, 19, 55, 24, 16], size=7.5, bold_first=True)
    else:
        pdf.none("No licence is needed.")
    if view.exceptions:
        pdf.subheading("Licence exceptions relied on — their conditions")
        for e in view.exceptions:
            pdf.labelled(f"{e.exception}{f' ({e.citation})' if e.citation else ''}:",
                         f"{', '.join(ln.ref for ln in e.lines)} → {'; '.join(e.recipients)}", size=8)
            pdf.bullets(e.conditions or ["no condition stated"], indent=4, size=7.5)
    pdf.subheading("Conditions")
    if view.conditions:
        pdf.bullets(view.conditions, size=8)
    else:
        pdf.none("No other conditions." if view.exceptions else "No conditions.", size=8)
    pdf.subheading("Open alerts")
    if view.alerts:
        for a in view.alerts:
            pdf.runs([(f"• {a.kind}: ", True, _colour(a.severity)), (a.text, False, INK)], 8, indent=2)
    else:
        pdf.none("No open alerts: no undecided or re-opened party match, no line awaiting manual classification, "
                 "no red flag held.", size=8)
    pdf.subheading("In force")
    for k, t in view.in_force:
        pdf.labelled(f"{k}:", t, size=7.5, colour=GREY)
    pdf.subheading("Sign-off")
    pdf.font(8)
    pdf.set_draw_color(156, 163, 175)
    widths = (28.0, 62.0, 30.0, pdf.epw - 120.0)
    for i, h in enumerate(("Role", "Name", "Date", "Signature")):
        pdf.font(8, bold=True)
        pdf.cell(widths[i], 5, h, border="B")
    pdf.ln(5)
    for role, name, day in view.signoff:
        pdf.font(8, bold=True)
        pdf.cell(widths[0], 7.5, pdf.safe(role), border="B")
        pdf.font(8)
        pdf.cell(widths[1], 7.5, pdf.safe(name), border="B")
        pdf.cell(widths[2], 7.5, pdf.safe(day), border="B")
        pdf.cell(widths[3], 7.5, "", border="B")
        pdf.ln(7.5)


# -- the pages after it -----------------------------------------------------------------------------------------


def _determinations(pdf: MemoPDF, view: MemoView) -> None:
    pdf.heading("Determinations", space=0.5)
    if not view.outcomes:
        pdf.none("No determinations.")
        return
    rows = []
    for o in view.outcomes:
        outcome = o.label
        if o.review_policy:
            outcome += f" (review policy {humanize(o.review_policy)})"
        if o.conditions:
            outcome += "; conditions: " + "; ".join(o.conditions)
        op = o.operative or {}
        provision = f"{op.get('provision')} — {op.get('citation')}" if op else "—"
        if o.operative_reasons:
            provision += "\n" + "\n".join(o.operative_reasons)
        rows.append([outcome, provision, ", ".join(ln.ref for ln in o.lines), "; ".join(o.recipients) or "—"])
    pdf.table_rows(["Outcome", "Operative provision", "Lines", "To"], rows, [38, 74, 34, pdf.epw - 146], size=7.5,
                   bold_first=True)
    pdf.para("The reasons behind each row, and every citation, are in the appendix (How this was decided).",
             size=7, colour=MUTED)


def _lines(pdf: MemoPDF, view: MemoView) -> None:
    pdf.heading("Lines")
    if not view.lines:
        pdf.none("The package has no lines.")
        return
    pdf.table_rows(
        ["Line", "Description", "Qty", "Value", "Classification", "TPP per unit"],
        [[short_ref(ln.get("ref")), str(ln.get("description") or "—"), fmt_number(ln.get("quantity")),
          fmt_number(ln.get("value")), str(ln["label"]), fmt_number(ln.get("tpp"))] for ln in view.lines],
        [26, 70, 14, 22, 32, pdf.epw - 164], size=7.5,
    )


def _sentence(pdf: MemoPDF, query: list[Seg], listed: list[Seg], tail: str, role: str) -> None:
    parts: list[tuple[str, bool, tuple[int, int, int]]] = [(s.text, True, MARK if s.mark else INK) for s in query]
    parts.append((f" ({role}) → ", False, INK))
    parts += [(s.text, True, MARK if s.mark else INK) for s in listed]
    parts.append((tail, False, INK))
    pdf.runs(parts, 8.5)


def _screening(pdf: MemoPDF, view: MemoView) -> None:
    pdf.heading("Party screening")
    for h in view.hits:
        if pdf.get_y() > pdf.h - 45:
            pdf.add_page()
        tail = (f"{f' (alias of {h.listed_primary})' if h.listed_primary else ''} on {h.list_name}"
                f"{f', programme {h.programs}' if h.programs else ''}, {h.country} — score {h.score}, {h.strength}")
        _sentence(pdf, h.query, h.listed, tail, h.role)
        for k, t in h.details:
            pdf.labelled(f"{k}:", t, size=7.5, indent=4, colour=GREY)
        state_colour = _rgb("#b91c1c") if h.decision_state in ("confirmed", "exact_match") else (
            _rgb("#6d28d9") if h.decision_state in ("undecided", "reopened") else INK)
        pdf.labelled("Decision:", h.decision, size=8, indent=4, colour=state_colour)
        pdf.ln(1)
    for d in view.unmatched_decisions:
        pdf.para(f"Decision on an entry that no longer matches (not applied): {d.get('party')} / {d.get('entity_id')}: "
                 f"{humanize(d.get('decision'))} by {d.get('by')} on {d.get('on')}", size=7.5, colour=GREY)
    clear = view.clear_names
    if clear:
        names = "; ".join(f"{p.get('name')} ({p.get('role') or p.get('kind')}, {p.get('country') or '—'})"
                          for p in clear)
        pdf.labelled(f"No match ({len(clear)} of {len(view.screened)} names):", names, size=7.5)
    if not view.screened:
        pdf.none("No parties were screened.")
    others = [p for p in view.screened if p not in clear]
    if others:
        pdf.labelled("With a match:", "; ".join(f"{p.get('name')} — {p.get('status')}" for p in others), size=7.5)
    if view.lists_as_of:
        pdf.para(f"Against {len(view.lists_as_of)} lists (dates under In force on page 1); the matcher's explanation "
                 "of every hit is in the JSON result.", size=7, colour=MUTED)


def _red_flags_and_completeness(pdf: MemoPDF, view: MemoView) -> None:
    pdf.heading("Red flags and completeness")
    if view.red_flags:
        for f in view.red_flags:
            state = "held" if f.get("held") else (f"resolved: {f.get('resolution')}" if f.get("resolved") else
                                                  "not holding")
            party = f" ({f['party']})" if f.get("party") else ""
            cite = f" ({f['citation']})" if f.get("citation") else ""
            pdf.para(f"• {f.get('id')}: {f.get('description') or ''}{party} — {state}{cite}", size=8)
    else:
        pdf.none("No red flags.", size=8)
    if view.findings:
        for f in view.findings:
            pdf.runs([(f"• {f.get('severity')} ", True, _colour(f.get("severity"))), (f"{f.get('id')}: ", True, INK),
                      (f"{f.get('message') or ''}" + (f" ({f.get('citation')})" if f.get("citation") else ""), False,
                       INK)], 8)
    else:
        pdf.none("No completeness findings: the package is complete.", size=8)


def _compute(pdf: MemoPDF, view: MemoView) -> None:
    pdf.heading("Compute per destination")
    if view.bars:
        _draw_chart(pdf, view)
        # each destination's TOP500 standing in a column (the full sentences are in the HTML and Markdown)
        top500 = {p["country"]: p["cell"] for p in view.profiles}
        editions = sorted({p["edition"] for p in view.profiles if p["edition"]})
        pdf.table_rows(
            ["Destination", "This package", "Ledger before", "After", "Allocation", "Remaining",
             f"TOP500 {editions[-1] if editions else ''}".strip(), "Citation"],
            [[b.label, fmt_number(b.tpp), fmt_number(b.ledger_before), fmt_number(b.after),
              fmt_number(b.allocation) if b.allocation is not None else "none in force",
              fmt_number(b.remaining), top500.get(b.label, "—"), b.citation or ""] for b in view.bars],
            [21, 24, 24, 22, 22, 19, 28, pdf.epw - 160], size=7.5,
        )
    else:
        pdf.none("No controlled compute in this package.")
        pdf.bullets([f"Compute landscape: {p['short']}" for p in view.profiles], size=8)
    pdf.bullets(view.compute_notes, size=8)
    if view.per_end_user:
        pdf.table_rows(
            ["End user", "Country", "This package (TPP)", "Ledger before", "Cap"],
            [[str(u.get("end_user") or "—"), str(u.get("country") or "—"), fmt_number(u.get("tpp")),
              fmt_number(u.get("ledger_before")),
              fmt_number(u.get("cap")) if u.get("cap") is not None else "none in force"]
             for u in view.per_end_user],
            [70, 18, 34, 30, pdf.epw - 152], size=7.5,
        )


def _granted(pdf: MemoPDF, view: MemoView) -> None:
    if not view.licences_granted:
        return
    pdf.heading("Licences granted")
    pdf.table_rows(["Line", "To", "Licence", "Conditions"],
                   [[short_ref(g.get("line")), (g.get("destination") or "every destination")
                     + (f" · {g.get('end_user')}" if g.get("end_user") else ""), str(g.get("number")),
                     "; ".join(g.get("conditions") or []) or "—"] for g in view.licences_granted],
                   [28, 50, 30, pdf.epw - 108], size=7.5)


def _provenance(pdf: MemoPDF, view: MemoView) -> None:
    pdf.heading("Provenance")
    for k, t in view.provenance:
        pdf.labelled(f"{k}:", t, size=7.5)
    pdf.labelled("Content hash:", f"{view.content_hash} (SHA-256 of the canonical JSON of the result without the "
                 "hash, the provenance, the sign-off and the licences granted)", size=7.5)


def _appendix(pdf: MemoPDF, view: MemoView) -> None:
    pdf.heading("Appendix — how this was decided")
    for o in view.outcomes:
        op = o.operative or {}
        head = o.label + (f" — {op.get('provision')}" if op else "")
        pdf.para(head, size=8.5, bold=True, colour=_rgb(o.colour))
        if not o.members:
            for ln in o.lines:
                pdf.para(f"{ln.ref} {ln.description} — {ln.classification}", size=7.5, indent=2)
            pdf.bullets(o.operative_reasons, indent=2, size=7.5)
        for chain in o.chains:
            pdf.para(chain.label, size=7.5, bold=True, indent=2)
            pdf.para(" · ".join(f"{i}. {r}" for i, r in enumerate(chain.reasons, 1)), size=7, indent=4, colour=GREY)
    classified = [line for line in view.lines if line.get("classify_reasons")]
    if classified:
        pdf.para("Classifications", size=8.5, bold=True)
        for line in classified:
            pdf.labelled(f"{short_ref(line.get('ref'))} {line['label']}:", "; ".join(line["classify_reasons"]),
                         size=7, indent=2, colour=GREY)
    if view.other_reasons:
        pdf.para("Lesser findings behind the verdict", size=8.5, bold=True)
        pdf.bullets(view.other_reasons, size=7)
    if view.citations:
        pdf.para(f"Citations ({len(view.citations)})", size=8.5, bold=True)
        pdf.para(" · ".join(view.citations), size=6.5, indent=2, colour=GREY)


def _draw_chart(pdf: MemoPDF, view: MemoView) -> None:
    """Horizontal stacked bars (ledger before, this package) with the allocation as a tick."""
    top = view.chart_max
    label_w, note_w, row_h = 16.0, 58.0, 6.5
    plot_w = pdf.epw - label_w - note_w
    needed = row_h * len(view.bars) + 10
    if pdf.get_y() + needed > pdf.h - pdf.b_margin:
        pdf.add_page()
    x0 = pdf.l_margin + label_w
    y = pdf.get_y() + 1
    scale = plot_w / top if top > 0 else 0.0
    for bar in view.bars:
        pdf.font(8.5, bold=True)
        pdf.set_xy(pdf.l_margin, y)
        pdf.cell(label_w, 5, pdf.safe(bar.label))
        w_before = bar.ledger_before * scale
        w_pkg = max(bar.tpp * scale, 0.4)
        if w_before > 0:
            pdf.set_fill_color(*_rgb(BAR_BEFORE))
            pdf.rect(x0, y + 0.5, w_before, 4, style="F")
        pdf.set_fill_color(*_rgb(BAR_OVER if bar.over else BAR_PACKAGE))
        pdf.rect(x0 + w_before, y + 0.5, w_pkg, 4, style="F")
        if bar.allocation is not None:
            xa = x0 + bar.allocation * scale
            pdf.set_draw_color(*_rgb(ALLOCATION))
            pdf.set_line_width(0.6)
            pdf.line(xa, y - 0.5, xa, y + 5.5)
            pdf.set_line_width(0.2)
        pdf.font(7.5)
        pdf.set_xy(x0 + plot_w + 2, y)
        note = f"{fmt_number(bar.after)} TPP"
        if bar.allocation is not None:
            note += f" of {fmt_number(bar.allocation)}"
        pdf.cell(note_w - 2, 5, pdf.safe(note))
        y += row_h
    pdf.set_xy(pdf.l_margin, y)
    pdf.font(7)
    pdf.set_text_color(*GREY)
    pdf.cell(pdf.epw, 4, pdf.safe("grey: already in ledger · blue: this package (red if over) · black tick: allocation"),
             new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(*INK)
    pdf.ln(1)
