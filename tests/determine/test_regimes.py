"""The Part 746 country regimes, 744.21/744.22 by country, General Prohibition 10, every party to the transaction
and is-informed letters — written from the CFR text as the research for issue 19 reads it
(../wt/research-746.md; fact sheet §2.13).

For each regime: an AT-only item, an EAR99 item and a 3A090 item; a date on each side of every change in the
rule data; the licence exception that is or is not allowed; the reasons and citations the answer shows.
"""

from __future__ import annotations

from typing import Any

import pytest
from determine_cases import EAR99, GAMING_A, H100, P_IC, case_doc, run

from exportgate.determine import Determination
from exportgate.errors import InputError

LR, LEA, NLR = "license_required", "license_exception_available", "no_license_required"
PROHIB = "prohibited_without_authorization"
POD, DENIAL, CBC, APPROVAL = "policy_of_denial", "presumption_of_denial", "case_by_case", "presumption_of_approval"
AT_ONLY = {"eccn": "4A994.l"}
PO = {"written_purchase_order": True}


def outcome(d: Determination) -> tuple[str, str | None, str | None]:
    return d.status, d.license_exception, d.review_policy


def provisions(d: Determination) -> list[str]:
    return [r.provision for r in d.requirements]


def said(d: Determination, *parts: str) -> bool:
    """Some reason contains every one of ``parts``."""
    return any(all(p in r for p in parts) for r in d.reasons)


def cited(d: Determination, text: str) -> bool:
    return any(text in c for c in d.citations)


# ------------------------------------------------------------------------------------------- 746.8


@pytest.mark.parametrize(
    ("item", "extra", "expected", "provision"),
    [
        pytest.param(AT_ONLY, {}, (LR, None, POD), "746.8(a)(1)", id="AT-only-4A994.l"),
        pytest.param(P_IC, {}, (LR, None, POD), "746.8(a)(1)", id="AT-only-3A991.p"),
        pytest.param(EAR99, {}, (LR, None, POD), "746.8(a)(5)-(8)", id="EAR99-HTS-deny-by-default"),
        pytest.param(GAMING_A, {"facts": PO}, (LR, None, POD), "746.8(a)(1)", id="3A090-no-NAC"),
    ],
)
@pytest.mark.parametrize("dest", ["RU", "BY"])
def test_746_8_any_eccn_and_ear99(dest: str, item: dict[str, Any], extra: dict[str, Any],
                                  expected: tuple[str, None, str], provision: str, rules: Any) -> None:
    """746.8(a)(1): a licence for any item in any ECCN (AT-only included) to RU/BY; EAR99 only through the HTS-6
    supplements, which the engine cannot read: licence required until the HTS-6 code is confirmed outside them."""
    d = run(case_doc("2024-06-01", dest, item, **extra), rules=rules)
    assert outcome(d) == expected, "\n".join(d.reasons)
    assert provision in provisions(d)
    req = next(r for r in d.requirements if r.provision == provision)
    assert req.part == "746" and req.basis == "russia_belarus" and req.citation.startswith("15 CFR 746.8")
    assert req.exceptions == ("TMP", "GOV", "TSU", "BAG", "AVS", "ENC", "CCD", "MED")
    assert said(d, provision, "licence required", "740.2(a)(6)")
    assert cited(d, "15 CFR 746.8(c)(2)") and cited(d, "15 CFR 746.8(b)(3)")
    if item is EAR99:
        assert any("HTS-6 code" in c and "Supps. 4, 5 and 6" in c for c in d.conditions)
    if item is GAMING_A:
        assert said(d, "License Exception NAC: does not overcome 746.8(a)(1)", "740.8(b)")


def test_746_8_in_country_transfer_within_belarus_gets_no_aca(rules: Any) -> None:
    """746.8(a)(1) covers transfers (in-country) within RU/BY; 740.8(b): no ACA (was: ACA for a .b chip)."""
    doc = case_doc("2024-06-01", "BY", {"eccn": "3A090.b.1", "tpp": 3000, "datacenter_designed_or_marketed": True},
                   transaction="transfer", origin="BY", facts=PO)
    d = run(doc, rules=rules)
    assert outcome(d) == (LR, None, POD)
    assert said(d, "746.8(a)(1)", "within BY")
    assert said(d, "License Exception ACA: does not overcome 746.8(a)(1)", "740.8(b)")
    # the same transfer within China (no Part 746 regime) keeps ACA's in-country authorization
    cn = run({**doc, "origin": "CN", "destination": "CN", "end_user": {"name": "E", "located_in": "CN"}}, rules=rules)
    assert outcome(cn) == (LEA, "ACA", DENIAL)


