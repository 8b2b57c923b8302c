"""The REST API and the packages page return what the CLI returns, and bad input is a 422 naming the field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from exportgate.store import Ledger
from exportgate.store.signing import sign_result

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


@pytest.fixture(scope="module")
def client(team: Any, api_client: Any) -> TestClient:
    client: TestClient = api_client(team, "analyst")
    return client


def _package(name: str) -> dict[str, Any]:
    """An example package as a JSON client sends it (dates as ISO strings)."""
    doc: dict[str, Any] = json.loads(json.dumps(yaml.safe_load((EXAMPLES / name).read_text()), default=str))
    return doc


def test_health_and_rules(client: TestClient) -> None:
    health = client.get("/health").json()
    assert health["status"] == "ok" and len(health["rules_sha256"]) == 64
    rules = client.get("/rules", params={"as_of": "2024-01-01"}).json()
    keys = {p["key"] for p in rules["parameters"]}
    assert "ccl.3a090.a.1.tpp_min" in keys
    early = client.get("/rules", params={"as_of": "2021-01-01"})
    assert early.status_code == 422 and early.json()["errors"][0]["field"] == "as_of"


def test_country_groups_dated(client: TestClient) -> None:
    before = client.get("/countries/AE", params={"as_of": "2026-07-09"}).json()
    after = client.get("/countries/ae", params={"as_of": "2026-07-10"}).json()
    assert "D:4" in before["groups"] and "A:5" not in before["groups"]
    assert "A:5" in after["groups"] and "D:4" not in after["groups"]
    assert client.get("/countries/ZZ").status_code == 422


def test_classify_matches_the_contract(client: TestClient) -> None:
    item = {"name": "probe", "kind": "integrated_circuit", "datacenter_designed_or_marketed": True,
            "tpp": 4800, "performance_density": 1.0}
    out = client.post("/classify", params={"as_of": "2024-01-01"}, json=item).json()
    assert out["classification"] == "3A090.a.1"
    assert set(out) >= {"name", "classification", "tpp", "performance_density", "as_of", "mode", "reasons", "citations"}
    below = client.post("/classify", params={"as_of": "2024-01-01"}, json={**item, "tpp": 4799.9}).json()
    assert below["classification"] != "3A090.a.1"
    bad = client.post("/classify", json={**item, "kind": "toaster"})
    assert bad.status_code == 422 and "kind" in bad.json()["errors"][0]["field"]


def test_determine_china_2024_needs_a_licence(client: TestClient) -> None:
    case = {"date": "2024-06-01", "transaction": "export", "origin": "US", "destination": "CN",
            "item": {"eccn": "3A090.a"}, "quantity": 10,
            "end_user": {"name": "Example Co", "located_in": "CN", "hq": "CN"}, "end_use": "AI training"}
    out = client.post("/determine", json=case).json()
    assert out["license_required"] is True and out["status"] == "license_required"
    unknown = client.post("/determine", json={**case, "destination": "XX"})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "destination"


def test_check(client: TestClient) -> None:
    text = (ROOT / "examples" / "01-japan-sovereign-cloud.yaml").read_text(encoding="utf-8")
    doc = json.loads(json.dumps(yaml.safe_load(text), default=str))  # dates as ISO strings, as a JSON client sends
    result = client.post("/check", json=doc).json()
    assert result["verdict"] == doc["expected_verdict"]
    assert len(result["content_hash"]) == 64


def test_the_packages_page_checks_a_pasted_package(warm_index: Any, tmp_path: Path) -> None:
    """The old open review page is the signed-in packages page: the same check, stored, its memo."""
    from web_helpers import make_app, make_service, sign_in

    text = (ROOT / "examples" / "01-japan-sovereign-cloud.yaml").read_text(encoding="utf-8")
    result = _package("01-japan-sovereign-cloud.yaml")
    svc = make_service(f"sqlite:///{tmp_path / 'web.db'}", tmp_path, screener=warm_index)
    web = TestClient(make_app(svc, tmp_path))
    assert web.get("/", follow_redirects=True).url.path == "/web/signin"
    csrf = sign_in(web, "ann")
    page = web.post("/web/packages", data={"csrf": csrf, "package": text, "as_of": "", "mode": "enforced"})
    assert page.status_code == 200 and page.url.path.startswith("/web/cases/")
    assert result["expected_verdict"].replace("_", " ").upper() in page.text
    memo = web.get(page.url.path + "/memo.html")
    assert memo.status_code == 200 and "<html" in memo.text.lower()
    broken = web.post("/web/packages", data={"csrf": csrf, "package": "name: x\nlayers: 3\n", "as_of": "",
                                             "mode": "enforced"})
    assert broken.status_code == 422 and "could not be checked" in broken.text


def test_openapi_publishes_the_request_schemas(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    schemas = spec["components"]["schemas"]
    body = {path: spec["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
            for path in ("/classify", "/determine", "/check", "/check/memo", "/screen")}
    assert body["/check"] == {"$ref": "#/components/schemas/packages.Package"} == body["/check/memo"]
    assert body["/determine"] == {"$ref": "#/components/schemas/determine.Case"}
    assert {"$ref": "#/components/schemas/classify.Item"} in body["/classify"]["anyOf"]
    assert body["/screen"] == {"$ref": "#/components/schemas/ScreenQuery"}
    assert {"layers", "destinations", "parties"} <= set(schemas["packages.Package"]["properties"])
    assert "quantity" in schemas["packages.Line"]["properties"]
    assert {"destination", "item", "end_use"} <= set(schemas["determine.Case"]["properties"])
    assert "field_prefix" not in schemas["determine.Case"]["properties"]
    assert "dense_tops" in schemas["classify.Item"]["properties"]
    assert {"dob", "identifiers", "nationality"} <= set(schemas["ScreenQuery"]["properties"])
    refs = {m for m in json.dumps(spec).split('"') if m.startswith("#/components/schemas/")}
    assert {r.removeprefix("#/components/schemas/") for r in refs} <= set(schemas)  # no dangling reference


def test_screen_takes_dob_and_identifiers(client: TestClient) -> None:
    plain = client.post("/screen", json={"name": "Bank Melli Iran"})
    assert plain.status_code == 200 and "ofac_sdn:25578" in {m["entity_id"] for m in plain.json()["matches"]}
    bad_dob = client.post("/screen", json={"name": "Bank Melli Iran", "dob": "1990-13-45"})
    assert bad_dob.status_code == 422 and bad_dob.json()["errors"][0]["field"] == "dob"
    ok = client.post("/screen", json={"name": "Bank Melli Iran", "dob": "1980", "identifiers": ["X123"]})
    assert ok.status_code == 200, ok.text
    person = client.post("/screen", json={"name": "PUTIN, Vladimir", "nationality": "RU", "dob": "1952-10-07"})
    features = {r["feature"] for r in person.json()["matches"][0]["explanation"]["evidence"]}
    assert {"nationality", "date_of_birth"} <= features
    bad_nat = client.post("/screen", json={"name": "PUTIN, Vladimir", "nationality": "Russia"})
    assert bad_nat.status_code == 422 and bad_nat.json()["errors"][0]["field"] == "nationality"
    unknown = client.post("/screen", json={"name": "Bank Melli Iran", "contry": "IR"})
    assert unknown.status_code == 422
    assert unknown.json() == {"errors": [{"field": "contry", "problem": "unknown field"}]}
    missing = client.post("/screen", json={})
    assert missing.json() == {"errors": [{"field": "name", "problem": "required field missing"}]}


def test_bad_json_and_schema_errors_have_the_422_shape(client: TestClient) -> None:
    broken = client.post("/check", content=b"{not json", headers={"content-type": "application/json"})
    assert broken.status_code == 422 and broken.json()["errors"][0]["field"] == "body"
    doc = _package("01-japan-sovereign-cloud.yaml")
    doc["layers"]["hardware"][0]["quantity"] = 0
    bad = client.post("/check", json=doc)
    assert bad.status_code == 422
    assert {"field": "layers.hardware[0].quantity", "problem": "must be > 0"} in bad.json()["errors"]
    assert client.post("/check", params={"mode": "lenient"}, json=doc).json()["errors"][0]["field"] == "mode"


def test_check_reads_the_ledger_of_its_store_as_the_cli_does(make_team: Any, api_client: Any, tmp_path: Path,
                                                             warm_index: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """POST /check and `exportgate check` count what the ledger of the same store already holds."""
    from typer.testing import CliRunner

    from exportgate.cli import app
    from exportgate.packages import check_package, load_package

    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    client = api_client(make_team(url), "analyst")
    doc = _package("02-saudi-ai-campus.yaml")
    empty = client.post("/check", json=doc).json()
    assert empty["compute"]["per_destination"][0]["ledger_before"] == 0
    loaded = load_package(str(EXAMPLES / "02-saudi-ai-campus.yaml"))
    phase1 = loaded.model_copy(update={"package": loaded.package.model_copy(update={"name": "Riyadh phase 1"})})
    first = check_package(phase1, screener=warm_index)
    with Ledger.open(url) as ledger:
        ledger.record(sign_result(first.to_json()), approved_by="test")
    api = client.post("/check", json=doc).json()
    monkeypatch.setenv("EXPORTGATE_DB_URL", url)
    cli = json.loads(CliRunner().invoke(app, ["check", str(EXAMPLES / "02-saudi-ai-campus.yaml"), "--json"]).stdout)
    assert api["compute"] == cli["compute"]
    assert api["compute"]["per_destination"][0]["ledger_before"] == 250 * 126_656


def test_check_results_are_signed_as_the_cli_signs_them(client: TestClient) -> None:
    """A result from POST /check is this installation's: `ledger record --result` takes it without --force."""
    from exportgate.store.signing import verify_result

    data = client.post("/check", json=_package("01-japan-sovereign-cloud.yaml")).json()
    assert data["signature"]["alg"] == "HMAC-SHA256"
    assert verify_result(data).valid
