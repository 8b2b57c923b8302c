"""Parsing OFAC free-text remarks: DOB, nationality/citizenship, identifiers, weak a.k.a.s, Linked To.

OFAC writes remarks as ``; ``-separated segments, e.g. ``DOB 10 Dec 1948; POB Giza, Egypt;
nationality Egypt; Passport 1084010 (Egypt); alt. Passport 19820215; a.k.a. 'BNC'; Linked To: HAMAS.``
Only what is unambiguous is extracted; the full remarks text is kept on the entity as well.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from exportgate.screen.lists.countries import to_iso2
from exportgate.screen.model import Identifier, Name, NameKind

_MONTHS = {
    m: i
    for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)
}
_DATE_DMY = re.compile(r"^(\d{1,2}) ([A-Za-z]{3})[a-z]* (\d{4})$")
_DATE_MY = re.compile(r"^([A-Za-z]{3})[a-z]* (\d{4})$")
_YEAR = re.compile(r"^(\d{4})$")
_YEAR_RANGE = re.compile(r"^(\d{4}) to (\d{4})$")
_ALT = re.compile(r"^alt\.\s+", re.IGNORECASE)
_WEAK = re.compile(r"^(a\.k\.a\.|f\.k\.a\.|n\.k\.a\.)\s+'(.+)'$", re.IGNORECASE)
_PAREN_TAIL = re.compile(r"\s*\(([^()]+)\)$")
_ISSUED = re.compile(r"\s*;?\s*\b(?:issued|expires)\b.*$")
# Identifier kinds end with one of these words (greedy, so "Tax ID No." wins over "Tax ID").
_ID = re.compile(
    r"^(?P<kind>(?:[A-Za-z][^:]*\s)?(?:No\.?|Number(?: \(MSN\))?|ID|#|Identification(?: IMO)?|IMO|Passport|"
    r"SWIFT/BIC|MMSI|Code(?: \(USCC\))?|Card|C\.U\.R\.P\.|R\.F\.C\.|RFC|D\.N\.I\.|Address - [A-Z0-9]+|"
    r"Website|Email Address|Credencial electoral|\(CBLS\)|BIK \(RU\)|ISIN))\s+(?P<value>\S.*)$"
)
_NO_DIGIT_OK = ("Website", "Email Address")


@dataclass(slots=True)
class ParsedRemarks:
    dates_of_birth: list[str] = field(default_factory=list)
    places_of_birth: list[str] = field(default_factory=list)
    nationalities: list[str] = field(default_factory=list)  # ISO alpha-2
    citizenships: list[str] = field(default_factory=list)  # ISO alpha-2
    identifiers: list[Identifier] = field(default_factory=list)
    weak_names: list[Name] = field(default_factory=list)
    linked_to: list[str] = field(default_factory=list)
    gender: str | None = None


def parse_date(text: str) -> list[str]:
    """OFAC date text to ISO dates/years: ``10 Dec 1948`` -> ``1948-12-10``; ``circa 1960`` -> ``1960``."""
    t = text.strip().strip(".")
    t = re.sub(r"^(circa|approximately|about)\s+", "", t, flags=re.IGNORECASE)
    if m := _DATE_DMY.match(t):
        month = _MONTHS.get(m.group(2).lower())
        if month:
            return [f"{m.group(3)}-{month:02d}-{int(m.group(1)):02d}"]
    if m := _DATE_MY.match(t):
        month = _MONTHS.get(m.group(1).lower())
        if month:
            return [f"{m.group(2)}-{month:02d}"]
    if m := _YEAR.match(t):
        return [m.group(1)]
    if m := _YEAR_RANGE.match(t):
        return [m.group(1), m.group(2)]
    return []


def split_segments(remarks: str) -> list[str]:
    text = remarks.strip()
    if text.endswith("."):
        text = text[:-1]
    return [s.strip() for s in text.split("; ") if s.strip()]


def parse_remarks(remarks: str | None) -> ParsedRemarks:
    out = ParsedRemarks()
    if not remarks:
        return out
    for seg in split_segments(remarks):
        if m := _WEAK.match(seg):
            out.weak_names.append(Name(m.group(2).strip(), NameKind.WEAK))
            continue
        if seg.startswith("Linked To:"):
            out.linked_to.append(seg[len("Linked To:") :].strip())
            continue
        body = _ALT.sub("", seg)
        head, _, rest = body.partition(" ")
        if head == "DOB":
            out.dates_of_birth.extend(d for d in parse_date(rest) if d not in out.dates_of_birth)
        elif head == "POB":
            out.places_of_birth.append(rest)
        elif head == "nationality":
            _add_country(out.nationalities, rest)
        elif head == "citizen":
            _add_country(out.citizenships, rest)
        elif head == "Gender":
            out.gender = rest
        else:
            ident = parse_identifier(body)
            if ident is not None:
                out.identifiers.append(ident)
    return out


def _add_country(target: list[str], text: str) -> None:
    code = to_iso2(text)
    if code and code not in target:
        target.append(code)


def parse_identifier(segment: str) -> Identifier | None:
    """``Passport 042833 (Lebanon)`` -> Identifier("Passport", "042833", "LB"); None if not an identifier."""
    m = _ID.match(segment)
    if not m:
        return None
    kind, value = m.group("kind").strip(), m.group("value").strip()
    value = _ISSUED.sub("", value)
    country = None
    if pm := _PAREN_TAIL.search(value):
        code = to_iso2(pm.group(1))
        if code:
            country = code
            value = value[: pm.start()].strip()
    if not value or (kind not in _NO_DIGIT_OK and not any(ch.isdigit() for ch in value)):
        return None
    return Identifier(kind=kind, value=value, country=country)
