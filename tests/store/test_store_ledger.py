"""The compute ledger on SQLite and PostgreSQL: migrations, arithmetic, cut-offs, refusals, rollback."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import pytest
from ledger_samples import make_result, rehash, sign
from sqlalchemy import event, inspect, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from exportgate.errors import InputError
from exportgate.rules import Mode, load_rules
from exportgate.store import AppendOnlyError, AuditLog, Ledger, ledger_summary
from exportgate.store.db import current_revision, head_revision, make_engine, resolve_url
from exportgate.store.models import AuditEvent, Base, Entry, Record

H100 = 15832.0

P1 = make_result("gulf-phase-1", "2025-03-01", [
    ("H100 SXM", [("AE", "G42 Cloud")], H100, 1000),          # 15,832,000
    ("H20", [("SA", "Humain", "LPP")], 2960.0, 500),           # 1,480,000 under LPP
])
P2 = make_result("gulf-phase-2", "2025-11-15", [
    ("B200 shared", [("AE", "G42 Cloud"), ("AE", "Khazna DC")], 4000.0, 200),  # 800,000 to each
])
P3 = make_result("g42-expansion", "2026-02-01", [("H100 SXM", [("AE", "  g42   CLOUD ")], H100, 100)])  # 1,583,200
P4 = make_result("riyadh", "2027-06-30", [
    ("GB200", [("SA", "Humain", "LPP")], 10000.0, 2000),       # 20,000,000 under LPP
    ("GB200 (licensed)", [("SA", "Humain")], 10000.0, 1000),    # 10,000,000 under a licence
])
ALL = (P1, P2, P3, P4)


def fresh(result: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(result)


def record_all(ledger: Ledger) -> list[int]:
    return [ledger.record(fresh(r), approved_by="compliance@example.com") for r in ALL]


def counts(ledger: Ledger) -> tuple[int, int, int]:
    with Session(ledger.engine) as s:
        return (
            len(s.scalars(select(Record)).all()),
            len(s.scalars(select(Entry)).all()),
            len(s.scalars(select(AuditEvent)).all()),
        )


@pytest.fixture
def ledger(db_url: str, migrated: Any) -> Any:
    led = Ledger.open(migrated(db_url))
    yield led
    led.close()


# -- migrations ------------------------------------------------------------------------------------

def test_migration_from_empty(db_url: str) -> None:
    engine = make_engine(db_url)
    assert inspect(engine).get_table_names() == []
    assert current_revision(engine) is None
    ledger = Ledger.open(db_url)
    tables = set(inspect(ledger.engine).get_table_names())
    assert {"ledger_records", "ledger_entries", "audit_log", "alembic_version"} <= tables
    assert current_revision(ledger.engine) == head_revision() == "0006_signin_lockout"
    # Opening again is a no-op and keeps the data.
    ledger.record(fresh(P1))
    ledger.close()
    again = Ledger.open(db_url)
    assert again.totals().total_tpp == 15_832_000 + 1_480_000
    again.close()
    engine.dispose()


def test_upgrade_from_the_first_revision_keeps_entries(db_url: str) -> None:
    """A ledger made by 0001 (before lpp_tpp) is upgraded in place on open; its entries count 0 under LPP."""
    from exportgate.store.db import migrate

    engine = make_engine(db_url)
    migrate(engine, "0001_initial")
    assert current_revision(engine) == "0001_initial"
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO ledger_records (content_hash, package_name, as_of, mode, verdict, forced, "
            "recorded_at, total_tpp, result) VALUES (:h, 'old', '2025-05-01', 'text', 'clear', false, "
            "'2025-05-01 10:00:00', 5000000, '{}')"), {"h": "a" * 64})
        rid = conn.execute(text("SELECT id FROM ledger_records")).scalar_one()
        conn.execute(text(
            "INSERT INTO ledger_entries (record_id, country, end_user, end_user_key, year, as_of, tpp, "
            "package_name, content_hash, mode) VALUES (:rid, 'AE', 'Old Co', 'old co', 2025, '2025-05-01', "
            "5000000, 'old', :h, 'text')"), {"h": "a" * 64, "rid": rid})
    engine.dispose()
    ledger = Ledger.open(db_url)
    assert current_revision(ledger.engine) == head_revision()
    [entry] = ledger.entries()
    assert (entry.end_user, entry.tpp, entry.lpp_tpp) == ("Old Co", 5_000_000.0, 0.0)
    ledger.record(fresh(P1))
    assert ledger.totals(country="AE").total_tpp == 20_832_000.0
    ledger.close()


def test_migrations_match_the_models(ledger: Ledger) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with ledger.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


# -- arithmetic ------------------------------------------------------------------------------------

def test_entries_one_row_per_destination_end_user_year(ledger: Ledger) -> None:
    ids = record_all(ledger)
    assert len(set(ids)) == 4
    rows = [(e.record_id, e.country, e.end_user, e.year, e.tpp) for e in ledger.entries()]
    assert rows == [
        (ids[0], "AE", "G42 Cloud", 2025, 15_832_000.0),
        (ids[0], "SA", "Humain", 2025, 1_480_000.0),
        (ids[1], "AE", "G42 Cloud", 2025, 800_000.0),
        (ids[1], "AE", "Khazna DC", 2025, 800_000.0),
        (ids[2], "AE", "g42 CLOUD", 2026, 1_583_200.0),
        (ids[3], "SA", "Humain", 2027, 30_000_000.0),
    ]
    first = ledger.entries()[0]
    assert first.package_name == "gulf-phase-1" and first.content_hash == P1["content_hash"]
    assert first.as_of == date(2025, 3, 1) and first.mode == "enforced" and first.verdict == "clear"
    assert first.approved_by == "compliance@example.com"


def test_totals_per_country_end_user_year(ledger: Ledger) -> None:
    record_all(ledger)
    t = ledger.totals()
    assert t.per_country == {"AE": 19_015_200.0, "SA": 31_480_000.0}
    assert t.per_year == {2025: 18_912_000.0, 2026: 1_583_200.0, 2027: 30_000_000.0}
    # End users match whatever the case and spacing ("  g42   CLOUD " is G42 Cloud).
    assert t.per_end_user == {
        ("AE", "G42 Cloud"): 18_215_200.0,
        ("AE", "Khazna DC"): 800_000.0,
        ("SA", "Humain"): 31_480_000.0,
    }
    assert t.total_tpp == 50_495_200.0
    assert t.country("AE", years=[2025, 2026]) == 19_015_200.0
    assert t.end_user("g42 cloud", 2025) == 16_632_000.0
    # Filters.
    assert ledger.totals(country="AE", year=2025).per_country == {"AE": 17_432_000.0}
    assert ledger.totals(end_user="G42 CLOUD", year=2026).total_tpp == 1_583_200.0
    assert ledger.totals(year=2027).per_end_user == {("SA", "Humain"): 30_000_000.0}
    assert ledger.totals(country="FR").total_tpp == 0.0
    js = ledger.totals(country="SA").to_json()
    assert js["countries"] == [{"country": "SA", "year": 2025, "tpp": 1_480_000.0},
                               {"country": "SA", "year": 2027, "tpp": 30_000_000.0}]
    assert js["end_users"][0] == {"end_user": "Humain", "country": "SA", "year": 2025, "tpp": 1_480_000.0,
                                  "lpp_tpp": 1_480_000.0}
    assert [(e.year, e.lpp_tpp) for e in ledger.entries(country="SA")] == [(2025, 1_480_000.0), (2027, 20_000_000.0)]


def test_as_of_cutoffs(ledger: Ledger) -> None:
    record_all(ledger)
    assert ledger.totals(as_of=date(2025, 2, 28)).total_tpp == 0.0
    assert ledger.totals(as_of=date(2025, 3, 1)).per_country == {"AE": 15_832_000.0, "SA": 1_480_000.0}
    assert ledger.totals(as_of=date(2025, 11, 14)).per_country["AE"] == 15_832_000.0
    assert ledger.totals(as_of=date(2025, 11, 15)).per_country["AE"] == 17_432_000.0  # on the day counts
    assert ledger.totals(as_of=date(2026, 12, 31)).per_country == {"AE": 19_015_200.0, "SA": 1_480_000.0}
    assert ledger.totals(as_of=date(2030, 1, 1)).total_tpp == 50_495_200.0
    assert [e.as_of for e in ledger.entries(as_of=date(2025, 11, 15))] == [date(2025, 3, 1)] * 2 + [
        date(2025, 11, 15)] * 2


def test_ledger_view_questions(ledger: Ledger) -> None:
    """The two questions the package check asks (exportgate.packages.compute.LedgerView)."""
    record_all(ledger)
    assert ledger.country_tpp("AE", [2025, 2026, 2027], date(2027, 12, 31)) == 19_015_200.0
    assert ledger.country_tpp("ae", None, date(2025, 12, 31)) == 17_432_000.0
    assert ledger.country_tpp("SA", [2026], date(2027, 12, 31)) == 0.0
    assert ledger.end_user_tpp("G42 Cloud", 2025, date(2025, 11, 14)) == 15_832_000.0
    assert ledger.end_user_tpp("g42 cloud", 2025, date(2025, 12, 31)) == 16_632_000.0
    assert ledger.end_user_tpp("Humain", 2027, date(2027, 6, 29)) == 0.0
    assert ledger.end_user_tpp("Humain", 2027, date(2027, 6, 30)) == 30_000_000.0
    assert ledger.end_user_tpp("humain", 2027, date(2027, 6, 30), lpp_only=True) == 20_000_000.0
    assert ledger.end_user_tpp("G42 Cloud", 2025, date(2025, 12, 31), lpp_only=True) == 0.0


def test_package_without_controlled_compute_is_recorded_with_no_entries(ledger: Ledger) -> None:
    none = make_result("software-only", "2026-01-10", [])
    rid = ledger.record(none)
    assert ledger.entries() == [] and ledger.record_count() == 1
    assert [e.payload["record_id"] for e in ledger.audit_log.events("ledger.record")] == [rid]


# -- refusals --------------------------------------------------------------------------------------

def test_same_content_hash_is_refused_even_forced(ledger: Ledger) -> None:
    ledger.record(fresh(P1))
    for force in (False, True):
        with pytest.raises(InputError) as err:
            ledger.record(fresh(P1), force=force)
        assert err.value.field == "result.content_hash"
        assert "already recorded" in err.value.problem and "gulf-phase-1" in err.value.problem
    assert counts(ledger)[:2] == (1, 2)
    refused = ledger.audit_log.events("ledger.record_refused")
    assert len(refused) == 2 and refused[0].content_hash == P1["content_hash"]


def test_same_package_file_rechecked_is_refused_unless_forced(ledger: Ledger) -> None:
    ledger.record(fresh(P1))
    # The same file checked again later: the ledger moved, so the content hash differs.
    again = fresh(P1)
    again["compute"]["per_destination"][0]["ledger_before"] = 15_832_000.0
    again = sign(rehash(again))
    with pytest.raises(InputError, match="same package file is already recorded"):
        ledger.record(again)
    assert ledger.totals().per_country["AE"] == 15_832_000.0
    ledger.record(again, force=True)
    assert ledger.totals().per_country["AE"] == 31_664_000.0


@pytest.mark.parametrize("verdict", ["blocked", "review"])
def test_unapproved_verdicts_refused_unless_forced(ledger: Ledger, verdict: str) -> None:
    bad = make_result("bad", "2026-05-01", [("H100", [("AE", "X")], H100, 10)], verdict=verdict)
    with pytest.raises(InputError) as err:
        ledger.record(fresh(bad), approved_by="ops")
    assert err.value.field == "result.verdict" and verdict in err.value.problem
    assert counts(ledger)[:2] == (0, 0)
    [line] = ledger.audit_log.events("ledger.record_refused")
    assert line.actor == "ops" and line.payload["field"] == "result.verdict"
    rid = ledger.record(fresh(bad), approved_by="ops", force=True)
    [rec] = ledger.audit_log.events("ledger.record")
    assert rec.payload["record_id"] == rid and rec.payload["forced"] is True
    assert ledger.totals().total_tpp == H100 * 10


def test_license_required_is_recordable(ledger: Ledger) -> None:
    lic = make_result("licensed", "2026-05-01", [("H100", [("AE", "X")], H100, 10)], verdict="license_required")
    assert ledger.record(lic) >= 1


def test_altered_or_inconsistent_results_refused(ledger: Ledger) -> None:
    tampered = fresh(P1)
    tampered["layers"][0]["lines"][0]["quantity"] = 10  # hash no longer matches
    with pytest.raises(InputError, match="does not match the result's content"):
        ledger.record(tampered)
    inconsistent = fresh(P1)
    inconsistent["compute"]["per_destination"][0]["tpp"] = 1.0
    with pytest.raises(InputError) as err:
        ledger.record(rehash(inconsistent))
    assert err.value.field == "result.compute.per_destination" and "AE" in err.value.problem
    unknown = make_result("nowhere", "2026-01-01", [("H100", [("QQ", "X")], H100, 1)])
    with pytest.raises(InputError) as err:
        ledger.record(unknown)
    assert err.value.field.endswith("destination")
    with pytest.raises(InputError, match=r"result\.verdict"):
        ledger.record(rehash({**fresh(P1), "verdict": "fine"}))
    with pytest.raises(InputError, match=r"result\.as_of"):
        ledger.record(rehash({**fresh(P1), "as_of": "March"}))
    with pytest.raises(InputError, match=r"result\.content_hash"):
        ledger.record({k: v for k, v in P1.items() if k != "content_hash"})
    assert counts(ledger)[:2] == (0, 0)


# -- transactions ----------------------------------------------------------------------------------

def test_failure_mid_record_rolls_everything_back(ledger: Ledger) -> None:
    ledger.record(fresh(P2))
    before = counts(ledger)
    inserted: list[str] = []

    def fail_on_second_entry(_mapper: Any, _conn: Any, target: Entry) -> None:
        inserted.append(target.country)
        if len(inserted) == 2:
            raise RuntimeError("disk on fire")

    event.listen(Entry, "before_insert", fail_on_second_entry)
    try:
        with pytest.raises(RuntimeError, match="disk on fire"):
            ledger.record(fresh(P1))
    finally:
        event.remove(Entry, "before_insert", fail_on_second_entry)
    assert inserted == ["AE", "SA"]  # the record row and the first entry were written, then undone
    assert counts(ledger) == before
    assert ledger.totals().per_country == {"AE": 1_600_000.0}
    # Nothing is half-written: the same result records cleanly afterwards.
    ledger.record(fresh(P1))
    assert ledger.totals().per_country == {"AE": 17_432_000.0, "SA": 1_480_000.0}


def test_failure_writing_the_audit_line_rolls_back_the_record(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_append(*_a: Any, **_k: Any) -> AuditEvent:
        raise RuntimeError("audit unavailable")

    monkeypatch.setattr(AuditLog, "append", staticmethod(broken_append))
    with pytest.raises(RuntimeError, match="audit unavailable"):
        ledger.record(fresh(P1))
    monkeypatch.undo()
    assert counts(ledger) == (0, 0, 0)


# -- audit log -------------------------------------------------------------------------------------

def test_audit_line_written_with_the_record(ledger: Ledger) -> None:
    rid = ledger.record(fresh(P1), approved_by="j.doe")
    [line] = ledger.audit_log.events()
    assert line.event == "ledger.record" and line.actor == "j.doe" and line.content_hash == P1["content_hash"]
    assert line.payload["record_id"] == rid and line.payload["as_of"] == "2025-03-01"
    assert line.payload["entries"] == [
        {"country": "AE", "end_user": "G42 Cloud", "year": 2025, "tpp": 15_832_000.0, "lpp_tpp": 0.0},
        {"country": "SA", "end_user": "Humain", "year": 2025, "tpp": 1_480_000.0, "lpp_tpp": 1_480_000.0},
    ]
    note_id = ledger.audit("licence.granted", {"licence": "D123456", "date": date(2026, 1, 5)}, actor="bis")
    assert ledger.audit_log.events("licence.granted")[0].id == note_id
    assert ledger.audit_log.events("licence.granted")[0].payload == {"licence": "D123456", "date": "2026-01-05"}


def test_audit_log_is_append_only(ledger: Ledger) -> None:
    ledger.record(fresh(P1))
    with Session(ledger.engine) as s, pytest.raises(AppendOnlyError):
        line = s.scalars(select(AuditEvent)).one()
        line.event = "rewritten"
        s.flush()
    with Session(ledger.engine) as s, pytest.raises(AppendOnlyError):
        s.delete(s.scalars(select(AuditEvent)).one())
        s.flush()
    # The database refuses it too, for anyone connecting without exportgate.
    for statement in ("UPDATE audit_log SET event = 'x'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="append-only"), ledger.engine.begin() as conn:
            conn.execute(text(statement))
    assert [e.event for e in ledger.audit_log.events()] == ["ledger.record"]


# -- allocations in force (from the rule data) -----------------------------------------------------

def test_summary_against_allocation_and_cap_text_mode(ledger: Ledger) -> None:
    record_all(ledger)
    rules = load_rules()
    day = date(2027, 12, 31)
    allocation = rules.value("policy.allocation.tpp", day, Mode.TEXT)
    cap = rules.value("exception.lpp.cap_tpp_per_year", day, Mode.TEXT)
    assert rules.value("exception.lpp.available", day, Mode.TEXT) is True
    assert (allocation, cap) == (790_000_000, 26_900_000)  # the rule data, as the CFR text says
    s = ledger_summary(ledger, day, Mode.TEXT)
    by_cc = {row["country"]: row for row in s["countries"]}
    assert by_cc["AE"]["tpp"] == 19_015_200.0
    assert by_cc["AE"]["by_year"] == {"2025": 17_432_000.0, "2026": 1_583_200.0}
    ae = by_cc["AE"]["allocation"]
    assert ae["tpp"] == allocation and ae["years"] == [2025, 2027] and ae["key"] == "policy.allocation.tpp"
    assert ae["used"] == 19_015_200.0 and ae["remaining"] == allocation - 19_015_200.0 and not ae["exceeded"]
    assert "742.6(b)(10)(iii)(B)" in ae["citation"]
    caps = {(r["end_user"], r["year"]): r["cap"] for r in s["end_users"]}
    # The cap counts only what went under LPP: 20M of Humain's 30M in 2027.
    assert caps[("Humain", 2027)]["lpp_tpp"] == 20_000_000.0 and caps[("Humain", 2027)]["exceeded"] is False
    assert caps[("Humain", 2027)]["remaining"] == cap - 20_000_000.0
    assert caps[("Humain", 2025)]["lpp_tpp"] == 1_480_000.0
    assert caps[("G42 Cloud", 2025)]["lpp_tpp"] == 0.0
    # --year narrows the totals, not the allocation's use (it sums every year it covers).
    s2026 = ledger_summary(ledger, day, Mode.TEXT, year=2026)
    [ae2026] = s2026["countries"]
    assert ae2026["tpp"] == 1_583_200.0 and ae2026["allocation"]["used"] == 19_015_200.0


def test_summary_agrees_with_the_check_tally_for_the_same_ledger(ledger: Ledger) -> None:
    """One reading of the compute rules (exportgate.determine.allocation): the ledger summary and the
    package check's tally give the same allocation scope (India has one in text mode, Japan and China do
    not), the same country TPP used, the same LPP TPP used and the same cap scope (HQ in D:5 excluded)."""
    from exportgate.packages.compute import Contribution, tally

    india = make_result("india", "2026-03-01", [
        ("H100", [("IN", "Bharat AI", "LPP")], H100, 1000),   # 15,832,000 under LPP
        ("H100 licensed", [("IN", "Bharat AI")], H100, 500),  # 7,916,000 under a licence
        ("H100", [("JP", "Tokyo DC")], H100, 10),
        ("H100", [("CN", "Beijing DC")], H100, 10),
        ("H100", [("MY", "KL Cloud")], H100, 10),
    ], mode="text")
    # the check stated each end user's location and HQ in its compute block (KL Cloud: a CN-HQ'd company)
    india["compute"]["per_end_user"] = [
        {"end_user": eu, "country": cc, "hq": hq} for eu, cc, hq in
        (("Bharat AI", "IN", "IN"), ("Tokyo DC", "JP", "JP"), ("Beijing DC", "CN", "CN"), ("KL Cloud", "MY", "CN"))
    ]
    ledger.record(sign(rehash(india)))
    day = date(2026, 10, 1)
    summary = ledger_summary(ledger, day, Mode.TEXT)
    hq = {"Bharat AI": ("IN", "IN"), "Tokyo DC": ("JP", "JP"), "Beijing DC": ("CN", "CN"), "KL Cloud": ("MY", "CN")}
    package = [Contribution("layers.hardware[0]", cc, eu, 1.0, "a") for eu, (cc, _) in hq.items()]
    check = tally(package, hq, day, Mode.TEXT, load_rules(), ledger, set()).model_dump(mode="json")
    by_cc = {r["country"]: r for r in summary["countries"]}
    for row in check["per_destination"]:
        alloc = by_cc[row["country"]]["allocation"]
        assert (alloc is not None) == (row["allocation"] is not None), row["country"]
        if alloc is not None:
            assert alloc["used"] == row["ledger_before"]
    assert by_cc["IN"]["allocation"]["used"] == 15_832_000 + 7_916_000
    assert by_cc["JP"]["allocation"] is None and by_cc["CN"]["allocation"] is None
    caps = {r["end_user"]: r["cap"] for r in summary["end_users"]}
    for row in check["per_end_user"]:
        cap = caps[row["end_user"]]
        assert (cap is not None) == (row["cap"] is not None), row["end_user"]
        if cap is not None:
            assert cap["used"] == row["lpp_before"]
    assert caps["Bharat AI"]["used"] == 15_832_000  # LPP shipments only, not the licensed 7.9M
    assert caps["KL Cloud"] is None and caps["Beijing DC"] is None  # HQ in CN; located in CN
    assert caps["Tokyo DC"] is not None


def test_summary_enforced_mode_has_no_allocation(ledger: Ledger) -> None:
    record_all(ledger)
    s = ledger_summary(ledger, date(2026, 6, 30), Mode.ENFORCED)
    assert s["allocation_in_force"] is None
    assert all(r["allocation"] is None for r in s["countries"])
    assert all(r["cap"] is None for r in s["end_users"])
    assert s["total_tpp"] == 19_015_200.0 + 1_480_000.0 and s["records"] == 4


# -- where the database is -------------------------------------------------------------------------

def test_default_url_resolution(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EXPORTGATE_DB_URL", raising=False)
    monkeypatch.setenv("EXPORTGATE_HOME", str(tmp_path / "home"))
    assert resolve_url() == f"sqlite:///{tmp_path / 'home' / 'exportgate.db'}"
    led = Ledger.open()
    assert (tmp_path / "home" / "exportgate.db").is_file()
    led.close()
    monkeypatch.setenv("EXPORTGATE_DB_URL", "sqlite:///" + str(tmp_path / "env.db"))
    assert resolve_url() == "sqlite:///" + str(tmp_path / "env.db")
    assert resolve_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"
    assert resolve_url(str(tmp_path / "plain.db")) == f"sqlite:///{tmp_path / 'plain.db'}"


def test_unusable_urls_are_input_errors() -> None:
    with pytest.raises(InputError, match="unsupported database 'mysql'"):
        Ledger.open("mysql://root@127.0.0.1/test")
    with pytest.raises(InputError) as err:
        Ledger.open("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2")
    assert err.value.field == "db" and "cannot open or migrate" in err.value.problem


# -- concurrency -----------------------------------------------------------------------------------

def test_concurrent_open_and_double_record(db_url: str) -> None:
    """Two processes' worth of writers: both open (migrate) a new database at once, then race to record
    the same result; exactly one record lands and the other is refused."""
    import threading

    barrier = threading.Barrier(2, timeout=60)  # a writer that fails breaks the barrier: no hang
    outcomes: list[str] = []
    ledgers: list[Ledger] = []

    def worker() -> None:
        barrier.wait()
        led = Ledger.open(db_url)
        ledgers.append(led)
        barrier.wait()
        try:
            led.record(fresh(P1))
            outcomes.append("recorded")
        except InputError as exc:
            outcomes.append(exc.field)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes) == ["recorded", "result.content_hash"]
    assert ledgers[0].totals().per_country == {"AE": 15_832_000.0, "SA": 1_480_000.0}
    assert ledgers[0].audit_log.events()[0].at.tzinfo is not None
    for led in ledgers:
        led.close()


def test_upgrade_to_0004_keeps_records_and_adds_licences_and_signoff(db_url: str) -> None:
    """A ledger at 0003 gains the licences granted and sign-off columns (null on the records already there)."""
    from exportgate.store.db import migrate

    engine = make_engine(db_url)
    migrate(engine, "0003_landscape")
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO ledger_records (content_hash, package_name, as_of, mode, verdict, forced, "
            "recorded_at, total_tpp, result) VALUES (:h, 'old', '2025-05-01', 'text', 'clear', false, "
            "'2025-05-01 10:00:00', 0, '{}')"), {"h": "b" * 64})
    engine.dispose()
    ledger = Ledger.open(db_url)  # up to the head, through 0004
    assert current_revision(ledger.engine) == head_revision()
    columns = {c["name"] for c in inspect(ledger.engine).get_columns("ledger_records")}
    assert {"licences", "signoff"} <= columns
    with ledger.engine.connect() as conn:
        assert conn.execute(text("SELECT licences, signoff FROM ledger_records")).one() == (None, None)
    ledger.close()
