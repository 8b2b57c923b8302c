"""Which words the normalisation maps to organisation symbols, and which it keeps as written."""

from __future__ import annotations

from types import SimpleNamespace

from exportgate.screen import Screener
from exportgate.screen.model import EntityType, ListedEntity, Name
from exportgate.screen.normalize import normalize_name, tables


def test_one_syllable_romanisations_are_not_symbols() -> None:
    # "核" (nuclear) romanises to "he", "铀" (uranium) to "you", "旅" (brigade) to "lu", Arabic "الماس"
    # (diamond) to "lms": as words of a Latin-script name they are no symbol.
    single = tables().single
    for word in ("he", "you", "lu", "xia", "lms", "ml"):
        assert word not in single
    assert normalize_name("Lu He").tokens == ("lu", "he")
    assert normalize_name("Xia You").tokens == ("xia", "you")


def test_org_words_in_alphabetic_scripts_still_map() -> None:
    assert normalize_name("Acme Company Group").tokens == normalize_name("Acme Компания Group").tokens
    assert "co" in normalize_name("Acme Company Group").tokens


def test_translated_ordinary_nouns_keep_their_written_word() -> None:
    # "almaz" is Russian for diamond: the name keeps "almaz" (it is not the name "Diamond"); spellings of
    # the word itself still map ("technologies" ~ "technology").
    assert normalize_name("Almaz, JSC").tokens == ("almaz",)
    assert normalize_name("Almaz, JSC").tokens != normalize_name("Diamond JSC").tokens
    assert "almaz" not in tables().single
    assert normalize_name("Acme Technologies").tokens == normalize_name("Acme Technology").tokens


def test_translated_word_name_matches_as_written_and_misspelt(screener: Screener) -> None:
    exact = screener.screen("Almaz JSC")
    assert any(m.matched_name == "Almaz, JSC" and m.score == 1.0 for m in exact.matches)
    # One letter of five missing: compared with "almaz" as written (it used to be the symbol "diamond",
    # which nothing misspelt can reach); a weak match, but found.
    typo = screener.screen("Almz JSC", threshold=0.8)
    assert any(m.matched_name.upper().startswith("ALMAZ") for m in typo.matches)


def test_title_before_org_words_only_is_part_of_the_name() -> None:
    # "General" / "Mrs" are titles before a person's name, not before organisation words alone.
    assert normalize_name("General Ivanov").tokens == ("ivanov",)
    assert normalize_name("Mr. John Smith").tokens == ("john", "smith")
    assert normalize_name("General Technology Ltd").tokens == ("general", "tech")
    assert normalize_name("MRS International FZE").tokens == ("mrs", "intl")


def test_org_named_like_a_title_matches_with_a_legal_form_added(screener: Screener) -> None:
    res = screener.screen("MRS International FZE")
    assert any(m.matched_name == "MRS International" for m in res.matches)


def test_person_names_have_no_legal_forms() -> None:
    assert normalize_name("Yu You Xia").legal == ("yu",)  # type unknown: could be a company
    person = normalize_name("Yu You Xia", kind="person")
    assert person.tokens == ("yu", "you", "xia")
    assert person.legal == ()


def test_query_with_a_legal_form_word_matches_a_listed_person_in_full() -> None:
    person = ListedEntity(id="p:1", source="test_list", type=EntityType.PERSON, names=[Name("Yu Zhenxiang Bai")])
    snap = SimpleNamespace(entities=[person], sources={"test_list": {"as_of": "2026-01-01"}})
    res = Screener(snap, use_cache=False).screen("Yu Zhenxiang Bai")
    assert res.matches and res.matches[0].score == 1.0
    assert res.matches[0].explanation["query_tokens"] == ["yu", "zhenxiang", "bai"]


def test_every_spelling_of_an_org_word_ends_on_one_symbol() -> None:
    from exportgate.screen.normalize import normalize_name, tables

    single = tables().single
    # no chain left: a spelling's symbol has no symbol of its own
    assert all(single.get(t, t) == t for t in single.values())
    assert all(single.get(t, t) == t for t in tables().symbols.values())
    # "korporatsiya" was mapped to "corp", and "corp" to "co": both spellings now read "co"
    assert normalize_name("ZARYA KORPORATSIYA").tokens == normalize_name("ZARYA CORPORATION").tokens
