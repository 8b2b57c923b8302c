"""The web pages a compliance team works in: sign in, screen, batch, packages and cases, the alert queue, the
ledger, the lists and the audit check. Server-rendered (Jinja2, autoescaped), a little plain JavaScript
(``static/web.js``: keyboard shortcuts, the batch progress bar), every page on the store's
:class:`~exportgate.store.service.Service` as the signed-in user. See ``docs/usage/web.md``.

Modules: :mod:`~exportgate.web.session` (the signed cookie), :mod:`~exportgate.web.csrf`,
:mod:`~exportgate.web.core` (templates, the frame, errors as pages), and one module per group of pages.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

STATIC = Path(__file__).parent / "static"


def mount(app: FastAPI, home: Path | None = None) -> None:
    """Add the pages to ``app`` (their assets under ``/assets``). ``home``: the data home (the session key,
    the batch jobs); the store is ``app.state.service`` if set, else the settings' (opened on first use)."""
    from exportgate.web import alert_pages, auth, ledger_page, lists_page, package_pages, screen_page
    from exportgate.web.core import PREFIX

    app.state.web_home = home
    for module in (auth, screen_page, package_pages, alert_pages, ledger_page, lists_page):
        app.include_router(module.router)
    app.mount("/assets", StaticFiles(directory=STATIC), name="web-assets")

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse(f"{PREFIX}/", status_code=307)
