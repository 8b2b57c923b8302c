"""``exportgate ledger record|show|entries|audit|migrate``: the compute ledger from the command line.

``record`` and ``migrate`` write (and bring the schema up to date first); ``show``, ``entries`` and
``audit`` only read: they never create a database or migrate one, and a database that does not exist is
an error naming it.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from exportgate.cli.service import AsOption

ledger_app = typer.Typer(
    help="The compute ledger: record approved packages, report cumulative TPP per country and end user.",
    no_args_is_help=True,
)

DbOption = Annotated[
    str | None,
    typer.Option("--db", help="Database URL (or a SQLite file path); default EXPORTGATE_DB_URL, else "
                 "EXPORTGATE_HOME/exportgate.db (~/.exportgate)."),
]
ModeOption = Annotated[str, typer.Option("--mode", help="Rules mode: enforced (default) or text.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f}"


@ledger_app.command("record")
def record(
    package: Annotated[str | None, typer.Argument(help="Package file (YAML or JSON) to check and record.")] = None,
    result_file: Annotated[
        Path | None,
        typer.Option("--result", help="Record this check result (the JSON of `exportgate check --json`) "
                     "instead of checking PACKAGE."),
    ] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Check date (default: the package's date).")] = None,
    mode: ModeOption = "enforced",
    db: DbOption = None,
    approved_by: Annotated[
        str | None, typer.Option("--approved-by", help="Who approved the export (default: the acting user).")
    ] = None,
    prepared_by: Annotated[
        str | None, typer.Option("--prepared-by", help="Who prepared the memo (default: who produced it).")
    ] = None,
    reviewed_by: Annotated[str | None, typer.Option("--reviewed-by", help="Who reviewed the memo.")] = None,
    license_specs: Annotated[
        list[str] | None,
        typer.Option("--license", help="LINE=NUMBER (or LINE@DEST=NUMBER): a licence granted for a line that "
                     "needs one, e.g. hardware[0]=D1234567; repeatable."),
    ] = None,
    license_conditions: Annotated[
        list[str] | None,
        typer.Option("--license-condition", help="NUMBER=TEXT: a condition of a licence given with --license; "
                     "repeatable."),
    ] = None,
    report: Annotated[
        list[Path] | None,
        typer.Option("--report", help="Write the signed memo (.html, .md or .pdf); may be repeated."),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Record even a 'review' or 'blocked' result, a result not signed by "
                           "this installation, or a package file already recorded (the audit log notes it).")
    ] = False,
    as_json: JsonOption = False,
    as_user: AsOption = None,
) -> None:
    """Record an approved package's compute (TPP per destination, end user and year) in the ledger, with the
    licences granted and the sign-off (a reviewer, once the store has users)."""
    from exportgate import settings
    from exportgate.errors import InputError
    from exportgate.io import parse_date, read_document
    from exportgate.packages import check_package, load_package
    from exportgate.rules import Mode
    from exportgate.store import Ledger
    from exportgate.store.accounts import Accounts, Permission
    from exportgate.store.signing import sign_result, verify_result
    from exportgate.store.signoff import licences_from_args

    if (package is None) == (result_file is None):
        raise InputError("PACKAGE", "give a package file, or a check result with --result (not both)")
    granted = licences_from_args(license_specs or [], license_conditions)
    if report:
        from exportgate.reports import format_for

        for path in report:
            format_for(path)  # an unknown memo format is an error before anything is recorded
    ledger = Ledger.open(db)
    try:
        actor = Accounts(ledger.engine).local_actor(settings.local_user(as_user))
        actor.require(Permission.LEDGER_RECORD)
        result: dict[str, Any]
        if result_file is not None:
            if as_of is not None:
                raise InputError("--as-of", "not with --result: the result carries its own date")
            result = read_document(str(result_file), field="--result")
        else:
            assert package is not None
            m = Mode.parse(mode)
            day = parse_date(as_of, "--as-of") if as_of is not None else None
            result = sign_result(check_package(load_package(package), day, m, ledger=ledger,
                                               produced_by=actor.name).to_json())
        record_id = ledger.record(result, approved_by=approved_by or actor.name, force=force, actor=actor.name,
                                  licences=granted, prepared_by=prepared_by, reviewed_by=reviewed_by)
        signature = verify_result(result)
        entries = [e for e in ledger.entries() if e.record_id == record_id]
        signed = ledger.recorded(record_id)
    finally:
        ledger.close()
    if report:
        from exportgate.reports import write_report

        for path in report:
            write_report(signed, path)
    if as_json:
        typer.echo(json.dumps({"record_id": record_id, "content_hash": result["content_hash"],
                               "signature": signature.to_json(), "entries": [e.to_json() for e in entries],
                               "licences_granted": signed.get("licences_granted", []),
                               "signoff": signed.get("signoff")}, indent=2))
        return
    from exportgate.safe import terminal_text

    name = result.get("package", {}).get("name")
    typer.echo(terminal_text(f"recorded #{record_id}: {name} as of {result['as_of']} ({result['verdict']}, "
                             f"{result['mode']} mode)"))
    if not signature.valid:
        typer.echo(terminal_text(f"  forced: the result is {signature.describe()}"))
    for e in entries:
        typer.echo(terminal_text(f"  {e.country} {e.year} {e.end_user or '(no end user)'}: {_fmt(e.tpp)} TPP"))
    if not entries:
        typer.echo("  no controlled compute (nothing added to the totals)")
    _print_licences(signed)


@ledger_app.command("show")
def show(
    country: Annotated[str | None, typer.Option("--country", help="Only this destination (ISO code).")] = None,
    year: Annotated[int | None, typer.Option("--year", help="Only this calendar year.")] = None,
    end_user: Annotated[str | None, typer.Option("--end-user", help="Only this end user.")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Entries dated on or before this day, and "
                                              "the allocations in force on it (default: today).")] = None,
    mode: ModeOption = "enforced",
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Cumulative TPP exported per country and end user, against any allocation in force."""
    from exportgate.io import parse_date
    from exportgate.rules import Mode, load_rules
    from exportgate.store import Ledger, ledger_summary

    rules = load_rules()
    day = parse_date(as_of, "--as-of") if as_of is not None else date.today()
    cc = rules.country_code(country, field="--country") if country is not None else None
    m = Mode.parse(mode)
    ledger = Ledger.open_existing(db)
    assert ledger is not None  # without missing_ok, a missing ledger is an error
    try:
        summary = ledger_summary(ledger, day, m, country=cc, year=year, end_user=end_user, rules=rules)
    finally:
        ledger.close()
    if as_json:
        typer.echo(json.dumps(summary, indent=2, ensure_ascii=False))
        return
    _print_summary(summary)


