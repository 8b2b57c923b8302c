"""CLI commands of the classification package: ``classify``, ``catalog list``, ``catalog show``."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from exportgate.classify.catalog import THROUGHPUT_COLUMNS, CatalogEntry, catalog_entries, catalog_item, find_entry
from exportgate.classify.engine import classify, fmt
from exportgate.classify.model import Classification, Item, parse_items
from exportgate.errors import InputError, InputErrors
from exportgate.io import read_document
from exportgate.rules import Mode, load_rules

AsOf = Annotated[str | None, typer.Option("--as-of", help="Date to classify as of (YYYY-MM-DD); default today (UTC).")]
ModeOpt = Annotated[Mode, typer.Option("--mode", help="enforced (what BIS enforces) or text (what the CFR says).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def _fail(exc: InputError | InputErrors) -> typer.Exit:
    errors = exc.errors if isinstance(exc, InputErrors) else [exc]
    for err in errors:
        typer.echo(f"error: {err}", err=True)
    return typer.Exit(2)


def parse_as_of(text: str | None, field: str = "--as-of") -> date:
    if text is None:
        return datetime.now(UTC).date()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(field, f"not a date in YYYY-MM-DD form (got {text!r})") from None


def _short(c: Classification | None, error: str | None) -> str:
    if error is not None:
        return "undetermined"
    assert c is not None
    return c.classification or "—"


def _classify_catalog(entry: CatalogEntry, as_of: date, mode: Mode) -> tuple[Classification | None, str | None]:
    """Classify a catalog row; a missing figure makes it 'undetermined' with the reason, never a guess."""
    if not entry.classifiable:
        return None, "no published dense throughput: unclassifiable"
    try:
        return classify(catalog_item(entry.name), as_of, mode), None
    except InputError as exc:
        if exc.field == "as_of":
            raise
        return None, str(exc)


def register(app: typer.Typer) -> None:
    """Add this package's commands to the top-level app."""

    @app.command("classify")
    def classify_cmd(
        file: Annotated[str | None, typer.Argument(help="YAML or JSON file with one item or a list; - for stdin.")] = None,
        catalog: Annotated[str | None, typer.Option("--catalog", help="Classify a bundled catalog chip by name.")] = None,
        as_of: AsOf = None,
        mode: ModeOpt = Mode.ENFORCED,
        as_json: JsonOpt = False,
    ) -> None:
        """Classify items (ICs, computers/servers, HBM stacks, model weights) under the CCL as of a date."""
        try:
            day = parse_as_of(as_of)
            rules = load_rules()
            rules.check_date(day, field="--as-of")
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
            results = [classify(item, day, mode, rules) for item in items]
        except (InputError, InputErrors) as exc:
            raise _fail(exc) from None
        if as_json:
            payload: Any = [r.to_json() for r in results] if is_list else results[0].to_json()
            typer.echo(json.dumps(payload, indent=2, ensure_ascii=False))
            return
        console = Console()
        table = Table(title=f"Classification as of {day.isoformat()} ({mode.value} mode)", show_lines=True)
        for col in ("name", "classification", "TPP", "PD", "reasons", "citations"):
            table.add_column(col, overflow="fold")
        for r in results:
            table.add_row(
                Text(r.name or "-"),
                r.classification or "none (null)",
                fmt(r.tpp) if r.tpp is not None else "-",
                fmt(r.performance_density) if r.performance_density is not None else "-",
                Text("\n".join(r.reasons)),
                Text("\n".join(r.citations)),
            )
        console.print(table)

    catalog_app = typer.Typer(help="The bundled catalog of real accelerators (sources in its PROVENANCE).",
                              no_args_is_help=True)
    app.add_typer(catalog_app, name="catalog")
    register_diff(catalog_app)

    @catalog_app.command("list")
    def catalog_list(as_of: AsOf = None, mode: ModeOpt = Mode.ENFORCED, as_json: JsonOpt = False) -> None:
        """Every catalog chip with its TPP, PD and classification as of a date."""
        try:
            day = parse_as_of(as_of)
            load_rules().check_date(day, field="--as-of")
            rows = [(e, *_classify_catalog(e, day, mode)) for e in catalog_entries()]
        except (InputError, InputErrors) as exc:
            raise _fail(exc) from None
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
                    "mode": mode.value,
                    "undetermined": err,
                })
            typer.echo(json.dumps(out, indent=2, ensure_ascii=False))
            return
        table = Table(title=f"Chip catalog as of {day.isoformat()} ({mode.value} mode)")
        for col in ("name", "vendor", "TPP", "PD", "classification"):
            table.add_column(col)
        for e, c, err in rows:
            tpp = fmt(c.tpp) if c and c.tpp is not None else "-"
            pd = fmt(c.performance_density) if c and c.performance_density is not None else "unknown"
            table.add_row(Text(e.name), Text(e.vendor), tpp, pd if c else "-", _short(c, err))
        Console().print(table)

    @catalog_app.command("show")
    def catalog_show(
        name: Annotated[str, typer.Argument(help="Catalog name or alias (see `exportgate catalog list`).")],
        as_of: AsOf = None,
        mode: ModeOpt = Mode.ENFORCED,
        as_json: JsonOpt = False,
    ) -> None:
        """All fields of one catalog chip, with their sources and its classification as of a date."""
        try:
            day = parse_as_of(as_of)
            load_rules().check_date(day, field="--as-of")
            entry = find_entry(name, field="NAME")
            c, err = _classify_catalog(entry, day, mode)
        except (InputError, InputErrors) as exc:
            raise _fail(exc) from None
        if as_json:
            typer.echo(json.dumps({
                "name": entry.name,
                "fields": entry.row,
                "caveats": entry.caveats(),
                "classification": c.to_json() if c else None,
                "undetermined": err,
            }, indent=2, ensure_ascii=False))
            return
        console = Console()
        table = Table(title=entry.name, show_header=False)
        table.add_column("field")
        table.add_column("value", overflow="fold")
        for key, value in entry.row.items():
            if key in THROUGHPUT_COLUMNS.values() and not value:
                continue
            table.add_row(key, Text(value or "-"))
        console.print(table)
        for caveat in entry.caveats():
            console.print(f"caveat: {caveat}", markup=False)
        if c is None:
            console.print(f"classification as of {day.isoformat()} ({mode.value}): undetermined — {err}", markup=False)
            return
        console.print(f"classification as of {day.isoformat()} ({mode.value}): {c.classification or 'none (null)'}")
        for reason in c.reasons:
            console.print(f"  - {reason}", markup=False)
        for cite in c.citations:
            console.print(f"  cite: {cite}", markup=False)


