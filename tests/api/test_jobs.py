"""POST /jobs/screen-batch: an uploaded file screened in the background, asked about from any process."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from exportgate.api import jobs

CSV = "id,name,country\n1,Bank Melli Iran,IR\n2,Acme Widgets Ltd,GB\n3,,\n4,Huawei Technologies Co Ltd,CN\n"


def _wait(client: TestClient, job_id: str, seconds: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job: dict[str, Any] = client.get(f"/jobs/{job_id}").json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish in {seconds} s")


def test_a_batch_job_screens_the_upload_as_screen_batch_does(team: Any, api_client: Any, tmp_path: Path) -> None:
    client: TestClient = api_client(team, "analyst")
    submitted = client.post("/jobs/screen-batch", files={"file": ("parties.csv", CSV.encode(), "text/csv")},
                            data={"out_format": "jsonl"})
    assert submitted.status_code == 202, submitted.text
    job_id = submitted.json()["job"]
    assert submitted.json()["rows_total"] == 4 and submitted.headers["location"] == f"/jobs/{job_id}"
    early = client.get(f"/jobs/{job_id}/result")
    job = _wait(client, job_id)
    assert job["status"] == "done", job
    assert early.status_code in (200, 409)
    assert (job["rows_total"], job["rows_done"], job["bad_rows"]) == (4, 4, 1) and job["alerts"] >= 1
    out = client.get(f"/jobs/{job_id}/result")
    assert out.status_code == 200 and "parties-screened.jsonl" in out.headers["content-disposition"]
    rows = [json.loads(line) for line in out.text.splitlines()]
    # the same output as the command line's screen-batch of the same file
    (tmp_path / "in.csv").write_text(CSV)
    subprocess.run([str(Path(sys.executable).parent / "exportgate"), "screen-batch", str(tmp_path / "in.csv"), "--out",
                    str(tmp_path / "out.jsonl"), "--workers", "1"], capture_output=True, check=False, timeout=120)
    cli = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert [(r["id"], r["status"], r["best_entity_id"]) for r in rows] == [
        (r["id"], r["status"], r["best_entity_id"]) for r in cli]
    assert [r["status"] for r in rows] == ["ok", "ok", "error", "ok"]
    assert job_id in {j["id"] for j in client.get("/jobs").json()}
    # another user does not see it
    other: TestClient = api_client(team, "reviewer")
    assert other.get(f"/jobs/{job_id}").status_code == 404
    assert other.get(f"/jobs/{job_id}/result").status_code == 404


def test_a_job_is_answered_by_another_process(team: Any, api_client: Any) -> None:
    """The state is a file: a second process (another worker) reads the same job."""
    client: TestClient = api_client(team, "analyst")
    job_id = client.post("/jobs/screen-batch", files={"file": ("p.csv", CSV.encode())}).json()["job"]
    _wait(client, job_id)
    script = ("import sys, json; from exportgate.api import jobs; from exportgate.store.service import Service; "
              "svc = Service.open(sys.argv[1]); actor = svc.users.authenticate_key(sys.argv[2]); "
              "print(jobs.get_job(svc, actor, sys.argv[3]).model_dump_json())")
    proc = subprocess.run([sys.executable, "-c", script, str(team.service.url), team.keys["analyst"], job_id],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr[-2000:]
    seen = json.loads(proc.stdout)
    assert seen["status"] == "done" and seen["rows_done"] == 4


@pytest.mark.parametrize(("files", "data", "field"), [
    ({"file": ("p.txt", b"name\nx\n")}, {}, "format"),
    ({"file": ("p.csv", b"who,country\nx,IR\n")}, {}, "file"),
    ({"file": ("p.parquet", b"not parquet")}, {}, "file"),
    ({"file": ("p.csv", CSV.encode())}, {"threshold": "2"}, "threshold"),
    ({"file": ("p.csv", CSV.encode())}, {"out_format": "xlsx"}, "out_format"),
    ({}, {"format": "csv"}, "file"),
])
def test_a_bad_upload_is_a_422_naming_the_field(team: Any, api_client: Any, files: dict[str, Any],
                                                data: dict[str, str], field: str) -> None:
    client: TestClient = api_client(team, "analyst")
    response = client.post("/jobs/screen-batch", files=files or {"other": ("x", b"x")}, data=data)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == field
    assert str(jobs.jobs_dir()) not in response.text


def test_a_job_whose_process_died_is_failed(team: Any) -> None:
    folder = jobs.jobs_dir() / "0123456789abcdef"
    folder.mkdir(exist_ok=True)
    jobs._write_state(folder, {"id": folder.name, "kind": "screen-batch", "status": "running", "owner": "ann",
                               "created_at": "2026-12-01T00:00:00+00:00", "input_name": "p.csv",
                               "input_format": "csv", "output_format": "csv", "rows_total": 3, "pid": 2 ** 22 + 7})
    actor = team.service.users.authenticate_key(team.keys["analyst"])
    job = jobs.get_job(team.service, actor, folder.name)
    assert job.status == "failed" and "stopped before it finished" in (job.error or "")