def _print_summary(summary: dict[str, Any]) -> None:
    from rich.table import Table

    from exportgate.cli.output import console as make_console
    from exportgate.cli.output import line, print_table, styled

    console = make_console(highlight=False)
    filters = ", ".join(f"{k} {v}" for k, v in summary["filters"].items() if v is not None)
    console.print(line(("Compute ledger", "bold"), f" as of {summary['as_of']} ({summary['mode']} mode)"
                       f"{' — ' + filters if filters else ''}: {summary['records']} package(s) recorded, "
                       f"{_fmt(summary['total_tpp'])} TPP"))
    alloc = summary["allocation_in_force"]
    if alloc is None:
        console.print("No country allocation in force on this date in this mode.")
    else:
        console.print(f"Country allocation in force: {_fmt(alloc['tpp'])} TPP per country, "
                      f"{alloc['years'][0]}-{alloc['years'][1]} ({alloc['citation']})")
    if not summary["countries"]:
        console.print("No entries.")
        return
    table = Table(title="Per country")
    for col in ("Country", "TPP", "By year", "Allocation", "Used", "Remaining"):
        table.add_column(col, justify="right" if col in ("TPP", "Allocation", "Used", "Remaining") else "left")
    for row in summary["countries"]:
        a = row["allocation"]
        by_year = ", ".join(f"{y}: {_fmt(v)}" for y, v in row["by_year"].items())
        table.add_row(
            row["country"], _fmt(row["tpp"]), by_year,
            _fmt(a["tpp"]) if a else "none in force",
            _fmt(a["used"]) if a else "",
            styled(_fmt(a["remaining"]), "red" if a["exceeded"] else "") if a else "",
        )
    print_table(table, figures=("Country",), console=console)
    eu_table = Table(title="Per end user and year")
    for col in ("End user", "Country", "Year", "TPP", "Under LPP", "LPP cap", "Remaining"):
        eu_table.add_column(col, justify="left" if col in ("End user", "Country") else "right")
    for row in summary["end_users"]:
        cap = row["cap"]
        eu_table.add_row(
            row["end_user"] or "(no end user)", row["country"], str(row["year"]), _fmt(row["tpp"]),
            _fmt(cap["lpp_tpp"]) if cap else "",
            _fmt(cap["tpp"]) if cap else "none in force",
            styled(_fmt(cap["remaining"]), "red" if cap["exceeded"] else "") if cap else "",
        )
    print_table(eu_table, figures=("Country",), console=console)