@pytest.mark.parametrize(
    ("item", "civil", "expected"),
    [
        ({"eccn": "5A992.c"}, "a5a6", (NLR, None, None)),  # (a)(12)(ii)(D)
        ({"eccn": "5D992.c"}, "us", (NLR, None, None)),  # (a)(12)(ii)(A)
        ({"eccn": "5A991"}, "us_a5a6_jv", (NLR, None, None)),  # (a)(12)(ii)(C)
        ({"eccn": "5A992.c"}, None, (LR, None, POD)),  # not shown to be a civil end user of (A)-(F)
        (AT_ONLY, "a5a6", (LR, None, CBC)),  # 4A994 is not excluded; (b)(3)(vi) case-by-case
    ],
)
def test_746_8_a12ii_civil_end_user_exclusion(item: dict[str, Any], civil: str | None,
                                              expected: tuple[str, str | None, str | None], rules: Any) -> None:
    eu = {"civil_subsidiary": civil} if civil else {}
    d = run(case_doc("2024-06-01", "RU", item, end_user=eu), rules=rules)
    assert outcome(d) == expected, "\n".join(d.reasons)
    if expected[0] == NLR:
        assert said(d, "746.8(a)(12)(ii)", "no 746.8 licence required")
        assert any("740.17" in c for c in d.conditions)
    elif civil is None:
        assert any("746.8(a)(12)(ii)" in c and "civil_subsidiary" in c for c in d.conditions)
    else:
        assert said(d, "review policy case_by_case", "civil end user a5a6")


def test_746_8_a8_software_in_the_hts_condition_from_2024_09_16(rules: Any) -> None:
    """746.8(a)(8) (EAR99 enterprise software) from 2024-09-16: the EAR99 condition names it only from then."""
    before = run(case_doc("2024-09-15", "RU", EAR99), rules=rules)
    after = run(case_doc("2024-09-16", "RU", EAR99), rules=rules)
    assert outcome(before) == outcome(after) == (LR, None, POD)
    assert not any("(a)(8) software" in c for c in before.conditions)
    assert any("(a)(8) software (ERP, CRM" in c for c in after.conditions)


def test_746_8_a2_russia_fdp_rule_and_supp3_origin(rules: Any) -> None:
    """734.9(f): a foreign-produced direct product of product-group D/E technology destined to Russia is subject
    to the EAR and needs a 746.8(a)(2) licence; from a Supp. 3 country (a)(12)(iii)(A) is a condition to confirm."""
    doc = case_doc("2024-06-01", "RU", P_IC, origin="CN", transaction="reexport",
                   foreign_produced={"direct_product_of": ["3E991"]})
    d = run(doc, rules=rules)
    assert outcome(d) == (LR, None, POD)
    assert provisions(d)[:2] == ["746.8(a)(2)", "746.8(a)(1)"]
    assert said(d, "Russia/Belarus/Crimea FDP rule (734.9(f))")
    jp = run({**doc, "origin": "JP"}, rules=rules)
    assert any("Supp. 3 to Part 746" in c and "746.8(a)(12)(iii)(A)" in c for c in jp.conditions)
    # the same item to Germany is caught by no FDP rule evaluated: not subject to the EAR
    de = run({**doc, "destination": "DE", "end_user": {"name": "E", "located_in": "DE"}}, rules=rules)
    assert outcome(de) == (NLR, None, None)


