"""The web pages' session: a signed cookie holding who is signed in and the session's CSRF token.

The cookie is ``<payload>.<mac>``: the payload base64url JSON ``{"u": user name or null, "csrf": token, "iat":
issued at, in microseconds since the epoch}``, the mac HMAC-SHA256 over it with a 32-byte secret kept in the data home
(``keys/web-session.key``, made on first use with mode 0600, like the result-signing key). Nothing else is
trusted from the browser: the user named is read from the store on every request (a disabled user is out at
once; signing out or a new password ends every session issued before: ``Accounts.session_actor``) and a session
older than :data:`SESSION_MAX_AGE` is void.

The cookie is ``HttpOnly`` (no script reads it), ``SameSite=Lax`` (not sent on another site's POST), ``Path=/web`` (never sent to the API)
and ``Secure`` when the request came over ``https`` (uvicorn's ``--proxy-headers`` makes a TLS proxy's
``X-Forwarded-Proto`` count) or ``EXPORTGATE_SECURE_COOKIES`` says so.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from exportgate import settings

COOKIE = "eg_session"
#: a session lasts a working day; then the user signs in again
SESSION_MAX_AGE = 12 * 3600
KEY_PATH = Path("keys") / "web-session.key"
#: the most bytes of a cookie value read (a real one is about 150)
_MAX_COOKIE = 4096


@dataclass(frozen=True, slots=True)
class WebSession:
    """What a request's cookie says (or a new, signed-out session)."""

    user: str | None
    csrf: str
    #: when it was issued, in microseconds since the epoch
    issued: int

    @classmethod
    def new(cls, user: str | None = None) -> WebSession:
        """A fresh session (a new CSRF token: signing in or out never keeps the old one)."""
        return cls(user=user, csrf=secrets.token_urlsafe(32), issued=time.time_ns() // 1000)

    @property
    def issued_at(self) -> datetime:
        return datetime.fromtimestamp(self.issued / 1e6, UTC)


def session_key(home: Path | None = None) -> bytes:
    """The secret the cookies are signed with (made on first use, 0600)."""
    from exportgate.store.signing import private_key

    key = private_key(settings.home(home) / KEY_PATH, "web session key")
    assert key is not None  # made on first use
    return key


def _mac(key: bytes, payload: bytes) -> str:
    return hmac.new(key, b"exportgate-web-session\0" + payload, hashlib.sha256).hexdigest()


def encode(session: WebSession, key: bytes) -> str:
    payload = base64.urlsafe_b64encode(json.dumps(
        {"u": session.user, "csrf": session.csrf, "iat": session.issued}, separators=(",", ":")).encode()).decode()
    return f"{payload}.{_mac(key, payload.encode())}"


def decode(value: str | None, key: bytes, now: float | None = None) -> WebSession | None:
    """The session a cookie value holds; None if it is absent, forged, malformed or too old."""
    if not value or len(value) > _MAX_COOKIE or "." not in value:
        return None
    payload, mac = value.rsplit(".", 1)
    if not hmac.compare_digest(_mac(key, payload.encode()), mac):
        return None
    try:
        data: Any = json.loads(base64.urlsafe_b64decode(payload.encode()))
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    user, csrf, issued = data.get("u"), data.get("csrf"), data.get("iat")
    if not isinstance(csrf, str) or not isinstance(issued, int) or not (user is None or isinstance(user, str)):
        return None
    if (now if now is not None else time.time()) - issued / 1e6 > SESSION_MAX_AGE:
        return None
    return WebSession(user=user, csrf=csrf, issued=issued)


def secure(request: Request) -> bool:
    """Whether the cookie must be ``Secure`` for this request (see the module docstring)."""
    return request.url.scheme == "https" or settings.secure_cookies()


def current(request: Request) -> WebSession:
    """The request's session: from its cookie, else a new signed-out one (remembered on the request, so a page
    and its form share the token; :func:`save` sets the cookie on the answer)."""
    found: WebSession | None = getattr(request.state, "web_session", None)
    if found is None:
        found = decode(request.cookies.get(COOKIE), session_key(_home(request))) or WebSession.new()
        request.state.web_session = found
    return found


def replace(request: Request, session: WebSession) -> None:
    """Make ``session`` the request's (signing in, signing out); :func:`save` sends it."""
    request.state.web_session = session


def save(request: Request, response: Response) -> Response:
    """Set the request's session cookie on ``response`` (when the request has one)."""
    session: WebSession | None = getattr(request.state, "web_session", None)
    if session is not None and request.cookies.get(COOKIE) != (value := encode(session, session_key(_home(request)))):
        response.set_cookie(COOKIE, value, max_age=SESSION_MAX_AGE, path="/web", httponly=True, samesite="lax",
                            secure=secure(request))
    return response


def _home(request: Request) -> Path | None:
    home: Path | None = getattr(request.app.state, "web_home", None)
    return home
