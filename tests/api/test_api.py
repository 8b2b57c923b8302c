"""The REST API and the review page return what the CLI returns, and bad input is a 422 naming the field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient

from exportgate.api import create_app

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app())


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


def test_check_and_review_page(client: TestClient) -> None:
    text = (ROOT / "examples" / "01-japan-sovereign-cloud.yaml").read_text(encoding="utf-8")
    doc = json.loads(json.dumps(yaml.safe_load(text), default=str))  # dates as ISO strings, as a JSON client sends
    result = client.post("/check", json=doc).json()
    assert result["verdict"] == doc["expected_verdict"]
    assert len(result["content_hash"]) == 64
    page = client.get("/")
    assert page.status_code == 200 and 'name="package"' in page.text
    memo = client.post("/review", data={"package": text, "as_of": "", "mode": "enforced"})
    assert memo.status_code == 200 and result["content_hash"][:12] in memo.text
    broken = client.post("/review", data={"package": "name: x\nlayers: 3\n", "as_of": "", "mode": "enforced"})
    assert broken.status_code == 422 and "could not be checked" in broken.text
