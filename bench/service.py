"""The API under load: ``exportgate serve --workers 2`` on loopback, a bounded run per route (32 requests in
flight, 10 s a route), ``GET /health`` beside them as the ceiling (the same server, auth, headers and client, no
work), on a SQLite store and on the PostgreSQL server (127.0.0.1:5432, a database of its own for the run).

Routes: ``POST /screen`` (names from a fixed rotation, a few of them listed, each answer stored as a case
with its alerts), ``POST /check`` (the first example package, stored as a case), ``GET /health``. The
server runs on a private data home, the screening index read from the usual cache, one analyst's key.

The load generator is ``wrk`` (C, one thread; a Lua script rotates the bodies and reports the percentiles) when
it is installed (``apt-get install wrk``), else an async httpx client, which spends 1-2 ms of CPU a request
itself: on 2 cores it took half the machine from the server and made /health look like a 250 requests/s
server. Beside the client's figures, the server's own CPU time per answered request (its processes' user and
system time from /proc, over the run): what the server could do with the cores to itself.

``python -m bench service`` writes the "API load" section of ``bench/results/service.md`` (the "Re-screen"
section is ``bench.rescreen``'s); ``--quick`` runs 3 s a route and writes nothing.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results" / "service.md"
SECTION = "## API load"
EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "01-japan-sovereign-cloud.yaml"
CONCURRENCY = 32
SECONDS = 10.0
WORKERS = 2
NAMES = [
    "Acme Widgets Ltd", "Huawei Technologies", "Bank Melli Iran", "Northern Lights Trading GmbH",
    "Sakura Data Centers KK", "Rosoboronexport", "Blue River Logistics", "Shenzhen Electronics Co",
    "Maple Leaf Analytics Inc", "Gazprombank", "Atlas Compute SA", "Zhang Wei",
]
COMMAND = "python -m bench service"
#: the load generator's timeout: a request waiting longer is an error (a backlog, not a latency)
TIMEOUT_S = 30


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _setup(home: Path, url: str) -> str:
    """The store at ``url`` (data home ``home``) with one analyst; its API key."""
    from exportgate.store.accounts import Actor
    from exportgate.store.service import Service

    with Service.open(url, home=home) as svc:
        key: str = svc.users.add(Actor.local("bench"), "bench", "analyst").api_key
        return key


def _package() -> dict[str, Any]:
    import yaml

    doc: dict[str, Any] = json.loads(json.dumps(yaml.safe_load(EXAMPLE.read_text(encoding="utf-8")), default=str))
    return doc


async def _wait_ready(base: str, deadline: float) -> float:
    import httpx

    start = time.perf_counter()
    async with httpx.AsyncClient(base_url=base) as client:
        ok = 0
        while time.perf_counter() - start < deadline:
            try:
                ok = ok + 1 if (await client.get("/health")).status_code == 200 else 0
            except httpx.HTTPError:
                ok = 0
            if ok >= 2 * WORKERS:  # a few answers in a row: every worker is up
                return time.perf_counter() - start
            await asyncio.sleep(0.1)
    raise RuntimeError(f"the server was not ready within {deadline:.0f} s")


def _bodies(path: str) -> list[Any] | None:
    if path == "/screen":
        return [{"name": n} for n in NAMES]
    if path == "/check":
        return [_package()]
    return None


async def _httpx_load(base: str, key: str, method: str, path: str, seconds: float) -> dict[str, Any]:
    """``CONCURRENCY`` loops sending the request for ``seconds`` (httpx, async); the counts and latencies."""
    import httpx

    bodies = _bodies(path)
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    errors: list[str] = []
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=base, limits=limits, headers=headers, timeout=TIMEOUT_S) as client:
        stop = time.perf_counter() + seconds
        counter = iter(range(10**9))

        async def loop() -> None:
            while time.perf_counter() < stop:
                n = next(counter)
                payload = bodies[n % len(bodies)] if bodies else None
                t0 = time.perf_counter()
                try:
                    response = await client.request(method, path, json=payload)
                    statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
                except httpx.HTTPError as exc:
                    errors.append(type(exc).__name__)
                    continue
                latencies.append(time.perf_counter() - t0)

        began = time.perf_counter()
        await asyncio.gather(*(loop() for _ in range(CONCURRENCY)))
        elapsed = time.perf_counter() - began
    ok = statuses.get(200, 0)
    failed = sum(n for s, n in statuses.items() if s != 200) + len(errors)
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) >= 2 else [0.0] * 99
    return {"ok": ok, "errors": failed, "rps": ok / elapsed, "p50_ms": cuts[49] * 1000, "p99_ms": cuts[98] * 1000}


def _lua(key: str, method: str, path: str, bodies: list[Any] | None) -> str:
    """The wrk script: the method, the key, the bodies in turn, and a last line with the counts and percentiles."""
    texts = [json.dumps(b) for b in bodies or []]
    if any("]==]" in t for t in texts):
        raise ValueError("a body holds the Lua string delimiter")
    table = ", ".join(f"[==[{t}]==]" for t in texts)
    return f"""
