"""Command start-up benchmark: wall time of the commands people wait on, cold and warm, measured with
hyperfine. Writes ``bench/results/cli.md``.

- **warm**: the data home already holds what a first run caches (the parsed list snapshot and the
  screening index); what a user sees from the second command on.
- **cold**: an empty data home and cache directory before every run (``--prepare``): a first run, or a
  run after the lists or the matcher changed. Python's own bytecode caches are warm in both.

``python -m bench cli [--quick]``; with ``--base COMMIT`` (``python -m bench.cli --base d5f4fab``) the same
commands are also timed on that commit's code (``git archive`` into ``out/bench-base``, run with this
virtual environment), for a before/after table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results" / "cli.md"
EXAMPLE = ROOT / "examples" / "01-japan-sovereign-cloud.yaml"
CASE = """\
date: 2024-06-01
transaction: export
origin: US
destination: CN
item: {eccn: 3A090.a}
quantity: 10
end_user: {name: Example Co, located_in: CN, hq: CN}
end_use: AI training
"""
#: the targets of issue 10
TARGETS = {"--help": 0.3, "screen NAME": 0.5}


@dataclass
class Timing:
    label: str
    mean: float
    stddev: float
    low: float
    high: float
    runs: int
    cpu: float  # mean user + system CPU seconds: steadier than wall time on a shared machine


def _commands(case: Path) -> list[tuple[str, list[str]]]:
    return [
        ("--help", ["--help"]),
        ("rules show", ["rules", "show", "--as-of", "2026-01-01"]),
        ("screen NAME", ["screen", "Bank Melli Iran"]),
        ("determine CASE", ["determine", str(case)]),
        ("check EXAMPLE", ["check", str(EXAMPLE)]),
    ]


def _user_env(**extra: str) -> dict[str, str]:
    """The environment a user's shell gives the command: this one, minus what would skew a start-up time.
    ``PYTHONDONTWRITEBYTECODE`` (set in some shells and containers) would make every run compile the
    package's modules from source (about 0.1-0.2 s); the first, untimed run writes the bytecode caches.
    ``EXPORTGATE_DB_URL`` would point the commands at a shared store."""
    env = {**os.environ, **extra}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("EXPORTGATE_DB_URL", None)
    return env


def _hyperfine(label: str, argv: list[str], env: dict[str, str], runs: int, prepare: str | None,
               warmup: int) -> Timing:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as fh:
        export = Path(fh.name)
    cmd = ["hyperfine", "--style", "none", "--runs", str(runs), "--warmup", str(warmup), "-N",
           "--ignore-failure", "--export-json", str(export)]
    if prepare:
        cmd += ["--prepare", prepare]
    cmd.append(" ".join(_quote(a) for a in argv))
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)
    result = json.loads(export.read_text())["results"][0]
    export.unlink()
    return Timing(label, result["mean"], result["stddev"] or 0.0, result["min"], result["max"], len(result["times"]),
                  result["user"] + result["system"])


def _quote(arg: str) -> str:
    return arg if arg and all(c.isalnum() or c in "-_./:=," for c in arg) else "'" + arg.replace("'", "'\\''") + "'"


def measure(variants: dict[str, tuple[list[str], dict[str, str]]], quick: bool,
            work: Path) -> dict[str, dict[str, dict[str, Timing]]]:
    """Cold and warm timings of every command for each variant (``python ... ARGS`` with extra environment),
    each in a private data home; the variants of one command are timed one after the other, so that a
    change in the machine's load shows in both."""
    case = work / "case.yaml"
    case.write_text(CASE, encoding="utf-8")
    cold_runs, warm_runs = (1, 3) if quick else (3, 10)
    out: dict[str, dict[str, dict[str, Timing]]] = {name: {"cold": {}, "warm": {}} for name in variants}
    for label, args in _commands(case):
        for name, (python, extra_env) in variants.items():
            home = work / name / label.strip("-").replace(" ", "-")
            env = _user_env(**extra_env, EXPORTGATE_HOME=str(home), EXPORTGATE_CACHE_DIR=str(home / "cache"))
            argv = [*python, *args]
            out[name]["cold"][label] = _hyperfine(label, argv, env, cold_runs, f"rm -rf {_quote(str(home))}", 0)
            out[name]["warm"][label] = _hyperfine(label, argv, env, warm_runs, None, 1)
    return out


PHASES = """
import json, sys, time
t0 = time.perf_counter()
import exportgate.cli
t1 = time.perf_counter()
from exportgate.screen import Screener
from exportgate.screen.lists import load_active
t2 = time.perf_counter()
snap = load_active()
t3 = time.perf_counter()
screener = Screener(snap)
t4 = time.perf_counter()
screener.screen("Bank Melli Iran")
t5 = time.perf_counter()
screener.screen("Rosneft")
t6 = time.perf_counter()
print(json.dumps([["import the command line", t1 - t0], ["import the screening code", t2 - t1],
                  ["load the list snapshot (load_active, from its cache)", t3 - t2],
                  ["Screener(): the index from its cache, gc", t4 - t3],
                  ["first screen() (builds the normalisation tables)", t5 - t4], ["second screen()", t6 - t5]]))
"""