def catalog_changes(first: date, second: date, mode: Mode) -> list[dict[str, Any]]:
    """Catalog chips whose classification differs between two dates (undetermined counts as a value)."""
    out: list[dict[str, Any]] = []
    for entry in catalog_entries():
        if not entry.classifiable:
            continue
        before, err_before = _classify_catalog(entry, first, mode)
        after, err_after = _classify_catalog(entry, second, mode)
        a = _short(before, err_before)
        b = _short(after, err_after)
        if a == b:
            continue
        both = [c for c in (before, after) if c is not None]
        out.append({
            "name": entry.name,
            "before": before.classification if before else None,
            "after": after.classification if after else None,
            "before_label": a,
            "after_label": b,
            "undetermined_before": err_before,
            "undetermined_after": err_after,
            "tpp": both[0].tpp if both else None,
            "performance_density": both[-1].performance_density if both else None,
            "same_control": bool(before and after and before.tier == after.tier and before.tier is not None),
        })
    return out


def register_diff(catalog_app: typer.Typer) -> None:
    @catalog_app.command("diff")
    def catalog_diff(
        first: Annotated[str, typer.Argument(help="First date (YYYY-MM-DD).")],
        second: Annotated[str, typer.Argument(help="Second date (YYYY-MM-DD).")],
        mode: ModeOpt = Mode.ENFORCED,
        as_json: JsonOpt = False,
    ) -> None:
        """Catalog chips whose classification changed between two dates."""
        try:
            d1 = parse_as_of(first, field="DATE1")
            d2 = parse_as_of(second, field="DATE2")
            rules = load_rules()
            rules.check_date(d1, field="DATE1")
            rules.check_date(d2, field="DATE2")
            changes = catalog_changes(d1, d2, mode)
        except (InputError, InputErrors) as exc:
            raise _fail(exc) from None
        if as_json:
            typer.echo(json.dumps(changes, indent=2, ensure_ascii=False))
            return
        table = Table(title=f"Catalog classification changes {d1.isoformat()} -> {d2.isoformat()} ({mode.value})")
        for col in ("name", d1.isoformat(), d2.isoformat(), "TPP", "PD", "note"):
            table.add_column(col)
        for ch in changes:
            note = "renamed only" if ch["same_control"] else ""
            table.add_row(Text(ch["name"]), ch["before_label"], ch["after_label"], fmt(ch["tpp"]) if ch["tpp"] else "-",
                          fmt(ch["performance_density"]) if ch["performance_density"] else "unknown", note)
        Console().print(table)
