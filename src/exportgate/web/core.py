"""What every page shares: the templates, the service, who is signed in, the page frame, and the errors.

A page route is declared on :data:`router`-like routers made by :func:`page_router`: its handler gets the
signed-in :class:`~exportgate.store.accounts.Actor` from :data:`SignedIn`, calls the service (which checks the
actor's permission: the pages hold no rule of their own) and returns :func:`page`. What the service refuses
becomes a page, never JSON nor a traceback (:class:`PageRoute`): not signed in -> the sign-in page, a POST
without its CSRF token or an action the role may not take -> 403, nothing there -> 404, bad input -> 422 with
each field's problem.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, select_autoescape

from exportgate import __version__
from exportgate.errors import AccessDenied, InputError, InputErrors, NotAuthenticated, NotFound
from exportgate.store.accounts import Actor, Permission
from exportgate.store.service import Service
from exportgate.web import session as web_session
from exportgate.web.csrf import FIELD as CSRF_FIELD
from exportgate.web.csrf import CsrfRefused, require_csrf

TEMPLATES = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                        autoescape=select_autoescape(["html"], default=True), trim_blocks=True, lstrip_blocks=True)
#: where the pages live (the API has the plain paths: ``POST /screen`` is the API's, ``/web/screen`` the page's)
PREFIX = "/web"
#: the pages' links, in the order of the menu: (path, label, the permission that shows it; None: everyone signed in)
MENU: tuple[tuple[str, str, Permission | None], ...] = (
    (f"{PREFIX}/packages", "Packages", Permission.CHECK),
    (f"{PREFIX}/screen", "Screen", Permission.SCREEN),
    (f"{PREFIX}/batch", "Batch", Permission.SCREEN),
    (f"{PREFIX}/alerts", "Alerts", Permission.ALERTS_READ),
    (f"{PREFIX}/cases", "Cases", Permission.CASES_READ),
    (f"{PREFIX}/ledger", "Ledger", Permission.LEDGER_READ),
    (f"{PREFIX}/lists", "Lists & audit", Permission.LISTS_READ),
    (f"{PREFIX}/landscape", "Landscape", None),
)
_OPENING = threading.Lock()
#: the pages' own policy (the API's default forbids scripts and frames): scripts and styles from this site only
#: (``/assets``: no inline script or style anywhere), the memo framed from this site, forms posted here only
PAGE_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
            "frame-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")


class SignInRequired(Exception):
    """A page needs a signed-in user; the sign-in page comes back to ``then`` afterwards."""

    def __init__(self, then: str) -> None:
        self.then = then


# --- the service -------------------------------------------------------------------------------------


def service(request: Request) -> Service:
    """The app's service (``app.state.service``; opened on first use from the settings' store and data home)."""
    svc: Service | None = getattr(request.app.state, "service", None)
    if svc is None:
        with _OPENING:
            svc = getattr(request.app.state, "service", None)
            if svc is None:
                svc = Service.open(home=getattr(request.app.state, "web_home", None))
                request.app.state.service = svc
    return svc


def signed_in(request: Request) -> Actor:
    """The signed-in user (read from the store on every request: disabled, signed out or given a new password
since the session began -> no user), else :class:`SignInRequired`."""
    found = web_session.current(request)
    actor = service(request).users.session_actor(found.user, found.issued_at) if found.user else None
    if actor is None:
        then = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInRequired(then if request.method == "GET" else f"{PREFIX}/")
    request.state.actor = actor
    return actor


SignedIn = Annotated[Actor, Depends(signed_in)]
Csrf = Depends(require_csrf)


# --- the frame of every page ---------------------------------------------------------------------------


def in_force(request: Request) -> dict[str, Any]:
    """The rules and lists in force (every page's footer): the rule data's hash, the lists' version and dates."""
    svc = service(request)
    snapshot = getattr(svc.screener, "snapshot", None)
    dates = dict(sorted(snapshot.lists_as_of().items())) if snapshot is not None else {}
    return {"version": __version__, "rules_sha256": svc.rules.sha256, "lists_version": getattr(snapshot, "version", None),
            "lists": dates}


def page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """``template`` rendered in the frame (who is signed in, the menu, the rules and lists in force, the CSRF
    token), with the session cookie set."""
    actor: Actor | None = getattr(request.state, "actor", None)
    sess = web_session.current(request)
    menu = [(path, label) for path, label, perm in MENU if actor is not None and (perm is None or actor.can(perm))]
    html = TEMPLATES.get_template(template).render(
        request_path=request.url.path, actor=actor, menu=menu, csrf=sess.csrf, csrf_field=CSRF_FIELD,
        in_force=in_force(request), can_decide=actor is not None and actor.can(Permission.ALERTS_DECIDE), **context)
    response = HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store",
                                                               "Content-Security-Policy": PAGE_CSP})
    web_session.save(request, response)
    return response


def redirect(request: Request, to: str) -> Response:
    """A 303 to ``to`` (after a POST: the browser GETs it), with the session cookie."""
    response = RedirectResponse(to, status_code=303)
    web_session.save(request, response)
    return response


def error_page(request: Request, status: int, title: str, problems: list[str]) -> HTMLResponse:
    return page(request, "error.html", status=status, title=title, problems=problems)


# --- errors as pages -----------------------------------------------------------------------------------


def _problems(exc: Exception) -> list[str]:
    if isinstance(exc, InputErrors):
        return [str(e) for e in exc.errors]
    if isinstance(exc, RequestValidationError):
        out = []
        for err in exc.errors():
            loc = [str(x) for x in err.get("loc", ()) if x not in ("body", "query", "path")]
            out.append(f"{'.'.join(loc) or 'form'}: {err.get('msg', 'invalid')}")
        return out
    return [str(exc)]


class PageRoute(APIRoute):
    """A route whose refusals are pages (see the module docstring)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            try:
                return await original(request)
            except SignInRequired as exc:
                return redirect(request, f"{PREFIX}/signin?then={quote(exc.then, safe='/')}")
            except CsrfRefused:
                return error_page(request, 403, "Refused", [
                    "This form was sent without its security token (or with one from another session). Reload "
                    "the page and send it again."])
            except (AccessDenied, NotAuthenticated) as exc:
                return error_page(request, 403, "Not allowed", [str(exc)])
            except NotFound as exc:
                return error_page(request, 404, "Not found", [str(exc)])
            except (InputError, InputErrors, RequestValidationError) as exc:
                return error_page(request, 422, "Cannot do that", _problems(exc))

        return handler


def page_router() -> APIRouter:
    """A router of pages under :data:`PREFIX` (left out of the API's OpenAPI document)."""
    return APIRouter(prefix=PREFIX, route_class=PageRoute, include_in_schema=False)
