"""Scoring one query name against one listed name, and the evidence around it.

The name score combines two features, both in [0, 1]:

* ``token_score`` — the query's tokens are aligned one-to-one with the listed name's tokens (greedy, best
  similarity first; two adjacent tokens may align with one, "hua wei" ~ "huawei"). Each token weighs its
  IDF over the loaded lists, so a rare token ("huawei") counts far more than a common one ("tech",
  "trade"). ``query_coverage`` is the share of the query's weight that found a partner (times the
  similarity), ``listed_coverage`` the same for the listed name; ``token_score`` is
  ``query_coverage ** s * listed_coverage ** (1 - s)`` with ``s = query_coverage_share`` (0.7: a listed word
  the query leaves out costs less than a query word the listed name lacks). A legal-form word that found no
  partner counts ``unmatched_legal_word_factor`` of its weight (a reordered or misspelt legal form); a short
  query word that is the listed name's own legal form misspelt ("aoo" for OOO, "jsk" for JSC) counts 0. A
  listed organisation's word left out between two words the query has, in order ("Wah Plant" for "Wah
  Munitions Plant"), counts ``inner_word_factor`` of its weight (the same legal form on both sides frames a
  name like a word). A token mapped to an org symbol is also compared as the word written ("marina" ~
  "marine" -> "maritime").
* ``char_similarity`` — the better of rapidfuzz ``token_sort_ratio`` of the two normalised names and
  ``ratio`` of the names with spaces removed (split/joined words).

``name_score = token_weight * token_score + char_weight * char_similarity``, then multiplied by
``distinctiveness`` (< 1 when the matched tokens are all common words) and, for weak aliases, by
``weak_alias_factor``. A query with the listed name's written words in another order, or its letters
spaced differently, scores at least ``raw_form_similarity`` times the listed name's distinctiveness
(:func:`apply_raw_form`, named ``raw_form`` in the explanation). Country, entity type, date of birth,
identifiers and legal form (the same form supports, a form of another kind contradicts, a form and the generic
term it translates to are neutral) then add or subtract a bounded amount (:func:`evidence`). Every number is
returned in the explanation.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

from exportgate.screen.config import MatchConfig
from exportgate.screen.model import EntityType, ListedEntity
from exportgate.screen.normalize import is_patronymic, same_legal_form, tables

VOWELS = frozenset("aeiouy")
SHORT_FOLD_SIMILARITY = 0.85  # two short tokens equal only after transliteration folding ("ly"/"li")
FOLD_MIN_LENGTH = 4
INITIAL_SIMILARITY = 0.75  # an initial against a name starting with that letter  # "coty"/"koti", "ith"/"itt": too short for transliteration folding to be evidence
# Two spellings of one given name in the given-name table (data/reference/names/given_names.yml): the same name
# in another language or romanisation ("alexandros"/"alexander", "volodymyr"/"vladimir"), not the same word.
GIVEN_NAME_SIMILARITY = 0.92
# An abjad word whose consonants match only with the letters that script cannot tell apart merged (Arabic has
# no p or v: "بوتن" bwtn ~ "putin", "فلادمير" fldmyr ~ "vladimir"; و/ي/ו are vowel letters): weaker than
# the plain consonant skeleton (0.9).
LOOSE_ABJAD_SIMILARITY = 0.85
_YEAR = re.compile(r"(1[89]\d\d|20\d\d)")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_ID_CLEAN = re.compile(r"[^0-9A-Z]")


def skeleton(token: str) -> str:
    """Consonant skeleton: vowels dropped, k-like letters merged, doubles collapsed ("mohammed" -> "mhmd")."""
    out: list[str] = []
    for ch in token:
        if ch in VOWELS:
            continue
        if ch in "cq":
            ch = "k"
        elif ch == "w":
            ch = "v"
        if out and out[-1] == ch:
            continue
        out.append(ch)
    return "".join(out)


_FOLD_PAIRS = [
    ("shch", "sh"), ("sch", "sh"), ("tch", "ch"), ("dzh", "j"), ("dj", "j"), ("zh", "j"), ("kh", "h"),
    ("gh", "g"), ("ph", "f"), ("th", "t"), ("ck", "k"), ("ou", "u"), ("oo", "u"), ("ee", "i"), ("iy", "i"),
    ("yi", "i"), ("ie", "i"), ("ch", "\x01"), ("w", "v"), ("y", "i"), ("q", "k"), ("c", "k"), ("x", "ks"),
    ("\x01", "ch"),
]  # fmt: skip


@lru_cache(maxsize=1)
def _given() -> dict[str, str]:
    """The given-name table's one-word spellings -> group (normalize.tables().given)."""
    return tables().given


