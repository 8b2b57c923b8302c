"""Determination benchmark: licence determinations per CPU-second on a mix of scenario cases.

The mix is the scenario table of ``tests/determine/test_scenarios.py`` (items given as classified, each
case in its own mode) plus items that the determination classifies itself (catalog names, a chip spec
and a server) to four destinations in both modes. Cases are parsed once; the timed loop is
``determine(case, mode, rules)`` alone (the figure the target is about), and a second loop times
``parse_case`` + ``determine`` from the case document.

"Before" is the same measurement on the source of commit ``BEFORE`` (extracted with ``git archive``
into a temporary directory and run in a subprocess), so the two figures come from one run on one
machine. Writes ``bench/results/determine.md``.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results" / "determine.md"
#: the commit before the determination was split into steps and the rules memoised (issue 10)
BEFORE = "d5f4fab"
TARGET = 5_000  # determinations per CPU-second (issue 10)
RUNS = 3

CATALOG = ["NVIDIA H100 SXM5 80GB", "NVIDIA A800 SXM4 80GB", "NVIDIA H20"]
SPEC = {"kind": "integrated_circuit", "dense_tops": {"fp16": 400}, "datacenter_designed_or_marketed": False}
SERVER = {"kind": "server", "datacenter_designed_or_marketed": True,
          "contains": [{"item": "NVIDIA H100 SXM5 80GB", "count": 8}]}


def case_mix() -> list[tuple[str, dict[str, Any]]]:
    """(mode, case document) pairs: the scenario table, then items the determination classifies."""
    sys.path.insert(0, str(ROOT / "tests" / "determine"))
    try:
        from test_scenarios import SCENARIOS  # type: ignore[import-not-found]
    finally:
        sys.path.pop(0)
    out: list[tuple[str, dict[str, Any]]] = [(p.values[0], p.values[1]) for p in SCENARIOS]
    from exportgate.classify.catalog import catalog_names

    known = set(catalog_names())
    items: list[Any] = [n for n in CATALOG if n in known] + [SPEC, SERVER]
    for item in items:
        for dest, day in (("CN", "2024-06-01"), ("SA", "2025-06-01"), ("BR", "2025-06-01"), ("DE", "2026-02-01")):
            for mode in ("enforced", "text"):
                doc = {"date": day, "transaction": "export", "origin": "US", "destination": dest, "item": item,
                       "quantity": 4, "end_user": {"name": "End User Co", "located_in": dest}}
                out.append((mode, doc))
    return out


def _rate(fn: Any, items: list[Any], seconds: float) -> float:
    """Items per CPU-second: whole passes over ``items`` until ``seconds`` of CPU time have passed."""
    for it in items:  # warm caches (the rule data, the catalog) outside the timed loop
        fn(it)
    start = time.process_time()
    n = 0
    while True:
        for it in items:
            fn(it)
        n += len(items)
        elapsed = time.process_time() - start
        if elapsed >= seconds:
            return n / elapsed


def measure(seconds: float) -> dict[str, Any]:
    """The figures for the exportgate importable in this process."""
    from exportgate.determine import determine, parse_case
    from exportgate.rules import Mode, load_rules

    rules = load_rules()
    mix = case_mix()
    parsed = [(parse_case(doc, rules=rules), Mode(mode)) for mode, doc in mix]
    n_given = sum(1 for _, doc in mix if isinstance(doc["item"], dict) and "eccn" in doc["item"])

    def det(cm: tuple[Any, Any]) -> None:
        determine(cm[0], cm[1], rules)

    def parse_det(md: tuple[str, dict[str, Any]]) -> None:
        determine(parse_case(md[1], rules=rules), Mode(md[0]), rules)

    given = [cm for cm, (_, doc) in zip(parsed, mix, strict=True) if isinstance(doc["item"], dict) and "eccn" in doc["item"]]
    classified = [cm for cm in parsed if cm not in given]
    runs = {
        "mix": [_rate(det, parsed, seconds) for _ in range(RUNS)],
        "given": [_rate(det, given, seconds / 2) for _ in range(RUNS)],
        "classified": [_rate(det, classified, seconds / 2) for _ in range(RUNS)],
        "parse_and_determine": [_rate(parse_det, mix, seconds / 2) for _ in range(RUNS)],
    }
    try:  # the package check's path: each line classified once, then determined per destination x end user
        from exportgate.determine import determine_classified, facts_of
    except ImportError:  # the source before the function existed
        pass
    else:
        from exportgate import classify as cl

        pre = []
        for case, mode in classified:
            raw = case.item
            item = cl.catalog_item(raw) if isinstance(raw, str) else cl.parse_item(raw)
            c = cl.classify(item, case.date, mode, rules)
            pre.append((case.model_copy(update={"item": None}), c, facts_of(item, c), mode))

        def det_classified(x: tuple[Any, Any, Any, Any]) -> None:
            determine_classified(x[0], x[1], x[2], x[3], rules)

        runs["determine_classified"] = [_rate(det_classified, pre, seconds / 2) for _ in range(RUNS)]
    return {
        "cases": len(mix),
        "given": n_given,
        "classified": len(mix) - n_given,
        "rates": {k: statistics.median(v) for k, v in runs.items()},
        "runs": runs,
    }


def _before(seconds: float) -> tuple[dict[str, Any] | None, str]:
    """The same measurement on the source of commit BEFORE, or None with the reason."""
    with tempfile.TemporaryDirectory(prefix="bench-determine-") as tmp:
        archive = Path(tmp) / "src.tar"
        try:
            with archive.open("wb") as fh:
                subprocess.run(["git", "-C", str(ROOT), "archive", BEFORE, "src"], stdout=fh, check=True,
                               stderr=subprocess.PIPE)
        except (OSError, subprocess.CalledProcessError) as exc:
            return None, f"git archive {BEFORE} failed ({exc})"
        with tarfile.open(archive) as tar:
            tar.extractall(tmp, filter="data")
        env = {**os.environ, "PYTHONPATH": str(Path(tmp) / "src") + os.pathsep + str(ROOT)}
        code = f"import json, bench.determine as b; print(json.dumps(b.measure({seconds!r})))"
        proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=tmp)
        if proc.returncode != 0:
            return None, proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "failed"
        return json.loads(proc.stdout.strip().splitlines()[-1]), f"commit {BEFORE}"


def main(quick: bool = False) -> int:
    seconds = 0.5 if quick else 2.0
    after = measure(seconds)
    before, before_what = _before(seconds)
    rate = after["rates"]["mix"]
    lines = [
        "# Determination benchmark",
        "",
        f"Generated by `python -m bench determine` on {date.today().isoformat()}, Python {platform.python_version()}, "
        f"{platform.machine()}, one process (one core){' (quick run)' if quick else ''}.",
        "",
        f"* Case mix: {after['cases']} cases — {after['given']} from the scenario table of "
        f"`tests/determine/test_scenarios.py` (items given as classified, each in its own mode) and "
        f"{after['classified']} whose item the determination classifies (catalog names, a chip spec, an 8-GPU "
        "server; CN, SA, BR, DE; both modes).",
        "* Timed: `determine(case, mode, rules)` on parsed cases, whole passes over the mix until "
        f"{seconds:g} CPU-seconds have passed; the median of {RUNS} runs (`time.process_time`). "
        "`parse + determine` also parses each case document.",
        f"* Before: the same measurement, in a subprocess, on the source of {before_what}.",
        "",
        "## Summary against the target",
        "",
        "| Measure | Target | Result | Met |",
        "|---|---|---|---|",
        f"| determine, case mix | >= {TARGET:,} cases per CPU-second | {rate:,.0f} | {'yes' if rate >= TARGET else 'no'} |",
        "",
        "## Before and after (cases per CPU-second, median)",
        "",
        "| Measure | Before | After | Change |",
        "|---|---|---|---|",
    ]
    labels = {
        "mix": "determine, case mix",
        "given": "determine, items given as classified",
        "classified": "determine, items classified by the determination",
        "determine_classified": "determine_classified, the same items classified once beforehand",
        "parse_and_determine": "parse_case + determine, case mix",
    }
    for key, label in labels.items():
        now = after["rates"].get(key)
        was = before["rates"].get(key) if before else None
        if now is None:
            continue
        change = f"x{now / was:.2f}" if was else "-"
        lines.append(f"| {label} | {f'{was:,.0f}' if was else '-'} | {now:,.0f} | {change} |")
    lines += ["", "Each run (after): " + "; ".join(
        f"{labels[k]}: " + ", ".join(f"{x:,.0f}" for x in v) for k, v in after["runs"].items()), ""]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))
    return 0 if rate >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main("--quick" in sys.argv))
