"""The memo document: the one contract between the package check, the renderers and the ledger.

``check_package`` builds a :class:`Memo`; ``exportgate check --json`` prints ``memo.to_json()``; the HTML,
Markdown and PDF memos (``exportgate.reports``) and the ledger (``exportgate.store``) parse the same model
(``Memo.parse``), so the three can never read a result differently. Its JSON Schema is
``Memo.model_json_schema()`` (``docs/design/memo.md`` describes the fields).

Everything that names the contract lives here once: the verdicts and their order, the exit codes,
the memo formats, the schema version and the content hash.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from exportgate.errors import InputError, InputErrors

if TYPE_CHECKING:
    from exportgate.determine import Determination

#: verdicts from best to worst; the exit codes of ``exportgate check`` follow the same order
VERDICT_ORDER: tuple[str, ...] = ("clear", "license_required", "review", "blocked")
Verdict = Literal["clear", "license_required", "review", "blocked"]
EXIT_CODES: dict[str, int] = {"clear": 0, "license_required": 10, "review": 20, "blocked": 30}
#: the formats a memo is rendered in (``exportgate.reports.render``), by file suffix
MEMO_FORMATS: tuple[str, ...] = ("html", "md", "pdf")
RESULT_SCHEMA_VERSION = 1


#: what the content hash leaves out: the hash itself, the signature that signs it (``exportgate.store.signing``),
#: and what says when, by whom and under which licences the result was produced, signed and shipped rather than
#: what it is (a re-check of the same package on the same day with the same rules and lists is the same result,
#: whoever runs it and whenever)
#: ``case_id``: the stored case an API answer belongs to (``POST /check``), not part of what was decided
UNHASHED: tuple[str, ...] = ("content_hash", "signature", "provenance", "signoff", "licences_granted", "case_id")


def content_hash(data: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON (sorted keys, no whitespace) of everything but :data:`UNHASHED`."""
    body = {k: v for k, v in data.items() if k not in UNHASHED}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class _Part(BaseModel):
    """A part of the memo: unknown keys are kept (a memo written by a newer version still renders)."""

    model_config = ConfigDict(extra="allow")


class PackageInfo(_Part):
    name: str | None = None
    date: str | None = None
    destinations: list[str] = Field(default_factory=list)
    regional_bloc: str | None = None
    source_file: str | None = None
    source_sha256: str | None = None
    expected_verdict: str | None = None
    consortium: list[dict[str, Any]] = Field(default_factory=list)
    business_model: dict[str, Any] | None = None
    financing: list[dict[str, Any]] = Field(default_factory=list)
    end_use: dict[str, Any] | None = None


class RequirementRow(_Part):
    """A licence requirement a determination found (``exportgate.determine.Requirement``)."""

    basis: str
    part: str
    provision: str
    citation: str
    review_policy: str | None = None
    exceptions_allowed: bool = True
    exceptions_only: list[str] | None = None
    reason: str = ""


class OperativeRow(_Part):
    """What decided a determination's status: a requirement, the licence exception chosen, or held red flags."""

    kind: Literal["requirement", "exception", "red_flag"]
    name: str
    provision: str
    citation: str
    reason: str = ""


class LineDetermination(_Part):
    """One line determined for one destination and end user (``exportgate.determine``'s answer)."""

    destination: str | None = None
    end_user: str | None = None
    #: the units of the line this determination is for (the line's split; default: the line's quantity)
    quantity: int | None = None
    status: str
    license_required: bool = False
    license_exception: str | None = None
    review_policy: str | None = None
    classification: str | None = None
    conditions: list[str] = Field(default_factory=list)
    red_flags: list[str] = Field(default_factory=list)
    reasons: list[str] = Field(default_factory=list)
    citations: list[str] = Field(default_factory=list)
    allocation: dict[str, Any] | None = None
    retain_records_until: str | None = None
    requirements: list[RequirementRow] = Field(default_factory=list)
    operative: OperativeRow | None = Field(default=None, description="None only for no licence required")

    @classmethod
    def of(cls, d: Determination, *, destination: str, end_user: str, quantity: int) -> LineDetermination:
        """A determination as the memo keeps it, for one destination and end user."""
        return cls(
            destination=destination,
            end_user=end_user,
            quantity=quantity,
            status=d.status,
            license_required=d.license_required,
            license_exception=d.license_exception,
            review_policy=d.review_policy,
            classification=d.classification,
            conditions=list(d.conditions),
            red_flags=list(d.red_flags),
            reasons=list(d.reasons),
            citations=list(d.citations),
            allocation=d.allocation,
            retain_records_until=d.retain_records_until.isoformat(),
            requirements=[RequirementRow.model_validate(r.to_json()) for r in d.requirements],
            operative=OperativeRow.model_validate(d.operative.to_json()) if d.operative is not None else None,
        )


