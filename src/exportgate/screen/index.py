"""The candidate index over every listed name: no query ever scans all entries.

Built once per snapshot, and cached on disk as inert columns verified against the matcher's code and the
snapshot's content (:func:`load_or_build`; the layout in :mod:`exportgate.screen.index_store`):

* ``postings``: normalised token -> ids of the names that contain it (token blocking);
* ``deletes``: every vocabulary token of 4+ characters and each of its one-character deletions -> the
  token (a SymSpell-style neighbourhood: finds tokens within one edit, typos and transpositions);
* ``folded``: transliteration-folded spelling -> tokens ("dzhabarin"/"jabarin", "khaled"/"haled");
* ``skeletons``: consonant skeleton -> tokens (vowel-less abjad spellings: "mhmd" -> "mohamed");
* ``loose``: consonant skeleton with the letters an abjad cannot tell apart merged -> tokens ("bwtn" ->
  "putin": Arabic has no p);
* ``joined``: two adjacent tokens written together -> name ids ("hua wei" listed, "huawei" queried);
* ``raw_forms``: each name's written words sorted, and written together without spaces -> name ids (a
  query with the same words in another order, or the same letters spaced differently, finds its name by
  one lookup, whatever legal-form or org-word phrases the reordering or re-spacing broke up);
* ``df``: in how many entities each token occurs -> IDF weights (rare tokens decide, common ones don't).

A query looks up its tokens (and their fuzzy neighbours), accumulates the IDF weight each name gathers,
and only names that cover enough of the query's weight go on to full scoring.
"""

from __future__ import annotations

import hashlib
import heapq
import itertools
import math
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from rapidfuzz.distance import OSA

from exportgate import settings
from exportgate.screen import cachefile
from exportgate.screen.cachefile import CacheError
from exportgate.screen.config import MatchConfig
from exportgate.screen.gcpause import gc_paused
from exportgate.screen.index_store import (
    ENTITY_TYPES,
    IdLists,
    NameRecord,
    NameTable,
    TokenLists,
)
from exportgate.screen.memo import remember
from exportgate.screen.model import EntityType, ListedEntity
from exportgate.screen.normalize import (
    anyascii_version,
    canon,
    given_name_members,
    normalize_name,
    reference_files,
    tables,
)
from exportgate.screen.score import abjad_similarity, loose_skeleton, phonetic_fold, skeleton, token_similarity

GENERIC_WEIGHT_FACTOR = 0.5  # org words ("tech", "co", "trade") and legal-form words are descriptive
LIST_TYPO_DF = 2  # a listed word in at most this many entities may be a list's own misspelling of a legal-form word
RARE_DF = 0  # a query token in at most this many listed entities may be a misspelt org/legal word
IDF_CACHE_SIZE = 500_000  # token weights remembered per index (cleared when full)
GENERIC_SHARE = 0.05  # an unknown misspelt org word weighs like a word in 5% of the entities (halved)


TOKEN_PLAN_CACHE = 200_000  # query tokens whose candidate lookups an index remembers (Index._token_plan)


class _TokenPlan(NamedTuple):
    """What Index.candidates walks for one query token (see Index._token_plan)."""

    first_idf: float | None  # the IDF of its best expansion (an unknown token's weight), None: no expansion
    walk: tuple[tuple[str, float], ...]  # (expansion, weight) whose postings are walked
    walk_sum: float  # their weights added in order
    deferred: tuple[tuple[str, float], ...]  # (expansion, weight) whose postings are too long to walk
    joined: Sequence[int]  # the names with the token written as two words