def test_746_8_supp3_taiwan_from_2023_02_24(rules: Any) -> None:
    """Supp. 3 to Part 746 gained Taiwan on 2023-02-24 (88 FR 12150): from then an FDP item reexported from TW to
    Russia carries the (a)(12)(iii)(A) exclusion to confirm; the day before it does not (the licence stays)."""
    doc = case_doc("2023-02-23", "RU", P_IC, origin="TW", transaction="reexport",
                   foreign_produced={"direct_product_of": ["3E991"]})
    before = run(doc, rules=rules)
    after = run({**doc, "date": "2023-02-24"}, rules=rules)
    assert outcome(before) == outcome(after) == (LR, None, POD)
    assert not any("Supp. 3 to Part 746" in c for c in before.conditions)
    assert any("TW is listed in Supp. 3 to Part 746" in c and "746.8(a)(12)(iii)(A)" in c for c in after.conditions)
    assert cited(after, "88 FR 12150") and not cited(before, "88 FR 12150")


def test_746_8_a3_footnote3_party_anywhere_no_exceptions(rules: Any) -> None:
    """734.9(g) / 746.8(a)(3): a footnote 3 Entity List party (here the purchaser): a licence to any destination,
    no licence exception, denial in all cases ((b)(1)); 744.21(a)(2) for a footnote 3 party outside RU/BY."""
    doc = case_doc("2024-06-01", "DE", P_IC, origin="TW", transaction="reexport",
                   foreign_produced={"direct_product_of": ["3D991"]},
                   parties=[{"role": "purchaser", "name": "Kaluga Trade", "located_in": "DE",
                             "restricted_party_hits": [{"list": "entity_list", "footnote": 3}]}])
    d = run(doc, rules=rules)
    assert outcome(d) == (LR, None, POD)
    assert "746.8(a)(3)" in provisions(d) and "744.21(a)(2)" in provisions(d)
    a3 = next(r for r in d.requirements if r.provision == "746.8(a)(3)")
    assert a3.exceptions == () and a3.review_policy == POD
    assert said(d, "Kaluga Trade (purchaser)", "734.9(g)")


# ------------------------------------------------------------------------------------------- 746.6


@pytest.mark.parametrize(
    ("region", "item", "extra", "expected", "provision"),
    [
        ("crimea", AT_ONLY, {}, (LR, None, POD), "746.6(a)(1)(i)"),
        ("Sevastopol", EAR99, {}, (LR, None, POD), "746.6(a)(1)(i)"),
        ("dnr", GAMING_A, {"facts": PO}, (LR, None, POD), "746.6(a)(2)"),
        ("Luhansk", EAR99, {}, (LR, None, POD), "746.6(a)(2)"),
        ("crimea", EAR99, {"item_category": "food"}, (NLR, None, None), None),
        ("lnr", {"eccn": "5D992.c"}, {"item_category": "personal_communications_software"}, (NLR, None, None), None),
        ("lnr", AT_ONLY, {"item_category": "personal_communications_software"}, (LR, None, POD), "746.6(a)(2)"),
        ("rest_of_ukraine", GAMING_A, {"facts": PO}, (NLR, None, None), None),
        ("Kyiv", EAR99, {}, (NLR, None, None), None),
    ],
)
def test_746_6_the_region_decides(region: str, item: dict[str, Any], extra: dict[str, Any],
                                  expected: tuple[str, str | None, str | None], provision: str | None,
                                  rules: Any) -> None:
    d = run(case_doc("2024-06-01", "UA", item, destination_region=region, **extra), rules=rules)
    assert outcome(d) == expected, "\n".join(d.reasons)
    if provision is not None:
        req = next(r for r in d.requirements if r.provision == provision)
        assert req.exceptions == ("TMP", "GOV", "GFT", "TSU", "BAG", "AVS", "MED")
        assert req.citation.startswith("15 CFR 746.6")
        assert cited(d, "15 CFR 746.6(b)") and cited(d, "15 CFR 746.6(c)")
    if item is GAMING_A and provision is not None:
        assert said(d, "License Exception NAC: does not overcome 746.6(a)(2)")


@pytest.mark.parametrize(
    ("region", "problem"),
    [
        (None, "required for destination UA"),
        ("atlantis", "unknown region 'atlantis'"),
        ("Mariupol", "does not settle the region"),
        ("Donetsk oblast", "OFAC FAQ 1009"),
    ],
)
def test_746_6_region_errors_name_the_field(region: str | None, problem: str, rules: Any) -> None:
    extra = {"destination_region": region} if region else {}
    with pytest.raises(InputError) as exc:
        run(case_doc("2024-06-01", "UA", EAR99, **extra), rules=rules)
    assert exc.value.field == "destination_region" and problem in exc.value.problem
    assert "crimea, dnr, lnr, rest_of_ukraine" in exc.value.problem


