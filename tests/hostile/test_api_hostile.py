"""Issue 12 on the API and the packages page: bounded requests (413), one error shape for every error
(malformed JSON, wrong content types, unreadable bodies, 404/405), nothing of the request echoed, numbers,
dates and nesting at the edges as field errors, and the docs served without a CDN."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hostile_helpers import EXAMPLE, MEMORY_CAP, alias_bomb, example_doc

from exportgate.api import create_app

JSON = {"content-type": "application/json"}
TESTS = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def client(team: Any, api_client: Any) -> TestClient:
    client: TestClient = api_client(team, "analyst", raise_server_exceptions=False)
    return client


def _errors(response: Any, status: int = 422) -> list[dict[str, Any]]:
    """The one error shape: ``{"errors": [{"field", "problem"}]}`` and nothing else."""
    assert response.status_code == status, response.text
    body = response.json()
    assert list(body) == ["errors"] and body["errors"], body
    for err in body["errors"]:
        assert set(err) == {"field", "problem"}, err
    errors: list[dict[str, Any]] = body["errors"]
    return errors


# --- the alias bomb on the packages page --------------------------------------------------------------------


def test_an_alias_bomb_posted_to_the_packages_page_is_a_422_within_1_gb(tmp_path: Path) -> None:
    # issue 12: a 4 KB bomb posted anonymously made the server allocate 3.3 GB
    package = EXAMPLE.read_text() + "exception_facts:\n" + alias_bomb(9, "  ")
    script = textwrap.dedent(f"""
        import resource, sys
        resource.setrlimit(resource.RLIMIT_AS, ({MEMORY_CAP}, {MEMORY_CAP}))
        sys.path.insert(0, {str(TESTS)!r})
        from fastapi.testclient import TestClient
        from web_helpers import make_app, make_service, sign_in
        home = {str(tmp_path)!r}
        client = TestClient(make_app(make_service("sqlite:///" + home + "/web.db", home)), raise_server_exceptions=False)
        csrf = sign_in(client, "ann")
        response = client.post("/web/packages", data={{"csrf": csrf, "package": sys.stdin.read()}})
        print(response.status_code, len(response.text))
        print(response.text)
    """)
    proc = subprocess.run([sys.executable, "-c", script], input=package, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    status, size = proc.stdout.split("\n", 1)[0].split()
    assert status == "422" and int(size) < 20_000
    assert "aliases (*name) and merges of anchors are not accepted" in proc.stdout


def test_the_packages_page_reads_norway_and_refuses_deep_nesting(warm_index: Any, tmp_path: Path) -> None:
    from web_helpers import make_app, make_service, sign_in

    client = TestClient(make_app(make_service(f"sqlite:///{tmp_path / 'web.db'}", tmp_path, screener=warm_index),
                                 tmp_path))
    csrf = sign_in(client, "ann")
    text = EXAMPLE.read_text().replace("destinations: [JP]", "destinations: [NO]")
    text = text.replace("country: JP", "country: NO").replace("hq: JP", "hq: NO")
    page = client.post("/web/packages", data={"csrf": csrf, "package": text})
    assert page.status_code == 200 and page.url.path.startswith("/web/cases/")
    assert "NO" in client.get(page.url.path + "/memo.html").text
    deep = client.post("/web/packages", data={"csrf": csrf, "package": "a: " + "[" * 10_000 + "]" * 10_000})
    assert deep.status_code == 422 and "nest" in deep.text


# --- request size ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small(team: Any, api_client: Any) -> TestClient:
    from exportgate.settings import limits

    client: TestClient = api_client(team, "analyst", lim=limits(request_bytes=1_000, list_items=5),
                                    raise_server_exceptions=False)
    return client


def test_a_request_body_over_the_limit_is_a_413(small: TestClient) -> None:
    big = json.dumps({"name": "x" * 2_000}).encode()
    errors = _errors(small.post("/screen", content=big, headers=JSON), 413)
    assert errors == [{"field": "body", "problem": "the request body is larger than 1,000 bytes "
                                                   "(limit: EXPORTGATE_MAX_REQUEST_BYTES)"}]

    def chunks() -> Iterator[bytes]:  # no Content-Length: the body is counted as it arrives
        for _ in range(100):
            yield b" " * 100

    assert _errors(small.post("/check", content=chunks(), headers=JSON), 413)[0]["field"] == "body"
    assert _errors(small.post("/web/packages", data={"package": "x" * 2_000}), 413)[0]["field"] == "body"
    assert small.post("/screen", json={"name": "Bank Melli Iran"}).status_code == 200


def test_a_list_over_the_limit_is_a_422_naming_it(small: TestClient) -> None:
    items = [{"kind": "integrated_circuit", "tpp": 1}] * 6
    errors = _errors(small.post("/classify", json=items))
    assert errors == [{"field": "body", "problem": "has 6 entries; at most 5 are accepted "
                                                   "(limit: EXPORTGATE_MAX_LIST_ITEMS)"}]


def test_serve_passes_its_limit_to_the_app() -> None:
    from exportgate.settings import limits

    app = create_app(limits(request_bytes=123))
    assert app.state.limits.request_bytes == 123


# --- one error shape -------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/screen", "/check", "/classify", "/determine", "/check/memo"])
@pytest.mark.parametrize(("content", "headers", "problem"), [
    (b"{bad", JSON, "not valid JSON"),
    (b'{"name": "x"}', {"content-type": "text/plain"}, "Content-Type: application/json"),
    (b"name=x", {"content-type": "application/x-www-form-urlencoded"}, "Content-Type: application/json"),
    (("[" * 10_000 + "]" * 10_000).encode(), JSON, "nested"),
    (b"\xff\xfe{}", JSON, "not UTF-8"),
    (b"", JSON, "empty"),
])
def test_every_unreadable_body_is_a_422_in_the_one_shape(client: TestClient, path: str, content: bytes,
                                                         headers: dict[str, str], problem: str) -> None:
    errors = _errors(client.post(path, content=content, headers=headers))
    assert errors[0]["field"] == "body" and problem in errors[0]["problem"], errors


def test_not_found_and_wrong_method_have_the_same_shape(client: TestClient) -> None:
    assert _errors(client.get("/no-such-page"), 404) == [{"field": None, "problem": "Not Found"}]
    assert _errors(client.get("/screen"), 405) == [{"field": None, "problem": "Method Not Allowed"}]
    assert _errors(client.get("/rules", params={"as_of": "soon"}))[0]["field"] == "as_of"


def test_errors_never_echo_the_request(client: TestClient) -> None:
    # The request schema's errors never quote a value (FastAPI's would send the whole input back); a
    # domain error may quote the value it refuses (`unknown country code 'XX'`), cut short, in a JSON
    # body no browser renders as a page.
    marker = "<script>alert('x')</script>" + "x" * 5_000
    cases = [
        ("/screen", {"name": marker, "threshold": marker}, "<script>"),
        ("/screen", {"name": 5, "country": marker, "dob": {"a": [marker] * 1000}}, "<script>"),
        ("/check", {**example_doc(), "destinations": [marker]}, "x" * 1_000),
        ("/determine", {"date": "2026-01-01", "transaction": marker, "destination": "JP", "item": {"eccn": "EAR99"}},
         "x" * 100),
    ]
    for path, doc, absent in cases:
        response = client.post(path, json=doc)
        _errors(response)
        assert absent not in response.text, response.text
        assert len(response.text) < 3_000
        assert response.headers["content-type"] == "application/json"
        assert response.headers["x-content-type-options"] == "nosniff"


# --- numbers, dates, nesting at the edges ------------------------------------------------------------------


@pytest.mark.parametrize(("path", "body", "field"), [
    ("/check", json.dumps(example_doc()).replace('"value": 70400000', '"value": 1e400', 1),
     "layers.hardware[0].value"),
    ("/check", json.dumps(example_doc()).replace('"value": 70400000', '"value": NaN', 1),
     "layers.hardware[0].value"),
    ("/classify", '{"kind": "integrated_circuit", "tpp": Infinity}', "tpp"),
    ("/screen", '{"name": "Bank Melli", "threshold": -Infinity}', "threshold"),
    ("/determine", '{"date": "2026-01-01", "transaction": "export", "destination": "JP", '
                   '"item": {"eccn": "3A090.a", "tpp": 1e999}}', "item.tpp"),
])
def test_numbers_that_are_not_finite_are_field_errors(client: TestClient, path: str, body: str, field: str) -> None:
    errors = _errors(client.post(path, content=body.encode(), headers=JSON))
    assert errors[0]["field"] == field and "finite" in errors[0]["problem"], errors


def test_dates_in_year_9995_are_field_errors(client: TestClient) -> None:
    case = {"date": "9995-01-01", "transaction": "export", "destination": "JP", "item": {"eccn": "EAR99"}}
    assert _errors(client.post("/determine", json=case))[0]["field"] == "date"
    assert _errors(client.post("/check", json={**example_doc(), "date": "9995-10-15"}))[0]["field"] == "date"
    assert _errors(client.post("/check", params={"as_of": "9995-01-01"}, json=example_doc()))[0]["field"] == "as_of"
    assert _errors(client.get("/rules", params={"as_of": "9995-01-01"}))[0]["field"] == "as_of"


def test_a_name_over_the_limit_is_a_field_error_from_the_api_and_in_a_package(client: TestClient) -> None:
    """EXPORTGATE_MAX_NAME_CHARS (1,000) bounds a name screened through POST /screen and a package's party."""
    long = "Bank Melli" + " Iran" * 218  # 1,100 characters
    [error] = _errors(client.post("/screen", json={"name": long}))
    assert error["field"] == "name" and "1100 characters long" in error["problem"], error
    doc = example_doc()
    doc["parties"][0]["name"] = long
    errors = _errors(client.post("/check", json=doc))
    assert [e["field"] for e in errors] == ["parties[0].name"] and "1100 characters long" in errors[0]["problem"]
    assert long not in json.dumps(errors)  # named, never echoed


# --- the docs, without a CDN -------------------------------------------------------------------------------


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_the_docs_load_nothing_from_outside(client: TestClient, page: str) -> None:
    html = client.get(page)
    assert html.status_code == 200
    assert not re.findall(r"""(?:src|href)=["']?(?:https?:)?//""", html.text), html.text
    assets = re.findall(r"""(?:src|href)=["']?(/static/[^"' >]+)""", html.text)
    assert any(a.endswith(".js") for a in assets)
    for asset in assets:
        response = client.get(asset)
        assert response.status_code == 200 and len(response.content) > 500, asset
    assert client.get("/openapi.json").status_code == 200
