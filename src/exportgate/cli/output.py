"""How the command line prints: text from packages and lists is shown, never obeyed.

Every rich console of the CLI comes from :func:`console`. It reads no markup and no emoji codes in text
(a party named ``ACME [/x]`` or ``[conceal]`` is printed as written: rich would crash on the first and
hide the rest of the line on the second), and every string it renders, in a print, a table cell or a
title, has its control characters and bidirectional overrides written as escapes
(:func:`exportgate.safe.terminal_text`), so a name cannot move the cursor, clear the screen or reorder
what follows it. Styling is done with :func:`styled` and :func:`line` (rich ``Text`` with a style),
never with markup in a string.

:func:`pipe_closed_ok` makes ``exportgate check PKG | head`` a success: a reader that stops reading is no
failure of ours (the command keeps its exit code, e.g. the verdict's).
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys
from collections.abc import Iterable, Iterator
from typing import Any

from rich.console import Console, ConsoleOptions, RenderableType
from rich.segment import Segment
from rich.table import Table
from rich.text import Text

from exportgate.safe import terminal_text

__all__ = ["console", "line", "pipe_closed_ok", "print_table", "silence_stdout", "styled"]


class _InertConsole(Console):
    """A rich console for text other people wrote (see the module docstring)."""

    def render_str(self, text: str, **kwargs: Any) -> Text:
        kwargs["markup"] = False
        kwargs["emoji"] = False
        return super().render_str(terminal_text(text), **kwargs)

    def on_broken_pipe(self) -> None:
        # rich exits with status 1 here; a reader that stopped reading is no failure of ours: hand the
        # error to `pipe_closed_ok` (which keeps the command's exit code) or to the app's handler (exit 0)
        self.quiet = True
        raise BrokenPipeError(errno.EPIPE, "the reader of stdout has gone")

    def render(self, renderable: RenderableType, options: ConsoleOptions | None = None) -> Iterable[Segment]:
        # The last guard: a Text built elsewhere (a library's renderable) is shown, not obeyed, too.
        for segment in super().render(renderable, options):
            if segment.control or (segment.text.isascii() and segment.text.isprintable()):
                yield segment
            else:
                yield Segment(terminal_text(segment.text), segment.style, segment.control)


def console(*, stderr: bool = False, width: int | None = None, highlight: bool = True) -> Console:
    """The console every command prints with (stdout, or stderr with ``stderr``)."""
    return _InertConsole(stderr=stderr, width=width, highlight=highlight, markup=False, emoji=False)


def styled(text: object, style: str = "") -> Text:
    """``text`` (any value, shown with ``str``) in a rich style, e.g. ``styled(name, "bold")``."""
    return Text(terminal_text(str(text)), style=style)


def line(*parts: object | tuple[object, str]) -> Text:
    """One line of plain and styled parts: ``line("verdict: ", (verdict, "bold"))``."""
    out = Text()
    for part in parts:
        if isinstance(part, tuple):
            out.append(terminal_text(str(part[0])), style=part[1])
        else:
            out.append(terminal_text(str(part)))
    return out


def silence_stdout() -> None:
    """Point stdout at the null device: the reader has gone, and Python's own flush at exit must not
    fail with ``BrokenPipeError`` (which would print a traceback and change the exit code to 120)."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


@contextlib.contextmanager
def pipe_closed_ok() -> Iterator[None]:
    """Print inside this block; if the reader of stdout has gone (``| head``), stop printing quietly."""
    try:
        yield
        sys.stdout.flush()
    except BrokenPipeError:
        silence_stdout()


# --- tables on the terminal and through a pipe ---------------------------------------------------------------
#
# Rich fits a table to the console; piped (``exportgate check … | less``, ``> report.txt``) the console is 80
# columns wide, and rich then folds or cuts every column alike — ``27,648,…`` or ``license_requi``.
# :func:`print_table` keeps the columns that hold figures or identifiers whole (never wrapped, never cut, at
# least as wide as their longest cell) and, when stdout is not a terminal, widens the console to the table's
# natural width (up to :data:`PIPE_MAX_WIDTH`), so only text columns wrap, at word boundaries.

#: the widest a table is drawn when stdout is not a terminal (text columns wrap beyond it, figures never)
PIPE_MAX_WIDTH = 160


def print_table(table: Table, figures: Iterable[str] = (), console: Console | None = None) -> None:
    """Print ``table``: its right-aligned columns and the columns named in ``figures`` (by header) are kept
    whole; on a pipe the table is drawn at its natural width up to :data:`PIPE_MAX_WIDTH` columns."""
    from rich.cells import cell_len
    from rich.measure import Measurement

    out = console or _InertConsole(markup=False, emoji=False)
    keep = set(figures)
    for col in table.columns:
        if col.justify == "right" or str(col.header) in keep:
            cells = [c.plain if isinstance(c, Text) else str(c) for c in col.cells]
            col.no_wrap = True
            col.overflow = "ignore"
            col.min_width = max([cell_len(str(col.header)), *(cell_len(c) for c in cells)])
    if not out.is_terminal:
        natural = Measurement.get(out, out.options.update(width=10_000), table).maximum
        width = max(out.width, min(natural, PIPE_MAX_WIDTH))
        out = _InertConsole(width=width, highlight=False, markup=False, emoji=False, no_color=out.no_color,
                            file=out.file)
    out.print(table)
