"""Perturbations of real listed names that the matcher used to miss, each with an ordinary name that must
still not match (see bench/results/screening.md for the rates)."""

from __future__ import annotations

import pytest

from exportgate.screen import Screener


def _matched(screener: Screener, query: str, listed: str) -> float:
    res = screener.screen(query)
    return max((m.score for m in res.matches if m.matched_name.upper() == listed.upper()), default=0.0)


@pytest.mark.parametrize(
    ("query", "listed"),
    [
        # A word split inside: the halves joined are a spelling of the listed symbol ("technology" -> tech).
        ("Tianjin 764 Avionics Tec hnology Co., Ltd.", "Tianjin 764 Avionics Technology Co., Ltd."),
        ("RAYAN ROSHD AFZAR COM PANY", "RAYAN ROSHD AFZAR COMPANY"),
    ],
)
def test_split_org_word_matches(screener: Screener, query: str, listed: str) -> None:
    assert _matched(screener, query, listed) >= screener.config.potential_threshold


def test_misspelt_legal_form_word_is_repaired(screener: Screener) -> None:
    query = "KAVAN ELECTRONICS BEHRAD LMITED LIABILITY COMPANY"
    listed = "KAVAN ELECTRONICS BEHRAD LIMITED LIABILITY COMPANY"
    assert _matched(screener, query, listed) >= screener.config.potential_threshold
    res = screener.screen(query)
    assert res.matches[0].explanation["query_corrections"] == {"lmited": "limited"}


def test_reordered_legal_form_words_count_little(screener: Screener) -> None:
    listed = "JOINT STOCK COMPANY RADIOPRIBOR"
    ids = {m.entity_id for m in screener.screen(listed).matches if m.score == 1.0}
    assert ids
    res = screener.screen("COMPANY STOCK RADIOPRIBOR JOINT")
    hits = [m for m in res.matches if m.entity_id in ids]
    assert hits and hits[0].score >= screener.config.potential_threshold, [m.matched_name for m in res.matches]
    # the explanation shows the legal-form words that found no partner, with their reduced weight
    weights = {u["token"]: u["weight"] for u in hits[0].explanation["unmatched_query_tokens"]}
    assert weights["joint"] < 0.5 and weights["stock"] < 0.5, weights


@pytest.mark.parametrize(
    "query",
    [
        "COMPANY STOCK JOINT",  # legal-form words alone
        "Joint Stock Company Tec hnology",  # a split org word is still only an org word
        "GALAPAGOS NV",  # a two-letter legal form still counts (ordinary SEC name, not listed)
        "Fox Corp",
    ],
)
def test_ordinary_names_still_do_not_match(screener: Screener, query: str) -> None:
    assert screener.screen(query).matches == []


@pytest.mark.parametrize(
    ("query", "listed"),
    [
        ("dmitry ustinoff", "Dmitry Ustinov"),  # German-style -off for -ov
        ("ma ly", "MA LI"),  # short syllables equal after folding y/i
        ("SUZHOU XIAOLI CO. LTD", "SUZHOU XIAOLI PHARMATECH CO., LTD"),  # a descriptive word dropped
    ],
)
def test_transliteration_and_dropped_word_variants_match(screener: Screener, query: str, listed: str) -> None:
    ids = {m.entity_id for m in screener.screen(listed).matches if m.score == 1.0}
    assert ids
    res = screener.screen(query)
    assert ids & {m.entity_id for m in res.matches}, [(m.matched_name, m.score) for m in res.matches]


@pytest.mark.parametrize("query", ["Mali Ly", "Ustinoff Capital Partners", "Suzhou Co Ltd"])
def test_short_and_subset_ordinary_names_still_do_not_match(screener: Screener, query: str) -> None:
    assert screener.screen(query).matches == [], [(m.matched_name, m.score) for m in screener.screen(query).matches]


