"""``exportgate serve``: the REST API and the web pages.

Before it listens: the port is bound here (a busy port or an unknown address is one line and exit code 2);
an address other than loopback is refused while the store has no user (anyone who can reach it would act
as whom?), and warned about loudly without TLS (``--ssl-certfile``/``--ssl-keyfile``, or ``--tls-proxy`` when
a proxy in front ends TLS). ``--workers N`` starts N uvicorn worker processes on the one socket; each loads
the store, the rules and the screener at start-up (``/health`` answers ready only then). uvicorn picks
uvloop and httptools when installed (``pip install 'exportgate[fast]'``).
"""

from __future__ import annotations

import ipaddress
import os
from typing import Annotated

import typer


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine only (127.0.0.0/8, ::1, localhost)."""
    if host.strip().lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


TLS_WARNING = """\
WARNING ====================================================================================
exportgate is serving on {host}, an address other machines can reach, WITHOUT TLS.
API keys (Authorization: Bearer ...) and every answer (parties, decisions, memos) cross the
network in clear text. Put a TLS proxy in front (then pass --tls-proxy) or give
--ssl-certfile and --ssl-keyfile.
============================================================================================"""


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    max_request_bytes: Annotated[
        int | None,
        typer.Option("--max-request-bytes",
                     help="Largest request body accepted (default: EXPORTGATE_MAX_REQUEST_BYTES, 8 MiB; larger: 413)."),
    ] = None,
    workers: Annotated[int, typer.Option("--workers", min=1, max=64,
                                         help="Worker processes (each loads the screener at start-up).")] = 1,
    allowed_host: Annotated[
        list[str] | None,
        typer.Option("--allowed-host", help="A Host name to answer (repeatable; default: EXPORTGATE_ALLOWED_HOSTS, "
                     "else the loopback names; '*.example.com' for subdomains)."),
    ] = None,
    ssl_certfile: Annotated[str | None, typer.Option("--ssl-certfile", help="TLS certificate (PEM).")] = None,
    ssl_keyfile: Annotated[str | None, typer.Option("--ssl-keyfile", help="TLS private key (PEM).")] = None,
    tls_proxy: Annotated[bool, typer.Option("--tls-proxy", help="A proxy in front ends TLS (no warning).")] = False,
    access_log: Annotated[bool, typer.Option("--access-log/--no-access-log",
                                             help="Log every request (uvicorn's access log).")] = True,
) -> None:
    """Serve the REST API (docs at /docs) and the web pages (at /web/; passwords: `users passwd`)."""
    import socket
    import sys

    import uvicorn

    from exportgate import settings
    from exportgate.errors import InputError

    lim = settings.limits(request_bytes=max_request_bytes)
    if not 0 <= port <= 65535:
        raise InputError("port", f"must be between 0 and 65535, not {port}")
    if (ssl_certfile is None) != (ssl_keyfile is None):
        raise InputError("--ssl-certfile", "give both --ssl-certfile and --ssl-keyfile, or neither")
    hosts = settings.allowed_hosts(allowed_host)
    # Bind the socket here, before anything starts, so that a busy port or an unknown address is one line and
    # exit code 2 (uvicorn would log it and exit 1); uvicorn then serves on this very socket.
    try:
        family, _, _, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except (socket.gaierror, UnicodeError) as exc:
        raise InputError("host", f"cannot listen on {host!r}: {getattr(exc, 'strerror', None) or exc}") from None
    if not (is_loopback(host) or is_loopback(str(address[0]))):
        _refuse_without_users()
        if ssl_certfile is None and not tls_proxy:
            typer.echo(TLS_WARNING.format(host=host), err=True)
        if hosts == list(settings.LOOPBACK_HOSTS):
            typer.echo(f"note: only requests naming {', '.join(hosts)} in their Host header are answered; add the "
                       "names clients use with --allowed-host or EXPORTGATE_ALLOWED_HOSTS", err=True)
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        raise InputError("port", f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    # the workers (spawned processes) build the app from the environment: pass them what the options said
    os.environ["EXPORTGATE_MAX_REQUEST_BYTES"] = str(lim.request_bytes)
    os.environ[settings.ALLOWED_HOSTS_ENV] = ",".join(hosts)
    config = uvicorn.Config("exportgate.api.app:app_from_env", factory=True, host=host, port=port,
                            workers=workers, ssl_certfile=ssl_certfile, ssl_keyfile=ssl_keyfile,
                            proxy_headers=tls_proxy, server_header=False,
                            access_log=access_log)
    server = uvicorn.Server(config)
    try:
        if workers > 1:
            from uvicorn.supervisors import Multiprocess

            Multiprocess(config, sockets=[sock]).run()
        else:
            server.run(sockets=[sock])
    finally:
        sock.close()
    sys.exit(0)


def _refuse_without_users() -> None:
    """An address other than loopback needs at least one user in the store (issue 14)."""
    from sqlalchemy.exc import SQLAlchemyError

    from exportgate.errors import InputError
    from exportgate.store.service import Service

    svc = Service.open_existing(None, missing_ok=True)  # looked at, not created: no store has no users
    users = False
    if svc is not None:
        with svc:
            try:
                users = svc.users.any_users()
            except SQLAlchemyError:  # a store from before accounts (not migrated yet): no users either
                users = False
    if not users:
        raise InputError("host", "refusing to serve on an address other than loopback while the store has no "
                                 "users: add one first (`exportgate users add NAME --role admin`)")
