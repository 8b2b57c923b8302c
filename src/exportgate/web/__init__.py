"""The web pages a compliance team works in: sign in, screen, batch, packages and cases, the alert queue, the
ledger, the lists and the audit check, the compute landscape. Server-rendered (Jinja2, autoescaped), a little plain JavaScript
(``static/web.js``: keyboard shortcuts, the batch progress bar), every page on the store's
:class:`~exportgate.store.service.Service` as the signed-in user. See ``docs/usage/web.md``.

Modules: :mod:`~exportgate.web.session` (the signed cookie), :mod:`~exportgate.web.csrf`,
:mod:`~exportgate.web.core` (templates, the frame, errors as pages), and one module per group of pages.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

if TYPE_CHECKING:
    from exportgate.web.batch_page import JobRunner

STATIC = Path(__file__).parent / "static"


def mount(app: FastAPI, jobs: JobRunner | None = None, home: Path | None = None) -> None:
    """Add the pages to ``app`` (their assets under ``/assets``). ``jobs``: the batch jobs' runner (the API's
    :mod:`exportgate.api.jobs`; without one the batch page says so); ``home``: the data home of the session key
    (default: the settings'). The store is ``app.state.service`` if set, else the settings' (opened on first
    use)."""
    from exportgate.web import (
        alert_pages,
        auth,
        batch_page,
        landscape_page,
        ledger_page,
        lists_page,
        package_pages,
        screen_page,
    )
    from exportgate.web.core import PREFIX

    app.state.web_home = home
    app.state.web_jobs = jobs
    for module in (auth, screen_page, batch_page, package_pages, alert_pages, ledger_page, lists_page, landscape_page):
        app.include_router(module.router)
    app.mount("/assets", StaticFiles(directory=STATIC), name="web-assets")

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse(f"{PREFIX}/", status_code=307)
