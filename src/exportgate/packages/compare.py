"""``exportgate check PACKAGE --compare DATE1,DATE2``: the package's verdict on both dates and the rule changes
that explain the difference, as ``determine --compare`` does for one case.

The package is checked on each date (``as_of``). What changed is read from the two memos' structured fields: the
verdict, each line's classification, and each line's determination per destination and end user (status, licence
exception, review policy, operative provision). The rule changes shown are ``rules.diff`` between the dates limited
to what the check read: the parameters the determinations consulted, the classification parameters (``ccl.*``)
when a line's classification differs, the programme's parameters (``aaep.*``) when the completeness findings
differ, and the comprehensive embargo list — plus the Country Group memberships that changed for the countries the
determinations looked at.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from exportgate.packages.compute import LedgerView
from exportgate.packages.memo import Memo
from exportgate.packages.model import LoadedPackage, Package
from exportgate.packages.vetting import EMBARGO_KEY, run_check
from exportgate.rules import Change, Mode, RuleSet, load_rules


@dataclass
class PackageComparison:
    dates: tuple[date, date]
    mode: str
    first: Memo
    second: Memo
    #: per line and recipient, what differs: {"line", "recipient", "field", "before", "after"}
    line_changes: list[dict[str, Any]] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    #: {country: {"before": [groups], "after": [groups]}} where membership differs
    group_changes: dict[str, dict[str, list[str]]] = field(default_factory=dict)

    @property
    def same_verdict(self) -> bool:
        return self.first.verdict == self.second.verdict

    def to_json(self) -> dict[str, Any]:
        def side(d: date, memo: Memo) -> dict[str, Any]:
            return {"as_of": d.isoformat(), "verdict": memo.verdict, "verdict_reasons": list(memo.verdict_reasons),
                    "licenses_needed": [n.model_dump(mode="json") for n in memo.licenses_needed],
                    "content_hash": memo.content_hash}

        return {
            "package": self.first.package.name,
            "dates": [d.isoformat() for d in self.dates],
            "mode": self.mode,
            "verdicts": [side(self.dates[0], self.first), side(self.dates[1], self.second)],
            "same_verdict": self.same_verdict,
            "line_changes": self.line_changes,
            "rule_changes": [
                {"key": c.key, "value_changed": c.value_changed, "change": c.summary(),
                 "before": c.before.to_json() if c.before else None, "after": c.after.to_json() if c.after else None}
                for c in self.changes
            ],
            "country_group_changes": self.group_changes,
        }


def _outcome(d: dict[str, Any]) -> dict[str, Any]:
    op = d.get("operative") or {}
    return {"status": d.get("status"), "licence exception": d.get("license_exception"),
            "review policy": d.get("review_policy"), "operative provision": op.get("provision")}


def _lines(memo: Memo) -> dict[str, dict[str, Any]]:
    return {ln.ref: ln.model_dump(mode="json") for layer in memo.layers for ln in layer.lines}


def line_changes(first: Memo, second: Memo) -> list[dict[str, Any]]:
    """What differs line by line: its classification, its status, and each determination's outcome."""
    out: list[dict[str, Any]] = []
    a_lines, b_lines = _lines(first), _lines(second)
    for ref in dict.fromkeys([*a_lines, *b_lines]):
        a, b = a_lines.get(ref, {}), b_lines.get(ref, {})
        short = ref.removeprefix("layers.")
        for key, label in (("classification", "classification"), ("not_subject_to_ear", "not subject to the EAR"),
                           ("status", "line status")):
            if a.get(key) != b.get(key):
                out.append({"line": short, "recipient": None, "field": label, "before": a.get(key),
                            "after": b.get(key)})
        a_dets = {(d.get("destination"), d.get("end_user")): d for d in a.get("determinations", [])}
        b_dets = {(d.get("destination"), d.get("end_user")): d for d in b.get("determinations", [])}
        for pair in dict.fromkeys([*a_dets, *b_dets]):
            before, after = _outcome(a_dets.get(pair, {})), _outcome(b_dets.get(pair, {}))
            recipient = " · ".join(str(k) for k in pair if k)
            for name in before:
                if before[name] != after[name]:
                    out.append({"line": short, "recipient": recipient, "field": name, "before": before[name],
                                "after": after[name]})
    return out


def compare_package(
    loaded: LoadedPackage | Package,
    first: date,
    second: date,
    mode: Mode = Mode.ENFORCED,
    *,
    rules: RuleSet | None = None,
    screener: Any | None = None,
    ledger: LedgerView | None = None,
    produced_by: str | None = None,
) -> PackageComparison:
    """The package checked on both dates, what changed and the rule changes that explain it."""
    rules = rules or load_rules()
    a = run_check(loaded, first, mode, rules=rules, screener=screener, ledger=ledger, produced_by=produced_by)
    b = run_check(loaded, second, mode, rules=rules, screener=screener, ledger=ledger, produced_by=produced_by)
    consulted: set[str] = {EMBARGO_KEY}
    countries: set[str] = set()
    for run in (a, b):
        for lc in run.checks:
            consulted |= lc.consulted
            countries |= lc.countries
    changed_lines = line_changes(a.memo, b.memo)
    prefixes: list[str] = []
    if any(c["field"] in ("classification", "not subject to the EAR", "line status") for c in changed_lines):
        prefixes.append("ccl.")
    findings = [sorted(f.id for f in m.completeness.findings) for m in (a.memo, b.memo)]
    if findings[0] != findings[1]:
        prefixes.append("aaep.")
    changes = [c for c in rules.diff(first, second, mode)
               if c.value_changed and (c.key in consulted or c.key.startswith(tuple(prefixes)))]
    groups: dict[str, dict[str, list[str]]] = {}
    for cc in sorted(countries):
        before, after = sorted(rules.groups_of(cc, first)), sorted(rules.groups_of(cc, second))
        if before != after:
            groups[cc] = {"before": before, "after": after}
    return PackageComparison(dates=(first, second), mode=mode.value, first=a.memo, second=b.memo,
                             line_changes=changed_lines, changes=changes, group_changes=groups)
