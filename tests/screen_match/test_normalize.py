"""Name normalisation: what the matcher sees of a name."""

from __future__ import annotations

from exportgate.screen.normalize import normalize_name


def test_legal_forms_are_set_apart() -> None:
    n = normalize_name("Huawei Technologies Co., Ltd.")
    assert "huawei" in n.tokens
    assert n.legal  # "Co., Ltd." recognised as a legal form
    assert not {"co", "ltd"} & set(n.tokens)
    assert normalize_name("HUAWEI TECHNOLOGIES CO LTD").key == n.key


def test_legal_forms_in_other_languages_and_scripts() -> None:
    assert normalize_name("ООО Ромашка").tokens == ("romashka",)
    assert normalize_name("ООО Ромашка").legal == ("ooo",)
    chinese = normalize_name("华为技术有限公司")
    assert chinese.tokens[:2] == ("hua", "wei")  # one token per Han syllable
    assert chinese.legal  # 有限公司 is a legal form


def test_last_first_order_and_titles() -> None:
    assert normalize_name("PUTIN, Vladimir").tokens == ("vladimir", "putin")
    assert normalize_name("Mr. John Smith").tokens == ("john", "smith")
    # a comma before a legal form is not a person-name comma
    assert normalize_name("Acme Widgets, LLC").tokens == ("acme", "widgets")


def test_cyrillic_is_transliterated() -> None:
    assert normalize_name("Владимир Путин").tokens == ("vladimir", "putin")


def test_lookalike_letters_are_folded() -> None:
    # "Huаwei" with a Cyrillic "а", "H0NG K0NG" with zeros
    assert normalize_name("Hu\u0430wei").tokens == ("huawei",)
    assert normalize_name("H0NG K0NG").tokens == ("hong", "kong")


def test_case_punctuation_spacing() -> None:
    a = normalize_name("  al-QAIDA   (the base) ")
    b = normalize_name("Al Qaida the Base")
    assert a.key == b.key


def test_org_words_map_to_one_symbol() -> None:
    assert normalize_name("Acme Company").tokens == normalize_name("Acme Компания").tokens


def test_name_of_only_legal_forms_keeps_its_words() -> None:
    n = normalize_name("Trading Co Ltd")
    assert n.tokens  # never empty: the words themselves are the name


def test_abjad_tokens_are_marked() -> None:
    n = normalize_name("محمد علي")
    assert n.abjad and set(n.abjad) <= set(n.tokens)