@dataclass(slots=True)
class Index:
    """The lookup tables (see the module docstring), held as columns (:mod:`exportgate.screen.index_store`).

    ``entities`` is the snapshot's own sequence (entities are decoded from the list cache only when a match
    needs them); ``entity_types`` has each entity's type, which scoring asks of every candidate.
    """

    entities: Sequence[ListedEntity]
    entity_types: list[EntityType]
    names: NameTable
    postings: dict[str, list[int]]
    df: dict[str, int]
    deletes: TokenLists
    skeletons: TokenLists
    loose: TokenLists
    folded: TokenLists
    joined: IdLists
    raw_forms: IdLists
    extra_forms: dict[int, frozenset[str]]  # written forms of names dropped as duplicates of this name id
    n_entities: int
    name_totals: list[float]  # sum of each name's token weights
    fingerprint: str = ""
    _sets: dict[str, frozenset[int]] = field(default_factory=dict)
    _expand_cache: dict[str, list[tuple[str, float]]] = field(default_factory=dict)
    _idf_cache: dict[str, float] = field(default_factory=dict)
    # (token, abjad, max_postings) -> what candidates() walks for that query token: see _token_plan
    _token_plans: dict[tuple[str, bool, int], _TokenPlan] = field(default_factory=dict)

    def warm(self) -> bool:
        """Make ready for many queries, as the index once was in memory: every lookup table a dict (a hash
        probe per lookup instead of a binary search, see index_store._Table) and every name decoded (no
        first-use decoding in a query). A few tenths of a second once. Whether it was ready already."""
        tables = (self.deletes, self.folded, self.skeletons, self.loose, self.joined, self.raw_forms)
        was = all(table.warmed for table in tables) and all(self.names.items)
        with gc_paused():
            for table in tables:
                table.warm()
            self.names.load_all()
        return was

    # ---------------------------------------------------------------- weights

    def set_counts(self, df: dict[str, int], n_entities: int) -> None:
        """Weigh tokens by other word counts (another index's: exportgate.screen.delta); forgets the weights
        computed so far."""
        self.df = df
        self.n_entities = n_entities
        self._idf_cache.clear()
        self._token_plans.clear()

    def idf(self, token: str) -> float:
        """IDF of a listed token (nan when no listed name has it). Org words, their symbols and legal-form
        words weigh ``generic_weight_factor`` of that: they describe a name, they don't identify it.
        Remembered per token (a query asks for the same words again and again; bounded)."""
        w = self._idf_cache.get(token)
        if w is None:
            w = remember(self._idf_cache, token, self._idf(token), IDF_CACHE_SIZE)
        return w

    def _idf(self, token: str) -> float:
        df = self.df.get(token)
        if df is None:
            return math.nan
        w = math.log((self.n_entities + 1) / (df + 0.5))
        t = tables()
        if token in t.generic_words:
            if token in t.legal_words:
                # Legal-form words ("joint", "stock", "sdn") are rare as name tokens only because legal
                # forms usually absorb them: weigh them like a word in GENERIC_SHARE of the entities.
                w = min(w, self.idf_at_share(GENERIC_SHARE))
            w *= GENERIC_WEIGHT_FACTOR
        return max(w, 0.05)

    def idf_at_share(self, share: float) -> float:
        """IDF of a token found in ``share`` of all entities (the 'distinctive enough' bar); in a tiny
        list, at most 0.8 of the IDF of a token found in one entity."""
        n = self.n_entities
        return min(math.log((n + 1) / (share * n + 0.5)), 0.8 * math.log((n + 1) / 1.5))

    def corrections(self, tokens: Sequence[str], cfg: MatchConfig) -> dict[str, str]:
        """Query tokens no listed name has that are one edit from an org/legal word ("compani" ->
        "company", "stokc" -> "stock", "energiia" -> "energiya"): the word to use instead."""
        out: dict[str, str] = {}
        generic = tables().generic_words
        # An org/legal word split in two ("com pany", "limi ted", "servi ces"): one half is no listed
        # token, and the halves written together are an org/legal word of 5+ letters. First, so that a half
        # is not taken for a misspelling on its own ("inves tment": "inves" is one edit from "invest").
        for a, b in itertools.pairwise(tokens):
            joined = a + b
            if a in out or b in out or a == b or len(joined) < 5 or joined not in generic:
                continue
            if a in generic or b in generic or (a in self.df and b in self.df):
                continue
            if tokens.count(a) == 1 and tokens.count(b) == 1:
                out[a] = joined
                out[b] = ""
        legal_words = tables().legal_words
        for i, tok in enumerate(tokens):
            df = self.df.get(tok, 0)
            if tok in out or len(tok) < 4 or tok in generic:
                continue
            if df > RARE_DF:
                # Lists have typos too ("JOINT-STOCK COMANY KHABAROVSKIY SHIPYARD"): a listed word one edit
                # from a legal-form word, next to another word of a legal form, is that word misspelt.
                if df <= LIST_TYPO_DF and any(n in legal_words for n in tokens[max(0, i - 1) : i + 2] if n != tok):
                    near = _near_generic(tok, narrow=True)
                    if near is not None:
                        out[tok] = near
                continue
            # A misspelt word of a multi-word symbol phrase, next to another word of that phrase ("islamic
            # reffolutionary guard corps" -> IRGC, "real etate" -> real estate): the phrase is recognised with
            # the word repaired. First: the neighbour says which word it is ("etate" is also one edit from
            # the org word "state").
            phrase_word = _near_phrase_word(tok, [*tokens[max(0, i - 1) : i], *tokens[i + 1 : i + 2]])
            if phrase_word is not None:
                out[tok] = phrase_word
                continue
            # Unknown words of 5+ letters may be any org/legal word misspelt; a word of 4 letters only a
            # legal-form word or an org word proper ("stck", "grop"; not org domains: short syllables).
            near = _near_generic(tok, narrow=len(tok) < 5)
            if near is not None:
                out[tok] = near
                continue
            if df or len(tok) < 5:
                continue
            if tok in self.joined or self.expand(tok, cfg):
                continue  # two listed words written together, or a misspelling of a listed word
            # An org/legal word written together with the name: "companyrimera", "surlinkgroup", "oooagm".
            for k in range(len(tok) - 3, 2, -1):
                head, tail = tok[:k], tok[k:]
                if _glued_word(head) and tail.isalpha() and len(tail) >= 3:
                    out[tok] = f"{head} {tail}"
                    break
                head, tail = tok[: len(tok) - k], tok[len(tok) - k :]
                if _glued_word(tail) and head.isalpha() and len(head) >= 3:
                    out[tok] = f"{head} {tail}"
                    break
        return out

    def query_weights(self, tokens: Sequence[str], syllables: Collection[str] = ()) -> list[float]:
        """Weights of query tokens: their IDF; an org/legal word no listed name has gets the generic
        weight; any other unknown token nan (it takes its partner's weight when aligned). A one-letter token
        is an initial, which weighs little, unless it is in ``syllables`` (a romanised Han or Hangul
        syllable: "i" of 이광수 is a family name)."""
        out: list[float] = []
        generic = tables().generic_words
        initial = self.idf_at_share(GENERIC_SHARE) * GENERIC_WEIGHT_FACTOR
        singles = sum(len(t) == 1 for t in tokens)
        for k, tok in enumerate(tokens):
            w = self.idf(tok)
            if len(tok) == 1 and tok not in syllables and (k == 0 or singles >= 2):
                # An initial ("V. Putin", "Putin V. V.") says little about which name it stands for, however
                # rarely a listed name has that letter alone. One letter after a word ("Karbon-X") is a word.
                w = initial if math.isnan(w) else min(w, initial)
            elif math.isnan(w) and tok in generic:
                w = initial
            out.append(w)
        return out

    # ---------------------------------------------------------------- lookups

    def expand(self, token: str, cfg: MatchConfig, abjad: bool = False) -> list[tuple[str, float]]:
        """Vocabulary tokens similar to ``token`` (itself first when known), with their similarity."""
        key = ("\x00" if abjad else "") + token
        cached = self._expand_cache.get(key)
        if cached is not None:
            return cached
        found: dict[str, float] = {}
        if token in self.postings:
            found[token] = 1.0

        postings = self.postings

        def consider(cand: str) -> None:
            if cand in found or cand not in postings:
                return
            sim = token_similarity(token, cand, cfg.short_token_length, cfg.edit_cost)
            if abjad and sim < 0.9:
                sim = max(sim, abjad_similarity(token, cand))
            if sim >= cfg.token_min_similarity:
                found[cand] = sim

        if len(token) >= 4:
            deletes = self.deletes.get
            for p in {token} | {token[:i] + token[i + 1 :] for i in range(len(token))}:
                for cand in deletes(p):
                    consider(cand)
        folded = phonetic_fold(token)
        for cand in self.folded.get(folded):
            consider(cand)
        group = tables().given.get(token)
        if group is not None:  # another spelling of the same given name ("alexandros" -> "alexander")
            for cand in given_name_members().get(group, ()):
                consider(cand)
        if abjad:
            sk = skeleton(folded)
            if len(sk) >= 2:
                for cand in self.skeletons.get(sk)[:200]:
                    consider(cand)
            lk = loose_skeleton(token, True)
            if len(lk) >= 3:
                for cand in self.loose.get(lk)[:200]:
                    consider(cand)
        # Ties (many words share a consonant skeleton) go to the spelling closest to the token as written.
        best = sorted(found.items(), key=lambda kv: (-kv[1], OSA.distance(token, kv[0]), kv[0]))
        best = best[: cfg.max_token_expansions]
        if len(self._expand_cache) > 200_000:
            self._expand_cache.clear()
        self._expand_cache[key] = best
        return best

    def raw_matches(self, bag: str, compact: Sequence[str]) -> dict[int, str]:
        """Names with the same written words as the query in another order (``"reordered"``), or the same
        letters spaced differently (``"respaced"``): name id -> which."""
        out: dict[int, str] = {}
        names = self.names.items
        for nid in self.raw_forms.get(bag):
            if (names[nid] or self.names.load(nid)).bag == bag or bag in self.extra_forms.get(nid, ()):
                out[nid] = "reordered"
        for form in compact:
            for nid in self.raw_forms.get(form):
                if nid not in out and (
                    form in (names[nid] or self.names.load(nid)).compact or form in self.extra_forms.get(nid, ())
                ):
                    out[nid] = "respaced"
        return out

    def _token_plan(self, token: str, cfg: MatchConfig, abjad: bool) -> _TokenPlan:
        """What :meth:`candidates` walks for a query token of 2+ characters, which depends on the token alone:
        its fuzzy expansions weighed (listed IDF x similarity) and split into the postings to walk and those
        too long to enumerate, and the names with the token written as two words. Remembered per token (a
        batch names the same words again and again; bounded; forgotten with the weights, set_counts)."""
        key = (token, abjad, cfg.max_postings)
        tp = self._token_plans.get(key)
        if tp is not None:
            return tp
        exp = self.expand(token, cfg, abjad)
        walk: list[tuple[str, float]] = []
        deferred: list[tuple[str, float]] = []
        walk_sum = 0.0
        for cand, sim in exp:
            w = self.idf(cand) * sim
            if len(self.postings[cand]) > cfg.max_postings:
                deferred.append((cand, w))
                continue
            walk.append((cand, w))
            walk_sum += w
        # (tuples: once the collector has seen that they hold no containers, it stops tracking them)
        tp = _TokenPlan(
            self.idf(exp[0][0]) if exp else None,
            tuple(walk),
            walk_sum,
            tuple(deferred),
            self.joined.get(canon(token)),
        )
        return remember(self._token_plans, key, tp, TOKEN_PLAN_CACHE)

    def posting_set(self, token: str) -> frozenset[int]:
        s = self._sets.get(token)
        if s is None:
            s = frozenset(self.postings.get(token, ()))
            self._sets[token] = s
        return s

    def candidates(
        self,
        tokens: Sequence[str],
        cfg: MatchConfig,
        weights: Sequence[float] | None = None,
        abjad: Sequence[str] = (),
    ) -> list[int]:
        """Ids of the names worth scoring for this query, most promising first.

        A name's weight is the sum, over the query tokens it has (or a fuzzy neighbour of them), of their
        IDF; only names reaching ``min_candidate_coverage`` of the query's weight are kept. The postings of
        the lightest tokens, which together cannot lift a name to that floor, are not walked: they only add
        weight to names found through the others (the same candidates, much less work for "X INTERNATIONAL
        TRADING CO" queries).
        """
        acc: dict[int, float] = defaultdict(float)
        deferred: list[tuple[str, float]] = []
        total = 0.0
        q_weights: list[float] = []
        base_weights = list(weights) if weights is not None else self.query_weights(tokens)
        # (postings to walk with their weight, joined-word names, bound of what the token can add)
        plan: list[tuple[Sequence[tuple[str, float]], Sequence[int], float, float]] = []
        deferred_total = 0.0
        for tok, w_tok in zip(tokens, base_weights, strict=True):
            if len(tok) == 1:  # an initial weighs what query_weights gives it, not its listed IDF
                exp = self.expand(tok, cfg, tok in abjad)
                if math.isnan(w_tok):
                    w_tok = self.idf(exp[0][0]) if exp else self.idf_at_share(cfg.distinctive_df_share) * 2
                initial_walk: list[tuple[str, float]] = []
                bound = 0.0
                for cand, sim in exp:
                    w = min(self.idf(cand) * sim, w_tok)
                    if len(self.postings[cand]) > cfg.max_postings:
                        deferred.append((cand, w))
                        deferred_total += w
                        continue
                    initial_walk.append((cand, w))
                    bound += w
                walk: Sequence[tuple[str, float]] = initial_walk
                joined_ids: Sequence[int] = self.joined.get(canon(tok))
            else:
                tp = self._token_plan(tok, cfg, tok in abjad)
                if math.isnan(w_tok):
                    w_tok = tp.first_idf if tp.first_idf is not None else self.idf_at_share(cfg.distinctive_df_share) * 2
                walk = tp.walk
                bound = tp.walk_sum
                for item in tp.deferred:
                    deferred.append(item)
                    deferred_total += item[1]
                joined_ids = tp.joined
            total += w_tok
            q_weights.append(w_tok)
            if joined_ids:
                bound += w_tok
            plan.append((walk, joined_ids, w_tok, bound))
        floor = cfg.min_candidate_coverage * (total or 1.0)
        # The lightest tokens whose bounds, with every deferred weight, stay below the floor: a name found
        # through them alone cannot be a candidate.
        lazy_budget = floor * (1.0 - 1e-9) - deferred_total
        lazy: set[int] = set()
        spent = 0.0
        for k in sorted(range(len(plan)), key=lambda k: plan[k][3]):
            if spent + plan[k][3] >= lazy_budget:
                break
            spent += plan[k][3]
            lazy.add(k)
        for k, (walk, joined_ids, w_tok, _bound) in enumerate(plan):
            if k in lazy:
                continue
            for cand, w in walk:
                if not acc:  # (0.0 + w is w: the same sums as adding to zeros; a posting list has no id twice)
                    acc.update(dict.fromkeys(self.postings[cand], w))
                    continue
                for nid in self.postings[cand]:
                    acc[nid] += w
            for nid in joined_ids:
                acc[nid] += w_tok
        for i, (a, b) in enumerate(itertools.pairwise(tokens)):
            # "hua wei" queried, "huawei" listed: the pair covers both query tokens' weight.
            for joined in {canon(a + b), canon(b + a)}:
                if joined in self.postings and len(self.postings[joined]) <= cfg.max_postings:
                    w = q_weights[i] + q_weights[i + 1]
                    for nid in self.postings[joined]:
                        acc[nid] += w
        if not acc and deferred and not any(plan[k][0] or plan[k][1] for k in lazy):
            # Only common tokens: their intersection is the candidate set (still no full scan).
            sets = sorted((self.posting_set(c) for c, _ in deferred), key=len)
            base = sets[0]
            for s in sets[1:]:
                if len(base & s):
                    base = base & s
            for nid in base:
                acc[nid] += 0.0
        if acc:
            for k in lazy:
                walk, joined_ids, w_tok, _bound = plan[k]
                for cand, w in walk:
                    plist = self.postings[cand]
                    if len(plist) < len(acc):
                        for nid in plist:
                            if nid in acc:
                                acc[nid] += w
                    else:
                        members = self.posting_set(cand)
                        for nid in acc:
                            if nid in members:
                                acc[nid] += w
                for nid in joined_ids:
                    if nid in acc:
                        acc[nid] += w_tok
        for cand, w in deferred:
            s = self.posting_set(cand)
            for nid in acc:
                if nid in s:
                    acc[nid] += w
        if not acc:
            return []
        totals = self.name_totals
        # Rank as the scorer weighs them (score.score_tokens): (approximate) query coverage ** share x listed
        # coverage ** (1 - share), so a name with an extra word ("AL-HASAN, Suhayl Hasan" for "AL-HASAN
        # Hasan") is not pushed below shorter names the scorer ranks lower.
        share = cfg.query_coverage_share
        rest = 1.0 - share
        ranked = [(w**share * min(1.0, w / totals[nid]) ** rest, nid) for nid, w in acc.items() if w >= floor]
        if len(ranked) > cfg.max_candidates:
            ranked = heapq.nlargest(cfg.max_candidates, ranked)
        else:
            ranked.sort(reverse=True)
        out = [nid for _, nid in ranked]
        # A listed name that is one of the query's words, whole ("Abtronics" in "Astana Abtronics Holding"):
        # a candidate however much the other words weigh (one lookup per word in the written forms).
        for tok in dict.fromkeys(tokens):
            if len(tok) >= 4:
                out += [nid for nid in self.raw_forms.get(tok) if nid not in out]
        return out


