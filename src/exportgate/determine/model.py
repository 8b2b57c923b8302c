"""The case schema (what ``exportgate determine`` reads) and the determination result.

A case is one transaction: an item (as ``classify`` reads it, or ``{eccn: ...}`` when already
classified), a quantity, a destination, an end user and the exporter's knowledge (end use, red flags,
certifications). :func:`parse_case` validates it and names the bad field; country codes, red-flag ids,
certification ids, Supp. 8 entity ids and restricted-party list names are checked against the rule
data (deny by default: an unknown value is an error, never a silent "no licence required").
"""

from __future__ import annotations

import datetime as _dt
import math
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError

from exportgate.determine.allocation import TppLedger as TppLedger  # the ledger protocol (one, S8)
from exportgate.errors import InputError
from exportgate.rules import Mode, RuleSet, load_rules
from exportgate.schema import StrictModel as _Strict
from exportgate.schema import loc_path, problem

STATUSES: tuple[str, ...] = (
    "no_license_required",
    "license_exception_available",
    "license_required",
    "prohibited_without_authorization",
    "red_flag_hold",
)
#: export, reexport, transfer (in-country): the licence requirements apply; use, service, sale, financing:
#: General Prohibition 10 only (736.2(b)(10), 764.2(e))
TRANSACTIONS: tuple[str, ...] = ("export", "reexport", "transfer", "use", "service", "sale", "financing")
Transaction = Literal["export", "reexport", "transfer", "use", "service", "sale", "financing"]
#: the four parties to a transaction of 748.5(c)-(f)
PARTY_ROLES: tuple[str, ...] = ("purchaser", "intermediate_consignee", "ultimate_consignee", "end_user")
PartyRole = Literal["purchaser", "intermediate_consignee", "ultimate_consignee", "end_user"]
#: the civil end users of 746.8(a)(12)(ii)(A)-(F) (keys of part746.russia_belarus.civil_exclusion)
CivilSubsidiary = Literal["us", "us_jv", "us_a5a6_jv", "a5a6", "a5a6_jv", "a5a6_mission"]
#: item categories the Part 746 carve-outs name (EAR99 food and medicine, free personal-communications software)
ItemCategory = Literal["food", "medicine", "medical_device", "personal_communications_software"]
UMBRELLA_DD = "supp2_748_dd"

NonNegative = Annotated[float, Field(ge=0, allow_inf_nan=False)]
StrictBool = Annotated[bool, Field(strict=True)]


class UncoveredClassification(InputError):
    """The item's classification is one the rule data does not evaluate (5A002, 4A003, ...): deny by default. A
    single case is an error; a package line becomes ``needs_manual_classification`` (a reviewer classifies it)."""

    def __init__(self, field: str, problem: str, classification: str) -> None:
        super().__init__(field, problem)
        self.classification = classification


class PartyHit(_Strict):
    """A confirmed restricted-party list entry for a party (``{list: entity_list, footnote: 4}``)."""

    list: str
    footnote: int | None = None
    license_policy: str | None = None
    name: str | None = None
    entry: str | None = None


class InformedLetter(_Strict):
    """An "is-informed" letter from BIS naming this party (fact sheet 2.10): a licence is required for the
    items it names (all items when ``eccns`` is empty), with no licence exceptions, from its date."""

    reference: str = Field(min_length=1)
    date: _dt.date
    text: str = Field(min_length=1)
    #: the classifications it names (a paragraph covers its sub-paragraphs); empty: every item
    eccns: list[str] = Field(default_factory=list)
    #: the destinations it names (ISO alpha-2); empty: every destination
    destinations: list[str] = Field(default_factory=list)
    license_policy: str | None = None


class OwnerFacts(_Strict):
    """An owner of a party, with its confirmed list hits: listed owners holding the Affiliates rule's share
    (50%) or more bring the party under the same restrictions (90 FR 47201) while that rule is in force."""

    name: str = Field(min_length=1)
    #: the fraction of the party it owns (0.5 = 50%); None: the ultimate parent, which controls the party
    share: Annotated[float, Field(gt=0, le=1)] | None = None
    restricted_party_hits: list[PartyHit] = Field(default_factory=list)