def screen_phases(home: Path) -> list[tuple[str, float]]:
    """Where a warm ``screen NAME`` spends its time, step by step, in one fresh process."""
    env = _user_env(EXPORTGATE_HOME=str(home), EXPORTGATE_CACHE_DIR=str(home / "cache"))
    out = subprocess.run([sys.executable, "-c", PHASES], env=env, check=True, capture_output=True, text=True)
    return [(str(k), float(v)) for k, v in json.loads(out.stdout)]


def _row(t: Timing) -> str:
    return f"{t.mean:.2f} s ± {t.stddev:.2f} (min {t.low:.2f}; CPU {t.cpu:.2f} s; {t.runs} runs)"


def report(now: dict[str, dict[str, Timing]], base: dict[str, dict[str, Timing]] | None, base_ref: str | None,
           script_help: Timing, phases: list[tuple[str, float]]) -> str:
    lines = [
        "# Command start-up times",
        "",
        f"Generated by `python -m bench cli` on {date.today().isoformat()}, Python {platform.python_version()}, "
        f"{platform.machine()}, {os.cpu_count()} cores shared with other work (figures are wall time, so a "
        "busy machine shows in the spread).",
        "",
        "Each command runs as `python -m exportgate ARGS` in a private data home, output discarded, timed by "
        "hyperfine. **Warm**: the home already holds the parsed list snapshot and the screening index "
        "(every run after the first). **Cold**: the home and cache directory are emptied before each run "
        "(a first run: the embedded lists are parsed and the index is built). `check` reads the default "
        "ledger, which does not exist in the bench home (an empty ledger; nothing is created). CPU is the "
        "mean user + system time of a run, which the machine's other load disturbs less than wall time. "
        "Python's bytecode caches are written before the runs (`compileall`) and `PYTHONDONTWRITEBYTECODE` "
        "is left out of the commands' environment, as in a user's shell (with it set, every run compiles "
        f"the package from source). Load average at the end of the runs: {os.getloadavg()[0]:.2f}.",
        "",
        "## Against the targets",
        "",
        "| Measure | Target | Result | Met |",
        "|---|---|---|---|",
    ]
    help_t = script_help
    lines.append(f"| `exportgate --help` (console script, warm) | ≤ {TARGETS['--help']} s | {help_t.mean:.2f} s | "
                 f"{'yes' if help_t.mean <= TARGETS['--help'] else 'no'} |")
    scr = now["warm"]["screen NAME"]
    lines.append(f"| warm `exportgate screen NAME` | ≤ {TARGETS['screen NAME']} s | {scr.mean:.2f} s | "
                 f"{'yes' if scr.mean <= TARGETS['screen NAME'] else 'no'} |")
    for kind in ("warm", "cold"):
        lines += ["", f"## {kind.capitalize()}", ""]
        if base is not None:
            lines += [f"| Command | this branch | {base_ref} |", "|---|---|---|"]
            for label, t in now[kind].items():
                lines.append(f"| `{label}` | {_row(t)} | {_row(base[kind][label])} |")
        else:
            lines += ["| Command | time |", "|---|---|"]
            for label, t in now[kind].items():
                lines.append(f"| `{label}` | {_row(t)} |")
    lines += ["", "## Where a warm `screen NAME` goes", "",
              "One fresh process on the warm home, each step timed (`bench/cli.py` PHASES):", "",
              "| Step | seconds |", "|---|---|"]
    lines += [f"| {step} | {sec:.3f} |" for step, sec in phases]
    lines += [
        "",
        "Reproduce: `python -m bench cli` (add `--base COMMIT` through `python -m bench.cli --base COMMIT` "
        "for the comparison column; it needs `hyperfine`).",
        "",
    ]
    return "\n".join(lines)


def main(quick: bool = False, base_ref: str | None = None) -> int:
    if shutil.which("hyperfine") is None:
        print("hyperfine is not installed (apt-get install -y hyperfine)", file=sys.stderr)
        return 1
    python = [sys.executable, "-m", "exportgate"]
    variants: dict[str, tuple[list[str], dict[str, str]]] = {"now": (python, {})}
    if base_ref is not None:
        src = ROOT / "out" / "bench-base"
        shutil.rmtree(src, ignore_errors=True)
        src.mkdir(parents=True)
        archive = subprocess.run(["git", "archive", base_ref, "src"], cwd=ROOT, check=True, capture_output=True)
        subprocess.run(["tar", "-x", "-C", str(src)], input=archive.stdout, check=True)
        variants["base"] = (python, {"PYTHONPATH": str(src / "src")})
    for _, extra_env in variants.values():  # bytecode caches warm for every run, the first cold one too
        tree = Path(extra_env["PYTHONPATH"]) if "PYTHONPATH" in extra_env else ROOT / "src"
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(tree)], check=True)
    with tempfile.TemporaryDirectory(prefix="exportgate-bench-cli-") as tmp:
        work = Path(tmp)
        timings = measure(variants, quick, work)
        phases = screen_phases(work / "now" / "screen-NAME")
        script = str(Path(sys.executable).parent / "exportgate")
        env = _user_env(EXPORTGATE_HOME=str(work / "help-home"))
        script_help = _hyperfine("--help", [script, "--help"], env, 3 if quick else 10, None, 1)
    text = report(timings["now"], timings.get("base"), base_ref, script_help, phases)
    RESULTS.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.cli", description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--base", help="also time this commit's code (git archive)")
    args = parser.parse_args()
    sys.exit(main(quick=args.quick, base_ref=args.base))
