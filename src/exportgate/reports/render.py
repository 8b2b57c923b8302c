"""Render a package check result as an HTML, Markdown or PDF decision memo, and write it atomically."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from exportgate.errors import InputError
from exportgate.io import write_atomic
from exportgate.reports.charts import svg_bar_chart, text_bar_chart
from exportgate.reports.view import (
    FORMATS,
    STATUS_COLOURS,
    build_view,
    classification_label,
    fmt_number,
    humanize,
    short_ref,
)

Format = Literal["html", "md", "pdf"]

#: file suffix -> format, for :func:`write_report`.
SUFFIXES: dict[str, Format] = {".html": "html", ".htm": "html", ".md": "md", ".markdown": "md", ".pdf": "pdf"}


#: characters that open Markdown inline syntax or raw HTML, escaped with a backslash (CommonMark) wherever a
#: package or list text goes into the Markdown memo; ``_`` only where it could start or end emphasis, ``]`` only
#: where it could close a link or image (``](``, ``][``, ``]:``; the memo defines no link references)
_MD_SPECIAL = re.compile(r"[\\`*>|&~]|\](?=[(\[:])|(?<!\w)_|_(?!\w)")
#: what would open a block (heading, list, quote) at the start of a text placed after "- " or at a line start
_MD_BLOCK_START = re.compile(r"^(?:(#|[-+](?=\s))|\d+([.)])(?=\s))")


def md_text(value: Any) -> str:
    """Package or list text as literal Markdown: inline syntax, raw HTML and block starts escaped, on one line."""
    if value is None:
        return ""
    text = re.sub(r"\s+", " ", str(value))
    text = _MD_SPECIAL.sub(lambda m: "\\" + m.group(0), text)
    # raw HTML cannot start: "<" as the HTML memo writes it (an entity every Markdown renderer shows as text)
    text = text.replace("<", "&lt;")
    return _MD_BLOCK_START.sub(_escape_block_start, text)


def _escape_block_start(m: re.Match[str]) -> str:
    if m.group(1):
        return "\\" + m.group(1)
    return m.group(0)[:-1] + "\\" + m.group(2)  # "12. x" -> "12\. x"


def _md_cell(value: Any) -> str:
    """A value fit for one Markdown table cell (escaped, pipes included, on one line; empty: —)."""
    text = md_text(value).strip()
    return text or "—"


@lru_cache(maxsize=1)
def _env() -> Environment:
    env = Environment(
        loader=PackageLoader("exportgate.reports", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=False,
        lstrip_blocks=False,
        keep_trailing_newline=True,
    )
    env.globals.update(
        num=fmt_number,
        human=humanize,
        cell=_md_cell,
        md=md_text,
        short=short_ref,
        label=classification_label,
        colour=lambda status: STATUS_COLOURS.get(str(status), "#374151"),
    )
    return env


def render(result: dict[str, Any], fmt: str) -> str | bytes:
    """The memo for ``result`` in ``fmt`` (``"html"`` and ``"md"`` give ``str``, ``"pdf"`` gives ``bytes``).

    Raises :class:`InputError` for an unknown format or a result without a known verdict or content hash.
    """
    if fmt not in FORMATS:
        raise InputError("format", f"must be one of {', '.join(FORMATS)}, not {fmt!r}")
    view = build_view(result)
    if fmt == "pdf":
        from exportgate.reports.pdf import render_pdf

        return render_pdf(view)
    if fmt == "html":
        chart = svg_bar_chart(view.bars, view.chart_max)
        return _env().get_template("memo.html.j2").render(v=view, chart=chart)
    text = _env().get_template("memo.md.j2").render(v=view, text_chart=text_bar_chart(view.bars, view.chart_max))
    # Collapse runs of blank lines the template's conditionals leave behind.
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text


def format_for(path: Path) -> Format:
    """The memo format a file name asks for, by its suffix."""
    fmt = SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        raise InputError(
            "report", f"{path.name}: unknown report format; use one of {', '.join(sorted(SUFFIXES))}"
        )
    return fmt


def write_report(result: dict[str, Any], path: Path | str) -> Path:
    """Render ``result`` in the format ``path``'s suffix names and write it atomically.

    The memo is rendered in memory first, then written with :func:`exportgate.io.write_atomic` (a
    temporary file in the same directory renamed over ``path``); a failure at any point leaves no
    partial memo (an earlier memo at ``path`` stays as it was).
    """
    path = Path(path)
    fmt = format_for(path)
    return write_atomic(path, render(result, fmt), field="report")
