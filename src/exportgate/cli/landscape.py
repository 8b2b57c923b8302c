"""``exportgate landscape import|countries|country|compare``: who holds the world's compute (TOP500).

A Typer sub-app (``app``) added to the top-level CLI. Nothing heavy is imported at module level (the
views, the database, the workbook readers and matplotlib are imported inside the commands), so
``import exportgate.cli`` stays fast. Errors go through the app's one handler (``cli.main``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from exportgate.errors import InputError

if TYPE_CHECKING:
    from exportgate.landscape.facts import Facts
    from exportgate.landscape.views import Standing

app = typer.Typer(
    name="landscape",
    help="The compute landscape: who holds the world's supercomputers, from every TOP500 list since 1993.",
    no_args_is_help=True,
)

DbOption = Annotated[
    str | None,
    typer.Option("--db", help="Database URL (or a SQLite file path); default EXPORTGATE_DB_URL, else "
                 "EXPORTGATE_HOME/exportgate.db (~/.exportgate)."),
]
SourceOption = Annotated[
    str,
    typer.Option("--source", help="auto (default): shipped per-country facts, with editions you imported read "
                 "from the database; shipped: the shipped facts only; db: imported editions only."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
PlotOption = Annotated[
    Path | None, typer.Option("--plot", help="Also draw systems and share of Rmax over time to FILE.png or FILE.svg.")
]


def _facts(source: str, db: str | None) -> Facts:
    """The facts the views read: shipped, and/or the editions imported into the database."""
    from exportgate.store.top500 import load_facts

    if source not in ("auto", "shipped", "db"):
        raise InputError("--source", f"must be auto, shipped or db, not {source!r}")
    return load_facts(source, db)  # type: ignore[arg-type]


def _json(value: Any) -> None:
    typer.echo(json.dumps(value, indent=2, ensure_ascii=False))


def flops(tflops: float) -> str:
    """Rmax in the unit that reads best: 59.7 GFlop/s, 143.5 PFlop/s, 1.35 EFlop/s."""
    for unit, scale in (("EFlop/s", 1e6), ("PFlop/s", 1e3), ("TFlop/s", 1.0)):
        if tflops >= scale:
            value = tflops / scale
            return f"{value:,.2f} {unit}" if value < 10 else f"{value:,.1f} {unit}"
    return f"{tflops * 1e3:,.1f} GFlop/s"


def _check_plot(plot: Path | None) -> None:
    """A chart path with a suffix other than .png or .svg is refused before any work (matplotlib loads later)."""
    if plot is not None:
        from exportgate.landscape.charts import chart_format

        chart_format(plot)


def _place(value: int | None) -> str:
    return "—" if value is None else str(value)


# --- import -------------------------------------------------------------------------------------------


def _list_files(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix.lower() in (".xls", ".xlsx") and p.is_file())
            if not found:
                raise InputError("PATH", f"{path}: no .xls or .xlsx file in this folder")
            files += found
        elif path.is_file():
            files.append(path)
        else:
            raise InputError("PATH", f"{path}: no such file or folder")
    return files


@app.command("import")
def import_lists(
    paths: Annotated[list[Path], typer.Argument(help="TOP500 list workbooks (TOP500_YYYYMM.xls/.xlsx) or folders of them.")],
    edition: Annotated[str | None, typer.Option("--edition", help="The edition (YYYY-MM) of a single file whose "
                                                "name does not say it.")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Import TOP500 lists into the database; an edition imported again is replaced, all in one transaction."""
    from exportgate.landscape.reader import read_list
    from exportgate.store.top500 import TopList

    files = _list_files(paths)
    if edition is not None and len(files) != 1:
        raise InputError("--edition", "only with a single file (the others are named TOP500_YYYYMM)")
    editions = [read_list(path, edition) for path in files]  # all read and checked before anything is written
    with TopList.open(db) as store:
        done = store.replace(editions)
        url = store.url
    if as_json:
        _json({"db": url, "editions": [d.to_json() for d in done]})
        return
    from rich.table import Table

    from exportgate.cli.output import console as make_console
    from exportgate.cli.output import print_table

    table = Table(title=f"TOP500 lists imported into {url}")
    for col in ("Edition", "No.", "File", "Systems", "Countries", ""):
        table.add_column(col, justify="right" if col in ("No.", "Systems", "Countries") else "left")
    for d in done:
        table.add_row(d.edition, str(d.number), d.source_file, str(d.rows), str(d.countries),
                      "replaced" if d.replaced else "new")
    print_table(table, figures=("Edition",), console=make_console(highlight=False))


# --- views --------------------------------------------------------------------------------------------


