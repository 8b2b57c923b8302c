"""CLI commands of the screening package (registered by ``exportgate.cli``).

Two owners, two modules: list management (``lists ...``) and screening (``screen``, ``screen-batch``).
"""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the screening commands to the top-level app."""
    from exportgate.screen import lists_cli, screen_cli

    lists_cli.register(app)
    screen_cli.register(app)