class PartyFacts(_Strict):
    """What the determination knows of one party to the transaction (748.5(c)-(f))."""

    name: str | None = None
    located_in: str | None = None
    hq: str | None = None
    ultimate_parent_hq: str | None = None
    #: input alias kept for old cases: sets military_end_user and military_intelligence_end_user (unless given)
    military_or_intel: StrictBool | None = None
    military_end_user: StrictBool | None = None  # 744.21
    military_intelligence_end_user: StrictBool | None = None  # 744.22
    restricted_party_hits: list[PartyHit] = Field(default_factory=list)
    informed: list[InformedLetter] = Field(default_factory=list)
    #: its owners and ultimate parent, with their confirmed list hits (the Affiliates rule reads them)
    owners: list[OwnerFacts] = Field(default_factory=list)


class EndUser(PartyFacts):
    """The end user (748.5(f)): the end-user party of the transaction."""

    supp8_entity: str | None = None
    private_sector: StrictBool | None = None
    #: 746.8(a)(12)(ii)(A)-(F): the kind of civil end user (U.S. or A:5/A:6 owned subsidiary, joint venture, mission)
    civil_subsidiary: CivilSubsidiary | None = None


class TransactionParty(PartyFacts):
    """Another party to the transaction: purchaser, intermediate consignee, ultimate consignee or a further end
    user (748.5(c)-(f)); the Entity List, FDP, MEU List and is-informed rules apply to whichever party they name,
    the HQ rules to ultimate consignees and end users."""

    role: PartyRole


class EndUse(_Strict):
    """The exporter's knowledge of the end use (booleans: true = known to be so)."""

    description: str | None = None
    supercomputer: StrictBool | None = None
    advanced_node_ic_production: StrictBool | None = None
    military: StrictBool | None = None  # 744.21 military end use
    military_intelligence: StrictBool | None = None  # 744.22 military-intelligence end use
    wmd: StrictBool | None = None
    acm_activity: Literal["development", "production", "storage"] | None = None
    trains_4e091_model_for_non_supp5a: StrictBool | None = None


class Exporter(_Strict):
    name: str | None = None
    hq: str | None = None
    ultimate_parent_hq: str | None = None


class ExceptionFacts(_Strict):
    """Facts that decide licence-exception conditions (None = not known; listed as a condition)."""

    written_purchase_order: StrictBool | None = None
    commercial_samples: StrictBool | None = None
    approved_ic_designer: StrictBool | None = None
    hbm_purchased_by_designer: StrictBool | None = None
    hbm_shipped_to_packaging_site: StrictBool | None = None
    consignee_is_distributor: StrictBool | None = None
    packaging_at_advanced_node_facility: StrictBool | None = None


class ForeignProduced(_Strict):
    """The item is produced outside the US: subject to the EAR only through a foreign direct product rule."""

    direct_product_of: list[str] = Field(default_factory=list)


class RedFlag(_Strict):
    id: str
    resolved: StrictBool = False
    resolution: str | None = None


class ClassifiedItem(_Strict):
    """An item already classified: ``{eccn: 3A090.a.1, tpp: ..., datacenter_designed_or_marketed: ...}``."""

    eccn: str
    name: str | None = None
    tpp: NonNegative | None = None
    datacenter_designed_or_marketed: StrictBool | None = None
    total_dram_bandwidth_gbps: NonNegative | None = None
    memory_bandwidth_density_gbps_per_mm2: NonNegative | None = None


