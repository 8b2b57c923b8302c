"""``POST /check`` and ``POST /check/memo``: a package, checked as ``exportgate check --save`` checks it (the
same screener, the compute ledger of the same store, the same signed result document) and stored as a case
(``Service.check``: its verdict, an alert for each potential or strong match)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse

from exportgate.api.deps import JsonBody, LimitsDep, ModeDep, OptionalDay, ServiceDep, documented_body, requires
from exportgate.packages import LedgerView, check_document
from exportgate.rules import Mode
from exportgate.screen import Screener
from exportgate.settings import Limits
from exportgate.store.accounts import Actor, Permission
from exportgate.store.views import CaseView

router = APIRouter(tags=["check"])
CheckActor = Annotated[Actor, Depends(requires(Permission.CHECK))]


def check(doc: Any, as_of: date | None, mode: Mode, screener: Screener, ledger: LedgerView | None,
          lim: Limits | None = None) -> dict[str, Any]:
    """The check result (the memo document) for a package given as a parsed document, stored nowhere (the
    review page's check)."""
    return check_document(doc, as_of=as_of, mode=mode, screener=screener, ledger=ledger, lim=lim)


def _stored(case: CaseView) -> dict[str, Any]:
    """The case's result with its id (``case_id`` is outside the content hash and the signature)."""
    return {**case.result, "case_id": case.id}


@router.post("/check", openapi_extra=documented_body("packages.Package"))
def check_package(actor: CheckActor, doc: JsonBody, day: OptionalDay, mode: ModeDep, svc: ServiceDep,
                  lim: LimitsDep) -> dict[str, Any]:
    """Check a full-stack package: the result document of ``exportgate check --json``, signed by this
    installation (``exportgate.store.signing``) as the command signs it, stored as a case (``case_id``)."""
    return _stored(svc.check(actor, doc, day, mode, lim=lim))


@router.post("/check/memo", response_class=HTMLResponse, openapi_extra=documented_body("packages.Package"))
def check_memo(actor: CheckActor, doc: JsonBody, day: OptionalDay, mode: ModeDep, svc: ServiceDep,
               lim: LimitsDep) -> HTMLResponse:
    """Check a package (stored as a case: its id in the ``X-Exportgate-Case`` header) and return the HTML
    decision memo."""
    from exportgate.reports import render

    case = svc.check(actor, doc, day, mode, lim=lim)
    return HTMLResponse(content=str(render(case.result, "html")), headers={"X-Exportgate-Case": str(case.id)})
