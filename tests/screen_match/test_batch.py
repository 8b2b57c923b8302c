"""``exportgate.screen.batch``: rows go through ``Screener.screen_many`` with all their evidence (date of
birth and identifiers included), and each match is ``Match.to_json`` cut to the batch fields."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from exportgate.screen import Screener
from exportgate.screen.batch import (
    MATCH_FIELDS,
    MATCH_SUMMARY_LIMIT,
    ResultMemo,
    Row,
    plan_input,
    read_partition,
    read_rows,
    screen_rows,
    write_results,
)


def _best(results: list[dict[str, object]], row: int) -> float:
    out = next(r for r in results if r["row"] == row)
    assert out["status"] == "ok", out
    return float(out["best_score"])  # type: ignore[arg-type]


def test_dob_and_identifiers_reach_the_screener(small: Screener, tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    lines = [
        {"id": "a", "name": "Pyotr Ivanov", "type": "person"},
        {"id": "b", "name": "Pyotr Ivanov", "type": "person", "dob": "1961-03-14"},
        {"id": "c", "name": "Pyotr Ivanov", "type": "person", "dob": "1990-01-01"},
        {"id": "d", "name": "P. Ivanov", "identifiers": ["7203456789"]},
        {"id": "e", "name": "P. Ivanov"},
    ]
    src.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    rows, _columns = read_rows(src)
    results = screen_rows(small, rows, threshold=0.3)
    direct = {
        1: small.screen("Pyotr Ivanov", type="person", threshold=0.3),
        2: small.screen("Pyotr Ivanov", type="person", dob="1961-03-14", threshold=0.3),
        3: small.screen("Pyotr Ivanov", type="person", dob="1990-01-01", threshold=0.3),
        4: small.screen("P. Ivanov", identifiers=["7203456789"], threshold=0.3),
    }
    for row, res in direct.items():
        assert _best(results, row) == res.matches[0].score
    assert _best(results, 3) < _best(results, 1) < _best(results, 2)  # the date of birth counted
    no_id = next(r for r in results if r["row"] == 5)
    assert no_id["match_count"] == 0 or float(no_id["best_score"]) < _best(results, 4)  # type: ignore[arg-type]
    match = next(r for r in results if r["row"] == 2)["matches"][0]  # type: ignore[index]
    assert list(match) == list(MATCH_FIELDS)
    assert match == {k: direct[2].matches[0].to_json()[k] for k in MATCH_FIELDS}


def test_unreadable_and_unscreenable_rows_do_not_stop_the_batch(small: Screener, tmp_path: Path) -> None:
    rows = [
        Row(1, {"name": "Pyotr Ivanov"}),
        Row(2, error="not valid JSON (x)"),
        Row(3, {"name": 7}),
        Row(4, {"name": "Pyotr Ivanov", "type": "robot"}),
        Row(5, {"name": "Pyotr Ivanov", "dob": "soon"}),
    ]
    seen: list[int] = []
    results = screen_rows(small, rows, threshold=0.3, progress=seen.append)
    assert [r["status"] for r in results] == ["ok", "error", "error", "error", "error"]
    assert [r["error"] for r in results[1:]] == [
        "not valid JSON (x)",
        "name: must be text, got int",
        results[3]["error"],
        results[4]["error"],
    ]
    assert str(results[3]["error"]).startswith("type: ") and str(results[4]["error"]).startswith("dob: ")
    assert sum(seen) == len(rows)
    out = tmp_path / "out.csv"
    write_results(results, out)
    assert out.read_text(encoding="utf-8").splitlines()[0].startswith("row,id,name,country,type,status,error")


def _names() -> list[str]:
    """Listed names, perturbed ones, ordinary ones in several scripts, and repeats of each."""
    base = [
        "Bank Melli Iran", "BANK MELI IRAN", "Rosneft", "Huawei Technologies Co Ltd", "Vladimir Putin",
        "Владимир Путин", "Mahan Air", "Acme Widgets Inc", "Jane Smith", "王伟", "محمد علي", "Sberbank",
        "Joint Stock Company Almaz", "Hans Müller GmbH", "Tactical Missiles Corporation JSC", "Ivanov Pyotr",
    ]  # fmt: skip
    return base + base[::-1] + base[:5]


def test_batch_results_equal_one_by_one_results(screener: Screener) -> None:
    """Repeated records are answered from the memo: the answers must be the matcher's own, one by one."""
    names = _names()
    rows = [Row(i + 1, {"name": n, "country": "IR" if i % 3 == 0 else ""}) for i, n in enumerate(names)]
    memo = ResultMemo()
    results = screen_rows(screener, rows, memo=memo)
    assert memo.hits == 0  # repeats within a chunk are screened once, and not counted as memo hits
    again = screen_rows(screener, rows, memo=memo)
    assert memo.hits == len(rows)
    for out, again_out, row in zip(results, again, rows, strict=True):
        direct = screener.screen(row.fields["name"], country=row.fields["country"] or None)
        expected = [{k: m.to_json()[k] for k in MATCH_FIELDS} for m in direct.matches[:MATCH_SUMMARY_LIMIT]]
        assert out["matches"] == expected, row
        assert out["match_count"] == len(direct.matches)
        assert again_out == out
    assert any(r["match_count"] for r in results) and any(not r["match_count"] for r in results)


