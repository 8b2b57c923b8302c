"""The packages and cases pages: check a package (pasted or uploaded) -> its case: the verdict, the memo inline
with its PDF and Markdown, each potential match linked to its alert; the list of cases with filters.

A check goes through :meth:`Service.check <exportgate.store.service.Service.check>` (stored as a case, its
matches opened as alerts), the memo through :func:`exportgate.reports.render` of the case's latest result: the
same memo ``exportgate check --report`` and ``GET /cases/{id}`` give.
"""

from __future__ import annotations

import hashlib

from fastapi import File, Form, Request, UploadFile
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from exportgate.errors import InputError, InputErrors
from exportgate.io import parse_date, parse_document
from exportgate.rules import Mode
from exportgate.store.accounts import Actor, Permission
from exportgate.store.views import CaseKind
from exportgate.web.core import PREFIX, Csrf, SignedIn, page, page_router, redirect, service

router = page_router()
KINDS: tuple[str, ...] = CaseKind.__args__  # type: ignore[attr-defined]
STATUSES = ("clear", "license_required", "review", "blocked")
#: memo formats: (media type, shown in the page or downloaded)
MEMO_FORMATS = {"html": ("text/html; charset=utf-8", "inline"), "md": ("text/markdown; charset=utf-8", "attachment"),
                "pdf": ("application/pdf", "attachment")}
#: a memo page: our own HTML with its own styles and no script, shown in a sandboxed frame of our pages
MEMO_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; frame-ancestors 'self'"


def _packages(request: Request, actor: Actor, status: int = 200, errors: list[str] | None = None, text: str = "",
              as_of: str = "", mode: str = "enforced") -> Response:
    recent = service(request).cases.list(actor, kind="check", limit=20)
    return page(request, "packages.html", status=status, title="Packages", errors=errors or [], text=text,
                as_of=as_of, mode=mode, recent=recent)


@router.get("/packages")
def packages_form(request: Request, actor: SignedIn) -> Response:
    return _packages(request, actor)


@router.post("/packages", dependencies=[Csrf])
async def check_package(request: Request, actor: SignedIn, package: str = Form(""), as_of: str = Form(""),
                        mode: str = Form("enforced"), file: UploadFile | None = File(None)) -> Response:
    raw: bytes | str = package
    name = "the package"
    if file is not None and file.filename:
        raw, name = await file.read(), file.filename
    text = package if isinstance(raw, str) else ""
    svc = service(request)
    try:
        if not raw.strip():
            raise InputError("package", "paste a package or choose a file")
        day = parse_date(as_of, "as_of") if as_of.strip() else None
        doc = parse_document(raw, name, "package", request.app.state.limits)
        if not isinstance(doc, dict):
            raise InputError("package", "must be a mapping (a package document)")
        digest = hashlib.sha256(raw.encode() if isinstance(raw, str) else raw).hexdigest()
        case = await run_in_threadpool(svc.check, actor, doc, day, Mode.parse(mode, "mode"),
                                       source_file=name if name != "the package" else "<pasted>",
                                       source_sha256=digest, lim=request.app.state.limits)
    except InputErrors as exc:
        return _packages(request, actor, 422, [str(e) for e in exc.errors], text, as_of, mode)
    except InputError as exc:
        if exc.field == "actor":
            raise
        return _packages(request, actor, 422, [str(exc)], text, as_of, mode)
    return redirect(request, f"{PREFIX}/cases/{case.id}")


@router.get("/cases")
def cases(request: Request, actor: SignedIn, kind: str = "", status: str = "", title: str = "",
          created_by: str = "") -> Response:
    if kind and kind not in KINDS:
        raise InputError("kind", f"must be one of {', '.join(KINDS)}, not {kind!r}")
    found = service(request).cases.list(actor, kind=kind or None, status=status or None, title=title or None,
                                        created_by=created_by or None)
    return page(request, "cases.html", title="Cases", cases=found, kinds=KINDS, statuses=STATUSES,
                filters={"kind": kind, "status": status, "title": title, "created_by": created_by})


@router.get("/cases/{case_id}")
def case_page(request: Request, actor: SignedIn, case_id: int) -> Response:
    case = service(request).cases.get(actor, case_id)
    return page(request, "case.html", title=f"Case #{case.id}: {case.title}", case=case,
                reasons=case.result.get("verdict_reasons") or [], can_record=actor.can(Permission.LEDGER_RECORD))


@router.post("/cases/{case_id}/record", dependencies=[Csrf])
def record(request: Request, actor: SignedIn, case_id: int) -> Response:
    """Record an approved package case in the compute ledger (``Service.record_case``: a reviewer's)."""
    service(request).record_case(actor, case_id)
    return redirect(request, f"{PREFIX}/ledger")


@router.get("/cases/{case_id}/memo.{fmt}")
def memo(request: Request, actor: SignedIn, case_id: int, fmt: str) -> Response:
    from exportgate.reports import render

    if fmt not in MEMO_FORMATS:
        raise InputError("format", f"must be one of {', '.join(MEMO_FORMATS)}, not {fmt!r}")
    return memo_response(render(service(request).cases.memo_source(actor, case_id), fmt), fmt, f"case-{case_id}")


def memo_response(body: str | bytes, fmt: str, stem: str) -> Response:
    """A rendered memo: the HTML shown in the page's frame (its own policy: styles, no script), the others
    downloaded."""
    media, disposition = MEMO_FORMATS[fmt]
    headers = {"Content-Disposition": f'{disposition}; filename="{stem}-memo.{fmt}"', "Cache-Control": "no-store",
               "X-Content-Type-Options": "nosniff"}
    if fmt == "html":
        headers["Content-Security-Policy"] = MEMO_CSP
        headers["X-Frame-Options"] = "SAMEORIGIN"
    return Response(body, media_type=media, headers=headers)