def test_746_6_region_only_for_ukraine(rules: Any) -> None:
    with pytest.raises(InputError) as exc:
        run(case_doc("2024-06-01", "DE", EAR99, destination_region="crimea"), rules=rules)
    assert exc.value.field == "destination_region" and "UA only" in exc.value.problem


def test_746_6_crimea_fdp_from_2023_05_19(rules: Any) -> None:
    """734.9(f) reaches the occupied Crimea region from 2023-05-19 (88 FR 33422): a foreign-produced item is
    subject to the EAR only from then, and needs a 746.6(a)(1)(ii) licence."""
    doc = case_doc("2023-05-18", "UA", P_IC, origin="CN", transaction="reexport", destination_region="crimea",
                   foreign_produced={"direct_product_of": ["3E991"]})
    before = run(doc, rules=rules)
    after = run({**doc, "date": "2023-05-19"}, rules=rules)
    assert outcome(before) == (NLR, None, None)
    assert outcome(after) == (LR, None, POD)
    assert "746.6(a)(1)(ii)" in provisions(after)


# ------------------------------------------------------------------------------------------- 746.7


@pytest.mark.parametrize(
    ("item", "extra", "provision"),
    [
        (AT_ONLY, {}, "746.7(a)(1)(i), (e)"),
        (EAR99, {}, "746.7(e)"),
        (H100, {}, "746.7(a)(1)(i), (e)"),
        (EAR99, {"item_category": "food"}, "746.7(e)"),
    ],
)
def test_746_7_iran_prohibited_route_ofac(item: dict[str, Any], extra: dict[str, Any], provision: str,
                                          rules: Any) -> None:
    """746.7(e): no export or reexport of any item subject to the EAR (EAR99 included) the ITSR prohibit without
    OFAC authorization; (c) no licence exceptions; the route is OFAC ((a)(2))."""
    d = run(case_doc("2024-06-01", "IR", item, **extra), rules=rules)
    assert outcome(d) == (PROHIB, None, POD)
    assert d.operative is not None and (d.operative.name, d.operative.provision) == ("iran", provision)
    assert d.requirements[0].exceptions == ()
    assert said(d, "prohibited without authorization", "authorization route: OFAC", "746.7(a)(2)")
    assert cited(d, "15 CFR 746.7(a)(2), (e)")
    if extra:
        assert any("OFAC's licensing procedures" in c for c in d.conditions)


# ------------------------------------------------------------------------------------------- 746.9


@pytest.mark.parametrize(
    ("item", "extra", "before", "after"),
    [
        (EAR99, {}, (LR, None, POD), (LEA, "SPP", CBC)),
        (AT_ONLY, {}, (LR, None, POD), (LR, None, CBC)),
        (GAMING_A, {"facts": PO}, (LR, None, POD), (LR, None, DENIAL)),
        (EAR99, {"item_category": "medicine"}, (NLR, None, None), (NLR, None, None)),
    ],
)
def test_746_9_syria_either_side_of_2025_09_02(item: dict[str, Any], extra: dict[str, Any],
                                               before: tuple[str, str | None, str | None],
                                               after: tuple[str, str | None, str | None], rules: Any) -> None:
    """746.9(a): a licence for all items except EAR99 food and medicine. From 2025-09-02 (90 FR 42320) License
    Exception SPP (740.5) authorizes EAR99 items and the review policy is more favourable."""
    a = run(case_doc("2025-09-01", "SY", item, **extra), rules=rules)
    b = run(case_doc("2025-09-02", "SY", item, **extra), rules=rules)
    assert outcome(a) == before, "\n".join(a.reasons)
    assert outcome(b) == after, "\n".join(b.reasons)
    if before[0] == LR:
        assert "746.9(a)" in provisions(a) and "746.9(a)" in provisions(b)
        assert said(a, "746.9(a)", "only License Exceptions TMP, GOV, TSU, BAG, AVS")
        # the categories 746.9(c) reviews case by case are named as such beside the default
        assert said(a, "746.9 review policy: policy_of_denial; case-by-case for: U.S. Government activities")
        assert said(b, "746.9 review policy: case_by_case; approval favoured: telecommunications")
        assert said(b, "746.9(a)", "only License Exceptions SPP, TMP, RPL, GOV")
        assert cited(b, "90 FR 42320")
    if item is GAMING_A:
        assert said(b, "License Exception NAC: does not overcome 746.9(a)", "740.8(b)")
    if after[1] == "SPP":
        assert b.operative is not None and b.operative.citation.startswith("15 CFR 740.5")
        assert said(b, "License Exception SPP available")
        assert not said(a, "SPP")  # not listed by 746.9(b) before 2025-09-02: not evaluated


