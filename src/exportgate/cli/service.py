"""What the service's commands share: the ``--db``, ``--as`` and ``--home`` options, opening the store and
the acting user, and printing a case.

The command line acts as a named user of the store (``--as NAME``, else ``EXPORTGATE_USER``, else the OS
user); while the store has no users, that is the local operator, who may do everything.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from exportgate.store.accounts import Actor, Permission
    from exportgate.store.service import Service
    from exportgate.store.views import AlertView, CaseView

DbOption = Annotated[
    str | None,
    typer.Option("--db", help="Database URL (or a SQLite file path); default EXPORTGATE_DB_URL, else "
                 "EXPORTGATE_HOME/exportgate.db (~/.exportgate)."),
]
AsOption = Annotated[
    str | None,
    typer.Option("--as", help="Act as this user of the store (default: $EXPORTGATE_USER, else the OS user)."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]
LimitOption = Annotated[int, typer.Option("--limit", min=1, max=1000, help="Show at most this many.")]


def open_service(db: str | None, home: Path | None = None) -> Service:
    """The store as the service (created and migrated as needed); its screener reads the active lists of
    ``home`` (default: the data home) when first used."""
    from exportgate.screen import Screener
    from exportgate.screen.lists import load_active
    from exportgate.store.service import LazyScreener, Service

    svc = Service.open(db, home=home)
    svc.screener = LazyScreener(lambda: Screener(load_active(home)))
    return svc


def acting(svc: Service, as_user: str | None, permission: Permission | None = None) -> Actor:
    """The user the command acts as, refused (``error: actor: ...``) unless its role grants ``permission``."""
    actor = svc.local_actor(as_user)
    if permission is not None:
        actor.require(permission)
    return actor


def dump(model: Any) -> str:
    import json

    return json.dumps(model.model_dump(mode="json"), indent=2, ensure_ascii=False)


def print_case(case: CaseView) -> None:
    """A case as a few lines and a table of its alerts (text from lists and inputs shown, never obeyed)."""
    from exportgate.cli.output import console, line

    out = console(highlight=False)
    out.print(line((f"case #{case.id}", "bold"), f" ({case.kind}) {case.title} — ", (case.status.upper(), "bold"),
                   f"; as of {case.as_of.isoformat()}; stored by {case.created_by} at {case.created_at:%Y-%m-%d %H:%M} "
                   f"UTC; kept until {case.retain_until.isoformat()}"))
    run = case.runs[-1] if case.runs else None
    if run is not None:
        dates = ", ".join(f"{k} {v.as_of}" for k, v in sorted(run.lists.items())) or "none consulted"
        out.print(f"run {run.number} ({run.reason}) by {run.actor}; rules {run.rules_sha256[:12]}; lists "
                  f"{run.lists_version or '-'}: {dates}")
    if case.signed_off_by:
        out.print(f"signed off by {case.signed_off_by}: {case.sign_off_comment}")
    print_alerts(case.alert_list)


def print_alerts(alerts: list[AlertView]) -> None:
    from rich.table import Table

    from exportgate.cli.output import console, print_table

    out = console(highlight=False)
    if not alerts:
        out.print("no alerts")
        return
    table = Table("alert", "case", "status", "party", "listed name", "list", "score", "entry")
    for a in alerts:
        status = a.status + (f" (suppressed: alert #{a.suppressed.alert_id})" if a.suppressed else "")
        table.add_row(f"#{a.id}", f"#{a.case_id}", status, a.party.name, a.listed_name or "", a.list,
                      f"{a.score:.3f}" if a.score is not None else "", a.entity_id)
    print_table(table, figures=("alert", "case", "status", "list", "score", "entry"), console=out)
