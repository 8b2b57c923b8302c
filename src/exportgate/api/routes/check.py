"""``POST /check`` and ``POST /check/memo``: a package, checked as ``exportgate check`` checks it (the same
screener, the compute ledger read the same way, the same result document)."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from exportgate.api.deps import JsonBody, LedgerDep, LimitsDep, ModeDep, OptionalDay, ScreenerDep, documented_body
from exportgate.packages import LedgerView, check_document
from exportgate.rules import Mode
from exportgate.screen import Screener
from exportgate.settings import Limits

router = APIRouter(tags=["check"])


def check(doc: Any, as_of: date | None, mode: Mode, screener: Screener, ledger: LedgerView | None,
          lim: Limits | None = None) -> dict[str, Any]:
    """The check result (the memo document) for a package given as a parsed document."""
    return check_document(doc, as_of=as_of, mode=mode, screener=screener, ledger=ledger, lim=lim)


@router.post("/check", openapi_extra=documented_body("packages.Package"))
def check_package(
    doc: JsonBody, day: OptionalDay, mode: ModeDep, screener: ScreenerDep, ledger: LedgerDep, lim: LimitsDep
) -> dict[str, Any]:
    """Check a full-stack package: the result document of ``exportgate check --json``, signed by this
    installation (``exportgate.store.signing``) as the command signs it."""
    from exportgate.store.signing import sign_result

    return sign_result(check(doc, day, mode, screener, ledger, lim))


@router.post("/check/memo", response_class=HTMLResponse, openapi_extra=documented_body("packages.Package"))
def check_memo(
    doc: JsonBody, day: OptionalDay, mode: ModeDep, screener: ScreenerDep, ledger: LedgerDep, lim: LimitsDep
) -> HTMLResponse:
    """Check a package and return the HTML decision memo."""
    from exportgate.reports import render

    return HTMLResponse(content=str(render(check(doc, day, mode, screener, ledger, lim), "html")))
