"""The compute-per-destination chart: inline SVG for HTML, a text bar chart for Markdown.

Each bar stacks what the ledger already held for the destination (grey) and what this package adds
(blue, red when it exceeds the allocation); an allocation in force is drawn as a dark tick with its
figure. The PDF draws the same chart with fpdf2 primitives (see ``pdf.py``).
"""

from __future__ import annotations

from markupsafe import Markup, escape

from exportgate.reports.view import Bar, fmt_number

BAR_BEFORE = "#9ca3af"
BAR_PACKAGE = "#2563eb"
BAR_OVER = "#dc2626"
ALLOCATION = "#111827"


def svg_bar_chart(bars: list[Bar], top: float, width: int = 720,
                  legend: tuple[str, str] = ("already in ledger", "this package")) -> Markup:
    """A horizontal bar chart of TPP per destination as an inline ``<svg>`` element. ``legend``: what the grey
    and the blue part of a bar are (the memo: the ledger before and the package; the ledger page: earlier years
    and this year)."""
    if not bars:
        return Markup("")
    label_w, value_w, row_h, pad = 60, 250, 34, 10
    plot_w = width - label_w - value_w - 2 * pad
    height = pad * 2 + row_h * len(bars) + 18
    scale = plot_w / top if top > 0 else 0.0
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="compute-chart" role="img" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'aria-label="Compute (TPP) per destination">',
        "<title>Compute (TPP) per destination</title>",
    ]
    for i, bar in enumerate(bars):
        y = pad + i * row_h
        x0 = pad + label_w
        w_before = bar.ledger_before * scale
        w_pkg = bar.tpp * scale
        colour = BAR_OVER if bar.over else BAR_PACKAGE
        parts.append(
            f'<text x="{pad}" y="{y + 17}" font-size="13" font-weight="bold">{escape(bar.label)}</text>'
        )
        if w_before > 0:
            parts.append(
                f'<rect x="{x0:.1f}" y="{y + 4}" width="{w_before:.1f}" height="18" fill="{BAR_BEFORE}">'
                f"<title>{escape(legend[0])}: {fmt_number(bar.ledger_before)} TPP</title></rect>"
            )
        parts.append(
            f'<rect class="bar" data-country="{escape(bar.label)}" data-tpp="{bar.tpp:g}" '
            f'x="{x0 + w_before:.1f}" y="{y + 4}" width="{max(w_pkg, 1.0):.1f}" height="18" '
            f'fill="{colour}"><title>{escape(legend[1])}: {fmt_number(bar.tpp)} TPP</title></rect>'
        )
        if bar.allocation is not None:
            xa = x0 + bar.allocation * scale
            parts.append(
                f'<line x1="{xa:.1f}" y1="{y}" x2="{xa:.1f}" y2="{y + 26}" stroke="{ALLOCATION}" '
                f'stroke-width="2"><title>allocation: {fmt_number(bar.allocation)} TPP</title></line>'
            )
        note = f"{fmt_number(bar.after)} TPP"
        if bar.allocation is not None:
            note += f" of {fmt_number(bar.allocation)}"
        parts.append(f'<text x="{x0 + plot_w + 8}" y="{y + 17}" font-size="12">{escape(note)}</text>')
    legend_y = height - 8
    parts.append(
        f'<rect x="{pad}" y="{legend_y - 10}" width="10" height="10" fill="{BAR_BEFORE}"/>'
        f'<text x="{pad + 14}" y="{legend_y}" font-size="11">{escape(legend[0])}</text>'
        f'<rect x="{pad + 130}" y="{legend_y - 10}" width="10" height="10" fill="{BAR_PACKAGE}"/>'
        f'<text x="{pad + 144}" y="{legend_y}" font-size="11">{escape(legend[1])}</text>'
        f'<line x1="{pad + 240}" y1="{legend_y - 11}" x2="{pad + 240}" y2="{legend_y + 1}" '
        f'stroke="{ALLOCATION}" stroke-width="2"/>'
        f'<text x="{pad + 246}" y="{legend_y}" font-size="11">allocation in force</text>'
    )
    parts.append("</svg>")
    return Markup("".join(parts))


def text_bar_chart(bars: list[Bar], top: float, width: int = 40) -> str:
    """A monospace bar chart: ``▒`` already in the ledger, ``█`` this package, ``|`` the allocation."""
    if not bars:
        return ""
    label_w = max(len(b.label) for b in bars)
    lines = []
    for bar in bars:
        n_before = round(bar.ledger_before / top * width) if top > 0 else 0
        n_pkg = round(bar.after / top * width) - n_before if top > 0 else 0
        if bar.tpp > 0:
            n_pkg = max(n_pkg, 1)
        cells = ["▒"] * n_before + ["█"] * n_pkg
        cells += [" "] * (width - len(cells))
        if bar.allocation is not None and top > 0:
            pos = min(round(bar.allocation / top * width), width - 1)
            cells[pos] = "|"
        note = f"{fmt_number(bar.after)} TPP"
        if bar.allocation is not None:
            note += f" of {fmt_number(bar.allocation)} allocated"
        lines.append(f"{bar.label.ljust(label_w)} {''.join(cells)} {note}")
    return "\n".join(lines)
