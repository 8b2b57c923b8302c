"""Matching against the embedded list snapshot: real names, real variants, real outcomes."""

from __future__ import annotations

from typing import Any

import pytest

from exportgate.errors import InputError
from exportgate.screen import Screener, compare


def _ids(res: Any) -> set[str]:
    return {m.entity_id for m in res.matches}


def _best_for(res: Any, needle: str) -> float:
    return max((m.score for m in res.matches if needle in m.name.upper()), default=0.0)


@pytest.mark.parametrize(
    "query",
    [
        "Путин Владимир Владимирович",  # Cyrillic, reordered
        "Vladimir Vladimirovich Putin",  # "LAST, First" reordered
        "PUTIN Vladimir Vladimirovitch",  # transliteration variant
        "Vladimir Putn",  # typo
    ],
)
def test_variants_of_a_listed_person_match(screener: Screener, query: str) -> None:
    res = screener.screen(query)
    assert "ofac_sdn:35096" in _ids(res), [m.name for m in res.matches]


@pytest.mark.parametrize(
    "query",
    [
        "Huawei Technologies Co., Ltd.",
        "HUAWEI TECHNOLOGIES COMPANY LIMITED",  # legal-form variant
        "Technologies Huawei Ltd",  # reordered
        "华为技术有限公司",  # Chinese script
        "Hua Wei Technologies",  # split word
    ],
)
def test_variants_of_a_listed_company_match(screener: Screener, query: str) -> None:
    res = screener.screen(query)
    assert _best_for(res, "HUAWEI TECHNOLOGIES") >= screener.config.potential_threshold, query


def test_bank_melli_typo_and_joined_words(screener: Screener) -> None:
    assert "ofac_sdn:25578" in _ids(screener.screen("Bank Meli Iran"))
    assert "ofac_sdn:25578" in _ids(screener.screen("BankMelli Iran"))


@pytest.mark.parametrize("query", ["TRADING CO LTD", "CORP", "Trading", "International Trading Company Limited"])
def test_common_words_alone_match_nothing(screener: Screener, query: str) -> None:
    assert screener.screen(query).matches == []


def test_ordinary_company_names_do_not_match(screener: Screener) -> None:
    for name in ["Microsoft Corporation", "Apple Inc.", "Acme Widgets LLC", "Johnson & Johnson"]:
        assert screener.screen(name).matches == [], name


def test_matches_are_best_first_with_scores_in_range(screener: Screener) -> None:
    res = screener.screen("Rosneft Oil Company", threshold=0.5)
    scores = [m.score for m in res.matches]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= s <= 1.0 for s in scores)
    assert res.matches[0].strength == "strong"


def test_threshold_is_respected(screener: Screener) -> None:
    low = screener.screen("Rosneft", threshold=0.5)
    high = screener.screen("Rosneft", threshold=0.99)
    assert all(m.score >= 0.99 for m in high.matches)
    assert len(high.matches) <= len(low.matches)


def test_explanation_lists_tokens_and_weights(screener: Screener) -> None:
    res = screener.screen("Bank Meli Iran")
    m = next(m for m in res.matches if m.entity_id == "ofac_sdn:25578")
    e = m.explanation
    aligned = {(a["query"], a["listed"]) for a in e["aligned"]}
    assert ("meli", "melli") in aligned
    assert all(a["query_weight"] > 0 and a["listed_weight"] > 0 for a in e["aligned"])
    assert set(e["features"]) >= {"query_coverage", "listed_coverage", "token_score", "char_similarity"}
    assert e["weights"]["token_score"] + e["weights"]["char_similarity"] == pytest.approx(1.0)
    assert e["score"] == m.score


def test_rare_tokens_outweigh_common_ones(screener: Screener) -> None:
    idx = screener.index
    assert idx.idf("huawei") > 2 * idx.idf("trade")


