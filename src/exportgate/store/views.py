"""What the service's functions return: pydantic models, so the API can publish them as its response schemas
and the command line can print them (``model_dump(mode="json")``)."""

from __future__ import annotations

import builtins
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

CaseKind = Literal["screen", "determine", "check"]
#: open: needs a decision; escalated: needs a senior decision; confirmed_match / false_positive: decided;
#: closed: the list entry it matched was removed from the list
AlertStatus = Literal["open", "confirmed_match", "false_positive", "escalated", "closed"]
ALERT_STATUSES: tuple[str, ...] = ("open", "confirmed_match", "false_positive", "escalated", "closed")
#: what a reviewer may set (``open`` re-opens a decided alert)
DECISIONS: tuple[str, ...] = ("confirmed_match", "false_positive", "escalated", "open")
#: decisions that need a comment saying why
COMMENT_REQUIRED: tuple[str, ...] = ("confirmed_match", "false_positive")
#: alerts that still need someone
UNDECIDED: tuple[str, ...] = ("open", "escalated")


class _View(BaseModel):
    model_config = ConfigDict(frozen=True)


class ListVersion(_View):
    """One list as a run used it."""

    as_of: str | None
    version: str | None = None
    sha256: dict[str, str] = Field(default_factory=dict)


class PartyView(_View):
    id: int
    path: str
    name: str
    country: str | None = None
    type: str | None = None
    dob: str | None = None
    identifiers: list[str] = Field(default_factory=list)


class AlertEventView(_View):
    at: datetime
    actor: str | None
    #: opened | decided | suppressed | reopened | closed
    action: str
    from_status: str | None
    to_status: str
    comment: str | None = None
    entry_fingerprint: str | None = None


class SuppressionView(_View):
    """The remembered false positive an alert was suppressed by."""

    false_positive_id: int
    alert_id: int
    decided_by: str | None
    decided_at: datetime
    comment: str
    entry_fingerprint: str


class AlertView(_View):
    id: int
    case_id: int
    case_kind: str
    case_title: str
    party: PartyView
    entity_id: str
    list: str
    listed_name: str | None
    score: float | None
    strength: str | None
    entry_fingerprint: str | None
    status: AlertStatus
    #: what found it: screen | check | determine | rescreen
    source: str
    opened_at: datetime
    updated_at: datetime
    updated_by: str | None
    suppressed: SuppressionView | None = None
    #: the match as the screener gave it (explanation included)
    match: dict[str, Any] = Field(default_factory=dict)
    #: every change, oldest first (filled by ``alerts.get``; empty in lists)
    history: builtins.list[AlertEventView] = Field(default_factory=builtins.list)


class CaseRunView(_View):
    number: int
    #: stored | alert_decided | rescreen
    reason: str
    at: datetime
    actor: str | None
    status: str
    rules_sha256: str
    lists: dict[str, ListVersion]
    lists_version: str | None
    content_hash: str | None


class CaseSummary(_View):
    id: int
    kind: CaseKind
    title: str
    #: clear | license_required | review | blocked
    status: str
    as_of: date
    mode: str | None
    created_at: datetime
    created_by: str | None
    updated_at: datetime
    alerts: int
    open_alerts: int
    signed_off_at: datetime | None = None
    signed_off_by: str | None = None
    retain_until: date


class CaseView(CaseSummary):
    """A case with its input, its latest result, its runs, parties and alerts."""

    input: Any
    result: dict[str, Any]
    sign_off_comment: str | None = None
    runs: list[CaseRunView] = Field(default_factory=list)
    parties: list[PartyView] = Field(default_factory=list)
    alert_list: list[AlertView] = Field(default_factory=list)


class ListChangeView(_View):
    id: int
    at: datetime
    actor: str | None
    event: str
    from_version: str
    to_version: str
    added: int
    removed: int
    changed: int
    rescreened_at: datetime | None = None
    rescreened_by: str | None = None
    rescreen: dict[str, Any] | None = None
    #: the entries (filled by ``lists.change``; empty in lists): {change, entity_id, list, name, fields}
    entries: list[dict[str, Any]] = Field(default_factory=list)


class RescreenReport(_View):
    """What a re-screen did."""

    changes: list[int]
    entries: int
    removed_entries: int
    parties: int
    distinct_parties: int
    candidates: int
    alerts_opened: int
    alerts_reopened: int
    alerts_suppressed: int
    alerts_closed: int
    cases_rechecked: list[int] = Field(default_factory=list)
    seconds: float
    #: the steps' seconds (index, screening, verification, writing)
    timings: dict[str, float] = Field(default_factory=dict)
