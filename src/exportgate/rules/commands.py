"""CLI commands of this package (registered by ``exportgate.cli``)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this package's commands to the top-level app."""
