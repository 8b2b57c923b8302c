"""Inert output: text from counterparties and from the lists, made safe for where it is shown.

exportgate shows names and descriptions that other people wrote (a package file, a list entry fetched from
the internet) in places that interpret text: a spreadsheet runs a cell that starts with ``=``, a terminal
obeys escape sequences, rich reads ``[bold]`` as markup. Each function here makes a value inert for one
such place; the code that writes to that place calls it.

- :func:`csv_cell`: one cell of a CSV file meant for spreadsheets (formula injection, OWASP).
- :func:`terminal_text`: text for a terminal (control characters and bidirectional overrides shown,
  not obeyed). Rich markup is switched off in the CLI's console (``exportgate.cli.output``).
- :func:`shown`: a value quoted in an error message, cut to a bounded length.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["CSV_FORMULA_PREFIXES", "csv_cell", "shown", "terminal_text"]

#: the characters that make a spreadsheet read a cell as a formula (OWASP "CSV Injection"): =, +, -, @,
#: and tab and carriage return (a cell that starts with one is re-read from the next character on)
CSV_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def csv_cell(value: Any) -> Any:
    """``value`` made inert for a CSV cell a spreadsheet may open.

    A string that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading
    single quote (``'=HYPERLINK(...)``), which spreadsheets show and never evaluate, as OWASP recommends.
    A string that is a plain number (``-3``, ``+1.5e3``) is left as it is: no spreadsheet reads a number
    as a formula. Anything that is not a string (numbers, ``None``) is returned unchanged.
    """
    if not isinstance(value, str) or not value.startswith(CSV_FORMULA_PREFIXES):
        return value
    if _NUMBER.fullmatch(value):
        return value
    return "'" + value


# C0 and C1 control characters except tab and newline, DEL, and the bidirectional embeddings, overrides
# and isolates (which reorder what follows them on screen: "Trojan source")
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def terminal_text(text: str) -> str:
    """``text`` with every character that a terminal would obey rather than show (escape sequences,
    backspace, carriage return, bidirectional overrides) written as its escape, e.g. ``\\x1b``."""
    if text.isascii() and text.isprintable():
        return text
    return _UNSAFE.sub(lambda m: repr(m.group())[1:-1], text)


def shown(value: Any, width: int = 60) -> str:
    """``value`` as an error message quotes it: its ``repr`` cut to ``width`` characters; a mapping or a
    list by its kind and size, never its content (an error must not echo a whole document back)."""
    if isinstance(value, dict):
        return f"a mapping of {len(value)} key{'s' if len(value) != 1 else ''}"
    if isinstance(value, list | tuple):
        return f"a list of {len(value)} entr{'ies' if len(value) != 1 else 'y'}"
    if isinstance(value, bytes | bytearray):
        return f"{len(value)} bytes"
    text = repr(value)
    return text if len(text) <= width else text[: width - 1] + "…"
