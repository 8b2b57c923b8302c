"""Person-name evidence (initials, middle names and patronymics, order, compound surnames, particles, titles)
and the evidence rows beyond the name (date of birth, nationality, identifiers)."""

from __future__ import annotations

from typing import Any

from exportgate.screen import Screener
from exportgate.screen.score import identifier_kind
from exportgate.screen.screener import compare


def _match(res: Any, entity_id: str) -> Any:
    return next((m for m in res.matches if m.entity_id == entity_id), None)


def test_compare_person_initials_and_patronymic() -> None:
    full = "PUTIN, Vladimir Vladimirovich"
    assert compare("V. V. Putin", full, type="person") >= 0.85
    assert compare("Putin V. V.", full, type="person") >= 0.85
    assert compare("Vladimir Putin", full, type="person") >= 0.85  # patronymic left out
    assert compare("V. Putin", full, type="person") > compare("A. Putin", full, type="person")


def test_compare_person_particles_and_compound_surnames() -> None:
    assert compare("Usama Laden", "Usama bin Laden", type="person") >= 0.85
    assert compare("Ludwig Beethoven", "Ludwig van Beethoven", type="person") >= 0.85
    assert compare("Gabriel García", "Gabriel García Márquez", type="person") >= 0.85
    # without type the particle is an ordinary word
    assert compare("Usama Laden", "Usama bin Laden", type="person") > compare("Usama Laden", "Usama bin Laden")


def test_compare_person_name_order_across_cultures() -> None:
    assert compare("Kim Jong Un", "Jong Un Kim", type="person") >= 0.95  # family name first or last
    assert compare("Orbán Viktor", "Viktor Orban", type="person") >= 0.95  # Hungarian order


def test_compare_type_person_finds_no_legal_form() -> None:
    # "Yu" is a given name, not a legal form, in a person's name
    assert compare("Wang Yu Ltd", "Wang Yu", type="person") < compare("Wang Yu", "Wang Yu", type="person")
    assert compare("Fang Yu", "Fang Yu", type="person") == 1.0


def test_title_and_surname_alone_find_the_listed_person(small: Screener) -> None:
    for query in ("President Ivanov", "Präsident Ivanov", "Президент Иванов"):
        m = _match(small.screen(query), "t:1")
        assert m is not None and m.score >= 0.85, query
        assert m.explanation["raw_form"]["kind"] == "surname_only"
    assert _match(small.screen("Ivanov"), "t:1") is None  # no title, no type: not said to be a person
    assert _match(small.screen("Ivanov", type="person"), "t:1") is not None


def test_identifier_of_the_same_kind_that_differs_lowers_the_score(small: Screener) -> None:
    base = _match(small.screen("Pyotr Ivanov", threshold=0.3), "t:1").score
    same = _match(small.screen("Pyotr Ivanov", identifiers={"passport": "7203 456789"}, threshold=0.3), "t:1")
    other = _match(small.screen("Pyotr Ivanov", identifiers={"passport": "1111 222222"}, threshold=0.3), "t:1")
    unknown_kind = _match(small.screen("Pyotr Ivanov", identifiers=["1111 222222"], threshold=0.3), "t:1")
    assert same.score > base > other.score
    assert unknown_kind.score == base  # a value without a kind cannot contradict
    row = next(r for r in other.explanation["evidence"] if r["feature"] == "identifier")
    assert row["adjustment"] < 0 and "7203 456789" in row["detail"]
    as_text = _match(small.screen("Pyotr Ivanov", identifiers=["Passport: 7203456789"], threshold=0.3), "t:1")
    assert as_text.score == same.score


def test_nationality_row(small: Screener) -> None:
    ru = _match(small.screen("Pyotr Ivanov", nationality="RU", threshold=0.3), "t:1")
    fr = _match(small.screen("Pyotr Ivanov", nationality="fr", threshold=0.3), "t:1")
    assert ru.score > fr.score
    rows = {r["feature"]: r for r in fr.explanation["evidence"]}
    assert rows["nationality"]["adjustment"] < 0 and "FR" in rows["nationality"]["detail"]


def test_dob_and_identifier_rows_in_screen_many(small: Screener) -> None:
    res = small.screen_many(
        [{"name": "Pyotr Ivanov", "dob": "1961-03-14", "identifiers": {"passport": "7203 456789"}, "nationality": "RU"}]
    )
    features = {r["feature"] for r in res[0].matches[0].explanation["evidence"]}
    assert {"date_of_birth", "identifier", "nationality"} <= features


def test_identifier_kinds() -> None:
    assert identifier_kind("Passport") == "passport"
    assert identifier_kind("National ID No.") == "national_id"
    assert identifier_kind("Tax ID No.") == "tax_id"
    assert identifier_kind("Vessel Registration Identification") == "imo"
    assert identifier_kind("Business Registration Number") == "registration"
    assert identifier_kind("shoe size") is None
