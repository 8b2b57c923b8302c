"""The date of a list file's content: what the file says about itself, never the day it was fetched.

A screening result is only as good as the date of the lists it used, and that date is shown in every memo,
so it must not be invented: a 2022 Entity List copied today is a 2022 list. In order of trust:

1. the file's own publication date (OFAC Enhanced XML ``publicationInfo/dataAsOf``): exact; a different
   ``--as-of`` is an error;
2. the date the user states (``--as-of``), which may not be earlier than any date the file itself states;
3. a full date (YYYY-MM-DD) in the file name (``sdn_2024-05-03.csv.gz``), under the same condition;
4. the latest date the content states (CSL ``start_date`` of its rows and ``sources_used`` dates, FTM
   ``last_change``): the list was published on or after it (a lower bound, so a list may look older than
   it is, never newer);
5. the server's HTTP ``Last-Modified`` (a hint only: the file says nothing, the server vouches for it);

else the update is refused, asking for ``--as-of``. Dates later than today are not believed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from exportgate.errors import InputError

_DATE_IN_NAME = re.compile(r"(?<!\d)(\d{4}-\d{2}-\d{2})(?!\d)")

#: how an ``as_of`` was found (``as_of_basis`` in a version's manifest.json)
BASIS_DATA_AS_OF = "file: publicationInfo/dataAsOf"
BASIS_OPTION = "--as-of"
BASIS_NAME = "file name"
BASIS_LATEST = "file: latest date it states (a lower bound)"
BASIS_LAST_MODIFIED = "HTTP Last-Modified (a hint: the file states no date)"


@dataclass(frozen=True, slots=True)
class ContentDate:
    """A date read from a file's content: ``exact`` (its publication date) or a lower bound of it."""

    day: str
    exact: bool
    basis: str


def iso_day(value: str | None) -> str | None:
    """``value`` if it is a valid ISO day (YYYY-MM-DD), else None."""
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10]).isoformat() if len(value) >= 10 else None
    except ValueError:
        return None


def name_date(name: str) -> str | None:
    """A full date in a file name or URL's last segment (``sdn_2024-05-03.csv.gz``), if valid."""
    base = name.rsplit("/", 1)[-1].split("?", 1)[0]
    m = _DATE_IN_NAME.search(base)
    return iso_day(m.group(1)) if m else None


def content_date(path: Path, kind: str, today: date | None = None) -> ContentDate | None:
    """What the file at ``path`` (of list-file ``kind``) says about its own date, if anything."""
    from exportgate.screen.lists import csl, enhanced_xml, ftm

    today_iso = (today or datetime.now(UTC).date()).isoformat()
    if kind == "enhanced_xml":
        day = iso_day(enhanced_xml.data_as_of(path))
        return ContentDate(day, True, BASIS_DATA_AS_OF) if day and day <= today_iso else None
    stated: list[str] = []
    if kind in ("csl", "csl_json"):
        stated = csl.stated_dates(path)
    elif kind == "ftm":
        stated = ftm.stated_dates(path)
    days = [d for d in (iso_day(v) for v in stated) if d and d <= today_iso]
    return ContentDate(max(days), False, BASIS_LATEST) if days else None


def resolve_as_of(
    label: str,
    content: ContentDate | None,
    *,
    stated: str | None = None,
    name: str | None = None,
    last_modified: str | None = None,
) -> tuple[str, str]:
    """(the content date of a new list file, how it was found), by the order in the module docstring;
    an :class:`InputError` on ``label`` when the sources disagree or there is none."""
    if content is not None and content.exact:
        if stated is not None and stated != content.day:
            raise InputError(label, f"--as-of {stated} disagrees with the date the file states ({content.day}, "
                             f"{content.basis.removeprefix('file: ')})")
        return content.day, content.basis
    bound = content.day if content is not None else None
    for value, basis in ((stated, BASIS_OPTION), (name, BASIS_NAME)):
        if value is None:
            continue
        if bound is not None and value < bound:
            said = "--as-of" if basis == BASIS_OPTION else "its name"
            raise InputError(label, f"{said} says {value}, but the file lists entries dated up to {bound}: "
                             "it cannot be older than that")
        return value, basis
    if bound is not None:
        return bound, BASIS_LATEST
    if last_modified is not None:
        return last_modified, BASIS_LAST_MODIFIED
    raise InputError(label, "the file states no date of its own (its format has none, its name holds no "
                     "YYYY-MM-DD date, and no Last-Modified came with it): give the date the list was "
                     "published with --as-of YYYY-MM-DD")
