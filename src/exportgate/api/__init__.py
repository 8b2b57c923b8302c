"""REST API: ``exportgate serve`` runs it; ``create_app()`` builds it for tests and ASGI servers."""

from exportgate.api.app import create_app

__all__ = ["create_app"]
