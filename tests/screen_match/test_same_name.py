"""A listed name made of common words only is still found when the query is that name (after
normalisation): an exact hit on a listed entry is always shown, while common words alone never match."""

from __future__ import annotations

import pytest

from exportgate.screen import Screener


@pytest.mark.parametrize(
    ("query", "listed"),
    [
        ("GENERAL TECHNOLOGY LIMITED", "GENERAL TECHNOLOGY LIMITED"),
        ("General Technology Ltd", "GENERAL TECHNOLOGY LIMITED"),
        ("Invest Group LLC", "LIMITED LIABILITY COMPANY INVEST GROUP"),
    ],
)
def test_common_word_listed_name_is_found_by_its_own_name(screener: Screener, query: str, listed: str) -> None:
    cfg = screener.config
    res = screener.screen(query)
    hits = [m for m in res.matches if m.matched_name == listed]
    assert hits, [(m.matched_name, m.score) for m in res.matches]
    m = hits[0]
    assert cfg.potential_threshold <= m.score < cfg.strong_threshold  # a potential match for review, not strong
    raw = m.explanation["raw_form"]
    assert raw["kind"] == "same_name" and raw["similarity"] == cfg.same_name_similarity


@pytest.mark.parametrize("query", ["General Technology", "Zeta Trading Corp", "TRADING CORP", "Invest Group"])
def test_common_words_without_the_whole_name_still_match_nothing(screener: Screener, query: str) -> None:
    """Same words but not the same legal form, or a partial overlap: distinctiveness still rules."""
    assert screener.screen(query).matches == []
