"""Schemas of the rule data files, validated with pydantic at load time.

Shapes follow OpenFisca parameters: a parameter is a list of dated values; each value carries its
legal reference (``citation``) and how sure we are of it (``verification``, from the fact sheet's
[V]/[V2]/[U] marks).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from pydantic import Field, field_validator, model_validator

from exportgate.schema import StrictModel as _Strict


class Mode(StrEnum):
    """Which reading of the rules to apply.

    ``enforced`` is what BIS actually enforces (default); ``text`` is what the CFR literally says
    (e.g. the January 2025 AI Diffusion rule that BIS said in May 2025 it would not enforce).
    """

    ENFORCED = "enforced"
    TEXT = "text"

    @classmethod
    def parse(cls, value: str, field: str = "--mode") -> Mode:
        """A mode named by a user; an unknown name is an input error naming the field."""
        try:
            return cls(value)
        except ValueError:
            from exportgate.errors import InputError

            names = ", ".join(m.value for m in cls)
            raise InputError(field, f"{value!r} is not a mode ({names})") from None


class Verification(StrEnum):
    VERIFIED = "verified"  # [V]  read in the primary text
    SECONDARY = "secondary"  # [V2] read in a secondary source quoting or summarising it
    UNVERIFIED = "unverified"  # [U]  general knowledge; a lead to confirm


class ValueMode(StrEnum):
    BOTH = "both"
    ENFORCED = "enforced"
    TEXT = "text"

    def applies(self, mode: Mode) -> bool:
        return self is ValueMode.BOTH or self.value == mode.value


class CitationModel(_Strict):
    cfr: str | None = None
    fr: str | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _needs_source(self) -> CitationModel:
        if not (self.cfr or "").strip() and not (self.fr or "").strip():
            raise ValueError("a citation needs a CFR section (cfr) or a Federal Register cite (fr)")
        return self


class ValueModel(_Strict):
    start: date
    end: date | None = None
    mode: ValueMode = ValueMode.BOTH
    value: Any = None
    citation: CitationModel
    verification: Verification

    @model_validator(mode="after")
    def _ordered(self) -> ValueModel:
        if self.end is not None and self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        return self


class ParameterModel(_Strict):
    description: str
    unit: str | None = None
    values: list[ValueModel] = Field(min_length=1)
    #: kept for people (shown by ``rules show``) although no code reads it; needs ``documentation_reason``
    documentation_only: bool = False
    documentation_reason: str | None = None

    @model_validator(mode="after")
    def _reasoned(self) -> ParameterModel:
        if self.documentation_only and not (self.documentation_reason or "").strip():
            raise ValueError("documentation_only needs a documentation_reason (why no code reads it)")
        if self.documentation_reason is not None and not self.documentation_only:
            raise ValueError("documentation_reason is for documentation_only parameters")
        return self


class ParameterFile(_Strict):
    parameters: dict[str, ParameterModel]


class MembershipModel(_Strict):
    country: str
    start: date
    end: date | None = None
    citation: CitationModel | None = None
    verification: Verification


class GroupModel(_Strict):
    description: str
    citation: CitationModel
    members: list[MembershipModel]


class TreatedAsModel(_Strict):
    country: str
    start: date
    end: date | None = None
    citation: CitationModel
    verification: Verification


class CountryFile(_Strict):
    countries: dict[str, str]
    treated_as: dict[str, TreatedAsModel] = Field(default_factory=dict)
    groups: dict[str, GroupModel]

    @field_validator("countries")
    @classmethod
    def _codes(cls, value: dict[str, str]) -> dict[str, str]:
        for code in value:
            if len(code) != 2 or not code.isalpha() or not code.isupper():
                raise ValueError(f"{code!r} is not an ISO 3166 alpha-2 code")
        return value


@dataclass(frozen=True, slots=True)
class Citation:
    """A legal reference: CFR section and/or Federal Register cite, with an optional note."""

    cfr: str | None = None
    fr: str | None = None
    note: str | None = None

    @classmethod
    def of(cls, model: CitationModel) -> Citation:
        return cls(cfr=model.cfr, fr=model.fr, note=model.note)

    def __str__(self) -> str:
        return "; ".join(part for part in (self.cfr, self.fr) if part)

    def to_json(self) -> dict[str, str]:
        return {k: v for k, v in (("cfr", self.cfr), ("fr", self.fr), ("note", self.note)) if v}


@dataclass(frozen=True, slots=True)
class Resolved:
    """A parameter's value on one date in one mode, with where it comes from."""

    key: str
    value: Any
    unit: str | None
    start: date
    end: date | None
    citation: Citation
    verification: Verification
    description: str

    def cite(self) -> str:
        """The citation as one string, flagged when the fact is not verified in primary text."""
        text = str(self.citation)
        if self.verification is Verification.UNVERIFIED:
            return f"{text} [unverified]"
        if self.verification is Verification.SECONDARY:
            return f"{text} [secondary source]"
        return text

    def to_json(self) -> dict[str, Any]:
        value = sorted(self.value) if isinstance(self.value, frozenset) else self.value
        return {
            "key": self.key,
            "value": value,
            "unit": self.unit,
            "start": self.start.isoformat(),
            "end": self.end.isoformat() if self.end else None,
            "citation": self.citation.to_json(),
            "verification": self.verification.value,
            "description": self.description,
        }


