"""Signing in and out of the web pages.

Sign-in asks the accounts store (:meth:`~exportgate.store.accounts.Accounts.sign_in`: the password's argon2
check and the lock-out after :data:`~exportgate.store.accounts.SIGNIN_FAILURES_LIMIT` failures in a row); a
good sign-in starts a new session (a new CSRF token); signing out ends every session of the user, in this
browser and any other (the store keeps when: ``Accounts.end_sessions``). ``then`` (where to go afterwards)
is a path of this site only: never an address elsewhere.
"""

from __future__ import annotations

from fastapi import Form, Request
from fastapi.responses import Response

from exportgate.errors import NotAuthenticated
from exportgate.store.accounts import LockedOut
from exportgate.web import session as web_session
from exportgate.web.core import PREFIX, Csrf, page, page_router, redirect, service

router = page_router()
HOME = f"{PREFIX}/packages"


def safe_then(then: str | None) -> str:
    """``then`` if it is a path of the pages, else the home page (no open redirect: ``//host``, ``/\\host``,
    ``https://...`` all go home)."""
    if not then or not then.startswith(f"{PREFIX}/") or then.startswith(("//", "/\\")) or any(c in then for c in "\r\n\\"):
        return HOME
    return then


@router.get("/")
def index(request: Request) -> Response:
    found = web_session.current(request)
    signed = found.user is not None and service(request).users.session_actor(found.user, found.issued_at) is not None
    return redirect(request, HOME if signed else f"{PREFIX}/signin")


@router.get("/signin")
def signin_form(request: Request, then: str = "") -> Response:
    return page(request, "signin.html", title="Sign in", then=safe_then(then), name="", problem=None)


@router.post("/signin", dependencies=[Csrf])
def signin(request: Request, name: str = Form(""), password: str = Form(""), then: str = Form("")) -> Response:
    users = service(request).users
    try:
        actor = users.sign_in(name.strip(), password)
    except LockedOut as exc:
        return page(request, "signin.html", status=403, title="Sign in", then=safe_then(then), name=name,
                    problem=f"Locked out: {exc.problem}")
    except NotAuthenticated:
        return page(request, "signin.html", status=401, title="Sign in", then=safe_then(then), name=name,
                    problem="Wrong user name or password.")
    web_session.replace(request, web_session.WebSession.new(actor.name))
    return redirect(request, safe_then(then))


@router.post("/signout", dependencies=[Csrf])
def signout(request: Request) -> Response:
    """Sign out: this browser's session ends, and so does every other session of the user (a copied cookie too)."""
    found = web_session.current(request)
    if found.user is not None:
        service(request).users.end_sessions(found.user)
    web_session.replace(request, web_session.WebSession.new())
    return redirect(request, f"{PREFIX}/signin")