@lru_cache(maxsize=300_000)
def phonetic_fold(token: str) -> str:
    """Fold common transliteration variants ("dzhabarin" -> "jabarin", "khaled" -> "haled", "yasser" ->
    "iaser") and collapse doubled letters."""
    for a, b in _FOLD_PAIRS:
        if a in token:
            token = token.replace(a, b)
    out: list[str] = []
    for ch in token:
        if not out or out[-1] != ch:
            out.append(ch)
    folded = "".join(out)
    # German/French spellings of Russian surname endings: "ustinoff" ~ "ustinov", "korneeff" ~ "korneev".
    if len(folded) >= 5 and folded[-2:] in ("of", "ef"):
        folded = folded[:-1] + "v"
    return folded


@lru_cache(maxsize=500_000)
def token_similarity(a: str, b: str, short_length: int = 3, edit_cost: float = 1.0) -> float:
    """Similarity of two normalised tokens in [0, 1]: ``1 - edit_cost * edits / length`` (optimal string
    alignment: a transposition is one edit), on the tokens as written or, less 0.05, after folding
    transliteration variants (:func:`phonetic_fold`, tokens of FOLD_MIN_LENGTH+ characters only). Tokens
    of ``short_length`` characters or fewer must be equal, or equal once folded (SHORT_FOLD_SIMILARITY);
    digits only match digits."""
    if a == b:
        return 1.0
    if a.isdigit() or b.isdigit():
        return 0.0
    group = _given().get(a)
    if group is not None and group == _given().get(b):
        return GIVEN_NAME_SIMILARITY
    if len(a) <= short_length or len(b) <= short_length:
        # Short tokens must be equal, or the same after folding transliteration variants ("ly" ~ "li",
        # "wey" ~ "wei", "jsk" ~ "jsc"), which is weaker evidence than in a long word.
        if len(a) >= 2 and len(b) >= 2 and phonetic_fold(a) == phonetic_fold(b):
            return SHORT_FOLD_SIMILARITY
        return 0.0
    raw = 1.0 - edit_cost * OSA.distance(a, b) / max(len(a), len(b))
    if len(a) < FOLD_MIN_LENGTH or len(b) < FOLD_MIN_LENGTH:
        return max(0.0, raw)
    fa, fb = phonetic_fold(a), phonetic_fold(b)
    if fa == fb:
        return max(raw, 0.95)
    folded = 1.0 - edit_cost * OSA.distance(fa, fb) / max(len(fa), len(fb)) - 0.05
    return max(0.0, raw, folded)


@lru_cache(maxsize=100_000)
def abjad_similarity(a: str, b: str) -> float:
    """For a token transliterated from an abjad script (vowels unwritten: "mhmd"): 0.9 when its consonant
    skeleton equals the other token's ("mohamed"), else 0."""
    sa, sb = skeleton(phonetic_fold(a)), skeleton(phonetic_fold(b))
    if len(sa) >= 2 and sa == sb:
        return 0.9
    la, lb = loose_skeleton(a, True), loose_skeleton(b)
    return LOOSE_ABJAD_SIMILARITY if len(la) >= 3 and la == lb else 0.0


_LOOSE_MERGE = str.maketrans({"p": "b", "f": "b", "v": "b", "w": "b", "q": "k", "c": "k", "x": "k"})


@lru_cache(maxsize=100_000)
def loose_skeleton(token: str, abjad: bool = False) -> str:
    """Consonants with the letters an abjad cannot tell apart merged (p/f/b/v/w, k/q/c), vowels dropped,
    doubles collapsed ("putin" -> "btn"). ``abjad``: the token was written in an abjad, where w, v (و, ו)
    and y (ي, י) after the first letter are vowel letters: dropped too ("bwtyn" -> "btn")."""
    out: list[str] = []
    for k, ch in enumerate(token):
        if ch in "aeiouy" or (abjad and k and ch in "wv"):
            continue
        ch = ch.translate(_LOOSE_MERGE)
        if out and out[-1] == ch:
            continue
        out.append(ch)
    return "".join(out)


@lru_cache(maxsize=8)
def legal_form_words(extra: tuple[str, ...] = ()) -> frozenset[str]:
    """Words of legal-form phrases ("joint", "stock", "liability") and one-word forms ("jsc"), plus
    ``extra``."""
    t = tables()
    words = frozenset(w for key in t.legal for w in key if len(w) >= 3) | {f for f in t.legal_forms if len(f) >= 3}
    # Organisation symbols that also occur in some legal form ("bank", "trade", "industry") describe the
    # business or say "company" ("co"), and stay as they are.
    org = t.symbol_targets - t.legal_forms
    return (words - org) | frozenset(extra)


@lru_cache(maxsize=50_000)
def _legal_variant(token: str, form: str) -> bool:
    if token == form:
        return True
    if len(form) < 2 or form.isdigit() or token.isdigit():
        return False
    return OSA.distance(token, form) <= 1 or phonetic_fold(token) == phonetic_fold(form)


