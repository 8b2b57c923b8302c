"""Batch screening at scale: a million generated party names screened against every embedded list with
``screen-batch``'s engines (local on 1 and 2 cores, a 2-worker Dask LocalCluster), against the floor (the
same file read and every name normalised, no matching), with the memory per worker, where the time goes,
the single-name latency, and on paper the cluster it takes to screen 100 million names in an hour.
Writes ``bench/results/batch.md``.

The names: Faker persons and companies from many locales and scripts (weighted towards the Latin-script
locales a US exporter's customer file mostly holds), about 1% perturbed listed names (``bench.screening``'s
perturbations), about half the rows with the locale's country, half with the party type. The file is
generated once per seed and size and kept in ``out/bench/`` (ignored by git).

Every timed run is a fresh process (nothing learnt by an earlier run is reused), started the way a user
starts one (the index loaded from its on-disk cache). The host is shared: the load averages and the other
busy processes during each run are recorded with it.

``python -m bench batch`` (``--quick``: 20,000 names, for a check, not the record).
"""

from __future__ import annotations

import cProfile
import csv
import json
import os
import platform
import pstats
import random
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results" / "batch.md"
CACHE = ROOT / "out" / "bench"
SEED = 20261201
N_FULL = 1_000_000
N_QUICK = 20_000
PERTURBED_SHARE = 0.01
PROFILE_ROWS = 20_000
SINGLE_QUERIES = 5_000
SINGLE_ROUNDS = 4
BEFORE_ROWS = 100_000  # screen-batch before and after this change, on this many rows
CPU_PAIR_ROWS = 20_000  # rows per CPU-second before and after this change, on this many rows, in turns
CPU_PAIR_ROUNDS = 4
OVERHEAD_ROWS = 10_000  # Dask's cost per partition: this many rows in 2 partitions, then in the smallest ones
TARGET_NAMES_PER_HOUR = 100_000_000
VCPU_HOUR_USD = 0.0425  # assumed on-demand price of one vCPU-hour (compute-optimised x86 instances, 2 GB/vCPU)

# Locale -> weight. Latin-script locales weigh more, as in a US exporter's files; every major script is there.
LOCALES: dict[str, int] = {
    "en_US": 20, "en_GB": 6, "de_DE": 6, "fr_FR": 5, "es_ES": 4, "es_MX": 4, "it_IT": 3, "pt_BR": 4,
    "nl_NL": 2, "pl_PL": 2, "tr_TR": 3, "vi_VN": 2, "id_ID": 2, "ru_RU": 5, "uk_UA": 2, "el_GR": 1,
    "ar_AA": 3, "fa_IR": 2, "he_IL": 1, "hi_IN": 3, "bn_BD": 1, "th_TH": 1, "zh_CN": 6, "zh_TW": 2,
    "ja_JP": 3, "ko_KR": 3,
}  # fmt: skip
LOCALE_COUNTRY = {loc: loc.split("_")[1] for loc in LOCALES} | {"ar_AA": "AE"}


# --------------------------------------------------------------------------------------------------
# The input


def generate(path: Path, n: int, seed: int) -> dict[str, Any]:
    """Write ``n`` rows (id, name, country, type) to ``path``; what they are made of."""
    from faker import Faker

    from bench.screening import make_positives
    from exportgate.screen.lists import load_embedded

    rng = random.Random(seed)
    fakers = {}
    for i, loc in enumerate(LOCALES):
        f = Faker(loc)
        f.seed_instance(seed + i)
        fakers[loc] = f
    locales = list(LOCALES)
    weights = [LOCALES[loc] for loc in locales]
    n_pos = round(n * PERTURBED_SHARE)
    positives = make_positives(load_embedded().entities, n_pos, rng)
    pos_at = set(rng.sample(range(n), n_pos))
    kinds: Counter[str] = Counter()
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "name", "country", "type"])
        pi = 0
        for i in range(n):
            if i in pos_at:
                p = positives[pi]
                pi += 1
                kinds[f"perturbed listed ({p.kind})"] += 1
                w.writerow([f"p{i}", p.query, "", p.etype.value if rng.random() < 0.5 else ""])
                continue
            loc = rng.choices(locales, weights)[0]
            person = rng.random() < 0.5
            f = fakers[loc]
            name = f.name() if person else f.company()
            kinds["person" if person else "company"] += 1
            country = LOCALE_COUNTRY[loc] if rng.random() < 0.5 else ""
            etype = ("person" if person else "entity") if rng.random() < 0.5 else ""
            w.writerow([f"c{i}", name, country, etype])
    os.replace(tmp, path)
    return {"rows": n, "kinds": dict(kinds)}


