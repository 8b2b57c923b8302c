"""``exportgate lists status|update|diff``: managing the restricted-party lists."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from exportgate.cli.output import print_table

lists_app = typer.Typer(
    name="lists",
    help="Restricted-party lists: show their dates and counts, update them, compare versions.",
    no_args_is_help=True,
)

HomeOpt = Annotated[
    Path | None,
    typer.Option("--home", help="Data home (default: $EXPORTGATE_HOME or ~/.exportgate)."),
]


@lists_app.command("status")
def status_cmd(
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    home: HomeOpt = None,
) -> None:
    """Show each list's date and entry count for the active version (updated lists, else embedded)."""
    from rich.console import Console
    from rich.table import Table

    from exportgate.screen.lists.store import load_active

    snap = load_active(home)
    if as_json:
        typer.echo(json.dumps(snap.to_json(), indent=2))
        return
    console = Console()
    origin = "embedded snapshot (shipped with exportgate)" if snap.origin == "embedded" else "updated"
    console.print(f"Lists version [bold]{snap.version}[/bold] — {origin}; {len(snap.entities)} entries")
    table = Table("list", "title", "as of", "entries", "main file")
    for key, info in sorted(snap.sources.items()):
        table.add_row(key, info.title, info.as_of or "unknown", str(info.count), info.files[0] if info.files else "")
    print_table(table, figures=("list", "as of", "entries"), console=console)
    for key, info in sorted(snap.sources.items()):
        for note in info.notes:
            console.print(f"  {key}: {note}")
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
        str | None, typer.Option("--as-of", help="Content date (YYYY-MM-DD) of the given files, if known.")
    ] = None,
    home: HomeOpt = None,
) -> None:
    """Download, validate and atomically activate new list files (the active version is untouched on failure)."""
    from exportgate.screen.lists.store import update

    result = update(sources or None, home, min_ratio=min_ratio, max_ratio=max_ratio, as_of=as_of)
    typer.echo(f"activated lists version {result.version} ({result.path})")
    for f in result.fetched:
        typer.echo(f"  {f['kind']}: {f['source']} (as of {f['as_of']})")
    for key, info in sorted(result.snapshot.sources.items()):
        before = result.previous.get(key)
        change = f" (was {before})" if before is not None and before != info.count else ""
        typer.echo(f"  {key}: {info.count} entries{change}, as of {info.as_of or 'unknown'}")


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
