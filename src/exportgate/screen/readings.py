"""Other readings of a name written in a script whose romanisation is not one-to-one.

The normaliser romanises every name one way (``anyascii``: Han characters as Mandarin pinyin, Hangul in
Revised Romanization, Arabic letters as consonants). A reviewer knows other ways the same name is written in
the lists: 金正恩 is the Korean KIM Jong Un, not only the Mandarin "jin zheng en"; 김정은 is "Kim Jong Un"
(McCune–Reischauer, as the DPRK names on the SDN list are spelt) as much as "Gim Jeong-eun"; 山田太郎 is the
Japanese "Yamada Taro"; Βλαντίμιρ is "Vladimir". :func:`readings` gives those other readings of a query,
each with its ``source`` (the library or table that produced it); the screener scores every reading and the
explanation names the one that matched.

Sources, each imported only when a name has the script it reads:

* Chinese: ``pypinyin`` (Mandarin pinyin with phrase-aware readings, and Wade–Giles);
* Korean: Hangul romanised syllable by syllable (Revised Romanization, the McCune–Reischauer spellings the
  lists use, and customary surname spellings: Kim, Lee, Park, Choi); Han characters (Hanja) read in Korean
  through the Unicode Unihan ``kHangul`` table (``data/reference/names/hanja_korean.txt``), for 2–4
  character names (a Korean personal name's shape);
* Japanese: ``cutlet`` (MeCab with UniDic-lite: kanji and kana to Hepburn; long vowels written as in
  passports, "Taro", not "Tarou");
* Greek: the digraphs that spell foreign sounds (ντ = d, μπ = b, γκ = g, ου = u), beside the letter-by-letter
  default;
* any script: given names written in it that the given-name table knows (``given_names.yml``), read as the
  table's Latin spelling.

A script no source reads keeps the default romanisation (every letter has one): a name is always screened,
never refused for its script.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

NAMES_DIR = Path(__file__).resolve().parent.parent / "data" / "reference" / "names"
MAX_READINGS = 8  # per query: each is scored against its candidates

_SEPARATORS = re.compile(r"[·・･‧•/]")


@dataclass(frozen=True, slots=True)
class Reading:
    """One romanisation of a name: the Latin ``text`` (normalised like any name), the ``source`` that
    produced it, and the ``script`` it read. ``syllabic``: the text's words are romanised syllables of
    Han or Hangul characters, which must match exactly (another syllable is another character)."""

    text: str
    source: str
    script: str
    syllabic: bool = False


def _scripts(text: str) -> set[str]:
    from exportgate.screen.normalize import script_of  # cached per letter

    return {script for ch in text if ch.isalpha() and (script := script_of(ch)) != "UNKNOWN"}


def _is_han(ch: str) -> bool:
    code = ord(ch)
    return 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0xF900 <= code <= 0xFAFF or 0x20000 <= code <= 0x2A6DF


def _is_hangul(ch: str) -> bool:
    return 0xAC00 <= ord(ch) <= 0xD7A3


def _is_kana(ch: str) -> bool:
    return 0x3040 <= ord(ch) <= 0x30FF or 0x31F0 <= ord(ch) <= 0x31FF


def readings(name: str) -> tuple[Reading, ...]:
    """The other readings of ``name`` (not the default romanisation), at most MAX_READINGS, without
    duplicates. Empty for a name in Latin, Cyrillic or any script with one reading."""
    if name.isascii():
        return ()
    return _readings(name)


@lru_cache(maxsize=4096)
def _readings(name: str) -> tuple[Reading, ...]:
    text = unicodedata.normalize("NFKC", _SEPARATORS.sub(" ", name))
    scripts = _scripts(text)
    out: list[Reading] = []
    has_kana = any(_is_kana(ch) for ch in text)
    has_han = any(_is_han(ch) for ch in text)
    if "HANGUL" in scripts:
        out += _korean_readings(text)
    if has_kana or has_han:
        out += _japanese_readings(text)
    if has_han and not has_kana:
        out += _chinese_readings(text)
        out += _hanja_readings(text)
    if "GREEK" in scripts:
        out += _greek_readings(text)
    out += _given_name_readings(text, out)
    seen: set[str] = set()
    unique: list[Reading] = []
    for r in out:
        key = " ".join(r.text.lower().split())
        if key and key not in seen:
            seen.add(key)
            unique.append(r)
    return tuple(unique[:MAX_READINGS])


# --------------------------------------------------------------------------------------------------
# Chinese


PINYIN_MEMO_SIZE = 100_000  # syllables converted to a style, remembered per process (cleared when full)


@lru_cache(maxsize=1)
def _pinyin() -> object:
    """pypinyin's reader as ``pypinyin.lazy_pinyin`` makes it (``UltimateConverter`` with its defaults: no
    ü for v, no 5 for the neutral tone, no tone sandhi), made once, whose converter remembers each segment's
    reading in a style and each syllable's conversion to a style: a batch reads the same family names and
    given-name characters again and again, and converting a syllable (Wade–Giles above all) costs more than
    finding it. The same readings as ``lazy_pinyin`` (checked on the 113,657 Han names of ``bench.batch``'s
    file), bounded memory (PINYIN_MEMO_SIZE)."""
    from collections.abc import Callable
    from typing import Any

    from pypinyin import Style
    from pypinyin.converter import UltimateConverter
    from pypinyin.core import Pinyin

    from exportgate.screen.memo import remember

    class _MemoConverter(UltimateConverter):
        def __init__(self) -> None:
            super().__init__()
            self._memo: dict[tuple[str, str, Style, bool], str] = {}
            self._words: dict[tuple[str, Style, bool, str, bool], list[list[str]]] = {}

        def convert(
            self,
            words: str,
            style: Style,
            heteronym: bool,
            errors: Callable[[str], str] | str,
            strict: bool = True,
            **kwargs: Any,
        ) -> list[list[str]]:
            # One segment (a word of the name, as pypinyin's segmenter cut it) read in one style: the same
            # family names and given-name characters come back again and again. A copy: callers own the lists.
            if kwargs or not isinstance(errors, str):
                return list(super().convert(words, style, heteronym, errors, strict, **kwargs))
            key = (words, style, heteronym, errors, strict)
            out = self._words.get(key)
            if out is None:
                out = remember(self._words, key, super().convert(words, style, heteronym, errors, strict), PINYIN_MEMO_SIZE)
            return [list(x) for x in out]

        def convert_style(self, han: str, orig_pinyin: str, style: Style, strict: bool, **kwargs: Any) -> str:
            if kwargs:
                return str(super().convert_style(han, orig_pinyin, style, strict, **kwargs))
            key = (han, orig_pinyin, style, strict)
            out = self._memo.get(key)
            if out is None:
                out = remember(self._memo, key, super().convert_style(han, orig_pinyin, style, strict), PINYIN_MEMO_SIZE)
            return out

    return Pinyin(_MemoConverter())


def _chinese_readings(text: str) -> list[Reading]:
    from pypinyin import Style

    reader = _pinyin()

    def read(style: Style) -> str:
        # Non-Han runs come back whole ("default" errors); Han characters one syllable each.
        return " ".join(reader.lazy_pinyin(text, style=style, errors="default"))  # type: ignore[attr-defined]

    return [
        Reading(read(Style.NORMAL), "pypinyin (Hanyu Pinyin)", "Han", syllabic=True),
        Reading(read(Style.WADEGILES), "pypinyin (Wade–Giles)", "Han", syllabic=True),
    ]


# --------------------------------------------------------------------------------------------------
# Korean

_INITIALS_RR = ["g", "kk", "n", "d", "tt", "r", "m", "b", "pp", "s", "ss", "", "j", "jj", "ch", "k", "t", "p", "h"]
# As the DPRK names on the lists are spelt (McCune–Reischauer without diacritics): KIM Jong Un, PAK Pong Ju,
# CHOE Ryong Hae, JANG Song Thaek.
_INITIALS_MR = ["k", "kk", "n", "t", "tt", "r", "m", "p", "pp", "s", "ss", "", "j", "jj", "ch", "kh", "th", "ph", "h"]
_MEDIALS_RR = [
    "a", "ae", "ya", "yae", "eo", "e", "yeo", "ye", "o", "wa", "wae", "oe", "yo", "u", "wo", "we", "wi", "yu",
    "eu", "ui", "i",
]  # fmt: skip
_MEDIALS_MR = [
    "a", "ae", "ya", "yae", "o", "e", "yo", "ye", "o", "wa", "wae", "oe", "yo", "u", "wo", "we", "wi", "yu",
    "u", "ui", "i",
]  # fmt: skip
# South Korean customary spellings: ㅓ as "u" in Sung, Jung, Hyun; ㅡ as "eu".
_MEDIALS_SK = [
    "a", "ae", "ya", "yae", "u", "e", "yu", "ye", "o", "wa", "wae", "oe", "yo", "u", "wo", "we", "wi", "yu",
    "eu", "ui", "i",
]  # fmt: skip
_FINALS = [
    "", "k", "k", "k", "n", "n", "n", "t", "l", "k", "m", "l", "l", "l", "p", "l", "m", "p", "p", "t", "t",
    "ng", "t", "t", "k", "t", "p", "t",
]  # fmt: skip
# Customary spellings of common surnames (first one: the most common on passports and in the lists).
_SURNAMES: dict[str, tuple[str, ...]] = {
    "김": ("kim",), "이": ("lee", "yi", "rhee", "ri"), "리": ("ri", "lee", "li"), "박": ("park", "pak", "bak"),
    "최": ("choi", "choe"), "정": ("jung", "jong", "jeong", "chung", "chong"), "조": ("cho", "jo"),
    "강": ("kang",), "윤": ("yoon", "yun"), "장": ("jang", "chang"), "임": ("lim", "im", "rim"),
    "림": ("rim", "lim"), "한": ("han",), "오": ("oh", "o"), "서": ("seo", "suh", "so"), "신": ("shin", "sin"),
    "권": ("kwon", "gwon"), "황": ("hwang",), "안": ("ahn", "an"), "송": ("song",), "류": ("ryu", "yoo", "yu"),
    "유": ("yoo", "yu"), "홍": ("hong",), "전": ("jeon", "jun", "chon", "jon"), "고": ("ko", "go"),
    "문": ("moon", "mun"), "양": ("yang",), "량": ("ryang", "yang"), "손": ("son", "sohn"), "배": ("bae", "pae"),
    "백": ("baek", "paek", "paik"), "허": ("heo", "hur", "ho"), "남": ("nam",), "심": ("shim", "sim"),
    "노": ("noh", "roh", "no"), "로": ("ro", "roh"), "하": ("ha",), "곽": ("kwak",), "성": ("sung", "song"),
    "차": ("cha",), "주": ("joo", "ju", "chu"), "우": ("woo", "u"), "구": ("koo", "ku", "gu"), "민": ("min",),
    "현": ("hyun", "hyon"), "채": ("chae",), "원": ("won",), "천": ("chun", "chon", "cheon"),
    "방": ("bang", "pang"), "공": ("kong", "gong"), "태": ("tae", "thae"), "명": ("myong", "myung"),
}  # fmt: skip


def _jamo(syllable: str) -> tuple[int, int, int]:
    code = ord(syllable) - 0xAC00
    return code // 588, (code % 588) // 28, code % 28


def _romanise_syllable(syllable: str, initials: list[str], medials: list[str]) -> str:
    i, m, f = _jamo(syllable)
    return initials[i] + medials[m] + _FINALS[f]


def _korean_word(word: str, style: str, surname: str | None) -> str:
    """One Hangul word (a name: family name first) as separate syllables in ``style``."""
    if style == "mr":
        initials, medials = _INITIALS_MR, _MEDIALS_MR
    elif style == "sk":
        initials, medials = _INITIALS_RR, _MEDIALS_SK
    else:
        initials, medials = _INITIALS_RR, _MEDIALS_RR
    parts: list[str] = []
    for k, ch in enumerate(word):
        if not _is_hangul(ch):
            parts.append(ch)
            continue
        if k == 0 and surname is not None:
            parts.append(surname)
            continue
        syl = _romanise_syllable(ch, initials, medials)
        if style == "sk" and syl.startswith(("g", "b", "d")) and k == 0:
            syl = {"g": "k", "b": "p", "d": "t"}[syl[0]] + syl[1:]
        parts.append(syl)
    return " ".join(parts)


def _loanword(word: str) -> str:
    """A foreign name transcribed in Hangul read back as one word: syllables joined, the vowel ㅡ that
    Korean adds to break a consonant cluster dropped (블라디미르 -> "bladimir", 푸틴 -> "putin")."""
    out: list[str] = []
    syllables = [ch for ch in word if _is_hangul(ch)]
    for k, ch in enumerate(syllables):
        i, m, f = _jamo(ch)
        init = _INITIALS_RR[i]
        vowel = _MEDIALS_RR[m]
        next_initial = _jamo(syllables[k + 1])[0] if k + 1 < len(syllables) else -1
        # ㅡ with no final, or with a final ㄹ before an initial ㄹ (블라 = "bla"), is epenthetic.
        if m == 18 and init and (f == 0 or (f == 8 and next_initial == 5)):
            vowel = ""
        out.append(init + vowel + _FINALS[f])
    return "".join(out).replace("lr", "l").replace("ll", "l")


def _korean_readings(text: str) -> list[Reading]:
    words = text.split()
    hangul_words = [w for w in words if any(_is_hangul(ch) for ch in w)]
    out: list[Reading] = []
    # A personal name is 2-4 syllables written together, family name first ("김정은").
    person = len(hangul_words) == 1 and 2 <= len(hangul_words[0]) <= 4 and len(words) <= 2
    surnames: tuple[str | None, ...] = (None,)
    if person:
        surnames = _SURNAMES.get(hangul_words[0][0], (None,))
    for style, label in (("mr", "McCune–Reischauer"), ("sk", "customary"), ("rr", "Revised Romanization")):
        for surname in surnames[:2] if style != "rr" else (None,):
            read = [
                _korean_word(w, style, surname if person else None) if w in hangul_words else w for w in words
            ]
            source = f"Korean {label}" + (" (surname spelling)" if surname else "")
            out.append(Reading(" ".join(read), source, "Hangul", syllabic=True))
    if any(len(w) >= 3 for w in hangul_words) and (not person or len(words) > 1):
        # a foreign name transcribed (블라디미르 푸틴): words of three syllables or more
        out.append(Reading(" ".join(_loanword(w) if w in hangul_words else w for w in words), "Korean loanword", "Hangul"))
    return out


@lru_cache(maxsize=1)
def _hanja_table() -> dict[str, tuple[str, ...]]:
    table: dict[str, tuple[str, ...]] = {}
    with (NAMES_DIR / "hanja_korean.txt").open(encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("#") or " " not in line:
                continue
            ch, _, readings_ = line.rstrip("\n").partition(" ")
            table[ch] = tuple(readings_.split(","))
    return table


def _hanja_readings(text: str) -> list[Reading]:
    """A Korean name written in Han characters (金正恩): read in Korean (Unihan kHangul), then romanised as
    a Hangul name. Only for a name of 2-4 characters and nothing else (a Korean personal name's shape)."""
    name = text.strip()
    if not 2 <= len(name) <= 4 or not all(_is_han(ch) for ch in name):
        return []  # one word of 2-4 characters (金正恩), not a name written given name first (光洙 金)
    table = _hanja_table()
    if not all(ch in table for ch in name):
        return []
    first = table[name[0]]
    rest = "".join(table[ch][0] for ch in name[1:])
    out: list[Reading] = []
    for surname in first[:2]:
        for r in _korean_readings(surname + rest):
            out.append(Reading(r.text, f"Unihan kHangul (Korean reading of Hanja), {r.source}", "Han", syllabic=True))
    return out


# --------------------------------------------------------------------------------------------------
# Japanese

_LONG_VOWELS = (("ou", "o"), ("oo", "o"), ("uu", "u"))


@lru_cache(maxsize=1)
def _cutlet() -> object | None:
    try:
        import cutlet
    except ImportError:  # pragma: no cover - a dependency; without it Japanese keeps the default reading
        return None
    try:
        katsu = cutlet.Cutlet(system="hepburn", ensure_ascii=True)
    except RuntimeError:  # pragma: no cover - MeCab dictionary missing
        return None
    katsu.use_foreign_spelling = False
    reader: object = katsu
    return reader


def _japanese_name(katsu: object, text: str) -> bool:
    """Whether a name in Han characters alone reads as a Japanese personal name: every word MeCab (UniDic)
    finds is a person's name (人名), with a family name of two characters or more (山田太郎, 安倍晋三), which
    Chinese names (one-character family names: 李明, 习近平) do not have."""
    words = list(katsu.tagger(text))  # type: ignore[attr-defined]
    if not words or not all(getattr(w.feature, "pos3", "") == "人名" for w in words):
        return False
    return any(getattr(w.feature, "pos4", "") == "姓" and len(w.surface) >= 2 for w in words)


def _japanese_readings(text: str) -> list[Reading]:
    katsu = _cutlet()
    if katsu is None:
        return []
    if not any(_is_kana(ch) for ch in text) and not _japanese_name(katsu, text):
        return []  # Han characters alone: Chinese as much as Japanese; read in Japanese only as a name
    romaji: str = katsu.romaji(text)  # type: ignore[attr-defined]
    words = []
    for w in _SEPARATORS.sub(" ", romaji).split():
        w = w.lower().replace("'", "")
        for a, b in _LONG_VOWELS:
            w = w.replace(a, b)
        words.append(w)
    if not words:
        return []
    return [Reading(" ".join(words), "cutlet (Hepburn)", "Japanese")]


# --------------------------------------------------------------------------------------------------
# Greek

_GREEK_DIGRAPHS = (("ντ", "d"), ("μπ", "b"), ("γκ", "g"), ("γγ", "ng"), ("ου", "u"), ("αι", "e"), ("ει", "i"), ("οι", "i"))


def _greek_readings(text: str) -> list[Reading]:
    from anyascii import anyascii

    low = "".join(ch for ch in unicodedata.normalize("NFD", text.lower()) if unicodedata.category(ch) != "Mn")
    for a, b in _GREEK_DIGRAPHS:
        low = low.replace(a, b)
    return [Reading(anyascii(low), "Greek (as pronounced: ντ=d, μπ=b, ου=u)", "Greek")]


# --------------------------------------------------------------------------------------------------
# Given names written in another script


@lru_cache(maxsize=1)
def _longest_phrase() -> int:
    """The most words a given name of the table is written in (once: the table is fixed)."""
    from exportgate.screen.normalize import given_name_phrases

    return max((len(k) for k in given_name_phrases()), default=0)


@lru_cache(maxsize=1)
def _phrase_first_words() -> frozenset[str]:
    """The first words of the table's given names written in another script or in several words."""
    from exportgate.screen.normalize import given_name_phrases

    return frozenset(k[0] for k in given_name_phrases() if k)


def _given_name_readings(text: str, others: list[Reading]) -> list[Reading]:
    """Words that the given-name table knows in the script they are written in (弗拉基米尔, ولادیمیر),
    replaced by the table's Latin spelling; in the default romanisation and in each reading made above."""
    from exportgate.screen.normalize import given_name_phrases, romanised_words

    phrases = given_name_phrases()
    if not phrases:
        return []
    out: list[Reading] = []
    max_len = _longest_phrase()
    first = _phrase_first_words()
    for base, source in ((romanised_words(text), "default"), *((r.text.split(), r.source) for r in others)):
        words = [w.lower() for w in base]
        if not any(w in first for w in words):
            continue  # no given name of the table starts at any word
        replaced: list[str] = []
        i = 0
        hit = False
        while i < len(words):
            for size in range(min(max_len, len(words) - i), 0, -1):
                target = phrases.get(tuple(words[i : i + size]))
                if target is not None and (size > 1 or not words[i].isascii() or target != words[i]):
                    replaced.append(target)
                    i += size
                    hit = True
                    break
            else:
                replaced.append(words[i])
                i += 1
        if hit:
            label = "given-name table" + ("" if source == "default" else f" on {source}")
            out.append(Reading(" ".join(replaced), label, "any"))
    return out
