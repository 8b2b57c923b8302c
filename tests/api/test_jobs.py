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
from typer.testing import CliRunner

from exportgate.api import jobs
from exportgate.cli import app

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
    cli_run = CliRunner().invoke(app, ["screen-batch", str(tmp_path / "in.csv"), "--out", str(tmp_path / "out.jsonl"),
                                       "--workers", "1"])
    assert cli_run.exit_code == 1, cli_run.output  # 1: a row could not be screened (row 3 has no name)
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


# --- retention ----------------------------------------------------------------------------------------------


def _job(folder: Path, status: str, finished: str | None, pid: int | None = None) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    state = {"id": folder.name, "kind": "screen-batch", "status": status, "owner": "ann",
             "created_at": "2026-01-01T00:00:00+00:00", "input_name": "p.csv", "input_format": "csv",
             "output_format": "csv", "rows_total": 1, "pid": pid}
    if finished is not None:
        state["finished_at"] = finished
    jobs._write_state(folder, state)
    (folder / "result.csv").write_text("id,name\n")


def test_finished_jobs_past_their_retention_are_removed(team: Any, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import os
    from datetime import UTC, datetime

    from exportgate.errors import InputError

    home = tmp_path / "home"
    root = jobs.jobs_dir(home)
    now = datetime(2026, 3, 1, tzinfo=UTC)
    ids = {name: f"{n:016x}" for n, name in enumerate(
        ("old done", "old failed", "recent done", "old running", "old dead", "half made", "recent dead"), 1)}
    _job(root / ids["old done"], "done", "2026-02-20T00:00:00+00:00")
    _job(root / ids["old failed"], "failed", "2026-02-01T00:00:00+00:00")
    _job(root / ids["recent done"], "done", "2026-02-28T00:00:00+00:00")
    _job(root / ids["old running"], "running", None, pid=os.getpid())  # a live process: never removed
    _job(root / ids["old dead"], "running", None, pid=2 ** 22 + 7)     # its process gone: failed, when it last wrote
    _job(root / ids["recent dead"], "running", None, pid=2 ** 22 + 7)
    (root / ids["half made"]).mkdir()                                  # a submission cut short: no job.json
    week_ago = now.timestamp() - 8 * 86400
    for name in ("old dead", "half made"):
        os.utime(root / ids[name] / ("job.json" if name == "old dead" else ""), (week_ago, week_ago))
    os.utime(root / ids["half made"], (week_ago, week_ago))
    for name in ("recent dead",):
        os.utime(root / ids[name] / "job.json", (now.timestamp(), now.timestamp()))

    removed = jobs.prune_jobs(home, service=team.service, now=now)  # the default: 7 days
    assert removed == sorted(ids[n] for n in ("old done", "old failed", "old dead", "half made"))
    assert sorted(p.name for p in root.iterdir() if p.name != "slots") == sorted(
        ids[n] for n in ("recent done", "old running", "recent dead"))
    line = team.service.audit_log.events(event="job.prune")[-1]
    assert line.payload == {"jobs": removed, "retention_days": 7.0}
    assert team.service.audit_log.verify().ok

    monkeypatch.setenv("EXPORTGATE_JOB_RETENTION_DAYS", "0.5")  # the setting: half a day
    assert jobs.prune_jobs(home, now=now) == [ids["recent done"]]
    for bad in ("0", "-1", "a week", "inf"):
        monkeypatch.setenv("EXPORTGATE_JOB_RETENTION_DAYS", bad)
        with pytest.raises(InputError) as err:
            jobs.prune_jobs(home, now=now)
        assert err.value.field == "EXPORTGATE_JOB_RETENTION_DAYS"


def test_a_submission_removes_the_jobs_past_their_retention(team: Any, api_client: Any) -> None:
    old = jobs.jobs_dir() / "00000000000000ff"
    _job(old, "done", "2000-01-01T00:00:00+00:00")
    client: TestClient = api_client(team, "analyst")
    job_id = client.post("/jobs/screen-batch", files={"file": ("p.csv", CSV.encode())}).json()["job"]
    assert not old.exists()
    assert _wait(client, job_id)["status"] == "done"


# --- a lists update as a job ------------------------------------------------------------------------------------


def test_a_lists_update_is_a_job_with_its_steps_and_result(make_team: Any, api_client: Any, tmp_path: Path,
                                                            warm_index: Any) -> None:
    """POST /lists/update answers 202 at once; the job downloads from a local server, activates the new lists,
    records the change and re-screens the stored party that the added entry now matches; GET /jobs/{id} says
    so. The analyst's key may not start one; a bad source is refused before any job exists."""
    import gzip
    import threading
    from functools import partial
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    from exportgate.screen.lists._data import data_dir
    from exportgate.screen.lists.versions import active_name
    from exportgate.store.service import Service

    home = tmp_path / "home"
    team = make_team(f"sqlite:///{tmp_path / 'lists.db'}")
    svc = Service.open(f"sqlite:///{tmp_path / 'lists.db'}", home=home, screener=warm_index)
    team.service = svc
    added = "NORTHWIND QUANTUM TRADING LLC"
    analyst: TestClient = api_client(team, "analyst")
    assert analyst.post("/screen", json={"name": added}).status_code == 200  # stored: a party to re-screen
    text = gzip.decompress((data_dir() / "sdn_2024-05-03.csv.gz").read_bytes()).decode("utf-8")
    rows = text.rstrip("\x1a").splitlines()
    rows.append(f'999901,"{added}",-0- ,"IRAN",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ')
    served = tmp_path / "served"
    served.mkdir()
    (served / "sdn.csv").write_text("\r\n".join(rows) + "\r\n\x1a", encoding="utf-8", newline="")

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(served)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/sdn.csv"
        assert analyst.post("/lists/update", json={"sources": [url]}).status_code == 403
        admin: TestClient = api_client(team, "admin")
        refused = admin.post("/lists/update", json={"sources": [url], "as_of": "10 May"})
        assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "as_of"
        before = set(p.name for p in jobs.jobs_dir(home).iterdir())
        submitted = admin.post("/lists/update", json={"sources": [url], "as_of": "2024-05-10"})
        assert submitted.status_code == 202, submitted.text
        job_id = submitted.json()["job"]
        assert submitted.json()["status"] == "queued" and submitted.headers["location"] == f"/jobs/{job_id}"
        assert set(p.name for p in jobs.jobs_dir(home).iterdir()) - before == {job_id}
        stages = set()
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            job = admin.get(f"/jobs/{job_id}").json()
            stages.add(job["stage"])
            if job["status"] in ("done", "failed"):
                break
            time.sleep(0.1)
    finally:
        server.shutdown()
    assert job["status"] == "done", job
    assert job["kind"] == "lists-update" and job["stage"] is None and stages <= {
        None, "downloading", "recording", "re-screening"}
    result = job["result"]
    assert result["version"] == active_name(home)
    assert result["lists"]["ofac_sdn"]["as_of"] == "2024-05-10" and "path" not in result["lists"]["ofac_sdn"]
    assert result["change"]["added"] >= 1
    assert result["rescreen"]["alerts_opened"] == 1
    assert "lists.update" in {line.event for line in svc.audit_log.events()}
    assert admin.get(f"/jobs/{job_id}/result").status_code == 409  # no file: the result is in the job
    assert analyst.get(f"/jobs/{job_id}").status_code == 404       # the admin's job
    assert job_id in {j["id"] for j in admin.get("/jobs").json()}
    svc.close()
