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

    from exportgate.cli.output import console
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
    console(width=200).print(table)


@rules_app.command("diff")
def diff(
    date1: Annotated[str, typer.Argument(help="First date YYYY-MM-DD")],
    date2: Annotated[str, typer.Argument(help="Second date YYYY-MM-DD")],
    mode: ModeOpt = "enforced",
    as_json: JsonOpt = False,
) -> None:
    """List what changed between two dates, each change with its citation."""
    from rich.table import Table

    from exportgate.cli.output import console
    from exportgate.io import parse_date
    from exportgate.rules import Mode, load_rules

    rules = load_rules()
    d1, d2, m = parse_date(date1, "DATE1"), parse_date(date2, "DATE2"), Mode.parse(mode)
    rules.check_date(d1, "DATE1")
    rules.check_date(d2, "DATE2")
    changes = rules.diff(d1, d2, m)
    if as_json:
        typer.echo(json.dumps({"from": d1.isoformat(), "to": d2.isoformat(), "mode": m.value,
                               "changes": [{"key": c.key,
                                            "before": None if c.before is None else c.before.to_json(),
                                            "after": None if c.after is None else c.after.to_json()}
                                           for c in changes]},
                              indent=2, default=str))
        return
    if not changes:
        typer.echo(f"No rule changes between {d1} and {d2} ({m.value} mode).")
        return
    table = Table(title=f"Rule changes {d1} -> {d2} ({m.value} mode)")
    for col in ("parameter", f"on {d1}", f"on {d2}", "citation of the change"):
        table.add_column(col, overflow="fold")
    for c in changes:
        cite = (c.after or c.before)
        assert cite is not None
        table.add_row(c.key, "—" if c.before is None else _show_value(c.before.value),
                      "—" if c.after is None else _show_value(c.after.value), cite.cite())
    console(width=200).print(table)


@countries_app.command("show")
def show_country(
    code: Annotated[str, typer.Argument(help="ISO 3166 alpha-2 code, e.g. AE")],
    as_of: AsOf = None,
    as_json: JsonOpt = False,
) -> None:
    """Print a country's Country Groups (Supp. No. 1 to Part 740) on a date."""
    from rich.table import Table

    from exportgate.cli.output import console
    from exportgate.rules import load_rules

    rules = load_rules()
    day = _as_of(as_of)
    rules.check_date(day, "--as-of")
    cc = rules.country_code(code, "CC")
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
    console(width=200).print(table)
    if not groups:
        typer.echo("(in no Country Group on this date)")