def test_746_9_spp_not_where_a_part_744_requirement_applies(rules: Any) -> None:
    """740.5(b): SPP does not authorize an export that needs a Part 744 licence (here 744.22: Syria is in E:1)."""
    d = run(case_doc("2025-10-01", "SY", EAR99, end_user={"military_intelligence_end_user": True}), rules=rules)
    assert outcome(d) == (LR, None, DENIAL)
    assert said(d, "License Exception SPP: does not overcome 744.22(a)")


def test_746_9_covers_exports_and_reexports_not_transfers_within_syria(rules: Any) -> None:
    d = run(case_doc("2024-06-01", "SY", EAR99, transaction="transfer", origin="SY"), rules=rules)
    assert outcome(d) == (NLR, None, None)
    assert said(d, "746.9: the licence requirement covers export, reexport")


# ------------------------------------------------------------------------------------------- 746.2, 746.4


@pytest.mark.parametrize(
    ("dest", "item", "extra", "expected", "provision"),
    [
        ("CU", AT_ONLY, {}, (LR, None, POD), "746.2(a)"),
        ("CU", EAR99, {}, (LR, None, POD), "746.2(a)"),
        ("CU", EAR99, {"item_category": "food"}, (LR, None, POD), "746.2(a)"),  # no food carve-out (AGR instead)
        ("CU", EAR99, {"item_category": "medicine"}, (LR, None, APPROVAL), "746.2(a)"),  # 746.2(b)(1)
        ("CU", GAMING_A, {"facts": PO}, (LR, None, POD), "746.2(a)"),
        ("KP", AT_ONLY, {}, (LR, None, CBC), "746.4(a)"),
        ("KP", EAR99, {}, (LR, None, CBC), "746.4(a)"),
        ("KP", EAR99, {"item_category": "food"}, (NLR, None, None), None),
        ("KP", GAMING_A, {"facts": PO}, (LR, None, DENIAL), "746.4(a)"),  # 742.6's denial is the stricter
    ],
)
def test_746_2_cuba_and_746_4_north_korea(dest: str, item: dict[str, Any], extra: dict[str, Any],
                                          expected: tuple[str, str | None, str | None], provision: str | None,
                                          rules: Any) -> None:
    for day in ("2024-06-01", "2026-06-01"):  # no change in these regimes' rule data over its range
        d = run(case_doc(day, dest, item, **extra), rules=rules)
        assert outcome(d) == expected, "\n".join(d.reasons)
        if provision is not None:
            req = next(r for r in d.requirements if r.provision == provision)
            assert req.part == "746" and req.citation.startswith(f"15 CFR {provision[:5]}")
            assert "NAC" not in (req.exceptions or ()) and "ACA" not in (req.exceptions or ())
            assert said(d, provision, "licence required", "OFAC")
        if item is GAMING_A:
            assert said(d, f"License Exception NAC: does not overcome {provision}")


# ------------------------------------------------------------------------------------------- 744.21 / 744.22


