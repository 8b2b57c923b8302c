"""The batch page: upload a file of parties (CSV, JSON lines, Parquet) -> a background job with a live progress
bar and rows/s -> the results to download, and the rows that could not be screened.

The jobs are the API's (:mod:`exportgate.api.jobs`: one process per job, its state in files under the data
home, visible to the user who submitted it only). The pages sit below the API in the layers, so the API hands
its job runner to :func:`exportgate.web.mount` (any object with :class:`JobRunner`'s functions). The progress
bar polls ``/web/batch/{job}/status`` (JSON) with plain JavaScript; without it, the page says to reload.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any, Protocol

from fastapi import File, Form, Request, UploadFile
from fastapi.responses import FileResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from exportgate.errors import InputError
from exportgate.store.accounts import Actor
from exportgate.web.core import PREFIX, Csrf, SignedIn, page, page_router, redirect, service

router = page_router()
FORMATS = ("csv", "jsonl", "parquet")
MEDIA = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson", "parquet": "application/vnd.apache.parquet"}
#: the most rows that could not be screened listed on the page (the output has them all)
SHOWN_BAD_ROWS = 50


class JobRunner(Protocol):
    """What the batch page needs of a job runner (:mod:`exportgate.api.jobs` has it)."""

    def submit_screen_batch(self, service: Any, actor: Actor, upload: Path | bytes, fmt: str, *,
                            out_format: str | None = None, threshold: float | None = None,
                            filename: str | None = None) -> Any: ...

    def get_job(self, service: Any, actor: Actor, job_id: str) -> Any: ...

    def list_jobs(self, service: Any, actor: Actor, limit: int = 50, kind: str | None = None) -> list[Any]: ...

    def result_path(self, service: Any, actor: Actor, job_id: str) -> Path: ...

    def download_name(self, job: Any) -> str: ...


def runner(request: Request) -> JobRunner:
    found: JobRunner | None = getattr(request.app.state, "web_jobs", None)
    if found is None:
        raise InputError("batch", "this server runs no batch jobs")
    return found


def bad_rows(path: Path, fmt: str, limit: int = SHOWN_BAD_ROWS) -> list[dict[str, Any]]:
    """The first ``limit`` rows of a batch output whose status is ``error`` (row number, id, name, the reason)."""
    keep = ("row", "id", "name", "error")
    out: list[dict[str, Any]] = []
    if fmt == "parquet":
        import pyarrow.parquet as pq

        for batch in pq.ParquetFile(path).iter_batches(columns=[*keep, "status"]):
            for row in batch.to_pylist():
                if row.get("status") == "error":
                    out.append({k: row.get(k) for k in keep})
                    if len(out) >= limit:
                        return out
        return out
    with path.open(encoding="utf-8", newline="") as fh:
        rows = csv.DictReader(fh) if fmt == "csv" else (json.loads(line) for line in fh if line.strip())
        for row in rows:
            if row.get("status") == "error":
                out.append({k: row.get(k) for k in keep})
                if len(out) >= limit:
                    break
    return out


@router.get("/batch")
def batch_form(request: Request, actor: SignedIn) -> Response:
    jobs = runner(request).list_jobs(service(request), actor, limit=20, kind="screen-batch")
    return page(request, "batch.html", title="Batch screening", jobs=jobs, formats=FORMATS, errors=[])


@router.post("/batch", dependencies=[Csrf])
async def submit(request: Request, actor: SignedIn, file: UploadFile | None = File(None),
                 threshold: str = Form(""), out_format: str = Form("")) -> Response:
    svc, jobs = service(request), runner(request)
    try:
        if file is None or not file.filename:
            raise InputError("file", "choose a CSV, JSON lines or Parquet file of parties")
        name = Path(file.filename).name
        fmt = Path(name).suffix.lstrip(".").lower() or "csv"
        value = None
        if threshold.strip():
            try:
                value = float(threshold)
            except ValueError:
                raise InputError("threshold", "must be a number from 0 to 1") from None
        data = await file.read()
        job = await run_in_threadpool(jobs.submit_screen_batch, svc, actor, data, fmt,
                                      out_format=out_format or None, threshold=value, filename=name)
    except InputError as exc:
        if exc.field == "actor":
            raise
        listed = jobs.list_jobs(svc, actor, limit=20, kind="screen-batch")
        return page(request, "batch.html", status=422, title="Batch screening", jobs=listed, formats=FORMATS,
                    errors=[str(exc)])
    return redirect(request, f"{PREFIX}/batch/{job.id}")


@router.get("/batch/{job_id}")
def job_page(request: Request, actor: SignedIn, job_id: str) -> Response:
    svc, jobs = service(request), runner(request)
    job = jobs.get_job(svc, actor, job_id)
    bad = bad_rows(jobs.result_path(svc, actor, job_id), job.output_format) if (
        job.status == "done" and job.bad_rows) else []
    return page(request, "batch_job.html", title=f"Batch {job.input_name}", job=job, bad=bad,
                shown=SHOWN_BAD_ROWS)


@router.get("/batch/{job_id}/status")
def job_status(request: Request, actor: SignedIn, job_id: str) -> Response:
    job = runner(request).get_job(service(request), actor, job_id)
    return JSONResponse({"state": job.status, "done": job.rows_done, "total": job.rows_total,
                         "rows_per_second": job.rows_per_second, "bad_rows": job.bad_rows, "error": job.error},
                        headers={"Cache-Control": "no-store"})


@router.get("/batch/{job_id}/download")
def download(request: Request, actor: SignedIn, job_id: str) -> Response:
    svc, jobs = service(request), runner(request)
    job = jobs.get_job(svc, actor, job_id)
    return FileResponse(jobs.result_path(svc, actor, job_id), media_type=MEDIA[job.output_format],
                        filename=jobs.download_name(job))
