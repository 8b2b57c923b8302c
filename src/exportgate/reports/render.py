"""Render a package check result as an HTML, Markdown or PDF decision memo, and write it atomically."""

from __future__ import annotations

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


def _md_cell(value: Any) -> str:
    """A value fit for one Markdown table cell (pipes escaped, on one line)."""
    if value is None or value == "":
        return "—"
    text = str(value).replace("\\", "\\\\").replace("|", "\\|")
    return " ".join(text.split())


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

    The memo is rendered in memory first, then written to a temporary file in the same directory and
    renamed over ``path`` with :func:`os.replace`; a failure at any point leaves no partial memo (an
    earlier memo at ``path`` stays as it was).
    """
    path = Path(path)
    fmt = format_for(path)
    content = render(result, fmt)
    data = content if isinstance(content, bytes) else content.encode("utf-8")
    return write_atomic(path, data, "report")
