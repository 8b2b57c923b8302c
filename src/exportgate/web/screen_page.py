"""The screen page: one name (country, type, date of birth, identifiers) -> its explained matches.

The screening goes through :meth:`Service.screen <exportgate.store.service.Service.screen>`, as ``POST /screen``
of the API does: it is stored as a case and each match opens an alert (a remembered false positive suppresses
its match), so each match's button leads to its alert. The explanation is the screener's own: the words of the
name aligned with the listed name's, shown highlighted on both sides.
"""

from __future__ import annotations

from typing import Any

from fastapi import Form, Request
from fastapi.responses import Response

from exportgate.screen.model import EntityType
from exportgate.store.views import AlertView
from exportgate.web.core import Csrf, SignedIn, page, page_router, service

router = page_router()
TYPES = tuple(t.value for t in EntityType)


def marked(tokens: list[str], aligned: list[str]) -> list[tuple[str, bool]]:
    """Each token of a name with whether it is one of the aligned words (``aligned``: the alignment's sides,
    each one or more tokens joined by spaces)."""
    words = {w for side in aligned for w in side.split()}
    return [(t, t in words) for t in tokens]


def explained(match: dict[str, Any]) -> dict[str, Any]:
    """What the page shows of a match's explanation: both names' tokens marked, the aligned pairs, the evidence."""
    expl = match.get("explanation") or {}
    pairs = list(expl.get("aligned") or [])
    return {
        "query": marked(list(expl.get("query_tokens") or []), [str(p.get("query", "")) for p in pairs]),
        "listed": marked(list(expl.get("listed_tokens") or []), [str(p.get("listed", "")) for p in pairs]),
        "pairs": pairs,
        "evidence": list(expl.get("evidence") or []),
        "reading": expl.get("reading"),
        "features": expl.get("features") or {},
    }


def _form(name: str = "", country: str = "", type: str = "", dob: str = "", identifiers: str = "") -> dict[str, str]:
    return {"name": name, "country": country, "type": type, "dob": dob, "identifiers": identifiers}


@router.get("/screen")
def screen_form(request: Request, actor: SignedIn) -> Response:
    return page(request, "screen.html", title="Screen a name", form=_form(), case=None, types=TYPES)


@router.post("/screen", dependencies=[Csrf])
def screen(request: Request, actor: SignedIn, name: str = Form(""), country: str = Form(""), type: str = Form(""),
           dob: str = Form(""), identifiers: str = Form("")) -> Response:
    ids = [line.strip() for line in identifiers.splitlines() if line.strip()]
    case = service(request).screen(actor, name, country=country.strip() or None, type=type or None,
                                   dob=dob.strip() or None, identifiers=ids or None)
    alerts: dict[str, AlertView] = {a.entity_id: a for a in case.alert_list}
    matches = [{"match": m, "why": explained(m), "alert": alerts.get(str(m.get("entity_id")))}
               for m in case.result.get("matches", [])]
    return page(request, "screen.html", title=f"Screened: {name}", form=_form(name, country, type, dob, identifiers),
                case=case, matches=matches, warnings=case.result.get("warnings") or [], types=TYPES)
