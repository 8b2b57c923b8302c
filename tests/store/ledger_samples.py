"""Hand-built check results (docs/design/memo.md) with consistent compute, a verdict their content leads to,
a real content hash and this test run's signature."""

from __future__ import annotations

import hashlib
from typing import Any

from exportgate.packages.memo import content_hash


def make_result(
    name: str,
    as_of: str,
    lines: list[tuple[str, list[tuple[str, ...]], float, int]],
    verdict: str = "clear",
    mode: str = "enforced",
    source_sha256: str | None = None,
    signed: bool = True,
) -> dict[str, Any]:
    """``lines``: (description, [(destination, end user[, licence exception]), ...], TPP per unit, quantity).

    The content supports ``verdict``: a licence requirement on the first determination (license_required),
    a potential match on the SDN list (review), a confirmed one (blocked: a reviewer's decision confirmed it)."""
    per_dest: dict[str, float] = {}
    out_lines = []
    for i, (description, pairs, tpp, qty) in enumerate(lines):
        dets = []
        for dest, eu, *exception in pairs:
            dets.append({"destination": dest, "end_user": eu,
                         "status": "license_exception_available" if exception else "no_license_required",
                         "license_exception": exception[0] if exception else None,
                         "reasons": ["test"], "citations": ["15 CFR 740.7"]})
            per_dest[dest] = per_dest.get(dest, 0.0) + tpp * qty
        out_lines.append({"ref": f"layers.hardware[{i}]", "description": description, "quantity": qty,
                          "value": 1000.0 * qty, "classification": "3A090.a.1", "tpp": tpp,
                          "classify_reasons": [], "determinations": dets})
    result: dict[str, Any] = {
        "schema_version": 1,
        "package": {"name": name, "date": as_of, "destinations": sorted(per_dest),
                    "source_file": f"examples/{name}.yaml",
                    "source_sha256": source_sha256 or hashlib.sha256(f"{name}/{as_of}".encode()).hexdigest()},
        "as_of": as_of,
        "mode": mode,
        "verdict": verdict,
        "verdict_reasons": [],
        "conditions": [],
        "licenses_needed": [],
        "completeness": {"findings": []},
        "layers": [{"key": "hardware", "title": "Hardware", "lines": out_lines},
                   {"key": "models", "title": "Models", "lines": [
                       {"ref": "layers.models[0]", "description": "weights", "quantity": 1, "value": 0,
                        "classification": "EAR99", "tpp": None, "classify_reasons": [],
                        "determinations": [{"destination": d, "end_user": "x", "status": "no_license_required"}
                                           for d in sorted(per_dest)]}]}],
        "screening": {"lists_as_of": {}, "parties": _parties(verdict)},
        "red_flags": [],
        "compute": {"per_destination": [{"country": c, "tpp": t, "allocation": None, "ledger_before": 0,
                                         "after_package": t, "remaining": None, "citation": None}
                                        for c, t in sorted(per_dest.items())],
                    "per_end_user": []},
        "versions": {"exportgate": "0.1.0", "rules_sha256": "0" * 64, "lists_as_of": {}},
    }
    if verdict == "license_required":
        out_lines[0]["determinations"][0].update(status="license_required", license_required=True)
    result["content_hash"] = content_hash(result)
    return sign(result) if signed else result


def _parties(verdict: str) -> list[dict[str, Any]]:
    if verdict not in ("review", "blocked"):
        return []
    strength = "strong" if verdict == "blocked" else "potential"
    confirmed = {"confirmed": True, "confirmed_by": "decision"} if verdict == "blocked" else {}
    return [{"name": "Listed Trading LLC", "role": "end_user", "kind": "party", "country": "AE",
             "status": "confirmed" if confirmed else strength,
             "matches": [{"entity_id": "ofac_sdn:1", "list": "ofac_sdn", "name": "LISTED TRADING",
                          "score": 0.97, "strength": strength, **confirmed}]}]


def sign(result: dict[str, Any]) -> dict[str, Any]:
    """The result signed by this test run's installation (its data home's key)."""
    from exportgate.store.signing import sign_result

    return sign_result(result)


def rehash(result: dict[str, Any]) -> dict[str, Any]:
    """The content hash recomputed after an edit (as a forger would; the signature no longer matches)."""
    result["content_hash"] = content_hash(result)
    return result
