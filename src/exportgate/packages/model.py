"""The full-stack package file: pydantic schema, loading, and error messages that name the path.

A package is what a consortium submits to the American AI Exports Program (EO 14320) and what an
exporter ships: a header (name, date, destinations, consortium, business model, financing), five
layers of lines, the parties, the end use and the known facts. This module only checks the *shape*
of the file; whether the proposal is complete is :mod:`exportgate.packages.completeness`, whether it
may ship is :mod:`exportgate.packages.vetting`.

``load_package`` reports every schema error at once (``InputErrors``), each naming its path inside the
file, for example ``layers.hardware[2].quantity: must be > 0``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from exportgate.determine.model import CivilSubsidiary, InformedLetter, PartyHit
from exportgate.errors import InputError, InputErrors
from exportgate.schema import StrictModel, loc_path, plain_problem
from exportgate.settings import Limits, limits

SCHEMA_VERSION = 1

#: the program's five layers, in the order EO 14320 lists them (titles are repeated in aaep.yaml with
#: their citation; the keys are the file format's and never change)
LAYER_KEYS: tuple[str, ...] = ("hardware", "data_pipelines", "models", "security", "applications")


class _Strict(StrictModel):
    model_config = ConfigDict(frozen=False, str_strip_whitespace=True)


class MemberRole(StrEnum):
    ANCHOR = "anchor"
    MEMBER = "member"


class PartyRole(StrEnum):
    PURCHASER = "purchaser"
    INTERMEDIATE_CONSIGNEE = "intermediate_consignee"
    ULTIMATE_CONSIGNEE = "ultimate_consignee"
    END_USER = "end_user"
    FREIGHT_FORWARDER = "freight_forwarder"
    DISTRIBUTOR = "distributor"
    INTERMEDIARY = "intermediary"
    OPERATOR = "operator"


#: roles whose holder receives and uses the items (determined as end users)
END_USER_ROLES = frozenset({PartyRole.END_USER, PartyRole.ULTIMATE_CONSIGNEE})


class Member(_Strict):
    """A consortium member (the anchor member leads and submits the proposal)."""

    name: str = Field(min_length=1)
    role: MemberRole = MemberRole.MEMBER
    country: str = Field(min_length=2, description="where the member is located (ISO alpha-2)")
    hq: str | None = Field(default=None, description="headquarters country (ISO alpha-2); default: country")
    ultimate_parent_hq: str | None = Field(default=None, description="ultimate parent's HQ country")
    controlled_from: list[str] = Field(
        default_factory=list, description="countries the member is owned or controlled from (ISO alpha-2)"
    )
    provides: list[str] = Field(default_factory=list, description="layer keys this member supplies")
    address: str | None = None


class BusinessModel(_Strict):
    """Who builds, owns and operates the data centres and infrastructure (EO 14320 proposal content)."""

    summary: str = Field(min_length=1)
    builds: str | None = Field(default=None, description="who builds the data centres")
    owns: str | None = Field(default=None, description="who owns them")
    operates: str | None = Field(default=None, description="who operates them")


class FinancingAsk(_Strict):
    """One requested federal incentive or support mechanism."""

    instrument: str = Field(min_length=1, description="e.g. loan guarantee, direct loan, political-risk insurance")
    agency: str | None = Field(default=None, description="e.g. EXIM, DFC, USTDA")
    amount_usd: float | None = Field(default=None, ge=0)
    note: str | None = None


#: the ways a line says what it is; exactly one per line
LINE_BASES: tuple[str, ...] = ("item", "catalog", "eccn", "model_weights")


class Split(_Strict):
    """How many of a line's units go to one end user (or ultimate consignee), by party name."""

    end_user: str = Field(min_length=1)
    quantity: int = Field(gt=0)


