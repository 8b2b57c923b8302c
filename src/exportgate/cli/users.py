"""``exportgate users add|list|disable|enable|rotate-key|passwd``: the store's accounts.

An API key is printed once, when it is made (``add``, ``rotate-key``); only its hash is stored.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from exportgate.cli.service import AsOption, DbOption, JsonOption, acting, dump, open_service

users_app = typer.Typer(
    help="Users of the store: roles (analyst, reviewer, admin), API keys, web sign-in passwords.",
    no_args_is_help=True,
)

NameArg = Annotated[str, typer.Argument(help="The user's name.")]


def _print_key(name: str, key: str, as_json: bool, model: object) -> None:
    if as_json:
        typer.echo(dump(model))
        return
    from exportgate.safe import terminal_text

    typer.echo(terminal_text(f"API key of {name} (shown once; only its hash is kept — store it now):"))
    typer.echo(key)


@users_app.command("add")
def add(
    name: NameArg,
    role: Annotated[str, typer.Option("--role", help="analyst, reviewer or admin.")],
    db: DbOption = None,
    as_user: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Add a user with a role; print its API key once."""
    from exportgate.store.accounts import Permission

    with open_service(db) as svc:
        new = svc.users.add(acting(svc, as_user, Permission.USERS_MANAGE), name, role)
    _print_key(name, new.api_key, as_json, new)


@users_app.command("list")
def list_users(db: DbOption = None, as_user: AsOption = None, as_json: JsonOption = False) -> None:
    """The users, their roles and whether they are disabled."""
    from rich.table import Table

    from exportgate.cli.output import console, print_table
    from exportgate.store.accounts import Permission

    with open_service(db) as svc:
        users = svc.users.list(acting(svc, as_user, Permission.USERS_MANAGE))
    if as_json:
        import json

        typer.echo(json.dumps([u.model_dump(mode="json") for u in users], indent=2, ensure_ascii=False))
        return
    table = Table("name", "role", "disabled", "key", "password", "added", "by")
    for u in users:
        table.add_row(u.name, u.role, "yes" if u.disabled else "", "yes" if u.has_key else "",
                      "yes" if u.has_password else "", f"{u.created_at:%Y-%m-%d}", u.created_by or "")
    print_table(table, figures=("name", "role", "added"), console=console(highlight=False))


@users_app.command("disable")
def disable(name: NameArg, db: DbOption = None, as_user: AsOption = None) -> None:
    """Disable a user: its key and password stop working at once."""
    from exportgate.safe import terminal_text
    from exportgate.store.accounts import Permission

    with open_service(db) as svc:
        svc.users.disable(acting(svc, as_user, Permission.USERS_MANAGE), name)
    typer.echo(terminal_text(f"disabled {name}"))


@users_app.command("enable")
def enable(name: NameArg, db: DbOption = None, as_user: AsOption = None) -> None:
    """Enable a disabled user again."""
    from exportgate.safe import terminal_text
    from exportgate.store.accounts import Permission

    with open_service(db) as svc:
        svc.users.enable(acting(svc, as_user, Permission.USERS_MANAGE), name)
    typer.echo(terminal_text(f"enabled {name}"))


@users_app.command("rotate-key")
def rotate_key(name: NameArg, db: DbOption = None, as_user: AsOption = None, as_json: JsonOption = False) -> None:
    """Give a user a new API key (printed once); the old key stops working at once."""
    from exportgate.store.accounts import Permission

    with open_service(db) as svc:
        new = svc.users.rotate_key(acting(svc, as_user, Permission.USERS_MANAGE), name)
    _print_key(name, new.api_key, as_json, new)


@users_app.command("passwd")
def passwd(
    name: NameArg,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from the first line of standard input.")
    ] = False,
    db: DbOption = None,
    as_user: AsOption = None,
) -> None:
    """Set a user's password for the web sign-in (asked twice, not shown; an admin for anyone, a user for
    itself)."""
    from exportgate.safe import terminal_text

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    with open_service(db) as svc:
        svc.users.set_password(acting(svc, as_user), name, password)
    typer.echo(terminal_text(f"password set for {name}"))
