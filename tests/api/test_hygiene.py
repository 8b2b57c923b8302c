"""Deployment hygiene (issue 14): security headers on every answer, only the allowed Host names answered,
``serve`` refusing a reachable address without users and warning without TLS, private files."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from exportgate.api import create_app
from exportgate.api.hygiene import host_allowed
from exportgate.cli.serve import is_loopback

EXPORTGATE = str(Path(sys.executable).parent / "exportgate")


@pytest.mark.parametrize("path", ["/health", "/rules", "/no-such-page", "/docs", "/", "/openapi.json"])
def test_every_answer_carries_the_security_headers(team: Any, api_client: Any, path: str) -> None:
    response = api_client(team, "analyst").get(path)
    headers = response.headers
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert "default-src" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "no-referrer"
    if path == "/":  # leads to the web pages' sign-in: scripts of this site only (/assets), nothing inline
        assert "script-src 'self';" in headers["content-security-policy"]
        assert "'unsafe-inline'" not in headers["content-security-policy"]
    elif path != "/docs":  # no script at all, but the docs' own (their inline start-up script)
        assert "script-src" not in headers["content-security-policy"]
        assert headers["content-security-policy"].startswith("default-src 'none'")


@pytest.mark.parametrize(("host", "allowed"), [
    ("127.0.0.1:8000", True), ("localhost", True), ("[::1]:8000", True), ("evil.example", False),
    ("127.0.0.1.evil.example", False), ("", False),
])
def test_only_the_loopback_names_are_answered_by_default(host: str, allowed: bool) -> None:
    client = TestClient(create_app(), base_url="http://placeholder")
    response = client.get("/health", headers={"host": host} if host else {"host": ""})
    if allowed:
        assert response.status_code in (200, 503)
    else:
        assert response.status_code == 400
        assert response.json()["errors"][0]["field"] == "host"
        assert response.headers["x-frame-options"] == "DENY"


def test_host_patterns() -> None:
    assert host_allowed("api.example.com", ["*.example.com"]) and not host_allowed("example.com.evil", ["*.example.com"])
    assert host_allowed("anything", ["*"]) and not host_allowed("other", ["api.example.com"])
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("10.0.0.1") and not is_loopback("example.com")


def _serve(tmp_path: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "EXPORTGATE_HOME": str(tmp_path / "home")}
    env.pop("EXPORTGATE_DB_URL", None)
    return subprocess.run([EXPORTGATE, "serve", *args], capture_output=True, text=True, env=env, timeout=timeout)


def test_serve_refuses_a_reachable_address_without_users(tmp_path: Path) -> None:
    proc = _serve(tmp_path, "--host", "0.0.0.0", "--port", "0")
    assert proc.returncode == 2
    assert "error: host: refusing to serve on an address other than loopback while the store has no users" in proc.stderr
    assert not (tmp_path / "home" / "exportgate.db").exists()  # looked at, not created


def test_serve_warns_loudly_without_tls_and_workers_answer(tmp_path: Path) -> None:
    """With a user, a reachable address starts (with the warning); two workers answer /health when ready."""
    import socket
    import time

    import httpx

    from exportgate.store.accounts import Actor
    from exportgate.store.service import Service

    home = tmp_path / "home"
    with Service.open(f"sqlite:///{home / 'exportgate.db'}") as svc:
        key = svc.users.add(Actor.local("t"), "ada", "admin").api_key
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    assert stat.S_IMODE((home / "exportgate.db").stat().st_mode) == 0o600
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "EXPORTGATE_HOME": str(home)}
    env.pop("EXPORTGATE_DB_URL", None)
    proc = subprocess.Popen([EXPORTGATE, "serve", "--host", "0.0.0.0", "--port", str(port), "--workers", "2",
                             "--no-access-log"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        ready = 0
        while time.monotonic() < deadline and ready < 4:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/health", timeout=5)
                ready = ready + 1 if response.status_code == 200 else 0
            except httpx.HTTPError:
                ready = 0
            time.sleep(0.1)
        assert ready >= 4, "the workers did not become ready"
        assert response.json()["ready"] is True and response.json()["lists_as_of"]
        me = httpx.get(f"http://127.0.0.1:{port}/users", headers={"Authorization": f"Bearer {key}"}, timeout=10)
        assert me.status_code == 200 and [u["name"] for u in me.json()] == ["ada"]
    finally:
        os.killpg(proc.pid, 15)
        _, err = proc.communicate(timeout=30)
    assert "WITHOUT TLS" in err and "0.0.0.0" in err