@dataclass(frozen=True, slots=True)
class Change:
    """How one parameter differs between two dates (``before``/``after`` is None where not in force)."""

    key: str
    before: Resolved | None
    after: Resolved | None

    @property
    def value_changed(self) -> bool:
        """Whether the value itself differs (not in force counts as null): a change of citation alone with the
        same value, or null on both dates, is not."""
        before = self.before.value if self.before is not None else None
        after = self.after.value if self.after is not None else None
        return bool(before != after)

    def summary(self, limit: int = 80) -> str:
        """The change in a few characters: a set of countries (or any set of names) as ``+AE / −KH``, a mapping as
        its keys added, removed and changed (``+RU / −CU / ~IR``), anything else as ``before → after`` (a value too
        long to read in a table as ``changed``)."""
        before = self.before.value if self.before is not None else None
        after = self.after.value if self.after is not None else None
        if not self.value_changed:
            return "same value, legal basis changed"
        b_set, a_set = _as_set(before), _as_set(after)
        if b_set is not None and a_set is not None:
            return set_delta(b_set, a_set) or "same members, reordered"
        if isinstance(before, dict) and isinstance(after, dict):
            changed = [k for k in after if k in before and after[k] != before[k]]
            parts = [" ".join(f"+{k}" for k in after if k not in before),
                     " ".join(f"−{k}" for k in before if k not in after), " ".join(f"~{k}" for k in changed)]
            return " / ".join(p for p in parts if p)
        text = f"{_short(before)} → {_short(after)}"
        return text if len(text) <= limit else "changed"


def set_delta(before: Iterable[str], after: Iterable[str]) -> str:
    """Members added and removed, ``+AE +QA / −KH`` (empty when the same)."""
    b, a = set(before), set(after)
    parts = [" ".join(f"+{x}" for x in sorted(a - b)), " ".join(f"−{x}" for x in sorted(b - a))]
    return " / ".join(p for p in parts if p)


def _as_set(value: Any) -> frozenset[str] | None:
    """A set-like value (a set, a list of names, or null where the other side is a set) as a set of strings."""
    if value is None:
        return frozenset()
    if isinstance(value, (set, frozenset)) or (isinstance(value, list) and all(isinstance(v, str) for v in value)):
        return frozenset(str(v) for v in value)
    return None


def _short(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float) and (abs(value) >= 1e6 or (value and abs(value) < 1e-3)):
        return f"{value:g}"
    return str(value)