@ledger_app.command("entries")
def entries(
    country: Annotated[str | None, typer.Option("--country")] = None,
    year: Annotated[int | None, typer.Option("--year")] = None,
    end_user: Annotated[str | None, typer.Option("--end-user")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of")] = None,
    db: DbOption = None,
) -> None:
    """Every ledger entry matching the filters, as JSON lines (oldest first)."""
    from exportgate.io import parse_date
    from exportgate.rules import load_rules
    from exportgate.store import Ledger

    day = parse_date(as_of, "--as-of") if as_of is not None else None
    cc = load_rules().country_code(country, field="--country") if country is not None else None
    ledger = Ledger.open_existing(db)
    assert ledger is not None
    try:
        for e in ledger.entries(country=cc, year=year, end_user=end_user, as_of=day):
            typer.echo(json.dumps(e.to_json(), ensure_ascii=False))
    finally:
        ledger.close()


@ledger_app.command("audit")
def audit(
    event: Annotated[str | None, typer.Option("--event", help="Only this event type, e.g. ledger.record.")] = None,
    db: DbOption = None,
) -> None:
    """The audit log, as JSON lines (oldest first)."""
    from exportgate.store import Ledger

    ledger = Ledger.open_existing(db)
    assert ledger is not None
    try:
        for line in ledger.audit_log.events(event=event):
            typer.echo(json.dumps(line.to_json(), ensure_ascii=False))
    finally:
        ledger.close()


@ledger_app.command("migrate")
def migrate(db: DbOption = None) -> None:
    """Create the ledger database, or bring its schema up to date (`record` does this itself)."""
    from exportgate.store import Ledger
    from exportgate.store.db import current_revision

    ledger = Ledger.open(db)
    try:
        typer.echo(f"ledger {ledger.url} is at schema revision {current_revision(ledger.engine)}")
    finally:
        ledger.close()


def _print_licences(signed: dict[str, Any]) -> None:
    """The licences granted with a record, and the licences the result needs that none covers."""
    from exportgate.packages.memo import Memo
    from exportgate.store.signoff import missing_licences

    memo = Memo.parse(signed)
    for g in memo.licences_granted:
        to = f"{g.destination or 'every destination'}" + (f" · {g.end_user}" if g.end_user else "")
        cond = f" — conditions: {'; '.join(g.conditions)}" if g.conditions else ""
        typer.echo(f"  licence {g.number}: {g.line.removeprefix('layers.')} → {to}{cond}")
    for missing in missing_licences(memo, memo.licences_granted):
        typer.echo(f"  warning: no licence number recorded for {missing}: it may not ship until one is granted")


@ledger_app.command("memo")
def memo_cmd(
    record_id: Annotated[int, typer.Argument(metavar="RECORD", help="The ledger record (its #).")],
    report: Annotated[
        list[Path] | None, typer.Option("--report", help="Write the signed memo (.html, .md or .pdf); repeatable.")
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """A recorded package's memo as signed: the checked result with its sign-off and licences granted."""
    from exportgate.store import Ledger

    ledger = Ledger.open_existing(db)
    assert ledger is not None
    try:
        signed = ledger.recorded(record_id)
    finally:
        ledger.close()
    if report:
        from exportgate.reports import write_report

        for path in report:
            typer.echo(f"wrote {write_report(signed, path)}")
    if as_json or not report:
        typer.echo(json.dumps(signed, indent=2, ensure_ascii=False, default=str))


@ledger_app.command("records")
def records_cmd(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Every recorded package: date, verdict, sign-off and licences granted (oldest first)."""
    from rich.table import Table

    from exportgate.cli.output import console as make_console
    from exportgate.cli.output import print_table
    from exportgate.store import Ledger

    ledger = Ledger.open_existing(db)
    assert ledger is not None
    try:
        rows = ledger.records()
    finally:
        ledger.close()
    if as_json:
        for row in rows:
            typer.echo(json.dumps(row, ensure_ascii=False, default=str))
        return
    table = Table(title=f"Ledger records ({len(rows)})")
    for col in ("#", "package", "as of", "verdict", "TPP", "approved by", "licences granted"):
        table.add_column(col, justify="right" if col in ("#", "TPP") else "left")
    for r in rows:
        approved = ((r.get("signoff") or {}).get("approved_by") or {}).get("name") or r.get("approved_by") or ""
        licences = "; ".join(f"{str(g['line']).removeprefix('layers.')} {g['number']}" for g in r["licences"])
        table.add_row(str(r["record_id"]), r["package"], r["as_of"], r["verdict"], _fmt(r["total_tpp"]), approved,
                      licences or "—")
    print_table(table, figures=("as of", "verdict"), console=make_console())