class Case(_Strict):
    """One transaction to determine. Build it with :func:`parse_case`."""

    date: _dt.date
    transaction: Transaction
    origin: str = "US"
    destination: str
    #: for destination UA: the region (part746.ukraine_regions: crimea, dnr, lnr, rest_of_ukraine or a place name)
    destination_region: str | None = None
    #: the item as ``classify`` reads it, a catalog name, or ``{eccn: ...}``; None when the caller passes the
    #: item's classification itself (:func:`exportgate.determine.determine_classified`)
    item: Any = None
    quantity: Annotated[int, Field(strict=True, ge=1)] = 1
    #: the Part 746 carve-outs (EAR99 food and medicine, free personal-communications software, MED)
    item_category: ItemCategory | None = None
    end_user: EndUser = Field(default_factory=EndUser)
    #: the other parties to the transaction (748.5(c)-(f)); the end user is ``end_user``
    parties: list[TransactionParty] = Field(default_factory=list)
    #: General Prohibition 10: knowledge that a violation has occurred (prior) or is about to / intended to occur
    knowledge_of_violation: Literal["prior", "intended"] | None = None
    end_use: EndUse = Field(default_factory=EndUse)
    certifications: list[str] = Field(default_factory=list)
    red_flags: list[RedFlag] = Field(default_factory=list)
    exporter: Exporter = Field(default_factory=Exporter)
    facts: ExceptionFacts = Field(default_factory=ExceptionFacts)
    foreign_produced: ForeignProduced | None = None
    ultimate_consignee: str | None = None
    allocation_used_tpp: NonNegative | None = None
    lpp_used_tpp: NonNegative | None = None
    field_prefix: str = ""

    def at(self, sub: str) -> str:
        """The input path of one of the case's fields."""
        return f"{self.field_prefix}{sub}"

    def on(self, day: _dt.date) -> Case:
        """The same case on another date (for ``--compare``)."""
        return self.model_copy(update={"date": day})


@dataclass(frozen=True)
class ItemFacts:
    """The figures of the item the determination reads besides its classification (None: not known)."""

    tpp: float | None = None
    datacenter_designed_or_marketed: bool | None = None
    total_dram_bandwidth_gbps: float | None = None
    memory_bandwidth_density_gbps_per_mm2: float | None = None
    #: the item's name and the names of the ICs it contains (catalog recognition, e.g. the GP10 guidance)
    names: tuple[str, ...] = ()


@dataclass(frozen=True)
class Requirement:
    """One licence requirement found: the rule that imposes it and what it allows."""

    #: destination | worldwide | named | hq | hbm | hbm_hq | weights | dpl | entity_list | meu | military |
    #: military_intelligence | informed | wmd | supercomputer | advanced_node | gp10 | the Part 746 regimes:
    #: russia_belarus | ukraine_regions | iran | syria | cuba | north_korea
    basis: str
    part: str  # the CFR part: 736 | 742 | 744 | 746 | 764
    provision: str  # the provision that imposes it, e.g. "742.6(a)(6)"
    citation: str  # the citation of the rule data that found it (flagged when not verified)
    review_policy: str | None
    #: the only licence exceptions that may overcome it (empty: none); None: any, subject to their own terms
    exceptions: tuple[str, ...] | None = None
    #: why it applies, in words (the reason the step gave when it found it)
    reason: str = ""

    @property
    def exceptions_allowed(self) -> bool:
        return self.exceptions is None or bool(self.exceptions)

    def to_json(self) -> dict[str, Any]:
        return {
            "basis": self.basis,
            "part": self.part,
            "provision": self.provision,
            "citation": self.citation,
            "review_policy": self.review_policy,
            "exceptions_allowed": self.exceptions_allowed,
            "exceptions_only": list(self.exceptions) if self.exceptions is not None else None,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Operative:
    """What decided the status: a requirement, the licence exception chosen, or the red flags held."""

    kind: str  # requirement | exception | red_flag
    name: str  # the requirement's basis, the exception's name (NAC, LPP, ...) or the held flag ids
    provision: str
    citation: str
    reason: str = ""  # why, in words

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, "provision": self.provision, "citation": self.citation,
                "reason": self.reason}


