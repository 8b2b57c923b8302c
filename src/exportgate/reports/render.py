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
from exportgate.reports.view import FORMATS, STATUS_COLOURS, build_view, fmt_number, humanize

Format = Literal["html", "md", "pdf"]

#: file suffix -> format, for :func:`write_report`.
SUFFIXES: dict[str, Format] = {".html": "html", ".htm": "html", ".md": "md", ".markdown": "md", ".pdf": "pdf"}


class _Md(str):
    """Text already made safe for the Markdown memo (the template's ``finalize`` passes it through)."""


_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")


def _md_text(value: Any) -> str:
    """A value as inert Markdown prose, on one line: raw HTML cannot start (``<`` written as ``&lt;``, as
    the HTML memo escapes it), no link or image can be formed (``[`` and ``]`` escaped), no entity is
    decoded (``&amp;`` where one would be), and no line break can start a heading, a list or a code fence."""
    text = " ".join(str(value).split())
    text = text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")
    return _ENTITY.sub("&amp;", text).replace("<", "&lt;")


def _md_finalize(value: Any) -> Any:
    """Every ``{{ ... }}`` of the Markdown template: inert text, unless a helper already made it so."""
    if isinstance(value, _Md) or value is None:
        return value
    return _md_text(value)


def _md_cell(value: Any) -> _Md:
    """A value fit for one Markdown table cell (inert text, pipes escaped, on one line)."""
    if value is None or value == "":
        return _Md("—")
    return _Md(_md_text(value).replace("|", "\\|"))


def _md_code(value: Any, cell: bool = False) -> _Md:
    """A value as an inline code span (shown verbatim: nothing inside one is Markdown or HTML), fenced
    with more backticks than any run in the value; in a table cell its pipes are escaped."""
    text = " ".join(str("—" if value is None or value == "" else value).split())
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    if longest:
        text = f" {text} "
    if cell:
        text = text.replace("|", "\\|")
    return _Md(f"{fence}{text}{fence}")


@lru_cache(maxsize=2)
def _env(markdown: bool = False) -> Environment:
    """The template environment: HTML with Jinja's autoescaping; Markdown with :func:`_md_finalize`
    (every value inert; ``cell`` and ``code`` for table cells and code spans)."""
    env = Environment(
        loader=PackageLoader("exportgate.reports", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=False,
        lstrip_blocks=False,
        keep_trailing_newline=True,
        finalize=_md_finalize if markdown else None,
    )
    env.globals.update(
        num=fmt_number,
        human=humanize,
        cell=_md_cell,
        code=_md_code,
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
    text = _env(markdown=True).get_template("memo.md.j2").render(
        v=view, text_chart=_Md(text_bar_chart(view.bars, view.chart_max)))
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
