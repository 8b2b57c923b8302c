"""The team's store beyond cases and alerts: ``/ledger`` (totals, as ``exportgate ledger show``), ``/lists``
(the lists this worker screens against, the versions in the data home; an update), ``/users`` (accounts,
an admin's) and ``/audit/verify`` (the hash chain walked)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from exportgate.api.deps import JsonBody, ModeDep, ServiceDep, model_body, requires, validate_body
from exportgate.errors import InputError
from exportgate.io import parse_date
from exportgate.schema import StrictModel
from exportgate.store.accounts import Actor, NewKey, Permission, UserView
from exportgate.store.views import ListChangeView

router = APIRouter()
Admin = Annotated[Actor, Depends(requires(Permission.USERS_MANAGE))]


# --- the ledger ----------------------------------------------------------------------------------------------


class LedgerSummary(BaseModel):
    """The ledger as of a day (``exportgate ledger show --json``): per country against any allocation in force,
    per end user and year against LPP's cap, the totals."""

    as_of: str
    mode: str
    filters: dict[str, Any]
    records: int
    total_tpp: float
    countries: list[dict[str, Any]]
    end_users: list[dict[str, Any]]
    allocation_in_force: dict[str, Any] | None = None


@router.get("/ledger", tags=["ledger"], response_model=LedgerSummary)
def ledger(
    _actor: Annotated[Actor, Depends(requires(Permission.LEDGER_READ))],
    svc: ServiceDep,
    mode: ModeDep,
    country: Annotated[str | None, Query(max_length=100, description="only this destination (ISO code)")] = None,
    year: Annotated[int | None, Query(ge=1900, le=2199, description="only this calendar year")] = None,
    end_user: Annotated[str | None, Query(max_length=1000, description="only this end user")] = None,
    as_of: Annotated[str | None, Query(description="entries on or before this day (YYYY-MM-DD; default today)")] = None,
) -> LedgerSummary:
    """Cumulative TPP exported per country and end user, against any allocation in force."""
    from exportgate.store import ledger_summary

    rules = svc.rules
    day = parse_date(as_of, "as_of") if as_of is not None else date.today()
    cc = rules.country_code(country, field="country") if country is not None else None
    summary = ledger_summary(svc.ledger(), day, mode, country=cc, year=year, end_user=end_user, rules=rules)
    summary.pop("database", None)  # where the store is: not the API's business
    return LedgerSummary.model_validate(summary)


# --- the lists -----------------------------------------------------------------------------------------------


class ListsStatus(BaseModel):
    """The lists this worker screens against (their dates, counts, file hashes), those older than their usual
    publication interval, the versions in the data home and the one a rollback returns to, and the latest
    recorded changes."""

    active: dict[str, Any]
    stale: list[dict[str, Any]]
    versions: list[dict[str, Any]]
    rollback_to: str | None
    changes: list[ListChangeView]


def _no_paths(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k != "path"}


@router.get("/lists", tags=["lists"], response_model=ListsStatus)
def lists_status(_actor: Annotated[Actor, Depends(requires(Permission.LISTS_READ))], svc: ServiceDep) -> ListsStatus:
    """``exportgate lists status`` and ``lists versions`` together (server paths left out)."""
    from exportgate.screen.lists import staleness
    from exportgate.screen.lists.versions import list_versions, undo_target

    snap = svc.screener.snapshot
    stale = staleness(snap.lists_as_of(), date.today(), svc.rules)
    return ListsStatus(active=_no_paths(snap.to_json()), stale=[s.to_json() for s in stale],
                       versions=[_no_paths(v.to_json()) for v in list_versions(svc.home)],
                       rollback_to=undo_target(svc.home), changes=svc.lists.changes(_actor, limit=20))


class ListsUpdate(StrictModel):
    """``lists update`` as an admin: list files from these URLs (default: the official ones), then a re-screen."""

    sources: list[str] | None = Field(default=None, max_length=50,
                                      description="https:// URLs of list files (default: the official URLs); "
                                                  "paths on the server are not accepted")
    rescreen: bool = Field(default=True, description="re-screen the stored parties against the change")
    as_of: str | None = Field(default=None, description="publication date of files that state none (YYYY-MM-DD)")
    allow_older: bool = False


