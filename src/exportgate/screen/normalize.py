"""Name normalisation for restricted-party matching.

One function, :func:`normalize_name`, turns any name into a :class:`NormName`: lower-case ASCII tokens
with legal forms set aside, common organisation words mapped to one symbol, titles dropped, look-alike
characters folded. The same function is applied to listed names and to queries, so whatever it does
cannot make a name differ from itself.

Steps, in order:

1. Unicode NFKC; format characters (zero-width joiners, direction marks) dropped; other control
   characters become spaces (the screener rejects them in queries before this point).
2. Look-alikes: inside one word that mixes Latin with Cyrillic or Greek letters, the Cyrillic/Greek
   letters that look like Latin ones are replaced by them ("Huаwei" with a Cyrillic "а").
3. Transliteration with ``anyascii``; Han characters and Hangul syllables are transliterated one
   syllable per token ("华为" -> "hua wei"), other scripts word by word ("Путин" -> "putin").
4. Case folded; apostrophes and dots dropped inside words ("S.A." -> "sa"); other punctuation splits.
5. "LAST, First" (one comma, no legal form after it) is put back in "First LAST" order.
6. Digits used as letters inside words (compare.yml similar pairs: 0/o, 1/l, 5/s ...) are folded.
7. Legal forms (org_types.yml, e.g. "Co., Ltd.", "OOO", "有限公司") are replaced by one canonical form
   and kept apart from the name's core tokens; org words (symbols.yml, "company"/"компания"/"公司" ->
   "co") are mapped to their symbol; leading titles and articles (stopwords.yml) are dropped.

Reference data: ``exportgate/data/reference/rigour/*.yml`` (MIT, see PROVENANCE.md there).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from anyascii import anyascii

from exportgate import settings
from exportgate.screen import cachefile

REFERENCE_DIR = Path(__file__).resolve().parent.parent / "data" / "reference" / "rigour"
# exportgate's own name tables (given-name equivalents, person titles and particles, Korean readings of Han
# characters): data/reference/names/PROVENANCE.md.
NAMES_DIR = REFERENCE_DIR.parent / "names"

# Connector words that carry no identity in a name (dropped everywhere, in any position).
CONNECTORS = frozenset({"and", "of", "the", "for", "und", "et", "y"})

# Cyrillic and Greek letters that look like Latin letters (used only inside mixed-script words).
HOMOGLYPHS: dict[str, str] = {
    # Cyrillic
    "а": "a", "в": "b", "с": "c", "е": "e", "ё": "e", "н": "h", "і": "i", "ї": "i", "ј": "j", "к": "k",
    "м": "m", "о": "o", "р": "p", "ѕ": "s", "т": "t", "у": "y", "х": "x", "ԛ": "q", "ԝ": "w", "ү": "y",
    "А": "A", "В": "B", "С": "C", "Е": "E", "Н": "H", "І": "I", "Ј": "J", "К": "K", "М": "M", "О": "O",
    "Р": "P", "Ѕ": "S", "Т": "T", "Х": "X", "У": "Y",
    # Greek
    "α": "a", "β": "b", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t", "υ": "u",
    "χ": "x", "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N",
    "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
}  # fmt: skip

_WORD_SPLIT = re.compile(r"[^a-z0-9]+")
_DOTS = re.compile(r"(?<=[a-z0-9])[.'`’‘´](?=[a-z0-9])")


@dataclass(frozen=True, slots=True)
class NormName:
    """A normalised name: ``tokens`` identify it; ``legal`` are its legal forms (weak evidence)."""

    tokens: tuple[str, ...]
    legal: tuple[str, ...] = ()
    abjad: tuple[str, ...] = ()  # tokens transliterated from an abjad script (vowels not written)
    syllabic: tuple[str, ...] = ()  # tokens romanised from Han/Hangul syllables (exact match only)
    # The written words before legal forms, org symbols and titles are dealt with, in two order-free or
    # space-free forms: ``bag`` is the words sorted ("the same words in another order"); ``compact`` the
    # words written together, as written and, for "LAST, First", in the other order too ("the same letters
    # spaced differently": "AOUK" ~ "AO UK", "SERVI CES" ~ "SERVICES", "jalal husamaldin" ~ "JALAL,
    # Husam-al-Din"). Reordering or re-spacing moves words across legal-form and symbol phrases, so the
    # tokens alone can miss such variants; these forms cannot.
    bag: str = ""
    compact: tuple[str, ...] = ()
    # For each token mapped from one word to its symbol, that word as written ("marine" for "maritime",
    # "xia" for "mgmt"); "" where the token is as written or stands for a phrase. A misspelling of the word
    # ("marina", "xya") is compared with it: the symbol itself looks nothing like it.
    written: tuple[str, ...] = ()
    legal_written: tuple[str, ...] = ()  # the words of the legal forms as written ("pty", "ltd" for "ltd")
    # A person's title was written with the name ("Präsident Putin", "Putyin elnök"): the name is a person's.
    titled: bool = False

    @property
    def text(self) -> str:
        return " ".join(self.tokens)

    @property
    def key(self) -> str:
        """Order-free key: equal for names that differ only in token order, spacing, legal form."""
        return " ".join(sorted(self.tokens))


@lru_cache(maxsize=65_536)  # a name's letters come from a few thousand characters: looked up once each
def script_of(char: str) -> str:
    """The script of one letter, from its Unicode name (LATIN, CYRILLIC, CJK, ARABIC, ...)."""
    try:
        name = unicodedata.name(char)
    except ValueError:
        return "UNKNOWN"
    first = name.split(" ", 1)[0]
    if first in {"CJK", "HIRAGANA", "KATAKANA", "HANGUL"}:
        return first
    return first


def scripts_in(text: str) -> set[str]:
    """Scripts of the letters in ``text`` (digits, spaces and punctuation ignored)."""
    return {script_of(ch) for ch in text if ch.isalpha()}


def _fold_lookalikes(word: str) -> str:
    has_latin = any("a" <= ch.lower() <= "z" for ch in word)
    if not has_latin:
        return word
    if not any(ch in HOMOGLYPHS for ch in word):
        return word
    return "".join(HOMOGLYPHS.get(ch, ch) for ch in word)


def _is_syllabic(ch: str) -> bool:
    """Han ideographs and Hangul syllables: one romanised syllable each."""
    code = ord(ch)
    return (
        0x4E00 <= code <= 0x9FFF
        or 0x3400 <= code <= 0x4DBF
        or 0xF900 <= code <= 0xFAFF
        or 0x20000 <= code <= 0x2A6DF
        or 0xAC00 <= code <= 0xD7A3
    )


def transliterate(text: str) -> str:
    """ASCII transliteration; Han/Hangul one token per syllable."""
    if text.isascii():
        return text
    out: list[str] = []
    for ch in text:
        if _is_syllabic(ch):
            out.append(" " + anyascii(ch) + " ")
        elif ch.isascii():
            out.append(ch)
        else:
            out.append(anyascii(ch))
    return "".join(out)


ABJAD_SCRIPTS = frozenset({"ARABIC", "HEBREW", "SYRIAC", "THAANA", "THAI"})  # vowels mostly unwritten


@lru_cache(maxsize=65_536)
def _clean(text: str) -> tuple[str, frozenset[str], frozenset[str]]:
    """NFKC, strip format characters, fold look-alikes, transliterate, lower-case.

    Also returns the words that came from an abjad script (their vowels were never written, so the
    matcher may compare them by consonants) and the syllables romanised from Han/Hangul characters
    (a syllable one letter off is another character: those must match exactly).

    Cached (the result is immutable): a query's name is cleaned again when it is normalised as a person's
    name, and by :func:`romanised_words` for its readings; the cache keeps the work to once."""
    text = unicodedata.normalize("NFKC", text)
    if not text.isascii():
        chars: list[str] = []
        for ch in text:
            cat = unicodedata.category(ch)
            if cat == "Cf":
                continue
            if cat in {"Cc", "Zl", "Zp"}:
                chars.append(" ")
            else:
                chars.append(ch)
        text = "".join(chars)
    elif not text.isprintable():  # ASCII has no format characters; its control characters become spaces
        text = "".join(" " if ch < " " or ch == "\x7f" else ch for ch in text)
    abjad: set[str] = set()
    syllabic: set[str] = set()
    if not text.isascii():
        out: list[str] = []
        for w in text.split():
            w = _fold_lookalikes(w).replace("ё", "yo").replace("Ё", "Yo")
            lat = transliterate(w)
            if scripts_in(w) & ABJAD_SCRIPTS:
                abjad.update(_words(lat.lower()))
            if any(_is_syllabic(ch) for ch in w):
                syllabic.update(_words(" ".join(anyascii(ch) for ch in w if _is_syllabic(ch)).lower()))
            out.append(lat)
        text = " ".join(out)
    return text.lower(), frozenset(abjad), frozenset(syllabic)


def _words(text: str) -> list[str]:
    text = _DOTS.sub("", text)
    return [w for w in _WORD_SPLIT.split(text) if w]


# --------------------------------------------------------------------------------------------------
# Reference data (rigour YAML), compiled once into phrase tables keyed by token tuples.


@dataclass(frozen=True, slots=True)
class _Tables:
    legal: dict[tuple[str, ...], str]  # alias tokens -> canonical legal form
    single: dict[str, str]  # one word -> its symbol ("company" -> "co"), applied first
    symbols: dict[tuple[str, ...], str]  # multi-word phrase (words already mapped) -> symbol
    symbol_targets: frozenset[str]  # the org-word symbols themselves ("co", "tech", "trade" ...)
    generic_words: frozenset[str]  # symbols, their one-word spellings, org-domain words, legal-form words (low weight)
    org_words: frozenset[str]  # one-word spellings of org symbols ("company", "group"; not org domains)
    legal_forms: frozenset[str]  # one-word spellings of legal forms ("ooo", "llc", "gmbh")
    legal_words: frozenset[str]  # words of legal-form phrases ("joint", "stock", "liability", "sdn")
    legal_first: frozenset[str]  # first words of legal-form phrases (a fast pre-check)
    symbol_first: frozenset[str]  # first words of multi-word symbol phrases
    person_prefixes: frozenset[tuple[str, ...]]
    org_prefixes: frozenset[tuple[str, ...]]
    max_legal: int
    max_symbol: int
    max_prefix: int
    digit_letters: dict[str, str]
    legal_types: dict[str, str]  # canonical legal form -> its kind across jurisdictions ("ooo" -> "llc", "ao" -> "jsc")
    # given_names.yml: a one-word spelling of a given name -> its group's key ("alexandros" -> "alexander");
    # spellings in another script (romanised) or of several words -> the key, read by readings.py.
    given: dict[str, str]
    given_phrases: dict[tuple[str, ...], str]
    titles: frozenset[tuple[str, ...]]  # person_parts.yml titles (written before the name)
    titles_after: frozenset[str]  # titles written after the name ("elnök")
    particles: frozenset[str]  # person_parts.yml particles (bin, ibn, van, von, de ...)
    patronymic_suffixes: tuple[str, ...]  # person_parts.yml: "ovich", "ovna", "ogly" ...


def _load_yaml(name: str, folder: Path = REFERENCE_DIR) -> Any:
    import yaml  # only to compile the tables (then cached): not on every process's path

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available: 10x faster
    with (folder / name).open(encoding="utf-8") as fh:
        return yaml.load(fh, Loader=loader)


def _phrase(text: str) -> tuple[str, ...]:
    return tuple(_words(_clean(str(text))[0]))


# Scripts whose romanisation of one word is ambiguous: a Han character or Hangul syllable becomes one
# syllable shared by many unrelated characters ("核" nuclear -> "he", "铀" uranium -> "you"); an abjad word
# loses its vowels ("الماس" diamond -> "lms").
_AMBIGUOUS_SCRIPTS = ABJAD_SCRIPTS | {"CJK", "HANGUL", "HIRAGANA", "KATAKANA"}


def _one_word_symbol(alias: str, section: str, target: str) -> bool:
    """Whether a one-word alias of a symbols.yml group is mapped to the group's symbol ``target``.

    Not when it is written in a script whose romanisation of one word is ambiguous ("he" is no more
    "nuclear" than any other word: it would make "He" in a person's name a symbol). In ``org_domains``
    (ordinary nouns: "energy", "property", "diamond"), only spellings of the word itself, which start like
    it ("technologies" -> tech, "properties" -> property, "energiya" -> energy), not translations into
    another word ("almaz" -> diamond, "mir" -> world, "dom" -> house): a name keeps such a word as written,
    so "Almaz" is not the name "Diamond", and a misspelling ("Almz") is still compared with it.
    Organisation words proper (``org_symbols``: "company", "kompaniya" -> co) and spellings of one person's
    name (``person_name_parts``) are mapped.
    """
    if scripts_in(alias) & _AMBIGUOUS_SCRIPTS:
        # A person's name written in such a script is long enough to be itself ("بوتين", "プーチン", "푸틴"):
        # one Han character or Hangul syllable, or an abjad word of three letters or fewer, is not.
        if section != "person_name_parts" or len("".join(_phrase(alias))) < 4:
            return False
        return sum(ch.isalpha() for ch in alias) >= 2
    if section != "org_domains":
        return True
    word = "".join(_phrase(alias))
    n = min(4, len(target))
    return word[:n] == target[:n]


TABLES_KIND = "normalize-tables"


@lru_cache(maxsize=1)
def tables() -> _Tables:
    """The compiled reference data: compiled once (:func:`compile_tables`, a few tenths of a second of YAML
    and transliteration) and then read from the cache folder in every process, as inert JSON verified
    against the hashes of this module and of the reference files (:mod:`exportgate.screen.cachefile`)."""
    code, data = tables_hashes()
    try:
        path = settings.cache_dir() / f"normalize-tables-{data[:12]}-{code[:12]}{cachefile.SUFFIX}"
    except RuntimeError:  # no home directory to put a cache in: compile every time
        return compile_tables()
    cf = cachefile.read(path, TABLES_KIND, code, data)
    if cf is not None:
        try:
            return _tables_from_json(cf.json("tables"))
        except (ValueError, TypeError, KeyError):
            pass  # verified yet not what this code writes: compiled again below
    compiled = compile_tables()
    if cachefile.write(path, TABLES_KIND, code, data, {"tables": cachefile.json_section(_tables_to_json(compiled))}):
        cachefile.prune(path.parent, f"normalize-tables-*{cachefile.SUFFIX}", 2, path)
    return compiled


def tables_hashes() -> tuple[str, str]:
    """The hashes the tables' cache is verified against: the code that compiles them (this module, the
    cache format, the transliteration library's version) and the reference files they are compiled from."""
    code = cachefile.code_hash([Path(__file__), Path(cachefile.__file__)], f"anyascii={anyascii_version()}")
    return code, cachefile.code_hash(reference_files())


def reference_files() -> list[Path]:
    """The reference files the tables are compiled from (their content is in every screening cache key)."""
    return [*sorted(REFERENCE_DIR.glob("*.yml")), *sorted(NAMES_DIR.glob("*.yml"))]


def anyascii_version() -> str:
    """The transliteration library's version (in the cache keys: an upgrade may transliterate differently)."""
    import anyascii as module

    return str(getattr(module, "__version__", ""))


def _tables_to_json(t: _Tables) -> dict[str, Any]:
    return {
        "legal": [[list(k), v] for k, v in t.legal.items()],
        "single": t.single,
        "symbols": [[list(k), v] for k, v in t.symbols.items()],
        "symbol_targets": sorted(t.symbol_targets),
        "generic_words": sorted(t.generic_words),
        "org_words": sorted(t.org_words),
        "legal_forms": sorted(t.legal_forms),
        "legal_words": sorted(t.legal_words),
        "legal_first": sorted(t.legal_first),
        "symbol_first": sorted(t.symbol_first),
        "person_prefixes": sorted(list(k) for k in t.person_prefixes),
        "org_prefixes": sorted(list(k) for k in t.org_prefixes),
        "max_legal": t.max_legal,
        "max_symbol": t.max_symbol,
        "max_prefix": t.max_prefix,
        "digit_letters": t.digit_letters,
        "legal_types": t.legal_types,
        "given": t.given,
        "given_phrases": [[list(k), v] for k, v in t.given_phrases.items()],
        "titles": sorted(list(k) for k in t.titles),
        "titles_after": sorted(t.titles_after),
        "particles": sorted(t.particles),
        "patronymic_suffixes": list(t.patronymic_suffixes),
    }


def _tables_from_json(doc: Any) -> _Tables:
    """The inverse of :func:`_tables_to_json`; TypeError/ValueError/KeyError on anything else."""

    def words(value: Any) -> frozenset[str]:
        if not isinstance(value, list) or not all(isinstance(w, str) for w in value):
            raise TypeError("expected a list of words")
        return frozenset(value)

    def phrase(value: Any) -> tuple[str, ...]:
        if not isinstance(value, list) or not value or not all(isinstance(w, str) for w in value):
            raise TypeError("expected a phrase (a list of words)")
        return tuple(value)

    def phrases(value: Any) -> dict[tuple[str, ...], str]:
        return {phrase(key): _text(target) for key, target in value}

    def mapping(value: Any) -> dict[str, str]:
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            raise TypeError("expected a mapping of words")
        return dict(value)

    def number(value: Any) -> int:
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise TypeError("expected a positive integer")
        return value

    return _Tables(
        legal=phrases(doc["legal"]),
        single=mapping(doc["single"]),
        symbols=phrases(doc["symbols"]),
        symbol_targets=words(doc["symbol_targets"]),
        generic_words=words(doc["generic_words"]),
        org_words=words(doc["org_words"]),
        legal_forms=words(doc["legal_forms"]),
        legal_words=words(doc["legal_words"]),
        legal_first=words(doc["legal_first"]),
        symbol_first=words(doc["symbol_first"]),
        person_prefixes=frozenset(phrase(k) for k in doc["person_prefixes"]),
        org_prefixes=frozenset(phrase(k) for k in doc["org_prefixes"]),
        max_legal=number(doc["max_legal"]),
        max_symbol=number(doc["max_symbol"]),
        max_prefix=number(doc["max_prefix"]),
        digit_letters=mapping(doc["digit_letters"]),
        legal_types=mapping(doc["legal_types"]),
        given=mapping(doc["given"]),
        given_phrases=phrases(doc["given_phrases"]),
        titles=frozenset(phrase(k) for k in doc["titles"]),
        titles_after=words(doc["titles_after"]),
        particles=words(doc["particles"]),
        patronymic_suffixes=tuple(sorted(words(doc["patronymic_suffixes"]))),
    )


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError("expected a string")
    return value


def compile_tables() -> _Tables:
    """Compile the reference data.

    Single-word organisation symbols are applied first ("corporation" -> "corp"), and every legal-form
    and multi-word symbol phrase is keyed on words mapped the same way, so "Tactical Missiles Corp." and
    "Tactical Missiles Corporation" reach the same phrase.
    """
    sym = _load_yaml("symbols.yml")
    org_types = [*_load_yaml("org_types.yml")["types"], *_load_yaml("org_types_extra.yml", NAMES_DIR)["types"]]
    single: dict[str, str] = {}
    phrases: list[tuple[tuple[str, ...], str]] = []
    org_targets: set[str] = set()
    org_words: set[str] = set()
    for section in ("org_symbols", "org_domains"):
        for group, aliases in (sym.get(section) or {}).items():
            target = "".join(_phrase(group))
            org_targets.add(target)
            for alias in [group, *(aliases or [])]:
                key = _phrase(alias)
                if len(key) == 1:
                    if not _one_word_symbol(str(alias), section, target):
                        continue
                    single.setdefault(key[0], target)
                    if section == "org_symbols":
                        org_words.add(key[0])
                elif key:
                    phrases.append((key, target))
    person_words: set[str] = set()  # a person's name and its spellings: a name word, not a generic one
    for _group, aliases in (sym.get("person_name_parts") or {}).items():
        aliases = [a for a in (aliases or []) if a]
        if not aliases:
            continue
        target = "".join(_phrase(aliases[0]))
        person_words.add(target)
        for alias in aliases:
            key = _phrase(alias)
            if len(key) == 1:
                if _one_word_symbol(str(alias), "person_name_parts", target):
                    single.setdefault(key[0], target)
                    person_words.add(key[0])
            elif key:
                phrases.append((key, target))
    legal_word_set: set[str] = set()
    legal_raw: list[tuple[tuple[str, ...], str]] = []
    legal_types: dict[str, str] = {}
    for entry in org_types:
        canonical_src = entry.get("compare") or entry.get("display") or entry.get("generic")
        if not canonical_src:
            continue
        canonical = "".join(_phrase(canonical_src))
        if not canonical:
            continue
        kind = "".join(_phrase(entry["generic"])) if entry.get("generic") else ""
        legal_types.setdefault(canonical, kind or canonical)
        for form in [*entry.get("aliases", []), entry.get("display"), entry.get("compare")]:
            if form:
                key = _phrase(form)
                if key:
                    legal_raw.append((key, canonical))
                    legal_word_set.update(key)
    # A word that is itself a whole legal form ("ltd", "gmbh") stays a legal form, not a symbol.
    single_legal = {k[0] for k, _ in legal_raw if len(k) == 1}
    single = {w: t for w, t in single.items() if w not in single_legal}
    # A word's symbol may itself be a spelling with a symbol ("korporatsiya" -> "corp", "corp" -> "co";
    # "commerciell" -> "commercial" -> "commerce"): follow the chain, so every spelling ends on one symbol.
    for w in list(single):
        seen = {w}
        target = single[w]
        while target in single and single[target] != target and target not in seen:
            seen.add(target)
            target = single[target]
        single[w] = target

    def mapped(key: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(single.get(w, w) for w in key)

    legal: dict[tuple[str, ...], str] = {}
    for key, canonical in legal_raw:
        legal.setdefault(mapped(key), canonical)
    symbols: dict[tuple[str, ...], str] = {}
    for key, target in phrases:
        mk = mapped(key)
        if mk not in legal:
            symbols.setdefault(mk, single.get(target, target))
    stop = _load_yaml("stopwords.yml")
    person_prefixes = frozenset(k for k in (_phrase(p) for p in stop["PERSON_NAME_PREFIXES"]) if k)
    org_prefixes = frozenset(k for k in (_phrase(p) for p in stop["ORG_NAME_PREFIXES"]) if k)
    digit_letters: dict[str, str] = {}
    for a, b in _load_yaml("compare.yml")["similar_pairs"]:
        a, b = str(a), str(b)
        if a.isdigit() and b.isalpha():
            digit_letters.setdefault(a, b)
        elif b.isdigit() and a.isalpha():
            digit_letters.setdefault(b, a)
    given, given_phrases = _compile_given_names()
    parts = _load_yaml("person_parts.yml", NAMES_DIR)
    titles = frozenset(k for k in (_phrase(p) for p in parts["titles"]) if k)
    titles_after = frozenset(w for p in parts.get("titles_after", []) for w in _phrase(p)[:1])
    particles = frozenset(w for p in parts["particles"] for w in _phrase(p)[:1])
    patronymics = tuple(sorted({w for p in parts["patronymic_suffixes"] for w in _phrase(p)[:1]}))
    generic = frozenset(org_targets) | frozenset(legal.values())
    generic |= frozenset(w for w in single if len(w) >= 3 and w not in person_words)
    generic |= frozenset(w for w in legal_word_set if len(w) >= 4)
    return _Tables(
        legal=legal,
        single=single,
        symbols=symbols,
        symbol_targets=frozenset(org_targets) | frozenset(legal.values()),
        generic_words=generic,
        org_words=frozenset(org_words),
        legal_forms=frozenset(k[0] for k in legal if len(k) == 1),
        legal_words=frozenset(w for k in legal for w in k if len(w) >= 3),
        legal_first=frozenset(k[0] for k in legal),
        symbol_first=frozenset(k[0] for k in symbols),
        person_prefixes=person_prefixes,
        org_prefixes=org_prefixes,
        max_legal=max(len(k) for k in legal),
        max_symbol=max(len(k) for k in symbols),
        max_prefix=max(len(k) for k in person_prefixes | org_prefixes | titles),
        digit_letters=digit_letters,
        legal_types=legal_types,
        given=given,
        given_phrases=given_phrases,
        titles=titles,
        titles_after=titles_after,
        particles=particles,
        patronymic_suffixes=patronymics,
    )


def is_patronymic(token: str) -> bool:
    """Whether a name word is a patronymic by its ending ("vladimirovich", "petrovna", "ogly")."""
    suffixes = tables().patronymic_suffixes
    return any(token.endswith(s) and (len(token) >= len(s) + 3 or token == s) for s in suffixes)


def _compile_given_names() -> tuple[dict[str, str], dict[tuple[str, ...], str]]:
    """given_names.yml as two lookups: a one-word Latin spelling -> its group's key (for similarity), and a
    spelling written in another script, or of several words, romanised -> the key (for readings). A spelling
    in two groups is left out of both: it cannot say which name it is."""
    groups = _load_yaml("given_names.yml", NAMES_DIR)["given_names"]
    given: dict[str, set[str]] = {}
    given_phrases: dict[tuple[str, ...], set[str]] = {}
    for key, members in groups.items():
        target = "".join(_phrase(key))
        for alias in [key, *(members or [])]:
            words = _phrase(str(alias))
            if not words:
                continue
            if len(words) == 1 and str(alias).isascii():
                given.setdefault(words[0], set()).add(target)
            else:
                given_phrases.setdefault(words, set()).add(target)
    return (
        {w: next(iter(t)) for w, t in given.items() if len(t) == 1},
        {k: next(iter(t)) for k, t in given_phrases.items() if len(t) == 1},
    )


def given_name_phrases() -> dict[tuple[str, ...], str]:
    """Given names written in another script or in several words (romanised words -> the Latin key)."""
    return tables().given_phrases


@lru_cache(maxsize=1)
def given_name_members() -> dict[str, tuple[str, ...]]:
    """Each given-name group's key -> its one-word Latin spellings (the key among them)."""
    out: dict[str, list[str]] = {}
    for w, key in tables().given.items():
        out.setdefault(key, []).append(w)
    return {k: tuple(sorted(v)) for k, v in out.items()}


def romanised_words(text: str) -> list[str]:
    """The words of ``text`` romanised by the default transliteration (as :func:`normalize_name` sees them)."""
    return _words(_clean(text)[0])


def _fold_digits(word: str, digit_letters: dict[str, str]) -> str:
    """'H0NG' -> 'hong': digits among letters, where the word is mostly letters."""
    if word.isalpha() or word.isdigit():
        return word
    letters = sum(ch.isalpha() for ch in word)
    digits = len(word) - letters
    if letters < 2 or digits >= letters or not all(ch in digit_letters for ch in word if ch.isdigit()):
        return word
    return "".join(digit_letters.get(ch, ch) for ch in word)


def _match_legal(words: list[str], i: int, t: _Tables) -> tuple[int, str] | None:
    if words[i] not in t.legal_first:
        return None
    n = len(words)
    for size in range(min(t.max_legal, n - i), 0, -1):
        key = tuple(words[i : i + size])
        form = t.legal.get(key)
        if form is None:
            continue
        # Short single-word forms ("sa", "as", "ag") only count at either end of the name; forms made
        # of single letters ("a s" from "A/S") only at the end ("A & S Carrier" keeps its initials).
        if size == 1 and len(key[0]) <= 3 and 0 < i and i + size < n:
            continue
        # Two-letter forms ("yu", "ag", "sa") only in names of three words or more: "Fang Yu" is a person.
        if size == 1 and len(key[0]) <= 2 and n < 3:
            continue
        if size > 1 and all(len(w) == 1 for w in key) and i + size < n:
            continue
        return size, form
    return None


def _split_last_first(text: str, t: _Tables) -> str:
    """'PUTIN, Vladimir' -> 'Vladimir PUTIN' (not when the part after the comma is a legal form)."""
    if text.count(",") != 1:
        return text
    head, tail = (p.strip() for p in text.split(","))
    tail_words = _words(tail)
    head_words = _words(head)
    if not tail_words or not head_words or len(tail_words) > 4 or len(head_words) > 4:
        return text
    mapped = [t.single.get(w, w) for w in tail_words]
    if _match_legal(mapped, 0, t) is not None or tuple(mapped) in t.symbols:
        return text
    return f"{tail} {head}"


def _has_name_word(words: list[str], t: _Tables) -> bool:
    """Whether ``words`` have a word that is no org word, legal-form word or connector: only then is a title
    before them a title ("General Ivanov"); before org words alone it is the name ("General Technology Ltd",
    "MRS International")."""
    generic = t.generic_words
    return any(
        w not in CONNECTORS and t.single.get(w, w) not in generic and w not in t.legal_forms and w not in t.legal_words
        for w in words
    )


def same_legal_form(a: Sequence[str], b: Sequence[str]) -> bool:
    """Whether legal forms ``a`` and ``b`` (canonical) name the same form: the same form, or a form and the
    generic term it translates to ("OOO"/"LLC", "АО"/"JSC", "GmbH"/"LLC"). Two national forms of one broad
    kind ("Inc"/"Ltd", both "llc" to rigour) are not the same form."""
    return _same_legal_form(tuple(a), tuple(b))


@lru_cache(maxsize=4096)  # asked once per candidate name scored: few distinct pairs of forms
def _same_legal_form(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    if set(a) & set(b):
        return True
    kinds = tables().legal_types
    ka = {kinds.get(f, f) for f in a}
    kb = {kinds.get(f, f) for f in b}
    return bool(ka & set(b)) or bool(kb & set(a))


def canon(word: str) -> str:
    """A single normalised word mapped to its symbol, if it has one ("elektronika" -> "electronic")."""
    return tables().single.get(word, word)


def normalize_name(name: str, corrections: Mapping[str, str] | None = None, kind: str = "any") -> NormName:
    """Normalise one name (see the module docstring). ``corrections`` replaces words (after
    transliteration) before legal forms are found: the screener uses it to repair misspelt legal-form
    and org words of a query ("joint stokc company"). ``kind="person"``: the name is known to be a person's,
    and no legal forms are looked for in it ("Yu", "Pa", "Bo" are names there)."""
    if corrections:
        return _normalize(name, corrections, kind)
    return _normalize_cached(name, kind)


@lru_cache(maxsize=200_000)
def _normalize_cached(name: str, kind: str = "any") -> NormName:
    return _normalize(name, None, kind)


def _normalize(name: str, corrections: Mapping[str, str] | None, kind: str = "any") -> NormName:
    t = tables()
    text, abjad, syllabic = _clean(name)
    swapped = _split_last_first(text, t)
    as_written = _words(swapped)  # digits kept as written: "SET1" ~ "SET 1", not "seti"
    words = [_fold_digits(w, t.digit_letters) for w in as_written]
    if corrections:
        words = [part for w in words for part in corrections.get(w, w).split()]
        as_written = [part for w in as_written for part in corrections.get(w, w).split()]
    bag = " ".join(sorted(as_written))
    compact: tuple[str, ...] = ("".join(as_written),)
    if swapped is not text:
        other = _words(text)
        if corrections:
            other = [part for w in other for part in corrections.get(w, w).split()]
        if "".join(other) != compact[0]:
            compact = (compact[0], "".join(other))
    # Leading titles / articles; titles written after a person's name ("Putyin elnök").
    changed = True
    titled = False
    while changed and len(words) > 1:
        changed = False
        for size in range(min(t.max_prefix, len(words) - 1), 0, -1):
            key = tuple(words[:size])
            if (key in t.person_prefixes or key in t.org_prefixes or key in t.titles) and _has_name_word(
                words[size:], t
            ):
                titled = titled or key in t.titles or key in t.person_prefixes
                words = words[size:]
                changed = True
                break
    while len(words) > 1 and words[-1] in t.titles_after and _has_name_word(words[:-1], t):
        words = words[:-1]
        titled = True
    raw_words = words
    words = [t.single.get(w, w) for w in words]
    core: list[str] = []
    written: list[str] = []
    legal: list[str] = []
    legal_written: list[str] = []
    i = 0
    n = len(words)
    lead: str | None = None  # a two-letter legal form written first ("SB" of "SB SECURITIES SA")
    while i < n:
        hit = _match_legal(words, i, t) if kind != "person" else None
        if hit is not None:
            size, form = hit
            if i == 0 and size == 1 and len(words[0]) == 2:
                lead = form
            legal.append(form)
            legal_written.extend(raw_words[i : i + size])
            i += size
            continue
        matched = False
        for size in range(min(t.max_symbol, n - i) if words[i] in t.symbol_first else 1, 1, -1):
            sym = t.symbols.get(tuple(words[i : i + size]))
            if sym is not None:
                core.append(sym)
                written.append("")
                i += size
                matched = True
                break
        if not matched:
            if words[i] not in CONNECTORS:
                core.append(words[i])
                written.append(raw_words[i] if raw_words[i] != words[i] else "")
            i += 1
    if lead is not None and len(legal) > 1 and core and not same_legal_form((lead,), legal[1:]):
        # A name has one legal form: two letters first that are a form of another kind than the name's own
        # ("SB SECURITIES SA", "KB LINES LIMITED", "RT-CAPITAL LLC") are the name's initials, not its form.
        legal.remove(lead)
        core.insert(0, words[0])
        written.insert(0, raw_words[0] if raw_words[0] != words[0] else "")
        legal_written = [w for w in legal_written if w != raw_words[0]]
    if not core:
        # Nothing but legal forms / connectors: keep the words as the name ("Trading Co Ltd").
        core = [w for w in words if w] or raw_words
        written = [""] * len(core)
        legal = []
        legal_written = []
    return NormName(
        tokens=tuple(core),
        legal=tuple(legal),
        abjad=tuple(sorted(w for w in set(core) if w in abjad)),
        syllabic=tuple(sorted(w for w in set(core) if w in syllabic)),
        bag=bag,
        compact=compact,
        written=tuple(written) if any(written) else (),
        legal_written=tuple(w for w in dict.fromkeys(legal_written) if w not in legal),
        titled=titled,
    )
