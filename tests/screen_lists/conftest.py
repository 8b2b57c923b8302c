"""Fixtures for the list tests: an isolated data home, a local HTTP server, small real list files."""

from __future__ import annotations

import gzip
import shutil
import threading
import time
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from lists_helpers import SMALL, embedded_text, head_lines


@pytest.fixture()
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    h = tmp_path / "home"
    monkeypatch.setenv("EXPORTGATE_HOME", str(h))
    return h


class _Handler(SimpleHTTPRequestHandler):
    overrides: ClassVar[dict[str, Any]] = {}  # URL path -> ("lie_length", body) | ("gzip", body) | ("trickle", n, s)

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        rule = self.overrides.get(self.path)
        if rule is not None and rule[0] == "lie_length":
            body: bytes = rule[1]
            self.send_response(200)
            self.send_header("Content-Length", str(len(body) * 2))
            self.end_headers()
            self.wfile.write(body)
            self.wfile.flush()
            self.close_connection = True
            return
        if rule is not None and rule[0] == "gzip":
            body = gzip.compress(rule[1])
            self.send_response(200)
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        if rule is not None and rule[0] == "trickle":
            # a server that never stalls long enough for a read timeout: one byte every `rule[2]` seconds
            self.send_response(200)
            self.send_header("Content-Length", str(rule[1]))
            self.end_headers()
            for _ in range(rule[1]):
                try:
                    self.wfile.write(b"1")
                    self.wfile.flush()
                except OSError:  # the client gave up
                    return
                time.sleep(rule[2])
            return
        super().do_GET()


@pytest.fixture()
def http_server(tmp_path: Path) -> Iterator[tuple[str, Path, dict[str, Any]]]:
    """(base URL, served directory, overrides) of a server on 127.0.0.1 with an ephemeral port."""
    root = tmp_path / "served"
    root.mkdir()
    overrides: dict[str, Any] = {}

    class Handler(_Handler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(root), **kwargs)

    Handler.overrides = overrides
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", root, overrides
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture(scope="session")
def small_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Small but real list files cut from the embedded snapshot (always available)."""
    d = tmp_path_factory.mktemp("small")
    (d / SMALL["sdn"]).write_text(head_lines("sdn_2024-05-03.csv.gz", 400), encoding="utf-8", newline="")
    (d / SMALL["alt"]).write_text(head_lines("alt_2026-06-02.csv.gz", 300), encoding="utf-8", newline="")
    (d / SMALL["add"]).write_text(head_lines("add_2026-06-02.csv.gz", 300), encoding="utf-8", newline="")
    (d / SMALL["sdn_comments"]).write_text(head_lines("sdn_comments_2025-01-03.csv.gz", 5), encoding="utf-8",
                                           newline="")
    csl = embedded_text("consolidated_2022-04.csv.gz").splitlines(keepends=True)
    # header + the non-Treasury rows of the first ~3000 (BIS and State lists)
    (d / SMALL["csl"]).write_text("".join(csl[:1] + [r for r in csl[1:3000] if "Treasury" not in r]),
                                  encoding="utf-8")
    return d


@pytest.fixture(scope="session")
def embedded_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data home whose cache holds the parsed embedded snapshot (parsed once per session)."""
    from exportgate.screen.lists import load_embedded

    h = tmp_path_factory.mktemp("embeddedhome")
    load_embedded(h)
    return h


@pytest.fixture(scope="session")
def base_home(tmp_path_factory: pytest.TempPathFactory, small_files: Path, embedded_home: Path) -> Path:
    """A data home whose active version holds the small files (built once; tests copy it)."""
    from exportgate.screen.lists.store import update

    h = tmp_path_factory.mktemp("basehome")
    (h / "cache").mkdir()
    for cached in (embedded_home / "cache").glob("lists-*.egcache"):
        shutil.copy2(cached, h / "cache" / cached.name)
    update([str(small_files / n) for n in SMALL.values()], h, min_ratio=0.0)
    return h


@pytest.fixture()
def small_home(base_home: Path, embedded_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    h = tmp_path / "home"
    shutil.copytree(base_home, h)
    for cached in (embedded_home / "cache").glob("lists-*.egcache"):
        shutil.copy2(cached, h / "cache" / cached.name)
    monkeypatch.setenv("EXPORTGATE_HOME", str(h))
    return h