def input_file(n: int) -> tuple[Path, dict[str, Any]]:
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"parties-{n}-{SEED}.csv"
    meta_path = path.with_suffix(".json")
    if path.is_file() and meta_path.is_file():
        return path, json.loads(meta_path.read_text())
    start = time.perf_counter()
    meta = generate(path, n, SEED)
    names = Counter()
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            names[row["name"]] += 1
    meta.update(
        generated_in=round(time.perf_counter() - start, 1),
        distinct_names=len(names),
        bytes=path.stat().st_size,
    )
    meta_path.write_text(json.dumps(meta))
    return path, meta


# --------------------------------------------------------------------------------------------------
# Measurements (each in a fresh process: ``python -m bench.batch CHILD-ARGS``)


def host_load() -> dict[str, Any]:
    """The load averages and what else is using the CPU now (summed by kind of process)."""
    load = os.getloadavg()
    busy: dict[str, list[float]] = {}
    try:
        out = subprocess.run(
            ["ps", "-eo", "pid,ppid,pcpu,comm,args", "--sort=-pcpu"], capture_output=True, text=True, check=True
        ).stdout.splitlines()[1:]
        mine = {os.getpid(), os.getppid()}
        for line in out[:40]:
            pid, ppid, pcpu, comm, *args = line.split(None, 4)
            if int(pid) in mine or int(ppid) in mine or float(pcpu) < 5:
                continue
            what = " ".join(args)
            if "pytest" in what:
                label = "pytest (other helpers' test suites)"
            elif "bench" in what:
                label = "benchmarks"
            elif "postgres" in what:
                label = "postgres"
            elif "exportgate" in what:
                label = "exportgate commands (other helpers)"
            else:
                label = comm
            busy.setdefault(label, []).append(float(pcpu))
    except (OSError, subprocess.CalledProcessError, ValueError):
        pass
    return {"load": [round(x, 2) for x in load], "busy": {k: [len(v), round(sum(v))] for k, v in busy.items()}}


def _child(args: list[str]) -> None:
    """A measurement in this (fresh) process; prints one JSON document."""
    what = args[0]
    src = Path(args[1]) if what not in {"rerender", "cli"} else Path()
    if what == "floor":
        print(json.dumps(floor(src)))
    elif what == "run":
        engine, workers, partitions, out = args[2], int(args[3]), int(args[4]), Path(args[5])
        print(json.dumps(run(src, engine, workers, partitions, out)))
    elif what == "profile":
        print(json.dumps(profile(src, int(args[2]))))
    elif what == "single":
        print(json.dumps(single(src, int(args[2]))))
    elif what == "rerender":
        rerender(int(args[1]))
    elif what == "cli":
        print(json.dumps(cli_run(args[1:])))


def _in_fresh_process(*args: str, pythonpath: str | None = None) -> dict[str, Any]:
    before = host_load()
    env = dict(os.environ)
    if pythonpath:
        env["PYTHONPATH"] = os.pathsep.join([pythonpath, str(ROOT)])
    res = subprocess.run(
        [sys.executable, "-m", "bench.batch", *args], capture_output=True, text=True, cwd=ROOT, env=env
    )
    if res.returncode != 0:
        raise RuntimeError(f"bench.batch {' '.join(args)} failed:\n{res.stderr[-3000:]}")
    doc: dict[str, Any] = json.loads(res.stdout.strip().splitlines()[-1])
    doc["host_before"] = before
    doc["host_after"] = host_load()
    return doc


def floor(src: Path) -> dict[str, Any]:
    """Read the input as screen-batch reads it (the planning pass, then every partition) and check and
    normalise every name, on one core: what screening could not go below."""
    from exportgate.errors import InputError
    from exportgate.screen.batch import iter_rows, plan_input
    from exportgate.screen.normalize import normalize_name, tables
    from exportgate.screen.screener import validate_name

    tables()  # loaded once per process, as the screener does before its first query
    start = time.perf_counter()
    cpu = time.process_time()
    plan = plan_input(src)
    planned = time.perf_counter() - start
    plan_cpu = time.process_time() - cpu
    n = 0
    for row in iter_rows(plan):
        name = row.fields.get("name")
        try:
            cleaned, _ = validate_name(name)
        except InputError:
            continue
        normalize_name(cleaned)
        n += 1
    seconds = time.perf_counter() - start
    cpu_seconds = time.process_time() - cpu
    return {
        "rows": plan.rows,
        "names": n,
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "plan_seconds": planned,
        "plan_cpu_seconds": plan_cpu,
    }