class Line(_Strict):
    """One line of one layer: what it is, how many, what it is worth, and how to classify it."""

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={"oneOf": [{"required": [k]} for k in LINE_BASES]},
    )

    description: str = Field(min_length=1)
    quantity: int = Field(gt=0, description="number of units (whole)")
    value: float = Field(ge=0, description="value in US dollars")
    item: dict[str, Any] | None = Field(default=None, description="an item spec as `exportgate classify` reads")
    catalog: str | None = Field(default=None, description="a catalog name (`exportgate classify --catalog`)")
    eccn: str | None = Field(default=None, description="an ECCN or paragraph, e.g. EAR99, 5D992.c, 4E091")
    model_weights: dict[str, Any] | None = Field(
        default=None, description="model-weight facts for 4E091 classification (training operations, published)"
    )
    us_content_share: float | None = Field(
        default=None, ge=0, le=1, description="US-origin share of this line's value (0..1)"
    )
    destination: str | None = Field(default=None, description="only this destination (default: all)")
    end_user: str | None = Field(default=None, description="only this end user, by party name (default: all)")
    split: list[Split] = Field(
        default_factory=list,
        description="how the units are split among end users (required for a line with TPP that goes to several)",
    )


class Layers(_Strict):
    hardware: list[Line] = Field(default_factory=list)
    hardware_us_content_share: float | None = Field(
        default=None, ge=0, le=1, description="US-origin share of the hardware layer's value, if not per line"
    )
    data_pipelines: list[Line] = Field(default_factory=list)
    models: list[Line] = Field(default_factory=list)
    security: list[Line] = Field(default_factory=list)
    applications: list[Line] = Field(default_factory=list)

    def lines(self, key: str) -> list[Line]:
        value: list[Line] = getattr(self, key)
        return value


class Owner(_Strict):
    """Someone who owns part of a party: screened like the party itself; listed owners holding 50% or more
    together bring the party under the Affiliates rule (90 FR 47201) where it is in force."""

    name: str = Field(min_length=1)
    country: str = Field(min_length=2, description="where the owner is located or headquartered (ISO alpha-2)")
    share: float = Field(gt=0, le=1, description="the share of the party it owns, as a fraction (0.5 = 50%)")
    type: Literal["entity", "person"] = "entity"
    restricted_party_hits: list[PartyHit] = Field(
        default_factory=list, description="the package's own statement that this owner is listed"
    )


class UltimateParent(_Strict):
    """The party's ultimate parent: screened like the party itself; a listed parent controls the party."""

    name: str = Field(min_length=1)
    country: str | None = Field(default=None, description="the parent's headquarters country (ISO alpha-2)")
    restricted_party_hits: list[PartyHit] = Field(
        default_factory=list, description="the package's own statement that the parent is listed"
    )


class Identifier(_Strict):
    """An identifier of a party (registration number, passport, tax id ...): screening evidence; an exact
    listed name with an agreeing identifier is a confirmed match."""

    type: str = Field(min_length=1, description="e.g. registration, passport, national_id, tax_id, imo")
    value: str = Field(min_length=1)


class Party(_Strict):
    """A party to the transaction (consignee, end user, intermediary ...).

    It takes every field a determination case gives a party (``exportgate.determine``'s ``EndUser`` and
    ``TransactionParty``), with the same meaning; ``country`` is the case's ``located_in``."""

    name: str = Field(min_length=1)
    role: PartyRole
    country: str = Field(min_length=2, description="where the party is located (ISO alpha-2)")
    address: str | None = None
    hq: str | None = Field(default=None, description="headquarters country; default: country")
    ultimate_parent_hq: str | None = Field(
        default=None, description="the ultimate parent's headquarters country (same as ultimate_parent.country)"
    )
    ultimate_parent: UltimateParent | None = Field(
        default=None, description="the ultimate parent: {name, country} (a bare name is accepted)"
    )
    owners: list[Owner] = Field(default_factory=list, description="who owns the party, with their shares")
    type: Literal["entity", "person"] = "entity"
    # Evidence for restricted-party screening (each shown as a row of a match's explanation).
    dob: str | None = Field(default=None, description="a person's date of birth, YYYY, YYYY-MM or YYYY-MM-DD")
    nationality: str | None = Field(default=None, description="a person's nationality (ISO alpha-2)")
    identifiers: list[Identifier] = Field(
        default_factory=list, description="passport, national ID, tax, IMO or registration numbers: {type, value}"
    )
    region: str | None = Field(
        default=None,
        description="for a party in Ukraine: crimea, dnr, lnr or rest_of_ukraine, or a place name (15 CFR 746.6; "
        "required for an end user or ultimate consignee located in UA)",
    )
    # -- the determination's party facts, with the same names and meaning as in a case
    military_or_intel: bool | None = Field(
        default=None, description="sets military_end_user and military_intelligence_end_user (an old input alias)"
    )
    military_end_user: bool | None = Field(default=None, description="a military end user (744.21)")
    military_intelligence_end_user: bool | None = Field(
        default=None, description="a military-intelligence end user (744.22)"
    )
    restricted_party_hits: list[PartyHit] = Field(
        default_factory=list, description="the package's own statement that the party is listed (a confirmed hit)"
    )
    informed: list[InformedLetter] = Field(default_factory=list, description="is-informed letters naming the party")
    supp8_entity: str | None = Field(default=None, description="its Supp. 8 to Part 740 approved-entity id (UAE)")
    private_sector: bool | None = None
    civil_subsidiary: CivilSubsidiary | None = Field(default=None, description="746.8(a)(12)(ii)(A)-(F)")

    @model_validator(mode="before")
    @classmethod
    def _parent_name(cls, data: Any) -> Any:
        """``ultimate_parent: NAME`` (the old form) is ``ultimate_parent: {name: NAME}``."""
        if isinstance(data, dict) and isinstance(data.get("ultimate_parent"), str):
            return {**data, "ultimate_parent": {"name": data["ultimate_parent"]}}
        return data

    @property
    def parent_name(self) -> str | None:
        return self.ultimate_parent.name if self.ultimate_parent is not None else None

    @property
    def parent_hq(self) -> str | None:
        """The ultimate parent's HQ country, from either field."""
        if self.ultimate_parent_hq is not None:
            return self.ultimate_parent_hq
        return self.ultimate_parent.country if self.ultimate_parent is not None else None


