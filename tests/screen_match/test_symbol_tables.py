"""Which words the normalisation maps to organisation symbols, and which it keeps as written."""

from __future__ import annotations

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
