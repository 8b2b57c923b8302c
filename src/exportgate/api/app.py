"""REST API (FastAPI) over the same pure core the CLI uses.

Every endpoint takes the same documents as the corresponding command (``classify``, ``determine``,
``screen``, ``check``) and returns the same JSON, so a reviewer can move between the CLI, the API and the
memo without translation. Bad input returns 422 with ``{"errors": [{"field", "problem"}]}``, whether the
domain found it (``InputError``) or the request schema did, and whether the body was malformed JSON, sent
with another content type or could not be read; every other error answer (404, 405, 413) has the same
shape. An error names the field and the problem, never repeats the request (a value is quoted at most a
few dozen characters: :func:`exportgate.safe.shown`). A request body larger than
``EXPORTGATE_MAX_REQUEST_BYTES`` is refused with 413 after reading no more than that.

Who may call what: every route but ``/health`` (and the docs: ``/docs``, ``/redoc``, ``/openapi.json``, their
``/static`` assets) needs an API key, ``Authorization: Bearer KEY``; no key or a bad one is 401 (with
``WWW-Authenticate: Bearer``), a role without the route's permission 403, an unknown case, alert, user or job
404 — all in the one error shape. The table of routes and permissions: :data:`exportgate.api.roles.ROUTES`.
Screenings, determinations and package checks are stored as cases through the service
(:class:`exportgate.store.service.Service`, opened once per process: ``create_app(service=...)`` to give one).

Layout: :func:`create_app` (this module: the app, the error handlers, the published schemas), the shared
dependencies in :mod:`exportgate.api.deps` (the service, who is asking, query parameters, bodies), the
security headers and allowed hosts in :mod:`exportgate.api.hygiene`, and one router per concern in
:mod:`exportgate.api.routes`. A new endpoint is a function in a router.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from exportgate import __version__
from exportgate.errors import AccessDenied, ExportgateError, InputError, InputErrors, NotAuthenticated, NotFound
from exportgate.schema import loc_path, problem
from exportgate.settings import Limits, allowed_hosts, limits

if TYPE_CHECKING:
    from exportgate.store.service import Service

#: request locations that are not part of the field path a user sees
_LOCATIONS = ("body", "query", "path", "header")
#: the Swagger UI and ReDoc assets, shipped with the package (no CDN: the docs work air-gapped)
STATIC = Path(__file__).parent / "static"


def _errors(errors: list[dict[str, Any]], status: int = 422, headers: dict[str, str] | None = None) -> JSONResponse:
    """The one error shape of the API: ``{"errors": [{"field": ..., "problem": ...}]}`` (JSON that no
    browser may sniff into a page: a problem can quote a short value the request gave)."""
    return JSONResponse(status_code=status, content={"errors": errors},
                        headers={"X-Content-Type-Options": "nosniff", **(headers or {})})


def _validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    out = []
    for err in exc.errors():
        loc = list(err.get("loc", ()))
        where = loc.pop(0) if loc and loc[0] in _LOCATIONS else "body"
        if err.get("type") == "json_invalid":
            out.append({"field": "body", "problem": "not valid JSON"})
            continue
        out.append({"field": loc_path(loc) or where, "problem": problem(err, with_value=False)})
    return out


class BodyLimit:
    """ASGI middleware: a request body larger than ``max_bytes`` is answered 413 in the API's error shape,
    after reading at most ``max_bytes`` of it (a ``Content-Length`` over the limit is refused before
    reading anything). The body, once within the limit, is handed to the app as one message."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or ()).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await self._refuse(scope, receive, send)
            return
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            body += message.get("body", b"")
            if len(body) > self.max_bytes:
                await self._refuse(scope, receive, send)
                return
            if not message.get("more_body", False):
                break
        first: list[Message] = [{"type": "http.request", "body": bytes(body), "more_body": False}]

        async def replay() -> Message:
            return first.pop() if first else await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = _errors([{"field": "body", "problem": f"the request body is larger than {self.max_bytes:,} bytes "
                                                         "(limit: EXPORTGATE_MAX_REQUEST_BYTES)"}],
                           status=413, headers={"Connection": "close"})
        await response(scope, receive, send)