@dataclass
class Determination:
    """The answer for one case on its date in one mode, with the chain of rules applied."""

    as_of: _dt.date
    mode: str
    classification: str | None
    status: str
    license_required: bool
    license_exception: str | None
    review_policy: str | None
    retain_records_until: _dt.date
    tpp_total: float | None = None
    conditions: list[str] = field(default_factory=list)
    red_flags: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    citations: list[str] = field(default_factory=list)
    #: other licence exceptions that would also authorize the transaction
    alternative_exceptions: list[str] = field(default_factory=list)
    #: the rule parameters the determination consulted (for ``--compare``)
    consulted: list[str] = field(default_factory=list)
    #: countries whose group membership the determination consulted (for ``--compare``)
    countries: list[str] = field(default_factory=list)
    #: the text-mode allocation arithmetic, when it applied: country, limit, used, this, remaining
    allocation: dict[str, Any] | None = None
    #: every licence requirement found, in the order of the analysis
    requirements: list[Requirement] = field(default_factory=list)
    #: what decided the status (None when no licence is required and nothing is held)
    operative: Operative | None = None

    def to_json(self) -> dict[str, Any]:
        """The answer as JSON. The first ten keys are the original contract; later keys are only ever added."""
        return {
            "classification": self.classification,
            "license_required": self.license_required,
            "status": self.status,
            "license_exception": self.license_exception,
            "review_policy": self.review_policy,
            "conditions": list(self.conditions),
            "red_flags": list(self.red_flags),
            "retain_records_until": self.retain_records_until.isoformat(),
            "reasons": list(self.reasons),
            "citations": list(self.citations),
            "as_of": self.as_of.isoformat(),
            "mode": self.mode,
            "tpp_total": self.tpp_total,
            "alternative_exceptions": list(self.alternative_exceptions),
            "allocation": dict(self.allocation) if self.allocation is not None else None,
            "requirements": [r.to_json() for r in self.requirements],
            "operative": self.operative.to_json() if self.operative is not None else None,
        }


# ----------------------------------------------------------------------------------------- parsing


def _catalogue(rules: RuleSet, key: str, day: _dt.date) -> dict[str, Any]:
    value = rules.value(key, day, Mode.ENFORCED)
    return dict(value) if isinstance(value, dict) else {}


def red_flag_catalogue(rules: RuleSet, day: _dt.date) -> dict[str, dict[str, Any]]:
    """Every red-flag id the rule data knows (Supp. 3 to Part 732 and the 2025 diversion guidance)."""
    out: dict[str, dict[str, Any]] = {}
    for key in ("kyc.red_flags.supp3_732", "kyc.red_flags.ai_diversion_2025"):
        for fid, entry in _catalogue(rules, key, day).items():
            out[str(fid)] = {**dict(entry), "parameter": key}
    return out