class LineResult(_Part):
    ref: str
    description: str | None = None
    quantity: int | None = None
    value: float | None = None
    us_content_share: float | None = None
    basis: str | None = None
    catalog: str | None = None
    classification: str | None = None
    eccn: str | None = None
    level: str | None = None
    tpp: float | None = None
    tpp_total: float | None = None
    datacenter: bool | None = None
    classify_reasons: list[str] = Field(default_factory=list)
    classify_citations: list[str] = Field(default_factory=list)
    #: the provision under which the item is not subject to the EAR (``734.7(a)``: published weights), else None
    not_subject_to_ear: str | None = None
    #: determined | needs_manual_classification (its ECCN is one the rule data does not evaluate: deny by default)
    status: str = "determined"
    manual_reason: str | None = None
    determinations: list[LineDetermination] = Field(default_factory=list)


class LayerResult(_Part):
    key: str | None = None
    title: str | None = None
    lines: list[LineResult] = Field(default_factory=list)


class LicenceNeeded(_Part):
    line: str
    description: str | None = None
    destination: str | None = None
    end_user: str | None = None
    classification: str | None = None
    status: str | None = None
    review_policy: str | None = None
    operative: OperativeRow | None = Field(default=None, description="the provision that requires the licence")
    citations: list[str] = Field(default_factory=list)


class FindingRow(_Part):
    id: str
    severity: str
    message: str
    citation: str | None = None


class Completeness(_Part):
    status: str | None = None
    findings: list[FindingRow] = Field(default_factory=list)
    us_content: dict[str, Any] | None = None


class DecisionRow(_Part):
    """A reviewer's decision on a screening hit, as the package (or the service) records it."""

    party: str
    entity_id: str
    decision: Literal["false_positive", "confirmed"]
    by: str
    on: str
    reason: str
    entry_fingerprint: str | None = None
    #: applied | reopened (the entry changed since the decision) | no_current_match (the entry no longer matches)
    status: str = "applied"


class ListedEntry(_Part):
    """The listed entry a match points to, as the list gives it (``exportgate.screen.ListedEntity.details``)."""

    type: str | None = None
    aliases: list[str] = Field(default_factory=list)
    programs: list[str] = Field(default_factory=list)
    countries: list[str] = Field(default_factory=list)
    addresses: list[str] = Field(default_factory=list)
    identifiers: list[dict[str, Any]] = Field(default_factory=list)
    dates_of_birth: list[str] = Field(default_factory=list)
    entity_list_footnote: int | None = None
    license_requirement: str | None = None
    license_policy: str | None = None
    start_date: str | None = None
    federal_register_notice: str | None = None
    remarks: str | None = None
    list_date: str | None = None


class MatchRow(_Part):
    """A list entry a party's name matched (``exportgate.screen.Match.to_json``), with what was decided on it.

    The matcher never confirms: ``strength`` (strong | potential) says how close the names are; a match is
    ``confirmed`` only by a reviewer's decision, or by an exact listed name with an agreeing identifier."""

    entity_id: str | None = None
    list: str | None = None
    name: str | None = None
    matched_name: str | None = None
    score: float | None = None
    country: str | None = None
    entity_list_footnote: int | None = None
    license_policy: str | None = None
    explanation: Any = None
    strength: str | None = None
    entry_fingerprint: str | None = None
    #: the listed entry's details (programme, addresses, identifiers, remarks, footnote, policy, FR notice)
    entry: ListedEntry | None = None
    confirmed: bool = False
    #: decision | exact_name_and_identifier
    confirmed_by: str | None = None
    decision: DecisionRow | None = None


class ScreenedParty(_Part):
    """One screened name: a party, a consortium member, or an owner or ultimate parent of a party.

    ``status``: clear (no match) | potential / strong (an undecided match: needs a decision) | confirmed (a
    confirmed match, or the package states the listing) | cleared (every match decided a false positive)."""

    name: str
    role: str | None = None
    kind: str | None = None
    country: str | None = None
    status: str
    #: for an owner or ultimate parent: the party it owns
    of_party: str | None = None
    #: where it is in the package file (``parties[2].owners[0]``)
    path: str | None = None
    #: the listings the package itself states for it (``restricted_party_hits``)
    stated_hits: list[dict[str, Any]] = Field(default_factory=list)
    matches: list[MatchRow] = Field(default_factory=list)


class StaleRow(_Part):
    """A list screened against that is older than the transaction by more than its usual publication interval
    (``exportgate.screen.lists.staleness``; rule data ``screening.lists.max_age_days``)."""

    key: str
    list_date: str | None = None
    on: str | None = None
    days: int | None = None
    interval: int | None = None
    citation: str | None = None


