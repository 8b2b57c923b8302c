"""Tables on the terminal and through a pipe: figures are never cut, text wraps.

Rich fits a table to the console; piped (``exportgate check … | less``, ``> report.txt``) the console is 80
columns wide, and rich then folds or cuts every column alike — ``27,648,…`` or ``license_requi`` / ``red``.
:func:`print_table` keeps the columns that hold figures or identifiers whole (never wrapped, never cut, at
least as wide as their longest cell) and, when stdout is not a terminal, widens the console to the table's
natural width (up to :data:`PIPE_MAX_WIDTH`), so only text columns wrap, at word boundaries.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

#: the widest a table is drawn when stdout is not a terminal (text columns wrap beyond it, figures never)
PIPE_MAX_WIDTH = 160


def print_table(table: Table, figures: Iterable[str] = (), console: Console | None = None) -> None:
    """Print ``table``: its right-aligned columns and the columns named in ``figures`` (by header) are kept
    whole; on a pipe the table is drawn at its natural width up to :data:`PIPE_MAX_WIDTH` columns."""
    from rich.cells import cell_len
    from rich.console import Console
    from rich.measure import Measurement

    console = console or Console()
    keep = set(figures)
    for col in table.columns:
        if col.justify == "right" or str(col.header) in keep:
            cells = [_plain(c) for c in col.cells]
            col.no_wrap = True
            col.overflow = "ignore"
            col.min_width = max([cell_len(str(col.header)), *(cell_len(c) for c in cells)])
    if not console.is_terminal:
        natural = Measurement.get(console, console.options.update(width=10_000), table).maximum
        width = max(console.width, min(natural, PIPE_MAX_WIDTH))
        console = Console(width=width, highlight=False, no_color=console.no_color, file=console.file)
    console.print(table)


def _plain(cell: object) -> str:
    """A cell as the reader sees it (markup removed)."""
    from rich.errors import MarkupError
    from rich.text import Text

    if isinstance(cell, Text):
        return cell.plain
    if isinstance(cell, str):
        try:
            return Text.from_markup(cell).plain
        except MarkupError:
            return cell
    return str(cell)
