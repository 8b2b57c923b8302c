"""A labelled pair set built from the loaded lists, for precision/recall of ``compare`` by script.

The lists are written in Latin letters (every name of the embedded snapshot is), so the names in Arabic,
Cyrillic and CJK scripts are *rendered* from listed names the way such names are written in those scripts:

* Arabic: listed persons and entities of Arabic/Persian-speaking countries or programmes, rendered by rule
  (consonants and long vowels written, short vowels left out, "al-" as ال, sh/kh/th/dh/gh as one letter);
* Cyrillic: listed names of Russian/Belarusian/Ukrainian/Central Asian parties in Russian Cyrillic (the
  benchmark's own transliteration table, reversed);
* CJK: listed Chinese names (every word a run of pinyin syllables) in Han characters (for each syllable a
  character with that one Mandarin reading, from pypinyin's table), and listed DPRK/ROK persons in Hangul
  (each syllable from its McCune–Reischauer spelling).

A rendering made by rule is read back by rules that know the same spellings (the CJK ones most of all), so
these pairs test the readings' coverage and the matcher around them (segmentation, order, joins, the other
names of an entity), not a second, independent transliteration. The Latin group needs no rendering.

True pairs: a name rendered in the group's script against the name as listed; for Latin, two different listed
names of one entity (an alias and the primary name: another spelling, or another name altogether). False pairs: the rendered name against the nearest listed name of another entity (rapidfuzz
``token_sort_ratio`` of the Latin source name over every listed name), leaving out names equal to the source
(one party listed on two lists). Arabic and Cyrillic renderings are of persons' names only: an organisation's
name is translated into those scripts, which no rule does. Deterministic for a seed.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from exportgate.errors import InputError
from exportgate.screen.model import EntityType, ListedEntity, NameKind

ARABIC_COUNTRIES = {
    "AE", "IQ", "IR", "SY", "LB", "YE", "SA", "EG", "JO", "KW", "QA", "BH", "OM", "PS", "LY", "SD", "SO",
    "DZ", "MA", "TN", "MR", "AF", "PK",
}  # fmt: skip
ARABIC_PROGRAMS = ("SDGT", "IRAN", "SYRIA", "IRAQ", "YEMEN", "LIBYA", "HIZBALLAH", "IFSR", "IRGC", "FTO")
CYRILLIC_COUNTRIES = {"RU", "BY", "UA", "KZ", "KG", "TJ", "UZ", "TM", "AM", "AZ", "GE", "MD"}
CHINESE_COUNTRIES = {"CN", "HK", "TW", "MO"}
KOREAN_COUNTRIES = {"KP", "KR"}

_ARABIC = [
    ("al-", "ال"), ("sh", "ش"), ("kh", "خ"), ("th", "ث"), ("dh", "ذ"), ("gh", "غ"), ("ou", "و"), ("oo", "و"),
    ("ee", "ي"), ("aa", "ا"), ("b", "ب"), ("p", "ب"), ("t", "ت"), ("j", "ج"), ("h", "ح"), ("d", "د"),
    ("r", "ر"), ("z", "ز"), ("s", "س"), ("f", "ف"), ("v", "ف"), ("q", "ق"), ("k", "ك"), ("c", "ك"),
    ("g", "ج"), ("l", "ل"), ("m", "م"), ("n", "ن"), ("w", "و"), ("y", "ي"), ("x", "كس"),
]  # fmt: skip
_CYRILLIC = [
    ("shch", "щ"), ("zh", "ж"), ("kh", "х"), ("ts", "ц"), ("ch", "ч"), ("sh", "ш"), ("yu", "ю"), ("ya", "я"),
    ("yo", "ё"), ("ye", "е"), ("iy", "ий"), ("a", "а"), ("b", "б"), ("v", "в"), ("g", "г"), ("d", "д"),
    ("e", "е"), ("z", "з"), ("i", "и"), ("y", "ы"), ("k", "к"), ("l", "л"), ("m", "м"), ("n", "н"),
    ("o", "о"), ("p", "п"), ("r", "р"), ("s", "с"), ("t", "т"), ("u", "у"), ("f", "ф"), ("h", "х"),
    ("c", "к"), ("w", "в"), ("x", "кс"), ("q", "к"), ("j", "дж"),
]  # fmt: skip
_WORD = re.compile(r"[A-Za-z]+")


@dataclass
class Pair:
    group: str
    query: str
    other: str
    label: bool  # True: two names of one entity
    entity_id: str
    person: bool = False  # the source entity is a person (compared with type="person")


def _words(name: str) -> list[str]:
    return _WORD.findall(name)


def _ordered(name: str) -> str:
    """'LAST, First Middle' -> 'First Middle LAST' (as a name is written in running text)."""
    if name.count(",") == 1:
        head, tail = (p.strip() for p in name.split(","))
        if head and tail:
            return f"{tail} {head}"
    return name


def to_arabic(name: str) -> str:
    out: list[str] = []
    words = [re.sub(r"[^a-z]", "", w) for w in _ordered(name).lower().replace("-", " ").split()]
    words = [w for w in words if w]
    joined: list[str] = []
    for w in words:  # the article is written with its noun: "al hasan" -> "alhasan"
        if joined and joined[-1] in ("al", "el"):
            joined[-1] = "al" + w
        else:
            joined.append(w)
    for word in joined:
        word = re.sub(r"(.)\1", r"\1", word)  # a doubled consonant is one letter (with a shadda, unwritten)
        letters: list[str] = []
        i = 0
        if word.startswith("al") and len(word) > 3:
            letters.append("ال")
            i = 2
        while i < len(word):
            if word[i] in "aeiou":
                # a vowel at the start is an alif; a final -a/-i/-u is written (ا/ي/و); others left out
                if i == 0:
                    letters.append("ا")
                elif i == len(word) - 1:
                    letters.append({"a": "ا", "e": "", "i": "ي", "o": "و", "u": "و"}[word[i]])
                i += 1
                continue
            for src, dst in _ARABIC:
                if word.startswith(src, i):
                    letters.append(dst)
                    i += len(src)
                    break
            else:
                i += 1
        out.append("".join(letters))
    return " ".join(w for w in out if w)


def by_rules(text: str, rules: Sequence[tuple[str, str]]) -> str:
    """``text`` rewritten left to right by the first rule whose source starts at each position (letters no
    rule covers are kept)."""
    out: list[str] = []
    i = 0
    while i < len(text):
        for src, dst in rules:
            if text.startswith(src, i):
                out.append(dst)
                i += len(src)
                break
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def to_cyrillic(name: str) -> str:
    return by_rules(" ".join(_words(_ordered(name))).lower(), _CYRILLIC)


@lru_cache(maxsize=1)
def _pinyin_chars() -> dict[str, str]:
    """Toneless pinyin syllable -> a common character with that one Mandarin reading (the lowest code point
    in the basic CJK block among those with a single reading)."""
    import unicodedata

    from pypinyin.pinyin_dict import pinyin_dict

    out: dict[str, str] = {}
    for code, readings in sorted(pinyin_dict.items()):
        if not 0x4E00 <= code <= 0x9FFF or "," in readings:
            continue
        toneless = "".join(ch for ch in unicodedata.normalize("NFD", readings) if unicodedata.category(ch) != "Mn")
        out.setdefault(toneless.replace("ü", "v"), chr(code))
    return out


def _split_pinyin(word: str, chars: dict[str, str]) -> list[str] | None:
    """A word as a run of pinyin syllables (longest first), or None."""
    word = word.lower()
    out: list[str] = []
    i = 0
    while i < len(word):
        for size in range(min(6, len(word) - i), 0, -1):
            if word[i : i + size] in chars:
                out.append(word[i : i + size])
                i += size
                break
        else:
            return None
    return out


# Organisation words and legal forms of listed Chinese companies, as written in Chinese.
_HAN_WORDS = {
    "technology": "科技", "technologies": "科技", "tech": "科技", "group": "集团",
    "electronics": "电子", "electronic": "电子", "industry": "工业", "industrial": "工业", "industries": "工业",
    "trading": "贸易", "trade": "贸易", "international": "国际", "science": "科学", "scientific": "科学",
    "research": "研究", "institute": "研究所", "university": "大学", "academy": "研究院", "development": "发展",
    "investment": "投资", "holdings": "控股", "holding": "控股", "shipping": "航运", "import": "进口",
    "export": "出口", "and": "", "of": "", "the": "", "information": "信息", "communication": "通信",
    "communications": "通信", "equipment": "设备", "machinery": "机械", "optical": "光学", "aviation": "航空",
    "aerospace": "航天", "network": "网络", "software": "软件", "semiconductor": "半导体", "materials": "材料",
    "engineering": "工程", "system": "系统", "systems": "系统", "logistics": "物流", "hong": "香", "kong": "港",
}  # fmt: skip


_HAN_LEGAL = {"co", "company", "ltd", "limited", "corporation", "corp", "inc"}


def to_han(name: str, person: bool = False) -> str | None:
    chars = _pinyin_chars()
    parts: list[str] = []
    pinyin_words = 0
    legal = False
    for word in _words(_ordered(name) if person else name):
        if word.lower() in _HAN_LEGAL:
            legal = True
            continue
        han = _HAN_WORDS.get(word.lower())
        if han is not None:
            parts.append(han)
            continue
        syl = _split_pinyin(word, chars)
        if syl is None:
            if person:
                return None
            parts.append(f" {word} ")  # a word with no Chinese form stays in Latin letters ("嘉华 Marine")
            continue
        pinyin_words += 1
        parts.append("".join(chars[s] for s in syl))
    if not pinyin_words:
        return None
    if person and name.count(",") == 1:  # family name first, written together: "LI, Fangwei" -> 李方伟
        parts = parts[-1:] + parts[:-1]
    return " ".join(("".join(parts) + ("有限公司" if legal else "")).split())


@lru_cache(maxsize=1)
def _hangul_syllables() -> dict[str, str]:
    from exportgate.screen import readings as r

    out: dict[str, str] = {}
    for hangul, spellings in r._SURNAMES.items():  # a surname's customary spelling first (kim -> 김)
        for s in spellings:
            out.setdefault(s, hangul)
    for code in range(0xAC00, 0xD7A4):
        ch = chr(code)
        if ch in r._SURNAMES:
            continue
        out.setdefault(r._romanise_syllable(ch, r._INITIALS_MR, r._MEDIALS_MR), ch)
    return out


def to_hangul(name: str) -> str | None:
    table = _hangul_syllables()
    words = _words(name)
    if name.count(",") != 1 or len(words) < 2:
        return None
    family, given = words[0].lower(), [w.lower() for w in words[1:]]
    if family not in table or not all(g in table for g in given):
        return None
    return table[family] + "".join(table[g] for g in given)


def _group_of(ent: ListedEntity) -> list[str]:
    """The script groups an entity's names are rendered in: Arabic and Cyrillic for persons (an organisation's
    name in those scripts translates its words, which no rule renders), CJK for persons and organisations."""
    countries = set(ent.countries)
    groups = []
    person = ent.type is EntityType.PERSON
    if person and (countries & ARABIC_COUNTRIES or any(p.startswith(ARABIC_PROGRAMS) for p in ent.programs)):
        groups.append("Arabic")
    if person and countries & CYRILLIC_COUNTRIES:
        groups.append("Cyrillic")
    if countries & (CHINESE_COUNTRIES | KOREAN_COUNTRIES):
        groups.append("CJK")
    groups.append("Latin")
    return groups


def build_pairs(entities: Sequence[ListedEntity], per_group: int, rng: random.Random) -> list[Pair]:
    """``per_group`` true and ``per_group`` false pairs for each script group (fewer where the lists do not
    have that many candidate names)."""
    from rapidfuzz import fuzz, process, utils

    names: list[str] = []
    owner: list[int] = []
    for i, e in enumerate(entities):
        for nm in e.names:
            if nm.kind is not NameKind.WEAK:
                names.append(nm.value)
                owner.append(i)
    processed = [utils.default_process(n) for n in names]
    renderers: dict[str, Callable[[ListedEntity, str], str | None]] = {
        "Arabic": lambda e, n: to_arabic(n),
        "Cyrillic": lambda e, n: to_cyrillic(n),
        "CJK": lambda e, n: to_hangul(n)
        if set(e.countries) & KOREAN_COUNTRIES
        else to_han(n, e.type is EntityType.PERSON),
    }
    pool: dict[str, list[int]] = {"Arabic": [], "Cyrillic": [], "CJK": [], "Latin": []}
    for i, e in enumerate(entities):
        if e.type not in (EntityType.PERSON, EntityType.ENTITY):
            continue
        for g in _group_of(e):
            pool[g].append(i)
    out: list[Pair] = []
    for group, idx in pool.items():
        rng.shuffle(idx)
        true_pairs: list[Pair] = []
        sources: list[tuple[int, str, str]] = []
        for i in idx:
            if len(true_pairs) >= per_group:
                break
            e = entities[i]
            good = [nm.value for nm in e.names if nm.kind is not NameKind.WEAK and sum(ch.isalpha() for ch in nm.value) >= 4]
            if not good:
                continue
            src = rng.choice(good)
            if group == "Latin":
                others = [n for n in good if n != src]
                if not others:
                    continue
                query, other = src, rng.choice(others)
            else:
                # the name in another script against the name as listed
                query = renderers[group](e, src) or ""
                if not query.strip() or query.isascii():
                    continue
                other = src
            person = e.type is EntityType.PERSON
            true_pairs.append(Pair(group, query, other, True, e.id, person))
            sources.append((i, src, query))
        false_pairs: list[Pair] = []
        for i, src, query in sources:
            hits = process.extract(utils.default_process(src), processed, scorer=fuzz.token_sort_ratio, limit=12)
            # the nearest name of another entity that is not the same name (one party listed twice, on two
            # lists, is the same name: no false pair)
            nearest = next((names[k] for _, sc, k in hits if owner[k] != i and sc < 100), None)
            if nearest is not None:
                person = entities[i].type is EntityType.PERSON
                false_pairs.append(Pair(group, query, nearest, False, entities[i].id, person))
        out += true_pairs + false_pairs
    return out


def evaluate(pairs: Sequence[Pair], score: Callable[[str, str, str | None], float]) -> dict[str, Any]:
    """Scores of every pair, and per group: counts, precision/recall/F1 at each threshold."""
    scored = []
    for p in pairs:
        try:
            scored.append((p, score(p.query, p.other, "person" if p.person else None)))
        except InputError:
            continue  # a listed name with a control character (mis-decoded source data)
    out: dict[str, Any] = {}
    for group in dict.fromkeys(p.group for p in pairs):
        rows = [(p.label, s) for p, s in scored if p.group == group]
        if not rows:
            continue
        stats = {}
        for k in range(50, 100):
            t = k / 100
            tp = sum(1 for lab, s in rows if lab and s >= t)
            fp = sum(1 for lab, s in rows if not lab and s >= t)
            fn = sum(1 for lab, s in rows if lab and s < t)
            prec = tp / (tp + fp) if tp + fp else 1.0
            rec = tp / (tp + fn) if tp + fn else 0.0
            f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
            stats[t] = (prec, rec, f1)
        out[group] = {
            "n": len(rows),
            "true": sum(1 for lab, _ in rows if lab),
            "false": sum(1 for lab, _ in rows if not lab),
            "stats": stats,
            "examples": [(p.query, p.other, s, p.label) for p, s in scored if p.group == group][:3],
            "misses": [(p.query, p.other, s) for p, s in scored if p.group == group and p.label and s < 0.85][:4],
            "false_hits": [(p.query, p.other, s) for p, s in scored if p.group == group and not p.label and s >= 0.85][
                :4
            ],
        }
    return out
