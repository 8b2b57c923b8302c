"""``exportgate serve``: the REST API and the review page."""

from __future__ import annotations

from typing import Annotated

import typer


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Serve the REST API (docs at /docs) and the package review page (at /)."""
    import uvicorn

    from exportgate.api import create_app

    uvicorn.run(create_app(), host=host, port=port)
