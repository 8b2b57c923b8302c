"""The web pages without a browser (TestClient): the session cookie's flags, CSRF on every form, sign-in and
lock-out, who may do what, and bad input as a page."""

from __future__ import annotations

import re
import stat
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from exportgate.store.accounts import SIGNIN_FAILURES_LIMIT
from exportgate.store.service import Service
from exportgate.web.session import COOKIE, KEY_PATH, SESSION_MAX_AGE
from web_helpers import PASSWORD, make_app, sign_in, token


@pytest.fixture(scope="module")
def app(svc: Service, web_home: Path) -> Any:
    return make_app(svc, web_home)


def client(app: Any, base_url: str = "http://testserver") -> TestClient:
    return TestClient(app, base_url=base_url, follow_redirects=True)


def _cookie_header(response: Any) -> str:
    headers = [v for k, v in response.headers.multi_items() if k.lower() == "set-cookie" and v.startswith(COOKIE)]
    assert headers, "no session cookie set"
    return headers[-1]


def test_the_session_cookie_is_httponly_lax_and_secure_over_https(app: Any, web_home: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    plain = client(app).get("/web/signin")
    flags = _cookie_header(plain).lower()
    assert "httponly" in flags and "samesite=lax" in flags and "path=/web" in flags
    assert f"max-age={SESSION_MAX_AGE}" in flags and "secure" not in flags
    assert "secure" in _cookie_header(client(app, "https://testserver").get("/web/signin")).lower()
    monkeypatch.setenv("EXPORTGATE_SECURE_COOKIES", "1")
    assert "secure" in _cookie_header(client(app).get("/web/signin")).lower()
    key = web_home / KEY_PATH
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and stat.S_IMODE(key.parent.stat().st_mode) == 0o700


def test_pages_need_a_signed_in_user(app: Any) -> None:
    c = client(app)
    for path in ("/", "/web/packages", "/web/screen", "/web/alerts", "/web/cases", "/web/ledger", "/web/lists",
                 "/web/batch"):
        page = c.get(path)
        assert page.url.path == "/web/signin" and "Sign in" in page.text, path
    # a forged or tampered cookie is no session
    c.cookies.set(COOKIE, "eyJ1Ijoicml0YSIsImNzcmYiOiJ4IiwiaWF0IjoxfQ==.00", path="/web")
    assert c.get("/web/alerts").url.path == "/web/signin"
    c.cookies.clear()
    # signing in comes back to the page asked for, never to another site
    first = c.get("/web/alerts?status=open")
    answer = c.post("/web/signin", data={"csrf": token(first.text), "name": "rita", "password": PASSWORD,
                                         "then": "/web/alerts?status=open"})
    assert answer.url.path == "/web/alerts" and "Signed in as" in answer.text
    c2 = client(app)
    page = c2.get("/web/signin")
    away = c2.post("/web/signin", data={"csrf": token(page.text), "name": "rita", "password": PASSWORD,
                                        "then": "//evil.example/x"})
    assert away.url.host == "testserver" and away.url.path == "/web/packages"


def test_every_post_without_its_csrf_token_is_refused(app: Any) -> None:
    c = client(app)
    csrf = sign_in(c, "rita")
    posts = {"/web/signout": {}, "/web/screen": {"name": "Huawei"}, "/web/packages": {"package": "name: x"},
             "/web/alerts/1/decide": {"status": "escalated", "comment": "x"}, "/web/cases/1/record": {},
             "/web/signin": {"name": "rita", "password": PASSWORD}}
    for path, data in posts.items():
        for sent in (data, {**data, "csrf": "not-the-token"}, {**data, "csrf": ""}):
            refused = c.post(path, data=sent)
            assert refused.status_code == 403 and "security token" in refused.text, path
    # the same token of another session is refused too
    other = client(app)
    sign_in(other, "ann")
    assert other.post("/web/screen", data={"name": "Huawei", "csrf": csrf}).status_code == 403
    # still signed in: nothing above signed out
    assert "Signed in as <strong>rita</strong>" in c.get("/web/packages").text
    # with the token, signing out works and ends the session
    assert c.post("/web/signout", data={"csrf": csrf}).url.path == "/web/signin"
    assert c.get("/web/alerts").url.path == "/web/signin"


def test_a_wrong_password_and_the_lock_out(svc: Service, app: Any) -> None:
    from exportgate.store.accounts import Actor

    admin = svc.users.actor("ada")
    assert admin is not None
    svc.users.add(admin, "lou", "analyst")
    svc.users.set_password(admin, "lou", PASSWORD)
    c = client(app)
    for attempt in range(1, SIGNIN_FAILURES_LIMIT + 1):
        page = c.get("/web/signin")
        answer = c.post("/web/signin", data={"csrf": token(page.text), "name": "lou", "password": "wrong guess"})
        if attempt < SIGNIN_FAILURES_LIMIT:
            assert answer.status_code == 401 and "Wrong user name or password." in answer.text
    assert answer.status_code == 403 and "Locked out" in answer.text and "too many failed sign-ins" in answer.text
    page = c.get("/web/signin")
    right = c.post("/web/signin", data={"csrf": token(page.text), "name": "lou", "password": PASSWORD})
    assert right.status_code == 403 and "Locked out" in right.text
    assert isinstance(svc.users.actor("lou"), Actor)


def test_an_analyst_cannot_decide_and_bad_input_is_a_page(svc: Service, app: Any) -> None:
    c = client(app)
    csrf = sign_in(c, "ann")
    screened = c.post("/web/screen", data={"csrf": csrf, "name": "Huawei Technologies", "country": "CN"})
    assert screened.status_code == 200
    alert_id = int(re.search(r'href="/web/alerts/(\d+)"', screened.text).group(1))  # type: ignore[union-attr]
    page = c.get(f"/web/alerts/{alert_id}")
    assert 'data-testid="decide"' not in page.text and "a reviewer decides them" in page.text
    refused = c.post(f"/web/alerts/{alert_id}/decide", data={"csrf": csrf, "status": "false_positive",
                                                              "comment": "not them"})
    assert refused.status_code == 403 and "may not decide alerts" in refused.text
    assert svc.alerts.get(svc.users.actor("ann"), alert_id).status == "open"  # type: ignore[arg-type]
    # an admin hands out accounts but decides nothing either
    admin = client(app)
    sign_in(admin, "ada")
    assert 'data-testid="decide"' not in admin.get(f"/web/alerts/{alert_id}").text
    bad = c.get("/web/alerts?min_score=lots")
    assert bad.status_code == 422 and "min_score: must be a number" in bad.text and "Traceback" not in bad.text
    missing = c.get("/web/alerts/999999")
    assert missing.status_code == 404 and "no alert #999999" in missing.text
    empty = c.post("/web/screen", data={"csrf": csrf, "name": " "})
    assert empty.status_code == 422 and "name" in empty.text
    # a reviewer's decision needs its comment (the store's rule), shown as a page
    r = client(app)
    rcsrf = sign_in(r, "rita")
    nocomment = r.post(f"/web/alerts/{alert_id}/decide", data={"csrf": rcsrf, "status": "false_positive"})
    assert nocomment.status_code == 422 and "comment" in nocomment.text


def test_pages_carry_their_policy_and_hold_no_inline_script_or_style(app: Any) -> None:
    from exportgate.web.core import PAGE_CSP

    c = client(app)
    sign_in(c, "rita")
    for path in ("/web/packages", "/web/screen", "/web/batch", "/web/alerts", "/web/cases", "/web/ledger",
                 "/web/lists"):
        page = c.get(path)
        assert page.status_code == 200, path
        assert page.headers["content-security-policy"] == PAGE_CSP and "'unsafe-inline'" not in PAGE_CSP
        assert page.headers["cache-control"] == "no-store"
        assert not re.search(r"<script(?![^>]*\bsrc=)", page.text), path  # every script is a file of /assets
        assert not re.search(r"\sstyle=|<style|\son[a-z]+=", page.text), path


def test_signing_out_or_a_new_password_ends_every_session_of_the_user(svc: Service, app: Any) -> None:
    admin = svc.users.actor("ada")
    assert admin is not None
    svc.users.add(admin, "sam", "reviewer")
    svc.users.set_password(admin, "sam", PASSWORD)
    first, second = client(app), client(app)
    csrf = sign_in(first, "sam")
    sign_in(second, "sam")
    stolen = first.cookies.get(COOKIE, path="/web")
    assert first.post("/web/signout", data={"csrf": csrf}).url.path == "/web/signin"
    assert second.get("/web/alerts").url.path == "/web/signin"  # the other browser is out too
    thief = client(app)
    thief.cookies.set(COOKIE, stolen, path="/web")
    assert thief.get("/web/alerts").url.path == "/web/signin"  # a copy of the old cookie is worth nothing
    sign_in(first, "sam")
    assert first.get("/web/alerts").url.path == "/web/alerts"  # signing in again works at once
    svc.users.set_password(admin, "sam", "a brand new passphrase")
    assert first.get("/web/alerts").url.path == "/web/signin"


_ROW = re.compile(r'<tr tabindex="0" data-alert="(\d+)".*?</tr>', re.S)
_CELL = re.compile(r'<td data-label="([^"]+)"[^>]*>(.*?)</td>', re.S)


def _queue(c: TestClient, **params: str) -> list[dict[str, Any]]:
    """The alert queue page's rows, in the page's order: {id, Status, Party, List, Score, ...} as shown."""
    page = c.get("/web/alerts", params=params)
    assert page.status_code == 200, page.text[:500]
    rows = []
    for row in _ROW.finditer(page.text):
        cells = {k: re.sub(r"<[^>]+>", "", v).strip() for k, v in _CELL.findall(row.group(0))}
        rows.append({"id": int(row.group(1)), **cells})
    return rows


def test_the_alert_queue_filters_by_list_score_party_and_age_with_open_alerts_first(svc: Service, app: Any) -> None:
    from sqlalchemy import select, update

    from exportgate.store.service_models import Alert

    c = client(app)
    csrf = sign_in(c, "rita")
    for name, country in (("Bank Melli Iran", "IR"), ("Rosoboronexport", "RU")):
        assert c.post("/web/screen", data={"csrf": csrf, "name": name, "country": country}).status_code == 200
    melli = _queue(c, party="melli")
    ros = _queue(c, party="ROSOBORON")  # a part of the party's name, any case
    assert len(melli) >= 3 and all(r["Party"] == "Bank Melli Iran (IR)" for r in melli)
    assert ros and all(r["Party"] == "Rosoboronexport (RU)" for r in ros)
    everyone = _queue(c)
    assert {r["id"] for r in melli + ros} <= {r["id"] for r in everyone}
    assert any(r["Party"] not in {"Bank Melli Iran (IR)"} for r in everyone)  # the party filter left others out
    # by list: every row on that list, and this party's rows on other lists left out
    lists = {r["List"] for r in melli + ros}
    chosen = sorted(lists)[0]
    on_list = _queue(c, list=chosen)
    assert on_list and all(r["List"] == chosen for r in on_list)
    assert {r["id"] for r in melli + ros if r["List"] == chosen} <= {r["id"] for r in on_list}
    assert len(_queue(c, list="no_such_list")) == 0
    # by score: the rows below the floor are left out
    scores = sorted({float(r["Score"]) for r in melli})
    assert len(scores) >= 2, scores
    floor = scores[-1]
    high = _queue(c, party="melli", min_score=str(floor))
    assert high and all(float(r["Score"]) >= floor for r in high)
    assert {r["id"] for r in high} == {r["id"] for r in melli if float(r["Score"]) >= floor} != {r["id"] for r in melli}
    # by age: nothing opened today is older than a day; an alert opened three days ago is, and not older than five
    assert _queue(c, party="melli", older_than_days="1") == []
    aged = melli[-1]["id"]
    with svc.engine.begin() as conn:
        opened = conn.execute(select(Alert.opened_at).where(Alert.id == aged)).scalar_one()
        conn.execute(update(Alert).where(Alert.id == aged).values(opened_at=opened - timedelta(days=3)))
    assert [r["id"] for r in _queue(c, party="melli", older_than_days="2")] == [aged]
    assert _queue(c, party="melli", older_than_days="5") == []
    # open alerts first, then escalated ones, then the decided; status=open shows the open ones only
    rita = svc.users.actor("rita")
    assert rita is not None
    first, second = melli[0]["id"], melli[1]["id"]
    svc.alerts.decide(rita, first, "false_positive", "another bank of that name")
    svc.alerts.decide(rita, second, "escalated", "ask the compliance desk")
    queue = _queue(c, party="melli")
    statuses = [r["Status"] for r in queue]
    assert statuses == sorted(statuses, key=lambda s: {"open": 0, "escalated": 1}.get(s, 2)), statuses
    assert statuses[-2:] == ["escalated", "false_positive"] and statuses[0] == "open"
    assert {r["id"] for r in _queue(c, party="melli", status="open")} == {r["id"] for r in queue} - {first, second}


def test_a_package_uploaded_as_a_file_becomes_a_case_and_a_bad_one_lists_its_errors(app: Any) -> None:
    root = Path(__file__).resolve().parents[2]
    example = root / "examples" / "01-japan-sovereign-cloud.yaml"
    c = client(app)
    csrf = sign_in(c, "rita")
    checked = c.post("/web/packages", data={"csrf": csrf, "package": ""},
                     files={"file": (example.name, example.read_bytes(), "application/yaml")})
    assert checked.status_code == 200 and re.search(r"/web/cases/\d+$", str(checked.url)), checked.text[:500]
    assert re.search(r'data-testid="verdict">Verdict:\s*<span[^>]*>\s*clear', checked.text, re.I), checked.text[:800]
    assert "Sakura Sovereign AI Cloud" in checked.text
    # the case list's filters: by who stored it and by status
    mine = c.get("/web/cases", params={"kind": "check", "created_by": "rita", "status": "clear"}).text
    assert "Sakura Sovereign AI Cloud" in mine
    assert "Sakura Sovereign AI Cloud" not in c.get("/web/cases", params={"created_by": "ann"}).text
    assert "Sakura Sovereign AI Cloud" not in c.get("/web/cases", params={"status": "blocked"}).text
    # a file with schema errors: the form again, each problem with its path, nothing stored
    bad = example.read_text(encoding="utf-8").replace("quantity: ", "quantity: -", 1)
    refused = c.post("/web/packages", data={"csrf": csrf, "package": ""},
                     files={"file": ("bad.yaml", bad.encode(), "application/yaml")})
    assert refused.status_code == 422 and str(refused.url).endswith("/web/packages")
    assert "The package could not be checked" in refused.text and "quantity: must be &gt; 0" in refused.text