def body_schemas() -> dict[str, dict[str, Any]]:
    """The request documents the routes read themselves (``deps.json_body``), as OpenAPI component schemas
    generated from the pydantic models their parsers validate with: ``classify.Item``,
    ``determine.Case`` and ``packages.Package`` (prefixed, since two packages define an ``EndUse``)."""
    from exportgate.api.routes.screen import ScreenQuery
    from exportgate.classify import Item
    from exportgate.determine import Case
    from exportgate.determine.model import ClassifiedItem
    from exportgate.packages import Package

    out: dict[str, dict[str, Any]] = {}

    def add(prefix: str, model: type[BaseModel]) -> dict[str, Any]:
        schema = model.model_json_schema(ref_template=f"#/components/schemas/{prefix}{{model}}")
        for name, sub in schema.pop("$defs", {}).items():
            out[f"{prefix}{name}"] = sub
        # a recursive model (an item contains items) is itself one of the $defs; its schema is a $ref to it
        return out.setdefault(f"{prefix}{model.__name__}", schema)

    add("classify.", Item)
    case = add("determine.", Case)
    # What parse_case accepts beyond the model: an item as classify reads it, an already classified
    # {eccn: ...} or a catalog name; an end use as text; red flags as bare ids. field_prefix is internal.
    props = case["properties"]
    props.pop("field_prefix", None)
    props["item"] = {"anyOf": [{"$ref": "#/components/schemas/classify.Item"},
                               {"$ref": "#/components/schemas/determine.ClassifiedItem"},
                               {"type": "string", "description": "a catalog name"}]}
    props["end_use"] = {"anyOf": [{"$ref": "#/components/schemas/determine.EndUse"}, {"type": "string"}]}
    props["red_flags"] = {"type": "array", "items": {"anyOf": [{"$ref": "#/components/schemas/determine.RedFlag"},
                                                               {"type": "string"}]}}
    add("determine.", ClassifiedItem)
    add("packages.", Package)
    add("", ScreenQuery)  # published under its own name, as before it was read with json_body
    from exportgate.api.deps import PUBLISHED

    for model in PUBLISHED.values():
        add("", model)
    return out


def warm_up(app: FastAPI) -> None:
    """Load what a worker needs before it answers: the service (the store opened and migrated), the rules and
    the screener's index (from the disk cache, else built, then warmed), one screening to warm the matcher, the finished jobs
    past their retention removed; then ``/health`` answers ready. Run by the lifespan at start-up, in each worker."""
    from exportgate.api.deps import active_lists, open_service

    svc = getattr(app.state, "service", None)
    if svc is None:
        app.state.lists_active = active_lists(None)  # before the screener loads: a change meanwhile is seen
        app.state.follow_lists = True
        svc = app.state.service = open_service()
    _ = svc.rules.sha256
    # the index warmed now (its dict tables, every name decoded: Screener.warm), not by the worker's 32nd
    # screening, which would wait about 0.4 s for it; then one screening warms the matcher
    svc.screener.warm()
    svc.screener.screen("exportgate warm-up")
    from exportgate.api.jobs import prune_jobs

    prune_jobs(svc.home, service=svc)  # finished jobs past their retention (EXPORTGATE_JOB_RETENTION_DAYS)
    app.state.ready = True


