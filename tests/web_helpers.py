"""What the web tests share: a store with one user of each role (passwords set through the service), and
signing a TestClient in through the sign-in form as a browser does."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from exportgate.store.accounts import Actor
from exportgate.store.service import Service

PASSWORD = "a long enough test password"
#: name -> role of the users every web test store has
USERS = {"ada": "admin", "rita": "reviewer", "ann": "analyst"}
_TOKEN = re.compile(r'name="csrf" value="([^"]+)"')


def cheap_hashes() -> None:
    """argon2id at the library's cheapest parameters in this process: the same code path and stored format
    (``$argon2id$...``, verified with the parameters it names), a thousandth of the time. Every test process
    (``conftest.pytest_configure``) and every script a test starts through :func:`make_service`."""
    from argon2 import PasswordHasher
    from argon2.profiles import CHEAPEST

    from exportgate.store import accounts

    accounts._HASHER = PasswordHasher.from_parameters(CHEAPEST)


def make_service(url: str, home: Path | None = None, screener: Any | None = None) -> Service:
    """A store at ``url`` with the :data:`USERS`, each with :data:`PASSWORD` (hashed cheaply)."""
    cheap_hashes()
    svc = Service.open(url, home=home, screener=screener)
    setup = Actor.local("setup")
    svc.users.add(setup, "ada", "admin")
    admin = svc.users.actor("ada")
    assert admin is not None
    for name, role in USERS.items():
        if name != "ada":
            svc.users.add(admin, name, role)
        svc.users.set_password(admin, name, PASSWORD)
    return svc


def make_app(svc: Service, home: Path | None = None, **limits: int) -> Any:
    from exportgate.api import create_app
    from exportgate.settings import limits as make_limits

    app = create_app(make_limits(**limits) if limits else None, svc, hosts=["testserver", "127.0.0.1", "localhost"])
    app.state.web_home = home
    return app


def token(html: str) -> str:
    """The CSRF token of the first form of a page."""
    found = _TOKEN.search(html)
    assert found is not None, "the page has no form with a CSRF token"
    return found.group(1)


def sign_in(client: TestClient, name: str, password: str = PASSWORD) -> str:
    """Sign ``client`` in as ``name`` through the form; the session's CSRF token afterwards."""
    page = client.get("/web/signin")
    answer = client.post("/web/signin", data={"csrf": token(page.text), "name": name, "password": password},
                         follow_redirects=False)
    assert answer.status_code == 303, answer.text[:500]
    return token(client.get("/web/packages").text)
