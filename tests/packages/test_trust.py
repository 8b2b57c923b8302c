"""Answers a compliance officer can rely on (issue 11), from the user's side: owners and parents screened, the
Affiliates rule, package parties that say what a case can, and a matcher that never confirms by itself."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import pytest

from exportgate.errors import InputErrors
from exportgate.packages import check_package, parse_package
from exportgate.packages.screening import default_screener
from exportgate.screen.model import Address, EntityType, ListedEntity, Name

PARENT = "Beijing Institute of Technology"  # on the Entity List in the embedded snapshot


@pytest.fixture(scope="module")
def screener() -> Any:
    return default_screener()


def _check(doc: dict[str, Any], screener: Any) -> dict[str, Any]:
    return check_package(parse_package(doc), screener=screener).to_json()


def _party(data: dict[str, Any], name: str) -> dict[str, Any]:
    return next(p for p in data["screening"]["parties"] if p["name"] == name)


def _decide(doc: dict[str, Any], screener: Any, name: str, decision: str, on_list: str | None = None,
            fingerprint: str | None = "as-screened") -> dict[str, Any]:
    """Add a reviewer's decision on ``name``'s top match (on ``on_list``), as read from a first check's memo."""
    first = _check(copy.deepcopy(doc), screener)
    top = next(m for m in _party(first, name)["matches"] if on_list is None or m["list"] == on_list)
    doc.setdefault("screening_decisions", []).append({
        "party": name, "entity_id": top["entity_id"], "decision": decision, "by": "J. Doe", "on": "2026-10-01",
        "reason": "checked against the entry's address and registration",
        "entry_fingerprint": top["entry_fingerprint"] if fingerprint == "as-screened" else fingerprint})
    return doc


def _indian_end_user(doc: dict[str, Any], day: str, **party: Any) -> dict[str, Any]:
    doc["date"] = day
    doc["destinations"] = ["IN"]
    doc["parties"] = [{"name": "Bharat Compute Pvt. Ltd.", "role": "end_user", "country": "IN", **party}]
    return doc


# --- owners and parents -------------------------------------------------------------------------------------


def test_an_ultimate_parent_is_screened_and_its_hit_needs_a_decision(doc: dict[str, Any], screener: Any) -> None:
    """Before: an Indian end user whose ultimate parent is on the Entity List came out CLEAR."""
    data = _check(_indian_end_user(doc, "2026-11-20", ultimate_parent={"name": PARENT, "country": "CN"}), screener)
    parent = _party(data, PARENT)
    assert parent["kind"] == "parent" and parent["of_party"] == "Bharat Compute Pvt. Ltd."
    assert parent["path"] == "parties[0].ultimate_parent" and parent["status"] == "strong"
    assert data["verdict"] == "review"
    assert any(PARENT in r and "needs a decision" in r for r in data["verdict_reasons"])


@pytest.mark.parametrize(("day", "applies"), [
    ("2025-10-15", True),   # in force from 2025-09-29 (90 FR 47201)
    ("2026-06-01", False),  # stayed 2025-11-10 .. 2026-11-09 (90 FR 50857)
    ("2026-11-20", True),   # the stay ended 2026-11-09
])
def test_a_confirmed_listed_parent_brings_the_affiliates_rule_when_it_is_in_force(
    doc: dict[str, Any], screener: Any, day: str, applies: bool
) -> None:
    pkg = _decide(_indian_end_user(doc, day, ultimate_parent={"name": PARENT, "country": "CN"}), screener, PARENT,
                  "confirmed", "entity_list")
    data = _check(pkg, screener)
    d = data["layers"][0]["lines"][0]["determinations"][0]
    bases = [r["basis"] for r in d["requirements"]]
    if applies:
        assert "affiliates_rule" in bases and d["status"] == "license_required"  # EAR99: all items subject to the EAR
        assert any("Affiliates rule" in r and PARENT in r for r in d["reasons"])
        assert data["verdict"] == "blocked"
    else:
        assert "affiliates_rule" not in bases and d["status"] == "no_license_required"
        assert any("Affiliates rule" in c and "does not apply" in c for c in d["conditions"])
        assert data["verdict"] == "review"  # the confirmed listed parent is still for the reviewer to assess