def _is_legal_variant(token: str, forms: Sequence[str]) -> bool:
    """``token`` is one of ``forms`` (canonical legal forms) one edit away, or equal once transliteration
    variants are folded."""
    return any(_legal_variant(token, f) for f in forms)


@dataclass(slots=True)
class TokenAlignment:
    query: tuple[int, ...]
    listed: tuple[int, ...]
    similarity: float


JOINED_FORMS_CACHE = 65_536  # names whose adjacent words written together are remembered


def _joined_forms(tokens: Sequence[str]) -> tuple[tuple[tuple[str, int], ...], ...]:
    """For each pair of adjacent tokens, the pair written together in either order, as a word (mapped to its
    symbol: "tec hnology" -> "technology" -> "tech"), with its length. A query's tokens are aligned with
    every candidate's, a listed name's with every query that finds it: remembered for token tuples (the
    symbol table is the reference data's, fixed for the process, like the other caches of this module)."""
    if isinstance(tokens, tuple):
        return _joined_forms_cached(tokens)
    return _make_joined_forms(tokens)


@lru_cache(maxsize=JOINED_FORMS_CACHE)
def _joined_forms_cached(tokens: tuple[str, ...]) -> tuple[tuple[tuple[str, int], ...], ...]:
    return _make_joined_forms(tokens)


def _make_joined_forms(tokens: Sequence[str]) -> tuple[tuple[tuple[str, int], ...], ...]:
    single = tables().single  # canon(): a word mapped to its symbol
    out: list[tuple[tuple[str, int], ...]] = []
    for i in range(len(tokens) - 1):
        forms: list[tuple[str, int]] = []
        for raw in {tokens[i] + tokens[i + 1], tokens[i + 1] + tokens[i]}:
            joined = single.get(raw, raw)
            forms.append((joined, len(joined)))
        out.append(tuple(forms))
    return tuple(out)


