"""``exportgate classify`` and ``exportgate catalog list|show|diff``."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer

if TYPE_CHECKING:
    from exportgate.rules import Mode, RuleSet

#: the rule modes (``exportgate.rules.Mode``), spelt out so that ``--help`` need not load the rules
ModeName = Literal["enforced", "text"]

AsOf = Annotated[str | None, typer.Option("--as-of", help="Date to classify as of (YYYY-MM-DD); default today (UTC).")]
ModeOpt = Annotated[ModeName, typer.Option("--mode", help="enforced (what BIS enforces) or text (what the CFR says).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]

catalog_app = typer.Typer(help="The bundled catalog of real accelerators (sources in its PROVENANCE).",
                          no_args_is_help=True)


def parse_as_of(text: str | None, field: str = "--as-of") -> date:
    """A date given on the command line; default today (UTC)."""
    from exportgate.errors import InputError

    if text is None:
        return datetime.now(UTC).date()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(field, f"not a date in YYYY-MM-DD form (got {text!r})") from None


def _setup(as_of: str | None, mode: ModeName) -> tuple[RuleSet, date, Mode]:
    """The rules, the ``--as-of`` day (checked against the period the rule data covers) and the mode."""
    from exportgate.rules import Mode, load_rules

    day = parse_as_of(as_of)
    rules = load_rules()
    rules.check_date(day, field="--as-of")
    return rules, day, Mode(mode)


def classify_cmd(
    file: Annotated[str | None, typer.Argument(help="YAML or JSON file with one item or a list; - for stdin.")] = None,
    catalog: Annotated[str | None, typer.Option("--catalog", help="Classify a bundled catalog chip by name.")] = None,
    as_of: AsOf = None,
    mode: ModeOpt = "enforced",
    as_json: JsonOpt = False,
) -> None:
    """Classify items (ICs, computers/servers, HBM stacks, model weights) under the CCL as of a date."""
    from rich.table import Table

    from exportgate.classify import Item, catalog_item, classify, parse_items
    from exportgate.classify.engine import fmt
    from exportgate.cli.output import console, print_table
    from exportgate.errors import InputError
    from exportgate.io import read_document

    rules, day, m = _setup(as_of, mode)
    if (file is None) == (catalog is None):
        raise InputError("FILE", "give a FILE (or - for stdin) or --catalog NAME, not both and not neither")
    items: list[Item]
    if catalog is not None:
        items = [catalog_item(catalog, field="--catalog")]
        is_list = False
    else:
        assert file is not None
        doc = read_document(file)
        is_list = isinstance(doc, list)
        items = parse_items(doc)
    results = [classify(item, day, m, rules) for item in items]
    if as_json:
        payload: Any = [r.to_json() for r in results] if is_list else results[0].to_json()
        typer.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    table = Table(title=f"Classification as of {day.isoformat()} ({m.value} mode)", show_lines=True)
    for col in ("name", "classification", "TPP", "PD", "reasons", "citations"):
        table.add_column(col, overflow="fold")
    for r in results:
        table.add_row(
            r.name or "-",
            r.label or "none (null)",
            fmt(r.tpp) if r.tpp is not None else "-",
            fmt(r.performance_density) if r.performance_density is not None else "-",
            "\n".join(r.reasons),
            "\n".join(r.citations),
        )
    print_table(table, figures=("classification", "TPP", "PD"), console=console())


@catalog_app.command("diff")
def catalog_diff(
    first: Annotated[str, typer.Argument(help="First date (YYYY-MM-DD).")],
    second: Annotated[str, typer.Argument(help="Second date (YYYY-MM-DD).")],
    mode: ModeOpt = "enforced",
    as_json: JsonOpt = False,
) -> None:
    """Catalog chips whose classification changed between two dates."""
    from rich.table import Table

    from exportgate.classify import catalog_changes
    from exportgate.classify.engine import fmt
    from exportgate.cli.output import console, print_table
    from exportgate.rules import Mode, load_rules

    m = Mode(mode)
    d1 = parse_as_of(first, field="DATE1")
    d2 = parse_as_of(second, field="DATE2")
    rules = load_rules()
    rules.check_date(d1, field="DATE1")
    rules.check_date(d2, field="DATE2")
    changes = catalog_changes(d1, d2, m, rules)
    if as_json:
        typer.echo(json.dumps(changes, indent=2, ensure_ascii=False))
        return
    table = Table(title=f"Catalog classification changes {d1.isoformat()} -> {d2.isoformat()} ({m.value})")
    for col in ("name", d1.isoformat(), d2.isoformat(), "TPP", "PD", "note"):
        table.add_column(col)
    for ch in changes:
        note = "renamed only" if ch["same_control"] else ""
        table.add_row(ch["name"], ch["before_label"], ch["after_label"], fmt(ch["tpp"]) if ch["tpp"] else "-",
                      fmt(ch["performance_density"]) if ch["performance_density"] else "unknown", note)
    print_table(table, figures=(d1.isoformat(), d2.isoformat(), "TPP", "PD"), console=console())


@catalog_app.command("list")
def catalog_list(as_of: AsOf = None, mode: ModeOpt = "enforced", as_json: JsonOpt = False) -> None:
    """Every catalog chip with its TPP, PD and classification as of a date."""
    from rich.table import Table

    from exportgate.classify import catalog_entries, classification_label, classify_entry
    from exportgate.classify.engine import fmt
    from exportgate.cli.output import console, print_table

    rules, day, m = _setup(as_of, mode)
    rows = [(e, *classify_entry(e, day, m, rules)) for e in catalog_entries()]
    if as_json:
        out = []
        for e, c, err in rows:
            out.append({
                "name": e.name,
                "vendor": e.vendor,
                "classification": c.classification if c else None,
                "tpp": c.tpp if c else None,
                "performance_density": c.performance_density if c else None,
                "as_of": day.isoformat(),
                "mode": m.value,
                "undetermined": err,
            })
        typer.echo(json.dumps(out, indent=2, ensure_ascii=False))
        return
    table = Table(title=f"Chip catalog as of {day.isoformat()} ({m.value} mode)")
    for col in ("name", "vendor", "TPP", "PD", "classification"):
        table.add_column(col)
    for e, c, err in rows:
        tpp = fmt(c.tpp) if c and c.tpp is not None else "-"
        pd = fmt(c.performance_density) if c and c.performance_density is not None else "unknown"
        table.add_row(e.name, e.vendor, tpp, pd if c else "-", classification_label(c, err))
    print_table(table, figures=("TPP", "PD", "classification"), console=console())


@catalog_app.command("show")
def catalog_show(
    name: Annotated[str, typer.Argument(help="Catalog name or alias (see `exportgate catalog list`).")],
    as_of: AsOf = None,
    mode: ModeOpt = "enforced",
    as_json: JsonOpt = False,
) -> None:
    """All fields of one catalog chip, with their sources and its classification as of a date."""
    from rich.table import Table

    from exportgate.classify import classify_entry, find_entry
    from exportgate.classify.catalog import THROUGHPUT_COLUMNS
    from exportgate.cli.output import console, print_table

    rules, day, m = _setup(as_of, mode)
    entry = find_entry(name, field="NAME")
    c, err = classify_entry(entry, day, m, rules)
    if as_json:
        typer.echo(json.dumps({
            "name": entry.name,
            "fields": entry.row,
            "caveats": entry.caveats(),
            "classification": c.to_json() if c else None,
            "undetermined": err,
        }, indent=2, ensure_ascii=False))
        return
    out = console()
    table = Table(title=entry.name, show_header=False)
    table.add_column("field")
    table.add_column("value", overflow="fold")
    for key, value in entry.row.items():
        if key in THROUGHPUT_COLUMNS.values() and not value:
            continue
        table.add_row(key, value or "-")
    print_table(table, figures=("field",), console=out)
    for caveat in entry.caveats():
        out.print(f"caveat: {caveat}")
    if c is None:
        out.print(f"classification as of {day.isoformat()} ({m.value}): undetermined — {err}")
        return
    out.print(f"classification as of {day.isoformat()} ({m.value}): {c.classification or 'none (null)'}")
    for reason in c.reasons:
        out.print(f"  - {reason}")
    for cite in c.citations:
        out.print(f"  cite: {cite}")