def test_listed_owners_below_half_do_not_bring_the_affiliates_rule(doc: dict[str, Any], screener: Any) -> None:
    pkg = _indian_end_user(doc, "2026-11-20", owners=[
        {"name": PARENT, "country": "CN", "share": 0.3, "restricted_party_hits": [{"list": "entity_list"}]},
        {"name": "Mumbai Holdings Ltd.", "country": "IN", "share": 0.7}])
    data = _check(pkg, screener)
    owner = _party(data, PARENT)
    assert owner["kind"] == "owner" and owner["status"] == "confirmed" and owner["role"].startswith("owner (30%)")
    d = data["layers"][0]["lines"][0]["determinations"][0]
    assert "affiliates_rule" not in [r["basis"] for r in d["requirements"]]
    assert any("30%" in r and "below the Affiliates rule's 50%" in r for r in d["reasons"])


@pytest.mark.parametrize("shares", [(0.5,), (0.3, 0.2)], ids=["one owner at 50%", "two owners 30% + 20%"])
def test_listed_owners_of_half_or_more_bring_the_affiliates_rule(doc: dict[str, Any], screener: Any,
                                                                 shares: tuple[float, ...]) -> None:
    """Owned 50% or more by listed parties, alone or together (90 FR 47201): the Entity List's licence
    requirement reaches the Indian end user, and the package is blocked as for a listed party."""
    listed = [{"name": name, "country": "CN", "share": share, "restricted_party_hits": [{"list": "entity_list"}]}
              for name, share in zip((PARENT, "Harbin Institute of Technology"), shares, strict=False)]
    rest = round(1 - sum(shares), 2)
    pkg = _indian_end_user(doc, "2026-11-20", owners=[*listed, {"name": "Mumbai Holdings Ltd.", "country": "IN",
                                                                 "share": rest}])
    data = _check(pkg, screener)
    d = data["layers"][0]["lines"][0]["determinations"][0]
    assert "affiliates_rule" in [r["basis"] for r in d["requirements"]] and d["status"] == "license_required"
    assert any("owned 50%" in r and "the Affiliates rule applies" in r for r in d["reasons"])
    assert data["verdict"] == "blocked"
    assert any("Affiliates rule" in r for r in data["verdict_reasons"])


def test_owner_shares_over_100_percent_are_an_error(doc: dict[str, Any], screener: Any) -> None:
    pkg = _indian_end_user(doc, "2026-11-20", owners=[{"name": "A Ltd", "country": "IN", "share": 0.6},
                                                      {"name": "B Ltd", "country": "IN", "share": 0.6}])
    with pytest.raises(InputErrors) as info:
        _check(pkg, screener)
    assert "parties[0].owners: the owners' shares add up to more than 1 (100%)" in [str(e) for e in info.value.errors]


# --- package parties say what a case can ----------------------------------------------------------------------


def test_a_uae_package_to_an_approved_supp8_entity_can_clear(doc: dict[str, Any], screener: Any) -> None:
    """supp8_entity (and every other end-user field of a case) is accepted on a package party, with the same
    meaning: H100 servers to G42 under the UAE approved-entity regime (Supp. 8 to Part 740)."""
    doc["date"] = "2026-10-15"
    doc["destinations"] = ["AE"]
    doc["parties"] = [{"name": "G42 Cloud Technology", "role": "end_user", "country": "AE", "hq": "AE"}]
    doc["layers"]["hardware"].append({"description": "H100 servers", "quantity": 10, "value": 1, "catalog": "NVIDIA H100 SXM5"})
    without = _check(copy.deepcopy(doc), screener)
    assert without["layers"][0]["lines"][1]["determinations"][0]["status"] == "license_required"
    doc["parties"][0]["supp8_entity"] = "g42"
    d = _check(doc, screener)["layers"][0]["lines"][1]["determinations"][0]
    assert d["status"] == "no_license_required"
    assert any("approved UAE entity in Supp. 8" in r for r in d["reasons"])


