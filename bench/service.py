"""The API under load: ``exportgate serve --workers 2`` on loopback, a bounded run per route with an async
httpx client (32 requests in flight, 10 s a route), ``GET /health`` beside them as the ceiling (the same
server, auth, headers and client, no work).

Routes: ``POST /screen`` (names from a fixed rotation, a few of them listed, each answer stored as a case
with its alerts), ``POST /check`` (the first example package, stored as a case), ``GET /health``. The
server runs on a private data home with its own SQLite store (WAL, ``synchronous=FULL``), the screening
index read from the usual cache, one analyst's key.

``python -m bench service`` writes the "API load" section of ``bench/results/service.md`` (the "Re-screen"
section is ``bench.rescreen``'s); ``--quick`` runs 3 s a route and writes nothing. The client runs on the
same machine as the server (2 cores here): what it spends is taken from the server; the /health ceiling
shows how much.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
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
TAIL = ("The long tail (p99 in seconds with a p50 of a few hundred ms) is the two workers' writers waiting on "
        "each other: SQLite's busy handler lets the waiting worker poll with growing sleeps, and the worker that "
        "just committed often takes the lock again first (a lock file taken in turn by the workers, tried once, "
        "did not help in the conditions of the day and was left out).")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _setup(home: Path) -> tuple[str, str]:
    """A store in ``home`` with one analyst; (database URL, API key)."""
    from exportgate.store.accounts import Actor
    from exportgate.store.service import Service

    url = f"sqlite:///{home / 'exportgate.db'}"
    with Service.open(url, home=home) as svc:
        key = svc.users.add(Actor.local("bench"), "bench", "analyst").api_key
    return url, key


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


async def _load(base: str, key: str, method: str, path: str, body: Any, seconds: float) -> dict[str, Any]:
    """``CONCURRENCY`` loops sending the request for ``seconds``; the counts and latencies."""
    import httpx

    latencies: list[float] = []
    statuses: dict[int, int] = {}
    errors: list[str] = []
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=base, limits=limits, headers=headers, timeout=30.0) as client:
        if method == "POST":  # the key verified once per worker before the clock starts (argon2, on purpose slow)
            for _ in range(2 * WORKERS):
                await client.request(method, path, json=body(0) if callable(body) else body)
        stop = time.perf_counter() + seconds
        counter = iter(range(10**9))

        async def loop() -> None:
            while time.perf_counter() < stop:
                n = next(counter)
                payload = body(n) if callable(body) else body
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
    return {"route": f"{method} {path}", "requests": len(latencies) + len(errors), "ok": ok, "errors": failed,
            "statuses": statuses, "rps": ok / elapsed, "p50_ms": cuts[49] * 1000, "p99_ms": cuts[98] * 1000,
            "seconds": elapsed}


def _server(home: Path, url: str, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "EXPORTGATE_HOME": str(home), "EXPORTGATE_DB_URL": url}
    from exportgate import settings

    env["EXPORTGATE_CACHE_DIR"] = str(settings.cache_dir())  # the index as already built, not a new one
    exe = Path(sys.executable).parent / "exportgate"
    return subprocess.Popen([str(exe), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers",
                             str(WORKERS), "--no-access-log"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)


def _breakdown(n: int = 300) -> dict[str, float]:
    """Milliseconds a screening costs in one process, without HTTP: the screener alone, and the service's
    ``screen`` (screening + storing the case with its alerts and audit line) on a SQLite store."""
    from exportgate.packages.screening import default_screener
    from exportgate.store.accounts import Actor
    from exportgate.store.service import Service

    screener = default_screener()
    with tempfile.TemporaryDirectory(prefix="exportgate-bench-breakdown-") as tmp:
        with Service.open(f"sqlite:///{Path(tmp) / 'x.db'}", screener=screener, home=Path(tmp)) as svc:
            actor = Actor.local("bench")
            svc.screen(actor, NAMES[0])
            t0 = time.perf_counter()
            for i in range(n):
                screener.screen(NAMES[i % len(NAMES)])
            t1 = time.perf_counter()
            for i in range(n):
                svc.screen(actor, NAMES[i % len(NAMES)])
            t2 = time.perf_counter()
    return {"screen_ms": (t1 - t0) / n * 1000, "stored_ms": (t2 - t1) / n * 1000}


def _fast_parts() -> str:
    found = []
    for name in ("uvloop", "httptools"):
        try:
            __import__(name)
            found.append(name)
        except ImportError:
            pass
    return ", ".join(found) or "neither uvloop nor httptools (asyncio loop, h11 parser)"


def run(seconds: float) -> tuple[list[dict[str, Any]], float]:
    with tempfile.TemporaryDirectory(prefix="exportgate-bench-service-") as tmp:
        home = Path(tmp)
        url, key = _setup(home)
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        proc = _server(home, url, port)
        try:
            ready = asyncio.run(_wait_ready(base, 120))
            package = _package()
            plan = [("GET", "/health", None), ("POST", "/screen", lambda n: {"name": NAMES[n % len(NAMES)]}),
                    ("POST", "/check", package)]
            results = [asyncio.run(_load(base, key, m, p, b, seconds)) for m, p, b in plan]
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    return results, ready


def main(quick: bool = False) -> int:
    seconds = 3.0 if quick else SECONDS
    load_before = os.getloadavg()[0]
    results, ready = run(seconds)
    load_after = os.getloadavg()[0]
    cost = _breakdown()
    print(f"in one process: screening {cost['screen_ms']:.2f} ms, screening and storing {cost['stored_ms']:.2f} ms")
    rows = ["| route | requests/s | p50 | p99 | answered 200 | errors |", "|---|--:|--:|--:|--:|--:|"]
    for r in results:
        rows.append(f"| `{r['route']}` | **{r['rps']:,.0f}** | {r['p50_ms']:.1f} ms | {r['p99_ms']:.1f} ms | "
                    f"{r['ok']:,} | {r['errors']:,} |")
    for line in rows:
        print(line)
    by = {r["route"]: r for r in results}
    screen, check = by["POST /screen"], by["POST /check"]
    verdicts = (
        f"- `/screen` ≥ 500 requests/s with p99 ≤ 30 ms and no errors: "
        f"**{'met' if screen['rps'] >= 500 and screen['p99_ms'] <= 30 and not screen['errors'] else 'missed'}** "
        f"({screen['rps']:,.0f} requests/s, p99 {screen['p99_ms']:.1f} ms, {screen['errors']} errors)\n"
        f"- `/check` ≥ 20 requests/s: **{'met' if check['rps'] >= 20 and not check['errors'] else 'missed'}** "
        f"({check['rps']:,.0f} requests/s, {check['errors']} errors)\n")
    print(verdicts)
    if quick:
        return 0
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    text = (
        f"{SECTION}\n\n"
        f"Generated by `{COMMAND}` on {time.strftime('%Y-%m-%d')}, Python {platform.python_version()}, "
        f"{platform.machine()}, {cores} cores (shared with the load generator and other work: load average "
        f"{load_before:.1f} before the run, {load_after:.1f} after). "
        f"`exportgate serve --workers {WORKERS}` on 127.0.0.1, {_fast_parts()}; every worker ready "
        f"(`/health` 200) {ready:.1f} s after the start. A private data home with its own SQLite store (WAL, "
        f"synchronous=FULL); one analyst's key. Load: httpx (async), {CONCURRENCY} requests in flight, "
        f"{seconds:.0f} s a route, one route after the other; the key is verified (argon2) before the clock "
        f"starts. `/screen` sends names from a rotation of {len(NAMES)} (some listed: their matches become "
        f"alerts); each screening and each check is **stored as a case** (with its audit line) before it is "
        f"answered. `/check`: `examples/{EXAMPLE.name}`.\n\n"
        + "\n".join(rows) + "\n\nTargets (issue 14):\n\n" + verdicts + "\n"
        f"Where a `/screen` request's time goes, measured in one process without HTTP (same machine, same "
        f"names): the screening itself {cost['screen_ms']:.2f} ms, screening and storing the case (case, "
        f"party, run, alerts and their events, the chained audit line, in one transaction; then the case read "
        f"back) {cost['stored_ms']:.2f} ms. SQLite takes one writer at a time, whatever the number of workers, "
        f"and a stored screening holds the write lock for most of its storing: the stored screenings of all "
        f"workers together top out near {1000 / max(cost['stored_ms'] - cost['screen_ms'], 0.1):,.0f} a second "
        f"on this machine before HTTP, authentication, contention between the workers and the load generator "
        f"take their share. The 500 requests/s target (set when nothing was stored) is out of reach for a "
        f"screening that is stored before it is answered; what would move it is storing a screening in fewer "
        f"statements and a shorter transaction, or several requests' cases in one transaction (group commit), "
        f"or PostgreSQL. Not done here. " + TAIL + "\n\n"
        "The client shares the machine: on 2 cores, the load generator takes a large share of one (the "
        "`/health` row is the ceiling of this server and client together, not of the server alone).\n"
    )
    from bench.rescreen import write_section

    write_section(text, SECTION)
    print(f"wrote the API load section of {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main("--quick" in sys.argv))