def create_app(lim: Limits | None = None, service: Service | None = None, *,
               hosts: list[str] | None = None) -> FastAPI:
    """Build the application.

    ``lim``: the limits on requests (default: :func:`exportgate.settings.limits`, from the environment).
    ``service``: the store to serve (default: the settings' store, opened at start-up by the lifespan, or on
    the first request when no lifespan runs); given, it is used as it is, and ``/health`` is ready at once.
    ``hosts``: the ``Host`` names answered (default :func:`exportgate.settings.allowed_hosts`).
    """
    from exportgate import web
    from exportgate.api import jobs as batch_jobs
    from exportgate.api.hygiene import Hygiene
    from exportgate.api.routes import (
        alerts,
        cases,
        check,
        classify,
        determine,
        health,
        jobs,
        landscape,
        rules,
        screen,
        team,
    )

    lim = lim or limits()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if not getattr(app.state, "ready", False):
            await run_in_threadpool(warm_up, app)
        yield

    app = FastAPI(title="exportgate", version=__version__,
                  description="Classification, restricted-party screening, licence determination and "
                              "full-stack package vetting for AI technology exports (US EAR). Every route but "
                              "/health needs an API key: `Authorization: Bearer KEY`.",
                  docs_url=None, redoc_url=None, lifespan=lifespan)
    app.state.limits = lim
    app.state.ready = False
    if service is not None:
        app.state.service = service
        app.state.ready = True
    app.add_middleware(BodyLimit, max_bytes=lim.request_bytes)
    app.add_middleware(Hygiene, allowed_hosts=allowed_hosts(hosts))

    @app.exception_handler(NotAuthenticated)
    async def _unauthenticated(_: Request, exc: NotAuthenticated) -> JSONResponse:
        return _errors([{"field": exc.field, "problem": exc.problem}], status=401,
                       headers={"WWW-Authenticate": "Bearer"})

    @app.exception_handler(AccessDenied)
    async def _denied(_: Request, exc: AccessDenied) -> JSONResponse:
        return _errors([{"field": exc.field, "problem": exc.problem}], status=403)

    @app.exception_handler(NotFound)
    async def _missing(_: Request, exc: NotFound) -> JSONResponse:
        return _errors([{"field": exc.field, "problem": exc.problem}], status=404)

    @app.exception_handler(InputErrors)
    async def _many(_: Request, exc: InputErrors) -> JSONResponse:
        return _errors([{"field": e.field, "problem": e.problem} for e in exc.errors])

    @app.exception_handler(InputError)
    async def _one(_: Request, exc: InputError) -> JSONResponse:
        return _errors([{"field": exc.field, "problem": exc.problem}])

    @app.exception_handler(ExportgateError)
    async def _other(_: Request, exc: ExportgateError) -> JSONResponse:
        return _errors([{"field": None, "problem": str(exc)}])

    @app.exception_handler(RequestValidationError)
    async def _schema(_: Request, exc: RequestValidationError) -> JSONResponse:
        return _errors(_validation_errors(exc))

    @app.exception_handler(Exception)
    async def _bug(_: Request, exc: Exception) -> JSONResponse:
        # A fault of ours, not of the request: logged by the server, answered in the same shape, no detail.
        return _errors([{"field": None, "problem": "internal error"}], status=500)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        # FastAPI answers a body it could not parse with 400 "There was an error parsing the body": that is
        # bad input like any other (422); the rest (404, 405 ...) keep their status, in the same shape.
        if exc.status_code == 400:
            return _errors([{"field": "body", "problem": "the request body could not be read"}])
        return _errors([{"field": None, "problem": str(exc.detail)}], status=exc.status_code,
                       headers=getattr(exc, "headers", None))

    for module in (health, rules, classify, determine, screen, check, jobs, cases, alerts, team, landscape):
        app.include_router(module.router)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, description=app.description,
                                 routes=app.routes)
            schema.setdefault("components", {}).setdefault("schemas", {}).update(body_schemas())
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

    web.mount(app, jobs=batch_jobs)
    _mount_docs(app)
    return app


def _mount_docs(app: FastAPI) -> None:
    """``/docs`` (Swagger UI) and ``/redoc`` (ReDoc) from the assets shipped in ``api/static/`` (their
    provenance and licences: ``api/static/PROVENANCE.md``), so the docs need no network."""
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    title = f"{app.title} — API"

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json", title=title,
            swagger_js_url="/static/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url="/static/swagger-ui/swagger-ui.css",
            swagger_favicon_url="/static/swagger-ui/favicon-32x32.png",
            # no call to the public validator service (the default): nothing leaves the machine
            swagger_ui_parameters={"validatorUrl": None},
        )

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url=app.openapi_url or "/openapi.json", title=title,
            redoc_js_url="/static/redoc/redoc.standalone.js",
            redoc_favicon_url="/static/swagger-ui/favicon-32x32.png",
            with_google_fonts=False,
        )


def app_from_env() -> FastAPI:
    """The app as ``exportgate serve`` starts it in each worker process (uvicorn's factory): the limits and the
    allowed hosts from the environment, which ``serve`` set from its options before starting the workers."""
    return create_app(limits())
