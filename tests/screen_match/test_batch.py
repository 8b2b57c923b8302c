"""``exportgate.screen.batch``: rows go through ``Screener.screen_many`` with all their evidence (date of
birth and identifiers included), and each match is ``Match.to_json`` cut to the batch fields."""

from __future__ import annotations

import json
from pathlib import Path

from exportgate.screen import Screener
from exportgate.screen.batch import MATCH_FIELDS, Row, read_rows, screen_rows, write_results


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
    rows = [Row(1, {"name": "Pyotr Ivanov"}), Row(2, error="not valid JSON (x)"), Row(3, {"name": 7}),
            Row(4, {"name": "Pyotr Ivanov", "type": "robot"}), Row(5, {"name": "Pyotr Ivanov", "dob": "soon"})]
    seen: list[int] = []
    results = screen_rows(small, rows, threshold=0.3, progress=seen.append)
    assert [r["status"] for r in results] == ["ok", "error", "error", "error", "error"]
    assert [r["error"] for r in results[1:]] == [
        "not valid JSON (x)", "name: must be text, got int", results[3]["error"], results[4]["error"]]
    assert str(results[3]["error"]).startswith("type: ") and str(results[4]["error"]).startswith("dob: ")
    assert sum(seen) == len(rows)
    out = tmp_path / "out.csv"
    write_results(results, out)
    assert out.read_text(encoding="utf-8").splitlines()[0].startswith("row,id,name,country,type,status,error")
