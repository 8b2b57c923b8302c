"""REST API: ``exportgate serve`` runs it; ``create_app()`` builds it for tests and ASGI servers.

FastAPI is imported only when the app is built, so the CLI starts fast.
"""

from __future__ import annotations

from typing import Any


def create_app(lim: Any = None) -> Any:
    """The app (``lim``: :class:`exportgate.settings.Limits`; default from the environment)."""
    from exportgate.api.app import create_app as _create

    return _create(lim)


__all__ = ["create_app"]
