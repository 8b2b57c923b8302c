"""Hand-built check results (docs/design/memo.md) with consistent compute and a real content hash."""

from __future__ import annotations

import hashlib
import json
from typing import Any


def content_hash(result: dict[str, Any]) -> str:
    body = {k: v for k, v in result.items() if k != "content_hash"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def make_result(
    name: str,
    as_of: str,
    lines: list[tuple[str, list[tuple[str, ...]], float, int]],
    verdict: str = "clear",
    mode: str = "enforced",
    source_sha256: str | None = None,
) -> dict[str, Any]:
    """``lines``: (description, [(destination, end user[, licence exception]), ...], TPP per unit, quantity)."""
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
        "screening": {"lists_as_of": {}, "parties": []},
        "red_flags": [],
        "compute": {"per_destination": [{"country": c, "tpp": t, "allocation": None, "ledger_before": 0,
                                         "after_package": t, "remaining": None, "citation": None}
                                        for c, t in sorted(per_dest.items())],
                    "per_end_user": []},
        "versions": {"exportgate": "0.1.0", "rules_sha256": "0" * 64, "lists_as_of": {}},
    }
    result["content_hash"] = content_hash(result)
    return result


def rehash(result: dict[str, Any]) -> dict[str, Any]:
    result["content_hash"] = content_hash(result)
    return result