def align(
    q: Sequence[str],
    n: Sequence[str],
    min_sim: float,
    short_length: int,
    edit_cost: float = 1.0,
    abjad: frozenset[str] | tuple[str, ...] = (),
    exact_only: frozenset[str] | tuple[str, ...] = (),
    q_written: Sequence[str] = (),
    n_written: Sequence[str] = (),
) -> list[TokenAlignment]:
    """Greedy one-to-one alignment of query tokens with listed tokens, best similarity first.

    Two adjacent tokens written together on the other side ("hua wei" ~ "huawei", "garant sv" ~
    "garantsv"; either order, since "LAST, First" names get reordered) compete in the same pass, and a
    pair wins a tie against a single token. Pairs whose lengths differ too much to reach ``min_sim`` are
    never compared.
    """
    slack = 1.0 - min_sim
    sim_fn = token_similarity
    pairs: list[tuple[float, int, tuple[int, ...], tuple[int, ...]]] = []
    n_len = [len(b) for b in n]
    rows: Sequence[int] = range(len(q))
    cols: Sequence[int] = range(len(n))
    skipped: tuple[set[int], set[int]] | None = None
    if len(set(q)) == len(q) and len(set(n)) == len(n):
        # No token twice on either side: an exact pair is always taken (only a pair of joined words equal to
        # a word can come first), so tokens with an exact partner need no fuzzy comparison.
        where = {b: j for j, b in enumerate(n)}
        eq: set[int] = set()
        en: set[int] = set()
        for i, a in enumerate(q):
            j = where.get(a)
            if j is not None:
                pairs.append((1.0, 1, (i,), (j,)))
                eq.add(i)
                en.add(j)
        if eq:
            rows = [i for i in rows if i not in eq]
            cols = [j for j in cols if j not in en]
            skipped = (eq, en)

    def singles(rows: Sequence[int], cols: Sequence[int], skip: tuple[set[int], set[int]] | None) -> None:
        for i in rows:
            a = q[i]
            la = len(a)
            vowelless = a in abjad
            exact = a in exact_only
            for j in cols:
                if skip is not None and i not in skip[0] and j not in skip[1]:
                    continue  # compared already
                b = n[j]
                if a == b:
                    if skip is None:  # else it is in already
                        pairs.append((1.0, 1, (i,), (j,)))
                    continue
                if exact:
                    continue
                lb = n_len[j]
                if la == 1 or lb == 1:
                    # An initial stands for a name that starts with it ("P. Ivanov" ~ "Pyotr Ivanov").
                    if (la == 1 and b[0] == a) or (lb == 1 and a[0] == b):
                        pairs.append((INITIAL_SIMILARITY, 1, (i,), (j,)))
                    continue
                s = 0.0
                if vowelless or abs(la - lb) <= slack * max(la, lb) + 2:
                    s = sim_fn(a, b, short_length, edit_cost)
                    if vowelless and s < 0.9:
                        s = max(s, abjad_similarity(a, b))
                if (q_written and q_written[i]) or (n_written and n_written[j]):
                    # A token mapped to its symbol is also compared as the word written ("marina" ~ "marine",
                    # which became "maritime"; "xya" ~ "xia").
                    wa = (q_written[i] if q_written else "") or a
                    wb = (n_written[j] if n_written else "") or b
                    if abs(len(wa) - len(wb)) <= slack * max(len(wa), len(wb)) + 2:
                        s = max(s, sim_fn(wa, wb, short_length, edit_cost))
                if s >= min_sim:
                    pairs.append((s, 1, (i,), (j,)))

    singles(rows, cols, None)
    if len(q) > 1 or len(n) > 1:
        # Joined words: only where the tokens involved have no exact partner already.
        exact_q = {p[2][0] for p in pairs if p[0] == 1.0}
        exact_n = {p[3][0] for p in pairs if p[0] == 1.0}
        free_n = [j for j in range(len(n)) if j not in exact_n]
        free_q = [i for i in range(len(q)) if i not in exact_q]
        if free_n:
            for i, forms in enumerate(_joined_forms(q)):
                if i in exact_q and i + 1 in exact_q:
                    continue
                for joined, lj in forms:
                    for j in free_n:
                        if abs(lj - n_len[j]) <= 3:
                            s = sim_fn(joined, n[j], short_length, edit_cost)
                            if s >= min_sim:
                                pairs.append((s, 2, (i, i + 1), (j,)))
        if free_q:
            for j, forms in enumerate(_joined_forms(n)):
                if j in exact_n and j + 1 in exact_n:
                    continue
                for joined, lj in forms:
                    for i in free_q:
                        if abs(lj - len(q[i])) <= 3:
                            s = sim_fn(q[i], joined, short_length, edit_cost)
                            if s >= min_sim:
                                pairs.append((s, 2, (i,), (j, j + 1)))
    if skipped is not None:
        eq, en = skipped
        if any(p[0] == 1.0 and p[1] == 2 and (eq.intersection(p[2]) or en.intersection(p[3])) for p in pairs):
            # A joined pair may take a token of an exact pair: compare the tokens skipped above after all.
            singles(range(len(q)), range(len(n)), skipped)
    pairs.sort(key=lambda p: (-p[0], -p[1]))
    used_q: set[int] = set()
    used_n: set[int] = set()
    out: list[TokenAlignment] = []
    for s, _, qi, nj in pairs:
        if any(x in used_q for x in qi) or any(x in used_n for x in nj):
            continue
        used_q.update(qi)
        used_n.update(nj)
        out.append(TokenAlignment(qi, nj, s))
    return out


@dataclass(slots=True)
class NameScore:
    score: float
    q_cov: float
    n_cov: float
    token_score: float
    char_sim: float
    distinct: float
    matched_weight: float
    alignment: list[TokenAlignment]
    q_weights: list[float]
    n_weights: list[float]
    raw_form: str = ""  # "reordered" / "respaced" when that decided the score (see apply_raw_form)
    raw_form_score: float = 0.0


def apply_raw_form(
    ns: NameScore, kind: str, listed_weights: Sequence[float], distinctive_weight: float, cfg: MatchConfig
) -> NameScore:
    """The query has the listed name's written words in another order, or its letters spaced differently
    (``kind``, from :meth:`Index.raw_matches`): the name score is at least ``raw_form_similarity``, scaled by
    the distinctiveness of the whole listed name (so "COMPANY STOCK JOINT" still matches nothing). The
    explanation names the feature only where it raised the score."""
    weight = sum(listed_weights)
    distinct = min(1.0, weight / distinctive_weight) ** cfg.distinctive_power if distinctive_weight > 0 else 1.0
    raw = cfg.raw_form_similarity * distinct
    if raw > ns.score:  # only then does the explanation name it: it decided the score
        ns.raw_form = kind
        ns.raw_form_score = raw
        ns.score = raw
        ns.distinct = max(ns.distinct, distinct)
        ns.matched_weight = max(ns.matched_weight, weight)
    return ns


def apply_surname_only(ns: NameScore, family: int | None, cfg: MatchConfig) -> NameScore:
    """A person's surname alone (the query had a person's title, or was typed person) that aligns with the
    listed person's family name (``family``: its token index): the name score is at least
    ``surname_only_similarity`` times that name's distinctiveness and the similarity of the two spellings."""
    if family is None:
        return ns
    for a in ns.alignment:
        if a.listed == (family,) and len(a.query) == 1 and a.similarity >= 0.85:
            score = cfg.surname_only_similarity * ns.distinct * a.similarity
            if score > ns.score:
                ns.raw_form = "surname_only"
                ns.raw_form_score = score
                ns.score = score
    return ns