def parse_case(
    doc: Any, field_prefix: str = "", rules: RuleSet | None = None, *, with_item: bool = True
) -> Case:
    """Validate a case document; raises :class:`InputError` naming the first bad field.

    ``with_item=False`` validates a case whose item the caller classifies itself (for
    :func:`exportgate.determine.determine_classified`): the document must then not carry ``item``."""
    rules = rules or load_rules()
    p = field_prefix
    if not isinstance(doc, dict):
        raise InputError(p.rstrip(".") or "case", f"a case must be a mapping (got {type(doc).__name__})")
    data = dict(doc)
    if with_item and "item" not in data:
        raise InputError(f"{p}item", "required field missing")
    if not with_item and data.get("item") is not None:
        raise InputError(f"{p}item", "the item is given by its classification: leave it out of the case")
    # red flags: a list of ids or {id, resolved, resolution}
    flags = data.get("red_flags")
    if flags is not None:
        if not isinstance(flags, list):
            raise InputError(f"{p}red_flags", "must be a list of red-flag ids")
        data["red_flags"] = [{"id": f} if isinstance(f, str) else f for f in flags]
    end_use = data.get("end_use")
    if isinstance(end_use, str):
        data["end_use"] = {"description": end_use}
    elif end_use is None:
        data.pop("end_use", None)
    for key in ("end_user", "exporter", "facts"):
        if data.get(key) is None:
            data.pop(key, None)
    for key in ("allocation_used_tpp", "lpp_used_tpp"):
        value = data.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value)):
            raise InputError(f"{p}{key}", f"must be a number of TPP (got {value!r})")
    try:
        case = Case.model_validate({**data, "field_prefix": p})
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InputError(loc_path(first["loc"], p.rstrip(".")), problem(first)) from None
    if "field_prefix" in doc:
        raise InputError(f"{p}field_prefix", "unknown field")
    rules.check_date(case.date, field=f"{p}date")
    updates: dict[str, Any] = {
        "origin": rules.country_code(case.origin, field=f"{p}origin"),
        "destination": rules.country_code(case.destination, field=f"{p}destination"),
    }
    lists = _catalogue(rules, "enduse.party_lists", case.date)
    footnotes = rules.value("enduse.entity_list.footnotes", case.date, Mode.ENFORCED) or []
    eu = case.end_user
    eu_updates = _party_updates(eu, f"{p}end_user", rules, lists, footnotes)
    if eu.supp8_entity is not None:
        known = _catalogue(rules, "uae.supp8.catalogue", case.date)
        if eu.supp8_entity not in known:
            raise InputError(
                f"{p}end_user.supp8_entity",
                f"unknown Supp. 8 entity {eu.supp8_entity!r} (known: {', '.join(sorted(known))})",
            )
    if eu_updates:
        updates["end_user"] = eu.model_copy(update=eu_updates)
    if case.parties:
        parties = []
        for i, party in enumerate(case.parties):
            upd = _party_updates(party, f"{p}parties[{i}]", rules, lists, footnotes)
            parties.append(party.model_copy(update=upd) if upd else party)
        updates["parties"] = parties
    regions = rules.value(REGIONS_KEY, case.date, Mode.ENFORCED)
    if updates["destination"] == regions["country"]:
        if case.destination_region is None:
            raise InputError(
                f"{p}destination_region",
                f"required for destination {updates['destination']} (746.6: the region decides): one of "
                f"{', '.join(regions['regions'])}, or a place name",
            )
        updates["destination_region"] = region_key(case.destination_region, rules, case.date, f"{p}destination_region")
    elif case.destination_region is not None:
        raise InputError(f"{p}destination_region", f"applies to destination {regions['country']} only")
    ex = case.exporter
    ex_updates = {
        name: rules.country_code(getattr(ex, name), field=f"{p}exporter.{name}")
        for name in ("hq", "ultimate_parent_hq")
        if getattr(ex, name) is not None
    }
    if ex_updates:
        updates["exporter"] = ex.model_copy(update=ex_updates)
    catalogue = red_flag_catalogue(rules, case.date)
    for i, flag in enumerate(case.red_flags):
        if flag.id not in catalogue:
            raise InputError(f"{p}red_flags[{i}]", f"unknown red flag id {flag.id!r} (see `kyc.red_flags.*` in the rule data)")
    certs = _catalogue(rules, "policy.china_cbc.certifications", case.date)
    for i, cert in enumerate(case.certifications):
        if cert != UMBRELLA_DD and cert not in certs:
            raise InputError(
                f"{p}certifications[{i}]",
                f"unknown certification {cert!r} (known: {UMBRELLA_DD}, {', '.join(sorted(certs))})",
            )
    if case.transaction in ("export", "reexport") and updates["origin"] == updates["destination"]:
        raise InputError(f"{p}destination", f"an {case.transaction} leaves the origin country: use transaction: transfer for an in-country transfer")
    if case.transaction == "transfer" and updates["origin"] != updates["destination"]:
        raise InputError(f"{p}destination", "an in-country transfer stays in one country: origin and destination must match")
    if case.foreign_produced is not None:
        for i, eccn in enumerate(case.foreign_produced.direct_product_of):
            if not isinstance(eccn, str) or len(eccn) < 5:
                raise InputError(f"{p}foreign_produced.direct_product_of[{i}]", f"not an ECCN: {eccn!r}")
    if with_item:
        _check_item_shape(case.item, f"{p}item")
    return case.model_copy(update=updates)


