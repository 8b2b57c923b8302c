"""``exportgate check``, ``exportgate schema package`` and ``exportgate run`` (the main job)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from exportgate.cli.service import AsOption

schema_app = typer.Typer(help="Print the JSON Schema of an input file format.", no_args_is_help=True)


def _print_summary(result: dict[str, Any]) -> None:
    from rich.table import Table

    from exportgate.cli.output import console, line, print_table

    out = console()
    pkg = result["package"]
    out.print(line((pkg["name"], "bold"),
                   f" — {', '.join(pkg['destinations'])} — as of {result['as_of']} ({result['mode']} mode)"))
    out.print(line("verdict: ", (result["verdict"].replace("_", " ").upper(), "bold")))
    for r in result["verdict_reasons"]:
        out.print(f"  - {r}")
    findings = result["completeness"]["findings"]
    if findings:
        out.print(f"completeness: {result['completeness']['status']}")
        for f in findings:
            out.print(f"  [{f['severity']}] {f['id']}: {f['message']} ({f['citation']})")
    table = Table(title="Lines")
    for col in ("line", "qty", "classification", "to", "end user", "status"):
        table.add_column(col, overflow="fold")
    for layer in result["layers"]:
        for ln in layer["lines"]:
            rows = [(d["destination"], d["end_user"], d["status"]) for d in ln["determinations"]]
            for dest, end_user, status in rows or [("-", "-", ln.get("status") or "-")]:
                table.add_row(
                    ln["ref"].removeprefix("layers."),
                    f"{ln['quantity']:g}",
                    _classification_label(ln),
                    dest,
                    end_user,
                    status,
                )
    print_table(table, figures=("line", "qty", "classification", "to", "status"), console=out)
    for p in result["screening"]["parties"]:
        if p["status"] != "clear":
            top = p["matches"][0] if p["matches"] else {}
            out.print(
                f"screening: {p['name']} ({p['role']}): {p['status']} — {top.get('matched_name')} "
                f"[{top.get('list')}] score {top.get('score')}"
            )
    for row in result["compute"]["per_destination"]:
        alloc = (
            ""
            if row["allocation"] is None
            else f", allocation {row['allocation']:,.0f}, remaining {row['remaining']:,.0f}"
        )
        out.print(
            f"compute {row['country']}: {row['tpp']:,.0f} TPP (ledger before {row['ledger_before']:,.0f}{alloc})"
        )
    for c in result["conditions"]:
        out.print(f"condition: {c}")


def _render_comparison(doc: dict[str, Any]) -> list[str]:
    """``check --compare`` for a reader: each date's verdict and licences, what changed, and the rule changes."""
    out: list[str] = [f"{doc['package']} ({doc['mode']} mode)"]
    for side in doc["verdicts"]:
        out.append(f"=== {side['as_of']}: {side['verdict'].replace('_', ' ').upper()} ===")
        out += [f"  - {r}" for r in side["verdict_reasons"]]
        for lic in side["licenses_needed"]:
            op = lic.get("operative") or {}
            out.append(f"  licence needed: {lic['line'].removeprefix('layers.')} → {lic.get('destination')}"
                       f" — {op.get('provision') or '-'} ({op.get('citation') or '-'})")
    first, second = doc["dates"]
    out.append(f"=== what changed between {first} and {second} ===")
    a, b = (s["verdict"] for s in doc["verdicts"])
    out.append(f"verdict: {a} -> {b}" + (" (unchanged)" if a == b else ""))
    for c in doc["line_changes"]:
        where = c["line"] + (f" → {c['recipient']}" if c["recipient"] else "")
        out.append(f"- {where}: {c['field']} {c['before'] or '-'} -> {c['after'] or '-'}")
    if not doc["line_changes"]:
        out.append("no line's classification or determination changed")
    if doc["rule_changes"] or doc["country_group_changes"]:
        out.append("rule changes among the parameters the check consulted:")
    else:
        out.append("no change in the rules the check consulted")
    for c in doc["rule_changes"]:
        after, before = c.get("after"), c.get("before")
        cite = (after or before or {}).get("citation") or {}
        text = "; ".join(str(v) for k, v in cite.items() if k in ("cfr", "fr"))
        out.append(f"- {c['key']}: {c['change']}" + (f" [{text}]" if text else ""))
    from exportgate.rules.model import set_delta

    for cc, g in doc["country_group_changes"].items():
        out.append(f"- country groups of {cc}: {set_delta(g['before'], g['after'])}")
    return out


