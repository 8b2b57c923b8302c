"""Names across scripts: the readings of each script, the public cross-script pairs, and that a name in a
script no source reads is still screened."""

from __future__ import annotations

from typing import Any

import pytest

from exportgate.screen import Screener
from exportgate.screen.normalize import normalize_name
from exportgate.screen.readings import readings
from exportgate.screen.screener import compare, compare_explained

# moov-io/watchman, internal/embeddings/testdata/cross_script_pairs.csv at 76614901817f95c9f951d3bbe5db72f1721c35d4
# (Apache-2.0): the 22 query/expected pairs only (their embedding model's minimum scores left out).
WATCHMAN_PAIRS = [
    ("محمد علي", "Mohamed Ali"),
    ("أحمد حسن", "Ahmed Hassan"),
    ("عبد الله", "Abdullah"),
    ("خالد محمود", "Khaled Mahmoud"),
    ("Владимир Путин", "Vladimir Putin"),
    ("Иван Иванов", "Ivan Ivanov"),
    ("Александр Петров", "Alexander Petrov"),
    ("Дмитрий Медведев", "Dmitry Medvedev"),
    ("金正恩", "Kim Jong Un"),
    ("李明", "Li Ming"),
    ("习近平", "Xi Jinping"),
    ("王伟", "Wang Wei"),
    ("김정은", "Kim Jong Un"),
    ("박지성", "Park Ji Sung"),
    ("이민호", "Lee Min Ho"),
    ("山田太郎", "Yamada Taro"),
    ("田中花子", "Tanaka Hanako"),
    ("Αλέξανδρος", "Alexander"),
    ("Νικόλαος", "Nikolaos"),
    ("משה", "Moshe"),
    ("דוד", "David"),
    ("สมชาย", "Somchai"),
]


@pytest.mark.parametrize(("query", "expected"), WATCHMAN_PAIRS)
def test_watchman_cross_script_pair(query: str, expected: str) -> None:
    assert compare(query, expected) >= 0.85
    assert compare(expected, query) >= 0.85


def _texts(name: str) -> dict[str, str]:
    """Each reading's text -> its source."""
    return {r.text: r.source for r in readings(name)}


def test_chinese_readings_pinyin_and_wade_giles() -> None:
    texts = _texts("习近平")
    assert texts["xi jin ping"].startswith("pypinyin (Hanyu")
    assert texts["hsi chin p'ing"].startswith("pypinyin (Wade")


def test_hanja_name_read_in_korean() -> None:
    texts = _texts("金正恩")
    assert "kim jong un" in texts and "kHangul" in texts["kim jong un"]
    assert "jin zheng en" in texts  # and in Mandarin


def test_hangul_readings_mr_rr_and_surnames() -> None:
    texts = _texts("김정은")
    assert "kim jong un" in texts  # McCune-Reischauer, as the DPRK names on the lists are spelt
    assert "gim jeong eun" in texts  # Revised Romanization
    assert "lee min ho" in _texts("이민호")  # customary surname spelling
    assert "park ji sung" in _texts("박지성")


def test_hangul_loanword_reading() -> None:
    assert "bladimir putin" in _texts("블라디미르 푸틴")


def test_japanese_reading_hepburn() -> None:
    texts = _texts("山田太郎")
    assert texts["yamada taro"] == "cutlet (Hepburn)"  # passport Hepburn: no "tarou"


def test_greek_reading_as_pronounced() -> None:
    assert "vladimir putin" in _texts("Βλαντίμιρ Πούτιν")


def test_given_name_table_reading_in_another_script() -> None:
    texts = _texts("فلاديمير بوتين")
    assert texts.get("vladimir bwtyn") == "given-name table"


def test_latin_and_cyrillic_have_no_extra_readings() -> None:
    assert readings("Vladimir Putin") == ()
    assert all(r.source.startswith("given-name table") for r in readings("Владимир Путин"))


def test_cross_language_given_names() -> None:
    for a, b in [("Alexandros Papadopoulos", "Alexander Papadopoulos"), ("Nikolaos Pappas", "Nicholas Pappas"),
                 ("Dmitri Ivanov", "Dmitry Ivanov"), ("Volodymyr Petrenko", "Vladimir Petrenko"),
                 ("Muhammad Rahimi", "Mohamed Rahimi")]:  # fmt: skip
        assert compare(a, b, type="person") >= 0.9, (a, b)
    assert compare("Alexandros Papadopoulos", "Alexander Papadopoulos") < 1.0  # equivalent, not equal


def test_compare_explains_the_reading_that_matched() -> None:
    out = compare_explained("金正恩", "Kim Jong Un")
    assert out["score"] >= 0.85
    assert "kHangul" in out["reading_a"]["source"]
    assert out["reading_b"]["source"].startswith("as written")


def test_unknown_script_is_screened_with_a_fallback_reading(screener: Screener) -> None:
    # Tifinagh, Ethiopic and Cherokee: no reading source; the default romanisation still gives tokens.
    for name in ("ⵜⴰⵎⴰⵣⵉⵖⵜ ⴰⵎⵖⴰⵔ", "ቭላዲሚር ፑቲን", "ᏩᏏᏓᏂ"):
        assert normalize_name(name).tokens
        res = screener.screen(name)
        assert res.error is None


def test_screen_reads_hanja_and_hangul_as_the_listed_dprk_name(screener: Screener) -> None:
    for query in ("金正恩", "김정은"):
        res = screener.screen(query)
        best = next(m for m in res.matches if m.matched_name.upper().startswith("KIM, JONG UN"))
        assert best.score >= 0.85
        assert best.explanation["reading"]["source"]


def _listed(screener: Screener, expected: str) -> set[str]:
    key = sorted(normalize_name(expected, kind="person").tokens)
    out: set[str] = set()
    for ent in screener.snapshot.entities:
        for nm in ent.names:
            if sorted(normalize_name(nm.value, kind="person").tokens) == key:
                out.add(ent.id)
    return out


def test_watchman_pairs_through_screen_where_listed(screener: Screener) -> None:
    """The pairs whose Latin name is itself listed (most are ordinary names that are not) are found by a
    full screen from the other script; the pairs that are not listed are checked by ``compare`` above."""
    listed = [(query, expected, ids) for query, expected in WATCHMAN_PAIRS if (ids := _listed(screener, expected))]
    assert len(listed) >= 5, [e for _, e, _ in listed]  # 7 with the lists shipped in December 2026
    for query, expected, ids in listed:
        res = screener.screen(query)
        assert ids & {m.entity_id for m in res.matches}, (expected, [(m.matched_name, m.score) for m in res.matches[:3]])


def test_reading_named_in_screen_explanation(screener: Screener) -> None:
    res = screener.screen("ウラジーミル・プーチン")
    hit: Any = next(m for m in res.matches if m.entity_id == "ofac_sdn:35096")
    assert hit.score >= 0.85
    # the katakana read by the given-name table ("vladimir"), named in the explanation with its source
    assert hit.explanation["reading"]["source"] == "given-name table"
    assert hit.explanation["reading"]["text"].startswith("vladimir ")
    assert hit.explanation["query_tokens"] == ["vladimir", "putin"]