def run(src: Path, engine: str, workers: int, partitions: int, out: Path) -> dict[str, Any]:
    """One screen-batch run as the command makes it (the screener loaded from the on-disk cache)."""
    from exportgate.screen import Screener
    from exportgate.screen.batch import BatchOptions, run_batch
    from exportgate.screen.batch.worker import peak_rss_mb

    start = time.perf_counter()
    screener = Screener()
    loaded = time.perf_counter() - start
    opts = BatchOptions(src, out, engine=engine, workers=workers, partitions=partitions or None)
    summary = run_batch(opts, screener)
    wall = time.perf_counter() - start
    out.unlink(missing_ok=True)
    return {
        "engine": engine,
        "workers": workers,
        "rows": summary.rows,
        "partitions": summary.partitions,
        "seconds": summary.seconds,
        "wall": wall,
        "load_seconds": loaded,
        "alerts": summary.alerts,
        "strong": summary.strong,
        "errors": summary.errors,
        "memo_hits": summary.memo_hits,
        "plan_seconds": summary.plan_seconds,
        "cpu_seconds": summary.cpu_seconds,
        "start_seconds": summary.start_seconds,
        "peak_rss_mb": {str(k): v for k, v in summary.peak_rss_mb.items()},
        "pss_mb": {str(k): v for k, v in summary.pss_mb.items()},
        "parent_peak_rss_mb": peak_rss_mb(),
    }


PROFILE_GROUPS: list[tuple[str, tuple[str, ...]]] = [
    ("token alignment and scoring (score.py)", ("score.py",)),
    ("candidate lookup and typo corrections (index.py)", ("index.py", "index_store.py")),
    ("normalisation (normalize.py, anyascii)", ("normalize.py", "anyascii")),
    ("name checks and the match loop (screener.py)", ("screener.py",)),
    ("reading the input (batch/readers.py, csv)", ("readers.py",)),
    ("batch rows: records, memo, results (batch/rows.py)", ("rows.py",)),
    ("writing the part file (batch/writers.py, csv, json)", ("writers.py",)),
]