def _glued_word(part: str) -> bool:
    """A legal form (any length: "ooo", "llc") or an org word of 5+ letters ("group", "company")."""
    t = tables()
    return part in t.legal_forms or (len(part) >= 5 and part in t.generic_words)


@lru_cache(maxsize=1)
def _phrase_words() -> dict[str, frozenset[str]]:
    """Words of 5+ letters of multi-word symbol phrases -> the other words of the phrases they occur in."""
    out: dict[str, set[str]] = defaultdict(set)
    for key in tables().symbols:
        for w in key:
            if len(w) >= 5 and w.isalpha():
                out[w].update(x for x in key if x != w)
    return {k: frozenset(v) for k, v in out.items()}


@lru_cache(maxsize=1)
def _phrase_partners() -> dict[str, frozenset[str]]:
    """The reverse of :func:`_phrase_words`: a word -> the phrase words (5+ letters) it shares a phrase with."""
    out: dict[str, set[str]] = defaultdict(set)
    for w, partners in _phrase_words().items():
        for x in partners:
            out[x].add(w)
    return {k: frozenset(v) for k, v in out.items()}


def _near_phrase_word(token: str, neighbours: Sequence[str]) -> str | None:
    """The word of a multi-word symbol phrase that ``token`` misspells (one edit; two in a word of 9+
    letters), if exactly one is and a neighbouring query word belongs to the same phrase."""
    if len(token) < 5 or not token.isalpha():
        return None
    limit = 2 if len(token) >= 9 else 1
    partners = _phrase_partners()
    # Only the words sharing a phrase with a neighbour can qualify: look those up, not every phrase word.
    near = set().union(*(partners.get(x, ()) for n in neighbours for x in {n, canon(n)}))
    found = [
        w for w in near if abs(len(w) - len(token)) <= limit and OSA.distance(token, w, score_cutoff=limit) <= limit
    ]
    return found[0] if len(found) == 1 else None


