"""Issue 14: every route but /health needs an API key; what the API runs is stored as a case, by its actor."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from exportgate.store.accounts import Actor


def _one_error(response: Any, status: int, field: str) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert list(body) == ["errors"] and len(body["errors"]) == 1 and body["errors"][0]["field"] == field, body
    problem: str = body["errors"][0]["problem"]
    return problem


def test_no_key_and_bad_keys_are_401_with_the_bearer_challenge(team: Any, api_client: Any) -> None:
    anonymous: TestClient = api_client(team, None)
    for response in (anonymous.post("/screen", json={"name": "Bank Melli Iran"}),
                     anonymous.post("/screen", content=b"{not json", headers={"content-type": "application/json"}),
                     anonymous.get("/rules"),
                     anonymous.post("/screen", json={"name": "x"}, headers={"Authorization": "Bearer eg_nope"}),
                     anonymous.post("/screen", json={"name": "x"}, headers={"Authorization": "Basic YTpi"}),
                     anonymous.post("/screen", json={"name": "x"},
                                    headers={"Authorization": "Bearer " + team.keys["admin"][:-2] + "xx"})):
        _one_error(response, 401, "authorization")
        assert response.headers["www-authenticate"] == "Bearer"
    assert anonymous.get("/health").status_code == 200


def test_a_disabled_user_and_a_rotated_key_are_refused_at_once(make_team: Any, api_client: Any, tmp_path: Any) -> None:
    team = make_team(f"sqlite:///{tmp_path / 'keys.db'}")
    analyst: TestClient = api_client(team, "analyst")
    assert analyst.get("/rules").status_code == 200
    admin = team.service.users.authenticate_key(team.keys["admin"])
    team.service.users.disable(admin, "ann")
    assert "disabled" in _one_error(analyst.get("/rules"), 401, "authorization")
    team.service.users.enable(admin, "ann")
    assert analyst.get("/rules").status_code == 200
    team.service.users.rotate_key(admin, "ann")
    _one_error(analyst.get("/rules"), 401, "authorization")


@pytest.mark.parametrize("role", ["analyst", "reviewer", "admin"])
def test_a_screening_through_the_api_is_a_case_of_its_actor(team: Any, api_client: Any, role: str) -> None:
    client: TestClient = api_client(team, role)
    out = client.post("/screen", json={"name": "Bank Melli Iran", "country": "IR"}).json()
    assert "ofac_sdn:25578" in {m["entity_id"] for m in out["matches"]}
    case = team.service.cases.get(Actor.local("t"), out["case_id"])
    assert case.kind == "screen" and case.created_by == {"analyst": "ann", "reviewer": "rex", "admin": "ada"}[role]
    assert out["case_status"] == case.status == "review"
    assert {a.entity_id for a in case.alert_list} >= {"ofac_sdn:25578"}
