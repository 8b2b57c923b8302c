"""REST API (FastAPI) over the same pure core the CLI uses.

Every endpoint takes the same documents as the corresponding command (``classify``, ``determine``,
``screen``, ``check``) and returns the same JSON, so a reviewer can move between the CLI, the API
and the memo without translation. Bad input returns 422 with ``{"errors": [{"field", "problem"}]}``.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import Any

from fastapi import Body, FastAPI, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse

from exportgate import __version__
from exportgate.errors import ExportgateError, InputError, InputErrors
from exportgate.io import parse_date
from exportgate.rules import Mode, load_rules


def _as_of(value: str | None) -> date:
    return date.today() if value is None else parse_date(value, "as_of")


@lru_cache(maxsize=1)
def _screener() -> Any:
    from exportgate.screen import Screener

    return Screener()


def create_app() -> FastAPI:
    """Build the application (rules load once; the screening index is built on first use)."""
    app = FastAPI(title="exportgate", version=__version__,
                  description="Classification, restricted-party screening, licence determination and "
                              "full-stack package vetting for AI technology exports (US EAR).")

    @app.exception_handler(InputErrors)
    async def _many(_: Request, exc: InputErrors) -> JSONResponse:
        return JSONResponse(status_code=422, content={
            "errors": [{"field": e.field, "problem": e.problem} for e in exc.errors]})

    @app.exception_handler(InputError)
    async def _one(_: Request, exc: InputError) -> JSONResponse:
        return JSONResponse(status_code=422, content={"errors": [{"field": exc.field, "problem": exc.problem}]})

    @app.exception_handler(ExportgateError)
    async def _other(_: Request, exc: ExportgateError) -> JSONResponse:
        return JSONResponse(status_code=422, content={"errors": [{"field": None, "problem": str(exc)}]})

    @app.get("/health")
    def health() -> dict[str, Any]:
        rules = load_rules()
        return {"status": "ok", "version": __version__, "rules_sha256": rules.sha256}

    @app.get("/rules")
    def rules_in_force(as_of: str | None = Query(None), mode: str = Query("enforced")) -> dict[str, Any]:
        rules, day, m = load_rules(), _as_of(as_of), Mode.parse(mode, "mode")
        rules.check_date(day)
        return {"as_of": day.isoformat(), "mode": m.value, "rules_sha256": rules.sha256,
                "parameters": [r.to_json() for r in rules.in_force(day, m)]}

    @app.get("/countries/{code}")
    def country(code: str, as_of: str | None = Query(None)) -> dict[str, Any]:
        rules, day = load_rules(), _as_of(as_of)
        rules.check_date(day)
        cc = rules.country_code(code, "code")
        effective, why = rules.effective_country(cc, day)
        groups = {g: rules.membership(cc, g, day) for g in rules.groups_of(cc, day)}
        return {"country": cc, "name": rules.countries[cc], "as_of": day.isoformat(),
                "treated_as": None if why is None else {"country": effective, **why.to_json()},
                "groups": {g: (r.to_json() if r else None) for g, r in groups.items()}}

    @app.post("/classify")
    def classify_items(doc: Any = Body(...), as_of: str | None = Query(None),
                       mode: str = Query("enforced")) -> Any:
        from exportgate.classify import classify, parse_items

        day, m = _as_of(as_of), Mode.parse(mode, "mode")
        load_rules().check_date(day)
        items = parse_items(doc)
        results = [classify(item, day, m).to_json() for item in items]
        return results if isinstance(doc, list) else results[0]

    @app.post("/determine")
    def determine_case(doc: dict[str, Any] = Body(...), mode: str = Query("enforced")) -> dict[str, Any]:
        from exportgate.determine import determine, parse_case

        result: dict[str, Any] = determine(parse_case(doc), Mode.parse(mode, "mode")).to_json()
        return result

    @app.post("/screen")
    def screen(doc: dict[str, Any] = Body(...)) -> dict[str, Any]:
        name = doc.get("name")
        if not isinstance(name, str):
            raise InputError("name", "must be a string")
        result = _screener().screen(name, country=doc.get("country"), type=doc.get("type"),
                                    threshold=doc.get("threshold"))
        out: dict[str, Any] = result.to_json()
        return out

    def _check(doc: dict[str, Any], as_of: str | None, mode: str) -> dict[str, Any]:
        from exportgate.packages import check_document

        result: dict[str, Any] = check_document(doc, as_of=None if as_of is None else _as_of(as_of),
                                                mode=Mode.parse(mode, "mode"), screener=_screener())
        return result

    @app.post("/check")
    def check(doc: dict[str, Any] = Body(...), as_of: str | None = Query(None),
              mode: str = Query("enforced")) -> dict[str, Any]:
        return _check(doc, as_of, mode)

    @app.post("/check/memo", response_class=HTMLResponse)
    def check_memo(doc: dict[str, Any] = Body(...), as_of: str | None = Query(None),
                   mode: str = Query("enforced")) -> HTMLResponse:
        from exportgate.reports import render

        html = render(_check(doc, as_of, mode), "html")
        return HTMLResponse(content=str(html))

    from exportgate.web import pages

    pages.mount(app, _check)
    return app
