"""The Typer app: every command in one table, and the one error handler.

The handler sits inside the app (:class:`_Group`, the root command group), not around it, so the
console script and ``typer.testing.CliRunner`` see the same thing: an ``ExportgateError`` (bad input,
bad rule data, a refused list update) becomes ``error: field: problem`` on stderr, one line per
problem, and exit code 2; never a traceback.

Start-up: the command modules import only Typer at module level; each command imports the domain
packages it uses when it runs, so ``exportgate --help`` or ``exportgate rules show`` never loads the
screening index, SQLAlchemy or FastAPI.
"""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from exportgate.cli import cases as cases_cli
from exportgate.cli import classify as classify_cli
from exportgate.cli import determine as determine_cli
from exportgate.cli import landscape as landscape_cli
from exportgate.cli import ledger as ledger_cli
from exportgate.cli import lists as lists_cli
from exportgate.cli import packages as packages_cli
from exportgate.cli import rules as rules_cli
from exportgate.cli import screen as screen_cli
from exportgate.cli import serve as serve_cli
from exportgate.cli import users as users_cli
from exportgate.errors import ExportgateError, InputErrors
from exportgate.safe import terminal_text


def error_lines(exc: ExportgateError) -> list[str]:
    """What a user sees for an error: ``error: field: problem``, one line per problem (each one line:
    control characters in quoted input are shown as escapes, never obeyed by the terminal)."""
    errors = exc.errors if isinstance(exc, InputErrors) else [exc]
    return [terminal_text(f"error: {err}").replace("\n", " ") for err in errors]


def _silence_stdout() -> None:
    from exportgate.cli.output import silence_stdout

    silence_stdout()


class _Group(TyperGroup):
    """The root command group; every command runs inside its :meth:`invoke`."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except ExportgateError as exc:
            for line in error_lines(exc):
                typer.echo(line, err=True)
            raise typer.Exit(2) from None
        except BrokenPipeError:
            # The reader of stdout has gone (`exportgate ... | head`): no failure of ours. A command whose
            # exit code means something (check's verdict) prints inside `output.pipe_closed_ok` and keeps it.
            _silence_stdout()
            raise typer.Exit(0) from None
        finally:
            # Flush here, not at interpreter exit, where a closed pipe would print a traceback and turn
            # the exit code into 120; the exit code on its way out (e.g. the verdict's) is kept.
            try:
                sys.stdout.flush()
            except BrokenPipeError:
                _silence_stdout()


def _version(value: bool) -> None:
    if value:
        from exportgate import __version__

        typer.echo(f"exportgate {__version__}")
        raise typer.Exit()


def _root(
    version: Annotated[
        bool, typer.Option("--version", help="Print the version and exit.", callback=_version, is_eager=True)
    ] = False,
) -> None:
    """Vet exports of AI technology: classify items, screen parties, determine licences, check packages."""


#: Commands, in the order `exportgate --help` lists them.
COMMANDS: dict[str, Any] = {
    "classify": classify_cli.classify_cmd,
    "determine": determine_cli.determine_cmd,
    "screen": screen_cli.screen_cmd,
    "screen-batch": screen_cli.screen_batch_cmd,
    "check": packages_cli.check,
    "run": packages_cli.run,
    "redflags": rules_cli.redflags_cmd,
    "serve": serve_cli.serve,
    "rescreen": cases_cli.rescreen_cmd,
}
#: Command groups, listed after the commands.
GROUPS: dict[str, typer.Typer] = {
    "rules": rules_cli.rules_app,
    "countries": rules_cli.countries_app,
    "catalog": classify_cli.catalog_app,
    "lists": lists_cli.lists_app,
    "schema": packages_cli.schema_app,
    "ledger": ledger_cli.ledger_app,
    "landscape": landscape_cli.app,
    "cases": cases_cli.cases_app,
    "alerts": cases_cli.alerts_app,
    "users": users_cli.users_app,
    "audit": cases_cli.audit_app,
}


def build(only: str | None = None, *, plain: bool = False) -> typer.Typer:
    """The command table as a Typer app: every command, or only the one named ``only``.

    Typer turns each command's signature into a Click command when the app runs, evaluating every
    annotation of every command (about a tenth of a second for the whole table); a run of one command
    needs only that one, so :func:`main` builds the table with it alone. The test runner uses the whole
    table (:data:`app`). ``plain``: help as Click writes it, without rich's panels (rich's help renderer
    imports its Markdown and traceback machinery: about a quarter of a second of the first thing a new
    user types, ``exportgate --help``)."""
    built = typer.Typer(
        name="exportgate",
        cls=_Group,
        help="Vet exports of AI technology: classify items, screen parties, determine licences, check packages.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        add_completion=False,
        rich_markup_mode=None if plain else "rich",
    )
    built.callback()(_root)
    for name, command in COMMANDS.items():
        if only is None or name == only:
            built.command(name)(command)
    for name, group in GROUPS.items():
        if only is None or name == only:
            built.add_typer(group, name=name)
    return built


app = build()


def main() -> None:
    """Console-script entry point (``exportgate``): the table with only the command named first, when
    the first argument names one; the whole table, its help plain, for ``exportgate`` alone or
    ``exportgate --help`` (the list of commands); else (``--version``, a mistyped command) the whole table."""
    first = sys.argv[1] if len(sys.argv) > 1 else ""
    if first in COMMANDS or first in GROUPS:
        build(first)()
    else:
        build(plain=first in ("", "--help"))()


if __name__ == "__main__":
    main()
