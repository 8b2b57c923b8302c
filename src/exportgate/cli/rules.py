"""``exportgate rules show|diff`` and ``exportgate countries show``."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any

import typer

rules_app = typer.Typer(help="Show the rule data in force on a date, or what changed between two dates.",
                        no_args_is_help=True)
countries_app = typer.Typer(help="Show a country's Country Groups on a date.", no_args_is_help=True)

AsOf = Annotated[str | None, typer.Option("--as-of", help="Date YYYY-MM-DD (default: today).")]
ModeOpt = Annotated[str, typer.Option("--mode", help="enforced (what BIS enforces) or text (the CFR text).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _as_of(value: str | None, field: str = "--as-of") -> date:
    from exportgate.io import parse_date

    return date.today() if value is None else parse_date(value, field)


def _show_value(value: Any) -> str:
    if isinstance(value, frozenset | set):
        return ", ".join(sorted(value))
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


@rules_app.command("show")
def show(as_of: AsOf = None, mode: ModeOpt = "enforced", as_json: JsonOpt = False) -> None:
    """Print every parameter in force on a date, with its value, period and citation."""
    from rich.table import Table

    from exportgate.cli.output import console, print_table
    from exportgate.rules import Mode, load_rules

    rules = load_rules()
    day, m = _as_of(as_of), Mode.parse(mode)
    rules.check_date(day, "--as-of")
    resolved = rules.in_force(day, m)
    if as_json:
        typer.echo(json.dumps({"as_of": day.isoformat(), "mode": m.value, "rules_sha256": rules.sha256,
                               "parameters": [r.to_json() for r in resolved]}, indent=2, default=str))
        return
    table = Table(title=f"Rules in force on {day.isoformat()} ({m.value} mode)")
    for col in ("parameter", "value", "unit", "since", "citation"):
        table.add_column(col, overflow="fold")
    for r in resolved:
        table.add_row(r.key, _show_value(r.value), r.unit or "", r.start.isoformat(), r.cite())
    print_table(table, figures=("parameter", "since"), console=console())


@rules_app.command("diff")
def diff(
    date1: Annotated[str, typer.Argument(help="First date YYYY-MM-DD")],
    date2: Annotated[str, typer.Argument(help="Second date YYYY-MM-DD")],
    mode: ModeOpt = "enforced",
    all_changes: Annotated[
        bool, typer.Option("--all", help="Also list parameters whose citation changed but not their value.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """List what changed between two dates, each change with its citation: only values that changed
    (country sets as +AE / −KH); --all adds the changes of legal basis alone."""
    from rich.table import Table

    from exportgate.cli.output import console, print_table
    from exportgate.io import parse_date
    from exportgate.rules import Mode, load_rules
    from exportgate.rules.model import set_delta

    rules = load_rules()
    d1, d2, m = parse_date(date1, "DATE1"), parse_date(date2, "DATE2"), Mode.parse(mode)
    rules.check_date(d1, "DATE1")
    rules.check_date(d2, "DATE2")
    everything = rules.diff(d1, d2, m)
    changes = everything if all_changes else [c for c in everything if c.value_changed]
    basis_only = len(everything) - len([c for c in everything if c.value_changed])
    groups = _group_changes(rules, d1, d2)
    if as_json:
        typer.echo(json.dumps({"from": d1.isoformat(), "to": d2.isoformat(), "mode": m.value,
                               "changes": [{"key": c.key, "value_changed": c.value_changed, "change": c.summary(),
                                            "before": None if c.before is None else c.before.to_json(),
                                            "after": None if c.after is None else c.after.to_json()}
                                           for c in changes],
                               "country_group_changes": {g: {"added": a, "removed": r, "citations": cites}
                                                         for g, (a, r, cites) in groups.items()}},
                              indent=2, default=str))
        return
    if not changes and not groups:
        typer.echo(f"No rule changes between {d1} and {d2} ({m.value} mode).")
    else:
        table = Table(title=f"Rule changes {d1} -> {d2} ({m.value} mode)")
        for col in ("parameter", "change", "citation of the change"):
            table.add_column(col, overflow="fold")
        for c in changes:
            cite = (c.after or c.before)
            assert cite is not None
            table.add_row(c.key, c.summary(), cite.cite())
        for g in groups:
            table.add_row(f"Country Group {g}", set_delta(rules.members(g, d1), rules.members(g, d2)),
                          "; ".join(groups[g][2]))
        print_table(table, figures=("parameter",), console=console())
    if basis_only and not all_changes:
        typer.echo(f"({basis_only} more parameter(s) changed their legal basis but not their value: --all lists them)")


def _group_changes(rules: Any, first: date, second: date) -> dict[str, tuple[list[str], list[str], list[str]]]:
    """Country Group memberships that differ between two dates: {group: (added, removed, citations)}."""
    out: dict[str, tuple[list[str], list[str], list[str]]] = {}
    for g in rules.group_names:
        before, after = rules.members(g, first), rules.members(g, second)
        added, removed = sorted(after - before), sorted(before - after)
        if not added and not removed:
            continue
        cites = [r.cite() for r in (rules.membership(cc, g, second) for cc in added) if r is not None]
        cites += [r.cite() for r in (rules.membership(cc, g, first) for cc in removed) if r is not None]
        out[g] = (added, removed, list(dict.fromkeys(cites)))
    return out


@countries_app.command("show")
def show_country(
    code: Annotated[str, typer.Argument(help="ISO 3166 alpha-2 code (AE) or country name (\"United Arab Emirates\")")],
    as_of: AsOf = None,
    as_json: JsonOpt = False,
) -> None:
    """Print a country's Country Groups (Supp. No. 1 to Part 740) on a date."""
    from rich.table import Table

    from exportgate.cli.output import console, print_table
    from exportgate.rules import load_rules

    rules = load_rules()
    day = _as_of(as_of)
    rules.check_date(day, "--as-of")
    cc = rules.find_country(code, "CC")
    effective, why = rules.effective_country(cc, day)
    groups = {g: rules.membership(cc, g, day) for g in rules.groups_of(cc, day)}
    if as_json:
        typer.echo(json.dumps({
            "country": cc, "name": rules.countries[cc], "as_of": day.isoformat(),
            "treated_as": None if why is None else {"country": effective, **why.to_json()},
            "groups": {g: (r.to_json() if r else None) for g, r in groups.items()},
        }, indent=2, default=str))
        return
    title = f"{rules.countries[cc]} ({cc}) on {day.isoformat()}"
    if why is not None:
        title += f" — treated as {rules.countries[effective]} ({effective}): {why.cite()}"
    table = Table(title=title)
    for col in ("group", "description", "member since", "citation"):
        table.add_column(col, overflow="fold")
    for g, r in groups.items():
        assert r is not None
        table.add_row(g, rules.group_description(g), r.start.isoformat(), r.cite())
    print_table(table, figures=("group", "member since"), console=console())
    if not groups:
        typer.echo("(in no Country Group on this date)")