def test_a_memo_is_not_shared_between_screeners(screener: Screener, small: Screener) -> None:
    from exportgate.screen.batch.worker import memo_for

    assert memo_for(screener) is memo_for(screener)
    assert memo_for(small) is not memo_for(screener)


CSV_ODD = (
    b"id,name,country\r\n"
    b"1,Rosneft,RU\r\n"
    b"\r\n"
    b",,\r\n"
    b'2,"Multi\nline",US\n'
    b"3,caf\xe9,FR\n"
    b'4,"Open quote,US\n'
    b"5,Swallowed,IR\n"
    b'6,"Closes" here,US\n'
    b"7,Too,many,fields\n"
    b"8,Last,CN"
)


@pytest.mark.parametrize("partitions", [1, 2, 3, 7])
def test_partitions_read_the_rows_the_whole_file_gives(tmp_path: Path, partitions: int) -> None:
    """Any process reading one partition gets exactly the rows, line numbers and errors that one reader
    going through the whole file gives; the planning pass counts the same rows."""
    src = tmp_path / "in.csv"
    src.write_bytes(CSV_ODD * 30)  # records cross what would be line-count partition boundaries
    whole, _columns = read_rows(src)
    plan = plan_input(src, partitions=partitions)
    assert plan.rows == len(whole) and plan.lines == src.read_bytes().count(b"\n") + 1
    assert plan.blank == 2 * 30 and plan.header_lines == 1
    assert sum(p.rows for p in plan.partitions) == plan.rows
    assert len(plan.partitions) == min(partitions, -(-plan.rows // 100))
    parts = [row for part in plan.partitions for row in read_partition(plan, part)]
    assert parts == whole
    numbers = [r.number for r in whole]
    assert numbers == sorted(set(numbers))
    assert numbers[:9] == [2, 5, 6, 7, 8, 9, 10, 11, 12]
    errors = {r.number: r.error for r in whole[:11]}
    assert errors[2] is None and errors[7] and "UTF-8" in errors[7]
    assert "line break" in str(errors[5]) and "starts on line 5" in str(errors[6])
    assert "lines 8-10" in str(errors[8]) and "starts on line 8" in str(errors[9])


def test_jsonl_and_parquet_partitions(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    src = tmp_path / "in.jsonl"
    src.write_bytes(b"\xef\xbb\xbf" + b'{"name": "Rosneft"}\n\nnot json\n{"name": "A"}\n' * 100)
    whole, _ = read_rows(src)
    plan = plan_input(src, partitions=3)
    assert [r for p in plan.partitions for r in read_partition(plan, p)] == whole
    assert len(whole) == 300 and whole[0].fields == {"name": "Rosneft"} and whole[1].error

    folder = tmp_path / "pq"
    folder.mkdir()
    for i in range(3):
        pq.write_table(
            pa.table({"name": [f"n{i}-{j}" for j in range(130)]}), folder / f"f{i}.parquet", row_group_size=50
        )
    plan = plan_input(folder, partitions=4)
    rows = [r for p in plan.partitions for r in read_partition(plan, p)]
    assert [r.number for r in rows] == list(range(1, 391))
    assert [r.fields["name"] for r in rows] == [f"n{i}-{j}" for i in range(3) for j in range(130)]


def test_the_memo_forgets_the_least_recently_seen_record(screener: Screener) -> None:
    memo = ResultMemo(size=2)
    rows = [Row(i, {"name": n}) for i, n in enumerate(["Rosneft", "Bank Melli Iran", "Rosneft", "Acme Widgets"])]
    screen_rows(screener, rows[:2], memo=memo)  # Rosneft, Bank Melli Iran
    screen_rows(screener, rows[2:3], memo=memo)  # Rosneft seen again: now the most recent
    assert memo.hits == 1
    screen_rows(screener, rows[3:], memo=memo)  # Acme Widgets: Bank Melli Iran is forgotten
    screen_rows(screener, rows[:1], memo=memo)
    assert memo.hits == 2
    screen_rows(screener, rows[1:2], memo=memo)
    assert memo.hits == 2


def test_csv_output_cannot_carry_a_spreadsheet_formula(small: Screener, tmp_path: Path) -> None:
    """A party name is the submitter's text: written to CSV it must not become a formula when a reviewer
    opens the file in a spreadsheet (OWASP CSV injection), and the name must still be readable."""
    rows = [Row(1, {"id": "=HYPERLINK(\"http://x\")", "name": "=1+2 Trading"}), Row(2, {"name": "@SUM(A1)"})]
    out = tmp_path / "out.csv"
    write_results(screen_rows(small, rows, threshold=0.3), out)
    with out.open(encoding="utf-8", newline="") as fh:
        body = list(csv.DictReader(fh))
    assert body[0]["id"] == "'=HYPERLINK(\"http://x\")" and body[0]["name"] == "'=1+2 Trading"
    assert body[1]["name"] == "'@SUM(A1)"
    assert not any(v.startswith(("=", "+", "-", "@")) for r in body for v in r.values() if v)