class EndUse(_Strict):
    description: str = Field(min_length=1)
    #: end-use facts the determination engine knows (e.g. supercomputer, advanced_node_ic_production,
    #: military, wmd, train_4e091_model_for_non_supp5a); passed through as given
    facts: dict[str, Any] = Field(default_factory=dict)


class Fact(_Strict):
    """A known fact that is a red flag (Supp. 3 to Part 732, BIS 2025-05-13 diversion guidance)."""

    id: str = Field(min_length=1, description="red-flag id from the rule data (kyc.red_flags.*), e.g. supp3.9")
    party: str | None = Field(default=None, description="the party it concerns, by name")
    note: str | None = None
    resolved: bool = Field(default=False, description="the inquiry resolved it (Supp. 3 to Part 732)")
    resolution: str | None = Field(default=None, description="how it was resolved (required when resolved)")


class ScreeningDecision(_Strict):
    """A reviewer's decision on one screening hit: the screened name (a party, member, owner or parent), the
    list entry it matched, confirmed or a false positive, by whom, when and why. A decision is shown in the
    memo; it is re-opened when the entry has changed since (``entry_fingerprint``, copied from the memo's
    match, no longer matches the entry)."""

    party: str = Field(min_length=1, description="the screened name, as the package gives it")
    entity_id: str = Field(min_length=1, description="the list entry, as the memo's match names it")
    decision: Literal["false_positive", "confirmed"]
    by: str = Field(min_length=1)
    on: dt.date
    reason: str = Field(min_length=1)
    entry_fingerprint: str | None = Field(
        default=None, description="the entry as it was decided (the memo's match shows it); a change re-opens"
    )


class Exporter(_Strict):
    """The exporter of record (default: the anchor member)."""

    name: str = Field(min_length=1)
    hq: str | None = None
    ultimate_parent_hq: str | None = None


class Package(_Strict):
    """A full-stack AI export package (one proposal, one or several destinations)."""

    schema_version: int = Field(default=SCHEMA_VERSION, ge=1, le=SCHEMA_VERSION)
    name: str = Field(min_length=1)
    date: dt.date
    destinations: list[str] = Field(min_length=1, description="ISO alpha-2 codes of the target countries")
    regional_bloc: str | None = None
    consortium: list[Member] = Field(default_factory=list)
    business_model: BusinessModel | None = None
    financing: list[FinancingAsk] = Field(default_factory=list)
    layers: Layers = Field(default_factory=Layers)
    parties: list[Party] = Field(default_factory=list)
    end_use: EndUse | None = None
    facts: list[Fact] = Field(default_factory=list)
    screening_decisions: list[ScreeningDecision] = Field(
        default_factory=list, description="reviewers' decisions on screening hits (confirmed or false positive)"
    )
    certifications: list[str] = Field(default_factory=list, description="certification ids (determine)")
    exporter: Exporter | None = None
    exception_facts: dict[str, Any] = Field(
        default_factory=dict,
        description="licence-exception facts passed to every determination (e.g. written_purchase_order: true)",
    )
    transaction: Literal["export", "reexport", "transfer"] = "export"
    expected_verdict: Literal["clear", "license_required", "review", "blocked"] | None = Field(
        default=None, description="for examples and tests: the verdict this package should get"
    )


