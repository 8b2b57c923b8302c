"""Hand-built package check results following docs/design/memo.md (the check engine is separate).

The sample exercises what the memo must show a reviewer: a licence with its operative provision, the same
answer for several lines and end users (collapsed into one row), a licence exception with its conditions, a line
that needs manual classification, a held red flag, an undecided hit and a re-opened decision with the listed
entries' details, and the provenance block.
"""

from __future__ import annotations

from typing import Any

from exportgate.packages.memo import content_hash

EL_CITE = "15 CFR 742.6(a)(6)(iii); 88 FR 73458"


def _nlr(dest: str, eu: str) -> dict[str, Any]:
    return {"destination": dest, "end_user": eu, "status": "no_license_required", "license_exception": None,
            "review_policy": None, "conditions": [], "operative": None,
            "reasons": [f"determination on 2026-03-01 in enforced mode: export from US to {dest}",
                        "EAR99 is AT-only or EAR99: no RS licence requirement on the CCL basis",
                        "no licence requirement found for this item, destination, end user and end use"],
            "citations": ["15 CFR 762.6"]}


def make_result(verdict: str = "license_required") -> dict[str, Any]:
    result: dict[str, Any] = {
        "schema_version": 1,
        "package": {"name": "Gulf sovereign AI cluster", "date": "2026-03-01", "destinations": ["AE", "SA"],
                    "source_file": "gulf.yaml", "source_sha256": "ab" * 32},
        "as_of": "2026-03-01",
        "mode": "enforced",
        "verdict": verdict,
        "verdict_reasons": ["hardware[0] needs a licence to AE (3A090.a.1)",
                            "also (review): red flag supp3.1: Customer reluctant to give end-use information"],
        "conditions": ["written purchase order before shipment (740.8) (layers.hardware[0])"],
        "licenses_needed": [{"line": "layers.hardware[0]", "description": "NVIDIA H100 SXM accelerators",
                             "destination": "AE", "end_user": "G42 Cloud", "classification": "3A090.a.1",
                             "status": "license_required", "review_policy": "case_by_case",
                             "operative": {"kind": "requirement", "name": "destination", "provision": "742.6(a)(6)",
                                           "citation": EL_CITE,
                                           "reason": "AE is in the licence set for .a-level items"},
                             "citations": ["15 CFR 762.6", EL_CITE, "15 CFR 740 Supp. 1"]}],
        "completeness": {"findings": [
            {"id": "us_content.below_presumption", "severity": "warning",
             "message": "US-origin share of the hardware layer is 40%, below the 51% presumption",
             "citation": "EO 14320 sec. 3"}]},
        "layers": [
            {"key": "hardware", "title": "AI-optimized hardware, storage, cloud, networking", "lines": [
                {"ref": "layers.hardware[0]", "description": "NVIDIA H100 SXM accelerators", "quantity": 1000,
                 "value": 3.0e7, "classification": "3A090.a.1", "tpp": 15832.0,
                 "classify_reasons": ["TPP 15832 >= 4800"], "classify_citations": ["15 CFR 774 Supp. 1, 3A090"],
                 "determinations": [
                     {"destination": "AE", "end_user": "G42 Cloud", "quantity": 600, "status": "license_required",
                      "license_required": True, "license_exception": None, "review_policy": "case_by_case",
                      "conditions": [],
                      "operative": {"kind": "requirement", "name": "destination", "provision": "742.6(a)(6)",
                                    "citation": EL_CITE, "reason": "AE is in the licence set for .a-level items"},
                      "reasons": ["AE is in D:4 and 3A090.a.1 is controlled there"],
                      "citations": ["15 CFR 762.6", EL_CITE, "15 CFR 740 Supp. 1"]},
                     {"destination": "SA", "end_user": "Humain | KSA", "quantity": 400,
                      "status": "license_exception_available", "license_exception": "NAC", "review_policy": None,
                      "conditions": ["notify BIS 25 days before"],
                      "operative": {"kind": "exception", "name": "NAC", "provision": "License Exception NAC",
                                    "citation": "15 CFR 740.8", "reason": "NAC notification available"},
                      "reasons": ["NAC notification available"], "citations": ["15 CFR 740.8"]}]},
                {"ref": "layers.hardware[1]", "description": "Ethernet switches <fast> & cheap", "quantity": 40,
                 "value": 2.0e6, "classification": "EAR99", "tpp": None, "classify_reasons": [],
                 "determinations": [_nlr("AE", "G42 Cloud"), _nlr("SA", "Humain | KSA")]},
                {"ref": "layers.hardware[2]", "description": "Storage arrays", "quantity": 4,
                 "value": 1.0e6, "classification": "EAR99", "tpp": None, "classify_reasons": [],
                 "determinations": [_nlr("AE", "G42 Cloud"), _nlr("SA", "Humain | KSA")]},
                {"ref": "layers.hardware[3]", "description": "Optical transceivers", "quantity": 200,
                 "value": 4.0e5, "classification": "5A002.a", "tpp": None, "classify_reasons": [],
                 "status": "needs_manual_classification",
                 "manual_reason": "'5A002.a' is not a classification this engine's rule data covers",
                 "determinations": []}]},
            {"key": "models", "title": "AI models and systems", "lines": [
                {"ref": "layers.models[0]", "description": "Open-weight LLM fine-tune", "quantity": 1,
                 "value": 0, "classification": None, "not_subject_to_ear": "734.7(a)", "tpp": None,
                 "classify_reasons": ["the weights are published (734.7(a)): not subject to the EAR"],
                 "determinations": []}]},
        ],
        "screening": {"lists_as_of": {"ofac_sdn": "2024-05-03", "entity_list": "2025-09-01"},
                      "parties": [
                          {"name": "G42 Cloud", "role": "end_user", "kind": "party", "country": "AE",
                           "status": "clear", "matches": []},
                          {"name": "Торговый дом Восток", "role": "intermediary", "kind": "party", "country": "RU",
                           "status": "potential",
                           "matches": [{"entity_id": "ofac_sdn:12345", "list": "ofac_sdn",
                                        "name": "TORGOVY DOM VOSTOK", "matched_name": "TORGOVY DOM VOSTOK",
                                        "score": 0.91, "country": "RU", "strength": "potential",
                                        "explanation": {"aligned": [{"query": "torgovy", "listed": "torgovy"}]},
                                        "entry": {"type": "entity", "programs": ["RUSSIA-EO14024"],
                                                  "addresses": ["Ul. Lenina 1, Moscow, RU"],
                                                  "identifiers": [{"kind": "Tax ID No.", "value": "7701234567",
                                                                   "country": "RU"}],
                                                  "remarks": "Secondary sanctions risk", "list_date": "2024-05-03",
                                                  "aliases": ["TD VOSTOK"]}}]},
                          {"name": "Huawei Technologies Co., Ltd.", "role": "consignee", "kind": "party",
                           "country": "CN", "status": "strong",
                           "matches": [{"entity_id": "entity_list:el-1", "list": "entity_list",
                                        "name": "Huawei Technologies Co., Ltd.",
                                        "matched_name": "Huawei Technologies Co., Ltd.", "score": 0.99,
                                        "country": "CN", "strength": "strong", "entity_list_footnote": 4,
                                        "license_policy": "Presumption of denial.",
                                        "explanation": {"aligned": [{"query": "huawei", "listed": "huawei"},
                                                                    {"query": "technology", "listed": "technology"}]},
                                        "entry": {"type": "entity", "programs": [],
                                                  "addresses": ["Bantian, Longgang District, Shenzhen, CN"],
                                                  "license_requirement": "For all items subject to the EAR.",
                                                  "license_policy": "Presumption of denial.",
                                                  "entity_list_footnote": 4, "start_date": "2019-05-16",
                                                  "federal_register_notice": "84 FR 22961",
                                                  "list_date": "2025-09-01"},
                                        "decision": {"party": "Huawei Technologies Co., Ltd.",
                                                     "entity_id": "entity_list:el-1", "decision": "false_positive",
                                                     "by": "A. Rao", "on": "2025-01-10",
                                                     "reason": "a different Huawei entity", "status": "reopened"}}]}]},
        "red_flags": [{"id": "supp3.1", "description": "Customer reluctant to give end-use information",
                       "citation": "15 CFR 732 Supp. 3", "held": True}],
        "compute": {"per_destination": [
            {"country": "AE", "tpp": 9.4992e6, "allocation": 7.9e8, "ledger_before": 4.0e8,
             "after_package": 4.094992e8, "remaining": 3.805008e8, "citation": "15 CFR 740.27 (text mode)"},
            {"country": "SA", "tpp": 6.3328e6, "allocation": None, "ledger_before": 0,
             "after_package": 6.3328e6, "remaining": None, "citation": None}],
            "per_end_user": [{"end_user": "G42 Cloud", "country": "AE", "tpp": 9.4992e6, "cap": 2.69e7,
                              "ledger_before": 0}],
            "notes": ["AE: this package takes cumulative TPP to 409,499,200 of the 790,000,000 allocation"]},
        "versions": {"exportgate": "0.1.0", "rules_sha256": "cd" * 32,
                     "lists_as_of": {"ofac_sdn": "2024-05-03", "entity_list": "2025-09-01"},
                     "lists_version": "embedded-2025-12-19",
                     "lists": [{"list": "ofac_sdn", "as_of": "2024-05-03", "file": "sdn_2024-05-03.csv.gz",
                                "sha256": "ef" * 32, "origin": "embedded"},
                               {"list": "entity_list", "as_of": "2025-09-01", "file": "consolidated.csv.gz",
                                "sha256": "12" * 32, "origin": "embedded"}]},
        "provenance": {"produced_at": "2026-03-01T09:30:00+04:00", "produced_by": "j.doe"},
    }
    result["content_hash"] = content_hash(result)
    return result
