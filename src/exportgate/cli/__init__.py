"""The ``exportgate`` command line: :data:`app` (the Typer app) and :func:`main` (the console script).

One module per command group (``rules``, ``classify``, ``determine``, ``screen``, ``lists``,
``packages``, ``ledger``, ``serve``); :mod:`exportgate.cli.main` puts them together and turns the errors
exportgate raises on purpose into ``error: field: problem`` lines and exit code 2. The commands hold no
rules and no domain logic: they parse options, call the domain packages and print.
"""

from exportgate.cli.main import app, main

__all__ = ["app", "main"]
