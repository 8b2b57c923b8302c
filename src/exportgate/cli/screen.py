"""``exportgate screen NAME`` and ``exportgate screen-batch INPUT --out OUTPUT``.

The file readers and writers of ``screen-batch`` are :mod:`exportgate.screen.batch`; this module only
shows progress and the summary.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from exportgate.cli.service import AsOption, DbOption

if TYPE_CHECKING:
    from exportgate.screen import Screener, ScreenResult

HomeOpt = Annotated[
    Path | None,
    typer.Option("--home", help="Data home for updated lists (default: $EXPORTGATE_HOME or ~/.exportgate)."),
]


def _screener(home: Path | None) -> Screener:
    from exportgate.screen import Screener
    from exportgate.screen.lists import load_active

    return Screener(load_active(home))


def screen_cmd(
    name: Annotated[str, typer.Argument(help="Name of the party to screen.")],
    country: Annotated[
        str | None, typer.Option("--country", help="ISO 3166 alpha-2 country of the party (evidence).")
    ] = None,
    type_: Annotated[str | None, typer.Option("--type", help="entity or person (evidence).")] = None,
    threshold: Annotated[
        float | None, typer.Option("--threshold", help="Report matches scoring at least this (0-1).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    home: HomeOpt = None,
    dob: Annotated[
        str | None, typer.Option("--dob", help="Date of birth YYYY, YYYY-MM or YYYY-MM-DD (evidence).")
    ] = None,
    nationality: Annotated[
        str | None, typer.Option("--nationality", help="A person's nationality, ISO alpha-2 (evidence).")
    ] = None,
    ids: Annotated[
        list[str] | None,
        typer.Option(
            "--id",
            help="An identifier, as VALUE or KIND:VALUE (passport, national id, tax id, imo, registration); "
            "repeatable (evidence).",
        ),
    ] = None,
    save: Annotated[
        bool, typer.Option("--save", help="Store the screening as a case in the store; each match an alert.")
    ] = False,
    db: DbOption = None,
    as_user: AsOption = None,
) -> None:
    """Screen one name against the restricted-party lists; matches best first, each with the evidence rows
    (country, nationality, date of birth, identifiers) that moved its score."""
    from exportgate.errors import InputError
    from exportgate.screen.screener import (
        validate_country,
        validate_dob,
        validate_name,
        validate_threshold,
        validate_type,
    )

    validate_name(name)
    validate_country(country)
    validate_country(nationality, "nationality")
    validate_dob(dob)
    etype = validate_type(type_)
    if etype is not None and etype.value not in {"entity", "person"}:
        raise InputError("type", f"must be entity or person, got {type_!r}")
    validate_threshold(threshold)
    if save:
        _screen_and_save(name, country, etype.value if etype else None, threshold, as_json, home, db, as_user,
                         dob=dob, ids=ids, nationality=nationality)
        return
    screener = _screener(home)
    res = screener.screen(
        name, country=country, type=etype, threshold=threshold, dob=dob, identifiers=ids, nationality=nationality
    )
    if as_json:
        typer.echo(json.dumps(res.to_json(), ensure_ascii=False, indent=2))
        return
    _print_result(res, screener, threshold)


def _screen_and_save(name: str, country: str | None, type_: str | None, threshold: float | None, as_json: bool,
                     home: Path | None, db: str | None, as_user: str | None, *, dob: str | None = None,
                     ids: list[str] | None = None, nationality: str | None = None) -> None:
    """``screen --save``: through the service, which stores the case and opens its alerts."""
    from exportgate.cli.service import acting, open_service, print_alerts
    from exportgate.screen import Match, ScreenResult
    from exportgate.store.accounts import Permission

    with open_service(db, home) as svc:
        actor = acting(svc, as_user, Permission.SCREEN)
        case = svc.screen(actor, name, country=country, type=type_, threshold=threshold, dob=dob, identifiers=ids,
                          nationality=nationality)
        screener = svc.screener
        if as_json:
            summary = {k: v for k, v in case.model_dump(mode="json").items() if k not in ("input", "result", "runs")}
            typer.echo(json.dumps({**case.result, "case": summary}, ensure_ascii=False, indent=2))
            return
        r = case.result
        res = ScreenResult(query=r["query"], lists_as_of=r["lists_as_of"], matches=[Match(**m) for m in r["matches"]],
                           warnings=list(r.get("warnings", [])))
        _print_result(res, screener, threshold)
    typer.echo(f"saved as case #{case.id}: {case.status}, {case.alerts} alert(s), {case.open_alerts} open")
    print_alerts(case.alert_list)


def _print_result(res: ScreenResult, screener: Screener, threshold: float | None) -> None:
    from rich.table import Table

    from exportgate.cli.output import console, line, print_table, styled

    out = console()
    dates = ", ".join(f"{k} {v}" for k, v in sorted(res.lists_as_of.items()))
    for w in res.warnings:
        out.print(line(("warning:", "yellow"), f" {w}"))
    thr = threshold if threshold is not None else screener.config.potential_threshold
    if not res.matches:
        out.print(line(f"No match at or above {thr:.2f} for ", (res.query, "bold"), "."))
        out.print(f"Lists as of: {dates}")
        return
    table = Table(title=f"Screening '{res.query}' — {len(res.matches)} match(es) at or above {thr:.2f}")
    table.add_column("Score", justify="right")
    table.add_column("Strength")
    table.add_column("List")
    table.add_column("Listed name")
    table.add_column("Matched name")
    table.add_column("Country")
    table.add_column("EL footnote")
    table.add_column("License policy")
    table.add_column("Entity id")
    for m in res.matches:
        table.add_row(
            f"{m.score:.3f}",
            styled(m.strength, "bold red" if m.strength == "strong" else "yellow"),
            m.list,
            m.name,
            m.matched_name if m.matched_name != m.name else "",
            m.country or "",
            str(m.entity_list_footnote) if m.entity_list_footnote is not None else "",
            m.license_policy or "",
            m.entity_id,
        )
    print_table(table, figures=("Strength", "List", "Entity id"), console=out)
    best = res.matches[0]
    aligned = ", ".join(
        f"{a['query']}~{a['listed']} ({a['similarity']:.2f}, w {a['query_weight']:.1f})"
        for a in best.explanation["aligned"]
    )
    out.print(f"Best match: tokens {aligned}; features {best.explanation['features']}")
    reading = best.explanation.get("reading")
    if reading:
        out.print(f"Read as: {reading['text']} ({reading['source']})")
    for row in best.explanation.get("evidence", []):
        out.print(f"Evidence: {row['feature']} {row['adjustment']:+.2f}: {row['detail']}")
    out.print(f"Lists as of: {dates}  (use --json for every match's full explanation)")


def screen_batch_cmd(
    input_path: Annotated[
        Path, typer.Argument(metavar="INPUT", help="CSV, JSON lines or Parquet file (or folder of Parquet files).")
    ],
    out: Annotated[
        Path, typer.Option("--out", help="Output: .csv, .jsonl, .parquet, or a folder of Parquet files (no suffix).")
    ],
    threshold: Annotated[
        float | None, typer.Option("--threshold", help="Report matches scoring at least this (0-1).")
    ] = None,
    engine: Annotated[
        str, typer.Option("--engine", help="local: this machine's cores; dask: a dask.distributed cluster.")
    ] = "local",
    workers: Annotated[
        int | None,
        typer.Option("--workers", help="Worker processes (local, or a LocalCluster); default: every core."),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option("--scheduler", help="Dask scheduler address (tcp://host:8786); default: start a LocalCluster."),
    ] = None,
    partitions: Annotated[
        int | None, typer.Option("--partitions", help="Split the input into this many partitions.")
    ] = None,
    resume: Annotated[
        bool, typer.Option("--resume", help="Continue an interrupted run from its finished partitions.")
    ] = False,
    timeout: Annotated[
        float, typer.Option("--timeout", help="Seconds to wait for the Dask scheduler.", hidden=True)
    ] = 10.0,
    home: HomeOpt = None,
) -> None:
    """Screen every row of a file of parties (columns name, country, type, dob, identifiers, id); write one
    result per row, in input order.

    Rows that cannot be screened get status "error" with the reason; the others status "ok". Exit code
    0 when every row was screened, 1 when some rows could not be, 2 when the file cannot be read, 130 when
    interrupted (rerun with --resume to continue).
    """
    from exportgate.cli.output import console
    from exportgate.screen.batch import BatchInterrupted, BatchOptions, input_kind, output_kind, run_batch
    from exportgate.screen.screener import validate_threshold

    err = console(stderr=True)
    err.soft_wrap = True
    validate_threshold(threshold)
    input_kind(input_path)
    output_kind(out)
    opts = BatchOptions(
        input=input_path,
        out=out,
        threshold=threshold,
        engine=engine,
        workers=workers,
        scheduler=scheduler,
        partitions=partitions,
        resume=resume,
        home=home,
        connect_timeout=timeout,
    )
    screener = _screener(home)
    bar = _BatchProgress(err)
    try:
        with bar:
            summary = run_batch(opts, screener, progress=bar, note=lambda msg: err.print(f"note: {msg}"))
    except BatchInterrupted as exc:
        err.print(str(exc))
        raise typer.Exit(130) from None
    _print_summary(err, summary)
    if summary.errors:
        raise typer.Exit(1)


class _BatchProgress:
    """A rich progress bar with rows per second on a terminal; nothing in a pipe or a log."""

    def __init__(self, console: Any) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TaskProgressColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.progress = Progress(
            TextColumn("screening"),
            BarColumn(),
            TaskProgressColumn(),
            MofNCompleteColumn(),
            TextColumn("rows"),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=console,
            disable=not console.is_terminal,
            transient=False,
        )
        self.task: Any = None
        self._start = 0.0
        self._done = 0

    def __enter__(self) -> _BatchProgress:
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.task is not None:
            self.progress.stop()

    def start(self, total_rows: int, done_rows: int) -> None:
        """Called once the workers exist: the display's refresh thread starts only after they are forked."""
        import time

        self._start = time.perf_counter()
        self._done = 0
        self.task = self.progress.add_task("screen", total=total_rows, completed=done_rows, rate="")
        self.progress.start()

    def advance(self, rows: int) -> None:
        import time

        self._done += rows
        elapsed = time.perf_counter() - self._start
        rate = f"{self._done / elapsed:,.0f} rows/s" if elapsed > 0 else ""
        self.progress.update(self.task, advance=rows, rate=rate)


