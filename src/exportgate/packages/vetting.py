"""The package check: the pipeline that turns a package into its memo.

``check_package`` is a pure function of the package, the date, the mode, the rule data, the list snapshot
and the ledger totals. Its steps, each in its own module, run in the order the regulation reads:

1. cross-references and country codes (:mod:`.references`);
2. every line classified once (:mod:`.lines`) and the stated red flags checked (:mod:`.redflags`);
3. completeness under the programme (:mod:`.completeness`);
4. every party and member screened (:mod:`.screening`);
5. every line determined for every destination and end user, with the ledger's running totals (:mod:`.lines`);
6. the compute tally (:mod:`.compute`);
7. which red flags hold, and the verdict from the structured results (:mod:`.redflags`, :mod:`.verdict`);
8. the memo document (:mod:`.memo`), the one contract the renderers and the ledger read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import exportgate
from exportgate.determine.allocation import TppUsed
from exportgate.errors import InputError, InputErrors
from exportgate.packages.completeness import Finding, check_completeness, layer_titles
from exportgate.packages.compute import Contribution, LedgerView, StaticLedger, tally
from exportgate.packages.lines import LineCheck, classify_line, determine_line, item_errors, line_result
from exportgate.packages.memo import RESULT_SCHEMA_VERSION, Compute, LicenceNeeded, Memo, Provenance, RedFlagRow
from exportgate.packages.model import END_USER_ROLES, LAYER_KEYS, LoadedPackage, Package
from exportgate.packages.profile import destination_profiles
from exportgate.packages.redflags import held_flags, stated_flags
from exportgate.packages.references import reference_errors
from exportgate.packages.screening import (
    Screened,
    confirmed_hits,
    default_screener,
    list_versions,
    screen_all,
    unmatched_decisions,
)
from exportgate.packages.verdict import verdict as decide_verdict
from exportgate.rules import Mode, RuleSet, load_rules
from exportgate.screen.lists import staleness

EMBARGO_KEY = "enduse.embargo.destinations"
BLOCKING_LISTS_KEY = "aaep.check.blocking_lists"


def check_package(
    loaded: LoadedPackage | Package,
    as_of: date | None = None,
    mode: Mode = Mode.ENFORCED,
    *,
    rules: RuleSet | None = None,
    screener: Any | None = None,
    ledger: LedgerView | None = None,
    ledger_totals: dict[str, Any] | None = None,
    produced_by: str | None = None,
) -> Memo:
    """Check a package as of ``as_of`` (default: the package's date) in ``mode``: its :class:`Memo`.

    ``ledger`` answers cumulative-TPP questions (see :mod:`exportgate.packages.compute`);
    ``ledger_totals`` is the same as a plain dict. With neither, the ledger is taken as empty.
    ``produced_by`` names who runs the check (default ``EXPORTGATE_USER``, else the OS user); with the time it
    goes in the memo's provenance, outside the content hash.
    Raises ``InputErrors`` listing every problem found in the file (paths name the place in it).
    """
    return run_check(loaded, as_of, mode, rules=rules, screener=screener, ledger=ledger,
                     ledger_totals=ledger_totals, produced_by=produced_by).memo


@dataclass
class CheckRun:
    """A check's memo with the line checks behind it (what ``check --compare`` reads: the rule parameters
    each determination consulted)."""

    memo: Memo
    checks: list[LineCheck]


def run_check(
    loaded: LoadedPackage | Package,
    as_of: date | None = None,
    mode: Mode = Mode.ENFORCED,
    *,
    rules: RuleSet | None = None,
    screener: Any | None = None,
    ledger: LedgerView | None = None,
    ledger_totals: dict[str, Any] | None = None,
    produced_by: str | None = None,
) -> CheckRun:
    """:func:`check_package`, keeping the line checks."""
    rules = rules or load_rules()
    if isinstance(loaded, Package):
        loaded = LoadedPackage(package=loaded, source_file="<memory>", source_sha256="")
    pkg = loaded.package
    day = as_of or pkg.date
    rules.check_date(day, field="as_of" if as_of else "date")

    errors, pkg = reference_errors(pkg, rules)
    checks = _classify_all(pkg, day, mode, rules, errors)
    try:
        flags = stated_flags(pkg, rules, day)
    except InputErrors as exc:
        errors.extend(exc.errors)
        flags = []
    if errors:
        # still report the items the determination would reject (unknown ECCNs ...), all at once
        errors.extend(item_errors(checks, pkg, day, mode, rules, {e.field for e in errors}))
        raise InputErrors(errors)

    findings, content = check_completeness(pkg, day, mode, rules)
    screener = screener if screener is not None else default_screener()
    screened, lists_as_of = screen_all(pkg, screener)
    hits = confirmed_hits(pkg, screened, rules, day, mode)

    if ledger is None and ledger_totals is not None:
        ledger = StaticLedger.from_totals(ledger_totals)
    if ledger is not None:
        ledger = ledger.excluding(pkg.name)  # a recorded package re-checked is not counted against itself
    # the running totals the determinations see: the ledger's, then each line adds its own
    consignees = [p.parent_name or p.name for p in pkg.parties if p.role in END_USER_ROLES]
    running = TppUsed.from_ledger(ledger, list(pkg.destinations), consignees, day, mode, rules)
    contributions: list[Contribution] = []
    for lc in checks:
        try:
            contributions.extend(determine_line(lc, pkg, day, mode, rules, hits, flags, running))
        except InputErrors as exc:
            errors.extend(exc.errors)
        except InputError as exc:
            errors.append(exc)
    if errors:
        raise InputErrors(errors)

    eu_hq = {p.name: (p.country, p.parent_hq or p.hq or p.country) for p in pkg.parties}
    allocation_countries = {str(d.destination) for lc in checks for d in lc.determinations if d.allocation}
    compute = tally(contributions, eu_hq, day, mode, rules, ledger, allocation_countries)

    embargo = rules.resolve(EMBARGO_KEY, day, mode)
    embargoed = [c for c in pkg.destinations if rules.effective_country(c, day)[0] in set(embargo.value or [])]
    flags = held_flags(flags, checks, rules, day)
    blocking = set(rules.value(BLOCKING_LISTS_KEY, day, mode) or [])
    verdict, reasons = decide_verdict(checks, screened, flags, findings, compute, embargoed, str(embargo.citation),
                                      blocking)
    memo = _memo(loaded, pkg, day, mode, rules, checks, screened, lists_as_of, flags, findings, content,
                 compute, verdict, reasons, list_versions(screener))
    return CheckRun(memo.model_copy(update={"provenance": Provenance.now(produced_by)}), checks)


def _classify_all(pkg: Package, day: date, mode: Mode, rules: RuleSet, errors: list[InputError]) -> list[LineCheck]:
    """Every line of every layer classified once; errors are collected, not raised."""
    checks: list[LineCheck] = []
    for key in LAYER_KEYS:
        for i, line in enumerate(pkg.layers.lines(key)):
            lc = LineCheck(layer=key, index=i, line=line)
            try:
                classify_line(lc, day, mode, rules)
            except InputErrors as exc:
                errors.extend(exc.errors)
            except InputError as exc:
                errors.append(exc)
            checks.append(lc)
    return checks


def _memo(
    loaded: LoadedPackage,
    pkg: Package,
    day: date,
    mode: Mode,
    rules: RuleSet,
    checks: list[LineCheck],
    screened: list[Screened],
    lists_as_of: dict[str, str],
    flags: list[RedFlagRow],
    findings: list[Finding],
    content: Any,
    compute: Compute,
    verdict: str,
    reasons: list[str],
    lists: tuple[str | None, list[dict[str, Any]]],
) -> Memo:
    # one entry per distinct condition, naming the lines it comes from (a reviewer must know where to act)
    condition_lines: dict[str, list[str]] = {}
    licences: list[LicenceNeeded] = []
    for lc in checks:
        for d in lc.determinations:
            for cond in d.conditions:
                refs = condition_lines.setdefault(cond, [])
                if lc.ref not in refs:
                    refs.append(lc.ref)
            if d.status in ("license_required", "prohibited_without_authorization"):
                licences.append(
                    LicenceNeeded(
                        line=lc.ref,
                        description=lc.line.description,
                        destination=d.destination,
                        end_user=d.end_user,
                        classification=d.classification or lc.classification,
                        status=d.status,
                        review_policy=d.review_policy,
                        operative=d.operative,
                        citations=d.citations,
                    )
                )
    stale = staleness(lists_as_of, day, rules, mode)
    if stale:
        listed = "; ".join(
            f"{s.key} of {s.list_date}: {s.days:,} days" if s.days is not None else f"{s.key}: date unknown"
            for s in stale
        )
        condition_lines.setdefault(
            f"re-screen every party against current lists before shipping (`exportgate lists update`): screened "
            f"against lists older than the transaction by more than their usual publication interval of "
            f"{stale[0].interval} days ({listed}; {stale[0].citation})",
            ["screening"],
        )
    titles = layer_titles(rules, day, mode)
    data: dict[str, Any] = {
        "schema_version": RESULT_SCHEMA_VERSION,
        "package": {
            "name": pkg.name,
            "date": pkg.date.isoformat(),
            "destinations": list(pkg.destinations),
            "regional_bloc": pkg.regional_bloc,
            # the file's name, never where it sits on this machine: the memo reads the same wherever it was run
            "source_file": Path(loaded.source_file).name,
            "source_sha256": loaded.source_sha256,
            "expected_verdict": pkg.expected_verdict,
            "consortium": [m.model_dump(mode="json") for m in pkg.consortium],
            "business_model": pkg.business_model.model_dump(mode="json") if pkg.business_model else None,
            "financing": [f.model_dump(mode="json") for f in pkg.financing],
            "end_use": pkg.end_use.model_dump(mode="json") if pkg.end_use else None,
        },
        "as_of": day.isoformat(),
        "mode": mode.value,
        "verdict": verdict,
        "verdict_reasons": reasons,
        "conditions": [f"{cond} ({', '.join(refs)})" for cond, refs in condition_lines.items()],
        "licenses_needed": licences,
        "completeness": {
            "status": "incomplete" if any(f.severity == "error" for f in findings) else "complete",
            "findings": [f.to_json() for f in findings],
            "us_content": content.to_json(),
        },
        "layers": [
            {
                "key": key,
                "title": titles[key],
                "lines": [line_result(lc) for lc in checks if lc.layer == key],
            }
            for key in LAYER_KEYS
        ],
        "screening": {
            "lists_as_of": lists_as_of,
            "parties": screened,
            "stale": [s.to_json() for s in stale],
            "unmatched_decisions": unmatched_decisions(pkg, screened),
        },
        "red_flags": flags,
        "compute": compute,
        "destination_profiles": destination_profiles(list(pkg.destinations), day, compute),
        "versions": {
            "exportgate": exportgate.__version__,
            "rules_sha256": rules.sha256,
            "lists_as_of": lists_as_of,
            "lists_version": lists[0],
            "lists": [v for v in lists[1] if v["list"] in lists_as_of],
        },
    }
    return Memo.build(data)


