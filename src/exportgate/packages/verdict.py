"""The package verdict, read from the structured results of the check (never from their prose).

From worst to best (the exit codes follow the same order):

* ``blocked`` — a confirmed restricted-party match on a blocking list (confirmed by a reviewer's decision,
  the package's own statement or the exact listed name with an agreeing identifier: the matcher never
  confirms), the Affiliates rule, an embargoed destination, or a determination that the transaction is
  prohibited;
* ``review`` — strong or potential matches without a decision (or with a re-opened one), red flags, a
  determination on red-flag hold, a line that needs manual classification, or a proposal that is not
  complete under the programme — things to resolve before proceeding;
* ``license_required`` — at least one line needs a licence for at least one destination / end user, or
  the package exceeds an allocation or cap in force;
* ``clear`` — may proceed, subject to the conditions listed.

:func:`verdict` reads the check's own objects (``check_package``) or, the same way, a memo's rows
(:func:`verdict_of_memo`): a result whose verdict was edited after the check does not re-derive to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Protocol

from exportgate.errors import ExportgateError, InputError, InputErrors
from exportgate.packages.memo import VERDICT_ORDER, Compute, LineDetermination, Memo, RedFlagRow
from exportgate.packages.screening import Screened

if TYPE_CHECKING:
    from exportgate.rules import RuleSet


class _Line(Protocol):
    """A determined line: a ``LineCheck`` of the check, or a memo's ``LineResult``."""

    @property
    def ref(self) -> str: ...
    @property
    def classification(self) -> str | None: ...
    @property
    def determinations(self) -> list[LineDetermination]: ...
    @property
    def manual_reason(self) -> str | None: ...


class _Finding(Protocol):
    """A completeness finding: the check's ``Finding`` or a memo's ``FindingRow``."""

    @property
    def id(self) -> str: ...
    @property
    def severity(self) -> str: ...


#: determination statuses -> the verdict they lead to on their own
STATUS_VERDICT: dict[str, str] = {
    "no_license_required": "clear",
    "license_exception_available": "clear",
    "license_required": "license_required",
    "red_flag_hold": "review",
    "prohibited_without_authorization": "blocked",
}


def _why(d: LineDetermination) -> str:
    """What decided a determination that is not clear, from its operative provision (a field, not prose)."""
    op = d.operative
    if op is None:
        return d.status.replace("_", " ")
    if op.kind == "red_flag":
        return f"red flags held ({op.name}; {op.provision})"
    return op.reason or f"{op.provision} ({op.citation})"


def verdict(
    checks: Sequence[_Line],
    screened: list[Screened],
    flags: list[RedFlagRow],
    findings: Sequence[_Finding],
    compute: Compute,
    embargoed: list[str],
    embargo_citation: str,
    blocking_lists: set[str],
) -> tuple[str, list[str]]:
    """The verdict and the reasons for it (worst first, the others summarised after)."""
    reasons: dict[str, list[str]] = {v: [] for v in VERDICT_ORDER}
    for cc in embargoed:
        reasons["blocked"].append(f"destination {cc} is under a comprehensive US embargo ({embargo_citation})")
    for s in screened:
        _screening_reasons(s, blocking_lists, reasons)
    affiliated: set[str] = set()
    for lc in checks:
        for d in lc.determinations:
            for req in d.requirements:
                if req.basis == "affiliates_rule" and req.reason not in affiliated:
                    # restricted like a listed party: blocked as a confirmed listing would be
                    affiliated.add(req.reason)
                    reasons["blocked"].append(f"{req.reason} ({req.citation})")
            v = STATUS_VERDICT.get(d.status)
            if v is None:
                raise ExportgateError(f"{lc.ref}: unknown determination status {d.status!r}")
            if d.status == "red_flag_hold":
                # the held flags are listed once below; a licence requirement under the hold still shows
                if not d.license_required:
                    continue
                v = "license_required"
            if v == "clear":
                continue
            policy = f", review policy {d.review_policy}" if d.review_policy else ""
            reasons[v].append(
                f"{lc.ref} ({d.classification or lc.classification}) to {d.destination} / {d.end_user}: "
                f"{d.status.replace('_', ' ')}{policy} — {_why(d)}"
            )
    for lc in checks:
        if lc.manual_reason:
            reasons["review"].append(
                f"{lc.ref} ({lc.classification}) needs manual classification: the rule data does not evaluate "
                f"{lc.classification} (deny by default) — classify the item and determine it before shipping"
            )
    for f in flags:
        if not f.held:
            continue
        reasons["review"].append(f"red flag {f.id}: {f.description}" + (f" ({f.party})" if f.party else ""))
    errors = [f for f in findings if f.severity == "error"]
    if errors:
        reasons["review"].append(
            f"the proposal is incomplete under the American AI Exports Program ({len(errors)} finding"
            f"{'s' if len(errors) != 1 else ''}: {', '.join(f.id for f in errors)})"
        )
    for row in compute.per_destination:
        if row.exceeded and row.allocation_applied:
            reasons["license_required"].append(
                f"{row.country}: the package takes cumulative TPP to {row.after_package:,.0f}, over the "
                f"{row.allocation:,.0f} country allocation reviewed for its licences; the review policy becomes "
                f"denial ({row.citation})"
            )
    for eu in compute.per_end_user:
        if eu.exceeded:
            reasons["license_required"].append(
                f"{eu.ultimate_consignee or eu.end_user}: TPP under License Exception LPP this year would pass the "
                f"{eu.cap:,.0f} per-consignee yearly cap ({eu.citation})"
            )
    verdict = "clear"
    for v in VERDICT_ORDER:
        if reasons[v]:
            verdict = v
    out = list(reasons[verdict])
    for v in reversed(VERDICT_ORDER):
        if v != verdict and v != "clear" and reasons[v]:
            out.append(
                f"also ({v.replace('_', ' ')}): " + "; ".join(reasons[v][:3]) + (" …" if len(reasons[v]) > 3 else "")
            )
    if verdict == "clear":
        dets = [d for lc in checks for d in lc.determinations]
        under = sorted({str(d.license_exception) for d in dets if d.status == "license_exception_available"})
        n_cond = len({c for d in dets for c in d.conditions})
        out = [
            "no line needs a licence for any destination or end user"
            + (f" (licence exception{'s' if len(under) > 1 else ''} {', '.join(under)} used)" if under else "")
            + "; no party matches; no open red flags; the proposal is complete"
            + (f"; {n_cond} condition{'s' if n_cond != 1 else ''} to meet before shipment" if n_cond else "")
        ]
    return verdict, out


