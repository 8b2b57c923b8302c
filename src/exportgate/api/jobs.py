"""Jobs: work too long for one request, run in the background and asked about later. Two kinds: a
``screen-batch`` of an uploaded file of parties (CSV, JSON lines or Parquet), screened exactly as
``exportgate screen-batch`` screens it (:func:`exportgate.screen.batch.run_batch`), and a ``lists-update``
(``exportgate lists update`` with its re-screen: :meth:`exportgate.store.service.Service.update_lists`).

The Python surface (the API's ``/jobs`` routes and the web pages call it; no HTTP needed)::

    from exportgate.api.jobs import submit_screen_batch, get_job, list_jobs, result_path, JobView
    job = submit_screen_batch(svc, actor, Path("parties.csv"), "csv")   # -> JobView (status "queued")
    job = submit_screen_batch(svc, actor, raw_bytes, "jsonl", out_format="csv", threshold=0.9,
                              filename="upload.jsonl")
    job = get_job(svc, actor, job.id)        # status queued | running | done | failed; rows_done / rows_total,
                                             # rows_per_second, bad_rows (rows that could not be screened), error
    jobs = list_jobs(svc, actor)             # the actor's jobs, newest first
    path = result_path(svc, actor, job.id)   # the output file once done (InputError "job" before: HTTP 409)
    name = download_name(job)                # what to call it in a download: "<upload stem>-screened.<ext>"
    job = submit_lists_update(svc, admin, ["https://.../sdn.csv"], rescreen=True)   # -> JobView (queued)
    get_job(svc, admin, job.id).stage        # downloading | recording | re-screening; .result once done
    prune_jobs(home)                         # finished jobs older than the retention removed (submit does it)

Every function takes the service and the acting user first: submitting needs the ``screen`` permission, and a
job is visible to the user who submitted it only (anyone else: NotFound, as if it did not exist). A bad upload
(unknown format, no ``name`` column, not Parquet, not UTF-8 ...) is an InputError at submission, naming the
problem, before any job exists. Submitting writes an audit line (``job.submit``: the job, the input's
SHA-256, the rows; a lists update: its sources and whether it re-screens).

Where jobs live: files, not memory, so that any worker process of ``exportgate serve --workers N`` answers
for any job: ``<data home>/jobs/<id>/`` (0700) holds ``job.json`` (the state, replaced atomically: written to
a temporary file, then renamed), the upload ``input.<ext>``, the output ``result.<ext>`` (put in place by
``run_batch`` only when complete) and ``log.txt``. A job runs in a process of its own
(``python -m exportgate.api.jobs run DIR``), started in its own session so it outlives the worker that
started it; it waits for one of ``EXPORTGATE_JOB_SLOTS`` slots (default 1: a batch takes a core; file locks
shared by every worker) while ``queued``, screens with one process (``workers=1``), and rewrites
``job.json`` with its progress at most every half second. A job whose process is gone before it finished (killed,
the machine restarted) is reported ``failed`` ("stopped before it finished").

A lists update runs the same way (its own process, ``job.json`` with its ``stage``), without waiting for a
slot (it downloads, then writes the store: it does not compete with a batch for a core for long), as the user
who submitted it, read again from the store when it starts (disabled meanwhile: it fails); the process is
given the store's URL in its environment (``EXPORTGATE_DB_URL``), never in ``job.json``. Done, its ``result``
is what ``POST /lists/update`` answered when it ran in the request: the version, the lists, the change
recorded and the re-screen's report. The workers of ``exportgate serve`` screen against the new lists from
their next request on (they look at the active version once a second).

Retention: a finished job (done or failed) is removed with its folder (upload, output, log) once it finished
more than ``EXPORTGATE_JOB_RETENTION_DAYS`` days ago (default 7: :func:`exportgate.settings.job_retention_days`)
— by the next submission of any job, and by ``exportgate serve`` at start-up (:func:`prune_jobs`); a queued or
running job is never removed. Each removal writes an audit line (``job.prune``: the jobs removed). The audit
line of a job's submission stays.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
import shutil
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from exportgate import settings
from exportgate.errors import ExportgateError, InputError, NotFound
from exportgate.store.accounts import Actor, Permission

JobStatus = Literal["queued", "running", "done", "failed"]
JobKind = Literal["screen-batch", "lists-update"]
FORMATS: dict[str, str] = {"csv": ".csv", "jsonl": ".jsonl", "parquet": ".parquet"}
SLOTS_ENV = "EXPORTGATE_JOB_SLOTS"
#: seconds between two progress writes of a running job
PROGRESS_EVERY = 0.5
_ID_CHARS = set("0123456789abcdef")


class JobView(BaseModel):
    """A job as the API shows it."""

    model_config = ConfigDict(frozen=True)

    id: str
    kind: JobKind
    status: JobStatus
    owner: str
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    #: the uploaded file's name (as given) and format; the output's format
    input_name: str
    input_format: str
    output_format: str
    threshold: float | None = None
    rows_total: int
    rows_done: int = 0
    rows_per_second: float | None = None
    #: rows that could not be read or screened (each has status "error" and the reason in the output)
    bad_rows: int = 0
    #: rows with at least one potential or strong match
    alerts: int = 0
    #: why a failed job failed
    error: str | None = None
    #: a lists update's step while it runs: downloading, recording (the change), re-screening
    stage: str | None = None
    #: a finished lists update: the version, the lists, the change recorded, the re-screen's report
    result: dict[str, Any] | None = None


# --- where jobs live ---------------------------------------------------------------------------------------


def jobs_dir(home: Path | None = None) -> Path:
    """``<data home>/jobs`` (made 0700 when missing)."""
    return settings.private_dir(settings.home(home) / "jobs")


def _job_dir(home: Path | None, job_id: str) -> Path:
    if not (isinstance(job_id, str) and len(job_id) == 16 and set(job_id) <= _ID_CHARS):
        raise NotFound("job", "no such job")
    return jobs_dir(home) / job_id


def _write_state(folder: Path, state: dict[str, Any]) -> None:
    """``job.json`` replaced at once (a reader sees the old state or the new one, never half of one)."""
    tmp = folder / f".job.{os.getpid()}.{threading.get_ident()}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, settings.PRIVATE_FILE_MODE)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(state, fh, default=str)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, folder / "job.json")


def _read_state(folder: Path) -> dict[str, Any]:
    try:
        state: dict[str, Any] = json.loads((folder / "job.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise NotFound("job", "no such job") from None
    return state


def _alive(pid: int | None) -> bool:
    """Whether process ``pid`` runs (a zombie does not count: it has finished)."""
    if not pid:
        return False
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (OSError, IndexError):
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _view(state: dict[str, Any]) -> JobView:
    if state.get("status") in ("queued", "running") and not _alive(state.get("pid")):
        state = {**state, "status": "failed", "error": "the job's process stopped before it finished (killed, or "
                                                       "the machine restarted): submit the file again"}
    return JobView.model_validate({k: v for k, v in state.items() if k in JobView.model_fields})


# --- the surface -------------------------------------------------------------------------------------------


def submit_screen_batch(
    service: Any,
    actor: Actor,
    upload: Path | bytes,
    fmt: str,
    *,
    out_format: str | None = None,
    threshold: float | None = None,
    filename: str | None = None,
) -> JobView:
    """Start screening an uploaded file of parties (``upload``: its path, or its bytes) in the background.

    ``fmt``: ``csv``, ``jsonl`` or ``parquet``; ``out_format``: the output's (default: the input's);
    ``threshold``: as ``screen-batch --threshold`` (0-1); ``filename``: the upload's name, as shown back.
    The file is planned (read once, not screened) before the job exists: a file that cannot be read at all
    is an InputError naming the problem."""
    actor.require(Permission.SCREEN)
    fmt = _format(fmt, "format")
    out_format = _format(out_format or fmt, "out_format")
    if threshold is not None and not (isinstance(threshold, int | float) and 0.0 <= threshold <= 1.0):
        raise InputError("threshold", "must be a number from 0 to 1")
    shown = (filename or (upload.name if isinstance(upload, Path) else f"upload{FORMATS[fmt]}"))[:200]
    home = getattr(service, "home", None)
    prune_jobs(home, service=service)
    job_id = secrets.token_hex(8)
    folder = settings.private_dir(jobs_dir(home) / job_id)
    source = folder / f"input{FORMATS[fmt]}"
    try:
        if isinstance(upload, bytes):
            fd = os.open(source, os.O_WRONLY | os.O_CREAT | os.O_EXCL, settings.PRIVATE_FILE_MODE)
            with os.fdopen(fd, "wb") as fh:
                fh.write(upload)
        else:
            shutil.copyfile(upload, source)
            source.chmod(settings.PRIVATE_FILE_MODE)
        plan = _plan(source, shown)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    now = datetime.now(UTC).isoformat()
    state: dict[str, Any] = {
        "id": job_id, "kind": "screen-batch", "status": "queued", "owner": actor.name, "created_at": now,
        "input_name": shown, "input_format": fmt, "output_format": out_format, "threshold": threshold,
        "rows_total": plan.rows, "rows_done": 0, "home": str(settings.home(home)),
    }
    _write_state(folder, state)
    service.audit_log.write("job.submit", {"job": job_id, "kind": "screen-batch", "input_name": shown,
                                           "input_sha256": plan.fingerprint, "rows": plan.rows,
                                           "threshold": threshold}, actor=actor.name)
    state["pid"] = _start(folder)
    _write_state(folder, state)
    return _view(state)


def submit_lists_update(service: Any, actor: Actor, sources: list[str] | None = None, *, rescreen: bool = True,
                        as_of: str | None = None, allow_older: bool = False) -> JobView:
    """Start ``lists update`` (``sources``: URLs or paths of list files; default the official URLs) and, unless
    ``rescreen`` is false, the re-screen, in the background (:meth:`Service.update_lists`). Refused at once
    unless the actor may update the lists (and re-screen)."""
    actor.require(Permission.LISTS_UPDATE)
    if rescreen:
        actor.require(Permission.RESCREEN)
    actor.require(Permission.SCREEN)  # to follow the job (every role has it)
    home = getattr(service, "home", None)
    prune_jobs(home, service=service)
    job_id = secrets.token_hex(8)
    folder = settings.private_dir(jobs_dir(home) / job_id)
    now = datetime.now(UTC).isoformat()
    shown = "the official list files" if not sources else f"{len(sources)} list file(s)"
    state: dict[str, Any] = {
        "id": job_id, "kind": "lists-update", "status": "queued", "owner": actor.name, "created_at": now,
        "input_name": shown, "input_format": "urls", "output_format": "json", "rows_total": 0, "rows_done": 0,
        "home": str(settings.home(home)),
        "lists": {"sources": list(sources or []), "rescreen": rescreen, "as_of": as_of, "allow_older": allow_older},
    }
    _write_state(folder, state)
    service.audit_log.write("job.submit", {"job": job_id, "kind": "lists-update", "sources": list(sources or []),
                                           "rescreen": rescreen}, actor=actor.name)
    url = service.engine.url.render_as_string(hide_password=False)
    state["pid"] = _start(folder, {settings.DB_URL_ENV: url})
    _write_state(folder, state)
    return _view(state)


def prune_jobs(home: Path | None = None, *, service: Any | None = None, now: datetime | None = None,
               retention_days: float | None = None) -> list[str]:
    """Remove the folders of finished jobs (done, failed, or whose process is gone) that finished more than the
    retention period ago (:func:`exportgate.settings.job_retention_days`), and of half-made ones (no readable
    ``job.json``) older than that; the ids removed. With ``service``, an audit line ``job.prune`` names them."""
    days = settings.job_retention_days(retention_days)
    cutoff = (now or datetime.now(UTC)).timestamp() - days * 86400
    removed: list[str] = []
    root = jobs_dir(home)
    for folder in root.iterdir():
        if not (len(folder.name) == 16 and set(folder.name) <= _ID_CHARS and folder.is_dir()):
            continue  # the slots' locks, a temporary file
        try:
            view = _view(_read_state(folder))
        except (NotFound, ValueError):  # no job.json (a submission cut short) or not a job's
            finished = folder.stat().st_mtime
        else:
            if view.status not in ("done", "failed"):
                continue
            finished = (view.finished_at.timestamp() if view.finished_at is not None
                        else (folder / "job.json").stat().st_mtime)  # its process was gone: when it last wrote
        if finished < cutoff:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder.name)
    if removed and service is not None:
        service.audit_log.write("job.prune", {"jobs": sorted(removed), "retention_days": days})
    return sorted(removed)


def get_job(service: Any, actor: Actor, job_id: str) -> JobView:
    """A job of the actor's (NotFound for any other, or none)."""
    actor.require(Permission.SCREEN)
    state = _read_state(_job_dir(getattr(service, "home", None), job_id))
    if state.get("owner") != actor.name:
        raise NotFound("job", "no such job")
    return _view(state)