@pytest.mark.parametrize(
    ("query", "listed"),
    [
        ("HARAZ SHIPPING COM PANY LIMITED", "HARAZ SHIPPING COMPANY LIMITED"),
        ("FUTURE AGE SHIPPING LIMI TED", "FUTURE AGE SHIPPING LIMITED"),
    ],
)
def test_split_legal_form_word_is_rejoined(screener: Screener, query: str, listed: str) -> None:
    res = screener.screen(query)
    assert res.matches and res.matches[0].matched_name.upper() == listed.upper()
    assert res.matches[0].score >= screener.config.strong_threshold
    assert "query_corrections" in res.matches[0].explanation


def test_split_word_rejoin_needs_an_unknown_half(screener: Screener) -> None:
    # "inter" and "national" are both listed words: they stay two words (and "Inter National" alone is
    # only org words, so nothing matches).
    assert screener.screen("Inter National").matches == []


def test_explanation_states_the_token_score_formula(screener: Screener) -> None:
    res = screener.screen("COMPANY STOCK RADIOPRIBOR JOINT")
    formula = res.matches[0].explanation["token_score_formula"]
    assert f"query_coverage^{screener.config.query_coverage_share}" in formula
    assert str(screener.config.unmatched_legal_word_factor) in formula


def test_transliterated_legal_form_word_is_repaired(screener: Screener) -> None:
    listed = "JOINT STOCK COMPANY SUDOEXPORT"
    ids = {m.entity_id for m in screener.screen(listed).matches if m.score == 1.0}
    res = screener.screen("dzhoint stock company sudoexport")
    assert ids & {m.entity_id for m in res.matches if m.score >= screener.config.strong_threshold}
    assert res.matches[0].explanation["query_corrections"] == {"dzhoint": "joint"}
    assert screener.screen("Dzhoint Stock Company").matches == []


@pytest.mark.parametrize(
    ("query", "listed", "fix"),
    [
        ("Avia Grop Nord LLC", "Avia Group Nord LLC", {"grop": "group"}),  # a 4-letter org word misspelt
        ("URALELEKTROMED PUBLIC JOINT STCK COMPANY", "URALELEKTROMED PUBLIC JOINT STOCK COMPANY", {"stck": "stock"}),
        (
            "SPECTRUM INVES TMENT GROUP HOLDING SAL",
            "SPECTRUM INVESTMENT GROUP HOLDING SAL",
            None,
        ),  # split, not "invest"
    ],
)
def test_repaired_reading_matches(screener: Screener, query: str, listed: str, fix: dict[str, str] | None) -> None:
    res = screener.screen(query)
    hits = [m for m in res.matches if m.matched_name.upper() == listed.upper()]
    assert hits and hits[0].score >= screener.config.potential_threshold, [
        (m.matched_name, m.score) for m in res.matches
    ]
    if fix is not None:
        assert hits[0].explanation["query_corrections"] == fix


@pytest.mark.parametrize(
    "query", ["HEALTHSTREAM INC", "Theratechnologies Inc.", "Sara Skov", "Ming Shing Group Holdings Ltd"]
)
def test_repair_must_be_borne_out_by_the_listed_name(screener: Screener, query: str) -> None:
    # A repair that only takes weight off a word of the name ("healthstream" -> "health stream", "skov" ->
    # a legal-form word) must not make a shorter listed name match.
    res = screener.screen(query)
    assert all("query_corrections" not in m.explanation for m in res.matches), [
        (m.matched_name, m.score, m.explanation.get("query_corrections")) for m in res.matches
    ]


def test_symbol_word_is_also_compared_as_written(screener: Screener) -> None:
    # "marine" becomes the symbol "maritime"; a misspelling of the word is compared with the word itself
    assert _matched(screener, "koning marina corp", "KONING MARINE CORP") >= screener.config.potential_threshold


