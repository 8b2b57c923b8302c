"""``POST /screen``: one party, with the same evidence the Python API takes (country, type, date of
birth, nationality, identifiers), screened and stored as a case (``Service.screen``: each match an alert)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import Field

from exportgate.api.deps import JsonBody, ServiceDep, documented_body, requires, validate_body
from exportgate.schema import StrictModel
from exportgate.store.accounts import Actor, Permission

router = APIRouter(tags=["screen"])


class ScreenQuery(StrictModel):
    """A party to screen (``Screener.screen``); only ``name`` is required."""

    name: str = Field(description="the party's name, as written")
    country: str | None = Field(default=None, description="ISO 3166 alpha-2 country (evidence)")
    type: str | None = Field(default=None, description="entity or person (evidence)")
    dob: str | None = Field(default=None, description="date of birth YYYY, YYYY-MM or YYYY-MM-DD (evidence)")
    nationality: str | None = Field(default=None, description="a person's nationality, ISO alpha-2 (evidence)")
    identifiers: list[str] | dict[str, str] | str | None = Field(
        default=None, description="passport, registration or tax numbers: a list, or a mapping kind -> value"
    )
    threshold: Annotated[float, Field(strict=True)] | None = Field(
        default=None, description="report matches scoring at least this (0-1)"
    )


@router.post("/screen", openapi_extra=documented_body("ScreenQuery"))
def screen(actor: Annotated[Actor, Depends(requires(Permission.SCREEN))], doc: JsonBody,
           svc: ServiceDep) -> dict[str, Any]:
    """Screen one party against the restricted-party lists; matches best first, each explained. Stored as a
    case (``case_id``; ``case_status``: ``review`` while a match is undecided), each match an alert."""
    query = validate_body(ScreenQuery, doc)
    case = svc.screen(
        actor,
        query.name,
        country=query.country,
        type=query.type,
        dob=query.dob,
        identifiers=query.identifiers,
        threshold=query.threshold,
        nationality=query.nationality,
    )
    return {**case.result, "case_id": case.id, "case_status": case.status}