@pytest.mark.parametrize(
    ("dest", "item", "eu", "expected", "provisions_"),
    [
        ("CN", EAR99, {"military_end_user": True}, (NLR, None, None), []),  # EAR99 not in Supp. 2
        ("CN", EAR99, {"military_intelligence_end_user": True}, (LR, None, DENIAL), ["744.22(a)"]),
        ("CN", P_IC, {"military_end_user": True}, (LR, None, DENIAL), ["744.21(a)(1)"]),
        ("CN", GAMING_A, {"military_end_user": True}, (LEA, "NAC", DENIAL), ["742.6(a)(6)"]),  # 3A090 not in Supp. 2
        ("RU", EAR99, {"military_end_user": True}, (LR, None, POD), ["746.8(a)(5)-(8)", "744.21(a)(2)"]),
        ("VE", P_IC, {"military_end_user": True}, (LR, None, DENIAL), ["744.21(a)(1)"]),
        ("DE", P_IC, {"military_end_user": True}, (NLR, None, None), []),
        ("DE", P_IC, {"military_end_user": True, "restricted_party_hits": [{"list": "meu"}]}, (LR, None, DENIAL),
         ["744.21; Supp. 7 to Part 744 (MEU List)"]),
        ("CU", EAR99, {"military_intelligence_end_user": True}, (LR, None, POD), ["746.2(a)", "744.22(a)"]),
    ],
)
def test_744_21_and_744_22_by_country(dest: str, item: dict[str, Any], eu: dict[str, Any],
                                      expected: tuple[str, str | None, str | None], provisions_: list[str],
                                      rules: Any) -> None:
    d = run(case_doc("2024-06-01", dest, item, end_user=eu, facts=PO), rules=rules)
    assert outcome(d) == expected, "\n".join(d.reasons)
    assert provisions(d) == provisions_
    for r in d.requirements:
        if r.provision.startswith("744.2"):
            assert r.exceptions == ("GOV",)


def test_744_21_russia_ear99_food_case_by_case(rules: Any) -> None:
    d = run(case_doc("2024-06-01", "RU", EAR99, item_category="food", end_user={"military_end_user": True}), rules=rules)
    req = next(r for r in d.requirements if r.provision == "744.21(a)(2)")
    assert req.review_policy == CBC
    assert said(d, "EAR99 food and medicine: case-by-case; denial for the SVR, FSB and GRU")


def test_744_21_nicaragua_from_2024_03_15(rules: Any) -> None:
    """89 FR 18780: Nicaragua added to 744.21(a)(1) effective 2024-03-15."""
    doc = case_doc("2024-03-14", "NI", P_IC, end_user={"military_end_user": True})
    assert outcome(run(doc, rules=rules)) == (NLR, None, None)
    after = run({**doc, "date": "2024-03-15"}, rules=rules)
    assert outcome(after) == (LR, None, DENIAL) and provisions(after) == ["744.21(a)(1)"]
    assert cited(after, "89 FR 18780")


def test_military_or_intel_is_an_alias_for_both_facts(rules: Any) -> None:
    d = run(case_doc("2024-06-01", "CN", P_IC, end_user={"military_or_intel": True}), rules=rules)
    assert provisions(d) == ["744.21(a)(1)", "744.22(a)"]
    assert said(d, "military_or_intel given", "military_end_user (744.21)", "military_intelligence_end_user (744.22)",
                "input alias")
    explicit = run(case_doc("2024-06-01", "CN", EAR99, end_user={"military_or_intel": True,
                                                                 "military_intelligence_end_user": False}), rules=rules)
    assert outcome(explicit) == (NLR, None, None)


def test_744_22_ai_training_policy_statement_from_2025_05_13(rules: Any) -> None:
    """BIS policy statement 2025-05-13: advanced ICs for military-intelligence end users in D:5/Macau (here
    Afghanistan, not in 744.22's list) need a licence under Part 744 from that date; NAC no longer overcomes it."""
    doc = case_doc("2025-05-12", "AF", GAMING_A, facts=PO, end_user={"military_intelligence_end_user": True})
    assert outcome(run(doc, rules=rules)) == (LEA, "NAC", DENIAL)
    after = run({**doc, "date": "2025-05-13"}, rules=rules)
    assert outcome(after) == (LR, None, DENIAL)
    assert "744.22 (BIS policy statement 2025-05-13)" in provisions(after)


def test_military_facts_of_any_party(rules: Any) -> None:
    """744.21 reads every party: an MEU-List purchaser in China (Supp. 7: any party per 748.5(c)-(f))."""
    party = {"role": "purchaser", "name": "PLA Supply Co", "located_in": "CN", "restricted_party_hits": [{"list": "meu"}]}
    d = run(case_doc("2024-06-01", "CN", P_IC, parties=[party]), rules=rules)
    assert outcome(d) == (LR, None, DENIAL)
    assert said(d, "PLA Supply Co (purchaser) is on the MEU List")