class Screening(_Part):
    lists_as_of: dict[str, str] = Field(default_factory=dict)
    #: the lists older than the transaction by more than their usual publication interval (a memo banner)
    stale: list[StaleRow] = Field(default_factory=list)
    parties: list[ScreenedParty] = Field(default_factory=list)
    #: the package's screening decisions that match no current hit (the entry no longer matches)
    unmatched_decisions: list[DecisionRow] = Field(default_factory=list)


class RedFlagRow(_Part):
    id: str
    description: str | None = None
    citation: str | None = None
    party: str | None = None
    note: str | None = None
    resolved: bool = False
    resolution: str | None = None
    source: str | None = None
    held: bool | None = None


class DestinationTally(_Part):
    """TPP this package sends to one destination, against the country allocation in force there."""

    country: str
    tpp: float
    allocation: float | None = Field(default=None, description="the country allocation in force, if any")
    ledger_years: list[int] = Field(default_factory=list)
    ledger_before: float = Field(default=0.0, description="TPP the ledger already counts against it")
    after_package: float | None = None
    remaining: float | None = None
    exceeded: bool = Field(default=False, description="the package takes the country past its allocation")
    allocation_applied: bool = Field(
        default=False, description="a licence in this package is reviewed under the allocation"
    )
    citation: str | None = None


class EndUserTally(_Part):
    """TPP this package sends to one end user, against License Exception LPP's yearly cap where it applies."""

    end_user: str
    country: str | None = None
    hq: str | None = None
    ultimate_consignee: str | None = None
    tpp: float | None = None
    cap: float | None = None
    cap_applies_to_tpp: float | None = None
    lpp_tpp: float | None = Field(default=None, description="TPP of this package shipped under LPP")
    lpp_before: float | None = Field(default=None, description="LPP TPP the ledger holds this year")
    year: int | None = None
    ledger_before: float = 0.0
    after_package: float | None = None
    remaining: float | None = None
    exceeded: bool = Field(default=False, description="the consignee's LPP TPP this year passes the cap")
    citation: str | None = None


class Compute(_Part):
    per_destination: list[DestinationTally] = Field(default_factory=list)
    per_end_user: list[EndUserTally] = Field(default_factory=list)
    total_tpp: float | None = None
    notes: list[str] = Field(default_factory=list)


class DestinationProfile(_Part):
    """A destination in the compute landscape: its TOP500 standing on the latest list out by the check's
    date and how it moved over five years, beside the TPP the ledger already counts for it and what this
    package adds (from ``compute.per_destination``). Context for the reviewer: it decides nothing."""

    country: str
    name: str
    edition: str | None = Field(default=None, description="the TOP500 list (YYYY-MM) the standing is from")
    citation: str | None = None
    systems: int = 0
    systems_pct: float = 0.0
    rmax_pct: float = Field(default=0.0, description="share of the list's summed Rmax, percent")
    top10: int = 0
    best_rank: int | None = None
    rank_by_systems: int | None = None
    rank_by_rmax: int | None = None
    trend_since: str | None = Field(default=None, description="the list five years (ten editions) before")
    systems_change: int | None = None
    rmax_pct_change: float | None = None
    summary: str
    ledger_tpp: float = Field(default=0.0, description="TPP the ledger already counts for this country")
    ledger_years: list[int] = Field(default_factory=list, description="the years the ledger figure covers")
    package_tpp: float = Field(default=0.0, description="TPP this package sends there")
    after_package: float = 0.0


class ListVersion(_Part):
    """One screening list as the check used it: its date, the file it was read from and that file's SHA-256."""

    list: str
    as_of: str | None = None
    file: str | None = None
    sha256: str | None = None
    #: embedded (shipped with exportgate) | updated (``exportgate lists update``)
    origin: str | None = None


class Versions(_Part):
    exportgate: str | None = None
    rules_sha256: str | None = None
    lists_as_of: dict[str, str] = Field(default_factory=dict)
    #: the list snapshot's version (``embedded-2025-12-19``, or an update's)
    lists_version: str | None = None
    lists: list[ListVersion] = Field(default_factory=list)


class Provenance(_Part):
    """When and by whom this memo was produced. Not part of the content hash (``UNHASHED``)."""

    #: ISO 8601 with the zone offset (``2026-10-20T14:03:11+04:00``)
    produced_at: str | None = None
    #: ``--as NAME``, else ``EXPORTGATE_USER``, else the operating-system user
    produced_by: str | None = None

    @classmethod
    def now(cls, produced_by: str | None = None) -> Provenance:
        """Produced now (local time with its zone) by ``produced_by`` or :func:`current_user`."""
        from datetime import datetime

        at = datetime.now().astimezone().replace(microsecond=0)
        return cls(produced_at=at.isoformat(), produced_by=produced_by or current_user())