REGIONS_KEY = "part746.ukraine_regions.destinations"


def region_key(value: str, rules: RuleSet, day: _dt.date, where: str) -> str:
    """The region key of ``value`` (a key, or a place name from ``part746.ukraine_regions.region_names``);
    an unknown or unsettled name is an error naming the field (deny by default)."""
    regions = dict(rules.value(REGIONS_KEY, day, Mode.ENFORCED)["regions"])
    wanted = " ".join(str(value).split()).casefold().replace("_", " ")
    for key in regions:
        if wanted == str(key).replace("_", " "):
            return str(key)
    names = rules.value("part746.ukraine_regions.region_names", day, Mode.ENFORCED) or {}
    for key, aliases in names.items():
        if wanted in (str(a).casefold() for a in aliases):
            return str(key)
    unsettled = rules.value("part746.ukraine_regions.unresolved_names", day, Mode.ENFORCED) or []
    if wanted in (str(u).casefold() for u in unsettled):
        raise InputError(
            where,
            f"{value!r} does not settle the region (the oblasts are not wholly covered; OFAC FAQ 1009: use postal "
            f"codes and maps): give one of {', '.join(regions)}",
        )
    raise InputError(where, f"unknown region {value!r} (known: {', '.join(regions)}, or a place name of the rule data)")


def _check_hits(hits: list[PartyHit], where: str, lists: dict[str, Any], footnotes: list[Any]) -> None:
    for i, hit in enumerate(hits):
        at = f"{where}.restricted_party_hits[{i}]"
        if hit.list not in lists:
            raise InputError(f"{at}.list", f"unknown list {hit.list!r} (known: {', '.join(sorted(lists))})")
        if hit.footnote is not None:
            if hit.list != "entity_list":
                raise InputError(f"{at}.footnote", "footnotes apply to Entity List entries only")
            if hit.footnote not in footnotes:
                raise InputError(f"{at}.footnote", f"unknown Entity List footnote {hit.footnote} (known: {footnotes})")


def _party_updates(party: PartyFacts, where: str, rules: RuleSet, lists: dict[str, Any], footnotes: list[Any]) -> dict[str, Any]:
    """Country codes checked and normalised, list hits and is-informed letters checked, ``military_or_intel``
    read as both military facts where they are not given."""
    out: dict[str, Any] = {}
    for name in ("located_in", "hq", "ultimate_parent_hq"):
        value = getattr(party, name)
        if value is not None:
            out[name] = rules.country_code(value, field=f"{where}.{name}")
    _check_hits(party.restricted_party_hits, where, lists, footnotes)
    for i, owner in enumerate(party.owners):
        _check_hits(owner.restricted_party_hits, f"{where}.owners[{i}]", lists, footnotes)
    letters = []
    for i, letter in enumerate(party.informed):
        dests = [rules.country_code(c, field=f"{where}.informed[{i}].destinations[{j}]")
                 for j, c in enumerate(letter.destinations)]
        for j, eccn in enumerate(letter.eccns):
            if not eccn.strip():
                raise InputError(f"{where}.informed[{i}].eccns[{j}]", "must not be empty")
        letters.append(letter.model_copy(update={"destinations": dests}))
    if letters:
        out["informed"] = letters
    if party.military_or_intel:
        if party.military_end_user is None:
            out["military_end_user"] = True
        if party.military_intelligence_end_user is None:
            out["military_intelligence_end_user"] = True
    return out


def _check_item_shape(item: Any, where: str) -> None:
    if isinstance(item, str):
        return  # a catalogue name, checked when classified
    if not isinstance(item, dict):
        raise InputError(where, f"an item must be a mapping (got {type(item).__name__})")
    if "eccn" in item:
        try:
            ClassifiedItem.model_validate(item)
        except ValidationError as exc:
            first = exc.errors()[0]
            raise InputError(loc_path(first["loc"], where), problem(first)) from None
