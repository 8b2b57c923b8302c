"""Hand-built package check results following docs/design/memo.md (the check engine is separate)."""

from __future__ import annotations

import hashlib
import json
from typing import Any


def content_hash(result: dict[str, Any]) -> str:
    body = {k: v for k, v in result.items() if k != "content_hash"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def make_result(verdict: str = "license_required") -> dict[str, Any]:
    result: dict[str, Any] = {
        "schema_version": 1,
        "package": {"name": "Gulf sovereign AI cluster", "date": "2026-03-01", "destinations": ["AE", "SA"],
                    "source_file": "examples/gulf.yaml", "source_sha256": "ab" * 32},
        "as_of": "2026-03-01",
        "mode": "enforced",
        "verdict": verdict,
        "verdict_reasons": ["hardware[0] needs a licence to AE (3A090.a.1)"],
        "conditions": ["written purchase order before shipment (740.8)"],
        "licenses_needed": [{"line": "layers.hardware[0]", "destination": "AE", "end_user": "G42 Cloud",
                             "classification": "3A090.a.1", "review_policy": "case-by-case",
                             "citations": ["15 CFR 742.6(b)(10)"]}],
        "completeness": {"findings": [
            {"id": "us_content.below_presumption", "severity": "warning",
             "message": "US-origin share of the hardware layer is 40%, below the 51% presumption",
             "citation": "EO 14320 sec. 3"}]},
        "layers": [
            {"key": "hardware", "title": "AI-optimized hardware, storage, cloud, networking", "lines": [
                {"ref": "layers.hardware[0]", "description": "NVIDIA H100 SXM accelerators", "quantity": 1000,
                 "value": 3.0e7, "classification": "3A090.a.1", "tpp": 15832.0,
                 "classify_reasons": ["TPP 15832 >= 4800"],
                 "determinations": [
                     {"destination": "AE", "end_user": "G42 Cloud", "status": "license_required",
                      "license_exception": None, "review_policy": "case-by-case", "conditions": [],
                      "reasons": ["AE is in D:4 and 3A090.a.1 is controlled there"],
                      "citations": ["15 CFR 742.6(a)(6)(iii)"]},
                     {"destination": "SA", "end_user": "Humain | KSA", "status": "license_exception_available",
                      "license_exception": "NAC", "review_policy": None,
                      "conditions": ["notify BIS 25 days before"],
                      "reasons": ["NAC notification available"], "citations": ["15 CFR 740.7"]}]},
                {"ref": "layers.hardware[1]", "description": "Ethernet switches <fast> & cheap", "quantity": 40,
                 "value": 2.0e6, "classification": "5A992.c", "tpp": None, "classify_reasons": [],
                 "determinations": [{"destination": "AE", "end_user": "G42 Cloud",
                                     "status": "no_license_required", "reasons": ["NLR for 5A992"],
                                     "citations": ["15 CFR 740.17"]}]}]},
            {"key": "models", "title": "AI models and systems", "lines": [
                {"ref": "layers.models[0]", "description": "Open-weight LLM fine-tune", "quantity": 1,
                 "value": 0, "classification": "EAR99", "tpp": None,
                 "classify_reasons": ["published weights are not subject to the EAR"],
                 "determinations": []}]},
        ],
        "screening": {"lists_as_of": {"ofac_sdn": "2024-05-03", "bis_entity": "2025-09-01"},
                      "parties": [
                          {"name": "G42 Cloud", "role": "end_user", "country": "AE", "status": "clear",
                           "matches": []},
                          {"name": "Торговый дом Восток", "role": "intermediary", "country": "RU",
                           "status": "potential",
                           "matches": [{"entity_id": "sdn-12345", "list": "ofac_sdn",
                                        "matched_name": "TORGOVY DOM VOSTOK", "score": 0.91,
                                        "explanation": {"token_overlap": ["torgovy", "vostok"],
                                                        "country": {"query": "RU", "entity": "RU"},
                                                        "note": "transliterated Cyrillic name matched"}}]},
                          {"name": "华为技术有限公司", "role": "consignee", "country": "CN", "status": "strong",
                           "matches": [{"entity_id": "el-1", "list": "bis_entity",
                                        "matched_name": "Huawei Technologies Co., Ltd.", "score": 0.99,
                                        "explanation": {"alias": "华为"}}]}]},
        "red_flags": [{"id": "reexport_risk", "description": "Consignee declines to state the end use",
                       "citation": "15 CFR 732 Supp. 3"}],
        "compute": {"per_destination": [
            {"country": "AE", "tpp": 1.5832e7, "allocation": 7.9e8, "ledger_before": 4.0e8,
             "after_package": 4.15832e8, "remaining": 3.74168e8, "citation": "15 CFR 740.27 (text mode)"},
            {"country": "SA", "tpp": 2.0e6, "allocation": None, "ledger_before": 0,
             "after_package": 2.0e6, "remaining": None, "citation": None}],
            "per_end_user": [{"end_user": "G42 Cloud", "country": "AE", "tpp": 1.5832e7, "cap": 2.69e7,
                              "ledger_before": 0}],
            "notes": ["AE: this package takes cumulative TPP to 415,832,000 of the 790,000,000 allocation"]},
        "versions": {"exportgate": "0.1.0", "rules_sha256": "cd" * 32,
                     "lists_as_of": {"ofac_sdn": "2024-05-03", "bis_entity": "2025-09-01"}},
    }
    result["content_hash"] = content_hash(result)
    return result
