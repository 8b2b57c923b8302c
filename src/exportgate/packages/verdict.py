"""The package verdict, read from the structured results of the check (never from their prose).

From worst to best (the exit codes follow the same order):

* ``blocked`` — a confirmed (strong) restricted-party match on a blocking list, an embargoed destination,
  or a determination that the transaction is prohibited;
* ``review`` — potential party matches, red flags, a determination on red-flag hold, or a proposal that
  is not complete under the programme — things to resolve before proceeding;
* ``license_required`` — at least one line needs a licence for at least one destination / end user, or
  the package exceeds an allocation or cap in force;
* ``clear`` — may proceed, subject to the conditions listed.
"""

from __future__ import annotations

import re
from typing import Any

from exportgate.errors import ExportgateError
from exportgate.packages.completeness import Finding
from exportgate.packages.lines import LineCheck
from exportgate.packages.memo import VERDICT_ORDER
from exportgate.packages.model import Package
from exportgate.packages.screening import Screened

#: determination statuses -> the verdict they lead to on their own
STATUS_VERDICT = {
    "no_license_required": "clear",
    "license_exception_available": "clear",
    "license_required": "license_required",
    "red_flag_hold": "review",
    "prohibited_without_authorization": "blocked",
}



_KEY_REASON = re.compile(
    r"licen[cs]e required|need a licen|requires? a licen|is in the (destination )?licen[cs]e set|embargoed"
    r"|without authori[sz]ation|prohibit|red flag|hold",
    re.IGNORECASE,
)


def _key_reason(d: dict[str, Any]) -> str:
    """The reason of a determination that says why it is not clear (first matching), else its status."""
    for r in d["reasons"]:
        if _KEY_REASON.search(r) and not r.startswith(("License Exception", "no licence", "status:")):
            return str(r)
    return str(d["reasons"][-1]) if d["reasons"] else str(d["status"])


def verdict(
    pkg: Package,
    checks: list[LineCheck],
    screened: list[Screened],
    flags: list[dict[str, Any]],
    findings: list[Finding],
    compute: dict[str, Any],
    embargoed: list[str],
    embargo_citation: str,
    blocking_lists: set[str],
) -> tuple[str, list[str]]:
    reasons: dict[str, list[str]] = {v: [] for v in VERDICT_ORDER}
    for cc in embargoed:
        reasons["blocked"].append(f"destination {cc} is under a comprehensive US embargo ({embargo_citation})")
    for s in screened:
        strong = [m for m in s.matches if m.get("strength") == "strong"]
        blocking = [m for m in strong if m.get("list") in blocking_lists]
        if blocking:
            top = blocking[0]
            reasons["blocked"].append(
                f"{s.kind} '{s.name}' ({s.role}, {s.country}) is a confirmed match for "
                f"'{top.get('matched_name') or top.get('name')}' on {top.get('list')}"
            )
        elif strong:
            top = strong[0]
            reasons["review"].append(
                f"{s.kind} '{s.name}' ({s.role}) is a confirmed match for '{top.get('matched_name') or top.get('name')}' "
                f"on {top.get('list')}, a list that restricts finance or licence exceptions rather than the export: "
                "assess its restrictions before proceeding"
            )
        elif s.status == "potential":
            top = s.matches[0] if s.matches else {}
            reasons["review"].append(
                f"{s.kind} '{s.name}' ({s.role}) potentially matches '{top.get('matched_name') or top.get('name')}' "
                f"on {top.get('list')} (score {top.get('score')}); resolve before proceeding"
            )
    for lc in checks:
        for d in lc.determinations:
            v = STATUS_VERDICT.get(d["status"])
            if v is None:
                raise ExportgateError(f"{lc.ref}: unknown determination status {d['status']!r}")
            if d["status"] == "red_flag_hold":
                # the held flags are listed once below; a licence requirement under the hold still shows
                if not d["license_required"]:
                    continue
                v = "license_required"
            if v == "clear":
                continue
            why = _key_reason(d)
            policy = f", review policy {d['review_policy']}" if d.get("review_policy") else ""
            reasons[v].append(
                f"{lc.ref} ({d['classification'] or lc.classification}) to {d['destination']} / {d['end_user']}: "
                f"{d['status'].replace('_', ' ')}{policy} — {why}"
            )
    for f in flags:
        if not f.get("held"):
            continue
        reasons["review"].append(
            f"red flag {f['id']}: {f['description']}" + (f" ({f['party']})" if f.get("party") else "")
        )
    errors = [f for f in findings if f.severity == "error"]
    if errors:
        reasons["review"].append(
            f"the proposal is incomplete under the American AI Exports Program ({len(errors)} finding"
            f"{'s' if len(errors) != 1 else ''}: {', '.join(f.id for f in errors)})"
        )
    for note in compute.get("notes", []):
        if "over the" in note:
            reasons["license_required"].append(note)
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
        under = sorted({str(d["license_exception"]) for d in dets if d["status"] == "license_exception_available"})
        n_cond = len({c for d in dets for c in d["conditions"]})
        out = [
            "no line needs a licence for any destination or end user"
            + (f" (licence exception{'s' if len(under) > 1 else ''} {', '.join(under)} used)" if under else "")
            + "; no party matches; no open red flags; the proposal is complete"
            + (f"; {n_cond} condition{'s' if n_cond != 1 else ''} to meet before shipment" if n_cond else "")
        ]
    return verdict, out