_RAW_FORM_DETAIL = {
    "reordered": "the same written words in another order",
    "respaced": "the same letters with other spacing",
    "same_name": "the listed name itself after normalisation (same words, same legal form), of common words only",
    "surname_only": "a person's surname alone (after a title, or in a query typed person) equal to the listed family name",
}


def apply_same_name(ns: NameScore, cfg: MatchConfig) -> NameScore:
    """The query is the listed name after normalisation (same words, same legal form): the name score is at
    least ``same_name_similarity`` however common its words are. Common words keep a partial overlap from
    matching ("TRADING CORP" against "ZETA TRADING CORP"), never an exact hit on the listed name itself."""
    if cfg.same_name_similarity > ns.score:
        ns.raw_form = "same_name"
        ns.raw_form_score = cfg.same_name_similarity
        ns.score = cfg.same_name_similarity
    return ns


def score_tokens(
    q_tokens: Sequence[str],
    q_weights: Sequence[float],
    n_tokens: Sequence[str],
    n_weights: Sequence[float],
    distinctive_weight: float,
    cfg: MatchConfig,
    abjad: tuple[str, ...] = (),
    exact_only: tuple[str, ...] = (),
    person: bool = False,
    query_has_legal: bool = False,
    listed_has_legal: bool = False,
    q_written: Sequence[str] = (),
    n_written: Sequence[str] = (),
    listed_legal: Sequence[str] = (),
    same_legal: bool = False,
) -> NameScore:
    """Score a query token list against a listed token list (weights are IDF-like, > 0).

    ``q_weights[i]`` may be ``nan`` for a query token not in the lists' vocabulary: it then takes the
    weight of the listed token it aligns with, or ``distinctive_weight * 2`` when it aligns with nothing.
    """
    alignment = align(
        q_tokens,
        n_tokens,
        cfg.token_min_similarity,
        cfg.short_token_length,
        cfg.edit_cost,
        abjad,
        exact_only,
        q_written,
        n_written,
    )
    qw = list(q_weights)
    for a in alignment:
        unknown = [i for i in a.query if math.isnan(qw[i])]
        if unknown:
            share = sum(n_weights[j] for j in a.listed) / len(a.query)
            for i in unknown:
                qw[i] = share
    qw = [distinctive_weight * 2 if math.isnan(w) else w for w in qw]
    nw = list(n_weights)
    if person and alignment:
        # Particles (bin, ibn, al, van, de) left out or added: "Usama Laden" for "Usama bin Laden".
        particles = tables().particles
        if any(t in particles for t in q_tokens) or any(t in particles for t in n_tokens):
            used_q = {i for a in alignment for i in a.query}
            used_n = {j for a in alignment for j in a.listed}
            f = cfg.particle_factor
            # (a romanised Chinese or Korean syllable is no particle: "bin" of 晨彬)
            qw = [
                w * f if i not in used_q and q_tokens[i] in particles and q_tokens[i] not in exact_only else w
                for i, w in enumerate(qw)
            ]
            nw = [w * f if j not in used_n and n_tokens[j] in particles else w for j, w in enumerate(nw)]
    if person and len(alignment) >= 2 and not exact_only:
        # Middle names, patronymics and second surnames are often left out (or added): once two tokens
        # of a person's name agree, an unmatched token costs only ``middle_name_factor`` of its weight. Not
        # for a query written in Chinese or Korean script (``exact_only``: its syllables): there a syllable
        # more or less is another given name ("王英" is not "WANG, Guo Ying"), not a middle name.
        # A patronymic ("Vladimirovich", "Petrovna") is left out more often still: ``patronymic_factor``.
        used_q = {i for a in alignment for i in a.query}
        used_n = {j for a in alignment for j in a.listed}

        def factor(tok: str) -> float:
            return cfg.patronymic_factor if is_patronymic(tok) else cfg.middle_name_factor

        qw = [w if i in used_q else w * factor(q_tokens[i]) for i, w in enumerate(qw)]
        nw = [w if j in used_n else w * factor(n_tokens[j]) for j, w in enumerate(nw)]
    elif not person and cfg.inner_word_factor != 1.0 and (len(alignment) >= 2 or (same_legal and alignment)):
        # An organisation's name shortened by an inner word ("Wah Plant" for "Wah Munitions Plant", "National
        # Center Jinan" for "National Supercomputing Center Jinan"): the query's words align, in the listed
        # order, with words on both sides of the listed word left out. That word costs ``inner_word_factor``.
        # The same legal form on both sides frames the name too ("TSARGRAD OOO" for "TSARGRAD PARK OOO"), when
        # the query keeps the listed name's first or last word.
        pairs = sorted((a.listed[0], a.query[0]) for a in alignment)
        if all(p[1] < q[1] for p, q in itertools.pairwise(pairs)):
            lo, hi = pairs[0][0], pairs[-1][0]
            if same_legal and (lo == 0 or hi == len(n_tokens) - 1):
                lo, hi = -1, len(n_tokens)
            used_n = {j for a in alignment for j in a.listed}
            nw = [w * cfg.inner_word_factor if lo < j < hi and j not in used_n else w for j, w in enumerate(nw)]
    if cfg.unmatched_legal_word_factor != 1.0 and not person:
        # A word of a legal form that did not align ("COMPANY STOCK RADIOPRIBOR JOINT": a reordered legal
        # form is no longer recognised as one) is evidence of the form, not of the name. "Company" words
        # ("co", "org") count so only when the other side has a legal form set apart (it was spelt there).
        legalish = legal_form_words()
        wider = legal_form_words(cfg.legal_company_words)
        q_legalish = wider if listed_has_legal else legalish
        n_legalish = wider if query_has_legal else legalish
        f = cfg.unmatched_legal_word_factor
        if any(t in q_legalish for t in q_tokens):
            used_q = {i for a in alignment for i in a.query}
            qw = [w * f if i not in used_q and q_tokens[i] in q_legalish else w for i, w in enumerate(qw)]
        if any(t in n_legalish for t in n_tokens):
            used_n = {j for a in alignment for j in a.listed}
            nw = [w * f if j not in used_n and n_tokens[j] in n_legalish else w for j, w in enumerate(nw)]
    if listed_legal and not person:
        # A short query word left unaligned that is the listed name's legal form misspelt or transliterated
        # ("aoo"/"uo" for OOO, "jsk" for JSC, "pti" for PTY, "eg" for AG) is that legal form: like a legal form
        # recognised, it is set apart from the name's words (weight 0).
        used_q = {i for a in alignment for i in a.query}
        for i, tok in enumerate(q_tokens):
            if i in used_q or not 2 <= len(tok) <= 4:
                continue
            if _is_legal_variant(tok, listed_legal):
                qw[i] = 0.0
                continue
            # The listed form in another language ("АО" against a listed "JSC", kept as a word in a two-word
            # name, where "ao" may also be a given name) is set apart the same way.
            form = tables().legal.get((tok,))
            if form is not None and same_legal_form((form,), listed_legal):
                qw[i] = 0.0
    q_total = sum(qw) or 1.0
    n_total = sum(nw) or 1.0
    q_hit = 0.0
    n_hit = 0.0
    for a in alignment:
        q_hit += sum(qw[i] for i in a.query) * a.similarity
        n_hit += sum(nw[j] for j in a.listed) * a.similarity
    q_cov = min(1.0, q_hit / q_total)
    n_cov = min(1.0, n_hit / n_total)
    share = cfg.query_coverage_share
    token_score = math.sqrt(q_cov * n_cov) if share == 0.5 else q_cov**share * n_cov ** (1.0 - share)
    if token_score == 0.0:
        return NameScore(0.0, q_cov, n_cov, 0.0, 0.0, 0.0, 0.0, alignment, qw, nw)
    cq, cn = q_tokens, n_tokens
    if person and any(len(q_tokens[a.query[0]]) == 1 or len(n_tokens[a.listed[0]]) == 1 for a in alignment):
        # Initials ("V. V. Putin"): the characters compared are the names cut to the initials written.
        cq, cn = list(q_tokens), list(n_tokens)
        for a in alignment:
            if len(a.query) == 1 and len(a.listed) == 1:
                i, j = a.query[0], a.listed[0]
                if len(cq[i]) == 1 and len(cn[j]) > 1:
                    cn[j] = cn[j][0]
                elif len(cn[j]) == 1 and len(cq[i]) > 1:
                    cq[i] = cq[i][0]
    char_sim = (
        max(
            fuzz.token_sort_ratio(" ".join(cq), " ".join(cn)),
            fuzz.ratio("".join(cq), "".join(cn)),
        )
        / 100.0
    )
    matched_weight = min(q_hit, n_hit)
    distinct = min(1.0, matched_weight / distinctive_weight) ** cfg.distinctive_power if distinctive_weight else 1.0
    name_score = (cfg.token_weight * token_score + cfg.char_weight * char_sim) * distinct
    return NameScore(
        max(0.0, min(1.0, name_score)),
        q_cov,
        n_cov,
        token_score,
        char_sim,
        distinct,
        matched_weight,
        alignment,
        qw,
        nw,
    )


