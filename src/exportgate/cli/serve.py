"""``exportgate serve``: the REST API and the web pages."""

from __future__ import annotations

from typing import Annotated

import typer


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    max_request_bytes: Annotated[
        int | None,
        typer.Option("--max-request-bytes",
                     help="Largest request body accepted (default: EXPORTGATE_MAX_REQUEST_BYTES, 8 MiB; larger: 413)."),
    ] = None,
) -> None:
    """Serve the REST API (docs at /docs) and the web pages (at /web/; passwords: `users passwd`)."""
    import socket

    import uvicorn

    from exportgate.api import create_app
    from exportgate.errors import InputError
    from exportgate.settings import limits

    lim = limits(request_bytes=max_request_bytes)
    if not 0 <= port <= 65535:
        raise InputError("port", f"must be between 0 and 65535, not {port}")
    # Bind the socket here, before anything starts, so that a busy port or an unknown address is one line
    # and exit code 2 (uvicorn would log it and exit 1); uvicorn then serves on this very socket.
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
    except (socket.gaierror, UnicodeError) as exc:
        raise InputError("host", f"cannot listen on {host!r}: {getattr(exc, 'strerror', None) or exc}") from None
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        raise InputError("port", f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    config = uvicorn.Config(create_app(lim), host=host, port=port)
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        sock.close()