local bodies = {{{table}}}
local n = 0
wrk.method = "{method}"
wrk.headers["Authorization"] = "Bearer {key}"
wrk.headers["Content-Type"] = "application/json"
request = function()
  n = n + 1
  if #bodies == 0 then return wrk.format(nil, "{path}") end
  return wrk.format(nil, "{path}", nil, bodies[(n % #bodies) + 1])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT requests=%d socket_errors=%d status_errors=%d p50_us=%d p99_us=%d duration_us=%d\\n",
    summary.requests, e.connect + e.read + e.write + e.timeout, e.status, latency:percentile(50),
    latency:percentile(99), summary.duration))
end
"""


def _wrk_load(wrk: str, base: str, key: str, method: str, path: str, seconds: float) -> dict[str, Any]:
    """One run of ``wrk`` (one thread, ``CONCURRENCY`` connections) on the route; its counts and percentiles."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(_lua(key, method, path, _bodies(path)))
    try:
        out = subprocess.run([wrk, "-t1", f"-c{CONCURRENCY}", f"-d{seconds:.0f}s", f"--timeout={TIMEOUT_S}s",
                              "-s", script.name, base], capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(script.name)
    found = re.search(r"RESULT requests=(\d+) socket_errors=(\d+) status_errors=(\d+) p50_us=(\d+) p99_us=(\d+) "
                      r"duration_us=(\d+)", out)
    if found is None:
        raise RuntimeError(f"wrk said: {out}")
    requests, socket_errors, status_errors, p50, p99, duration = map(int, found.groups())
    ok = requests - status_errors
    return {"ok": ok, "errors": status_errors + socket_errors, "rps": ok / (duration / 1e6),
            "p50_ms": p50 / 1000, "p99_ms": p99 / 1000}


def _cpu_seconds(group: int) -> float:
    """User + system CPU time of the processes in process group ``group`` (the server and its workers)."""
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        if int(fields[2]) == group:
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def _client() -> str:
    wrk = shutil.which("wrk")
    return "wrk" if wrk else "httpx"


def _load(client: str, base: str, key: str, method: str, path: str, seconds: float, server: int) -> dict[str, Any]:
    """A timed run on one route, with the server's CPU time over it and the client's own."""
    cpu0, child0 = _cpu_seconds(server), os.times()
    if client == "wrk":
        result = _wrk_load(shutil.which("wrk") or "wrk", base, key, method, path, seconds)
    else:
        result = asyncio.run(_httpx_load(base, key, method, path, seconds))
    cpu1, child1 = _cpu_seconds(server), os.times()
    if client == "wrk":
        client_cpu = (child1.children_user + child1.children_system) - (child0.children_user + child0.children_system)
    else:
        client_cpu = (child1.user + child1.system) - (child0.user + child0.system)
    ok = max(result["ok"], 1)
    return {"route": f"{method} {path}", **result, "server_cpu_ms": (cpu1 - cpu0) / ok * 1000,
            "client_cpu_ms": client_cpu / ok * 1000}


def _server(home: Path, url: str, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "EXPORTGATE_HOME": str(home), "EXPORTGATE_DB_URL": url}
    from exportgate import settings

    env["EXPORTGATE_CACHE_DIR"] = str(settings.cache_dir())  # the index as already built, not a new one
    exe = Path(sys.executable).parent / "exportgate"
    return subprocess.Popen([str(exe), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers",
                             str(WORKERS), "--no-access-log"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)


def _breakdown(url: str, home: Path, n: int = 300) -> dict[str, float]:
    """Milliseconds a screening costs in one process, without HTTP: the screener alone, and the service's
    ``screen`` (screening + storing the case with its alerts and audit line) on the store at ``url``;
    wall and CPU time."""
    from exportgate.packages.screening import default_screener
    from exportgate.store.accounts import Actor
    from exportgate.store.service import Service

    screener = default_screener()
    screener.warm()  # as a served worker's is at start-up (else warmed inside the timed loop, ~0.4 s)
    with Service.open(url, screener=screener, home=home) as svc:
        actor = Actor.local("bench")
        svc.screen(actor, NAMES[0])
        t0, c0 = time.perf_counter(), time.process_time()
        for i in range(n):
            screener.screen(NAMES[i % len(NAMES)])
        t1, c1 = time.perf_counter(), time.process_time()
        for i in range(n):
            svc.screen(actor, NAMES[i % len(NAMES)])
        t2, c2 = time.perf_counter(), time.process_time()
    return {"screen_ms": (t1 - t0) / n * 1000, "stored_ms": (t2 - t1) / n * 1000,
            "screen_cpu_ms": (c1 - c0) / n * 1000, "stored_cpu_ms": (c2 - c1) / n * 1000}


def _fast_parts() -> str:
    found = []
    for name in ("uvloop", "httptools"):
        try:
            __import__(name)
            found.append(name)
        except ImportError:
            pass
    return ", ".join(found) or "neither uvloop nor httptools (asyncio loop, h11 parser)"


def run(url: str, home: Path, seconds: float, client: str) -> tuple[list[dict[str, Any]], float]:
    """The load runs on a server over the store at ``url``; the rows and how long the workers took to be ready."""
    key = _setup(home, url)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    proc = _server(home, url, port)
    try:
        ready = asyncio.run(_wait_ready(base, 120))
        # every worker verifies the key (argon2, slow on purpose) and stores its first cases before the clock
        _load(client, base, key, "POST", "/screen", 2, proc.pid)
        plan = [("GET", "/health"), ("POST", "/screen"), ("POST", "/check")]
        results = [_load(client, base, key, m, p, seconds, proc.pid) for m, p in plan]
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    return results, ready


#: issue 14's targets: `/screen` requests/s and p99 (ms), `/check` requests/s
SCREEN_TARGET_RPS, SCREEN_TARGET_P99_MS, CHECK_TARGET_RPS = 500, 30, 20


def _verdicts(backend: str, by: dict[str, dict[str, Any]]) -> str:
    screen, check = by["POST /screen"], by["POST /check"]
    met = screen["rps"] >= SCREEN_TARGET_RPS and screen["p99_ms"] <= SCREEN_TARGET_P99_MS and not screen["errors"]
    check_met = check["rps"] >= CHECK_TARGET_RPS and not check["errors"]
    return (f"- {backend}: `/screen` ≥ {SCREEN_TARGET_RPS} requests/s with p99 ≤ {SCREEN_TARGET_P99_MS} ms and no "
            f"errors: **{'met' if met else 'missed'}** "
            f"({screen['rps']:,.0f} requests/s, p99 {screen['p99_ms']:,.1f} ms, {screen['errors']} errors); "
            f"`/check` ≥ {CHECK_TARGET_RPS} requests/s: **{'met' if check_met else 'missed'}** "
            f"({check['rps']:,.0f} requests/s, {check['errors']} errors)\n")


def main(quick: bool = False) -> int:
    from bench.rescreen import _drop_pg, _pg_url

    seconds = 3.0 if quick else SECONDS
    client = _client()
    load_before = os.getloadavg()[0]
    backends: list[tuple[str, list[dict[str, Any]], float, dict[str, float]]] = []
    with tempfile.TemporaryDirectory(prefix="exportgate-bench-service-") as tmp:
        home = Path(tmp) / "sqlite"
        url = f"sqlite:///{home / 'exportgate.db'}"
        results, ready = run(url, home, seconds, client)
        backends.append(("sqlite", results, ready, _breakdown(f"sqlite:///{Path(tmp) / 'breakdown.db'}", Path(tmp))))
        pg = _pg_url()
        if pg is not None:
            try:
                results, ready = run(pg, Path(tmp) / "pg", seconds, client)
                backends.append(("postgresql", results, ready, _breakdown(pg, Path(tmp))))
            finally:
                _drop_pg(pg)
    load_after = os.getloadavg()[0]
    rows = ["| store | route | requests/s | p50 | p99 | answered 200 | errors | server CPU / request | "
            "client CPU / request |", "|---|---|--:|--:|--:|--:|--:|--:|--:|"]
    verdicts = ""
    for backend, results, _ready, _cost in backends:
        for r in results:
            rows.append(f"| {backend} | `{r['route']}` | **{r['rps']:,.0f}** | {r['p50_ms']:,.1f} ms | "
                        f"{r['p99_ms']:,.1f} ms | {r['ok']:,} | {r['errors']:,} | {r['server_cpu_ms']:.2f} ms | "
                        f"{r['client_cpu_ms']:.2f} ms |")
        verdicts += _verdicts(backend, {r["route"]: r for r in results})
    for line in rows:
        print(line)
    print(verdicts)
    costs = "; ".join(
        f"{b}: the screening {c['screen_ms']:.2f} ms ({c['screen_cpu_ms']:.2f} ms CPU), screening and storing "
        f"{c['stored_ms']:.2f} ms ({c['stored_cpu_ms']:.2f} ms CPU)" for b, _r, _t, c in backends)
    print(costs)
    if quick:
        return 0
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    by = {b: {r["route"]: r for r in results} for b, results, _t, _c in backends}
    ready_text = ", ".join(f"{b} {t:.1f} s" for b, _r, t, _c in backends)
    capacity = "; ".join(
        f"{b}: `/health` {cores * 1000 / max(r['GET /health']['server_cpu_ms'], 0.01):,.0f}, "
        f"`/screen` {cores * 1000 / max(r['POST /screen']['server_cpu_ms'], 0.01):,.0f}" for b, r in by.items())
    client_text = ("`wrk` (C, one thread, a Lua script rotating the bodies)" if client == "wrk" else
                   "httpx (async; `wrk` was not installed)")
    text = (
        f"{SECTION}\n\n"
        f"Generated by `{COMMAND}` on {time.strftime('%Y-%m-%d')}, Python {platform.python_version()}, "
        f"{platform.machine()}, {cores} cores (shared with the load generator and other work: load average "
        f"{load_before:.1f} before the run, {load_after:.1f} after). "
        f"`exportgate serve --workers {WORKERS}` on 127.0.0.1, {_fast_parts()}; every worker ready "
        f"(`/health` 200) after {ready_text}. A private data home with its own store: SQLite (WAL, "
        f"synchronous=FULL), and a database of its own on the PostgreSQL server at 127.0.0.1:5432; one analyst's "
        f"key. Load: {client_text}, {CONCURRENCY} connections, {seconds:.0f} s a route, one route after the "
        f"other, after a 2 s run on `/screen` that lets every worker verify the key (argon2) and store its first "
        f"cases. `/screen` sends names from a rotation of {len(NAMES)} (some listed: their matches become "
        f"alerts); each screening and each check is **stored as a case** (with its audit line) before it is "
        f"answered. `/check`: `examples/{EXAMPLE.name}`. Server CPU / request: the user and system time of the "
        f"server's processes over the run, per answer; client CPU likewise for the load generator.\n\n"
        + "\n".join(rows) + "\n\nTargets (issue 14):\n\n" + verdicts + "\n"
        f"What the server could answer with the {cores} cores to itself (cores / server CPU per request; no "
        f"client, no other work, no waiting on the store): {capacity} requests/s.\n\n"
        f"Where a `/screen` request's time goes, measured in one process without HTTP (same machine, same "
        f"names, 300 screenings one after the other): {costs}. " + ANALYSIS + " "
        + _ceiling(backends, cores) + "\n"
    )
    from bench.rescreen import write_section

    write_section(text, SECTION)
    print(f"wrote the API load section of {RESULTS}")
    return 0


#: how a case is stored (the figures around it are measured)
ANALYSIS = ("A stored screening is a case, its party, its run, its alerts and their events and the chained audit "
            "line, in one transaction that commits (fsync) before the answer: the remembered false positives of "
            "its matches looked up in one query, every row of the new case written with one INSERT ... RETURNING "
            "a table (`exportgate.store.db.insert_rows`, not the ORM's unit of work), its view built from the rows "
            "written; the cases a worker's threads store at the same moment share one transaction and one commit "
            "(group commit: `exportgate.store.db.write_grouped`), each with its own audit line (one that fails is "
            "rolled back and the others run again without it). On SQLite one writer at a time holds the database "
            "(the workers take turns); on PostgreSQL the workers' groups queue on the audit chain's head row from "
            "their audit line to their commit, and the database server runs on the same cores (its CPU time is "
            "not in the server column).")


def _ceiling(backends: list[tuple[str, list[dict[str, Any]], float, dict[str, float]]], cores: int) -> str:
    """Where the CPU a ``/screen`` request costs goes, against what the target leaves it."""
    sqlite = next(((r, c) for b, r, _t, c in backends if b == "sqlite"), None)
    if sqlite is None:
        return ""
    results, cost = sqlite
    served = {r["route"]: r for r in results}["POST /screen"]["server_cpu_ms"]
    budget = cores * 1000 / SCREEN_TARGET_RPS
    rest = served - cost["stored_cpu_ms"]
    return (f"The bound on this host is CPU: {SCREEN_TARGET_RPS} requests/s on {cores} cores leaves {budget:.1f} ms "
            f"of CPU a request for everything (the server, the load generator and, on PostgreSQL, the database "
            f"server). On SQLite, a screening costs {cost['screen_cpu_ms']:.2f} ms of CPU in one process and a "
            f"stored one {cost['stored_cpu_ms']:.2f} ms ({cores * 1000 / max(cost['stored_cpu_ms'], 0.01):,.0f} "
            f"a second on {cores} cores, nothing else running); served, a `/screen` request costs the server "
            f"{served:.2f} ms: {rest:.2f} ms more, for HTTP, the request's thread and the hand-offs between "
            "threads, the key look-up and the JSON, in each worker beside the other's. The target needs the "
            "served request under the budget with room to spare for a p99 of 30 ms, or more cores (`--workers "
            "N`); with more cores, the next bound is the one writer at a time (SQLite's write lock; on "
            "PostgreSQL the audit chain's head row, held from a group's audit line to its commit).")


if __name__ == "__main__":
    sys.exit(main("--quick" in sys.argv))