def list_jobs(service: Any, actor: Actor, limit: int = 50, kind: str | None = None) -> list[JobView]:
    """The actor's jobs (of one ``kind``, or all), newest first (at most ``limit``)."""
    actor.require(Permission.SCREEN)
    found = []
    for folder in jobs_dir(getattr(service, "home", None)).iterdir():
        with contextlib.suppress(NotFound):
            state = _read_state(folder)
            if state.get("owner") == actor.name and kind in (None, state.get("kind")):
                found.append(state)
    found.sort(key=lambda s: str(s.get("created_at")), reverse=True)
    return [_view(s) for s in found[:limit]]


def result_path(service: Any, actor: Actor, job_id: str) -> Path:
    """The output file of a finished job of the actor's; InputError (field ``job``) while it is not done."""
    job = get_job(service, actor, job_id)
    if job.kind != "screen-batch":
        raise InputError("job", f"a {job.kind} job has no output file: its result is in the job itself")
    if job.status != "done":
        raise InputError("job", f"the job is {job.status}: its result is there once it is done"
                         + (f" ({job.error})" if job.error else ""))
    return _job_dir(getattr(service, "home", None), job_id) / f"result{FORMATS[job.output_format]}"


def download_name(job: JobView) -> str:
    """The name to give a job's output in a download: ``<upload stem>-screened.<ext>``."""
    stem = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in Path(job.input_name).stem)[:100] or "batch"
    return f"{stem}-screened{FORMATS[job.output_format]}"


