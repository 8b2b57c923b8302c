"""Scenario tests written from the fact sheet (../shared/reference/export-rules.md).

Each scenario's id names the rule it exercises (CFR section / FR cite / fact-sheet section) and each
asserts the full outcome: status, licence exception and review policy.
"""

from __future__ import annotations

from typing import Any

import pytest
from determine_cases import B_ITEM, EAR99, GAMING_A, H100, H200, HBM, P_IC, WEIGHTS, case_doc, run

LR, LEA, NLR = "license_required", "license_exception_available", "no_license_required"
PROHIB, HOLD = "prohibited_without_authorization", "red_flag_hold"
DENIAL, CBC, APPROVAL = "presumption_of_denial", "case_by_case", "presumption_of_approval"
POD = "policy_of_denial"  # Part 746 / 744.21(e)(1): "a policy of denial"
DD = ["supp2_748_dd"]
PO = {"written_purchase_order": True}


def S(sid: str, mode: str, doc: dict[str, Any], status: str, exception: str | None, policy: str | None) -> Any:
    return pytest.param(mode, doc, (status, exception, policy), id=sid)


SCENARIOS = [
    # ---- §2.1 destination scope over time -------------------------------------------------
    S("87FR62186-2022-china-only-CN", "enforced", case_doc("2022-11-01", "CN", H100), LR, None, DENIAL),
    S("87FR62186-2022-macau-not-yet", "enforced", case_doc("2022-11-01", "MO", H100), NLR, None, None),
    S("88FR2821-2023-01-16-macau-day-before", "enforced", case_doc("2023-01-16", "MO", H100), NLR, None, None),
    S("88FR2821-2023-01-17-macau-added", "enforced", case_doc("2023-01-17", "MO", H100), LR, None, DENIAL),
    S("88FR2821-2023-06-saudi-not-yet", "enforced", case_doc("2023-06-01", "SA", H100), NLR, None, None),
    S("88FR73458-2023-11-17-saudi-D4", "enforced", case_doc("2023-11-17", "SA", H100), LR, None, CBC),
    S("88FR73458-israel-A6-excluded", "enforced", case_doc("2024-06-01", "IL", H100), NLR, None, None),
    S("88FR73458-taiwan-A6-excluded", "enforced", case_doc("2024-06-01", "TW", H100), NLR, None, None),
    S("88FR73458-vietnam-D1", "enforced", case_doc("2024-06-01", "VN", H100), LR, None, CBC),
    S("88FR73458-germany-NLR", "enforced", case_doc("2024-06-01", "DE", H100), NLR, None, None),
    S("742.6(a)(6)(iii)(B)-b-level-to-D1", "enforced", case_doc("2024-06-01", "KZ", B_ITEM, facts=PO), LEA, "ACA", CBC),
    S("742.6(a)(6)(iii)(B)-b-level-germany-NLR", "enforced", case_doc("2024-06-01", "DE", B_ITEM), NLR, None, None),
    S("90FR4544-text-worldwide-germany-AIA", "text", case_doc("2025-03-01", "DE", H100, end_user={"hq": "DE"}), LEA, "AIA", APPROVAL),
    S("90FR4544-enforced-2025-03-germany-NLR", "enforced", case_doc("2025-03-01", "DE", H100), NLR, None, None),
    S("90FR4544-text-2025-01-12-before-diffusion", "text", case_doc("2025-01-12", "DE", H100), NLR, None, None),
    S("BIS-2025-05-13-enforced-brazil-NLR", "enforced", case_doc("2025-06-01", "BR", H100), NLR, None, None),
    S("742.6(b)(10)(iii)(B)-text-brazil-LPP", "text", case_doc("2025-06-01", "BR", H100, quantity=100), LEA, "LPP", APPROVAL),
    S("742.6(a)(6)(iii)(B)-text-b-level-brazil-NLR", "text", case_doc("2025-06-01", "BR", B_ITEM), NLR, None, None),
    S("742.6(a)(6)(iii)-text-saudi-no-LPP-740.2(a)(9)(ii)", "text", case_doc("2025-06-01", "SA", H100, quantity=10), LR, None, APPROVAL),
    S("742.6(a)(6)-enforced-saudi-2025", "enforced", case_doc("2025-06-01", "SA", H100), LR, None, CBC),
    # ---- HQ rule (744.23(a)(3); 742.6(a)(6)(iii)(A); BIS guidance 2026-05-31) ------------
    S("744.23(a)(3)-2023-06-HQ-rule-not-yet", "enforced", case_doc("2023-06-01", "DE", H100, end_user={"hq": "CN"}), NLR, None, None),
    S("744.23(a)(3)-germany-CN-HQ-datacenter", "enforced", case_doc("2024-06-01", "DE", H100, end_user={"hq": "CN"}), LR, None, DENIAL),
    S("744.23(a)(3)-malaysia-parent-CN-NAC", "enforced",
      case_doc("2024-06-01", "MY", GAMING_A, end_user={"hq": "MY", "ultimate_parent_hq": "CN"}, facts=PO), LEA, "NAC", DENIAL),
    S("BIS-2026-05-31-macau-HQ-worldwide", "enforced", case_doc("2026-09-01", "DE", H100, end_user={"hq": "MO"}), LR, None, DENIAL),
    S("744.23(a)(3)-cambodia-HQ-while-D5", "enforced", case_doc("2025-06-01", "DE", H100, end_user={"hq": "KH"}), LR, None, DENIAL),
    S("22CFR126.1-cambodia-HQ-after-D5-removal", "enforced", case_doc("2026-01-01", "DE", H100, end_user={"hq": "KH"}), NLR, None, None),
    S("742.6(a)(6)-cambodia-still-D1", "enforced", case_doc("2026-01-01", "KH", H100), LR, None, CBC),
    S("85FR83765-hong-kong-as-china", "enforced", case_doc("2024-06-01", "HK", H100), LR, None, DENIAL),
    S("744.23(a)(3)(i)(A)-text-b-level-HQ-brazil", "text",
      case_doc("2025-06-01", "BR", B_ITEM, end_user={"hq": "CN"}, facts=PO), LEA, "NAC", DENIAL),
    # ---- 742.6(b)(10)(iii)(A)(1) China/Macau case-by-case (91 FR 1684) ---------------------
    S("91FR1684-2026-01-14-before", "enforced", case_doc("2026-01-14", "CN", H200, certifications=DD), LR, None, DENIAL),
    S("91FR1684-2026-01-15-case-by-case", "enforced", case_doc("2026-01-15", "CN", H200, certifications=DD), LR, None, CBC),
    S("91FR1684-macau-case-by-case", "enforced", case_doc("2026-02-01", "MO", H200, certifications=DD), LR, None, CBC),
    S("91FR1684-hong-kong-follows-china", "enforced", case_doc("2026-02-01", "HK", H200, certifications=DD), LR, None, CBC),
    S("91FR1684-text-mode-too", "text", case_doc("2026-02-01", "CN", H200, certifications=DD), LR, None, CBC),
    S("91FR1684-reexport-keeps-denial", "enforced",
      case_doc("2026-02-01", "CN", H200, transaction="reexport", origin="SG", certifications=DD), LR, None, DENIAL),
    S("91FR1684-no-dd-certifications", "enforced", case_doc("2026-02-01", "CN", H200), LR, None, DENIAL),
    S("91FR1684-partial-dd-certifications", "enforced",
      case_doc("2026-02-01", "CN", H200, certifications=["dd_us_supply", "dd_consignee_kyc"]), LR, None, DENIAL),
    S("91FR1684-TPP-21000-not-below", "enforced",
      case_doc("2026-02-01", "CN", {**H200, "tpp": 21000}, certifications=DD), LR, None, DENIAL),
    S("91FR1684-DRAM-6500-not-below", "enforced",
      case_doc("2026-02-01", "CN", {**H200, "total_dram_bandwidth_gbps": 6500}, certifications=DD), LR, None, DENIAL),
    S("91FR1684-DRAM-unknown-deny", "enforced",
      case_doc("2026-02-01", "CN", {"eccn": "3A090.a.1", "tpp": 15832, "datacenter_designed_or_marketed": True},
               certifications=DD), LR, None, DENIAL),
    # Russia is not China for the case-by-case path; 746.8(b)(3)'s policy of denial is the strictest
    S("91FR1684-russia-not-china", "enforced", case_doc("2026-02-01", "RU", H200, certifications=DD), LR, None, POD),
    S("91FR1684-CN-HQ-located-in-germany", "enforced",
      case_doc("2026-02-01", "DE", H200, end_user={"hq": "CN"}, certifications=DD), LR, None, DENIAL),
    # ---- 742.6(b)(10)(iii)(A)(2) and (iii)(B) text-mode policies --------------------------
    S("742.6(b)(10)(iii)(A)(2)-supp5a-HQ-in-brazil", "text",
      case_doc("2025-06-01", "BR", H100, quantity=100, end_user={"hq": "US"}), LEA, "LPP", APPROVAL),
    S("742.6(b)(10)(iii)(B)-allocation-within", "text",
      case_doc("2025-06-01", "BR", H100, quantity=2000, allocation_used_tpp=0), LR, None, APPROVAL),
    S("742.6(b)(10)(iii)(B)-allocation-exhausted", "text",
      case_doc("2025-06-01", "BR", H100, quantity=2000, allocation_used_tpp=789_000_000), LR, None, DENIAL),
    S("742.6(b)(10)(iii)(B)-allocation-period-ended-2028", "text",
      case_doc("2028-02-01", "BR", H100, quantity=2000), LR, None, CBC),
    # ---- LPP cap arithmetic (740.29) --------------------------------------------------------
    S("740.29-LPP-cap-exceeded-by-used", "text",
      case_doc("2025-06-01", "BR", H100, quantity=100, lpp_used_tpp=26_000_000), LR, None, APPROVAL),
    S("740.29-LPP-cap-exact", "text",
      case_doc("2025-06-01", "BR", {**H100, "tpp": 10000}, quantity=100, lpp_used_tpp=25_900_000), LEA, "LPP", APPROVAL),
    S("740.29-LPP-not-for-b-level", "text", case_doc("2025-06-01", "SA", B_ITEM, facts={"written_purchase_order": False}), LR, None, APPROVAL),
    S("740.29-LPP-not-for-D5-HQ", "text",
      case_doc("2025-06-01", "BR", H100, quantity=10, end_user={"hq": "CN"}), LR, None, DENIAL),
    S("740.28-ACM-storage", "text",
      case_doc("2025-06-01", "BR", H100, quantity=2000, end_use={"acm_activity": "storage"}), LEA, "ACM", APPROVAL),
    # ---- UAE approved-entity regime (Supp. 8 to Part 740; 91 FR 43038) ---------------------
    S("91FR43038-uae-2024-D4", "enforced", case_doc("2024-06-01", "AE", H100), LR, None, CBC),
    S("91FR43038-uae-2026-07-09-still-D4", "enforced", case_doc("2026-07-09", "AE", H100), LR, None, CBC),
    S("91FR43038-uae-named-not-approved", "enforced", case_doc("2026-08-01", "AE", H100), LR, None, CBC),
    S("740Supp8(b)-g42-approved", "enforced", case_doc("2026-08-01", "AE", H100, end_user={"supp8_entity": "g42"}), NLR, None, None),
    S("740Supp8(b)-g42-last-day", "enforced", case_doc("2027-04-06", "AE", H100, end_user={"supp8_entity": "g42"}), NLR, None, None),
    S("740Supp8(b)-g42-expired-2027-04-07", "enforced", case_doc("2027-04-07", "AE", H100, end_user={"supp8_entity": "g42"}), LR, None, CBC),
    S("740Supp8(c)-microsoft-text-mode", "text", case_doc("2026-08-01", "AE", H100, end_user={"supp8_entity": "microsoft"}), NLR, None, None),
    S("740Supp8(a)-government-text-mode-b", "text", case_doc("2026-08-01", "AE", B_ITEM, end_user={"supp8_entity": "uae_government"}), NLR, None, None),
    S("740Supp8-approved-but-located-abroad", "enforced",
      case_doc("2026-08-01", "AE", H100, end_user={"supp8_entity": "g42", "located_in": "SA"}), LR, None, CBC),
    S("742.6(a)(6)(iii)(B)-text-uae-b-ACA", "text", case_doc("2026-08-01", "AE", B_ITEM, facts=PO), LEA, "ACA", APPROVAL),
    # ---- 3A090.c and License Exception HBM (742.6(a)(6)(i)(B); 740.25) ---------------------
    S("740.25-HBM-china-CN-HQ", "enforced",
      case_doc("2025-01-01", "CN", HBM, end_user={"hq": "CN"}, exporter={"hq": "US"}), LEA, "HBM", DENIAL),
    S("742.6(b)(10)(ii)-HBM-china-KR-HQ-approval", "enforced",
      case_doc("2025-01-01", "CN", HBM, end_user={"hq": "KR"}, exporter={"hq": "KR"}), LEA, "HBM", APPROVAL),
    S("740.25-HBM-density-3.3-not-below", "enforced",
      case_doc("2025-01-01", "CN", {**HBM, "memory_bandwidth_density_gbps_per_mm2": 3.3}, end_user={"hq": "CN"}), LR, None, DENIAL),
    S("740.25-HBM-distributor", "enforced",
      case_doc("2025-01-01", "CN", HBM, end_user={"hq": "KR"}, facts={"consignee_is_distributor": True}), LR, None, APPROVAL),
    S("740.25-HBM-exporter-CN-HQ", "enforced",
      case_doc("2025-01-01", "CN", HBM, end_user={"hq": "KR"}, exporter={"hq": "CN"}), LR, None, APPROVAL),
    S("740.2(a)(9)(ii)-Note1-HBM-vietnam-NLR", "enforced", case_doc("2025-01-01", "VN", HBM), NLR, None, None),
    S("744.23(a)(3)(i)(B)-HBM-malaysia-CN-HQ", "enforced",
      case_doc("2025-01-01", "MY", HBM, end_user={"hq": "CN"}), LEA, "HBM", DENIAL),
    S("89FR96790-HBM-2024-12-02-in-force", "enforced", case_doc("2024-12-02", "CN", HBM, end_user={"hq": "CN"}), LEA, "HBM", DENIAL),
    # 746.8(a)(1) + 740.2(a)(6): HBM is not among 746.8(c)(2)'s exceptions (was HBM, the shortcut's answer)
    S("746.8(c)(2)-HBM-to-russia-barred", "enforced", case_doc("2024-12-02", "RU", HBM, end_user={"hq": "RU"}), LR, None, POD),
    # ---- NAC / ACA (740.8) --------------------------------------------------------------------
    S("88FR73458-NAC-all-destinations-before-ACA", "enforced", case_doc("2024-04-03", "SA", GAMING_A, facts=PO), LEA, "NAC", CBC),
    S("89FR23876-ACA-from-2024-04-04", "enforced", case_doc("2024-04-04", "SA", GAMING_A, facts=PO), LEA, "ACA", CBC),
    S("740.8-NAC-china-non-datacenter", "enforced", case_doc("2024-06-01", "CN", GAMING_A), LEA, "NAC", DENIAL),
    S("740.8-NAC-china-b-level", "enforced", case_doc("2024-06-01", "CN", B_ITEM, facts=PO), LEA, "NAC", DENIAL),
    S("740.8-no-NAC-datacenter-a", "enforced", case_doc("2024-06-01", "CN", H100), LR, None, DENIAL),
    S("740.8-datacenter-unknown-deny", "enforced",
      case_doc("2024-06-01", "CN", {"eccn": "3A090.a.1", "tpp": 5000}), LR, None, DENIAL),
    S("740.8-no-written-purchase-order", "enforced",
      case_doc("2024-06-01", "SA", GAMING_A, facts={"written_purchase_order": False}), LR, None, CBC),
    S("740.8-commercial-samples-exempt", "enforced",
      case_doc("2024-06-01", "SA", GAMING_A, facts={"written_purchase_order": False, "commercial_samples": True}), LEA, "ACA", CBC),
    S("740.8-ACA-in-country-transfer-china", "enforced",
      case_doc("2024-06-01", "CN", B_ITEM, transaction="transfer", origin="CN", facts=PO), LEA, "ACA", DENIAL),
    S("740.8(a)(3)-NAC-5A002.z-ENC", "enforced",
      case_doc("2024-06-01", "CN", {"eccn": "5A002.z.1.a", "tpp": 6000, "datacenter_designed_or_marketed": False}, facts=PO),
      LEA, "NAC", DENIAL),
    S("742.6(a)(6)(iii)(A)-5A992.z.1-server-saudi", "enforced",
      case_doc("2024-06-01", "SA", {"eccn": "5A992.z.1", "tpp": 126656, "datacenter_designed_or_marketed": True}), LR, None, CBC),
    S("742.6(a)(6)-4A090.b-vietnam-ACA", "enforced",
      case_doc("2024-06-01", "VN", {"eccn": "4A090.b", "tpp": 24000, "datacenter_designed_or_marketed": True}, facts=PO),
      LEA, "ACA", CBC),
    # ---- End use / end user (744.23, 744.11, 734.9(e)(2), 744.21, Part 746) ------------------
    S("744.11-entity-list-EAR99", "enforced",
      case_doc("2024-06-01", "DE", EAR99, end_user={"restricted_party_hits": [{"list": "entity_list", "license_policy": DENIAL}]}),
      LR, None, DENIAL),
    S("744.11-entity-list-bars-ACA", "enforced",
      case_doc("2024-06-01", "SA", GAMING_A, facts=PO,
               end_user={"restricted_party_hits": [{"list": "entity_list", "license_policy": CBC}]}), LR, None, CBC),
    S("744.11-entity-list-policy-not-given", "enforced",
      case_doc("2024-06-01", "DE", EAR99, end_user={"restricted_party_hits": [{"list": "entity_list"}]}),
      LR, None, "see_entity_list_entry"),
    S("734.9(e)(2)-footnote4-FDP-foreign-chip", "enforced",
      case_doc("2024-06-01", "CN", P_IC, origin="TW", transaction="reexport", foreign_produced={"direct_product_of": ["3E001"]},
               end_user={"restricted_party_hits": [{"list": "entity_list", "footnote": 4, "license_policy": DENIAL}]}),
      LR, None, DENIAL),
    S("734.9(e)(2)-foreign-chip-no-FDP", "enforced",
      case_doc("2024-06-01", "CN", P_IC, origin="TW", transaction="reexport", foreign_produced={"direct_product_of": []}),
      NLR, None, None),
    S("734.9(h)-advanced-computing-FDP", "enforced",
      case_doc("2024-06-01", "CN", H100, origin="TW", transaction="reexport", foreign_produced={"direct_product_of": ["3E001"]}),
      LR, None, DENIAL),
    S("744.21-MEU-list-hit", "enforced",
      case_doc("2024-06-01", "CN", P_IC, end_user={"restricted_party_hits": [{"list": "meu"}]}), LR, None, DENIAL),
    # Supp. 7 to Part 744: the MEU List covers the items of Supp. 2 only (was: a licence for EAR99 too)
    S("744Supp7-MEU-list-EAR99-not-in-supp2", "enforced",
      case_doc("2024-06-01", "CN", EAR99, end_user={"restricted_party_hits": [{"list": "meu"}]}), NLR, None, None),
    S("744.21-military-end-user-china", "enforced",
      case_doc("2024-06-01", "CN", P_IC, end_user={"military_or_intel": True}), LR, None, DENIAL),
    S("744.21-military-end-user-germany", "enforced",
      case_doc("2024-06-01", "DE", P_IC, end_user={"military_or_intel": True}), NLR, None, None),
    S("744.23(a)(1)-supercomputer-3A991", "enforced",
      case_doc("2024-06-01", "CN", P_IC, end_use={"supercomputer": True}), LR, None, DENIAL),
    S("744.23(a)(1)-supercomputer-EAR99-narrowed", "enforced",
      case_doc("2024-06-01", "CN", EAR99, end_use={"supercomputer": True}), NLR, None, None),
    S("87FR62186-supercomputer-any-item-2023", "enforced",
      case_doc("2023-06-01", "CN", EAR99, end_use={"supercomputer": True}), LR, None, DENIAL),
    S("744.23(a)(1)-5A992.z-bars-NAC-740.8(b)", "enforced",
      case_doc("2024-06-01", "CN", {"eccn": "5A992.z.1", "tpp": 5000, "datacenter_designed_or_marketed": False}, facts=PO,
               end_use={"supercomputer": True}), LR, None, DENIAL),
    S("744.23(a)(1)-3A090-outside-narrowed-scope-NAC", "enforced",
      case_doc("2024-06-01", "CN", GAMING_A, facts=PO, end_use={"supercomputer": True}), LEA, "NAC", DENIAL),
    S("744.23(a)(2)-advanced-node-EAR99", "enforced",
      case_doc("2024-06-01", "CN", EAR99, end_use={"advanced_node_ic_production": True}), LR, None, DENIAL),
    S("744.23(a)(2)-macau-2022-not-yet", "enforced",
      case_doc("2022-11-01", "MO", EAR99, end_use={"advanced_node_ic_production": True}), NLR, None, None),
    S("744.2-WMD-end-use", "enforced", case_doc("2024-06-01", "DE", EAR99, end_use={"wmd": True}), LR, None, DENIAL),
    # the Part 746 regimes (were the blanket E:1/E:2 "prohibited" shortcut)
    S("746.7(e)-iran-3A090-prohibited-OFAC", "enforced", case_doc("2024-06-01", "IR", H100), PROHIB, None, POD),
    S("746.2(a)-cuba-EAR99-licence", "enforced", case_doc("2024-06-01", "CU", EAR99), LR, None, POD),
    S("746.4(a)-north-korea-AT-only-case-by-case", "text", case_doc("2025-06-01", "KP", P_IC), LR, None, CBC),
    S("746.9-syria-2024-3A090-no-NAC", "enforced", case_doc("2024-06-01", "SY", GAMING_A, facts=PO), LR, None, POD),
    S("764.3-denied-person", "enforced",
      case_doc("2024-06-01", "DE", EAR99, end_user={"restricted_party_hits": [{"list": "dpl"}]}), PROHIB, None, None),
    S("744.15-UVL-no-exceptions", "enforced",
      case_doc("2024-06-01", "SA", GAMING_A, facts=PO, end_user={"restricted_party_hits": [{"list": "uvl"}]}), LR, None, CBC),
    # ---- KYC red flags (Supp. 3 to Part 732; BIS guidance 2025-05-13) -------------------------
    S("732Supp3-flag9-freight-forwarder", "enforced", case_doc("2024-06-01", "DE", H100, red_flags=["supp3.9"]), HOLD, None, None),
    S("732Supp3-flag-resolved", "enforced",
      case_doc("2024-06-01", "DE", H100, red_flags=[{"id": "supp3.9", "resolved": True, "resolution": "verified"}]), NLR, None, None),
    S("BIS-2025-05-13-diversion-flag-with-licence", "enforced",
      case_doc("2025-06-01", "CN", H100, red_flags=["ai2025.residential_address"]), HOLD, None, DENIAL),
    S("90FR50857-flag29-stayed", "enforced", case_doc("2026-01-01", "DE", EAR99, red_flags=["supp3.29"]), NLR, None, None),
    S("90FR50857-flag29-after-stay", "enforced", case_doc("2026-11-20", "DE", EAR99, red_flags=["supp3.29"]), HOLD, None, None),
    # ---- 4E091 model weights (742.6(a)(13), (b)(14); 740.27) ----------------------------------
    S("742.6(a)(13)-text-weights-germany-AIA", "text",
      case_doc("2025-06-01", "DE", WEIGHTS, end_user={"hq": "DE"}), LEA, "AIA", CBC),
    S("742.6(b)(14)-text-weights-brazil-denial", "text", case_doc("2025-06-01", "BR", WEIGHTS), LR, None, DENIAL),
    S("742.6(a)(13)-enforced-weights-deny-by-default", "enforced",
      case_doc("2025-06-01", "DE", WEIGHTS, end_user={"hq": "DE"}), LR, None, CBC),
    S("740.27-AIA-not-for-non-supp5a-HQ", "text",
      case_doc("2025-06-01", "DE", WEIGHTS, end_user={"hq": "CN"}), LR, None, DENIAL),
    # ---- AT-only / EAR99 -----------------------------------------------------------------------
    S("774Supp1-3A991.p-AT-only-china", "enforced", case_doc("2024-06-01", "CN", P_IC), NLR, None, None),
    # 746.8(a)(1): any ECCN, AT-only included (was NLR)
    S("774Supp1-4A994.l-AT-only-russia", "enforced", case_doc("2024-06-01", "RU", {"eccn": "4A994.l"}), LR, None, POD),
]


@pytest.mark.parametrize(("mode", "doc", "expected"), SCENARIOS)
def test_scenario(mode: str, doc: dict[str, Any], expected: tuple[str, str | None, str | None], rules: Any) -> None:
    d = run(doc, mode, rules)
    assert (d.status, d.license_exception, d.review_policy) == expected, "\n".join(d.reasons)
    assert d.citations, "every determination cites its rules"
    if expected[0] in (LR, LEA, PROHIB):
        assert d.license_required is True
    elif expected[0] == NLR:
        assert d.license_required is False
