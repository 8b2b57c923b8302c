"""Deployment hygiene on every response: security headers, and only the allowed ``Host`` names answered.

One pure ASGI middleware (no per-request task or copy of the body):

- ``Host``: a request naming a host not in the allowed list (``exportgate.settings.allowed_hosts``: the
  loopback names unless ``EXPORTGATE_ALLOWED_HOSTS`` or ``serve --allowed-host`` say otherwise) is answered
  400 in the API's error shape before anything runs (DNS rebinding: a page elsewhere cannot reach a service
  on loopback through a name it controls). Starlette's ``TrustedHostMiddleware`` does the same, answering in
  plain text; this keeps the one error shape and adds the headers below to that answer too.
- Headers, set on every response unless the route set its own: ``Content-Security-Policy`` (nothing from
  elsewhere, no framing: ``frame-ancestors 'none'``; the API docs pages may run their inline start-up script),
  ``X-Frame-Options: DENY`` (older browsers), ``X-Content-Type-Options: nosniff``, ``Referrer-Policy:
  no-referrer``, ``Cross-Origin-Opener-Policy: same-origin`` and ``Cache-Control: no-store`` on answers that
  were not given one (answers carry parties' names and decisions).
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: the API and the memo: their own styles, no script, nothing from elsewhere (the web pages set their own)
CSP = ("default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; form-action 'self'; "
       "base-uri 'none'; frame-ancestors 'none'")
#: Swagger UI and ReDoc (served from this package: api/static) start with an inline script; ReDoc uses a worker
DOCS_CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; worker-src 'self' blob:; base-uri 'none'; frame-ancestors 'none'")
DOCS_PATHS = ("/docs", "/redoc")

_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cache-control", b"no-store"),
)


def host_allowed(host: str, allowed: list[str]) -> bool:
    """Whether a ``Host`` header (port and IPv6 brackets stripped) is one of ``allowed`` (``*`` allows any,
    ``*.example.com`` the subdomains of example.com)."""
    name = host.strip().lower()
    if name.startswith("["):
        name = name[1:].split("]", 1)[0]
    elif name.count(":") == 1:
        name = name.split(":", 1)[0]
    for pattern in allowed:
        if pattern == "*" or name == pattern or (pattern.startswith("*.") and name.endswith(pattern[1:])):
            return True
    return False


class Hygiene:
    """ASGI middleware: the allowed hosts and the security headers (see the module docstring)."""

    def __init__(self, app: ASGIApp, allowed_hosts: list[str]) -> None:
        self.app = app
        self.allowed = [h.lower() for h in allowed_hosts]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        csp = (DOCS_CSP if path in DOCS_PATHS else CSP).encode()

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                for key, value in (*_HEADERS, (b"content-security-policy", csp)):
                    if key not in present:
                        headers.append((key, value))
                message["headers"] = headers
            await send(message)

        host = dict(scope.get("headers") or ()).get(b"host", b"").decode("latin-1")
        if not host_allowed(host, self.allowed):
            body = json.dumps({"errors": [{"field": "host", "problem": "this service does not answer to that host "
                                           "name (allowed: EXPORTGATE_ALLOWED_HOSTS or serve --allowed-host)"}]})
            await with_headers({"type": "http.response.start", "status": 400,
                                "headers": [(b"content-type", b"application/json"),
                                            (b"content-length", str(len(body)).encode())]})
            await with_headers({"type": "http.response.body", "body": body.encode()})
            return
        await self.app(scope, receive, with_headers)
