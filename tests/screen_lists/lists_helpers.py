"""Helpers for the list tests (small real files cut from the embedded snapshot)."""

from __future__ import annotations

import gzip

from exportgate.screen.lists._data import data_dir

#: the small files, named with the date of the embedded file each is cut from (a date in the name is what
#: `lists update` reads for the OFAC CSV files, which state none themselves)
SMALL = {"sdn": "sdn_2024-05-03.csv", "alt": "alt_2026-06-02.csv", "add": "add_2026-06-02.csv",
         "sdn_comments": "sdn_comments_2025-01-03.csv", "csl": "consolidated_2022-04-21.csv"}


def embedded_text(name: str) -> str:
    return gzip.decompress((data_dir() / name).read_bytes()).decode("utf-8")


def head_lines(name: str, n: int, header: bool = False) -> str:
    """The first ``n`` data rows of an embedded file, in the official format (CRLF + Ctrl-Z for OFAC)."""
    lines = embedded_text(name).rstrip("\x1a").splitlines()
    keep = lines[: n + (1 if header else 0)]
    if header:
        return "\n".join(keep) + "\n"
    return "\r\n".join(keep) + "\r\n\x1a"
