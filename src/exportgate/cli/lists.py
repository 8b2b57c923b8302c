"""``exportgate lists status|update|versions|activate|rollback|diff``: managing the restricted-party lists."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from exportgate.cli.service import AsOption

lists_app = typer.Typer(
    name="lists",
    help="Restricted-party lists: show their dates and counts, update them, switch and compare versions.",
    no_args_is_help=True,
)

HomeOpt = Annotated[
    Path | None,
    typer.Option("--home", help="Data home (default: $EXPORTGATE_HOME or ~/.exportgate)."),
]
NoRescreenOpt = Annotated[
    bool, typer.Option("--no-rescreen", help="Record the change but do not re-screen the stored parties now "
                       "(`exportgate rescreen` does it later).")
]


@lists_app.command("status")
def status_cmd(
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    on: Annotated[
        str | None, typer.Option("--on", help="Judge the lists' age on this date (YYYY-MM-DD; default: today).")
    ] = None,
    home: HomeOpt = None,
) -> None:
    """Show each list's date and entry count for the active version (updated lists, else embedded), and the
    lists older than their usual publication interval (rule data screening.lists.max_age_days)."""
    from datetime import date

    from rich.table import Table

    from exportgate.cli.output import console as make_console
    from exportgate.cli.output import line, print_table
    from exportgate.io import parse_date
    from exportgate.rules import load_rules
    from exportgate.screen.lists import staleness
    from exportgate.screen.lists.store import load_active

    day = parse_date(on, "--on") if on is not None else date.today()
    rules = load_rules()
    rules.check_date(day, "--on")
    snap = load_active(home)
    stale = staleness(snap.lists_as_of(), day, rules)
    if as_json:
        typer.echo(json.dumps({**snap.to_json(), "stale": [s.to_json() for s in stale]}, indent=2))
        return
    console = make_console()
    origin = "embedded snapshot (shipped with exportgate)" if snap.origin == "embedded" else "updated"
    console.print(line("Lists version ", (snap.version, "bold"), f" — {origin}; {len(snap.entities)} entries"))
    table = Table("list", "title", "as of", "entries", "main file")
    for key, info in sorted(snap.sources.items()):
        table.add_row(key, info.title, info.as_of or "unknown", str(info.count), info.files[0] if info.files else "")
    print_table(table, figures=("list", "as of", "entries"), console=console)
    for key, info in sorted(snap.sources.items()):
        for note in info.notes:
            console.print(f"  {key}: {note}")
    if stale:
        console.print(line((f"Stale on {day.isoformat()}", "bold"), " (older than their usual publication "
                           f"interval; {stale[0].citation}):"))
        for s in stale:
            console.print(f"  {s.message()}")
        console.print("Run `exportgate lists update` before relying on a screening result.")
    if snap.origin == "embedded":
        console.print(
            "Note: the embedded lists are not current; run `exportgate lists update` before relying on "
            "a screening result."
        )


@lists_app.command("update")
def update_cmd(
    sources: Annotated[
        list[str] | None,
        typer.Option("--from", help="A URL or path of a list file (repeatable); default: the official URLs."),
    ] = None,
    min_ratio: Annotated[
        float | None, typer.Option(help="Refuse a list whose count falls below this share of the previous one.")
    ] = None,
    max_ratio: Annotated[
        float | None, typer.Option(help="Refuse a list whose count grows above this share of the previous one.")
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Publication date (YYYY-MM-DD) of given files that state none themselves."),
    ] = None,
    allow_older: Annotated[
        bool, typer.Option("--allow-older", help="Accept files older than the same lists in the active version.")
    ] = False,
    deadline: Annotated[
        float | None,
        typer.Option("--deadline", min=0.001, help="Seconds for all downloads together (default: "
                     "$EXPORTGATE_LISTS_DEADLINE, else 600)."),
    ] = None,
    max_bytes: Annotated[
        int | None,
        typer.Option("--max-bytes", min=1, help="Largest list file, downloaded or decompressed (default: "
                     "$EXPORTGATE_LISTS_MAX_BYTES, else 512 MiB)."),
    ] = None,
    home: HomeOpt = None,
    no_rescreen: NoRescreenOpt = False,
    as_user: AsOption = None,
) -> None:
    """Download, validate and atomically activate new list files (the active version is untouched on failure).
    With a store, the change (entries added, removed, changed) is recorded there and the stored parties are
    re-screened against it."""
    from exportgate.screen.lists.store import update

    options: dict[str, Any] = {"min_ratio": min_ratio, "max_ratio": max_ratio, "as_of": as_of,
                               "allow_older": allow_older, "deadline": deadline, "max_bytes": max_bytes}
    store = _store(home, as_user)
    if store is None:
        result, recorded = update(sources or None, home, **options), None
    else:
        svc, actor = store
        with svc:
            result, *recorded = svc.update_lists(actor, sources or None, rescreen=not no_rescreen, **options)
    typer.echo(f"activated lists version {result.version} ({result.path})")
    for f in result.fetched:
        typer.echo(f"  {f['kind']}: {f['source']} (as of {f['as_of']}; {f['as_of_basis']})")
    for key, info in sorted(result.snapshot.sources.items()):
        before = result.previous.get(key)
        change = f" (was {before})" if before is not None and before != info.count else ""
        typer.echo(f"  {key}: {info.count} entries{change}, as of {info.as_of or 'unknown'}")
    for line in result.older:
        typer.echo(f"warning: older than the list it replaces (--allow-older): {line}", err=True)
    _recorded(recorded)


@lists_app.command("versions")
def versions_cmd(
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    home: HomeOpt = None,
) -> None:
    """List the versions in the data home (and the embedded snapshot): which is active, each file's date."""
    from exportgate.screen.lists.versions import list_versions, undo_target

    found = list_versions(home)
    if as_json:
        typer.echo(json.dumps({"versions": [v.to_json() for v in found], "rollback_to": undo_target(home)},
                              indent=2, ensure_ascii=False))
        return
    for v in found:
        mark = "*" if v.active else " "
        created = f"created {v.created}" if v.created else "shipped with exportgate"
        typer.echo(f"{mark} {v.name}  ({created})")
        for f in v.files:
            basis = f" [{f['as_of_basis']}]" if f.get("as_of_basis") else ""
            typer.echo(f"      {f['kind']}: {f['file']}, as of {f.get('as_of') or 'unknown'}{basis}")
    target = undo_target(home)
    typer.echo(f"(* active; `exportgate lists rollback` returns to {target})" if target else "(* active)")


