"""``/jobs``: a ``screen-batch`` of an uploaded file as a background job (:mod:`exportgate.api.jobs`), its
progress, and its output."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, JSONResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from exportgate.api import jobs
from exportgate.api.deps import ServiceDep, requires
from exportgate.errors import InputError
from exportgate.store.accounts import Actor, Permission

router = APIRouter(tags=["jobs"])
Screener = Annotated[Actor, Depends(requires(Permission.SCREEN))]
MEDIA = {"csv": "text/csv", "jsonl": "application/x-ndjson", "parquet": "application/vnd.apache.parquet"}

_UPLOAD = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"],
    "properties": {
        "file": {"type": "string", "format": "binary",
                 "description": "the parties: CSV (a header with a `name` column), JSON lines or Parquet"},
        "format": {"type": "string", "enum": list(jobs.FORMATS),
                   "description": "the file's format (default: from its name's suffix)"},
        "out_format": {"type": "string", "enum": list(jobs.FORMATS),
                       "description": "the output's format (default: the input's)"},
        "threshold": {"type": "number", "minimum": 0, "maximum": 1,
                      "description": "report matches scoring at least this"},
    }}}}}}


class JobSubmitted(BaseModel):
    """A job just submitted: ask ``GET /jobs/{job}`` how it goes."""

    job: str
    status: jobs.JobStatus
    rows_total: int


def _field(form: Any, name: str) -> str | None:
    value = form.get(name)
    if value is None or isinstance(value, UploadFile):
        return None
    return str(value).strip() or None


@router.post("/jobs/screen-batch", status_code=202, response_model=JobSubmitted, openapi_extra=_UPLOAD)
async def submit(actor: Screener, request: Request, svc: ServiceDep) -> JSONResponse:
    """Screen every row of an uploaded file of parties in the background, as ``exportgate screen-batch``
    does (202: the job's id; rows that cannot be screened are reported, they do not stop the job)."""
    ctype = request.headers.get("content-type", "")
    if not ctype.lower().startswith("multipart/form-data"):
        raise InputError("body", "must be multipart/form-data with the file in the field `file`")
    try:
        form = await request.form(max_files=1, max_fields=10)
    except Exception:
        raise InputError("body", "the multipart form could not be read") from None
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise InputError("file", "required: the file of parties to screen")
    name = Path(upload.filename or "upload").name
    fmt = _field(form, "format") or Path(name).suffix.lstrip(".") or "csv"
    threshold_text = _field(form, "threshold")
    try:
        threshold = float(threshold_text) if threshold_text is not None else None
    except ValueError:
        raise InputError("threshold", "must be a number from 0 to 1") from None
    data = await upload.read()
    job = await run_in_threadpool(jobs.submit_screen_batch, svc, actor, data, fmt,
                                  out_format=_field(form, "out_format"), threshold=threshold, filename=name)
    return JSONResponse(JobSubmitted(job=job.id, status=job.status, rows_total=job.rows_total).model_dump(),
                        status_code=202, headers={"Location": f"/jobs/{job.id}"})


@router.get("/jobs", response_model=list[jobs.JobView])
def list_jobs(actor: Screener, svc: ServiceDep) -> list[jobs.JobView]:
    """Your jobs, newest first."""
    return jobs.list_jobs(svc, actor)


@router.get("/jobs/{job_id}", response_model=jobs.JobView)
def get_job(actor: Screener, job_id: str, svc: ServiceDep) -> jobs.JobView:
    """A job of yours: queued, running, done or failed; rows done of the total, rows per second, bad rows."""
    return jobs.get_job(svc, actor, job_id)


@router.get("/jobs/{job_id}/result", response_class=FileResponse,
            responses={200: {"content": {m: {} for m in MEDIA.values()}, "description": "the output file"},
                       409: {"description": "the job is not done"}})
def result(actor: Screener, job_id: str, svc: ServiceDep) -> Any:
    """The output of a finished job (409 while it is queued or running, or when it failed)."""
    from exportgate.api.app import _errors

    try:
        path = jobs.result_path(svc, actor, job_id)
    except InputError as exc:
        if type(exc) is not InputError:
            raise
        return _errors([{"field": exc.field, "problem": exc.problem}], status=409)
    job = jobs.get_job(svc, actor, job_id)
    return FileResponse(path, media_type=MEDIA[job.output_format], filename=jobs.download_name(job))