def _print_summary(err: Any, s: Any) -> None:
    """The end summary, on every run: lines read, rows screened, alerts, errors, time, rows/s."""
    if s.input_kind == "parquet":
        read = f"{s.rows:,} rows read"
    else:
        parts = [f"{s.rows:,} rows"]
        if s.header_lines:
            parts.insert(0, "1 header")
        if s.blank:
            parts.append(f"{s.blank:,} blank")
        read = f"{s.lines:,} input lines read ({', '.join(parts)})"
    err.print(
        f"{read}: {s.ok:,} screened, {s.alerts:,} with matches ({s.strong:,} strong), "
        f"{s.errors:,} could not be screened; wrote {s.out}"
    )
    resumed = f"; {s.resumed_rows:,} rows from the interrupted run" if s.resumed_partitions else ""
    err.print(
        f"{s.screened_now:,} rows screened in {s.seconds:.1f} s ({s.rows_per_second:,.0f} rows/s), "
        f"engine {s.engine}, {s.workers} worker(s), {s.partitions} partition(s){resumed}"
    )
    for row, error in s.error_examples:
        err.print(f"  row {row}: {error}")
    if s.errors > len(s.error_examples):
        err.print(f"  ... and {s.errors - len(s.error_examples):,} more (status=error in the output)")
    dates = ", ".join(f"{k} {v}" for k, v in sorted(s.lists_as_of.items()))
    err.print(f"Lists as of: {dates}")