def current_user() -> str:
    """Who is producing a memo: ``EXPORTGATE_USER``, else the operating-system user, else ``unknown``."""
    import getpass
    import os

    named = os.environ.get("EXPORTGATE_USER", "").strip()
    if named:
        return named
    try:
        return getpass.getuser()
    except Exception:  # no user name in the environment or the password database (a bare container)
        return "unknown"


class Signature(_Part):
    name: str
    date: str | None = None


class SignOff(_Part):
    """Who prepared, reviewed and approved the export, and when: filled by ``exportgate ledger record``.
    Not part of the content hash (``UNHASHED``): signing a result does not change it."""

    prepared_by: Signature | None = None
    reviewed_by: Signature | None = None
    approved_by: Signature | None = None
    #: the ledger record that holds the signed result, and when it was recorded
    record_id: int | None = None
    recorded_at: str | None = None


class LicenceGranted(_Part):
    """A licence BIS granted for a line that needs one (``ledger record --license LINE=NUMBER``), with its
    conditions. Not part of the content hash (``UNHASHED``)."""

    line: str
    number: str
    destination: str | None = None
    end_user: str | None = None
    conditions: list[str] = Field(default_factory=list)


class Memo(_Part):
    """The result of one package check: what every memo format shows and what the ledger records."""

    schema_version: int = RESULT_SCHEMA_VERSION
    package: PackageInfo = Field(default_factory=PackageInfo)
    as_of: str | None = None
    mode: str | None = None
    verdict: Verdict
    verdict_reasons: list[str] = Field(default_factory=list)
    conditions: list[str] = Field(default_factory=list)
    licenses_needed: list[LicenceNeeded] = Field(default_factory=list)
    completeness: Completeness = Field(default_factory=Completeness)
    layers: list[LayerResult] = Field(default_factory=list)
    screening: Screening = Field(default_factory=Screening)
    red_flags: list[RedFlagRow] = Field(default_factory=list)
    compute: Compute = Field(default_factory=Compute)
    destination_profiles: list[DestinationProfile] = Field(default_factory=list)
    versions: Versions = Field(default_factory=Versions)
    provenance: Provenance = Field(default_factory=Provenance)
    signoff: SignOff = Field(default_factory=SignOff)
    licences_granted: list[LicenceGranted] = Field(default_factory=list)
    content_hash: str = Field(min_length=1, description="content_hash() of the rest of the document")

    @property
    def exit_code(self) -> int:
        """The exit code of ``exportgate check`` for this verdict."""
        return EXIT_CODES[self.verdict]

    def to_json(self) -> dict[str, Any]:
        """The memo document as plain JSON data (what ``--json`` prints and the content hash covers)."""
        out: dict[str, Any] = self.model_dump(mode="json")
        return out

    def verify_hash(self) -> bool:
        """Whether ``content_hash`` is the hash of the document as it stands."""
        return content_hash(self.to_json()) == self.content_hash

    @classmethod
    def build(cls, data: dict[str, Any]) -> Memo:
        """A new memo from the check's fields: validated, then stamped with its content hash."""
        draft = cls.model_validate({**data, "content_hash": "-"})
        doc = draft.to_json()
        return draft.model_copy(update={"content_hash": content_hash(doc)})

    @classmethod
    def parse(cls, result: Any, field: str = "result") -> Memo:
        """A memo document given as data (JSON, a stored record): every shape error at once (``InputErrors``;
        one alone is an ``InputError``), each named by its path under ``field``
        (``result.layers[0].lines: must be a list, not int``)."""
        if isinstance(result, Memo):
            return result
        if not isinstance(result, dict):
            raise InputError(field, "must be a package check result (a mapping)")
        try:
            return cls.model_validate(result)
        except ValidationError as exc:
            errors = [InputError(_path(field, e["loc"]), _problem(e)) for e in exc.errors()]
            raise (errors[0] if len(errors) == 1 else InputErrors(errors)) from None


def _path(base: str, loc: tuple[int | str, ...]) -> str:
    out = base
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _problem(err: Any) -> str:
    kind = str(err.get("type", ""))
    if kind == "missing":
        return "missing"
    if kind == "literal_error":
        return f"must be one of {', '.join(VERDICT_ORDER)}, not {err.get('input')!r}"
    if kind in ("list_type", "dict_type", "model_type"):
        want = "a list" if kind == "list_type" else "a mapping"
        return f"must be {want}, not {type(err.get('input')).__name__}"
    return str(err.get("msg", "invalid"))