def explain(
    ns: NameScore,
    q_tokens: Sequence[str],
    n_tokens: Sequence[str],
    distinctive_weight: float,
    cfg: MatchConfig,
) -> dict[str, Any]:
    """The explanation of a name score: aligned tokens with similarity and weights, unmatched tokens,
    feature values and the weights that combine them."""
    qw = ns.q_weights
    n_weights = ns.n_weights
    used_q = {i for a in ns.alignment for i in a.query}
    used_n = {j for a in ns.alignment for j in a.listed}
    return {
        "query_tokens": list(q_tokens),
        "listed_tokens": list(n_tokens),
        "aligned": [
            {
                "query": " ".join(q_tokens[i] for i in a.query),
                "listed": " ".join(n_tokens[j] for j in a.listed),
                "similarity": round(a.similarity, 3),
                "query_weight": round(sum(qw[i] for i in a.query), 3),
                "listed_weight": round(sum(n_weights[j] for j in a.listed), 3),
            }
            for a in ns.alignment
        ],
        "unmatched_query_tokens": [
            {"token": q_tokens[i], "weight": round(qw[i], 3)} for i in range(len(q_tokens)) if i not in used_q
        ],
        "unmatched_listed_tokens": [
            {"token": n_tokens[j], "weight": round(n_weights[j], 3)} for j in range(len(n_tokens)) if j not in used_n
        ],
        "features": {
            "query_coverage": round(ns.q_cov, 4),
            "listed_coverage": round(ns.n_cov, 4),
            "token_score": round(ns.token_score, 4),
            "char_similarity": round(ns.char_sim, 4),
            "distinctiveness": round(ns.distinct, 4),
        },
        "weights": {"token_score": cfg.token_weight, "char_similarity": cfg.char_weight},
        "formula": "(token_weight*token_score + char_weight*char_similarity) * distinctiveness",
        **(
            {
                "raw_form": {
                    "kind": ns.raw_form,
                    "detail": _RAW_FORM_DETAIL[ns.raw_form],
                    "similarity": {
                        "same_name": cfg.same_name_similarity,
                        "surname_only": cfg.surname_only_similarity,
                    }.get(ns.raw_form, cfg.raw_form_similarity),
                    "score": round(ns.raw_form_score, 4),
                    "rule": {
                        "same_name": "name score = max(formula, same_name_similarity)",
                        "surname_only": "name score = max(formula, surname_only_similarity * distinctiveness"
                        " * similarity of the surnames)",
                    }.get(
                        ns.raw_form,
                        "name score = max(formula, raw_form_similarity * distinctiveness of the listed name)",
                    ),
                }
            }
            if ns.raw_form
            else {}
        ),
        "token_score_formula": (
            f"query_coverage^{cfg.query_coverage_share} * listed_coverage^{round(1 - cfg.query_coverage_share, 3)};"
            f" unmatched legal-form words weigh {cfg.unmatched_legal_word_factor} of their IDF"
        ),
        "matched_weight": round(ns.matched_weight, 3),
        "distinctive_weight_needed": round(distinctive_weight, 3),
    }