def redflags_cmd(as_of: AsOf = None, as_json: JsonOpt = False) -> None:
    """List the red-flag ids a package's `facts` (or a case's `red_flags`) may state, with their text, the date
    each was listed, any stay, and the citation."""
    from rich.table import Table

    from exportgate.cli.output import console as make_console
    from exportgate.cli.output import print_table
    from exportgate.determine import red_flag_catalogue
    from exportgate.rules import load_rules

    rules = load_rules()
    day = _as_of(as_of)
    rules.check_date(day, "--as-of")
    catalogue = red_flag_catalogue(rules, day)
    rows: list[dict[str, Any]] = []
    for fid, entry in catalogue.items():
        param = str(entry.get("parameter", ""))
        cite = rules.resolve(param, day).cite() if param and rules.has(param) else ""
        if entry.get("source"):
            cite = f"{cite}; {entry['source']}" if cite else str(entry["source"])
        stayed = entry.get("stayed")
        rows.append({"id": fid, "text": str(entry.get("text", "")), "since": entry.get("since"),
                     "stayed": list(stayed) if stayed else None, "citation": cite})
    if as_json:
        typer.echo(json.dumps({"as_of": day.isoformat(), "red_flags": rows}, indent=2, default=str))
        return
    table = Table(title=f"Red flags known on {day.isoformat()} ({len(rows)}): state them by id")
    for col in ("id", "red flag", "since", "citation"):
        table.add_column(col, overflow="fold")
    for r in rows:
        stay = f" (stayed {r['stayed'][0]} to {r['stayed'][1]})" if r["stayed"] else ""
        table.add_row(r["id"], r["text"] + stay, str(r["since"] or ""), r["citation"])
    print_table(table, figures=("id", "since"), console=make_console())
