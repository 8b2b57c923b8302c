"""``exportgate check``, ``exportgate schema package`` and ``exportgate run`` (the main job)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from exportgate.errors import InputError, InputErrors
from exportgate.io import parse_date
from exportgate.rules import Mode

EXAMPLE_SUFFIXES = (".yaml", ".yml", ".json")
MEMO_FORMATS = ("html", "md", "pdf")

schema_app = typer.Typer(help="Print the JSON Schema of an input file format.", no_args_is_help=True)


def _ledger(url: str | None) -> Any | None:
    """The compute ledger (``exportgate.store.Ledger``; ``url`` or its default), or None when the store is not
    installed (the tally then shows an empty ledger)."""
    try:
        from exportgate.store import Ledger
    except ImportError:
        return None
    return Ledger.open(url)


def _write_memo(result: dict[str, Any], path: Path) -> Path:
    """Write one memo (format from the suffix; the renderer writes a temp file and renames it)."""
    try:
        from exportgate.reports import write_report
    except ImportError:
        raise InputError("--report", "the memo renderer (exportgate.reports) is not installed") from None
    written: Path = write_report(result, path)
    return written


def _print_summary(result: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    pkg = result["package"]
    console.print(
        f"[bold]{pkg['name']}[/bold] — {', '.join(pkg['destinations'])} — as of {result['as_of']} "
        f"({result['mode']} mode)"
    )
    console.print(f"verdict: [bold]{result['verdict'].replace('_', ' ').upper()}[/bold]")
    for r in result["verdict_reasons"]:
        console.print(f"  - {r}", markup=False)
    findings = result["completeness"]["findings"]
    if findings:
        console.print(f"completeness: {result['completeness']['status']}")
        for f in findings:
            console.print(f"  [{f['severity']}] {f['id']}: {f['message']} ({f['citation']})", markup=False)
    table = Table(title="Lines")
    for col in ("line", "qty", "classification", "to", "end user", "status"):
        table.add_column(col, overflow="fold")
    for layer in result["layers"]:
        for line in layer["lines"]:
            for d in line["determinations"]:
                table.add_row(
                    line["ref"].removeprefix("layers."),
                    f"{line['quantity']:g}",
                    str(line["classification"]),
                    d["destination"],
                    d["end_user"],
                    d["status"],
                )
    console.print(table)
    for p in result["screening"]["parties"]:
        if p["status"] != "clear":
            top = p["matches"][0] if p["matches"] else {}
            console.print(
                f"screening: {p['name']} ({p['role']}): {p['status']} — {top.get('matched_name')} "
                f"[{top.get('list')}] score {top.get('score')}",
                markup=False,
            )
    for row in result["compute"]["per_destination"]:
        alloc = (
            ""
            if row["allocation"] is None
            else f", allocation {row['allocation']:,.0f}, remaining {row['remaining']:,.0f}"
        )
        console.print(
            f"compute {row['country']}: {row['tpp']:,.0f} TPP (ledger before {row['ledger_before']:,.0f}{alloc})"
        )
    for c in result["conditions"]:
        console.print(f"condition: {c}", markup=False)


def check(
    package: Annotated[str, typer.Argument(help="Package file (YAML or JSON; - for stdin).")],
    as_of: Annotated[str | None, typer.Option("--as-of", help="Date YYYY-MM-DD (default: the package's date).")] = None,
    mode: Annotated[
        str, typer.Option("--mode", help="enforced (what BIS enforces) or text (the CFR text).")
    ] = "enforced",
    as_json: Annotated[bool, typer.Option("--json", help="Print the result document as JSON.")] = False,
    report: Annotated[
        list[Path] | None,
        typer.Option("--report", help="Write the decision memo (.html, .md or .pdf); may be repeated."),
    ] = None,
    no_ledger: Annotated[
        bool, typer.Option("--no-ledger", help="Ignore the compute ledger (tally from zero).")
    ] = False,
    db: Annotated[
        str | None,
        typer.Option("--db", help="Ledger database URL or SQLite path (default: EXPORTGATE_DB_URL, EXPORTGATE_HOME)."),
    ] = None,
) -> None:
    """Check a full-stack package: completeness, classification, screening, determination, compute, verdict.

    Exit code: 0 clear, 10 license_required, 20 review, 30 blocked, 2 bad input.
    """
    from exportgate.packages import check_package, load_package

    m = Mode.parse(mode)
    day = parse_date(as_of, "--as-of") if as_of is not None else None
    for path in report or []:
        if path.suffix.lower().lstrip(".") not in MEMO_FORMATS:
            raise InputError("--report", f"{path}: the memo is .html, .md or .pdf")
    loaded = load_package(package)
    ledger = None if no_ledger else _ledger(db)
    result = check_package(loaded, day, m, ledger=ledger)
    data = result.to_json()
    for path in report or []:
        _write_memo(data, path)
    if as_json:
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))
    else:
        _print_summary(data)
    raise typer.Exit(result.exit_code)


def schema_package() -> None:
    """Print the JSON Schema of the package file."""
    from exportgate.packages import package_json_schema

    typer.echo(json.dumps(package_json_schema(), indent=2))


def find_examples(directory: Path | None) -> tuple[Path, list[Path]]:
    """The example packages: DIRECTORY if given, else ./examples, else the copies bundled with the tool."""
    if directory is None:
        cwd = Path("examples")
        if cwd.is_dir() and any(p.suffix in EXAMPLE_SUFFIXES for p in cwd.iterdir()):
            directory = cwd
        else:
            directory = Path(__file__).parent / "examples"
    if not directory.is_dir():
        raise InputError("DIRECTORY", f"{directory} is not a directory of example packages")
    files = sorted(p for p in directory.iterdir() if p.suffix in EXAMPLE_SUFFIXES)
    if not files:
        raise InputError("DIRECTORY", f"{directory} holds no .yaml/.yml/.json package")
    return directory, files


def run(
    directory: Annotated[Path | None, typer.Argument(help="Directory of packages (default: ./examples).")] = None,
    out: Annotated[Path, typer.Option("--out", help="Where the memos go.")] = Path("out"),
    mode: Annotated[str, typer.Option("--mode", help="enforced or text.")] = "enforced",
) -> None:
    """The main job: check every example package, write its memos (HTML, Markdown, PDF, JSON) to OUT and
    print one verdict line per package. Exits 0 when every package got its expected_verdict."""
    from exportgate.packages import check_package, load_package

    m = Mode.parse(mode)
    directory, files = find_examples(directory)
    out.mkdir(parents=True, exist_ok=True)
    failures = 0
    bundled = directory == Path(__file__).parent / "examples"
    for path in files:
        label = f"(bundled) {path.name}" if bundled else str(path)
        try:
            loaded = load_package(str(path))
            result = check_package(loaded, None, m, ledger=None)
        except (InputError, InputErrors) as exc:
            errs = exc.errors if isinstance(exc, InputErrors) else [exc]
            typer.echo(f"{'error':<17} {label}: " + "; ".join(str(e) for e in errs))
            failures += 1
            continue
        data = result.to_json()
        written = []
        for fmt in MEMO_FORMATS:
            written.append(_write_memo(data, out / f"{path.stem}.{fmt}"))
        json_path = out / f"{path.stem}.json"
        tmp = json_path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
        tmp.replace(json_path)
        expected = loaded.package.expected_verdict
        ok = expected is None or expected == result.verdict
        if not ok:
            failures += 1
        mark = "ok" if ok else f"MISMATCH (expected {expected})"
        reason = data["verdict_reasons"][0] if data["verdict_reasons"] else ""
        if len(reason) > 110:
            reason = reason[:109] + "…"
        typer.echo(f"{result.verdict:<17} {label} [{mark}] {reason}")
    typer.echo(f"{len(files)} packages, {failures} failed; memos in {out}/")
    if failures:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add this package's commands to the top-level app."""
    app.command("check")(check)
    app.command("run")(run)
    schema_app.command("package")(schema_package)
    app.add_typer(schema_app, name="schema")