@lru_cache(maxsize=2)
def _generic_deletes(narrow: bool = False) -> dict[str, frozenset[str]]:
    t = tables()
    words = (t.legal_words | t.legal_forms | t.org_words) & t.generic_words if narrow else t.generic_words
    out: dict[str, set[str]] = defaultdict(set)
    for w in words:
        if len(w) >= 4:
            out[w].add(w)
            for i in range(len(w)):
                out[w[:i] + w[i + 1 :]].add(w)
    return {k: frozenset(v) for k, v in out.items()}


NEAR_GENERIC_CACHE = 100_000  # query words whose nearest org/legal word (or none) is remembered


@lru_cache(maxsize=NEAR_GENERIC_CACHE)
def _near_generic(token: str, narrow: bool = False) -> str | None:
    """The org/legal word within one edit of ``token`` ("compani" ~ "company"), if exactly one is
    (``narrow``: legal-form words and org words proper only, no org domains)."""
    table = _generic_deletes(narrow)
    found: set[str] = set()
    for p in {token} | {token[:i] + token[i + 1 :] for i in range(len(token))}:
        for w in table.get(p, ()):
            if OSA.distance(token, w) <= 1:
                found.add(w)
    if not found and not narrow:
        # A transliteration variant of an org/legal word ("dzhoint" ~ "joint", "phzco" ~ "fzco").
        found = set(_generic_folds().get(phonetic_fold(token), ()))
    if not found:
        return None
    symbols = {canon(w) for w in found if canon(w) != w}
    if len(symbols) == 1:  # "compani" ~ company / compania / companie, all "co"
        return min(w for w in found if canon(w) in symbols)
    if not symbols and len(found) == 1:
        return found.pop()
    if not symbols:
        # Several legal-form words within one edit ("lmited": "limited", and the variant "limted"):
        # the word found in the most legal-form phrases ("limited"), so the phrase can be recognised.
        uses = _legal_word_uses()
        ranked = sorted(found, key=lambda w: (-uses.get(w, 0), w))
        if uses.get(ranked[0], 0) > uses.get(ranked[1], 0):
            return ranked[0]
    return None


