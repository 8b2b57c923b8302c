"""Country names to ISO 3166-1 alpha-2, from the table in ``data/lists/countries.json``."""

from __future__ import annotations

import re
from functools import lru_cache

from exportgate.screen.lists._data import countries

_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=4096)
def to_iso2(text: str | None) -> str | None:
    """ISO alpha-2 code for a country name or code as the lists write it; None when unknown/empty."""
    if not text:
        return None
    value = _SPACES.sub(" ", text.strip().strip(".")).strip()
    if not value:
        return None
    table = countries()
    if len(value) == 2 and value.upper() in table["codes"]:
        return value.upper()
    code = table["names"].get(value.casefold())
    return str(code) if code else None
