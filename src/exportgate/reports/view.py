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

from exportgate.errors import InputError

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

FORMATS = ("html", "md", "pdf")


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


def _list(value: Any, where: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise InputError(where, f"must be a list, not {type(value).__name__}")
    return value


def _dict(value: Any, where: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InputError(where, f"must be a mapping, not {type(value).__name__}")
    return value


def _float(value: Any, where: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InputError(where, f"must be a number, not {value!r}")
    return float(value)


def build_view(result: Any) -> MemoView:
    """Check the result's shape and normalise it for the templates."""
    if not isinstance(result, dict):
        raise InputError("result", "must be a package check result (a mapping)")
    verdict = result.get("verdict")
    if verdict not in VERDICTS:
        raise InputError("result.verdict", f"must be one of {', '.join(VERDICTS)}, not {verdict!r}")
    content_hash = result.get("content_hash")
    if not isinstance(content_hash, str) or not content_hash:
        raise InputError("result.content_hash", "missing: a memo must carry the result's content hash")
    label, meaning, colour = VERDICTS[verdict]
    package = _dict(result.get("package"), "result.package")
    title = str(package.get("name") or "Unnamed package")

    layers = []
    for i, layer in enumerate(_list(result.get("layers"), "result.layers")):
        layer = _dict(layer, f"result.layers[{i}]")
        lines = []
        for j, line in enumerate(_list(layer.get("lines"), f"result.layers[{i}].lines")):
            line = _dict(line, f"result.layers[{i}].lines[{j}]")
            dets = [
                _dict(d, f"result.layers[{i}].lines[{j}].determinations[{k}]")
                for k, d in enumerate(_list(line.get("determinations"), "determinations"))
            ]
            lines.append({**line, "determinations": dets})
        layers.append(
            {**layer, "title": layer.get("title") or layer.get("key") or f"Layer {i + 1}", "lines": lines}
        )

    screening = _dict(result.get("screening"), "result.screening")
    parties = []
    for i, party in enumerate(_list(screening.get("parties"), "result.screening.parties")):
        party = _dict(party, f"result.screening.parties[{i}]")
        matches = []
        for k, match in enumerate(_list(party.get("matches"), f"result.screening.parties[{i}].matches")):
            match = _dict(match, f"result.screening.parties[{i}].matches[{k}]")
            matches.append({**match, "explanation_pairs": flatten_explanation(match.get("explanation"))})
        parties.append({**party, "matches": matches})

    compute = _dict(result.get("compute"), "result.compute")
    bars = []
    for i, row in enumerate(_list(compute.get("per_destination"), "result.compute.per_destination")):
        row = _dict(row, f"result.compute.per_destination[{i}]")
        where = f"result.compute.per_destination[{i}]"
        bars.append(
            Bar(
                label=str(row.get("country") or "?"),
                tpp=_float(row.get("tpp"), f"{where}.tpp") or 0.0,
                ledger_before=_float(row.get("ledger_before"), f"{where}.ledger_before") or 0.0,
                allocation=_float(row.get("allocation"), f"{where}.allocation"),
                remaining=_float(row.get("remaining"), f"{where}.remaining"),
                citation=_text(row.get("citation")) or None,
            )
        )

    return MemoView(
        result=result,
        verdict=verdict,
        verdict_label=label,
        verdict_meaning=meaning,
        verdict_colour=colour,
        package=package,
        title=title,
        as_of=_text(result.get("as_of")),
        mode=_text(result.get("mode")),
        verdict_reasons=[_text(r) for r in _list(result.get("verdict_reasons"), "result.verdict_reasons")],
        conditions=[_text(c) for c in _list(result.get("conditions"), "result.conditions")],
        licenses_needed=[
            _dict(x, f"result.licenses_needed[{i}]")
            for i, x in enumerate(_list(result.get("licenses_needed"), "result.licenses_needed"))
        ],
        findings=[
            _dict(x, f"result.completeness.findings[{i}]")
            for i, x in enumerate(
                _list(
                    _dict(result.get("completeness"), "result.completeness").get("findings"),
                    "result.completeness.findings",
                )
            )
        ],
        layers=layers,
        parties=parties,
        lists_as_of=_dict(screening.get("lists_as_of"), "result.screening.lists_as_of"),
        red_flags=[
            _dict(x, f"result.red_flags[{i}]")
            for i, x in enumerate(_list(result.get("red_flags"), "result.red_flags"))
        ],
        bars=bars,
        per_end_user=[
            _dict(x, f"result.compute.per_end_user[{i}]")
            for i, x in enumerate(_list(compute.get("per_end_user"), "result.compute.per_end_user"))
        ],
        compute_notes=[_text(n) for n in _list(compute.get("notes"), "result.compute.notes")],
        versions=_dict(result.get("versions"), "result.versions"),
        content_hash=content_hash,
    )