@lru_cache(maxsize=1)
def _generic_folds() -> dict[str, frozenset[str]]:
    out: dict[str, set[str]] = defaultdict(set)
    for w in tables().generic_words:
        if len(w) >= 4:
            out[phonetic_fold(w)].add(w)
    return {k: frozenset(v) for k, v in out.items()}


@lru_cache(maxsize=1)
def _legal_word_uses() -> dict[str, int]:
    """In how many legal-form phrases each word occurs."""
    uses: dict[str, int] = defaultdict(int)
    for key in tables().legal:
        for w in set(key):
            uses[w] += 1
    return dict(uses)


@lru_cache(maxsize=1)
def _builder_fingerprint() -> str:
    """What the index depends on besides the entities: the matcher's code (this package's modules, the cache
    format among them), the reference tables and the transliteration library's version. A change to any of
    them (an upgrade, an edited table) makes a new cache key, so a stale index is never loaded (a
    hand-bumped format number relied on people remembering to bump it)."""
    sources = [*sorted(Path(__file__).parent.glob("*.py")), *reference_files()]
    return cachefile.code_hash(sources, f"anyascii={anyascii_version()}")


def _data_hash(entities: Sequence[ListedEntity]) -> str:
    """What the index is built from: a snapshot's content key when it has one (its list files and loaders
    decide every entity), else every entity's id, type and names."""
    key = getattr(entities, "content_key", None)
    if isinstance(key, str) and key:
        return hashlib.sha256(b"snapshot\x1f" + key.encode()).hexdigest()
    h = hashlib.sha256(b"entities")
    for e in entities:
        h.update(e.id.encode("utf-8", "surrogatepass"))
        h.update(b"\x1d" + e.type.value.encode())
        for n in e.names:
            h.update(b"\x1f")
            h.update(n.value.encode("utf-8", "surrogatepass"))
        h.update(b"\x1e")
    return h.hexdigest()