def _screening_reasons(s: Screened, blocking_lists: set[str], reasons: dict[str, list[str]]) -> None:
    """A confirmed listing on a blocking list blocks (a party or member; an owner or parent is a question for
    the reviewer, its effect comes through the Affiliates rule); any other confirmed listing, and every
    undecided match, needs a reviewer."""
    who = f"{s.kind} '{s.name}' ({s.role}" + (f", {s.country})" if s.country else ")")
    confirmed = [(m.list, m.matched_name or m.name, m.confirmed_by) for m in s.matches if m.confirmed]
    confirmed += [(h.get("list"), h.get("name") or s.name, "the package's own statement") for h in s.stated_hits]
    if confirmed:
        blocking = [c for c in confirmed if c[0] in blocking_lists]
        lst, listed, by = (blocking or confirmed)[0]
        by_text = {"decision": "a reviewer's decision", "exact_name_and_identifier": "the exact listed name and an "
                   "agreeing identifier"}.get(str(by), str(by))
        text = f"{who} is confirmed on {lst} as '{listed}' (by {by_text})"
        if blocking and s.kind in ("party", "member"):
            reasons["blocked"].append(text)
        elif blocking:
            reasons["review"].append(f"{text}: the party it owns may be restricted through it; assess before proceeding")
        else:
            reasons["review"].append(
                f"{text}, a list that restricts finance or licence exceptions rather than the export: assess its "
                "restrictions before proceeding"
            )
        return
    undecided = [m for m in s.matches if m.decision is None or m.decision.status == "reopened"]
    if undecided:
        top = undecided[0]
        again = " (a decision on it was re-opened: the entry has changed)" if top.decision is not None else ""
        reasons["review"].append(
            f"{who} {'strongly' if top.strength == 'strong' else 'potentially'} matches "
            f"'{top.matched_name or top.name}' on {top.list} "
            f"(score {top.score}){again}: needs a decision — confirm it or dismiss it as a false positive"
        )


def verdict_of_memo(memo: Memo, rules: RuleSet | None = None) -> tuple[str, list[str]]:
    """The verdict (and its reasons) that a memo's own determinations, screening, red flags, completeness
    findings and compute lead to, by :func:`verdict` with the rule data of the memo's date and mode (the
    embargoed destinations and the blocking lists). ``InputError``/``InputErrors`` naming the field
    (``result.…``) if the memo cannot be read that way."""
    from exportgate.packages.vetting import BLOCKING_LISTS_KEY, EMBARGO_KEY
    from exportgate.rules import Mode, load_rules

    rules = rules or load_rules()
    try:
        day = date.fromisoformat(memo.as_of or "")
    except ValueError:
        raise InputError("result.as_of", f"must be a date (YYYY-MM-DD), not {memo.as_of!r}") from None
    mode = Mode.parse(str(memo.mode), "result.mode")
    rules.check_date(day, "result.as_of")
    errors: list[InputError] = []
    lines = []
    for i, layer in enumerate(memo.layers):
        for j, line in enumerate(layer.lines):
            lines.append(line)
            for k, d in enumerate(line.determinations):
                if d.status not in STATUS_VERDICT:
                    errors.append(InputError(f"result.layers[{i}].lines[{j}].determinations[{k}].status",
                                             f"unknown determination status {d.status!r}"))
    embargo = rules.resolve(EMBARGO_KEY, day, mode)
    embargoed: list[str] = []
    for i, cc in enumerate(memo.package.destinations):
        try:
            if rules.effective_country(cc, day)[0] in set(embargo.value or []):
                embargoed.append(cc)
        except InputError as exc:
            errors.append(InputError(f"result.package.destinations[{i}]", exc.problem))
    if errors:
        raise errors[0] if len(errors) == 1 else InputErrors(errors)
    blocking = set(rules.value(BLOCKING_LISTS_KEY, day, mode) or [])
    return verdict(lines, memo.screening.parties, memo.red_flags, memo.completeness.findings, memo.compute,
                   embargoed, str(embargo.citation), blocking)
