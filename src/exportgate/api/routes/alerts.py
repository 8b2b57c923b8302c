"""``/alerts``: the alert queue (``Service.alerts``), one alert with its history, and decisions."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from exportgate.api.deps import JsonBody, ServiceDep, model_body, requires, validate_body
from exportgate.schema import StrictModel
from exportgate.store.accounts import Actor, Permission
from exportgate.store.views import AlertStatus, AlertView

router = APIRouter(tags=["alerts"])
Reader = Annotated[Actor, Depends(requires(Permission.ALERTS_READ))]


class Decision(StrictModel):
    """A reviewer's decision on an alert: a comment saying why is required for ``confirmed_match`` and
    ``false_positive``; ``open`` re-opens a decided alert."""

    status: Literal["confirmed_match", "false_positive", "escalated", "open"]
    comment: str | None = Field(default=None, max_length=10_000, description="why (required for confirmed_match "
                                                                             "and false_positive)")


class Decided(BaseModel):
    """The alert after the decision, and its case's status (a package case is checked again with it)."""

    alert: AlertView
    case_status: str


@router.get("/alerts", response_model=list[AlertView])
def list_alerts(
    actor: Reader,
    svc: ServiceDep,
    status: Annotated[AlertStatus | None, Query(description="default: all, undecided first")] = None,
    case: Annotated[int | None, Query(description="only this case's alerts")] = None,
    list_key: Annotated[str | None, Query(alias="list", max_length=50,
                                          description="only matches on this list (entity_list ...)")] = None,
    party: Annotated[str | None, Query(max_length=1000, description="parties whose name contains this")] = None,
    min_score: Annotated[float | None, Query(ge=0.0, le=1.0, description="score at least this")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[AlertView]:
    """The alert queue: undecided alerts first (open, then escalated), oldest first."""
    return svc.alerts.list(actor, status=status, case_id=case, list_key=list_key, party=party, min_score=min_score,
                           limit=limit, offset=offset)


@router.get("/alerts/{alert_id}", response_model=AlertView)
def get_alert(actor: Reader, alert_id: int, svc: ServiceDep) -> AlertView:
    """One alert with its history: who changed it, when, from which status to which, and why."""
    return svc.alerts.get(actor, alert_id)


@router.post("/alerts/{alert_id}/decision", response_model=Decided, openapi_extra=model_body(Decision))
def decide(actor: Annotated[Actor, Depends(requires(Permission.ALERTS_DECIDE))], alert_id: int, doc: JsonBody,
           svc: ServiceDep) -> Decided:
    """Decide an alert (a reviewer). A false positive is remembered for the party and the list entry."""
    body = validate_body(Decision, doc)
    alert = svc.alerts.decide(actor, alert_id, body.status, body.comment)
    return Decided(alert=alert, case_status=svc.cases.get(actor, alert.case_id).status)