def _format(value: str | None, field: str) -> str:
    fmt = str(value or "").strip().lower().lstrip(".")
    fmt = {"ndjson": "jsonl", "pq": "parquet"}.get(fmt, fmt)
    if fmt not in FORMATS:
        raise InputError(field, f"must be one of {', '.join(FORMATS)}")
    return fmt


def _plan(source: Path, shown: str) -> Any:
    """The planning pass over the upload; its errors name the upload, not where it is kept."""
    from exportgate.screen.batch import plan_input

    try:
        return plan_input(source)
    except InputError as exc:
        problem = exc.problem.replace(str(source), shown).replace(source.name, shown)
        raise InputError("file", problem) from None


# --- running ------------------------------------------------------------------------------------------------


def _start(folder: Path, env: dict[str, str] | None = None) -> int:
    """Start the job's own process (its own session: it outlives the worker; ``env`` added to this process's
    environment); a thread reaps it when done."""
    log = os.open(folder / "log.txt", os.O_WRONLY | os.O_CREAT | os.O_APPEND, settings.PRIVATE_FILE_MODE)
    try:
        proc = subprocess.Popen([sys.executable, "-m", "exportgate.api.jobs", "run", str(folder)],
                                stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True,
                                close_fds=True, env={**os.environ, **env} if env else None)
    finally:
        os.close(log)
    threading.Thread(target=proc.wait, name=f"job-{folder.name}", daemon=True).start()
    return proc.pid