def _fingerprint(entities: Sequence[ListedEntity], data: str | None = None) -> str:
    """The index's cache key (its file name): the builder's code and the data it indexes."""
    code = _builder_fingerprint()
    return hashlib.sha256(f"{code}|{data or _data_hash(entities)}".encode()).hexdigest()[:24]


def cache_dir() -> Path:
    """Where built indexes are cached (``exportgate.settings.cache_dir``)."""
    return settings.cache_dir()


def build_index(entities: Iterable[ListedEntity]) -> Index:
    """Normalise every listed name and build the lookup tables."""
    with gc_paused():
        return _build_index(entities)


def _build_index(entities: Iterable[ListedEntity]) -> Index:
    ents = entities if isinstance(entities, Sequence) else list(entities)
    names: list[NameRecord | None] = []
    records: list[NameRecord] = []
    postings: dict[str, list[int]] = defaultdict(list)
    joined: dict[str, list[int]] = defaultdict(list)
    df: dict[str, int] = defaultdict(int)
    raw_forms: dict[str, list[int]] = defaultdict(list)
    extra_forms: dict[int, set[str]] = defaultdict(set)
    for ei, ent in enumerate(ents):
        seen_tokens: set[str] = set()
        seen_names: dict[tuple[tuple[str, ...], tuple[str, ...]], int] = {}
        kind = "person" if ent.type is EntityType.PERSON else "any"  # persons' names have no legal forms
        for name in ent.names:
            if not name.value or not name.value.strip():
                continue
            norm = normalize_name(name.value, kind=kind)
            if not norm.tokens:
                continue
            sig = (norm.tokens, norm.legal)
            kept = seen_names.get(sig)
            if kept is not None:
                # The same tokens as another name of this entity: not scored twice, but its written forms
                # (another order, another spacing) still find that name.
                rec = records[kept]
                for form, forms in ((norm.bag, (rec.bag,)), *((c, rec.compact) for c in norm.compact)):
                    if form not in forms and form not in extra_forms[kept]:
                        extra_forms[kept].add(form)
                        raw_forms[form].append(kept)
                continue
            nid = len(records)
            seen_names[sig] = nid
            records.append(
                NameRecord(
                    ei,
                    name.kind,
                    name.value,
                    norm.tokens,
                    norm.legal,
                    (),
                    norm.bag,
                    norm.compact,
                    norm.written,
                    norm.legal_written,
                )
            )
            for form in {norm.bag, *norm.compact}:
                raw_forms[form].append(nid)
            for tok in set(norm.tokens):
                postings[tok].append(nid)
            for a, b in itertools.pairwise(norm.tokens):
                joined[a + b].append(nid)
                joined[b + a].append(nid)
            seen_tokens.update(norm.tokens)
        for tok in seen_tokens:
            df[tok] += 1
    deletes: dict[str, list[str]] = defaultdict(list)
    skeletons: dict[str, list[str]] = defaultdict(list)
    loose: dict[str, list[str]] = defaultdict(list)
    folded: dict[str, list[str]] = defaultdict(list)
    for tok in postings:
        if len(tok) >= 4:
            deletes[tok].append(tok)
            for i in range(len(tok)):
                deletes[tok[:i] + tok[i + 1 :]].append(tok)
        f = phonetic_fold(tok)
        folded[f].append(tok)
        sk = skeleton(f)
        if len(sk) >= 2:
            skeletons[sk].append(tok)
        lk = loose_skeleton(tok)
        if len(lk) >= 3:
            loose[lk].append(tok)
    totals: list[float] = []
    names.extend(records)
    idx = Index(
        entities=ents,
        entity_types=[e.type for e in ents],
        names=NameTable(names),
        postings=dict(postings),
        df=dict(df),
        deletes=TokenLists.build(deletes),
        skeletons=TokenLists.build(skeletons),
        loose=TokenLists.build(loose),
        folded=TokenLists.build(folded),
        joined=IdLists.build(joined, len(records)),
        raw_forms=IdLists.build(raw_forms, len(records)),
        extra_forms={k: frozenset(v) for k, v in extra_forms.items()},
        n_entities=max(1, len(ents)),
        name_totals=totals,
        fingerprint=_fingerprint(ents),
    )
    for rec in records:
        rec.weights = tuple(idx.idf(t) for t in rec.tokens)
        totals.append(sum(rec.weights) or 1.0)
    return idx


