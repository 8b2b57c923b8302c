"""``POST /determine``: one case, as ``exportgate determine FILE --json`` reads it, stored as a case
(``Service.determine``: its end user and parties are stored parties a re-screen screens again)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from exportgate.api.deps import JsonBody, ModeDep, ServiceDep, documented_body, requires
from exportgate.store.accounts import Actor, Permission

router = APIRouter(tags=["determine"])


@router.post("/determine", openapi_extra=documented_body("determine.Case"))
def determine_case(actor: Annotated[Actor, Depends(requires(Permission.DETERMINE))], doc: JsonBody,
                   mode: ModeDep, svc: ServiceDep) -> dict[str, Any]:
    """May this item go to this party, for this use, on this day? (licence determination; stored as a case:
    ``case_id``, ``case_status``)"""
    case = svc.determine(actor, doc, mode)
    return {**case.result, "case_id": case.id, "case_status": case.status}
