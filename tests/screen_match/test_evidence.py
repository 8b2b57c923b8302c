"""Country, type, date of birth and identifiers as evidence for or against a match."""

from __future__ import annotations

from exportgate.screen import Screener


def _score(res: object, entity_id: str) -> float:
    return next((m.score for m in res.matches if m.entity_id == entity_id), 0.0)  # type: ignore[attr-defined]


def test_contradicting_dob_lowers_a_person_score(small: Screener) -> None:
    base = _score(small.screen("Pyotr Ivanov", threshold=0.3), "t:1")
    wrong = _score(small.screen("Pyotr Ivanov", dob="1990-01-01", threshold=0.3), "t:1")
    same = _score(small.screen("Pyotr Ivanov", dob="1961-03-14", threshold=0.3), "t:1")
    year = _score(small.screen("Pyotr Ivanov", dob="1961", threshold=0.3), "t:1")
    assert base > 0
    assert wrong < base - 0.1
    assert same > base
    assert base < year <= same


def test_dob_explanation(small: Screener) -> None:
    m = small.screen("Pyotr Ivanov", dob="1990-01-01", threshold=0.3).matches[0]
    rows = [r for r in m.explanation["evidence"] if r["feature"] == "date_of_birth"]
    assert rows and rows[0]["adjustment"] < 0 and "1961-03-14" in rows[0]["detail"]


def test_country_supports_or_contradicts(small: Screener) -> None:
    base = _score(small.screen("Zhongxin Quantum Photonics"), "t:2")
    cn = _score(small.screen("Zhongxin Quantum Photonics", country="CN"), "t:2")
    us = _score(small.screen("Zhongxin Quantum Photonics", country="us", threshold=0.3), "t:2")
    assert us < base <= cn


def test_type_mismatch_lowers_score(small: Screener) -> None:
    base = _score(small.screen("Pyotr Ivanov", threshold=0.3), "t:1")
    as_entity = _score(small.screen("Pyotr Ivanov", type="entity", threshold=0.3), "t:1")
    assert as_entity < base


def test_identifier_match_raises_score(small: Screener) -> None:
    base = _score(small.screen("P. Ivanov", threshold=0.3), "t:1")
    with_id = _score(small.screen("P. Ivanov", identifiers=["7203456789"], threshold=0.3), "t:1")
    assert with_id > base


def test_entity_list_fields(small: Screener) -> None:
    m = small.screen("Zhongxin Quantum Photonics Company Limited").matches[0]
    assert m.entity_list_footnote == 4
    assert m.license_policy == "Presumption of denial"
    assert m.list == "test_list"


def test_generic_words_do_not_make_a_match(small: Screener) -> None:
    assert small.screen("Trading Co Ltd").matches == []
    res = small.screen("Gromovsky Trading LLC")
    assert [m.entity_id for m in res.matches][:1] == ["t:3"]