# --------------------------------------------------------------------------------------------------
# Evidence beyond the name.


def _years(values: Sequence[str]) -> set[int]:
    out: set[int] = set()
    for v in values:
        for m in _YEAR.finditer(v):
            out.add(int(m.group(1)))
    return out


def _dates(values: Sequence[str]) -> set[str]:
    return {m.group(0) for v in values for m in _ISO_DATE.finditer(v)}


def clean_identifier(value: str) -> str:
    return _ID_CLEAN.sub("", value.upper())


# The kinds of identifier the lists write, each under one name, so "passport" given with a query is compared
# with a listed "Passport" and "National ID No." with "national_id".
_ID_KINDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("passport", ("passport",)),
    ("national_id", ("national id", "nationalid", "national identification", "personal id", "cedula", "cédula",
                     "nid", "id card", "identity card", "identification number", "curp")),
    ("tax_id", ("tax id", "taxid", "tin", "inn", "vat", "rfc", "nit", "ruc", "kpp")),
    ("imo", ("imo", "vessel registration identification")),
    ("registration", ("registration", "business registration", "company number", "ogrn", "registry", "register",
                      "unified social credit", "uscc", "bin", "commercial registry")),
    ("swift", ("swift", "bic")),
    ("lei", ("lei", "legal entity identifier")),
)  # fmt: skip


def identifier_kind(kind: str | None) -> str | None:
    """The kind of an identifier under one name ("Passport" -> "passport", "Tax ID No." -> "tax_id"), or
    None when unknown: only identifiers of one kind can contradict each other."""
    if not kind:
        return None
    low = " ".join(kind.lower().replace(".", " ").replace("_", " ").split())
    for name, words in _ID_KINDS:
        if low == name.replace("_", " ") or any(low == w or low.startswith(w + " ") for w in words):
            return name
    return None