def slots() -> int:
    """How many jobs run at once on this machine (``EXPORTGATE_JOB_SLOTS``, default 1)."""
    raw = os.environ.get(SLOTS_ENV, "").strip() or "1"
    try:
        return max(1, int(raw))
    except ValueError:
        raise InputError(SLOTS_ENV, f"must be a whole number > 0, not {raw[:20]!r}") from None


@contextlib.contextmanager
def _slot(root: Path) -> Any:
    """Hold one of the :func:`slots` (a file lock every process on this machine sees) while the body runs."""
    folder = settings.private_dir(root / "slots")
    while True:
        for n in range(slots()):
            fd = os.open(folder / f"{n}.lock", os.O_RDWR | os.O_CREAT, settings.PRIVATE_FILE_MODE)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                continue
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
                os.close(fd)
            return
        time.sleep(0.2)


class _Progress:
    """``run_batch``'s progress sink: rows done, written to ``job.json`` at most every :data:`PROGRESS_EVERY` s."""

    def __init__(self, folder: Path, state: dict[str, Any]) -> None:
        self.folder, self.state = folder, state
        self.done = 0
        self.began = time.perf_counter()
        self.written = 0.0

    def start(self, total_rows: int, done_rows: int) -> None:
        self.done = done_rows
        self.state["rows_total"] = total_rows
        self.began = time.perf_counter()
        self._write(force=True)

    def advance(self, rows: int) -> None:
        self.done += rows
        self._write()

    def _write(self, force: bool = False) -> None:
        now = time.perf_counter()
        if not force and now - self.written < PROGRESS_EVERY:
            return
        self.written = now
        elapsed = now - self.began
        self.state.update(rows_done=self.done, rows_per_second=round(self.done / elapsed, 1) if elapsed > 0 else None)
        _write_state(self.folder, self.state)


