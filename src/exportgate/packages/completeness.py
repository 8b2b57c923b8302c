"""Completeness of a package against the American AI Exports Program (EO 14320, ITA call for proposals).

Every finding carries an id (stable, for tests and for the memo), a severity (``error`` = the proposal
is not complete or not eligible as filed; ``warning`` = to be shown or fixed; ``info``), a message and
the citation of the rule parameter it rests on. All thresholds and lists come from
``rules/data/aaep.yaml`` as of the package's date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from exportgate.packages.model import LAYER_KEYS, MemberRole, Package
from exportgate.rules import Mode, RuleSet


@dataclass(frozen=True)
class Finding:
    id: str
    severity: str  # error | warning | info
    message: str
    citation: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "severity": self.severity, "message": self.message, "citation": self.citation}


@dataclass(frozen=True)
class UsContent:
    share: float | None  # value-weighted US-origin share of the hardware layer, None if unknown
    hardware_value: float
    lines_without_share: list[str]
    threshold: float | None

    def to_json(self) -> dict[str, Any]:
        return {
            "share": self.share,
            "hardware_value": self.hardware_value,
            "lines_without_share": self.lines_without_share,
            "presumption_threshold": self.threshold,
            "presumption_met": (None if self.share is None or self.threshold is None else self.share >= self.threshold),
        }


def layer_titles(rules: RuleSet, as_of: date, mode: Mode) -> dict[str, str]:
    """Layer key -> title from the rule data (falls back to the key before the programme existed)."""
    value = rules.value("aaep.layers", as_of, mode) or []
    titles = {str(entry["key"]): str(entry["title"]) for entry in value}
    return {key: titles.get(key, key) for key in LAYER_KEYS}


def us_content(pkg: Package, threshold: float | None) -> UsContent:
    """Value-weighted US-origin share of the hardware layer: per-line shares where given, else the
    layer-level share; unknown if some line has neither (or the layer has no value)."""
    total = 0.0
    us = 0.0
    missing: list[str] = []
    for i, line in enumerate(pkg.layers.hardware):
        share = line.us_content_share
        if share is None:
            share = pkg.layers.hardware_us_content_share
        total += line.value
        if share is None:
            missing.append(f"layers.hardware[{i}]")
        else:
            us += share * line.value
    share_out: float | None = None
    if not missing and total > 0:
        share_out = us / total
    return UsContent(share=share_out, hardware_value=total, lines_without_share=missing, threshold=threshold)


def _concern_reasons(countries: dict[str, str | None], concern: set[str], rules: RuleSet, as_of: date) -> list[str]:
    """Which of a member's country facts fall in a country of concern (HK/MO count as listed, and a
    code treated as another country counts when that country is of concern)."""
    out: list[str] = []
    for what, code in countries.items():
        if not code:
            continue
        effective, _why = rules.effective_country(code, as_of)
        if code in concern or effective in concern:
            out.append(f"{what} {code}")
    return out


def check_completeness(pkg: Package, as_of: date, mode: Mode, rules: RuleSet) -> tuple[list[Finding], UsContent]:
    findings: list[Finding] = []

    def cite(key: str) -> str:
        return str(rules.resolve(key, as_of, mode).citation)

    if not rules.value("aaep.in_force", as_of, mode):
        findings.append(
            Finding(
                "program.not_in_force",
                "info",
                f"the American AI Exports Program did not exist on {as_of.isoformat()}; "
                "completeness is checked against no programme requirements",
                cite("aaep.in_force"),
            )
        )

    # -- layers
    titles = layer_titles(rules, as_of, mode)
    if rules.value("aaep.proposal.all_layers_required", as_of, mode):
        for key in LAYER_KEYS:
            if not pkg.layers.lines(key):
                findings.append(
                    Finding(
                        f"layer_missing.{key}",
                        "error",
                        f"layer '{titles[key]}' has no lines; the package must cover all five layers",
                        cite("aaep.proposal.all_layers_required"),
                    )
                )

    # -- target countries
    minimum = rules.value("aaep.proposal.min_target_countries", as_of, mode)
    if minimum is not None and len(set(pkg.destinations)) < int(minimum):
        findings.append(
            Finding(
                "target_countries.missing",
                "error",
                f"the proposal names {len(set(pkg.destinations))} target countries; at least {minimum} required",
                cite("aaep.proposal.min_target_countries"),
            )
        )

    # -- anchor member
    if rules.value("aaep.proposal.requires_anchor_member", as_of, mode):
        anchors = [m for m in pkg.consortium if m.role is MemberRole.ANCHOR]
        if not anchors:
            findings.append(
                Finding(
                    "anchor.missing",
                    "error",
                    "no consortium member has the role 'anchor'; one anchor member leads and submits the proposal",
                    cite("aaep.proposal.requires_anchor_member"),
                )
            )
        elif len(anchors) > 1:
            findings.append(
                Finding(
                    "anchor.multiple",
                    "error",
                    "several anchor members (" + ", ".join(a.name for a in anchors) + "); a consortium has one",
                    cite("aaep.proposal.requires_anchor_member"),
                )
            )

    # -- members in or controlled from a country of concern
    concern = set(rules.value("aaep.concern.countries", as_of, mode) or [])
    software_excluded = set(rules.value("aaep.concern.software_provider.countries", as_of, mode) or [])
    software_layers = set(rules.value("aaep.concern.software_layers", as_of, mode) or [])
    for i, m in enumerate(pkg.consortium):
        facts: dict[str, str | None] = {
            "located in": m.country,
            "headquartered in": m.hq,
            "ultimate parent headquartered in": m.ultimate_parent_hq,
        }
        for j, c in enumerate(m.controlled_from):
            facts[f"owned or controlled from{'' if j == 0 else f' ({j + 1})'}"] = c
        reasons = _concern_reasons(facts, concern, rules, as_of) if concern else []
        if reasons:
            findings.append(
                Finding(
                    f"member.country_of_concern.{i}",
                    "error",
                    f"consortium member '{m.name}' is {'; '.join(reasons)} — a country of concern; "
                    "such members may not join a consortium",
                    cite("aaep.concern.countries"),
                )
            )
        provides_software = software_layers.intersection(m.provides)
        if software_excluded and provides_software:
            reasons = _concern_reasons(facts, software_excluded, rules, as_of)
            if reasons and not set(reasons) <= set(_concern_reasons(facts, concern, rules, as_of)):
                findings.append(
                    Finding(
                        f"member.excluded_provider.{i}",
                        "error",
                        f"consortium member '{m.name}' provides {', '.join(sorted(provides_software))} and is "
                        f"{'; '.join(reasons)}; data, software, security and application providers may not be "
                        "based there",
                        cite("aaep.concern.software_provider.countries"),
                    )
                )

    # -- US content of the hardware layer
    threshold_value = rules.value("aaep.us_content.hardware_share_min", as_of, mode)
    threshold = float(threshold_value) if threshold_value is not None else None
    content = us_content(pkg, threshold)
    if threshold is not None and pkg.layers.hardware:
        cit = cite("aaep.us_content.hardware_share_min")
        if content.share is None:
            findings.append(
                Finding(
                    "us_content.unknown",
                    "warning",
                    "the US-origin share of the hardware layer is unknown (no share given for "
                    + ", ".join(content.lines_without_share)
                    + f"); the {threshold:.0%} presumption cannot be assessed"
                    if content.lines_without_share
                    else "the hardware layer has no value; the US-content presumption cannot be assessed",
                    cit,
                )
            )
        elif content.share < threshold:
            findings.append(
                Finding(
                    "us_content.below_presumption",
                    "warning",
                    f"US-origin content of the hardware layer is {content.share:.1%} of its value, below the "
                    f"{threshold:.0%} presumption; the national interest determination must establish US content "
                    "otherwise",
                    cit,
                )
            )
        else:
            findings.append(
                Finding(
                    "us_content.presumption_met",
                    "info",
                    f"US-origin content of the hardware layer is {content.share:.1%} of its value "
                    f"(presumption: at least {threshold:.0%})",
                    cit,
                )
            )

    # -- business and operating model
    if rules.value("aaep.proposal.requires_business_model", as_of, mode):
        cit = cite("aaep.proposal.requires_business_model")
        bm = pkg.business_model
        if bm is None:
            findings.append(
                Finding(
                    "business_model.missing",
                    "error",
                    "no business and operating model (who builds, owns and operates the data centres)",
                    cit,
                )
            )
        else:
            absent = [k for k in ("builds", "owns", "operates") if not getattr(bm, k)]
            if absent:
                findings.append(
                    Finding(
                        "business_model.incomplete",
                        "warning",
                        "the business model does not say who " + " or who ".join(absent) + " the data centres",
                        cit,
                    )
                )

    # -- financing asked
    if rules.value("aaep.proposal.requires_financing_ask", as_of, mode) and not pkg.financing:
        findings.append(
            Finding(
                "financing.missing",
                "error",
                "no requested federal incentives or support mechanisms (financing asked)",
                cite("aaep.proposal.requires_financing_ask"),
            )
        )

    return findings, content