# --------------------------------------------------------------------------------------------------
# The on-disk cache (exportgate.screen.cachefile: inert, verified against the code and data hashes)

INDEX_KIND = "screen-index"
CACHE_KEEP = 4  # index files kept in the cache folder (the active lists, the embedded ones, recent versions)


def load_or_build(entities: Sequence[ListedEntity], use_cache: bool = True) -> Index:
    """Build the index, or load it from the on-disk cache when the same entities were indexed by the same
    code before. A cache file that does not verify is ignored and rewritten."""
    if not use_cache:
        return build_index(entities)
    code = _builder_fingerprint()
    data = _data_hash(entities)
    fp = _fingerprint(entities, data)
    folder = cache_dir()
    path = folder / f"screen-index-{fp}{cachefile.SUFFIX}"
    cf = cachefile.read(path, INDEX_KIND, code, data)
    if cf is not None:
        try:
            with gc_paused():
                return _from_cache(cf, entities, fp, path)
        except (ValueError, TypeError, KeyError, IndexError, OverflowError):
            pass  # verified yet unreadable (written by hand): rebuilt below
    idx = build_index(entities)
    try:
        sections = _cache_sections(idx)
    except ValueError:  # a token with a newline: cannot happen for normalised tokens; then no cache
        return idx
    if cachefile.write(path, INDEX_KIND, code, data, sections):
        cachefile.prune(folder, f"screen-index-*{cachefile.SUFFIX}", CACHE_KEEP, path)
        for legacy in folder.glob("screen-index-*.pkl"):  # pickles of earlier versions: never read, removed
            legacy.unlink(missing_ok=True)
    return idx


