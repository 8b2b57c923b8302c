"""Issue 14's role matrix: every route × {no key, bad key, analyst, reviewer, admin} gets the documented status,
on a SQLite store and on a PostgreSQL one (``team_both``).

The permissions come from the routes themselves (``exportgate.api.roles.route_rules``); the docs' table is
generated from the same rules (checked below). This file only says how to call each route and what a
permitted caller gets: a request for an id that does not exist is a 404 for a permitted role and a 403 for
any other (the permission is checked before anything is looked up).
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from exportgate.api import create_app, jobs
from exportgate.api.roles import roles_markdown, route_rules

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = json.loads(json.dumps(yaml.safe_load((ROOT / "examples" / "01-japan-sovereign-cloud.yaml").read_text()),
                                default=str))
CASE = {"date": "2024-06-01", "transaction": "export", "origin": "US", "destination": "JP",
        "item": {"eccn": "EAR99"}, "end_user": {"name": "Example KK", "located_in": "JP"}}
NO_JOB = "0123456789abcdee"


def _new_user() -> dict[str, Any]:
    return {"json": {"name": f"u{uuid.uuid4().hex[:10]}", "role": "analyst"}}


#: (method, path) -> (request options, or a function making them; the status a permitted caller gets)
CALLS: dict[tuple[str, str], tuple[Any, int]] = {
    ("GET", "/health"): ({}, 200),
    ("GET", "/rules"): ({"params": {"as_of": "2025-01-01"}}, 200),
    ("GET", "/countries/{code}"): ({"path": "/countries/JP"}, 200),
    ("POST", "/classify"): ({"json": {"kind": "integrated_circuit", "dense_tops": {"int8": 2}, "aggregate_bidirectional_io_gbps": 10}}, 200),
    ("POST", "/determine"): ({"json": CASE}, 200),
    ("POST", "/screen"): ({"json": {"name": "Acme Widgets Ltd"}}, 200),
    ("POST", "/check"): ({"json": PACKAGE}, 200),
    ("POST", "/check/memo"): ({"json": PACKAGE}, 200),
    ("POST", "/jobs/screen-batch"): ({"files": {"file": ("p.csv", b"name\nAcme Widgets Ltd\n")}}, 202),
    ("GET", "/jobs"): ({}, 200),
    ("GET", "/jobs/{job_id}"): ({"path": f"/jobs/{NO_JOB}"}, 404),
    ("GET", "/jobs/{job_id}/result"): ({"path": f"/jobs/{NO_JOB}/result"}, 404),
    ("GET", "/cases"): ({}, 200),
    ("GET", "/cases/{case_id}"): ({"path": "/cases/999999"}, 404),
    ("POST", "/cases/{case_id}/sign-off"): ({"path": "/cases/999999/sign-off", "json": {"comment": "ok"}}, 404),
    ("POST", "/cases/{case_id}/record"): ({"path": "/cases/999999/record", "json": {}}, 404),
    ("GET", "/alerts"): ({"params": {"status": "open"}}, 200),
    ("GET", "/alerts/{alert_id}"): ({"path": "/alerts/999999"}, 404),
    ("POST", "/alerts/{alert_id}/decision"): ({"path": "/alerts/999999/decision", "json": {"status": "escalated"}},
                                              404),
    ("GET", "/ledger"): ({}, 200),
    ("GET", "/lists"): ({}, 200),
    # an admin's update is refused before anything is downloaded: the API reads no file on the server
    ("POST", "/lists/update"): ({"json": {"sources": ["/etc/passwd"]}}, 422),
    ("GET", "/users"): ({}, 200),
    ("POST", "/users"): (_new_user, 201),
    ("POST", "/users/{name}/disable"): ({"path": "/users/nobody/disable"}, 404),
    ("POST", "/users/{name}/enable"): ({"path": "/users/nobody/enable"}, 404),
    ("POST", "/users/{name}/rotate-key"): ({"path": "/users/nobody/rotate-key"}, 404),
    ("GET", "/audit/verify"): ({}, 200),
    ("GET", "/landscape/countries"): ({"params": {"top": 3}}, 200),
    ("GET", "/landscape/country/{code}"): ({"path": "/landscape/country/CN"}, 200),
    ("GET", "/landscape/compare"): ({"params": {"country": ["CN", "US"]}}, 200),
}

RULES = route_rules(create_app())
CALLERS = ("no key", "bad key", "analyst", "reviewer", "admin")


@pytest.fixture(autouse=True)
def _no_job_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """The matrix asks who may submit a job and what they are answered (202 and the job), not how the job runs
    (test_jobs.py): the job is made and recorded as for any caller, but its process is not started (each would
    load the index and screen the upload: about 1 s of CPU, for each permitted role on each store). The job
    is left queued, under a live process id (this one), so nothing takes it for a dead job."""
    monkeypatch.setattr(jobs, "_start", lambda folder, env=None: os.getpid())


def test_every_route_is_in_the_matrix() -> None:
    assert {(r.method, r.path) for r in RULES} == set(CALLS)


def test_the_docs_show_the_table_the_routes_enforce() -> None:
    docs = (ROOT / "docs" / "usage" / "service.md").read_text(encoding="utf-8")
    assert roles_markdown(create_app()) in docs, "docs/usage/service.md: paste exportgate.api.roles.roles_markdown"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: f"{r.method} {r.path}")
def test_the_role_matrix(team_both: Any, api_client: Any, rule: Any) -> None:
    team = team_both
    options, ok = CALLS[(rule.method, rule.path)]
    for caller in CALLERS:
        opts = dict(options() if callable(options) else options)
        path = opts.pop("path", rule.path)
        if caller in ROLES_OF:
            client: TestClient = api_client(team, caller)
        else:
            client = api_client(team, None)
            if caller == "bad key":
                opts["headers"] = {"Authorization": "Bearer eg_000000000000_" + "A" * 43}
        response = client.request(rule.method, path, **opts)
        if rule.public:
            expected = ok
        elif caller in ("no key", "bad key"):
            expected = 401
        else:
            expected = ok if rule.allows(caller) else 403
        assert response.status_code == expected, (caller, response.text[:500])
        if expected >= 400:
            body = response.json()
            assert list(body) == ["errors"] and all(set(e) == {"field", "problem"} for e in body["errors"])
        if expected == 401:
            assert response.headers["www-authenticate"] == "Bearer"


ROLES_OF = ("analyst", "reviewer", "admin")
