"""Hostile inputs (issue 12): wall time, peak memory and outcome of each, on this branch and, with
``--base COMMIT``, on that commit's code. Writes ``bench/results/limits.md``.

Every run is a subprocess (``python -m exportgate ...``) in a private data home, its address space capped
(``RLIMIT_AS``, 4 GB: a run that would take more fails with ``MemoryError`` instead of taking the
machine), its peak resident memory read from ``wait4``. The YAML parser is also timed in-process on a
15 MB package (libyaml through exportgate's loader against PyYAML's pure-Python ``safe_load``).

``python -m bench limits [--quick]``; ``python -m bench.limits --base b84ee58`` for the before/after table
(the base's 100,000-line check alone takes over a minute; ``--quick`` leaves it out).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results" / "limits.md"
EXAMPLE = ROOT / "examples" / "01-japan-sovereign-cloud.yaml"
CAP = 4 << 30
CASE = "date: 2026-01-01\ntransaction: export\ndestination: JP\nitem: {eccn: EAR99}\n"


@dataclass
class Run:
    seconds: float
    peak_mb: float
    code: int
    outcome: str


def _bomb(levels: int = 9) -> str:
    lines = ['  a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"  a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, levels + 1)]
    return "extra:\n" + "\n".join(lines) + "\nend_user: {name: *a9}\n"


def _package(lines: int) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(json.dumps(yaml.safe_load(EXAMPLE.read_text()), default=str))
    line = {"description": "network switch", "quantity": 1, "value": 1000, "eccn": "EAR99"}
    per_layer = lines // 5
    for key in ("hardware", "data_pipelines", "models", "security", "applications"):
        doc["layers"][key] = [dict(line) for _ in range(per_layer)]
    doc["layers"]["hardware"][0] = yaml.safe_load(EXAMPLE.read_text())["layers"]["hardware"][0]
    return doc


def _inputs(tmp: Path, quick: bool) -> list[tuple[str, list[str], bool]]:
    """(label, exportgate arguments, only with --base in full mode)"""
    (tmp / "bomb.yaml").write_text(CASE + _bomb())
    (tmp / "deep.json").write_text("[" * 10_000 + "]" * 10_000)
    (tmp / "year9995.yaml").write_text(CASE.replace("2026", "9995"))
    (tmp / "lines-10000.json").write_text(json.dumps(_package(10_000)))
    (tmp / "lines-100000.json").write_text(json.dumps(_package(100_000)))
    runs = [
        ("alias bomb, 9 levels (`determine`)", ["determine", str(tmp / "bomb.yaml")], False),
        ("`/dev/zero` as PACKAGE (`check`)", ["check", "/dev/zero", "--no-ledger"], False),
        ("JSON nested 10,000 deep (`check`)", ["check", str(tmp / "deep.json"), "--no-ledger"], False),
        ("date in year 9995 (`determine`)", ["determine", str(tmp / "year9995.yaml")], False),
        ("10,000 lines, the default limit (`check --report memo.md`)",
         ["check", str(tmp / "lines-10000.json"), "--no-ledger", "--report", str(tmp / "memo.md")], False),
        ("100,000 lines (`check --report memo.md`)",
         ["check", str(tmp / "lines-100000.json"), "--no-ledger", "--report", str(tmp / "memo.md")], quick),
    ]
    return runs


def _cap() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (CAP, CAP))


def _run(argv: list[str], env: dict[str, str]) -> Run:
    start = time.perf_counter()
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen([sys.executable, "-m", "exportgate", *argv], stdout=subprocess.DEVNULL, stderr=err,
                                env=env, preexec_fn=_cap)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        err.seek(0)
        text = err.read().decode(errors="replace").strip().splitlines()
    code = os.waitstatus_to_exitcode(status)
    last = text[-1] if text else ""
    if any(line.startswith("Traceback") for line in text):
        outcome = f"traceback: {last[:90]}"
    else:
        outcome = (text[0][:110] if text else "(verdict printed)")
    return Run(seconds, usage.ru_maxrss / 1024, code, outcome.replace("|", "\\|"))


def parse_speed(tmp: Path) -> tuple[float, float, float]:
    """Seconds to parse a ~15 MB YAML package: exportgate's loader (libyaml) and PyYAML's safe_load."""
    from exportgate.io import parse_document

    doc = _package(10_000)
    for line in (ln for key in doc["layers"] for ln in doc["layers"][key] if isinstance(ln, dict)):
        line["description"] = "network switch " + "x" * 1_400
    text = yaml.safe_dump(doc, sort_keys=False, width=10_000)
    start = time.perf_counter()
    parse_document(text, "p.yaml", "PACKAGE")
    fast = time.perf_counter() - start
    start = time.perf_counter()
    yaml.safe_load(text)
    slow = time.perf_counter() - start
    return len(text.encode()) / 1e6, fast, slow


def main(quick: bool = False, base_ref: str | None = None) -> int:
    with tempfile.TemporaryDirectory(prefix="exportgate-bench-limits-") as name:
        tmp = Path(name)
        home = tmp / "home"
        env = {**os.environ, "EXPORTGATE_HOME": str(home), "EXPORTGATE_CACHE_DIR": str(home / "cache")}
        env.pop("EXPORTGATE_DB_URL", None)
        variants = {"now": env}
        if base_ref is not None:
            src = ROOT / "out" / "bench-base-limits"
            src.mkdir(parents=True, exist_ok=True)
            archive = subprocess.run(["git", "archive", base_ref, "src"], cwd=ROOT, check=True, capture_output=True)
            subprocess.run(["tar", "-x", "-C", str(src)], input=archive.stdout, check=True)
            variants["base"] = {**env, "PYTHONPATH": str(src / "src")}
        _run(["screen", "warm up"], env)  # build the screening index once, outside the timings
        results: dict[str, dict[str, Run]] = {}
        for label, argv, skip_base in _inputs(tmp, quick):
            results[label] = {}
            for variant, venv in variants.items():
                if variant == "base" and skip_base:
                    continue
                print(f"  {variant}: {label}", flush=True)
                results[label][variant] = _run(argv, venv)
        size, fast, slow = parse_speed(tmp)
    lines = [
        "# Hostile inputs: time, memory, outcome",
        "",
        f"Generated by `python -m bench limits{' --quick' if quick else ''}` on {date.today()}, Python "
        f"{platform.python_version()}, {platform.machine()}, 2 cores shared with other work.",
        "",
        "Each run is `python -m exportgate ARGS` in a private data home (screening index already built), its "
        "address space capped at 4 GB (`RLIMIT_AS`); peak memory is the resident maximum from `wait4`; "
        "the outcome is the first line on stderr (or the last line of a traceback).",
        "",
    ]
    header = "| Input | this branch |" + (f" {base_ref} |" if base_ref else "")
    lines += [header, "|---|---|" + ("---|" if base_ref else "")]

    def cell(run: Run | None) -> str:
        if run is None:
            return "not run (`--quick`)"
        return f"{run.seconds:.2f} s, {run.peak_mb:,.0f} MB, exit {run.code}: {run.outcome}"

    for label, by_variant in results.items():
        row = f"| {label} | {cell(by_variant.get('now'))} |"
        if base_ref:
            row += f" {cell(by_variant.get('base'))} |"
        lines.append(row)
    lines += [
        "",
        f"YAML parsing of a {size:.1f} MB package (10,000 lines), in-process: exportgate's loader "
        f"(libyaml, aliases refused, YAML 1.2 booleans) {fast:.2f} s; PyYAML's pure-Python `safe_load` "
        f"(what the base used) {slow:.2f} s ({slow / fast:.1f}x).",
        "",
        "Reproduce: `python -m bench limits`; before/after: `python -m bench.limits --base COMMIT`.",
        "",
    ]
    RESULTS.write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {RESULTS}")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.limits", description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--base", help="also run this commit's code (git archive)")
    args = parser.parse_args()
    sys.exit(main(quick=args.quick, base_ref=args.base))