def _classification_label(line: dict[str, Any]) -> str:
    """A line's classification as a reader names it (published weights: not subject to the EAR)."""
    if line.get("not_subject_to_ear"):
        return f"not subject to the EAR ({line['not_subject_to_ear']})"
    if line.get("status") == "needs_manual_classification":
        return f"{line.get('classification')} (needs manual classification)"
    return str(line.get("classification") or "unclassified")


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
    max_lines: Annotated[
        int | None, typer.Option("--max-lines", help="Most lines a package may have (default: EXPORTGATE_MAX_LINES, 10,000).")
    ] = None,
    max_input_bytes: Annotated[
        int | None,
        typer.Option("--max-input-bytes", help="Largest package file read (default: EXPORTGATE_MAX_INPUT_BYTES, 16 MiB)."),
    ] = None,
    save: Annotated[
        bool, typer.Option("--save", help="Store the check as a case in the store (--db); each potential or strong "
                           "match an alert (remembered false positives applied).")
    ] = False,
    as_user: AsOption = None,
    compare_dates: Annotated[
        str | None,
        typer.Option("--compare", help="DATE1,DATE2: the package's verdict on each date and the rule changes that "
                     "explain the difference (exit 0)."),
    ] = None,
) -> None:
    """Check a full-stack package: completeness, classification, screening, determination, compute, verdict.

    Exit code: 0 clear, 10 license_required, 20 review, 30 blocked, 2 bad input.
    """
    from exportgate.cli.output import pipe_closed_ok
    from exportgate.errors import InputError
    from exportgate.io import parse_date
    from exportgate.packages.memo import EXIT_CODES, MEMO_FORMATS
    from exportgate.rules import Mode
    from exportgate.settings import limits

    lim = limits(lines=max_lines, input_bytes=max_input_bytes)
    m = Mode.parse(mode)
    day = parse_date(as_of, "--as-of") if as_of is not None else None
    for path in report or []:
        if path.suffix.lower().lstrip(".") not in MEMO_FORMATS:
            raise InputError("--report", f"{path}: the memo is .html, .md or .pdf")
    if compare_dates is not None:
        from exportgate.cli.determine import _parse_compare

        if day is not None or report or save:
            raise InputError("--compare", "not with --as-of, --report or --save: the comparison checks the package on "
                             "both dates")
        _compare(package, _parse_compare(compare_dates), m, db, no_ledger, as_user, lim, as_json)
        return
    if save:
        if no_ledger:
            raise InputError("--no-ledger", "not with --save: a stored case is checked against the store's ledger")
        data, case_line = _check_and_save(package, day, m, db, as_user, lim)
    else:
        data, case_line = _check_only(package, day, m, db, no_ledger, as_user, lim), None
    if report:
        from exportgate.reports import write_report

        for path in report:
            write_report(data, path)
    # A reader that stops early (`| head`) is no failure: the exit code stays the verdict's.
    with pipe_closed_ok():
        if as_json:
            typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))
        else:
            _print_summary(data)
            if case_line:
                typer.echo(case_line)
    raise typer.Exit(EXIT_CODES[data["verdict"]])


def _read_ledger(db: str | None, no_ledger: bool) -> Any:
    """The ledger, read only (nothing created or migrated; no ledger yet is an empty ledger), or None."""
    if no_ledger:
        return None
    from exportgate.store import Ledger

    return Ledger.open_existing(db, missing_ok=True)


def _compare(package: str, dates: tuple[Any, Any], m: Any, db: str | None, no_ledger: bool, as_user: str | None,
             lim: Any, as_json: bool) -> None:
    """``check --compare D1,D2``: the package's verdict on both dates and the rule changes that explain them."""
    from exportgate.cli.output import pipe_closed_ok
    from exportgate.packages import load_package
    from exportgate.packages.compare import compare_package
    from exportgate.safe import terminal_text

    loaded = load_package(package, lim)
    ledger = _read_ledger(db, no_ledger)
    try:
        cmp = compare_package(loaded, dates[0], dates[1], m, ledger=ledger, produced_by=as_user)
    finally:
        if ledger is not None:
            ledger.close()
    with pipe_closed_ok():
        if as_json:
            typer.echo(json.dumps(cmp.to_json(), indent=2, ensure_ascii=False, default=str))
        else:
            typer.echo(terminal_text("\n".join(_render_comparison(cmp.to_json()))))