# ------------------------------------------------------------------------------------------- GP10


ASCEND = {"eccn": "3A090.a.1", "name": "Huawei Ascend 910C", "tpp": 12800, "datacenter_designed_or_marketed": True}
ASCEND_SERVER = {"kind": "server", "name": "Atlas 800", "datacenter_designed_or_marketed": True,
                 "contains": [{"item": "Huawei Ascend 910B (910B2-class)", "count": 8}]}


@pytest.mark.parametrize("transaction", ["use", "service", "sale", "financing"])
def test_gp10_named_prc_ics_from_the_2025_05_13_guidance(transaction: str, rules: Any) -> None:
    doc = case_doc("2025-05-13", "MY", ASCEND, transaction=transaction, origin="MY")
    d = run(doc, rules=rules)
    assert outcome(d) == (PROHIB, None, None)
    assert d.operative is not None and d.operative.name == "gp10" and d.requirements[0].exceptions == ()
    assert said(d, "Huawei Ascend 910C", "736.2(b)(10)", "740.2(a)(2)", "a presumption, not a rule",
                "technical analysis, evaluation")
    assert cited(d, "BIS guidance on application of General Prohibition 10")
    before = run({**doc, "date": "2025-05-12"}, rules=rules)
    assert outcome(before) == (NLR, None, None)
    assert said(before, f"a {transaction} is not an export, reexport or transfer")


def test_gp10_recognises_a_named_ic_inside_a_server(rules: Any) -> None:
    d = run(case_doc("2025-06-01", "SG", ASCEND_SERVER, transaction="reexport", origin="MY"), rules=rules)
    assert outcome(d) == (PROHIB, None, None)
    assert said(d, "Huawei Ascend 910B (910B2-class)")


@pytest.mark.parametrize(("knowledge", "transaction"), [("prior", "service"), ("intended", "export")])
def test_gp10_knowledge_of_a_violation(knowledge: str, transaction: str, rules: Any) -> None:
    origin = "DE" if transaction == "service" else "US"
    d = run(case_doc("2024-06-01", "DE", EAR99, transaction=transaction, origin=origin,
                     knowledge_of_violation=knowledge), rules=rules)
    assert outcome(d) == (PROHIB, None, None)
    assert provisions(d) == ["736.2(b)(10)"] and d.requirements[0].exceptions == ()


def test_use_sale_and_financing_reach_no_licence_requirement(rules: Any) -> None:
    """The CCL, Part 744 and Part 746 requirements apply to exports, reexports and transfers only."""
    el = {"restricted_party_hits": [{"list": "entity_list"}]}
    d = run(case_doc("2024-06-01", "CN", H100, transaction="sale", origin="CN", end_user=el), rules=rules)
    assert outcome(d) == (NLR, None, None)
    assert said(d, "its licence requirement applies to exports, reexports and transfers, not to a sale")
    dpl = run(case_doc("2024-06-01", "CN", EAR99, transaction="use", origin="CN",
                       end_user={"restricted_party_hits": [{"list": "dpl"}]}), rules=rules)
    assert dpl.status == PROHIB


# ------------------------------------------------------------------------------------------- parties


def test_footnote4_purchaser_is_not_invisible(rules: Any) -> None:
    """734.9(e)(2): a footnote 4 entity as purchaser (not the end user) makes the foreign-produced item subject to
    the EAR, and the Entity List requires a licence (was: NLR, the purchaser unseen)."""
    doc = case_doc("2024-06-01", "SG", P_IC, origin="TW", transaction="reexport",
                   foreign_produced={"direct_product_of": ["3E001"]})
    assert outcome(run(doc, rules=rules)) == (NLR, None, None)
    fn4 = {"role": "purchaser", "name": "Listed Buyer", "located_in": "CN",
           "restricted_party_hits": [{"list": "entity_list", "footnote": 4, "license_policy": DENIAL}]}
    d = run({**doc, "parties": [fn4]}, rules=rules)
    assert outcome(d) == (LR, None, DENIAL)
    assert said(d, "Listed Buyer (purchaser)", "734.9(e)(2)")
    assert said(d, "Listed Buyer (purchaser) is on the Entity List, footnote 4")


