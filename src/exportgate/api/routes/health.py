"""``GET /health``: the one route that needs no key. Ready (200) only once this process has its rules and its
screener loaded (the lifespan loads them at start-up); before that 503, so a load balancer or a start-up
script waits for a worker that can answer at full speed."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from exportgate import __version__

router = APIRouter(tags=["health"])


class Health(BaseModel):
    """Whether this worker is ready, and what it runs."""

    status: Literal["ok", "starting"]
    ready: bool
    version: str
    rules_sha256: str | None
    #: the date of each list the screener holds (empty until it is loaded)
    lists_as_of: dict[str, str]


def readiness(request: Request) -> Health:
    """This process's readiness: the service open, the rules parsed, the screener's index loaded."""
    state = request.app.state
    svc = getattr(state, "service", None)
    if svc is None or not getattr(state, "ready", False):
        return Health(status="starting", ready=False, version=__version__, rules_sha256=None, lists_as_of={})
    lists = {str(k): str(v) for k, v in dict(getattr(svc.screener, "lists_as_of", {}) or {}).items()}
    return Health(status="ok", ready=True, version=__version__, rules_sha256=svc.rules.sha256, lists_as_of=lists)


@router.get("/health", response_model=Health, responses={503: {"model": Health, "description": "not ready yet"}})
def health(request: Request) -> JSONResponse:
    """Ready (200) once the rules and the screener are loaded; 503 while the worker is starting."""
    found = readiness(request)
    return JSONResponse(found.model_dump(mode="json"), status_code=200 if found.ready else 503)
