"""How long a delta re-screen of 100,000 stored parties takes after a typical daily list update.

The update is a real one: OFAC's SDN file of 2024-04-26, then the one of 2024-05-03 (``../shared/data/lists/
ofac``; the other lists are the embedded ones, the same in both versions), in a private data home. The store
(SQLite in the data home, and PostgreSQL at 127.0.0.1:5432 when it answers) holds 100,000 stored screening
cases, one party each: generated company and person names with countries, plus names taken from entries the
update adds (so the re-screen finds real matches) and real screenings of entries it removes (open alerts it
must close). Then ``lists update`` is timed in its parts: recording the change (the list diff), building the
new lists' full index (once per list version, whatever the store holds), and the re-screen itself (reading
the parties, the small index, screening every distinct party against it, verifying its hits with the full
screener, writing the alerts).

``python -m bench rescreen`` writes the "Re-screen" section of ``bench/results/service.md``; ``--quick``
(10,000 parties, SQLite only) prints it and writes nothing.
"""

from __future__ import annotations

import json
import os
import platform
import random
import re
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data" / "lists" / "ofac"
RESULTS = Path(__file__).resolve().parent / "results" / "service.md"
SECTION = "## Re-screen"
#: parties screened by the full screener to estimate a full re-screen
FULL_SAMPLE = 5000
PG = "postgresql+psycopg://{user}@127.0.0.1:5432/{db}"

FIRST = ("Maria Ivan Ahmed Li Wei Chen Olga Sergei Fatima Hassan Juan Carlos Ana Pedro Yuki Kenji Min Jun Amir Reza "
         "Leila Omar Sara David Anna Paul Elena Dmitri Nikolai Irina Mohammed Ali Zhang Wang Liu Aisha Karim Pablo "
         "Lucia Marco Giulia Hans Greta Lars Ingrid Raj Priya Arjun Deepa Kwame Ama Chinedu Ngozi Tariq Yusuf").split()
LAST = ("Petrov Ivanova Smirnov Kuznetsov Popov Hosseini Rahimi Karimi Gonzalez Rodriguez Fernandez Lopez Martinez "
        "Tanaka Suzuki Sato Kim Park Lee Nguyen Tran Pham Garcia Silva Santos Rossi Bianchi Muller Schmidt Schneider "
        "Johansson Andersson Sharma Patel Singh Gupta Mensah Okafor Adeyemi Haddad Khoury Nasser Aziz Rahman "
        "Chowdhury Yilmaz Demir Kaya Novak Horvat Kowalski Nowak").split()
WORDS = ("Global Trading Alpha Nova Sun Pacific Atlantic Northern Eastern Petro Energy Systems Logistics Import Export "
         "Capital Shipping Tech Industries Star Golden Silver Blue Green Red Ocean River Mountain Delta Omega Prime "
         "United General International Continental Metro Urban Digital Smart Micro Quantum Fusion Vertex Apex Summit "
         "Harbor Bridge Gate Falcon Eagle Lion Tiger Dragon Phoenix Crystal Diamond Emerald Sapphire Orion Titan "
         "Zenith Horizon Meridian Polar Arctic Tropical Desert Coastal Royal Imperial Pioneer Frontier Liberty "
         "Heritage Legacy Summit Pinnacle Crescent Lotus Cedar Maple Oak Pine Willow Aurora Solar Lunar").split()
FORMS = ("LLC Ltd Inc GmbH SA SRL Co OOO JSC PLC BV AG KK Pte FZE Holdings Group Corporation Company Limited").split()
COUNTRIES = ("AE CN RU IR TR IN SG HK MY DE FR GB US JP KR BR MX ZA NG EG SA PK KZ UZ VN TH ID AR CL IT ES NL "
             "BE CH AT PL CZ UA BY GE AM AZ").split()


def _names(n: int, rng: random.Random) -> list[tuple[str, str, str]]:
    out = []
    for _ in range(n):
        if rng.random() < 0.5:
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
            kind = "person"
        else:
            name = " ".join(rng.sample(WORDS, rng.choice((1, 2, 2, 3)))) + " " + rng.choice(FORMS)
            kind = "entity"
        out.append((name, rng.choice(COUNTRIES), kind))
    return out


