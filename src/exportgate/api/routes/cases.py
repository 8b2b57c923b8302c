"""``/cases``: stored screenings, determinations and package checks (``Service.cases``), a package case's memo
in each format, sign-off, and recording a package case in the compute ledger."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel, Field

from exportgate.api.deps import JsonBody, ServiceDep, model_body, requires, validate_body
from exportgate.schema import StrictModel
from exportgate.store.accounts import Actor, Permission
from exportgate.store.views import CaseKind, CaseSummary, CaseView

router = APIRouter(tags=["cases"])
Reader = Annotated[Actor, Depends(requires(Permission.CASES_READ))]
Limit = Annotated[int, Query(ge=1, le=1000, description="At most this many (1-1000).")]
Offset = Annotated[int, Query(ge=0, description="Skip this many first.")]
MemoFormat = Literal["json", "html", "md", "pdf"]


class SignOff(StrictModel):
    """Why the case is signed off (required)."""

    comment: str = Field(description="why the case is signed off", max_length=10_000)


class Record(StrictModel):
    """Record a package case's result in the compute ledger (as ``ledger record --force`` with ``force``)."""

    force: bool = Field(default=False, description="record even a duplicate or an unsigned result, as --force")


class Recorded(BaseModel):
    case_id: int
    record_id: int


@router.get("/cases", response_model=list[CaseSummary])
def list_cases(
    actor: Reader,
    svc: ServiceDep,
    kind: Annotated[CaseKind | None, Query(description="screen, determine or check")] = None,
    status: Annotated[str | None, Query(max_length=30, description="clear, license_required, review or blocked")] = None,
    title: Annotated[str | None, Query(max_length=1000, description="cases whose title contains this")] = None,
    created_by: Annotated[str | None, Query(max_length=200, description="stored by this user")] = None,
    since: Annotated[datetime | None, Query(description="stored at or after this time (ISO 8601)")] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[CaseSummary]:
    """Stored cases, newest first."""
    return svc.cases.list(actor, kind=kind, status=status, title=title, created_by=created_by, since=since,
                          limit=limit, offset=offset)


@router.get("/cases/{case_id}", response_model=CaseView,
            responses={200: {"content": {"text/html": {}, "text/markdown": {}, "application/pdf": {}},
                             "description": "the case (json), or a package case's memo (html, md, pdf)"}})
def get_case(
    actor: Reader,
    case_id: int,
    svc: ServiceDep,
    format: Annotated[MemoFormat, Query(description="json: the case; html, md, pdf: a package case's memo")] = "json",
) -> Response:
    """A case with its input, latest result, runs, parties and alerts; or a package case's decision memo."""
    if format == "json":
        return JSONResponse(svc.cases.get(actor, case_id).model_dump(mode="json"))
    from exportgate.reports import render

    memo = render(svc.cases.memo_source(actor, case_id), format)
    if format == "pdf":
        assert isinstance(memo, bytes)
        return Response(memo, media_type="application/pdf",
                        headers={"Content-Disposition": f'attachment; filename="case-{case_id}.pdf"'})
    if format == "html":
        return HTMLResponse(str(memo))
    return PlainTextResponse(str(memo), media_type="text/markdown; charset=utf-8")


@router.post("/cases/{case_id}/sign-off", response_model=CaseView, openapi_extra=model_body(SignOff))
def sign_off(actor: Annotated[Actor, Depends(requires(Permission.CASES_SIGN_OFF))], case_id: int, doc: JsonBody,
             svc: ServiceDep) -> CaseView:
    """Sign off a case (a reviewer): refused while any of its alerts is undecided, or once signed off."""
    return svc.cases.sign_off(actor, case_id, validate_body(SignOff, doc).comment)


@router.post("/cases/{case_id}/record", response_model=Recorded, openapi_extra=model_body(Record))
def record(actor: Annotated[Actor, Depends(requires(Permission.LEDGER_RECORD))], case_id: int, doc: JsonBody,
           svc: ServiceDep) -> Recorded:
    """Record a package case's latest result in the compute ledger, approved by you (a reviewer)."""
    body = validate_body(Record, doc)
    return Recorded(case_id=case_id, record_id=svc.record_case(actor, case_id, force=body.force))
