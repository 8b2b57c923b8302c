"""The legal form as evidence: the same form written supports a name, the same form in another language's
words is neutral, a form of another kind contradicts it; and list typos in legal-form words."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from exportgate.screen import Screener
from exportgate.screen.model import EntityType, ListedEntity, Name, NameKind
from exportgate.screen.normalize import normalize_name, same_legal_form


def _legal_rows(screener: Screener, query: str, listed: str) -> tuple[float, list[dict[str, Any]]]:
    res = screener.screen(query, threshold=0.3)
    hit = next(m for m in res.matches if m.matched_name == listed)
    return hit.score, [r for r in hit.explanation["evidence"] if r["feature"] == "legal_form"]


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("X OOO", "X LLC", True),  # OOO is the Russian LLC
        ("АО X Y", "X Y JSC", True),  # АО is a joint-stock company
        ("X GMBH", "X LLC", True),
        ("X OOO", "X OOO", True),
        ("X INC", "X LTD", False),  # two national forms of one broad kind are not the same form
        ("X OOO", "X JSC", False),
        ("X Y GMBH", "X Y AG", False),
    ],
)
def test_same_legal_form(a: str, b: str, same: bool) -> None:
    la, lb = normalize_name(a).legal, normalize_name(b).legal
    assert la and lb, (la, lb)
    assert same_legal_form(la, lb) is same
    assert same_legal_form(lb, la) is same


def test_the_same_legal_form_supports_the_name(screener: Screener) -> None:
    score, rows = _legal_rows(screener, "TSARGRAD OOO", "TSARGRAD PARK OOO")
    assert [r["adjustment"] for r in rows] == [screener.config.legal_form_match_bonus]
    assert "ooo" in rows[0]["detail"]
    # without the form the name alone scores exactly the bonus less
    bare, bare_rows = _legal_rows(screener, "TSARGRAD", "TSARGRAD PARK OOO")
    assert bare_rows == []
    assert score > bare


def test_translated_legal_form_is_neutral_and_another_kind_contradicts(screener: Screener) -> None:
    _, rows = _legal_rows(screener, "TSARGRAD PARK LLC", "TSARGRAD PARK OOO")
    assert rows == []  # OOO translated: neither supports nor contradicts
    _, rows = _legal_rows(screener, "TSARGRAD PARK JSC", "TSARGRAD PARK OOO")
    assert [r["adjustment"] for r in rows] == [-screener.config.legal_form_mismatch_penalty]


def test_legal_form_in_another_language_kept_as_a_word_weighs_nothing(screener: Screener) -> None:
    # "АО" in a two-word name stays a word (it might be a given name), but against a listed joint-stock
    # company it is that company's legal form, set apart like the form itself.
    res = screener.screen("АО рск", threshold=0.3)
    hit = next(m for m in res.matches if m.matched_name == "JOINT STOCK COMPANY RSK")
    unmatched = {u["token"]: u["weight"] for u in hit.explanation["unmatched_query_tokens"]}
    assert unmatched == {"ao": 0.0}
    assert hit.score >= screener.config.potential_threshold


def test_a_legal_form_word_misspelt_in_a_list_does_not_block_the_repair(screener: Screener) -> None:
    # One SDN-era entry reads "JOINT-STOCK COMANY KHABAROVSKIY SHIPYARD": the misspelling is a listed word,
    # yet next to "stock" it is still "company" misspelt, and the query finds KRONSHTADT.
    assert screener.index.df.get("comany", 0) >= 1
    assert screener.index.corrections(("joint", "stock", "comany", "kronshtadt"), screener.config) == {
        "comany": "company"
    }
    res = screener.screen("JOINT STOCK COMANY KRONSHTADT")
    assert any(m.matched_name == "JOINT STOCK COMPANY KRONSHTADT" for m in res.matches)


def test_a_rare_listed_word_is_not_repaired_away_from_its_own_name(screener: Screener) -> None:
    # "doll" is one edit from a legal word, but no legal-form word stands next to it: it stays.
    fixes = screener.index.corrections(("doll", "export", "limiteda"), screener.config)
    assert "doll" not in fixes
    res = screener.screen("DOLL EXPORT LimitedA.")
    assert res.matches and res.matches[0].matched_name == "DOLL EXPORT LTDA."


def _one_entity_screener(name: str) -> Screener:
    ent = ListedEntity(
        id="test:1",
        source="test_list",
        type=EntityType.ENTITY,
        names=(Name(name, NameKind.PRIMARY),),
    )
    return Screener(SimpleNamespace(entities=[ent], sources={"test_list": {"as_of": "2026-01-01"}}), use_cache=False)


def test_legal_form_evidence_moves_the_score_by_bonus_plus_penalty() -> None:
    scr = _one_entity_screener("ZORVANTIX KELMORA OOO")
    # every word aligned (one typo): only the legal-form evidence differs between the two queries
    with_form = scr.screen("ZORVANTIX KELMORO OOO", threshold=0.3).matches[0]
    other_form = scr.screen("ZORVANTIX KELMORO GMBH", threshold=0.3).matches[0]
    assert with_form.score - other_form.score == pytest.approx(
        scr.config.legal_form_match_bonus + scr.config.legal_form_mismatch_penalty, abs=0.002
    )


def _unmatched_listed(scr: Screener, query: str) -> dict[str, float]:
    m = scr.screen(query, threshold=0.1).matches[0]
    return {u["token"]: u["weight"] for u in m.explanation["unmatched_listed_tokens"]}


def test_an_inner_word_left_out_costs_half() -> None:
    scr = _one_entity_screener("ZORVANTIX KELMORA BREXTIVAN")
    inner = _unmatched_listed(scr, "ZORVANTIX BREXTIVAN")["kelmora"]
    swapped = _unmatched_listed(scr, "BREXTIVAN ZORVANTIX")["kelmora"]  # another order: not a shortened name
    assert inner == pytest.approx(swapped * scr.config.inner_word_factor, abs=0.002)
    # the last word left out is no inner word: full weight, as in another order
    last = _unmatched_listed(scr, "ZORVANTIX KELMORA")["brextivan"]
    assert last == pytest.approx(_unmatched_listed(scr, "KELMORA ZORVANTIX")["brextivan"], abs=0.002)
    assert last > inner


def test_the_same_legal_form_frames_the_name() -> None:
    scr = _one_entity_screener("ZORVANTIX KELMORA OOO")
    framed = _unmatched_listed(scr, "ZORVANTIX OOO")
    unframed = _unmatched_listed(scr, "ZORVANTIX GMBH")
    assert framed["kelmora"] == pytest.approx(unframed["kelmora"] * scr.config.inner_word_factor, abs=0.002)


def test_inner_word_and_frame_on_the_real_lists(screener: Screener) -> None:
    thr = screener.config.potential_threshold
    res = screener.screen("Wah Plant")
    assert any(m.matched_name == "Wah Munitions Plant" and m.score >= thr for m in res.matches)
    res = screener.screen("TSARGRAD OOO")
    assert any(m.matched_name == "TSARGRAD PARK OOO" and m.score >= thr for m in res.matches)


@pytest.mark.parametrize(
    ("name", "tokens", "legal"),
    [
        # two letters first, and a legal form of another kind at the end: the letters are the name's initials
        ("SB SECURITIES SA", ("sb", "security"), ("sa",)),
        ("KB LINES LIMITED", ("kb", "lines"), ("ltd",)),
        ("RT-CAPITAL LIMITED LIABILITY COMPANY", ("rt", "capital"), ("llc",)),
        # the same form twice (translated) stays the form
        ("AO AVIASTAR-SP JSC", ("aviastar", "sp"), ("ao", "jsc")),
        # a two-letter form alone stays a form
        ("AO NRK ROST", ("nrk", "rost"), ("ao",)),
    ],
)
def test_a_name_has_one_legal_form(name: str, tokens: tuple[str, ...], legal: tuple[str, ...]) -> None:
    norm = normalize_name(name)
    assert (norm.tokens, norm.legal) == (tokens, legal)