def test_a_bad_party_field_is_named_where_the_package_has_it(doc: dict[str, Any], screener: Any) -> None:
    doc["parties"][0]["supp8_entity"] = "nobody"
    with pytest.raises(InputErrors) as info:
        _check(doc, screener)
    assert any(str(e).startswith("parties[0].supp8_entity: unknown Supp. 8 entity 'nobody'") for e in info.value.errors)


def test_every_end_user_field_of_a_case_reaches_the_determination_from_a_package_party() -> None:
    """A package party says what a case can: each field of the case's end user is a party field, and a party
    that gives them all hands every one to the determination (``country`` is the case's ``located_in``).
    A field added to cases later and not to packages fails here."""
    from exportgate.determine.model import EndUser
    from exportgate.packages.lines import party_doc
    from exportgate.packages.model import Party

    case_fields = set(EndUser.model_fields)
    assert case_fields - {"located_in"} <= set(Party.model_fields)

    class _NoHits:
        def of(self, name: str) -> list[dict[str, Any]]:
            return []

        def owners_of(self, name: str) -> list[dict[str, Any]]:
            return []

    party = Party.model_validate({
        "name": "Khazna Data Centers", "role": "end_user", "country": "AE", "hq": "AE", "supp8_entity": "g42",
        "private_sector": True, "military_or_intel": False, "military_end_user": False,
        "military_intelligence_end_user": False, "civil_subsidiary": "us_jv", "ultimate_parent_hq": "AE"})
    doc = party_doc(party, _NoHits(), end_user=True)  # type: ignore[arg-type]
    assert set(doc) == case_fields
    assert doc["located_in"] == "AE" and doc["supp8_entity"] == "g42" and doc["private_sector"] is True
    EndUser.model_validate(doc)  # the case reads it as it reads its own


# --- the matcher never confirms ----------------------------------------------------------------------------


def test_a_fuzzy_hit_is_a_question_not_a_block_and_a_false_positive_clears_it(
    doc: dict[str, Any], screener: Any
) -> None:
    """'Opera Ltd', a Norwegian company, scored high against SDN 'OPERA' (Congo) and was BLOCKED."""
    doc["parties"].append({"name": "Opera Ltd", "role": "intermediary", "country": "NO"})
    first = _check(copy.deepcopy(doc), screener)
    opera = _party(first, "Opera Ltd")
    assert opera["status"] in ("strong", "potential") and not any(m["confirmed"] for m in opera["matches"])
    assert first["verdict"] == "review"
    decided = _check(_decide(doc, screener, "Opera Ltd", "false_positive"), screener)
    opera = _party(decided, "Opera Ltd")
    assert decided["verdict"] == "clear" and opera["status"] == "cleared"
    decision = opera["matches"][0]["decision"]
    assert decision["decision"] == "false_positive" and decision["by"] == "J. Doe" and decision["status"] == "applied"


def test_a_decision_is_reopened_when_the_entry_changed(doc: dict[str, Any], screener: Any) -> None:
    doc["parties"].append({"name": "Opera Ltd", "role": "intermediary", "country": "NO"})
    data = _check(_decide(doc, screener, "Opera Ltd", "false_positive", fingerprint="an-older-version"), screener)
    opera = _party(data, "Opera Ltd")
    assert opera["matches"][0]["decision"]["status"] == "reopened" and opera["status"] != "cleared"
    assert data["verdict"] == "review"
    assert any("re-opened" in r for r in data["verdict_reasons"])


def test_the_packages_own_statement_confirms_a_listing(doc: dict[str, Any], screener: Any) -> None:
    doc["parties"].append({"name": "Quiet Trading FZE", "role": "distributor", "country": "AE",
                           "restricted_party_hits": [{"list": "entity_list", "license_policy": "presumption_of_denial"}]})
    data = _check(doc, screener)
    assert _party(data, "Quiet Trading FZE")["status"] == "confirmed"
    assert data["verdict"] == "blocked"
    assert any("Quiet Trading FZE" in r and "package's own statement" in r for r in data["verdict_reasons"])
    d = data["layers"][0]["lines"][0]["determinations"][0]
    assert d["status"] == "license_required" and d["review_policy"] == "presumption_of_denial"


