"""The lists and audit page: each list in force (version, date, entries, whether it is older than its usual
publication interval), what the last list change added, removed and changed, and the audit chain's check.

All of it is the store's and the lists': the active snapshot the service screens with, ``ListChanges``
(``exportgate lists update`` records them) and :meth:`Service.audit_verify` (``exportgate audit verify``).
"""

from __future__ import annotations

from datetime import date

from fastapi import Request
from fastapi.responses import Response

from exportgate.screen.lists import staleness
from exportgate.store.accounts import Permission
from exportgate.web.core import SignedIn, page, page_router, service

router = page_router()
#: the most entries of the last change listed on the page (the rest are counted)
SHOWN_ENTRIES = 200


@router.get("/lists")
def lists_page(request: Request, actor: SignedIn) -> Response:
    actor.require(Permission.LISTS_READ)
    svc = service(request)
    snapshot = svc.screener.snapshot
    stale = {s.key: s.message().removeprefix(f"{s.key}: ")
             for s in staleness(snapshot.lists_as_of(), date.today(), svc.rules)}
    changes = svc.lists.changes(actor, limit=10)
    last = svc.lists.change(actor, changes[0].id) if changes else None
    report = svc.audit_verify(actor)
    return page(request, "lists.html", title="Lists and audit", snapshot=snapshot,
                sources=sorted(snapshot.sources.items()), stale=stale, changes=changes, last=last,
                shown=SHOWN_ENTRIES, audit=report)