@lists_app.command("activate")
def activate_cmd(
    version: Annotated[str, typer.Argument(help="A version name from `lists versions`, or 'embedded'.")],
    allow_older: Annotated[
        bool, typer.Option("--allow-older", help="Activate it even if it holds older lists than the active one.")
    ] = False,
    home: HomeOpt = None,
    no_rescreen: NoRescreenOpt = False,
    as_user: AsOption = None,
) -> None:
    """Make another list version the active one (recorded; `lists rollback` undoes it)."""
    from exportgate.screen.lists.versions import activate

    store = _store(home, as_user)
    if store is None:
        _switched(activate(version, home, allow_older=allow_older), None)
        return
    svc, actor = store
    with svc:
        switch, *recorded = svc.switch_lists(actor, version, allow_older=allow_older, rescreen=not no_rescreen)
    _switched(switch, recorded)


@lists_app.command("rollback")
def rollback_cmd(home: HomeOpt = None, no_rescreen: NoRescreenOpt = False, as_user: AsOption = None) -> None:
    """Undo the last change of the active list version (an update, an activation or a rollback before it)."""
    from exportgate.screen.lists.versions import rollback

    store = _store(home, as_user)
    if store is None:
        _switched(rollback(home), None)
        return
    svc, actor = store
    with svc:
        switch, *recorded = svc.switch_lists(actor, None, rescreen=not no_rescreen)
    _switched(switch, recorded)


def _switched(switch: Any, recorded: Any) -> None:
    typer.echo(f"active lists version: {switch.current} (was {switch.previous})")
    _recorded(recorded)


def _store(home: Path | None, as_user: str | None) -> Any:
    """The store of the data home (or ``EXPORTGATE_DB_URL``) and who acts in it, when there is one (none is
    created for a list change); the service checks the actor may change the lists before anything changes."""
    import os

    from exportgate import settings
    from exportgate.cli.service import acting, open_service
    from exportgate.store.accounts import Permission

    if os.environ.get(settings.DB_URL_ENV):
        url = settings.db_url()
    else:
        path = settings.home(home) / settings.DB_FILE
        if not path.is_file():
            return None
        url = str(path)
    svc = open_service(url, home)
    try:
        return svc, acting(svc, as_user, Permission.LISTS_UPDATE)
    except BaseException:
        svc.close()
        raise


def _recorded(recorded: Any) -> None:
    """What the store made of the change: the entries it changed, and the re-screen (unless --no-rescreen)."""
    if not recorded:
        return
    from exportgate.cli.cases import print_rescreen

    change, report = recorded
    typer.echo(f"recorded list change #{change.id}: {change.added} added, {change.removed} removed, "
               f"{change.changed} changed")
    if report is None:
        typer.echo("not re-screened (--no-rescreen): run `exportgate rescreen`")
        return
    print_rescreen(report)


@lists_app.command("diff")
def diff_cmd(
    old: Annotated[str, typer.Argument(help="Old list: a file, a version directory or name, 'embedded' or 'active'.")],
    new: Annotated[str, typer.Argument(help="New list, as OLD.")],
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    limit: Annotated[int, typer.Option(help="Show at most this many entries per section (0 = all).")] = 0,
    home: HomeOpt = None,
) -> None:
    """List the entries added, removed and changed between two list files or versions."""
    from exportgate.screen.lists.diff import changed_fields, diff

    d = diff(old, new, home)
    if as_json:
        typer.echo(json.dumps(d.to_json(), indent=2, ensure_ascii=False))
        return
    typer.echo(f"{len(d.added)} added, {len(d.removed)} removed, {len(d.changed)} changed")
    sections = (
        ("added", [f"+ {e.id}  {e.primary_name}  [{'; '.join(e.programs)}]" for e in d.added]),
        ("removed", [f"- {e.id}  {e.primary_name}  [{'; '.join(e.programs)}]" for e in d.removed]),
        ("changed", [f"~ {n.id}  {n.primary_name}  ({', '.join(changed_fields(o, n))})" for o, n in d.changed]),
    )
    for title, lines in sections:
        if not lines:
            continue
        typer.echo(f"{title}:")
        shown = lines if limit <= 0 else lines[:limit]
        for line in shown:
            typer.echo(f"  {line}")
        if len(shown) < len(lines):
            typer.echo(f"  ... {len(lines) - len(shown)} more")