def _cache_sections(idx: Index) -> dict[str, tuple[str, bytes]]:
    if idx.df.keys() != idx.postings.keys():
        raise ValueError("df and postings have different tokens")
    vocab = list(idx.postings)
    plists = idx.postings.values()
    return {
        "meta": cachefile.json_section({"entities": len(idx.entities), "n_entities": idx.n_entities}),
        "entity_types": cachefile.text_section(t.value for t in idx.entity_types),
        **idx.names.sections(),
        "name_totals": cachefile.f64_section(idx.name_totals),
        "postings.keys": cachefile.text_section(vocab),
        "postings.ids": cachefile.u32_section(itertools.chain.from_iterable(plists)),
        "postings.off": cachefile.u32_section(itertools.accumulate(map(len, plists), initial=0)),
        "df": cachefile.u32_section(idx.df[t] for t in vocab),
        **idx.deletes.sections("deletes"),
        **idx.folded.sections("folded"),
        **idx.skeletons.sections("skeletons"),
        **idx.loose.sections("loose"),
        **idx.joined.sections("joined"),
        **idx.raw_forms.sections("raw_forms"),
        "extra_forms": cachefile.json_section([[k, sorted(v)] for k, v in idx.extra_forms.items()]),
    }


def _from_cache(cf: cachefile.CacheFile, entities: Sequence[ListedEntity], fp: str, path: Path) -> Index:
    """The index from a verified cache file; CacheError (a ValueError) where its columns do not fit
    together or do not fit ``entities``: nothing read here can make a later query fail."""
    meta = cf.json("meta")
    if not isinstance(meta, dict) or meta.get("entities") != len(entities):
        raise CacheError("the cache indexes another number of entities")
    n_entities = meta.get("n_entities")
    if not isinstance(n_entities, int) or n_entities != max(1, len(entities)):
        raise CacheError("n_entities")
    entity_types = [ENTITY_TYPES[v] for v in cf.text("entity_types")]
    if len(entity_types) != len(entities):
        raise CacheError("entity_types")
    df_counts = cf.u32("df")
    vocab = cf.text("postings.keys")
    if len(df_counts) != len(vocab):
        raise CacheError("df")
    df = dict(zip(vocab, df_counts, strict=True))
    names = NameTable.read(cf, len(entities), str(path))
    n_names = len(names)
    totals = cf.f64("name_totals")
    if len(totals) != n_names or not all(map((0.0).__lt__, totals)):
        raise CacheError("name_totals")
    flat = cf.u32("postings.ids").tolist()
    off = cf.u32("postings.off")
    if len(off) != len(vocab) + 1 or off[0] != 0 or off[-1] != len(flat) or (flat and max(flat) >= n_names):
        raise CacheError("postings")
    extra: dict[int, frozenset[str]] = {}
    for row in cf.json("extra_forms"):
        nid, forms = row
        if not isinstance(nid, int) or not 0 <= nid < n_names or not isinstance(forms, list):
            raise CacheError("extra_forms")
        if not all(isinstance(f, str) for f in forms):
            raise CacheError("extra_forms")
        extra[nid] = frozenset(forms)
    return Index(
        entities=entities,
        entity_types=entity_types,
        names=names,
        postings=dict(zip(vocab, [flat[a:b] for a, b in itertools.pairwise(off)], strict=True)),
        df=df,
        deletes=TokenLists.read(cf, "deletes"),
        skeletons=TokenLists.read(cf, "skeletons"),
        loose=TokenLists.read(cf, "loose"),
        folded=TokenLists.read(cf, "folded"),
        joined=IdLists.read(cf, "joined", n_names),
        raw_forms=IdLists.read(cf, "raw_forms", n_names),
        extra_forms=extra,
        n_entities=n_entities,
        name_totals=totals.tolist(),  # a list: read per candidate, and an array would box a float each time
        fingerprint=fp,
    )
