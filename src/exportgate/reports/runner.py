"""The main job (``exportgate run``): check every example package, write its memos, and compare each
verdict with the package's ``expected_verdict``.

```python
from exportgate.reports.runner import find_examples, run_examples
directory, files = find_examples(None)          # ./examples, else the copies bundled with the tool
for outcome in run_examples(files, Path("out")):
    outcome.verdict, outcome.expected, outcome.ok, outcome.written
```

The examples are checked without the compute ledger (each from zero), so their memos and verdicts do not
depend on what this machine has recorded.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from exportgate.errors import InputError, InputErrors
from exportgate.io import write_atomic
from exportgate.rules import Mode

EXAMPLE_SUFFIXES = (".yaml", ".yml", ".json")
#: the example packages shipped inside the tool (a copy of the repository's ``examples/``)
#: the example packages bundled with the tool (a copy of ./examples, kept equal by a test)
BUNDLED = Path(__file__).resolve().parent.parent / "packages" / "examples"


@dataclass
class ExampleOutcome:
    """What checking one example package gave."""

    path: Path
    #: the package's ``expected_verdict`` (None: not stated, or the package could not be read)
    expected: str | None = None
    #: the verdict of the check (None when the package could not be checked)
    verdict: str | None = None
    #: why the package could not be checked (bad input), one line per problem
    errors: list[str] = field(default_factory=list)
    verdict_reasons: list[str] = field(default_factory=list)
    #: the memos and the JSON result written, in that order
    written: list[Path] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Checked, and the verdict is the expected one (or none was stated)."""
        return not self.errors and (self.expected is None or self.expected == self.verdict)


def find_examples(directory: Path | None) -> tuple[Path, list[Path]]:
    """The example packages: DIRECTORY if given, else ./examples, else the copies bundled with the tool."""
    if directory is None:
        cwd = Path("examples")
        if cwd.is_dir() and any(p.suffix in EXAMPLE_SUFFIXES for p in cwd.iterdir()):
            directory = cwd
        else:
            directory = BUNDLED
    if not directory.is_dir():
        raise InputError("DIRECTORY", f"{directory} is not a directory of example packages")
    files = sorted(p for p in directory.iterdir() if p.suffix in EXAMPLE_SUFFIXES)
    if not files:
        raise InputError("DIRECTORY", f"{directory} holds no .yaml/.yml/.json package")
    return directory, files


def check_example(
    path: Path, out: Path, mode: Mode = Mode.ENFORCED, screener: Any | None = None, produced_by: str | None = None
) -> ExampleOutcome:
    """Check one package and write ``out/<stem>.{html,md,pdf,json}``; bad input is reported in the
    outcome (nothing written), not raised."""
    from exportgate.packages import check_package, load_package
    from exportgate.packages.memo import MEMO_FORMATS
    from exportgate.reports import write_report

    try:
        loaded = load_package(str(path))
        result = check_package(loaded, None, mode, screener=screener, ledger=None, produced_by=produced_by)
    except InputErrors as exc:
        return ExampleOutcome(path, errors=[str(e) for e in exc.errors])
    except InputError as exc:
        return ExampleOutcome(path, errors=[str(exc)])
    data = result.to_json()
    written = [write_report(data, out / f"{path.stem}.{fmt}") for fmt in MEMO_FORMATS]
    text = json.dumps(data, indent=2, ensure_ascii=False, default=str)
    written.append(write_atomic(out / f"{path.stem}.json", text, field="--out"))
    return ExampleOutcome(
        path,
        expected=loaded.package.expected_verdict,
        verdict=result.verdict,
        verdict_reasons=list(data["verdict_reasons"]),
        written=written,
    )


def run_examples(
    files: Iterable[Path], out: Path, mode: Mode = Mode.ENFORCED, screener: Any | None = None,
    produced_by: str | None = None,
) -> Iterator[ExampleOutcome]:
    """Check each package in turn (outcomes as they come, so a caller can report progress)."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError("--out", f"cannot create directory {out}: {exc.strerror or exc}") from None
    for path in files:
        yield check_example(path, out, mode, screener, produced_by)
