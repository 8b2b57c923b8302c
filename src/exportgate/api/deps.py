"""What the routes share: the service (the store, opened once per process, with the rules and the screener
loaded once), who is asking (:func:`requires`: an API key, a role), the common query parameters, and the
request body.

Each is a FastAPI dependency, so a route states what it needs in its signature and a test (or a service)
can swap one with ``app.dependency_overrides`` (or build the app with ``create_app(service=...)``).

Who is asking: ``Authorization: Bearer KEY`` is checked by :meth:`Accounts.authenticate_key`; no key, a
malformed, unknown or rotated key, or a disabled user is 401 (``WWW-Authenticate: Bearer``); a role without
the route's permission (:data:`exportgate.store.accounts.ROLE_PERMISSIONS`) is 403. The actor dependency is
the first of every protected route, so a request without a key learns nothing else (not even that its
body is malformed).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from functools import lru_cache
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ValidationError

from exportgate.errors import InputError, InputErrors, NotAuthenticated
from exportgate.io import parse_date, parse_document
from exportgate.rules import Mode, RuleSet, load_rules
from exportgate.schema import loc_path, problem
from exportgate.screen import Screener
from exportgate.settings import Limits
from exportgate.store import Ledger
from exportgate.store.accounts import Actor, Permission
from exportgate.store.service import Service

M = TypeVar("M", bound=BaseModel)


def get_rules() -> RuleSet:
    """The rule data (parsed and validated once per process)."""
    return load_rules()


@lru_cache(maxsize=1)
def get_screener() -> Screener:
    """The screener over the active lists (index loaded once per process, from the cache on disk)."""
    return Screener()


@contextmanager
def open_ledger() -> Iterator[Ledger | None]:
    """The compute ledger the settings name (``EXPORTGATE_DB_URL``, else ``EXPORTGATE_HOME``), opened
    read-only exactly as ``exportgate check`` opens it: nothing is created or migrated, and no ledger yet
    is ``None`` (an empty ledger)."""
    ledger = Ledger.open_existing(None, missing_ok=True)
    try:
        yield ledger
    finally:
        if ledger is not None:
            ledger.close()


def get_ledger() -> Iterator[Ledger | None]:
    with open_ledger() as ledger:
        yield ledger


def as_of_or_today(as_of: Annotated[str | None, Query(description="Date YYYY-MM-DD (default: today).")] = None) -> date:
    return date.today() if as_of is None else parse_date(as_of, "as_of")


def as_of_or_none(
    as_of: Annotated[str | None, Query(description="Date YYYY-MM-DD (default: the package's date).")] = None,
) -> date | None:
    return None if as_of is None else parse_date(as_of, "as_of")


def mode(
    mode: Annotated[str, Query(description="enforced (what BIS enforces) or text (what the CFR says).")] = "enforced",
) -> Mode:
    return Mode.parse(mode, "mode")


# --- the service and who is asking ------------------------------------------------------------------------

_OPENING = threading.Lock()


def open_service(screener: Screener | None = None) -> Service:
    """The store the settings name (``EXPORTGATE_DB_URL``, else the data home), opened (created, migrated)
    as the service, with this process's screener (:func:`get_screener`, loaded when first used)."""
    from exportgate.store.service import LazyScreener

    return Service.open(None, screener=screener if screener is not None else LazyScreener(get_screener))


#: seconds between two looks at which list version is active (another worker may have updated the lists)
LISTS_CHECK_SECONDS = 1.0


def get_service(request: Request) -> Service:
    """The app's service: the one given to ``create_app(service=...)``, else the settings' store, opened once
    per process (at start-up by the lifespan, else on first use). A service the app opened itself follows the
    active list version: when another worker (or ``exportgate lists update``) activates other lists, this
    worker screens against them from its next request on (:func:`follow_lists`)."""
    state = request.app.state
    svc: Service | None = getattr(state, "service", None)
    if svc is None:
        with _OPENING:
            svc = getattr(state, "service", None)
            if svc is None:
                state.lists_active = active_lists(None)
                state.follow_lists = True
                svc = state.service = open_service()
    if getattr(state, "follow_lists", False):
        follow_lists(state, svc)
    return svc


def active_lists(home: Any) -> str | None:
    from exportgate.screen.lists.versions import active_name

    return active_name(home)