@app.command("countries")
def countries_cmd(
    edition: Annotated[str | None, typer.Option("--edition", help="The list (YYYY-MM); default the latest.")] = None,
    top: Annotated[int | None, typer.Option("--top", help="Only the first N countries.")] = None,
    source: SourceOption = "auto",
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Every country on one TOP500 list: systems, share of systems and of Rmax, systems in the top 10."""
    from exportgate.landscape.views import countries

    view = countries(edition, top, facts=_facts(source, db))
    if as_json:
        _json(view.model_dump(mode="json"))
        return
    from rich.table import Table

    from exportgate.cli.output import console as make_console
    from exportgate.cli.output import print_table

    table = Table(title=f"{view.citation} (list no. {view.number}, {view.source} data): {view.countries} "
                        f"countries, {view.systems} systems, {flops(view.rmax_tflops)} Rmax in all")
    for col in ("#", "Country", "Systems", "%", "Rmax", "% Rmax", "Top 10", "Best"):
        table.add_column(col, justify="left" if col == "Country" else "right", no_wrap=col != "Country")
    for row in view.rows:
        table.add_row(_place(row.rank_by_systems), f"{row.name} ({row.country})", str(row.systems),
                      f"{row.systems_pct:.1f}", flops(row.rmax_tflops), f"{row.rmax_pct:.1f}", str(row.top10),
                      _place(row.best_rank))
    print_table(table, figures=("Edition",), console=make_console(highlight=False))


def _history_table(title: str, rows: list[Standing]) -> Any:
    from rich.table import Table

    table = Table(title=title, caption="Place: among countries, by systems / by Rmax")
    for col in ("Edition", "Systems", "%", "Rmax", "% Rmax", "Top 10", "Best", "Place"):
        table.add_column(col, justify="left" if col == "Edition" else "right", no_wrap=True)
    for s in rows:
        table.add_row(s.edition, str(s.systems), f"{s.systems_pct:.1f}", flops(s.rmax_tflops) if s.systems else "—",
                      f"{s.rmax_pct:.1f}", str(s.top10), _place(s.best_rank),
                      f"{_place(s.rank_by_systems)} / {_place(s.rank_by_rmax)}")
    return table


@app.command("country")
def country_cmd(
    country: Annotated[str, typer.Argument(help="ISO code (e.g. CN) or the name TOP500 uses (e.g. 'Korea, South').")],
    source: SourceOption = "auto",
    db: DbOption = None,
    as_json: JsonOption = False,
    plot: PlotOption = None,
) -> None:
    """One country on every TOP500 list: its systems, share of Rmax, place among countries, lead changes."""
    from exportgate.landscape.views import country as country_view

    _check_plot(plot)
    view = country_view(country, facts=_facts(source, db))
    if plot is not None:
        from exportgate.landscape.charts import plot_history

        plot_history(view, plot)
    if as_json:
        _json(view.model_dump(mode="json"))
        return
    from exportgate.cli.output import console as make_console
    from exportgate.cli.output import print_table

    console = make_console(highlight=False)
    print_table(_history_table(f"{view.name} ({view.country}) on the TOP500 lists — {view.citation}",
                               view.editions), figures=("Edition",), console=console)
    if view.first_listed is None:
        console.print(f"{view.name} has no system on any list.")
    else:
        assert view.most_systems is not None and view.largest_rmax_share is not None
        console.print(f"Listed from {view.first_listed} to {view.last_listed}; most systems "
                      f"{view.most_systems.systems} ({view.most_systems.edition}); largest share of Rmax "
                      f"{view.largest_rmax_share.rmax_pct:.1f}% ({view.largest_rmax_share.edition}).")
        console.print(f"Most systems of any country on {len(view.led_by_systems)} lists; largest Rmax on "
                      f"{len(view.led_by_rmax)} lists.")
    for ch in view.lead_changes:
        console.print(f"{ch.edition}: {ch.leader} took the world lead in {_measure(ch.measure)} from {ch.previous}")
    if len(view.database_editions) >= len(view.editions):
        console.print(f"From imported lists: all {len(view.editions)} editions.")
    elif view.database_editions:
        console.print(f"From imported lists: {', '.join(view.database_editions)}; the rest from shipped facts.")
    if plot is not None:
        console.print(f"Chart written to {plot}")


def _measure(measure: str) -> str:
    return "systems" if measure == "systems" else "Rmax"


@app.command("compare")
def compare_cmd(
    countries: Annotated[list[str], typer.Argument(help="Two or more countries (ISO codes or TOP500 names).")],
    source: SourceOption = "auto",
    db: DbOption = None,
    as_json: JsonOption = False,
    plot: PlotOption = None,
) -> None:
    """Countries side by side on every TOP500 list, and the editions where the lead between them changed."""
    from exportgate.landscape.views import compare

    _check_plot(plot)
    view = compare(countries, facts=_facts(source, db))
    if plot is not None:
        from exportgate.landscape.charts import plot_comparison

        plot_comparison(view, plot)
    if as_json:
        _json(view.model_dump(mode="json"))
        return
    from rich.table import Table

    from exportgate.cli.output import console as make_console
    from exportgate.cli.output import print_table

    table = Table(title=f"{', '.join(view.countries)} on the TOP500 lists — {view.citation}",
                  caption="Systems on the list and % of its Rmax; Lead: who is ahead by systems / by Rmax")
    table.add_column("Edition", no_wrap=True)
    for code in view.countries:
        table.add_column(f"{code}", justify="right", no_wrap=True)
    for code in view.countries:
        table.add_column(f"{code} %Rmax", justify="right", no_wrap=True)
    table.add_column("Lead", no_wrap=True)
    for i, edition in enumerate(view.editions):
        lead = f"{view.leaders['systems'][i] or '—'} / {view.leaders['rmax'][i] or '—'}"
        table.add_row(edition, *[str(view.series[c][i].systems) for c in view.countries],
                      *[f"{view.series[c][i].rmax_pct:.1f}" for c in view.countries], lead)
    console = make_console(highlight=False)
    print_table(table, figures=("Edition", "Lead"), console=console)
    for ch in view.lead_changes:
        console.print(f"{ch.edition}: {ch.leader} moved ahead of {ch.previous} in {_measure(ch.measure)}")
    if not view.lead_changes:
        console.print("The lead among them never changed.")
    if plot is not None:
        console.print(f"Chart written to {plot}")