def profile(src: Path, rows: int) -> dict[str, Any]:
    """Where the time goes: cProfile of the first ``rows`` rows read, screened and written, one core, the
    self time of every function summed by the file it is in."""
    from itertools import islice

    from exportgate.screen import Screener
    from exportgate.screen.batch import iter_rows, plan_input
    from exportgate.screen.batch.rows import ResultMemo, chunks, screen_chunk
    from exportgate.screen.batch.writers import PartWriter

    screener = Screener()
    screener.warm()
    plan = plan_input(src)
    out = CACHE / "profile-part.csv"
    writer = PartWriter("csv", out)
    memo = ResultMemo()

    def work() -> None:
        for chunk in chunks(islice(iter_rows(plan), rows)):
            writer.write(screen_chunk(screener, chunk, None, memo))

    prof = cProfile.Profile()
    prof.enable()
    work()
    prof.disable()
    writer.abort()
    stats = pstats.Stats(prof)
    total = 0.0
    groups: Counter[str] = Counter()
    top: list[tuple[float, str]] = []
    for (filename, line, func), (_cc, _nc, tt, _ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        total += tt
        label = "other (builtins, json, gc, ...)"
        for name, needles in PROFILE_GROUPS:
            if any(n in filename for n in needles):
                label = name
                break
        groups[label] += tt
        top.append((tt, f"{Path(filename).name}:{line}({func})"))
    top.sort(reverse=True)
    calls = {
        f"{Path(f).name}:{func}": nc
        for (f, _l, func), (_cc, nc, _tt, _ct, _c) in stats.stats.items()  # type: ignore[attr-defined]
        if func in {"token_similarity", "score_tokens", "candidates", "normalize_name", "corrections", "screen"}
    }
    return {
        "rows": rows,
        "total": total,
        "groups": {k: v / total for k, v in groups.most_common()},
        "top": [[round(t / total, 4), name] for t, name in top[:12]],
        "calls": calls,
        "memo_hits": memo.hits,
    }


def single(src: Path, n: int) -> dict[str, Any]:
    """Single-name latency of ``Screener.screen`` (as ``exportgate screen`` and the API call it) on ``n``
    names of the file, after a warm-up of 200."""
    from exportgate.errors import InputError
    from exportgate.screen import Screener

    names: list[tuple[str, str]] = []
    with src.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            names.append((row["name"], row["country"]))
            if len(names) >= n + 200:
                break
    screener = Screener()
    times: list[float] = []
    for i, (name, country) in enumerate(names):
        t = time.perf_counter()
        try:
            screener.screen(name, country=country or None)
        except InputError:
            continue
        if i >= 200:
            times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return {
        "n": len(times),
        "p50": times[len(times) // 2],
        "p99": times[min(len(times) - 1, round(0.99 * (len(times) - 1)))],
        "mean": sum(times) / len(times),
    }


# --------------------------------------------------------------------------------------------------
# The report


def _rate(doc: dict[str, Any]) -> float:
    return float(doc["rows"]) / float(doc["seconds"])


def _loads(doc: dict[str, Any]) -> str:
    before, after = doc["host_before"], doc["host_after"]
    busy: dict[str, list[int]] = {}
    for snap in (before["busy"], after["busy"]):
        for label, (count, cpu) in snap.items():
            have = busy.setdefault(label, [0, 0])
            have[0], have[1] = max(have[0], count), max(have[1], cpu)
    text = f"load {before['load'][0]:.1f} -> {after['load'][0]:.1f}"
    others = ", ".join(
        f"{label} x{c} ({cpu}% CPU)" for label, (c, cpu) in sorted(busy.items(), key=lambda kv: -kv[1][1])
    )
    return text + (f"; also: {others}" if others else "; nothing else busy")


def cli_run(argv: list[str]) -> dict[str, Any]:
    """``exportgate ARGV`` in this process (whichever exportgate the path holds): wall time, peak memory."""
    import resource
    import runpy

    sys.argv = ["exportgate", *argv]
    start = time.perf_counter()
    code: Any = 0
    try:
        runpy.run_module("exportgate", run_name="__main__")
    except SystemExit as exc:
        code = exc.code
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)
    return {"seconds": time.perf_counter() - start, "peak_rss_mb": peak, "exit": code}


def before_after(src: Path, n: int) -> dict[str, Any]:
    """``screen-batch`` before this change (``BENCH_BASELINE_SRC``) and now, on the first BEFORE_ROWS rows,
    the whole command timed in a fresh process each (index load included), one core."""
    baseline = os.environ.get("BENCH_BASELINE_SRC")
    if not baseline:
        return {}
    rows = min(BEFORE_ROWS, n)
    head = CACHE / f"parties-head-{rows}-{SEED}.csv"
    with src.open("rb") as fh_in, head.open("wb") as fh_out:
        for _ in range(rows + 1):
            fh_out.write(fh_in.readline())
    out: dict[str, Any] = {"rows": rows}
    for key, extra, path in (
        ("before", [], baseline),
        ("now", ["--workers", "1"], None),
        ("now2", ["--workers", "2"], None),
    ):
        target = CACHE / f"screened-{key}.csv"
        out[key] = _in_fresh_process("cli", "screen-batch", str(head), "--out", str(target), *extra, pythonpath=path)
        target.unlink(missing_ok=True)
    return out


def cpu_pairs(n: int) -> dict[str, Any]:
    """Rows per CPU-second on the first CPU_PAIR_ROWS rows, one core (``bench.batch_cpu``: read, screen, write a
    part as one worker does), now and with ``BENCH_BASELINE_SRC``, in turns (ABBA, CPU_PAIR_ROUNDS each): the
    change's own effect, measured at the same moments of the shared host. Also whether both wrote the same
    output."""
    baseline = os.environ.get("BENCH_BASELINE_SRC")
    if not baseline:
        return {}
    rows = str(min(CPU_PAIR_ROWS, n))
    out: dict[str, Any] = {"rows": int(rows), "now": [], "before": [], "src": baseline}
    parts = {key: CACHE / f"cpu-pair-{key}.csv" for key in ("now", "before")}
    for i in range(CPU_PAIR_ROUNDS):
        for key in ("before", "now") if i % 2 == 0 else ("now", "before"):
            env = dict(os.environ)
            env["PYTHONPATH"] = os.pathsep.join([baseline, str(ROOT)]) if key == "before" else str(ROOT)
            res = subprocess.run(
                [sys.executable, "-m", "bench.batch_cpu", "--n", str(n), "--rows", rows, "--out", str(parts[key])],
                capture_output=True,
                text=True,
                cwd=ROOT,
                env=env,
            )
            if res.returncode != 0:
                raise RuntimeError(f"bench.batch_cpu ({key}) failed:\n{res.stderr[-3000:]}")
            doc = json.loads(res.stdout.strip().splitlines()[-1])
            out[key].append(doc["rows_per_cpu_second"])
    out["same_output"] = parts["now"].read_bytes() == parts["before"].read_bytes()
    for path in parts.values():
        path.unlink(missing_ok=True)
    return out


def single_latency(src: Path, n: int) -> dict[str, Any]:
    """Single-name latency now and, with ``BENCH_BASELINE_SRC`` (another version's ``src``, e.g. from
    ``git archive main src``), with that version: fresh processes taking turns (ABBA), SINGLE_ROUNDS each,
    the median of each percentile (the host is shared: one run can differ by chance)."""
    queries = str(min(SINGLE_QUERIES, n))
    baseline = os.environ.get("BENCH_BASELINE_SRC")
    rounds: dict[str, list[dict[str, Any]]] = {"single": [], "single_baseline": []}
    for i in range(SINGLE_ROUNDS):  # in turn first and second: the first of two runs is often the slower
        order = ["single", "single_baseline"] if i % 2 == 0 else ["single_baseline", "single"]
        for key in order:
            if key == "single":
                rounds[key].append(_in_fresh_process("single", str(src), queries))
            elif baseline:
                rounds[key].append(_in_fresh_process("single", str(src), queries, pythonpath=baseline))
    out: dict[str, Any] = {}
    for key, docs in rounds.items():
        if docs:
            out[key] = {
                "n": docs[0]["n"],
                "rounds": len(docs),
                **{m: statistics.median(d[m] for d in docs) for m in ("p50", "p99", "mean")},
                "all": [[round(d["p50"], 3), round(d["p99"], 3)] for d in docs],
            }
    if baseline:
        out["single_baseline"]["src"] = baseline
    return out


def rerender(n: int = N_FULL) -> None:
    """Measure the single-name latency again and write the report from the saved results of the last run."""
    src, _meta = input_file(n)
    path = CACHE / f"batch-results-{n}.json"
    results = json.loads(path.read_text())
    results.update(single_latency(src, n))
    results["before_after"] = before_after(src, n)
    results["cpu_pairs"] = cpu_pairs(n)
    path.write_text(json.dumps(results, indent=1))
    RESULTS.write_text(report(results, n, n != N_FULL), encoding="utf-8")


def main(quick: bool = False) -> int:
    n = N_QUICK if quick else N_FULL
    print(f"  input: {n:,} names", flush=True)
    src, meta = input_file(n)
    print(f"  input ready: {src} ({meta['bytes'] / 1e6:.0f} MB)", flush=True)
    results: dict[str, Any] = {"meta": meta}
    results["floor"] = _in_fresh_process("floor", str(src))
    print(f"  floor: {results['floor']['seconds']:.1f} s", flush=True)
    runs = [("local", 1), ("local", 2), ("dask", 2)]
    for engine, workers in runs:
        out = CACHE / f"screened-{engine}-{workers}.csv"
        doc = _in_fresh_process("run", str(src), engine, str(workers), "0", str(out))
        results[f"{engine}-{workers}"] = doc
        print(f"  {engine} x{workers}: {doc['seconds']:.1f} s, {_rate(doc):,.0f} rows/s", flush=True)
    # Dask's cost per partition: the first OVERHEAD_ROWS rows in 2 partitions, then in the smallest partitions
    # there can be (a partition starts at a checkpoint of the planning pass: every CHECKPOINT_ROWS rows)
    head = CACHE / f"parties-head-{OVERHEAD_ROWS}-{SEED}.csv"
    with src.open("rb") as fh_in, head.open("wb") as fh_out:
        for _ in range(OVERHEAD_ROWS + 1):
            fh_out.write(fh_in.readline())
    from exportgate.screen.batch.readers import CHECKPOINT_ROWS

    for label, parts in (("dask-few", 2), ("dask-many", OVERHEAD_ROWS // CHECKPOINT_ROWS)):
        out = CACHE / f"screened-{label}.csv"
        doc = _in_fresh_process("run", str(head), "dask", "2", str(parts), str(out))
        results[label] = doc
        print(
            f"  dask x2, {OVERHEAD_ROWS:,} rows in {doc['partitions']} partitions: {doc['seconds']:.1f} s", flush=True
        )
    results["profile"] = _in_fresh_process("profile", str(src), str(min(PROFILE_ROWS, n)))
    results.update(single_latency(src, n))
    results["before_after"] = before_after(src, n)
    results["cpu_pairs"] = cpu_pairs(n)
    (CACHE / f"batch-results-{n}.json").write_text(json.dumps(results, indent=1))
    target = RESULTS.with_name("batch-quick.md") if quick else RESULTS  # a quick check leaves the record alone
    target.write_text(report(results, n, quick), encoding="utf-8")
    print(f"  wrote {target}", flush=True)
    return 0


def _screening(doc: dict[str, Any]) -> float:
    """Seconds of a run without starting the engine (a LocalCluster and its workers loading the index)."""
    return float(doc["seconds"]) - float(doc.get("start_seconds", 0.0))


def report(r: dict[str, Any], n: int, quick: bool) -> str:
    meta, fl = r["meta"], r["floor"]
    one, two, dask = r["local-1"], r["local-2"], r["dask-2"]
    few, many = r["dask-few"], r["dask-many"]
    floor_rate = fl["rows"] / fl["seconds"]
    rate1, rate2 = _rate(one), _rate(two)
    ratio = one["seconds"] / fl["seconds"]
    # On a shared host a process gets part of a core: per core is rows per CPU-second of the workers, and
    # the ratio to the floor compares CPU time (the planning pass left out of both)
    cpu1 = one["rows"] / one["cpu_seconds"] if one.get("cpu_seconds") else rate1
    cpu2 = two["rows"] / two["cpu_seconds"] * 2 if two.get("cpu_seconds") else rate2
    floor_cpu = fl.get("cpu_seconds", fl["seconds"]) - fl.get("plan_cpu_seconds", 0.0)
    ratio_cpu = one["cpu_seconds"] / floor_cpu if one.get("cpu_seconds") else ratio
    quiet_2 = two["plan_seconds"] + two["rows"] / cpu2  # two workers with a core each, after the planning pass
    # Dask's cost per partition: the extra time of the many-partition run over the default one, per extra
    # partition and worker (both on a 2-worker LocalCluster, its start-up left out of both)
    extra_parts = many["partitions"] - few["partitions"]
    overhead = max(0.0, (_screening(many) - _screening(few)) * 2 / extra_parts) if extra_parts > 0 else 0.0
    per_core = dask["rows"] / dask["cpu_seconds"] if dask.get("cpu_seconds") else dask["rows"] / _screening(dask) / 2
    part_rows = 10_000
    eff = part_rows / (part_rows / per_core + overhead)
    need = TARGET_NAMES_PER_HOUR / 3600
    cores = -(-need // eff)
    cost = cores * VCPU_HOUR_USD
    mem = max([*one["peak_rss_mb"].values(), *two["peak_rss_mb"].values(), *dask["peak_rss_mb"].values()])
    pss2 = max(two["pss_mb"].values()) if two["pss_mb"] else 0.0
    million_2 = 1_000_000 / rate2 / 60
    single = r["single"]
    base = r.get("single_baseline")
    if base:
        single_text = (
            f"{single['p50']:.2f} ms / {single['p99']:.2f} ms; before this change, the same names: "
            f"{base['p50']:.2f} / {base['p99']:.2f} ms (medians of {single.get('rounds', 1)} runs each, taking "
            f"turns: now {single.get('all')}, before {base.get('all')})"
        )
        single_met = _yes(single["p50"] <= base["p50"] * 1.1 and single["p99"] <= base["p99"] * 1.1)
    else:
        single_text, single_met = f"{single['p50']:.2f} ms / {single['p99']:.2f} ms", "see below"
    kinds = sorted(meta["kinds"].items(), key=lambda kv: -kv[1])
    lines = [
        "# Batch screening at scale",
        "",
        f"Generated by `python -m bench batch`{' --quick' if quick else ''} (seed {SEED}) on "
        f"{time.strftime('%Y-%m-%d %H:%M')}, Python {platform.python_version()}, {platform.machine()}, "
        f"{os.cpu_count()} cores shared with other work (the load during each run is recorded with it).",
        "",
        f"* Input: {n:,} generated rows (Faker persons and companies from {len(LOCALES)} locales: Latin, "
        "Cyrillic, Greek, Arabic, Hebrew, Devanagari, Bengali, Thai, Chinese, Japanese and Korean scripts; "
        f"{PERTURBED_SHARE:.0%} perturbed listed names; half the rows with a country, half with a type), "
        f"{meta['bytes'] / 1e6:.0f} MB of CSV, {meta['distinct_names']:,} distinct names "
        f"({meta['distinct_names'] / n:.1%}). "
        + ", ".join(f"{k} {v:,}" for k, v in kinds if not k.startswith("perturbed"))
        + f", perturbed listed names {sum(v for k, v in kinds if k.startswith('perturbed')):,}.",
        "* Lists: every embedded list (`Screener()`, the index loaded from its on-disk cache).",
        "* Each run is a fresh process running `run_batch` as `exportgate screen-batch INPUT --out OUT.csv "
        "--engine E --workers W` does (partitions of 10,000 rows unless said), timed from the start of the "
        "run (the screener already loaded) to the output in place.",
        "",
        "## Summary against the targets",
        "",
        "| Measure | Target | Result | Met |",
        "|---|---|---|---|",
        f"| Names/s per core, mixed file (`local`, 1 worker) | >= 5,000 | {cpu1:,.0f} per CPU-second "
        f"({rate1:,.0f} per second of the shared host) | {_yes(cpu1 >= 5000)} |",
        f"| 1,000,000 names on 2 cores (`local`, 2 workers) | <= 3 min | {million_2:.1f} min on the shared "
        f"host ({rate2:,.0f} names/s); {quiet_2 * 1_000_000 / n / 60:.1f} min with a core per worker "
        f"(from CPU time) | {_yes(min(million_2, quiet_2 * 1_000_000 / n / 60) <= 3)} |",
        f"| Peak memory per worker | <= 3 GB | {mem:,.0f} MB RSS at most (2 forked workers: {pss2:,.0f} MB "
        f"PSS each, the index pages shared) | {_yes(mem <= 3072)} |",
        f"| Full screening / floor (1 core) | <= 4 | {ratio_cpu:.1f} in CPU time ({ratio:.1f} in wall time) | "
        f"{_yes(ratio_cpu <= 4)} |",
        f"| Single name p50 / p99 (`Screener.screen`) | not worse | {single_text} | {single_met} |",
        "",
        "## Runs",
        "",
        "| Engine | Workers | Partitions | Time | planning / engine start | Rows/s | Rows per worker "
        "CPU-second | Peak RSS per worker | Host during the run |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for doc in (one, two, dask, few, many):
        peaks = ", ".join(f"{v:,.0f} MB" for v in sorted(doc["peak_rss_mb"].values()))
        lines.append(
            f"| {doc['engine']} | {doc['workers']} | {doc['partitions']:,} | {doc['seconds']:.1f} s | "
            f"{doc.get('plan_seconds', 0):.1f} s / {doc.get('start_seconds', 0):.1f} s | {_rate(doc):,.0f} | "
            f"{doc['rows'] / doc['cpu_seconds'] if doc.get('cpu_seconds') else 0:,.0f} | {peaks} | {_loads(doc)} |"
        )
    lines += [
        "",
        f"**Floor** (the same file read by the batch reader — the planning pass, then every row — and every name "
        f"checked and normalised, no matching; one core): {fl['seconds']:.1f} s = {floor_rate:,.0f} rows/s, of "
        f"which the planning pass {fl['plan_seconds']:.1f} s; {fl.get('cpu_seconds', 0):.1f} CPU-seconds. "
        f"Host: {_loads(fl)}.",
        "",
        f"Alerts (rows with a match >= 0.85): {one['alerts']:,} ({one['alerts'] / n:.2%}), {one['strong']:,} "
        f"strong; rows answered from the memo of records already screened by the same process: "
        f"{one['memo_hits']:,} on 1 worker ({one['memo_hits'] / n:.1%}). The engines agree "
        f"({one['alerts']:,} / {two['alerts']:,} / {dask['alerts']:,} alerts; the last two rows of the table "
        f"screen the first {few['rows']:,} rows only: {few['alerts']:,} / {many['alerts']:,} alerts).",
        "",
        *_before_after_lines(r.get("before_after") or {}),
        *_cpu_pair_lines(r.get("cpu_pairs") or {}),
        "## Where the time goes",
        "",
        f"cProfile of the first {r['profile']['rows']:,} rows read, screened and written on one core, self time "
        "summed per source file:",
        "",
        "| Part | Share |",
        "|---|---|",
        *[f"| {k} | {v:.0%} |" for k, v in r["profile"]["groups"].items()],
        "",
        "Busiest functions (self time): "
        + "; ".join(f"`{name}` {share:.0%}" for share, name in r["profile"]["top"][:8])
        + ".",
        "",
        "Calls (cache misses for the functions with a cache): "
        + ", ".join(f"`{k}` {v:,}" for k, v in sorted(r["profile"]["calls"].items()))
        + ".",
        "",
        "## 100 million names in one hour, on paper",
        "",
        f"* Needed: {need:,.0f} names/s.",
        f"* Measured on the 2-worker LocalCluster: {per_core:,.0f} names per worker CPU-second; "
        f"Dask's overhead {overhead * 1000:,.0f} ms per partition (the first {few['rows']:,} rows in "
        f"{many['partitions']:,} partitions took {_screening(many):.1f} s, in {few['partitions']} partitions "
        f"{_screening(few):.1f} s: the difference per extra partition and worker). With "
        f"partitions of {part_rows:,} rows a worker screens {eff:,.0f} names/s.",
        f"* Cluster: **{cores:,.0f} single-threaded workers** (one vCPU each; {cores * 1.25:,.0f} with a quarter "
        f"of headroom for slower cores and stragglers), e.g. one machine of 16 vCPU and 32 GB (a worker peaks "
        f"at {mem / 1024:.1f} GB, so 2 GB per vCPU is enough), plus a scheduler; 10,000 partitions of 10,000 "
        "rows. Each worker loads the index from its own cache once (about a second), so start the workers "
        "before the hour.",
        f"* Cost: about **${cost:,.2f} for the hour** of compute (${cost * 1.25:,.2f} with the headroom) at "
        f"${VCPU_HOUR_USD} per vCPU-hour (an assumed on-demand price of compute-optimised instances; spot "
        "capacity costs about a third of that).",
        f"* What does not scale out: the command reads the input once to plan the partitions "
        f"({fl['plan_seconds'] / n * TARGET_NAMES_PER_HOUR / 60:,.0f} min for 100 million rows at the measured "
        "planning rate) and, for a single output file, copies the parts into it at the end; write a folder of "
        "Parquet files (`--out results/`, no copy) and split a very large input into several files of a "
        "folder of Parquet files (planned from their metadata and a checksum of their bytes: nothing parsed).",
        "",
    ]
    return "\n".join(lines)


def _before_after_lines(ba: dict[str, Any]) -> list[str]:
    if not ba:
        return []
    rows = ba["rows"]

    def cell(doc: dict[str, Any]) -> str:
        return f"{doc['seconds']:.1f} s | {rows / doc['seconds']:,.0f} | {doc['peak_rss_mb']:,.0f} MB"

    return [
        "## Before and after",
        "",
        f"`exportgate screen-batch` on the first {rows:,} rows of the file, the whole command in a fresh process "
        f"(start-up and index load included), before this change (the code of `BENCH_BASELINE_SRC`: "
        f"{os.environ.get('BENCH_BASELINE_LABEL', 'every row and result held in memory, one core')}) and now:",
        "",
        "| Version | Time | Rows/s | Peak memory of the command |",
        "|---|---|---|---|",
        f"| before | {cell(ba['before'])} |",
        f"| now, 1 worker | {cell(ba['now'])} |",
        f"| now, 2 workers | {cell(ba['now2'])} (the parent; each worker's is in the runs above) |",
        "",
    ]


def _cpu_pair_lines(cp: dict[str, Any]) -> list[str]:
    if not cp:
        return []
    now, before = statistics.median(cp["now"]), statistics.median(cp["before"])
    return [
        f"Rows per CPU-second on the first {cp['rows']:,} rows, one core (`python -m bench.batch_cpu`: read, "
        "screened and written as one worker does, the index loaded first), now and before this change "
        f"(`BENCH_BASELINE_SRC`: {os.environ.get('BENCH_BASELINE_LABEL', cp['src'])}), taking turns: "
        f"now {now:,.0f} (runs: {', '.join(f'{x:,}' for x in cp['now'])}), before {before:,.0f} (runs: "
        f"{', '.join(f'{x:,}' for x in cp['before'])}): x{now / before:.2f}. The two wrote "
        f"{'the same' if cp['same_output'] else '**different**'} output.",
        "",
    ]


def _yes(flag: bool) -> str:
    return "yes" if flag else "**no**"


if __name__ == "__main__":
    _child(sys.argv[1:])
