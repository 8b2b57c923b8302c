"""Misses found by trying the screener as a new user would (issue 16), each kept as a test."""

from __future__ import annotations

from typing import Any

import pytest

from exportgate.screen import Screener


def _find(res: Any, listed: str) -> Any:
    return next((m for m in res.matches if m.name.upper() == listed.upper()), None)


def test_typo_inside_a_multi_word_listed_phrase(screener: Screener) -> None:
    # "etate" is one edit from the org word "state" too: the neighbouring "real" says it is "estate"
    m = _find(screener.screen("Al Rowad Real Etate Development"), "AL ROWAD REAL ESTATE DEVELOPMENT")
    assert m is not None and m.score >= 0.85
    assert m.explanation["query_corrections"] == {"etate": "estate"}


def test_distinctive_listed_word_wrapped_in_ordinary_ones_is_a_candidate(screener: Screener) -> None:
    # "Astana" is in no listed name: it once counted so much that "Abtronics" was not even a candidate
    m = _find(screener.screen("Astana Abtronics Holding", threshold=0.5), "Abtronics")
    assert m is not None
    assert [a["listed"] for a in m.explanation["aligned"]] == ["abtronics"]


@pytest.mark.parametrize("query", ["ЖШС Абтроникс", "ZhShS Abtronics", "ТОО Абтроникс", "Abtronics TOO"])
def test_kazakh_legal_forms(screener: Screener, query: str) -> None:
    m = _find(screener.screen(query), "Abtronics")
    assert m is not None and m.score >= 0.85
    assert m.explanation["legal_forms"]["query"]  # set apart as a legal form, not a word of the name


def test_short_person_name_with_one_edit(screener: Screener) -> None:
    # ZAYN, Hajj is an OFAC weak alias (scored weak_alias_factor of a name): the misspelt query is found at
    # the weak alias's own level; the same edit against a primary name is a potential match.
    res = screener.screen("ZAWN, Hajj", threshold=0.75)
    m = next(m for m in res.matches if m.matched_name == "ZAYN, Hajj")
    assert m.explanation["name_kind"] == "weak"
    assert m.explanation["name_score"] / screener.config.weak_alias_factor >= 0.85
