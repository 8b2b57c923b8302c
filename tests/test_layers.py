"""The shape of the code: command-line code only in ``exportgate.cli``, no import from a domain package up
into the interfaces, and a command line that starts without loading the domain (``--help`` stays fast)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src" / "exportgate"
#: the interfaces: they may import the domain packages, never the other way round
INTERFACES = ("cli", "api", "web")


def _imports(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside functions."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _area(path: Path) -> str:
    return path.relative_to(SRC).parts[0].removesuffix(".py")


def test_typer_and_rich_only_in_the_cli() -> None:
    offenders = [
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if _area(path) != "cli" and {m.split(".")[0] for m in _imports(path)} & {"typer", "rich", "click"}
    ]
    assert offenders == []


def test_no_domain_package_imports_an_interface() -> None:
    offenders = []
    for path in SRC.rglob("*.py"):
        area = _area(path)
        if area in INTERFACES or area == "__main__":  # `python -m exportgate` runs the command line
            continue
        for name in _imports(path):
            parts = name.split(".")
            if parts[0] == "exportgate" and len(parts) > 1 and parts[1] in INTERFACES:
                offenders.append(f"{path.relative_to(SRC)} imports {name}")
    assert offenders == []


def test_the_command_line_loads_no_domain_package_until_a_command_runs() -> None:
    code = (
        "import sys, exportgate.cli\n"
        "heavy = ('sqlalchemy', 'alembic', 'fastapi', 'pydantic', 'yaml', 'rich', 'exportgate.rules',\n"
        "         'exportgate.screen', 'exportgate.store', 'exportgate.packages')\n"
        "print(sorted(m for m in sys.modules if m.startswith(heavy)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_the_store_package_does_not_load_the_database_stack() -> None:
    code = "import sys, exportgate.store\nprint(sorted(m for m in sys.modules if m.startswith(('sqlalchemy', 'alembic'))))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
    import exportgate.store as store

    assert sorted(store.__all__) == sorted(store._EXPORTS)
    assert all(getattr(store, name) is not None for name in store.__all__)


#: the layers, lowest first: a package may import only from its own layer or the ones before it
#: (docs/design/architecture.md draws the same picture)
LAYERS: tuple[tuple[str, ...], ...] = (
    ("errors", "data", "safe"),
    ("settings",),
    ("schema", "io"),
    ("rules",),
    ("classify",),
    ("determine", "screen", "landscape"),
    ("packages",),
    ("store", "reports"),
    ("web",),
    ("api",),
    ("cli",),
    ("__main__",),
)


def test_packages_import_only_downwards_and_form_no_cycle() -> None:
    rank = {name: i for i, layer in enumerate(LAYERS) for name in layer}
    areas = {_area(p) for p in SRC.rglob("*.py")} - {"__init__"}
    assert areas <= set(rank), f"place every package in LAYERS: {sorted(areas - set(rank))}"
    offenders = []
    for path in SRC.rglob("*.py"):
        area = _area(path)
        if area == "__init__":
            continue
        for name in _imports(path):
            parts = name.split(".")
            if parts[0] != "exportgate" or len(parts) < 2 or parts[1] == area or parts[1] not in rank:
                continue
            if rank[parts[1]] > rank[area] or (rank[parts[1]] == rank[area] and parts[1] != area):
                offenders.append(f"{path.relative_to(SRC)} imports {name}")
    assert offenders == []


def test_no_test_skips_on_the_project_or_its_dev_dependencies() -> None:
    """Issue 10: a missing module of ours or of the dev extra is a failure, not a quiet skip
    (``pytest.importorskip``); the suite skips only for what a fresh clone lacks (``../shared``, a server)."""
    tests = Path(__file__).resolve().parent
    skipping = [str(p.relative_to(tests)) for p in tests.rglob("*.py") if "importorskip(" in p.read_text(encoding="utf-8")
                and p.name != "test_layers.py"]
    assert skipping == []


def test_the_list_of_commands_is_written_without_rich() -> None:
    """``exportgate --help``, the first thing a new user types, is Click's plain help: rich's help renderer
    (its Markdown and traceback machinery) is a quarter of a second of imports. A command's own help is rich."""
    code = (
        "import sys\n"
        "from exportgate.cli.main import main\n"
        "sys.argv = ['exportgate', *sys.argv[1:]]\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('rich loaded:', sorted(m for m in sys.modules if m.startswith('rich.')) != [], file=sys.stderr)\n"
    )
    for args, rich in (([], False), (["--help"], False), (["screen", "--help"], True)):
        proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True)
        assert proc.stderr.strip().endswith(f"rich loaded: {rich}"), (args, proc.stderr)
        assert "Usage: exportgate" in proc.stdout + proc.stderr
