"""REST API (FastAPI) over the same pure core the CLI uses.

Every endpoint takes the same documents as the corresponding command (``classify``, ``determine``,
``screen``, ``check``) and returns the same JSON, so a reviewer can move between the CLI, the API and the
memo without translation. Bad input returns 422 with ``{"errors": [{"field", "problem"}]}``, whether the
domain found it (``InputError``) or the request schema did.

Layout: :func:`create_app` (this module: the app, the error handlers, the published schemas), the shared
dependencies in :mod:`exportgate.api.deps` (rules, screener, ledger, query parameters), and one router per
concern in :mod:`exportgate.api.routes`. A new endpoint is a function in a router.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from exportgate import __version__
from exportgate.errors import ExportgateError, InputError, InputErrors
from exportgate.schema import loc_path, problem

#: request locations that are not part of the field path a user sees
_LOCATIONS = ("body", "query", "path", "header")


def _errors(errors: list[dict[str, Any]]) -> JSONResponse:
    return JSONResponse(status_code=422, content={"errors": errors})


def _validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    out = []
    for err in exc.errors():
        loc = list(err.get("loc", ()))
        where = loc.pop(0) if loc and loc[0] in _LOCATIONS else "body"
        out.append({"field": loc_path(loc) or where, "problem": problem(err)})
    return out


def body_schemas() -> dict[str, dict[str, Any]]:
    """The request documents the routes read themselves (``deps.json_body``), as OpenAPI component schemas
    generated from the pydantic models their parsers validate with: ``classify.Item``,
    ``determine.Case`` and ``packages.Package`` (prefixed, since two packages define an ``EndUse``)."""
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
    return out


def create_app() -> FastAPI:
    """Build the application (rules load once; the screening index on first use, from the disk cache)."""
    from exportgate.api.deps import get_screener, open_ledger
    from exportgate.api.routes import check, classify, determine, rules, screen
    from exportgate.web import pages

    app = FastAPI(title="exportgate", version=__version__,
                  description="Classification, restricted-party screening, licence determination and "
                              "full-stack package vetting for AI technology exports (US EAR).")

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

    for module in (rules, classify, determine, screen, check):
        app.include_router(module.router)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, description=app.description,
                                 routes=app.routes)
            schema.setdefault("components", {}).setdefault("schemas", {}).update(body_schemas())
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

    def review_check(doc: dict[str, Any], as_of: str | None, mode: str) -> dict[str, Any]:
        """The review page's check: the one POST /check runs, with the same screener and ledger."""
        from exportgate.api.deps import as_of_or_none
        from exportgate.api.deps import mode as parse_mode

        screener = app.dependency_overrides.get(get_screener, get_screener)()
        with open_ledger() as ledger:
            return check.check(doc, as_of_or_none(as_of), parse_mode(mode), screener, ledger)

    pages.mount(app, review_check)
    return app
