"""Terminal output that survives a pipe, and the small commands a reviewer reaches for: ``--version``,
``redflags``, ``countries show NAME``, ``rules diff`` (only real changes, country sets as +AE / −KH)."""

from __future__ import annotations

import io
import json
import re
from datetime import date

from rich.console import Console
from rich.table import Table
from typer.testing import CliRunner

from exportgate import __version__
from exportgate.cli import app
from exportgate.cli.output import print_table
from exportgate.rules import load_rules


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_version() -> None:
    code, out, _ = run("--version")
    assert code == 0 and out.strip() == f"exportgate {__version__}"


def _figure_table() -> Table:
    table = Table(title="t")
    table.add_column("Destination")
    table.add_column("End user")
    table.add_column("TPP", justify="right")
    table.add_column("status")
    table.add_row("AE", "Abu Dhabi Compute Holding PJSC, a very long operator name " * 2, "27,648,000,000",
                  "license_required")
    return table


def test_piped_table_keeps_figures_whole_and_wraps_text() -> None:
    buffer = io.StringIO()
    narrow = Console(file=buffer, width=40, force_terminal=False)
    print_table(_figure_table(), figures=("status",), console=narrow)
    text = buffer.getvalue()
    assert "27,648,000,000" in text and "license_required" in text  # neither cut nor folded
    assert "…" not in text
    # the long end-user name wrapped onto several lines instead
    assert len([ln for ln in text.splitlines() if "│" in ln]) > 1


def test_terminal_table_keeps_figures_whole_even_when_narrow() -> None:
    buffer = io.StringIO()
    narrow = Console(file=buffer, width=60, force_terminal=True, color_system=None)
    print_table(_figure_table(), console=narrow)
    assert "27,648,000,000" in buffer.getvalue()


def test_redflags_lists_ids_and_texts() -> None:
    code, out, _ = run("redflags", "--as-of", "2026-10-20", "--json")
    assert code == 0
    flags = {f["id"]: f for f in json.loads(out)["red_flags"]}
    assert flags["supp3.9"]["text"] == "Freight forwarder listed as the final destination"
    assert "732 Supp. 3" in flags["supp3.9"]["citation"]
    assert flags["supp3.29"]["stayed"] == ["2025-11-10", "2026-11-09"]
    code, table, _ = run("redflags", "--as-of", "2026-10-20")
    assert code == 0 and "supp3.28" in table and "IaaS to train" in table


def test_countries_show_accepts_a_name() -> None:
    code, out, _ = run("countries", "show", "United Arab Emirates", "--as-of", "2026-08-01", "--json")
    assert code == 0 and json.loads(out)["country"] == "AE"
    code, out, _ = run("countries", "show", "  united   arab emirates ", "--json")
    assert code == 0 and json.loads(out)["country"] == "AE"
    code, _, err = run("countries", "show", "Untied Arab Emirates")
    assert code == 2 and err.startswith("error: CC: unknown country") and "United Arab Emirates (AE)" in err
    assert load_rules().find_country("ae") == "AE"


def test_rules_diff_shows_only_real_changes_and_country_sets_as_deltas() -> None:
    code, out, _ = run("rules", "diff", "2025-01-01", "2026-10-20", "--json")
    assert code == 0
    doc = json.loads(out)
    changes = {c["key"]: c for c in doc["changes"]}
    assert all(c["value_changed"] for c in changes.values())
    # a citation-only change with the same value is left out (listed with --all)
    rules = load_rules()
    basis_only = [c.key for c in rules.diff(date(2025, 1, 1), date(2026, 10, 20)) if not c.value_changed]
    assert basis_only and not set(basis_only) & set(changes)
    assert changes["scope.named.countries"]["change"] == "+AE"
    assert changes["enduse.744_23.destinations"]["change"] == "−KH"
    assert doc["country_group_changes"]["A:5"]["added"] == ["AE"]
    code, table, _ = run("rules", "diff", "2025-01-01", "2026-10-20")
    assert code == 0 and re.search(r"scope\.named\.countries\s+│ \+AE ", table)
    assert "Country Group A:5" in table and f"{len(basis_only)} more parameter(s)" in table
    code, everything, _ = run("rules", "diff", "2025-01-01", "2026-10-20", "--all", "--json")
    assert {c["key"] for c in json.loads(everything)["changes"]} >= set(basis_only)


def test_every_command_table_goes_through_print_table() -> None:
    """A table printed straight to rich is cut to 80 columns in a pipe (``entity_…`` for an entry id a
    reviewer must copy): every table a command prints goes through ``print_table``."""
    from pathlib import Path

    import exportgate.cli

    offenders = []
    for path in sorted(Path(exportgate.cli.__file__).parent.glob("*.py")):
        if path.name == "output.py":
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if re.search(r"\.print\((table|\w*_table\(|Table\()", line):
                offenders.append(f"{path.name}:{n}: {line.strip()}")
    assert offenders == []


def test_a_run_of_one_command_builds_that_command_as_the_whole_table_does() -> None:
    """The console script builds only the command named first (start-up time); what it builds is the same
    command, options and help as the full table's, for every command and group."""
    import typer

    from exportgate.cli.main import COMMANDS, GROUPS, build

    def shape(command: object) -> object:
        params = [(p.name, tuple(p.opts), getattr(p, "help", None), p.required) for p in command.params]  # type: ignore[attr-defined]
        subs = getattr(command, "commands", {})
        return (command.help, params, {n: shape(c) for n, c in subs.items()})  # type: ignore[attr-defined]

    full = typer.main.get_command(app).commands  # type: ignore[attr-defined]
    assert list(full) == [*COMMANDS, *GROUPS]
    for name in full:
        alone = typer.main.get_command(build(name)).commands  # type: ignore[attr-defined]
        assert list(alone) == [name] and shape(alone[name]) == shape(full[name]), name
