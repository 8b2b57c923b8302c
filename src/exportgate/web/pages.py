"""The review page: paste or upload a package file, get the decision memo in the browser.

The page renders the same memo as ``exportgate check --report memo.html``; it holds no logic of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from exportgate.errors import InputError, InputErrors
from exportgate.io import parse_document

_TEMPLATES = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                         autoescape=select_autoescape(["html"]))

CheckFn = Callable[[dict[str, Any], str | None, str], dict[str, Any]]


def _form(errors: list[str] | None = None, text: str = "", as_of: str = "", mode: str = "enforced") -> str:
    return _TEMPLATES.get_template("review.html").render(errors=errors or [], text=text, as_of=as_of, mode=mode)


def mount(app: FastAPI, check: CheckFn) -> None:
    """Add ``GET /`` (the form) and ``POST /review`` (the memo) to the app."""

    @app.get("/", response_class=HTMLResponse)
    def index() -> HTMLResponse:
        return HTMLResponse(_form())

    @app.post("/review", response_class=HTMLResponse)
    def review(request: Request, package: str = Form(...), as_of: str = Form(""),
               mode: str = Form("enforced")) -> HTMLResponse:
        from exportgate.reports import render

        try:
            # read as the command line reads a package file: no aliases, bounded depth and lists, YAML 1.2
            # booleans (the request's size is bounded before this runs: 413)
            doc = parse_document(package, "the package", "package", request.app.state.limits)
        except InputError as exc:
            return HTMLResponse(_form([str(exc)], package, as_of, mode), status_code=422)
        if not isinstance(doc, dict):
            return HTMLResponse(_form(["package: must be a mapping (a package document)"], package, as_of, mode),
                                status_code=422)
        try:
            result = check(doc, as_of or None, mode)
        except InputErrors as exc:
            return HTMLResponse(_form([str(e) for e in exc.errors], package, as_of, mode), status_code=422)
        except InputError as exc:
            return HTMLResponse(_form([str(exc)], package, as_of, mode), status_code=422)
        return HTMLResponse(str(render(result, "html")))
