"""CSRF protection of the web pages' forms: the synchroniser token pattern (OWASP).

Every form carries the session's token in a hidden ``csrf`` field (:func:`field` in the templates); every POST
is refused (403 page) unless its form holds the token of the session its cookie names. The cookie being
``SameSite=Lax`` is a second fence, not the only one.
"""

from __future__ import annotations

import hmac

from starlette.requests import Request

from exportgate.web.session import current

FIELD = "csrf"


class CsrfRefused(Exception):
    """A POST without its session's CSRF token."""


async def require_csrf(request: Request) -> None:
    """A dependency of every POST route: the form's token must be the session's (else :class:`CsrfRefused`).
    The form is parsed once (Starlette keeps it on the request for the route's own ``Form`` fields)."""
    form = await request.form()
    token = form.get(FIELD)
    session = current(request)
    if not isinstance(token, str) or not token or not hmac.compare_digest(token.encode(), session.csrf.encode()):
        raise CsrfRefused()
