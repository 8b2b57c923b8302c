"""The ledger page: cumulative compute (TPP) per destination and year, with the memo chart's bars (earlier
years grey, this year blue, the allocation in force as a tick), and every recorded package with its memo.

The figures are :func:`exportgate.store.ledger_summary` of the store's ledger (what ``exportgate ledger show``
prints); a record's memo is the signed result the ledger kept (``exportgate ledger memo``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from exportgate.errors import InputError
from exportgate.reports.charts import svg_bar_chart
from exportgate.reports.view import Bar
from exportgate.rules import Mode
from exportgate.store.accounts import Permission
from exportgate.web.core import SignedIn, page, page_router, service
from exportgate.web.package_pages import MEMO_FORMATS, memo_response

router = page_router()


def chart(countries: list[dict[str, Any]], year: int) -> Any:
    """The bars: per destination, the years before ``year`` and ``year`` itself, against its allocation."""
    bars = []
    for row in countries:
        this_year = float(row["by_year"].get(str(year), 0.0))
        alloc = row.get("allocation") or {}
        bars.append(Bar(label=row["country"], tpp=this_year, ledger_before=float(row["tpp"]) - this_year,
                        allocation=alloc.get("tpp"), remaining=alloc.get("remaining"), citation=alloc.get("citation")))
    top = max([b.after for b in bars] + [b.allocation or 0.0 for b in bars] + [0.0])
    return svg_bar_chart(bars, top * 1.05, legend=("earlier years", str(year)))


@router.get("/ledger")
def ledger_page(request: Request, actor: SignedIn) -> Response:
    from exportgate.store import ledger_summary

    actor.require(Permission.LEDGER_READ)
    svc = service(request)
    today = date.today()
    ledger = svc.ledger()
    summary = ledger_summary(ledger, today, Mode.ENFORCED, rules=svc.rules)
    years = sorted({int(y) for row in summary["countries"] for y in row["by_year"]})
    return page(request, "ledger.html", title="Compute ledger", summary=summary, years=years,
                chart=chart(summary["countries"], today.year), records=list(reversed(ledger.records())))


@router.get("/ledger/{record_id}/memo.{fmt}")
def record_memo(request: Request, actor: SignedIn, record_id: int, fmt: str) -> Response:
    from exportgate.reports import render

    actor.require(Permission.LEDGER_READ)
    if fmt not in MEMO_FORMATS:
        raise InputError("format", f"must be one of {', '.join(MEMO_FORMATS)}, not {fmt!r}")
    return memo_response(render(service(request).ledger().recorded(record_id), fmt), fmt, f"ledger-{record_id}")
