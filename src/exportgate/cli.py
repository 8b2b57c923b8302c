"""The ``exportgate`` command line.

Each concern registers its own commands (``register(app)`` in ``<package>/commands.py``) so that the
packages stay independent; this module only wires them together and turns expected errors into a
one-line message with exit code 2.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import typer

from exportgate.errors import ExportgateError, InputError, InputErrors

app = typer.Typer(
    name="exportgate",
    help="Vet exports of AI technology: classify items, screen parties, determine licences, check packages.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _register_all() -> None:
    from exportgate.api import commands as api_commands
    from exportgate.classify import commands as classify_commands
    from exportgate.determine import commands as determine_commands
    from exportgate.landscape.cli import app as landscape_app
    from exportgate.packages import commands as package_commands
    from exportgate.rules import commands as rules_commands
    from exportgate.screen import commands as screen_commands
    from exportgate.store import commands as store_commands

    registrars: list[Callable[[typer.Typer], None]] = [
        rules_commands.register,
        classify_commands.register,
        determine_commands.register,
        screen_commands.register,
        package_commands.register,
        store_commands.register,
        api_commands.register,
    ]
    for register in registrars:
        register(app)
    app.add_typer(landscape_app, name="landscape")


_register_all()


def fail(message: str, code: int = 2) -> None:
    """Print one line to stderr and exit (used for bad input; never a traceback)."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except InputErrors as exc:
        for err in exc.errors:
            typer.echo(f"error: {err}", err=True)
        sys.exit(2)
    except InputError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except ExportgateError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
