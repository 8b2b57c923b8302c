"""``exportgate cases ...``, ``exportgate alerts ...``, ``exportgate rescreen`` and ``exportgate audit verify``:
the stored cases, the alert queue, re-screening after a list change, the audit chain."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from exportgate.cli.service import (
    AsOption,
    DbOption,
    JsonOption,
    LimitOption,
    acting,
    dump,
    open_service,
    print_alerts,
    print_case,
)

cases_app = typer.Typer(help="Stored cases: screenings, determinations and package checks saved with --save.",
                        no_args_is_help=True)
alerts_app = typer.Typer(help="The alert queue: potential and strong matches of stored cases, and decisions.",
                         no_args_is_help=True)
audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)

CaseId = Annotated[int, typer.Argument(help="The case's number.")]
AlertId = Annotated[int, typer.Argument(help="The alert's number.")]


@cases_app.command("list")
def list_cases(
    kind: Annotated[str | None, typer.Option("--kind", help="screen, determine or check.")] = None,
    status: Annotated[str | None, typer.Option("--status", help="clear, license_required, review or blocked.")] = None,
    title: Annotated[str | None, typer.Option("--title", help="Only cases whose title contains this.")] = None,
    limit: LimitOption = 100,
    db: DbOption = None,
    as_user: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Stored cases, newest first."""
    from rich.table import Table

    from exportgate.cli.output import console, print_table

    with open_service(db) as svc:
        cases = svc.cases.list(acting(svc, as_user), kind=kind, status=status, title=title, limit=limit)
    if as_json:
        typer.echo(json.dumps([c.model_dump(mode="json") for c in cases], indent=2, ensure_ascii=False))
        return
    table = Table("case", "kind", "status", "title", "as of", "alerts", "open", "stored by", "stored")
    for c in cases:
        table.add_row(f"#{c.id}", c.kind, c.status, c.title, c.as_of.isoformat(), str(c.alerts), str(c.open_alerts),
                      c.created_by or "", f"{c.created_at:%Y-%m-%d %H:%M}")
    print_table(table, figures=("case", "kind", "status", "as of", "stored"), console=console(highlight=False))