def _check_only(package: str, day: Any, m: Any, db: str | None, no_ledger: bool, as_user: str | None,
                lim: Any) -> dict[str, Any]:
    from exportgate.packages import check_package, load_package

    loaded = load_package(package, lim)
    ledger = _read_ledger(db, no_ledger)
    try:
        result = check_package(loaded, day, m, ledger=ledger, produced_by=as_user)
    finally:
        if ledger is not None:
            ledger.close()
    return _signed(result.to_json())


def _check_and_save(package: str, day: Any, m: Any, db: str | None, as_user: str | None,
                    lim: Any) -> tuple[dict[str, Any], str]:
    """``check --save``: through the service, which stores the case (its result signed) and its alerts."""
    import hashlib

    from exportgate.cli.service import acting, open_service
    from exportgate.io import parse_document, read_source
    from exportgate.store.accounts import Permission

    raw, name = read_source(package, "PACKAGE", lim)
    doc = parse_document(raw, name, "PACKAGE", lim)
    with open_service(db) as svc:
        case = svc.check(acting(svc, as_user, Permission.CHECK), doc, day, m, source_file=package,
                         source_sha256=hashlib.sha256(raw).hexdigest(), lim=lim)
    return case.result, (f"saved as case #{case.id}: {case.status}, {case.alerts} alert(s), {case.open_alerts} open "
                         f"(`exportgate alerts list --case {case.id}`)")


def _signed(data: dict[str, Any]) -> dict[str, Any]:
    """The result signed by this installation (``exportgate.store.signing``), so that `ledger record --result`
    knows it for one of its own; unsigned, with a warning, if the data home has no room for the key."""
    from exportgate.errors import InputError
    from exportgate.store.signing import sign_result

    try:
        return sign_result(data)
    except InputError as exc:
        typer.echo(f"warning: the result is not signed ({exc}); `ledger record --result` will need --force",
                   err=True)
        return data


@schema_app.command("package")
def schema_package() -> None:
    """Print the JSON Schema of the package file."""
    from exportgate.packages import package_json_schema

    typer.echo(json.dumps(package_json_schema(), indent=2))


def run(
    directory: Annotated[Path | None, typer.Argument(help="Directory of packages (default: ./examples).")] = None,
    out: Annotated[Path, typer.Option("--out", help="Where the memos go.")] = Path("out"),
    mode: Annotated[str, typer.Option("--mode", help="enforced or text.")] = "enforced",
    as_user: AsOption = None,
) -> None:
    """The main job: check every example package, write its memos (HTML, Markdown, PDF, JSON) to OUT and
    print one verdict line per package. Exits 0 when every package got its expected_verdict."""
    from exportgate.reports.runner import BUNDLED, find_examples, run_examples
    from exportgate.rules import Mode
    from exportgate.safe import terminal_text

    m = Mode.parse(mode)
    directory, files = find_examples(directory)
    bundled = directory == BUNDLED
    failures = 0
    for outcome in run_examples(files, out, m, produced_by=as_user):
        label = f"(bundled) {outcome.path.name}" if bundled else str(outcome.path)
        if outcome.errors:
            typer.echo(terminal_text(f"{'error':<17} {label}: " + "; ".join(outcome.errors)))
            failures += 1
            continue
        if not outcome.ok:
            failures += 1
        mark = "ok" if outcome.ok else f"MISMATCH (expected {outcome.expected})"
        reason = outcome.verdict_reasons[0] if outcome.verdict_reasons else ""
        if len(reason) > 110:
            reason = reason[:109] + "…"
        typer.echo(terminal_text(f"{outcome.verdict:<17} {label} [{mark}] {reason}"))
    typer.echo(f"{len(files)} packages, {failures} failed; memos in {out}/")
    if failures:
        raise typer.Exit(1)