def test_an_exact_listed_name_with_an_agreeing_identifier_is_confirmed(doc: dict[str, Any], screener: Any) -> None:
    doc["parties"].append({"name": "Bank Saderat PLC", "role": "intermediary", "country": "GB"})
    without = _party(_check(copy.deepcopy(doc), screener), "Bank Saderat PLC")
    assert without["status"] == "strong"
    doc["parties"][-1]["identifiers"] = [{"type": "registration", "value": "01126618"}]
    data = _check(doc, screener)
    party = _party(data, "Bank Saderat PLC")
    assert party["status"] == "confirmed"
    assert party["matches"][0]["confirmed_by"] == "exact_name_and_identifier"
    assert data["verdict"] == "blocked"


def test_a_decision_naming_nothing_screened_is_an_error(doc: dict[str, Any], screener: Any) -> None:
    doc["screening_decisions"] = [{"party": "Nobody Ltd", "entity_id": "x", "decision": "confirmed", "by": "J",
                                   "on": "2026-10-01", "reason": "r"}]
    with pytest.raises(InputErrors) as info:
        _check(doc, screener)
    assert [str(e) for e in info.value.errors] == [
        "screening_decisions[0].party: 'Nobody Ltd' is not a party, member, owner or parent of the package"]


# --- quantities counted once -----------------------------------------------------------------------------


def _two_end_users(doc: dict[str, Any]) -> dict[str, Any]:
    doc["destinations"] = ["SA", "QA"]
    doc["parties"] = [{"name": "Riyadh DC", "role": "ultimate_consignee", "country": "SA"},
                      {"name": "Doha DC", "role": "end_user", "country": "QA"}]
    doc["layers"]["hardware"].append({"description": "H100 accelerators", "quantity": 400, "value": 1,
                                      "catalog": "NVIDIA H100 SXM5"})
    return doc


def test_a_line_to_several_end_users_is_split_not_counted_in_full_for_each(doc: dict[str, Any], screener: Any) -> None:
    """400 accelerators to two end users were tallied as 800: the check now asks for the split."""
    pkg = _two_end_users(doc)
    with pytest.raises(InputErrors) as info:
        _check(copy.deepcopy(pkg), screener)
    [err] = [str(e) for e in info.value.errors]
    assert err.startswith("layers.hardware[1].split: this line goes to 2 end users (Riyadh DC (SA), Doha DC (QA)): "
                          "say how its 400 units are split")
    pkg["layers"]["hardware"][1]["split"] = [{"end_user": "Riyadh DC", "quantity": 300},
                                             {"end_user": "Doha DC", "quantity": 100}]
    data = _check(pkg, screener)
    tpp = data["layers"][0]["lines"][1]["tpp"]
    assert {r["country"]: r["tpp"] for r in data["compute"]["per_destination"]} == {"SA": 300 * tpp, "QA": 100 * tpp}
    assert data["compute"]["total_tpp"] == 400 * tpp
    dets = data["layers"][0]["lines"][1]["determinations"]
    assert [(d["end_user"], d["quantity"]) for d in dets] == [("Riyadh DC", 300), ("Doha DC", 100)]


def test_a_split_names_end_users_and_adds_up(doc: dict[str, Any], screener: Any) -> None:
    pkg = _two_end_users(doc)
    pkg["layers"]["hardware"][1]["split"] = [{"end_user": "Riyadh DC", "quantity": 300},
                                             {"end_user": "Jeddah DC", "quantity": 50}]
    with pytest.raises(InputErrors) as info:
        _check(pkg, screener)
    errors = [str(e) for e in info.value.errors]
    assert "layers.hardware[1].split[1].end_user: no end user or ultimate consignee named 'Jeddah DC'" in errors
    assert "layers.hardware[1].split: the split adds up to 350 units, the line has 400" in errors


# --- an ECCN the rule data does not evaluate ----------------------------------------------------------------


