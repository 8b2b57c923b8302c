"""Landscape charts with matplotlib: systems and share of Rmax over time, lead changes marked.

Two panels share the time axis: the number of systems each country has on the list (of 500), and its
share of the list's summed Rmax. A dotted vertical line marks each edition where the lead changed on
that panel's measure (among the countries compared; for one country, the world lead it took or lost).
The figure is drawn in memory through matplotlib's object API (no pyplot state, no display needed) and
written atomically: a temporary file renamed over the target.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

from exportgate.errors import InputError
from exportgate.io import write_atomic
from exportgate.landscape.editions import edition_years
from exportgate.landscape.views import Comparison, CountryHistory, LeadChange, Standing

FORMATS = {".png": "png", ".svg": "svg"}
SIZE_INCHES = (10.0, 7.0)
DPI = 120
#: lead-change labels are stacked on this many levels (fraction of the panel height each) so neighbours do not collide
LABEL_LEVELS = 4
LABEL_BAND = 0.07


def chart_format(path: Path | str, field: str = "--plot") -> str:
    """The format a chart path names by its suffix (``.png`` or ``.svg``)."""
    fmt = FORMATS.get(Path(path).suffix.lower())
    if fmt is None:
        raise InputError(field, f"a chart is written as .png or .svg, not {Path(path).name!r}")
    return fmt


def render(series: dict[str, list[Standing]], changes: Sequence[LeadChange], *, fmt: str, title: str,
           caption: str) -> bytes:
    """The chart as PNG or SVG bytes."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator, PercentFormatter

    fig = Figure(figsize=SIZE_INCHES, dpi=DPI, layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True)
    colours: dict[str, str] = {}
    for code, standings in series.items():
        xs = [edition_years(s.edition) for s in standings]
        label = f"{standings[0].name} ({code})" if standings else code
        (line,) = top.plot(xs, [s.systems for s in standings], marker=".", linewidth=1.6, label=label)
        colours[code] = line.get_color()
        bottom.plot(xs, [s.rmax_pct for s in standings], marker=".", linewidth=1.6, color=colours[code])
    for axis, measure, ylabel in ((top, "systems", "systems on the list (of 500)"),
                                  (bottom, "rmax", "share of the list's Rmax")):
        axis.set_ylabel(ylabel)
        axis.grid(True, alpha=0.3)
        marked = sorted((c for c in changes if c.measure == measure), key=lambda c: c.edition)
        levels = min(len(marked), LABEL_LEVELS)
        # room above the data for the labels: one band per label level
        highest = max((s.systems if measure == "systems" else s.rmax_pct for ss in series.values() for s in ss),
                      default=0.0)
        axis.set_ylim(0, max(highest, 1.0) / (1 - LABEL_BAND * levels - 0.03))
        for i, change in enumerate(marked):
            x = edition_years(change.edition)
            colour = colours.get(change.leader, "0.3")
            axis.axvline(x, color=colour, linestyle=":", linewidth=1.2)
            axis.annotate(f"{change.edition} {change.leader} ahead", xy=(x, 1 - LABEL_BAND * (i % LABEL_LEVELS) - 0.02),
                          xycoords=("data", "axes fraction"), xytext=(3, 0), textcoords="offset points",
                          va="top", ha="left", fontsize=7, color=colour,
                          bbox={"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.8})
    top.yaxis.set_major_locator(MaxNLocator(integer=True))
    bottom.yaxis.set_major_formatter(PercentFormatter(decimals=None))
    bottom.set_xlabel("TOP500 list (June and November editions)")
    top.set_title(title)
    top.legend(loc="upper left", fontsize=8, ncols=min(len(series), 4))
    fig.text(0.01, 0.0, caption, fontsize=7, color="0.35", ha="left", va="bottom")
    fig.get_layout_engine().set(h_pad=0.1, rect=(0, 0.03, 1, 0.97))  # type: ignore[union-attr, call-arg]
    buffer = io.BytesIO()
    metadata = {"Date": None} if fmt == "svg" else {"Software": None}
    fig.savefig(buffer, format=fmt, metadata=metadata)
    return buffer.getvalue()


def _who(codes: Sequence[str]) -> str:
    return ", ".join(codes)


def comparison_chart(comparison: Comparison, fmt: str) -> bytes:
    """The countries compared, lead changes among them marked (``landscape compare --plot``, the web page)."""
    return render(comparison.series, comparison.lead_changes, fmt=fmt,
                  title=f"TOP500 compute: {_who(comparison.countries)}",
                  caption=_caption(comparison.citation, comparison.database_editions, len(comparison.editions),
                                   bool(comparison.lead_changes)))


def history_chart(history: CountryHistory, fmt: str) -> bytes:
    """One country, the world lead changes it took part in marked (``landscape country --plot``, the web page)."""
    return render({history.country: history.editions}, history.lead_changes, fmt=fmt,
                  title=f"TOP500 compute: {history.name} ({history.country})",
                  caption=_caption(history.citation, history.database_editions, len(history.editions),
                                   bool(history.lead_changes)))


def plot_comparison(comparison: Comparison, path: Path | str) -> Path:
    """``landscape compare --plot``: the chart written to ``path`` (.png or .svg)."""
    return write_atomic(path, comparison_chart(comparison, chart_format(path)), "--plot")


def plot_history(history: CountryHistory, path: Path | str) -> Path:
    """``landscape country --plot``: the chart written to ``path`` (.png or .svg)."""
    return write_atomic(path, history_chart(history, chart_format(path)), "--plot")


def _caption(citation: str, database_editions: Sequence[str], editions: int, marked: bool) -> str:
    imported = len(database_editions)
    if not imported:
        where = "per-country facts shipped with exportgate"
    elif imported >= editions:
        where = f"imported lists, all {imported} editions"
    else:
        where = f"imported lists for {imported} editions, shipped per-country facts for the rest"
    return f"Source: {citation} ({where})." + (" Dotted lines: the edition where the lead changed." if marked else "")