def follow_lists(state: Any, svc: Service) -> None:
    """Swap the service's screener when the active list version is no longer the one it was loaded from
    (looked at once a second at most: reading one small file)."""
    now = time.monotonic()
    if now - getattr(state, "lists_checked", 0.0) < LISTS_CHECK_SECONDS:
        return
    state.lists_checked = now
    name = active_lists(svc.home)
    if name == getattr(state, "lists_active", None):
        return
    with _OPENING:
        if name != getattr(state, "lists_active", None):
            from exportgate.screen.lists import load_active

            svc.screener = Screener(load_active(svc.home))
            state.lists_active = name


_BEARER = HTTPBearer(auto_error=False, description="An API key (`exportgate users add NAME --role ROLE` prints it "
                                                   "once): `Authorization: Bearer eg_...`.")


def authenticated(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_BEARER)]
) -> Actor:
    """The user the request's API key belongs to (401 for no key or a bad one)."""
    if credentials is None or not credentials.credentials:
        raise NotAuthenticated("authorization", "an API key is required: send `Authorization: Bearer KEY`")
    return get_service(request).users.authenticate_key(credentials.credentials)


def requires(permission: Permission | None) -> Callable[..., Actor]:
    """A dependency: the authenticated actor, refused (403) unless its role grants ``permission`` (None: any
    signed-in user). The route's permission is kept on the function (``.permission``) for the role table."""

    def actor(who: Annotated[Actor, Depends(authenticated)]) -> Actor:
        if permission is not None:
            who.require(permission)
        return who

    actor.permission = permission  # type: ignore[attr-defined]
    return actor


def get_limits(request: Request) -> Limits:
    """The limits the app was built with (:func:`exportgate.api.create_app`)."""
    lim: Limits = request.app.state.limits
    return lim


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return not media or media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


async def json_body(request: Request) -> Any:
    """The request's JSON document, parsed by the domain's own parser afterwards (so the API accepts and
    rejects exactly what the command line does); its schema is published with :func:`documented_body`.

    The body is read as the command line reads a file (:func:`exportgate.io.parse_document`): JSON only,
    within the limits (depth, list lengths, finite numbers); a body sent as anything but JSON is refused.
    Its size is bounded before this runs (``exportgate.api.app``: 413).
    """
    if not _is_json(request.headers.get("content-type", "")):
        raise InputError("body", "must be a JSON document sent with Content-Type: application/json")
    raw = await request.body()
    return parse_document(raw, "the request body", "body", get_limits(request), json_only=True)


def validate_body(model: type[M], doc: Any) -> M:
    """``doc`` validated with a pydantic request model; every problem as an :class:`InputErrors` naming
    its field (never the value: an API error does not repeat the request)."""
    try:
        return model.model_validate(doc)
    except ValidationError as exc:
        raise InputErrors([InputError(loc_path(e["loc"]) or "body", problem(e, with_value=False)) for e in exc.errors()]) from None


#: request models read with :func:`json_body` + :func:`validate_body`, published under their class names
PUBLISHED: dict[str, type[BaseModel]] = {}


def model_body(model: type[BaseModel]) -> dict[str, Any]:
    """``openapi_extra`` for a route whose JSON body is ``model`` (read with :func:`json_body` after the
    actor, so a request without a key gets 401 before its body is looked at); the model is published."""
    PUBLISHED[model.__name__] = model
    return documented_body(model.__name__)


def documented_body(schema: str, many: bool = False) -> dict[str, Any]:
    """``openapi_extra`` for a route that reads :func:`json_body`: the body is the named component schema
    (one of :data:`exportgate.api.app.BODY_SCHEMAS`), or with ``many`` also a list of them."""
    ref: dict[str, Any] = {"$ref": f"#/components/schemas/{schema}"}
    body = {"anyOf": [ref, {"type": "array", "items": ref}]} if many else ref
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": body}}}}


RulesDep = Annotated[RuleSet, Depends(get_rules)]
ScreenerDep = Annotated[Screener, Depends(get_screener)]
LedgerDep = Annotated[Ledger | None, Depends(get_ledger)]
Day = Annotated[date, Depends(as_of_or_today)]
OptionalDay = Annotated[date | None, Depends(as_of_or_none)]
ModeDep = Annotated[Mode, Depends(mode)]
JsonBody = Annotated[Any, Depends(json_body)]
LimitsDep = Annotated[Limits, Depends(get_limits)]
ServiceDep = Annotated[Service, Depends(get_service)]
