"""The alert queue and each alert: open alerts first, filters by list, score, party and age; the match's
explanation, the history, and (for a role that may decide) the decision with its comment.

Deciding is :meth:`Alerts.decide <exportgate.store.alerts.Alerts.decide>` (the permission, the required
comment, the package's re-check and the audit line are the store's); an analyst sees no decide buttons, and a
decision it posts anyway is refused there (403 page). Keyboard: ``j``/``k`` move through the queue, ``Enter``
opens, ``c``/``f``/``e`` choose confirmed match / false positive / escalate (``static/web.js``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import Form, Request
from fastapi.responses import Response

from exportgate.errors import InputError
from exportgate.store.views import ALERT_STATUSES
from exportgate.web.core import PREFIX, Csrf, SignedIn, in_force, page, page_router, redirect, service
from exportgate.web.screen_page import explained

router = page_router()
#: what the page offers to decide (re-opening is the CLI's and the API's), with its key
CHOICES = (("confirmed_match", "Confirmed match", "c"), ("false_positive", "False positive", "f"),
           ("escalated", "Escalate", "e"))


def _number(text: str, field: str, low: float, high: float) -> float | None:
    if not text.strip():
        return None
    try:
        value = float(text)
    except ValueError:
        raise InputError(field, f"must be a number, not {text[:20]!r}") from None
    if not low <= value <= high:
        raise InputError(field, f"must be between {low:g} and {high:g}")
    return value


@router.get("/alerts")
def queue(request: Request, actor: SignedIn, status: str = "", list: str = "", min_score: str = "", party: str = "",
          older_than_days: str = "") -> Response:
    if status and status not in ALERT_STATUSES:
        raise InputError("status", f"must be one of {', '.join(ALERT_STATUSES)}, not {status!r}")
    score = _number(min_score, "min_score", 0, 1)
    days = _number(older_than_days, "older_than_days", 0, 36_500)
    before = datetime.now(UTC) - timedelta(days=days) if days is not None else None
    alerts = service(request).alerts.list(actor, status=status or None, list_key=list or None, party=party or None,
                                          min_score=score, opened_before=before, limit=200)
    return page(request, "alerts.html", title="Alert queue", alerts=alerts, statuses=ALERT_STATUSES,
                lists=sorted(in_force(request)["lists"]),
                filters={"status": status, "list": list, "min_score": min_score, "party": party,
                         "older_than_days": older_than_days})


@router.get("/alerts/{alert_id}")
def alert_page(request: Request, actor: SignedIn, alert_id: int, decide: str = "", decided: str = "") -> Response:
    alert = service(request).alerts.get(actor, alert_id)
    preset = decide if decide in {c[0] for c in CHOICES} else ""
    return page(request, "alert.html", title=f"Alert #{alert.id}", alert=alert, why=explained(alert.match),
                choices=CHOICES, preset=preset, decided=decided == "1")


@router.post("/alerts/{alert_id}/decide", dependencies=[Csrf])
def decide(request: Request, actor: SignedIn, alert_id: int, status: str = Form(""),
           comment: str = Form("")) -> Response:
    if status not in {c[0] for c in CHOICES}:
        raise InputError("status", "choose confirmed match, false positive or escalate")
    service(request).alerts.decide(actor, alert_id, status, comment)
    return redirect(request, f"{PREFIX}/alerts/{alert_id}?decided=1")