def evidence(
    entity: ListedEntity,
    cfg: MatchConfig,
    country: str | None = None,
    type_: EntityType | None = None,
    dob: str | None = None,
    identifiers: Sequence[str] = (),
    query_legal: Sequence[str] = (),
    listed_legal: Sequence[str] = (),
    identifier_kinds: Mapping[str, str] | None = None,
    nationality: str | None = None,
) -> tuple[float, list[dict[str, Any]]]:
    """Adjustment to the name score from the evidence around the name, with one row per fact used.
    ``identifier_kinds``: the kind given for an identifier (value -> "passport", "tax_id" ...): an identifier
    of a kind the listed entry has that equals none of its identifiers of that kind contradicts the match."""
    total = 0.0
    rows: list[dict[str, Any]] = []

    def add(feature: str, value: float, detail: str) -> None:
        nonlocal total
        total += value
        rows.append({"feature": feature, "adjustment": round(value, 4), "detail": detail})

    def against_countries(feature: str, code: str, bonus: float, penalty: float) -> None:
        listed = sorted({c.upper() for c in entity.countries})
        label = "" if feature == "country" else f"{feature} "
        if code.upper() in listed:
            add(feature, bonus, f"{label}{code.upper()} is a listed country ({', '.join(listed)})")
        else:
            add(feature, -penalty, f"{label}{code.upper()} is not among the listed countries ({', '.join(listed)})")

    if country and entity.countries:
        against_countries("country", country, cfg.country_match_bonus, cfg.country_mismatch_penalty)
    if type_ is not None:
        q_person = type_ is EntityType.PERSON
        l_person = entity.type is EntityType.PERSON
        if q_person != l_person:
            add("type", -cfg.type_mismatch_penalty, f"query is {type_.value}, listed entry is {entity.type.value}")
        elif cfg.type_match_bonus:
            add("type", cfg.type_match_bonus, f"both are {entity.type.value}")
    if dob and entity.type is EntityType.PERSON and entity.dates_of_birth:
        q_dates = _dates([dob])
        l_dates = _dates(entity.dates_of_birth)
        q_years = _years([dob])
        l_years = _years(entity.dates_of_birth)
        listed_text = "; ".join(entity.dates_of_birth)
        if q_dates & l_dates:
            add("date_of_birth", cfg.dob_exact_bonus, f"{dob} equals a listed date of birth ({listed_text})")
        elif q_years & l_years:
            add("date_of_birth", cfg.dob_year_bonus, f"year of {dob} equals a listed year ({listed_text})")
        elif q_years and l_years:
            gap = min(abs(a - b) for a in q_years for b in l_years)
            if gap > cfg.dob_year_tolerance:
                add(
                    "date_of_birth",
                    -cfg.dob_mismatch_penalty,
                    f"{dob} is {gap} years from every listed date of birth ({listed_text})",
                )
    if nationality and entity.type is EntityType.PERSON and entity.countries:
        against_countries("nationality", nationality, cfg.nationality_match_bonus, cfg.nationality_mismatch_penalty)
    if identifiers and entity.identifiers:
        listed_ids = {clean_identifier(i.value): i for i in entity.identifiers}
        matched = False
        for raw in identifiers:
            key = clean_identifier(raw)
            if len(key) >= 4 and key in listed_ids:
                ident = listed_ids[key]
                add("identifier", cfg.identifier_match_bonus, f"{raw} equals listed {ident.kind} {ident.value}")
                matched = True
                break
        if not matched and identifier_kinds:
            for raw in identifiers:
                kind = identifier_kind(identifier_kinds.get(raw))
                same_kind = [i for i in entity.identifiers if kind is not None and identifier_kind(i.kind) == kind]
                if same_kind and len(clean_identifier(raw)) >= 4:
                    listed_text = "; ".join(f"{i.kind} {i.value}" for i in same_kind)
                    add(
                        "identifier",
                        -cfg.identifier_mismatch_penalty,
                        f"{kind} {raw} differs from every listed {kind} ({listed_text})",
                    )
                    break
    if query_legal and listed_legal:
        # The same form written ("OOO" both sides) supports the name; a form of another kind ("INC" against a
        # listed "AO") contradicts it; the same kind in another jurisdiction's words ("АО" against "JSC", "OOO"
        # against "LLC") is neither: it is how the name gets translated.
        shared = sorted(set(query_legal) & set(listed_legal))
        if shared:
            if cfg.legal_form_match_bonus:
                add("legal_form", cfg.legal_form_match_bonus, f"legal form {'/'.join(shared)} equals the listed one")
        elif not same_legal_form(query_legal, listed_legal):
            add(
                "legal_form",
                -cfg.legal_form_mismatch_penalty,
                f"legal form {'/'.join(query_legal)} differs from listed {'/'.join(listed_legal)}",
            )
    return total, rows