@pytest.mark.parametrize(
    ("query", "listed"),
    [
        ("karst, aoo", "KARST, OOO"),  # OOO misspelt
        ("optron, jsk", "Optron, JSC"),  # JSC transliterated
        ("uo serniya inzhiniring", "OOO SERNIYA INZHINIRING"),  # OOO transliterated (oo -> u)
    ],
)
def test_misspelt_legal_form_of_the_listed_name_is_set_apart(screener: Screener, query: str, listed: str) -> None:
    res = screener.screen(query)
    hits = [m for m in res.matches if m.matched_name.upper() == listed.upper()]
    assert hits and hits[0].score >= screener.config.potential_threshold, [
        (m.matched_name, m.score) for m in res.matches
    ]
    weights = {u["token"]: u["weight"] for u in hits[0].explanation["unmatched_query_tokens"]}
    assert all(w == 0.0 for w in weights.values()), weights


def test_short_word_is_no_legal_form_without_a_listed_one(screener: Screener) -> None:
    # "Karst Aoo" against a listed name without a legal form: "aoo" stays a word of the name
    res = screener.screen("Almaz Aoo", threshold=0.5)
    for m in res.matches:
        if not m.explanation["legal_forms"]["listed"]:
            assert all(u["weight"] > 0 for u in m.explanation["unmatched_query_tokens"])


def test_chinese_script_query_gets_no_middle_name_discount(screener: Screener) -> None:
    # "英 王" (Wang Ying) is not "WANG, Guo Ying": in Chinese script a syllable more or less is another given
    # name. The same name in Latin letters keeps the middle-name discount.
    han = [m for m in screener.screen("英 王", threshold=0.5).matches if m.matched_name == "WANG, Guo Ying"]
    latin = [m for m in screener.screen("Ying Wang", threshold=0.5).matches if m.matched_name == "WANG, Guo Ying"]
    assert latin and han and han[0].score < latin[0].score

    def guo(m: object) -> float:
        return next(u["weight"] for u in m.explanation["unmatched_listed_tokens"] if u["token"] == "guo")  # type: ignore[attr-defined]

    assert guo(han[0]) == pytest.approx(guo(latin[0]) / screener.config.middle_name_factor, rel=1e-3)


@pytest.mark.parametrize(
    "query",
    [
        "Islamic Revolutionary Guard Corcs (IRGC) Aerospace Force Self-Sufficiency Jihad Organization (ASF SSJO)",
        "islamic reffolutionary guard corps (irgc) aerospace force self-sufficiency jihad organization (asf ssjo)",
    ],
)
def test_misspelt_word_of_a_symbol_phrase_is_repaired(screener: Screener, query: str) -> None:
    listed = "Islamic Revolutionary Guard Corps (IRGC) Aerospace Force Self-Sufficiency Jihad Organization (ASF SSJO)"
    res = screener.screen(query)
    assert _matched(screener, query, listed) >= screener.config.strong_threshold
    best = next(m for m in res.matches if m.matched_name.upper() == listed.upper())
    assert best.explanation["query_corrections"]


def test_phrase_repair_needs_a_neighbour_from_the_phrase(screener: Screener) -> None:
    # "Corcs" next to no word of "islamic revolutionary guard corps" is left as written.
    assert "corcs" not in screener.index.corrections(("acme", "corcs"), screener.config)
    assert screener.index.corrections(("guard", "corcs"), screener.config).get("corcs") == "corps"


@pytest.mark.parametrize(
    ("query", "listed"),
    [
        # A word of the listed name's legal form, misspelt or transliterated, is that legal form.
        ("gavia tradings pti ltd", "GAVIA TRADINGS PTY LTD"),
        ("valpark, s.a. de k.v.", "VALPARK, S.A. DE C.V."),
    ],
)
def test_misspelt_word_of_the_listed_legal_form(screener: Screener, query: str, listed: str) -> None:
    assert _matched(screener, query, listed) >= screener.config.potential_threshold


def test_legal_form_words_as_written_are_kept() -> None:
    from exportgate.screen.normalize import normalize_name

    assert normalize_name("GAVIA TRADINGS PTY LTD").legal_written == ("pty",)
    assert normalize_name("VALPARK, S.A. DE C.V.").legal_written == ("sa", "de", "cv")