def _pg_url() -> str | None:
    """A fresh PostgreSQL database for the run, or None when the server does not answer."""
    from sqlalchemy import create_engine, text

    for user in ("postgres", "root"):
        engine = create_engine(PG.format(user=user, db="test") + "?connect_timeout=3", isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                name = f"eg_bench_{os.getpid()}"
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            return PG.format(user=user, db=name)
        except Exception:  # unreachable: no PostgreSQL row
            continue
        finally:
            engine.dispose()
    return None


def _drop_pg(url: str) -> None:
    from sqlalchemy import create_engine, text

    user = re.search(r"//([^@]+)@", url)
    name = url.rsplit("/", 1)[1]
    engine = create_engine(PG.format(user=user.group(1) if user else "postgres", db="test"),
                           isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def _populate(svc: Any, parties: list[tuple[str, str, str]]) -> float:
    """Store ``parties`` as screening cases (one party each) in bulk, as the service would have stored them
    (case, run, party); the time taken."""
    from sqlalchemy import insert

    from exportgate.store.cases import party_key
    from exportgate.store.service_models import Case, CaseParty, CaseRun

    start = time.perf_counter()
    now = datetime.now(UTC)
    today = date.today()
    keep = date(today.year + 5, today.month, min(today.day, 28))
    chunk = 5000
    with svc.engine.begin() as conn:
        first = conn.execute(insert(Case).values(
            kind="screen", title="first", status="clear", as_of=today, mode=None, input={}, created_at=now,
            created_by="bench", updated_at=now, retain_until=keep).returning(Case.id)).scalar_one()
    next_id = first + 1
    for at in range(0, len(parties), chunk):
        batch = parties[at:at + chunk]
        ids = list(range(next_id, next_id + len(batch)))
        next_id += len(batch)
        with svc.engine.begin() as conn:
            conn.execute(insert(Case), [
                {"id": i, "kind": "screen", "title": name, "status": "clear", "as_of": today, "mode": None,
                 "input": {"name": name, "country": cc, "type": kind}, "created_at": now, "created_by": "bench",
                 "updated_at": now, "retain_until": keep} for i, (name, cc, kind) in zip(ids, batch, strict=True)])
            conn.execute(insert(CaseRun), [
                {"case_id": i, "number": 1, "reason": "stored", "at": now, "actor": "bench", "status": "clear",
                 "rules_sha256": "0" * 64, "lists": {}, "lists_version": None, "content_hash": None,
                 "result": {"query": name, "matches": []}} for i, (name, _, _) in zip(ids, batch, strict=True)])
            conn.execute(insert(CaseParty), [
                {"case_id": i, "path": "query", "name": name, "country": cc, "type": kind, "dob": None,
                 "identifiers": [], "party_key": party_key(name, cc)}
                for i, (name, cc, kind) in zip(ids, batch, strict=True)])
    if svc.engine.dialect.name == "postgresql":  # ids given explicitly: move the sequence past them
        from sqlalchemy import text

        with svc.engine.begin() as conn:
            conn.execute(text("SELECT setval(pg_get_serial_sequence('cases', 'id'), (SELECT max(id) FROM cases))"))
    return time.perf_counter() - start


def run(url: str, home: Path, n: int, old_sdn: Path, new_sdn: Path) -> dict[str, Any]:
    from exportgate.screen import Screener
    from exportgate.screen.lists import load_active
    from exportgate.screen.lists.diff import diff_entities, load_file
    from exportgate.screen.lists.store import update
    from exportgate.store.service import Service

    os.environ["EXPORTGATE_HOME"] = str(home)
    # the update's entries, to name some parties after (found) and to screen before it (closed)
    d = diff_entities(load_file(old_sdn), load_file(new_sdn))
    rng = random.Random(20240503)
    parties = _names(n, rng)
    hits = [(e.primary_name.title(), (e.countries or ["IR"])[0], "person" if str(e.type) == "person" else "entity")
            for e in d.added[:50]]
    parties[: len(hits)] = hits
    rng.shuffle(parties)
    out: dict[str, Any] = {"backend": url.split(":", 1)[0].split("+")[0], "parties": n,
                           "file_diff": {"added": len(d.added), "removed": len(d.removed), "changed": len(d.changed)},
                           "named_after_added": len(hits)}
    update([str(old_sdn)], home, allow_older=True)
    with Service.open(url, screener=Screener(load_active(home)), home=home) as svc:
        actor = svc.local_actor("bench")
        for e in d.removed[:8]:  # real screenings whose alerts the update must close
            svc.screen(actor, e.primary_name, country=(e.countries or [None])[0])
        out["populate_s"] = _populate(svc, parties)
        result = update([str(new_sdn)], home)
        t0 = time.perf_counter()
        change = svc.lists.record_change(actor, result.log_line, home)
        out["record_change_s"] = time.perf_counter() - t0
        out["diff"] = {"added": change.added, "removed": change.removed, "changed": change.changed}
        t0 = time.perf_counter()
        svc.screener = Screener(load_active(home))
        out["full_index_s"] = time.perf_counter() - t0
        report = svc.rescreen(actor)
        out["rescreen"] = report.model_dump(mode="json")
        # what screening every party with the full screener would cost (a sample, extrapolated)
        sample = list(dict.fromkeys(parties))[:FULL_SAMPLE]
        full = svc.screener
        full.screen(sample[0][0])
        t0 = time.perf_counter()
        for name, cc, kind in sample:
            full.screen(name, country=cc, type=kind)
        out["full_per_party_s"] = (time.perf_counter() - t0) / len(sample)
    return out


def _table(rows: list[dict[str, Any]], quick: bool) -> str:
    r0 = rows[0]
    lines = [
        SECTION,
        "",
        f"Generated by `python -m bench rescreen{' --quick' if quick else ''}` on {time.strftime('%Y-%m-%d')}, Python "
        f"{platform.python_version()}, {platform.machine()}, {os.cpu_count()} cores (shared). The update: OFAC SDN "
        f"2024-04-26 -> 2024-05-03, the files {r0['file_diff']['added']} added and {r0['file_diff']['removed']} "
        f"removed entries; as list versions, with the alias and address files of the embedded lists (2026) joined "
        f"in, {r0['diff']['added']} added, {r0['diff']['changed']} changed (entries those files already named) and "
        f"{r0['diff']['removed']} removed; the other lists unchanged. The store: {r0['parties']:,} stored "
        f"screening cases, one party each (generated names with countries; {r0['named_after_added']} named after "
        "added entries), and 8 real screenings of removed entries with open alerts.",
        "",
        "| store | parties (distinct) | re-screen | read | small index | screen vs. changed entries | verify hits "
        "(full screener) | write | alerts opened / closed | cases re-checked |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        s, t = r["rescreen"], r["rescreen"]["timings"]
        lines.append(
            f"| {r['backend']} | {s['parties']:,} ({s['distinct_parties']:,}) | **{s['seconds']:.1f} s** | "
            f"{t.get('read', 0):.2f} s | {t.get('index', 0):.2f} s | {t.get('screen', 0):.1f} s | "
            f"{t.get('verify', 0):.2f} s ({s['candidates']} parties) | {t.get('write', 0):.2f} s | "
            f"{s['alerts_opened']} / {s['alerts_closed']} | {len(s['cases_rechecked'])} |")
    lines += [
        "",
        "Around it, once per update whatever the store holds: recording the change (the list diff of two versions, "
        + ", ".join(f"{r['backend']} {r['record_change_s']:.1f} s" for r in rows)
        + ") and building the new lists' full index (the first screening after any update builds it too; "
        + ", ".join(f"{r['full_index_s']:.1f} s" for r in rows)
        + "). Storing the parties in bulk for the bench took "
        + ", ".join(f"{r['backend']} {r['populate_s']:.1f} s" for r in rows) + ".",
        "",
        "Every stored party is screened once (duplicates once) against an index of only the added and changed "
        "entries, weighted by the full lists' word counts, so it scores them as the full screener does; the "
        "parties it finds are screened again by the full screener and only its matches on those entries kept. "
        "Screening every distinct party with the full screener instead would take "
        + ", ".join(f"{r['backend']} {r['full_per_party_s'] * r['rescreen']['distinct_parties']:.0f} s "
                    f"({r['full_per_party_s'] * 1e3:.2f} ms a party, {FULL_SAMPLE:,} of them timed)" for r in rows)
        + " for the screening alone, against "
        + ", ".join(f"{r['rescreen']['timings'].get('screen', 0) + r['rescreen']['timings'].get('verify', 0):.1f} s"
                    for r in rows) + " here (small index and verification).",
        "",
    ]
    return "\n".join(lines)


def write_section(text: str, section: str = SECTION) -> None:
    """Put one benchmark's section (this one's, or ``bench.service``'s API load run) into ``service.md``,
    keeping the others."""
    old = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# The service\n\n"
    pattern = re.compile(rf"^{re.escape(section)}\n.*?(?=^## |\Z)", re.S | re.M)
    new = pattern.sub(lambda _m: text, old) if pattern.search(old) else old.rstrip("\n") + "\n\n" + text
    RESULTS.write_text(new, encoding="utf-8")


def main(quick: bool = False) -> int:
    old_sdn, new_sdn = SHARED / "sdn_2024-04-26.csv.gz", SHARED / "sdn_2024-05-03.csv.gz"
    if not old_sdn.is_file() or not new_sdn.is_file():
        print(f"skipped: {SHARED} does not hold the two SDN files")
        return 0
    n = 10_000 if quick else 100_000
    rows = []
    with tempfile.TemporaryDirectory(prefix="exportgate-bench-rescreen-") as tmp:
        home = Path(tmp) / "home"
        rows.append(run(f"sqlite:///{home / 'exportgate.db'}", home, n, old_sdn, new_sdn))
        print(json.dumps(rows[-1]["rescreen"], indent=1), flush=True)
        pg = None if quick else _pg_url()
        if pg is not None:
            try:
                rows.append(run(pg, Path(tmp) / "home-pg", n, old_sdn, new_sdn))
                print(json.dumps(rows[-1]["rescreen"], indent=1), flush=True)
            finally:
                _drop_pg(pg)
    text = _table(rows, quick)
    print(text)
    if not quick:
        write_section(text)
        print(f"wrote the re-screen section of {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main(quick="--quick" in sys.argv))
