"""Helpers for the hostile-input tests (issue 12): hostile documents, and the CLI in a memory-bounded
subprocess."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "01-japan-sovereign-cloud.yaml"
#: the address space a memory-bounded subprocess gets: the CLI runs in well under it, the attacks
#: measured in issue 12 took 1.5 to 3.3 GB
MEMORY_CAP = 1 << 30


def example_doc() -> dict[str, Any]:
    """Example 01 (a complete package that is clear) as a JSON client would send it."""
    doc: dict[str, Any] = json.loads(json.dumps(yaml.safe_load(EXAMPLE.read_text()), default=str))
    return doc


def alias_bomb(levels: int = 9, indent: str = "") -> str:
    """The "billion laughs": ``levels`` of nine aliases each (9**levels strings from a few hundred bytes)."""
    lines = [f'{indent}a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels + 1):
        lines.append(f"{indent}a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def _cap_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def bounded(*args: str, stdin: str | None = None, env: dict[str, str] | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``python -m exportgate ARGS`` with its address space capped at :data:`MEMORY_CAP`."""
    return subprocess.run([sys.executable, "-m", "exportgate", *args], input=stdin, capture_output=True, text=True,
                          timeout=timeout, preexec_fn=_cap_memory, env={**os.environ, **(env or {})})


def assert_one_line_error(stderr: str, returncode: int, *needles: str) -> str:
    """Exit code 2 and exactly one line, ``error: field: problem``, holding each of ``needles``."""
    lines = stderr.strip().splitlines()
    assert returncode == 2, stderr[-2000:]
    assert len(lines) == 1 and lines[0].startswith("error: "), stderr[-2000:]
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]