@cases_app.command("show")
def show_case(
    case_id: CaseId,
    memo: Annotated[
        Path | None, typer.Option("--memo", help="Write a package check's memo here (.html, .md or .pdf).")
    ] = None,
    db: DbOption = None,
    as_user: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """A case: its status, runs, list versions and alerts (--json: everything, input and result included)."""
    with open_service(db) as svc:
        actor = acting(svc, as_user)
        case = svc.cases.get(actor, case_id)
        source = svc.cases.memo_source(actor, case_id) if memo is not None else None
    if source is not None and memo is not None:
        from exportgate.reports import write_report

        write_report(source, memo)
    if as_json:
        typer.echo(dump(case))
        return
    print_case(case)
    if memo is not None:
        typer.echo(f"memo written to {memo}")


@cases_app.command("sign-off")
def sign_off(
    case_id: CaseId,
    comment: Annotated[str, typer.Option("--comment", help="Why the case is signed off (required).")],
    db: DbOption = None,
    as_user: AsOption = None,
) -> None:
    """Sign off a case (a reviewer; refused while an alert of it is undecided)."""
    from exportgate.store.accounts import Permission

    with open_service(db) as svc:
        case = svc.cases.sign_off(acting(svc, as_user, Permission.CASES_SIGN_OFF), case_id, comment)
    print_case(case)


@cases_app.command("record")
def record_case(
    case_id: CaseId,
    force: Annotated[bool, typer.Option("--force", help="As `ledger record --force`.")] = False,
    db: DbOption = None,
    as_user: AsOption = None,
) -> None:
    """Record a package check case's result in the compute ledger (a reviewer)."""
    from exportgate.store.accounts import Permission

    with open_service(db) as svc:
        record_id = svc.record_case(acting(svc, as_user, Permission.LEDGER_RECORD), case_id, force=force)
    typer.echo(f"recorded case #{case_id} in the ledger as record #{record_id}")


@cases_app.command("delete")
def delete_case(case_id: CaseId, db: DbOption = None, as_user: AsOption = None) -> None:
    """Delete a case past its Part 762 retention date (an admin); refused before it. Its audit lines stay."""
    from exportgate.store.accounts import Permission

    with open_service(db) as svc:
        svc.cases.delete(acting(svc, as_user, Permission.CASES_DELETE), case_id)
    typer.echo(f"deleted case #{case_id}")


@alerts_app.command("list")
def list_alerts(
    status: Annotated[str | None, typer.Option("--status", help="open, escalated, confirmed_match, "
                                               "false_positive or closed (default: all, undecided first).")] = None,
    case_id: Annotated[int | None, typer.Option("--case", help="Only this case's alerts.")] = None,
    list_key: Annotated[str | None, typer.Option("--list", help="Only matches on this list (e.g. entity_list).")] = None,
    party: Annotated[str | None, typer.Option("--party", help="Only parties whose name contains this.")] = None,
    min_score: Annotated[float | None, typer.Option("--min-score", min=0.0, max=1.0)] = None,
    limit: LimitOption = 100,
    db: DbOption = None,
    as_user: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """The alert queue: undecided alerts first, oldest first."""
    with open_service(db) as svc:
        alerts = svc.alerts.list(acting(svc, as_user), status=status, case_id=case_id, list_key=list_key,
                                 party=party, min_score=min_score, limit=limit)
    if as_json:
        typer.echo(json.dumps([a.model_dump(mode="json") for a in alerts], indent=2, ensure_ascii=False))
        return
    print_alerts(alerts)


@alerts_app.command("show")
def show_alert(alert_id: AlertId, db: DbOption = None, as_user: AsOption = None, as_json: JsonOption = False) -> None:
    """One alert with its history (who decided what, when and why)."""
    from exportgate.cli.output import console

    with open_service(db) as svc:
        alert = svc.alerts.get(acting(svc, as_user), alert_id)
    if as_json:
        typer.echo(dump(alert))
        return
    print_alerts([alert])
    out = console(highlight=False)
    if alert.suppressed:
        s = alert.suppressed
        out.print(f"suppressed by the false positive decided on alert #{s.alert_id} by {s.decided_by} on "
                  f"{s.decided_at:%Y-%m-%d}: {s.comment}")
    for e in alert.history:
        out.print(f"{e.at:%Y-%m-%d %H:%M} {e.actor or '-'}: {e.action} {e.from_status or '-'} -> {e.to_status}"
                  + (f" — {e.comment}" if e.comment else ""))


@alerts_app.command("decide")
def decide(
    alert_id: AlertId,
    status: Annotated[str, typer.Option("--status", help="confirmed_match, false_positive, escalated, or open "
                                        "(re-open).")],
    comment: Annotated[str | None, typer.Option("--comment", help="Why (required for confirmed_match and "
                                                "false_positive).")] = None,
    db: DbOption = None,
    as_user: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Decide an alert (a reviewer). A package case is checked again with the decision."""
    from exportgate.cli.output import console, line
    from exportgate.store.accounts import Permission

    with open_service(db) as svc:
        alert = svc.alerts.decide(acting(svc, as_user, Permission.ALERTS_DECIDE), alert_id, status, comment)
        case = svc.cases.get(acting(svc, as_user), alert.case_id)
    if as_json:
        typer.echo(json.dumps({"alert": alert.model_dump(mode="json"), "case_status": case.status}, indent=2,
                              ensure_ascii=False))
        return
    console(highlight=False).print(line(f"alert #{alert.id}: {alert.status}; case #{case.id} is now ",
                                        (case.status.upper(), "bold")))


def rescreen_cmd(
    db: DbOption = None,
    home: Annotated[Path | None, typer.Option("--home", help="Data home of the lists (default: "
                                              "$EXPORTGATE_HOME or ~/.exportgate).")] = None,
    as_user: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Screen every stored party against what the pending list changes added and changed; open alerts for
    new matches, close those on removed entries (`lists update` runs this unless --no-rescreen)."""
    from exportgate.store.accounts import Permission

    with open_service(db, home) as svc:
        report = svc.rescreen(acting(svc, as_user, Permission.RESCREEN))
    if as_json:
        typer.echo(dump(report))
        return
    print_rescreen(report)


def print_rescreen(report: object) -> None:
    from exportgate.store.views import RescreenReport

    assert isinstance(report, RescreenReport)
    if not report.changes:
        typer.echo("re-screen: no list change is waiting")
        return
    typer.echo(f"re-screened {report.parties:,} stored parties ({report.distinct_parties:,} distinct) against "
               f"{report.entries:,} added or changed entries of list change(s) "
               f"{', '.join(f'#{c}' for c in report.changes)} in {report.seconds:.2f} s: "
               f"{report.alerts_opened} alert(s) opened, {report.alerts_reopened} re-opened, "
               f"{report.alerts_suppressed} suppressed, {report.alerts_closed} closed "
               f"({report.removed_entries:,} entries removed)"
               + (f"; package cases checked again: {', '.join(f'#{c}' for c in report.cases_rechecked)}"
                  if report.cases_rechecked else ""))


@audit_app.command("verify")
def verify(db: DbOption = None, as_user: AsOption = None, as_json: JsonOption = False) -> None:
    """Walk the audit chain; name the first line that was edited, removed or reordered (exit 1 if any)."""
    from exportgate.safe import terminal_text

    with open_service(db) as svc:
        report = svc.audit_verify(acting(svc, as_user))
    if as_json:
        typer.echo(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
    elif report.ok:
        typer.echo(f"the audit chain is intact: {report.lines:,} lines; head line {report.head_seq}, "
                   f"hash {report.head_hash}")
    else:
        typer.echo(terminal_text(f"the audit chain is BROKEN ({report.problem}): {report.message}"))
    if not report.ok:
        raise typer.Exit(1)
