"""Country names as TOP500 writes them, to the codes the landscape counts them under.

The table is data (``data/countries.yaml``), read once: every spelling the lists use maps to one code,
historical countries keep codes of their own (ISO 3166-3, e.g. ``CSHH`` for Czechoslovakia) and are
never folded into a successor. A name that is not in the table is an error, not a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from exportgate.errors import InputError, RuleDataError

TABLE = Path(__file__).parent / "data" / "countries.yaml"
_SPACES = re.compile(r"\s+")
_CODE = re.compile(r"^[A-Z]{2}([A-Z]{2})?$")


@dataclass(frozen=True)
class Country:
    """One code of the table: the name shown, the spellings TOP500 uses, and for a former country a note."""

    code: str
    name: str
    spellings: tuple[str, ...]
    historical: bool = False
    note: str | None = None


def _key(text: str) -> str:
    return _SPACES.sub(" ", text.strip()).casefold()


@dataclass(frozen=True)
class CountryTable:
    by_code: dict[str, Country]
    by_spelling: dict[str, str]

    def code_for(self, top500_name: object, field: str) -> str:
        """The code of a country name as a list writes it; unknown or empty names are errors on ``field``."""
        if not isinstance(top500_name, str) or not top500_name.strip():
            raise InputError(field, "no country given")
        code = self.by_spelling.get(_key(top500_name))
        if code is None:
            raise InputError(
                field,
                f"unknown country {top500_name.strip()!r}: not in the landscape's country table "
                "(exportgate/landscape/data/countries.yaml); add the spelling there on purpose",
            )
        return code

    def name(self, code: str) -> str:
        """The name shown for ``code`` (a code outside the table is shown as itself)."""
        entry = self.by_code.get(code)
        return entry.name if entry else code


def _load(path: Path) -> CountryTable:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise RuleDataError(f"{path.name}: cannot be read ({exc})") from None
    by_code: dict[str, Country] = {}
    by_spelling: dict[str, str] = {}
    for section, historical in (("countries", False), ("historical", True)):
        for code, entry in (raw.get(section) or {}).items():
            where = f"{path.name}: {section}.{code}"
            if not isinstance(code, str) or not _CODE.match(code):
                raise RuleDataError(f"{where}: a code is two or four capital letters")
            if code in by_code:
                raise RuleDataError(f"{where}: the code appears twice")
            if (len(code) == 4) != historical:
                raise RuleDataError(f"{where}: four-letter (ISO 3166-3) codes are for historical countries only")
            spellings = tuple(str(s) for s in entry.get("top500") or [])
            if not entry.get("name") or not spellings:
                raise RuleDataError(f"{where}: needs a name and at least one top500 spelling")
            for spelling in spellings:
                key = _key(spelling)
                if by_spelling.get(key, code) != code:
                    raise RuleDataError(f"{where}: spelling {spelling!r} is already {by_spelling[key]}")
                by_spelling[key] = code
            by_code[code] = Country(code, str(entry["name"]), spellings, historical, entry.get("note"))
    return CountryTable(by_code, by_spelling)


@lru_cache(maxsize=1)
def table() -> CountryTable:
    """The shipped country table (read once)."""
    return _load(TABLE)


def resolve(value: str, field: str = "country") -> str:
    """A country the user named (a code of the table, any ISO code the rule data knows, or a TOP500
    spelling such as ``Korea, South``) as its code; anything else is an :class:`InputError`."""
    if not isinstance(value, str) or not value.strip():
        raise InputError(field, "give a country code (e.g. US, CN) or a name as TOP500 writes it")
    countries = table()
    text = value.strip()
    if text.upper() in countries.by_code:
        return text.upper()
    by_name = countries.by_spelling.get(_key(text))
    if by_name is not None:
        return by_name
    if len(text) == 2:
        from exportgate.rules import load_rules  # only for codes TOP500 has never listed

        if text.upper() in load_rules().countries:
            return text.upper()
    raise InputError(
        field,
        f"unknown country {text!r}: give an ISO 3166 code (e.g. US, CN, KR) or a name as TOP500 writes it "
        "(e.g. 'Korea, South'); former countries have ISO 3166-3 codes (CSHH, YUCS, SUHH, DDDE, CSXX)",
    )


def display_name(code: str) -> str:
    """The name shown for ``code``: the table's, else the rule data's, else the code itself."""
    countries = table()
    if code in countries.by_code:
        return countries.name(code)
    from exportgate.rules import load_rules

    return load_rules().countries.get(code, code)