def package_json_schema() -> dict[str, Any]:
    """The published JSON Schema of the package file (generated from the pydantic model)."""
    schema = Package.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://exportgate.dev/schema/package-v1.json"
    schema["title"] = "exportgate full-stack AI export package"
    return schema


# --- error messages -------------------------------------------------------------------------------


def validation_errors(exc: ValidationError) -> list[InputError]:
    return [InputError(loc_path(e["loc"]) or "package", plain_problem(e)) for e in exc.errors()]


def parse_package(doc: Any, lim: Limits | None = None) -> Package:
    """Validate a parsed YAML/JSON document; every problem at once as ``InputErrors``. A package of more
    lines than ``lim.lines`` (all layers together) is refused before anything is validated."""
    if not isinstance(doc, dict):
        raise InputErrors([InputError("package", "must be a mapping (YAML/JSON object)")])
    _check_line_count(doc, lim or limits())
    errors = _basis_errors(doc)
    try:
        pkg = Package.model_validate(doc)
    except ValidationError as exc:
        errors = validation_errors(exc) + errors
        raise InputErrors(_sorted_unique(errors)) from None
    if errors:
        raise InputErrors(errors)
    return pkg


def _check_line_count(doc: dict[str, Any], lim: Limits) -> None:
    """Checking a line costs a classification and a determination per destination and end user, and a
    row in every memo: the count is bounded (``EXPORTGATE_MAX_LINES`` / ``--max-lines``)."""
    layers = doc.get("layers")
    if not isinstance(layers, dict):
        return
    count = sum(len(lines) for key in LAYER_KEYS if isinstance(lines := layers.get(key), list))
    if count > lim.lines:
        raise InputErrors([InputError("layers", f"has {count:,} lines; at most {lim.lines:,} are checked "
                                                "(limit: EXPORTGATE_MAX_LINES, or check --max-lines)")])


def _basis_errors(doc: dict[str, Any]) -> list[InputError]:
    """Each line gives exactly one of item / catalog / eccn / model_weights (checked on the raw document
    so that it is reported together with every other error of the same line)."""
    errors: list[InputError] = []
    layers = doc.get("layers")
    if not isinstance(layers, dict):
        return errors
    for key in LAYER_KEYS:
        lines = layers.get(key)
        if not isinstance(lines, list):
            continue
        for i, line in enumerate(lines):
            if not isinstance(line, dict):
                continue
            given = [k for k in LINE_BASES if line.get(k) is not None]
            if len(given) != 1:
                problem = "give exactly one of " + ", ".join(LINE_BASES)
                if given:
                    problem += f" (got {', '.join(given)})"
                errors.append(InputError(f"layers.{key}[{i}]", problem))
    return errors


def _sorted_unique(errors: list[InputError]) -> list[InputError]:
    seen: set[str] = set()
    out: list[InputError] = []
    for e in errors:
        if str(e) not in seen:
            seen.add(str(e))
            out.append(e)
    return out


class LoadedPackage(BaseModel):
    """A validated package with where it came from (for the memo's provenance block)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    package: Package
    source_file: str
    source_sha256: str


def load_package(source: str | os.PathLike[str], lim: Limits | None = None) -> LoadedPackage:
    """Read and validate a package file (YAML or JSON, a path as text or a ``Path``; ``-`` for stdin),
    within the limits ``lim`` (default: :func:`exportgate.settings.limits`)."""
    from exportgate.io import parse_document, read_source

    source = os.fspath(source)
    lim = lim or limits()
    raw, name = read_source(source, "PACKAGE", lim)
    doc = parse_document(raw, name, "PACKAGE", lim)
    digest = hashlib.sha256(raw).hexdigest()
    return LoadedPackage(package=parse_package(doc, lim), source_file=source, source_sha256=digest)
