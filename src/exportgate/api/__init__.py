"""REST API: ``exportgate serve`` runs it; ``create_app()`` builds it for tests and ASGI servers.

FastAPI is imported only when the app is built, so the CLI starts fast.
"""

from __future__ import annotations

from typing import Any


def create_app(lim: Any = None, service: Any = None, *, hosts: list[str] | None = None) -> Any:
    """The app (``lim``: :class:`exportgate.settings.Limits`, default from the environment; ``service``: the
    :class:`exportgate.store.service.Service` to serve, default the settings' store; ``hosts``: the Host names
    answered, default :func:`exportgate.settings.allowed_hosts`)."""
    from exportgate.api.app import create_app as _create

    return _create(lim, service, hosts=hosts)


__all__ = ["create_app"]