@pytest.mark.parametrize("eccn", ["5A002.a", "5D002", "4A003"])
def test_a_common_eccn_is_a_line_for_manual_classification_not_a_stopped_package(
    doc: dict[str, Any], screener: Any, eccn: str
) -> None:
    """A security line with 5A002 stopped the whole package (exit 2). Deny by default stays, as a line status."""
    doc["layers"]["security"].append({"description": "HSM appliances", "quantity": 4, "value": 1, "eccn": eccn})
    data = _check(doc, screener)
    line = data["layers"][3]["lines"][1]
    assert line["status"] == "needs_manual_classification" and line["determinations"] == []
    assert eccn in line["manual_reason"]
    assert data["verdict"] == "review"
    assert any(f"layers.security[1] ({eccn}) needs manual classification" in r for r in data["verdict_reasons"])
    # the other lines are determined as before
    assert all(ln["status"] == "determined" for layer in data["layers"] for ln in layer["lines"] if ln is not line)


# --- list dates shown where decisions are made ---------------------------------------------------------------


def test_lists_older_than_the_transaction_are_a_condition_and_a_banner(doc: dict[str, Any], screener: Any) -> None:
    """Screened against lists N days older than the transaction: a condition to re-screen and the memo's banner
    (``screening.stale``), from the rule data's usual publication interval."""
    doc["date"] = "2024-05-10"
    data = _check(doc, screener)
    stale = {s["key"]: s for s in data["screening"]["stale"]}
    assert stale["entity_list"]["list_date"] == "2022-04-21" and stale["entity_list"]["days"] == 750
    assert stale["entity_list"]["interval"] == 30
    assert "ofac_sdn" not in stale  # the SDN list of 2024-05-03 is 7 days old
    [condition] = [c for c in data["conditions"] if c.startswith("re-screen every party against current lists")]
    assert "entity_list of 2022-04-21: 750 days" in condition and condition.endswith("(screening)")


# --- a decision follows the list entry, not the list version ------------------------------------------------


@dataclass
class _Lists:
    """A list version as the screener reads it: its entries and each list's date."""

    entities: list[ListedEntity]
    sources: dict[str, Any]


def _opera_lists(list_date: str, **entry: Any) -> Any:
    from exportgate.screen import Screener

    opera = ListedEntity(id="ofac_sdn:9999", source="ofac_sdn", type=EntityType.ENTITY, names=[Name("OPERA")],
                         countries=["CD"], programs=["DRCONGO"], list_date=list_date, **entry)
    filler = [ListedEntity(id=f"ofac_sdn:{i}", source="ofac_sdn", type=EntityType.ENTITY,
                           names=[Name(f"{w} Trading Co Ltd")], list_date=list_date)
              for i, w in enumerate(["Alpha", "Beta", "Gamma", "Delta", "Epsilon", "Zeta", "Eta", "Theta"])]
    return Screener(_Lists([opera, *filler], {"ofac_sdn": {"as_of": list_date}}), use_cache=False)


def test_a_decision_holds_across_list_versions_and_reopens_when_its_entry_changes(doc: dict[str, Any]) -> None:
    """The fingerprint a decision records is the entry's content: a later list version carrying the same entry
    keeps the decision; the same entry with a new address re-opens it (no hand-made fingerprint here)."""
    doc["parties"].append({"name": "Opera Ltd", "role": "intermediary", "country": "NO"})
    first = _opera_lists("2026-10-01")
    decided = _decide(doc, first, "Opera Ltd", "false_positive")
    assert _check(copy.deepcopy(decided), first)["verdict"] == "clear"

    later = _check(copy.deepcopy(decided), _opera_lists("2026-10-08"))  # the next week's list, entry unchanged
    assert later["screening"]["lists_as_of"]["ofac_sdn"] == "2026-10-08"
    assert _party(later, "Opera Ltd")["matches"][0]["decision"]["status"] == "applied"
    assert later["verdict"] == "clear"

    changed = _check(decided, _opera_lists("2026-10-08", addresses=[Address(city="Oslo", country="NO")]))
    opera = _party(changed, "Opera Ltd")
    assert opera["matches"][0]["decision"]["status"] == "reopened" and opera["status"] != "cleared"
    assert changed["verdict"] == "review" and any("re-opened" in r for r in changed["verdict_reasons"])
