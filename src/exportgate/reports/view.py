"""Turn a package check result (the dict of ``docs/design/memo.md``) into what the memo templates show.

Every format (HTML, Markdown, PDF) is drawn from the same :class:`MemoView`, so the three never
disagree with each other or with ``exportgate check --json``. Missing optional sections render as
"none"; the two things a memo cannot do without — a known verdict and the content hash — are checked
and reported as :class:`~exportgate.errors.InputError`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from exportgate.packages.memo import MEMO_FORMATS, Memo

#: verdict -> (headline, one-line meaning, colour). The meaning follows the issue's definition.
VERDICTS: dict[str, tuple[str, str, str]] = {
    "clear": ("CLEAR", "May proceed, subject to the conditions listed.", "#1b7f3b"),
    "license_required": (
        "LICENSE REQUIRED",
        "May not proceed until the licences listed are granted.",
        "#b45309",
    ),
    "review": (
        "REVIEW",
        "Potential party matches or red flags must be resolved before proceeding.",
        "#6d28d9",
    ),
    "blocked": (
        "BLOCKED",
        "Must not proceed: confirmed restricted party, embargoed destination or prohibited end use.",
        "#b91c1c",
    ),
}

#: screening / determination status -> colour used for badges.
STATUS_COLOURS: dict[str, str] = {
    "clear": "#1b7f3b",
    "no_license_required": "#1b7f3b",
    "license_exception_available": "#15803d",
    "potential": "#6d28d9",
    "license_required": "#b45309",
    "red_flag_hold": "#6d28d9",
    "strong": "#b91c1c",
    "prohibited_without_authorization": "#b91c1c",
    "error": "#b91c1c",
    "warning": "#b45309",
    "info": "#1d4ed8",
}

FORMATS = MEMO_FORMATS


def fmt_number(value: Any, digits: int = 0) -> str:
    """``15832.0`` -> ``"15,832"``; ``None`` -> ``"—"``; non-numbers are shown as given."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if value.is_integer() and digits == 0:
            return f"{int(value):,}"
        return f"{value:,.{digits or 2}f}"
    return str(value)


def humanize(status: Any) -> str:
    """``"license_exception_available"`` -> ``"license exception available"``."""
    if status is None:
        return "—"
    return str(status).replace("_", " ")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def flatten_explanation(explanation: Any, prefix: str = "") -> list[tuple[str, str]]:
    """A match explanation (any JSON) as ``(key, text)`` pairs, nested keys dotted."""
    pairs: list[tuple[str, str]] = []
    if isinstance(explanation, dict):
        for key in explanation:
            value = explanation[key]
            name = f"{prefix}.{key}" if prefix else str(key)
            if isinstance(value, dict) and value:
                pairs.extend(flatten_explanation(value, name))
            elif isinstance(value, list):
                pairs.append((name, ", ".join(_text(v) for v in value) if value else "—"))
            else:
                pairs.append((name, _text(value) if value is not None else "—"))
    elif explanation not in (None, "", [], {}):
        pairs.append((prefix or "explanation", _text(explanation)))
    return pairs


@dataclass
class Bar:
    """One destination in the compute chart."""

    label: str
    tpp: float
    ledger_before: float
    allocation: float | None
    remaining: float | None
    citation: str | None

    @property
    def after(self) -> float:
        return self.ledger_before + self.tpp

    @property
    def over(self) -> bool:
        return self.allocation is not None and self.after > self.allocation


@dataclass
class MemoView:
    """Everything a memo shows, normalised (lists never ``None``)."""

    result: dict[str, Any]
    verdict: str
    verdict_label: str
    verdict_meaning: str
    verdict_colour: str
    package: dict[str, Any]
    title: str
    as_of: str
    mode: str
    verdict_reasons: list[str]
    conditions: list[str]
    licenses_needed: list[dict[str, Any]]
    findings: list[dict[str, Any]]
    layers: list[dict[str, Any]]
    parties: list[dict[str, Any]]
    lists_as_of: dict[str, Any]
    red_flags: list[dict[str, Any]]
    bars: list[Bar]
    per_end_user: list[dict[str, Any]]
    compute_notes: list[str]
    versions: dict[str, Any]
    content_hash: str
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def chart_max(self) -> float:
        top = 0.0
        for bar in self.bars:
            top = max(top, bar.after, bar.allocation or 0.0)
        return top


def build_view(result: Any) -> MemoView:
    """Parse the result as the memo model (``exportgate.packages.memo.Memo``: every shape error names its
    path under ``result``) and normalise it for the templates."""
    memo = Memo.parse(result)
    doc = memo.to_json()
    label, meaning, colour = VERDICTS[memo.verdict]
    layers = [
        {
            **layer,
            "title": layer.get("title") or layer.get("key") or f"Layer {i + 1}",
        }
        for i, layer in enumerate(doc["layers"])
    ]
    parties = [
        {
            **party,
            "matches": [
                {**m, "explanation_pairs": flatten_explanation(m.get("explanation"))} for m in party["matches"]
            ],
        }
        for party in doc["screening"]["parties"]
    ]
    bars = [
        Bar(
            label=row.country or "?",
            tpp=row.tpp,
            ledger_before=row.ledger_before,
            allocation=row.allocation,
            remaining=row.remaining,
            citation=row.citation or None,
        )
        for row in memo.compute.per_destination
    ]
    return MemoView(
        result=doc,
        verdict=memo.verdict,
        verdict_label=label,
        verdict_meaning=meaning,
        verdict_colour=colour,
        package=doc["package"],
        title=memo.package.name or "Unnamed package",
        as_of=_text(memo.as_of),
        mode=_text(memo.mode),
        verdict_reasons=list(memo.verdict_reasons),
        conditions=list(memo.conditions),
        licenses_needed=doc["licenses_needed"],
        findings=doc["completeness"]["findings"],
        layers=layers,
        parties=parties,
        lists_as_of=dict(memo.screening.lists_as_of),
        red_flags=doc["red_flags"],
        bars=bars,
        per_end_user=doc["compute"]["per_end_user"],
        compute_notes=list(memo.compute.notes),
        versions=doc["versions"],
        content_hash=memo.content_hash,
    )
