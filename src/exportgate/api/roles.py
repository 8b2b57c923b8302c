"""Who may call which route: one table, read from the routes themselves.

Every protected route takes its actor from :func:`exportgate.api.deps.requires` (``requires(Permission.X)``,
or ``requires(None)`` for any signed-in user), which keeps the permission on the dependency; this module walks
the app's routes and reads it back. The role matrix test (``tests/api/test_roles.py``) calls every route from
:func:`route_rules` as no one, with a bad key and as each role, and the table in ``docs/usage/service.md`` is
:func:`roles_markdown` (a test keeps them equal), so the code, the tests and the docs cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute

from exportgate.store.accounts import PERMISSIONS, ROLE_PERMISSIONS, ROLES, Permission
from exportgate.web.core import PageRoute

#: routes outside the API proper: the docs and ``/`` (a redirect to the web pages, which are left out too)
UNLISTED = ("/docs", "/redoc", "/openapi.json", "/", "/review")


@dataclass(frozen=True)
class RouteRule:
    method: str
    path: str
    #: True: no key needed (``/health``)
    public: bool
    #: the permission the route needs (None and not public: any signed-in user)
    permission: Permission | None

    def allows(self, role: str) -> bool:
        return self.public or self.permission is None or self.permission in ROLE_PERMISSIONS[role]


def _permission(route: APIRoute) -> tuple[bool, Permission | None]:
    """(public, permission) of a route, from the ``requires`` dependency among its dependencies."""
    stack = list(route.dependant.dependencies)
    while stack:
        dep = stack.pop()
        if dep.call is not None and hasattr(dep.call, "permission"):
            permission: Permission | None = dep.call.permission
            return False, permission
        stack.extend(dep.dependencies)
    return True, None


def api_routes(routes: list[Any]) -> list[APIRoute]:
    """The API routes among ``routes``, those of included routers too (FastAPI keeps an included router as one
    entry holding the router: ``original_router``; no router here has a prefix)."""
    found: list[APIRoute] = []
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            found += api_routes(list(inner.routes))
        elif isinstance(route, APIRoute):
            found.append(route)
    return found


def route_rules(app: FastAPI) -> list[RouteRule]:
    """Every API route and what it needs, in path order."""
    rules = []
    for route in api_routes(list(app.routes)):
        if route.path in UNLISTED or isinstance(route, PageRoute):
            continue  # not the API: the web pages ask for a signed-in session, see docs/usage/web.md
        public, permission = _permission(route)
        for method in sorted((route.methods or set()) - {"HEAD"}):
            rules.append(RouteRule(method, route.path, public, permission))
    return sorted(rules, key=lambda r: (r.path, r.method))


def roles_markdown(app: FastAPI) -> str:
    """The route table of the docs: each route, the permission it needs and which roles have it."""
    lines = ["| route | permission | " + " | ".join(ROLES) + " |", "|---|---|" + ":-:|" * len(ROLES)]
    for r in route_rules(app):
        need = "none (no key)" if r.public else (f"`{r.permission.value}`" if r.permission else "any signed-in user")
        marks = " | ".join("✓" if r.allows(role) else "" for role in ROLES)
        lines.append(f"| `{r.method} {r.path}` | {need} | {marks} |")
    return "\n".join(lines)


def describe(permission: Permission) -> str:
    return PERMISSIONS[permission]


def to_json(app: FastAPI) -> list[dict[str, Any]]:
    return [{"method": r.method, "path": r.path, "public": r.public,
             "permission": r.permission.value if r.permission else None,
             "roles": [role for role in ROLES if r.allows(role)]} for r in route_rules(app)]