def test_to_json_contract(screener: Screener) -> None:
    doc = screener.screen("Bank Melli Iran").to_json()
    assert set(doc) == {"query", "lists_as_of", "matches"}
    assert doc["lists_as_of"]["ofac_sdn"]
    m = doc["matches"][0]
    assert set(m) == {
        "entity_id", "list", "name", "matched_name", "score", "country", "entity_list_footnote",
        "license_policy", "explanation", "strength", "entry_fingerprint", "entry",
    }  # fmt: skip
    assert len(m["entry_fingerprint"]) == 64
    # the listed entry's details, for the reviewer who adjudicates the match
    entry = m["entry"]
    assert entry["type"] == "entity" and m["country"] in entry["countries"]
    assert entry["programs"] and entry["addresses"] and entry["list_date"]
    assert all(isinstance(a, str) and a for a in entry["addresses"])


def test_match_entry_carries_the_entity_list_fields(screener: Screener) -> None:
    m = screener.screen("Complete Freight Solutions", country="AE").matches[0]
    assert m.list == "entity_list"
    entry = m.to_json()["entry"]
    assert entry["federal_register_notice"] == "81 FR 14953" and entry["start_date"] == "2016-03-21"
    assert entry["license_policy"] == "Presumption of denial." and "744.11" in entry["license_requirement"]
    assert any("Dubai" in a for a in entry["addresses"])


def test_entity_list_fields_are_carried(screener: Screener) -> None:
    res = screener.screen("Huawei Technologies Co., Ltd.", country="CN")
    el = [m for m in res.matches if m.list == "entity_list"]
    assert el and el[0].license_policy


def test_retrieval_never_scans_every_name(screener: Screener) -> None:
    from exportgate.screen.normalize import normalize_name

    cfg = screener.config
    for q in ["Bank Melli Iran", "Ivan Ivanov", "China Electronics Technology Group"]:
        cands = screener.index.candidates(normalize_name(q).tokens, cfg)
        assert len(cands) <= cfg.max_candidates < len(screener.index.names) / 100


def test_screen_many_keeps_going(screener: Screener) -> None:
    results = screener.screen_many(
        ["Bank Melli Iran", "", {"name": "Rosneft", "country": "RU"}, {"country": "RU"}, 42, {"name": "x\x00y"}]
    )
    assert len(results) == 6
    assert results[0].matches and results[2].matches
    assert [r.error is not None for r in results] == [False, True, False, True, True, True]
    assert "name" in (results[1].error or "")


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("", "is empty"),
        ("   \t ", "is empty"),
        ("a" * 10_000, "at most"),
        ("Bank\x07Melli", "control character"),
        ("!!! ---", "no letters or digits"),
    ],
)
def test_bad_names_raise_input_error(screener: Screener, name: str, problem: str) -> None:
    with pytest.raises(InputError) as exc:
        screener.screen(name)
    assert exc.value.field == "name"
    assert problem in exc.value.problem


def test_mixed_scripts_are_screened_with_a_warning(screener: Screener) -> None:
    res = screener.screen("Bank Мelli Iran")  # Cyrillic М inside a Latin word
    assert "ofac_sdn:25578" in _ids(res)
    assert res.warnings


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"country": "Russia"}, "country"), ({"type": "robot"}, "type"), ({"dob": "14/03/1961"}, "dob"),
     ({"threshold": 1.5}, "threshold")],
)  # fmt: skip
def test_bad_evidence_raises_input_error(screener: Screener, kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(InputError) as exc:
        screener.screen("Bank Melli Iran", **kwargs)
    assert exc.value.field == field


def test_compare_is_symmetric_and_bounded() -> None:
    pairs = [
        ("Huawei Technologies Co Ltd", "HUAWEI TECHNOLOGIES CO., LTD."),
        ("Vladimir Putin", "PUTIN, Vladimir Vladimirovich"),
        ("Acme Widgets", "Bank Melli Iran"),
        ("Владимир Путин", "Vladimir Putin"),
    ]
    for a, b in pairs:
        ab, ba = compare(a, b), compare(b, a)
        assert 0.0 <= ab <= 1.0
        assert abs(ab - ba) <= 0.05
    assert compare("Huawei Technologies Co Ltd", "HUAWEI TECHNOLOGIES CO., LTD.") == 1.0
    assert compare("Владимир Путин", "Vladimir Putin") == 1.0
    assert compare("Acme Widgets", "Bank Melli Iran") < 0.3


def test_compare_rejects_bad_names() -> None:
    with pytest.raises(InputError):
        compare("", "x")
