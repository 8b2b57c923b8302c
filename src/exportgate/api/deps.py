"""What the routes share: the rules and the screener (loaded once per process), the compute ledger (read
per request, as ``exportgate check`` reads it), the common query parameters, and the request body.

Each is a FastAPI dependency, so a route states what it needs in its signature and a test (or a service)
can swap one with ``app.dependency_overrides``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from functools import lru_cache
from typing import Annotated, Any

from fastapi import Depends, Query, Request

from exportgate.errors import InputError
from exportgate.io import parse_date
from exportgate.rules import Mode, RuleSet, load_rules
from exportgate.screen import Screener
from exportgate.store import Ledger


def get_rules() -> RuleSet:
    """The rule data (parsed and validated once per process)."""
    return load_rules()


@lru_cache(maxsize=1)
def get_screener() -> Screener:
    """The screener over the active lists (index loaded once per process, from the cache on disk)."""
    return Screener()


@contextmanager
def open_ledger() -> Iterator[Ledger | None]:
    """The compute ledger the settings name (``EXPORTGATE_DB_URL``, else ``EXPORTGATE_HOME``), opened
    read-only exactly as ``exportgate check`` opens it: nothing is created or migrated, and no ledger yet
    is ``None`` (an empty ledger)."""
    ledger = Ledger.open_existing(None, missing_ok=True)
    try:
        yield ledger
    finally:
        if ledger is not None:
            ledger.close()


def get_ledger() -> Iterator[Ledger | None]:
    with open_ledger() as ledger:
        yield ledger


def as_of_or_today(as_of: Annotated[str | None, Query(description="Date YYYY-MM-DD (default: today).")] = None) -> date:
    return date.today() if as_of is None else parse_date(as_of, "as_of")


def as_of_or_none(
    as_of: Annotated[str | None, Query(description="Date YYYY-MM-DD (default: the package's date).")] = None,
) -> date | None:
    return None if as_of is None else parse_date(as_of, "as_of")


def mode(
    mode: Annotated[str, Query(description="enforced (what BIS enforces) or text (what the CFR says).")] = "enforced",
) -> Mode:
    return Mode.parse(mode, "mode")


async def json_body(request: Request) -> Any:
    """The request's JSON document, parsed by the domain's own parser afterwards (so the API accepts and
    rejects exactly what the command line does); its schema is published with :func:`documented_body`."""
    try:
        return await request.json()
    except ValueError as exc:
        raise InputError("body", f"not valid JSON ({exc})") from None


def documented_body(schema: str, many: bool = False) -> dict[str, Any]:
    """``openapi_extra`` for a route that reads :func:`json_body`: the body is the named component schema
    (one of :data:`exportgate.api.app.BODY_SCHEMAS`), or with ``many`` also a list of them."""
    ref: dict[str, Any] = {"$ref": f"#/components/schemas/{schema}"}
    body = {"anyOf": [ref, {"type": "array", "items": ref}]} if many else ref
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": body}}}}


RulesDep = Annotated[RuleSet, Depends(get_rules)]
ScreenerDep = Annotated[Screener, Depends(get_screener)]
LedgerDep = Annotated[Ledger | None, Depends(get_ledger)]
Day = Annotated[date, Depends(as_of_or_today)]
OptionalDay = Annotated[date | None, Depends(as_of_or_none)]
ModeDep = Annotated[Mode, Depends(mode)]
JsonBody = Annotated[Any, Depends(json_body)]