def run_job(folder: Path) -> int:
    """Run the job in ``folder`` to its end (in the job's own process); 0 done, 1 failed."""
    from exportgate.screen import Screener
    from exportgate.screen.batch import BatchOptions, run_batch
    from exportgate.screen.lists import load_active

    state = _read_state(folder)
    home = Path(state["home"])
    state["pid"] = os.getpid()
    try:
        if state.get("kind") == "lists-update":
            _update_lists(folder, state, home)
            return 0
        with _slot(jobs_dir(home)):
            state.update(status="running", started_at=datetime.now(UTC).isoformat())
            _write_state(folder, state)
            screener = Screener(load_active(home))
            opts = BatchOptions(folder / f"input{FORMATS[state['input_format']]}",
                                folder / f"result{FORMATS[state['output_format']]}",
                                threshold=state.get("threshold"), engine="local", workers=1, home=home)
            progress = _Progress(folder, state)
            summary = run_batch(opts, screener, progress)
        state.update(status="done", rows_done=summary.rows, bad_rows=summary.errors, alerts=summary.alerts,
                     rows_per_second=round(summary.rows_per_second, 1), finished_at=datetime.now(UTC).isoformat())
        _write_state(folder, state)
        return 0
    except BaseException as exc:
        problem = str(exc) if isinstance(exc, ExportgateError) else f"internal error ({type(exc).__name__})"
        state.update(status="failed", error=problem, finished_at=datetime.now(UTC).isoformat())
        _write_state(folder, state)
        if not isinstance(exc, Exception):
            raise
        print(f"job failed: {exc!r}", file=sys.stderr)
        return 1


def _update_lists(folder: Path, state: dict[str, Any], home: Path) -> None:
    """A lists-update job: the update, the change recorded and the re-screen, as its owner; its result."""
    from exportgate.store.service import Service

    def stage(name: str) -> None:
        state["stage"] = name
        _write_state(folder, state)

    state.update(status="running", started_at=datetime.now(UTC).isoformat())
    stage("downloading")
    opts = state["lists"]
    with Service.open(None, home=home) as svc:  # the store's URL: the environment the worker gave
        actor = svc.users.actor(state["owner"])
        if actor is None:
            raise ExportgateError(f"user {state['owner']!r} is disabled or gone: the update was not run")
        result, change, report = svc.update_lists(actor, opts["sources"] or None, rescreen=opts["rescreen"],
                                                  as_of=opts["as_of"], allow_older=opts["allow_older"],
                                                  progress=stage)
    state.update(status="done", stage=None, finished_at=datetime.now(UTC).isoformat(), result={
        "version": result.version,
        "lists": {k: {f: v for f, v in src.to_json().items() if f != "path"}
                  for k, src in sorted(result.snapshot.sources.items())},
        "change": change.model_dump(mode="json"),
        "rescreen": report.model_dump(mode="json") if report is not None else None})
    _write_state(folder, state)


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "run":
        print("usage: python -m exportgate.api.jobs run JOB_DIR", file=sys.stderr)
        sys.exit(2)
    sys.exit(run_job(Path(sys.argv[2])))