def test_entity_list_intermediate_consignee_and_hq_of_the_ultimate_consignee(rules: Any) -> None:
    ic = {"role": "intermediate_consignee", "name": "Forwarder FZE", "located_in": "AE",
          "restricted_party_hits": [{"list": "entity_list", "license_policy": DENIAL}]}
    d = run(case_doc("2024-06-01", "DE", EAR99, parties=[ic]), rules=rules)
    assert outcome(d) == (LR, None, DENIAL)
    assert said(d, "Forwarder FZE (intermediate consignee) is on the Entity List")
    uc = {"role": "ultimate_consignee", "name": "Holding", "located_in": "DE", "hq": "CN"}
    hq = run(case_doc("2024-06-01", "DE", H100, parties=[uc]), rules=rules)
    assert outcome(hq) == (LR, None, DENIAL)
    assert said(hq, "HQ rule: ultimate consignee Holding HQ CN")


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"parties": [{"role": "shipper", "name": "X"}]}, "parties[0].role"),
        ({"parties": [{"role": "purchaser", "located_in": "XX"}]}, "parties[0].located_in"),
        ({"parties": [{"role": "purchaser", "restricted_party_hits": [{"list": "nope"}]}]},
         "parties[0].restricted_party_hits[0].list"),
        ({"transaction": "lease"}, "transaction"),
        ({"knowledge_of_violation": "suspected"}, "knowledge_of_violation"),
        ({"item_category": "toys"}, "item_category"),
        ({"end_user": {"civil_subsidiary": "eu"}}, "end_user.civil_subsidiary"),
    ],
)
def test_bad_input_is_one_error_naming_the_field(extra: dict[str, Any], field: str, rules: Any) -> None:
    with pytest.raises(InputError) as exc:
        run({**case_doc("2024-06-01", "DE", EAR99), **extra}, rules=rules)
    assert exc.value.field == field and "\n" not in str(exc.value)


# ------------------------------------------------------------------------------------------- is-informed letters


H20_LETTER = {"reference": "BIS-2025-04-09", "date": "2025-04-09", "eccns": ["3A090", "3A991"],
              "destinations": ["CN", "MO"], "text": "the H20 and ICs reaching its bandwidth need a licence to China"}


def test_is_informed_letter_is_a_party_level_licence_requirement(rules: Any) -> None:
    h20 = {"eccn": "3A991.p", "name": "NVIDIA H20", "tpp": 2368}
    doc = case_doc("2025-04-08", "CN", h20, end_user={"informed": [H20_LETTER]})
    before = run(doc, rules=rules)
    assert outcome(before) == (NLR, None, None)
    assert said(before, "is dated after the transaction")
    d = run({**doc, "date": "2025-04-09"}, rules=rules)
    assert outcome(d) == (LR, None, None)
    assert d.requirements[0].basis == "informed" and d.requirements[0].exceptions == ()
    assert said(d, "is-informed letter BIS-2025-04-09", "the H20 and ICs reaching its bandwidth")
    # the letter names China: not a shipment to Germany
    assert outcome(run({**doc, "date": "2025-04-09", "destination": "DE",
                        "end_user": {"located_in": "DE", "informed": [H20_LETTER]}}, rules=rules)) == (NLR, None, None)


# ------------------------------------------------------------------------------------------- 4E091 AIA by HQ


@pytest.mark.parametrize(
    ("dest", "eu", "exception"),
    [
        ("BR", {"hq": "DE"}, "AIA"),  # Supp. 5(a) HQ, located outside Macau/D:5
        ("BR", {"hq": "BR", "ultimate_parent_hq": "US"}, "AIA"),  # the ultimate parent's HQ
        ("BR", {"hq": "BR"}, None),
        ("CN", {"hq": "DE"}, None),  # located in D:5
        ("BR", {}, None),  # HQ not given: not shown
    ],
)
def test_740_27_aia_for_weights_by_headquarters(dest: str, eu: dict[str, Any], exception: str | None,
                                                rules: Any) -> None:
    d = run(case_doc("2025-06-01", dest, {"eccn": "4E091"}, end_user=eu), "text", rules)
    assert d.license_exception == exception, "\n".join(d.reasons)
    if exception:
        assert said(d, "License Exception AIA available", "Supp. 5(a)", "outside Macau/D:5")