class ListsUpdateSubmitted(BaseModel):
    """A lists update just submitted as a job: ``GET /jobs/{job}`` says how it goes (``stage``) and, done, what
    it did (``result``: ``version``, ``lists``, ``change``, ``rescreen``)."""

    job: str
    status: str


@router.post("/lists/update", tags=["lists"], status_code=202, response_model=ListsUpdateSubmitted,
             openapi_extra=model_body(ListsUpdate))
def lists_update(actor: Annotated[Actor, Depends(requires(Permission.LISTS_UPDATE))], doc: JsonBody,
                 svc: ServiceDep) -> JSONResponse:
    """Download, validate and activate new list files (the active version is untouched on failure), record the
    change and (unless ``rescreen`` is false) re-screen — as a background job (202: its id; ``Location:
    /jobs/{job}``). The request is checked before the job exists (sources, permissions: 422, 403). Every worker
    looks at the active version once a second and screens against the new lists once the job activated them."""
    from exportgate.api import jobs

    body = validate_body(ListsUpdate, doc)
    for i, source in enumerate(body.sources or []):
        if not source.lower().startswith(("https://", "http://")):
            raise InputError(f"sources[{i}]", "must be an http(s) URL: the API does not read files on the server")
    if body.as_of is not None:
        parse_date(body.as_of, "as_of")
    job = jobs.submit_lists_update(svc, actor, body.sources or None, rescreen=body.rescreen, as_of=body.as_of,
                                   allow_older=body.allow_older)
    return JSONResponse(ListsUpdateSubmitted(job=job.id, status=job.status).model_dump(), status_code=202,
                        headers={"Location": f"/jobs/{job.id}"})


# --- users ---------------------------------------------------------------------------------------------------


class NewUser(StrictModel):
    """A user to add: a name (1-200 letters, digits and . _ @ + -) and a role."""

    name: str = Field(max_length=200)
    role: str = Field(description="analyst, reviewer or admin")


@router.get("/users", tags=["users"], response_model=list[UserView])
def list_users(actor: Admin, svc: ServiceDep) -> list[UserView]:
    """Every user (never a key or a hash)."""
    return svc.users.list(actor)


@router.post("/users", tags=["users"], status_code=201, response_model=NewKey, openapi_extra=model_body(NewUser))
def add_user(actor: Admin, doc: JsonBody, svc: ServiceDep) -> JSONResponse:
    """Add a user; its API key is in this answer only (only its hash is stored)."""
    body = validate_body(NewUser, doc)
    return JSONResponse(svc.users.add(actor, body.name, body.role).model_dump(mode="json"), status_code=201)


@router.post("/users/{name}/disable", tags=["users"], response_model=UserView)
def disable_user(actor: Admin, name: str, svc: ServiceDep) -> UserView:
    """Disable a user: its key and password stop working at once (not the last enabled admin)."""
    return svc.users.disable(actor, name)


@router.post("/users/{name}/enable", tags=["users"], response_model=UserView)
def enable_user(actor: Admin, name: str, svc: ServiceDep) -> UserView:
    return svc.users.enable(actor, name)


@router.post("/users/{name}/rotate-key", tags=["users"], response_model=NewKey)
def rotate_key(actor: Admin, name: str, svc: ServiceDep) -> NewKey:
    """A new API key for the user (in this answer only); the old one stops working at once."""
    return svc.users.rotate_key(actor, name)


# --- the audit chain -----------------------------------------------------------------------------------------


class ChainVerified(BaseModel):
    """What ``audit verify`` found: intact (``ok``), or the first line edited, removed, reordered or inserted."""

    ok: bool
    lines: int
    head_seq: int
    head_hash: str
    problem: str | None = None
    line_seq: int | None = None
    line_id: int | None = None
    message: str
    details: dict[str, Any] = Field(default_factory=dict)


@router.get("/audit/verify", tags=["audit"], response_model=ChainVerified)
def audit_verify(actor: Annotated[Actor, Depends(requires(Permission.AUDIT_VERIFY))], svc: ServiceDep) -> ChainVerified:
    """Walk the audit chain; name the first line that was edited, removed or reordered."""
    return ChainVerified.model_validate(svc.audit_verify(actor).to_json())
