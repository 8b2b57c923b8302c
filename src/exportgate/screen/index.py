"""The candidate index over every listed name: no query ever scans all entries.

Built once per snapshot (and cached on disk, keyed by the snapshot's content):

* ``postings``: normalised token -> ids of the names that contain it (token blocking);
* ``deletes``: every vocabulary token of 4+ characters and each of its one-character deletions -> the
  token (a SymSpell-style neighbourhood: finds tokens within one edit, typos and transpositions);
* ``skeletons``: consonant skeleton -> tokens (transliteration variants, vowel-less abjad spellings);
* ``joined``: two adjacent tokens written together -> name ids ("hua wei" listed, "huawei" queried);
* ``df``: in how many entities each token occurs -> IDF weights (rare tokens decide, common ones don't).

A query looks up its tokens (and their fuzzy neighbours), accumulates the IDF weight each name gathers,
and only names that cover enough of the query's weight go on to full scoring.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import os
import pickle
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from exportgate.screen.config import MatchConfig
from exportgate.screen.model import ListedEntity, NameKind
from exportgate.screen.normalize import normalize_name, tables
from exportgate.screen.score import skeleton, token_similarity

INDEX_FORMAT = 3  # bump when the index layout or the normalisation changes (invalidates caches)
SYMBOL_WEIGHT_FACTOR = 0.5  # org words mapped to a symbol ("tech", "co", "trade") are descriptive


@dataclass(slots=True)
class NameRecord:
    entity: int  # index into ``Index.entities``
    kind: NameKind
    value: str
    tokens: tuple[str, ...]
    legal: tuple[str, ...]
    weights: tuple[float, ...] = ()  # IDF of each token (set once the index is built)


@dataclass(slots=True)
class Index:
    entities: list[ListedEntity]
    names: list[NameRecord]
    postings: dict[str, list[int]]
    deletes: dict[str, list[str]]
    skeletons: dict[str, list[str]]
    joined: dict[str, list[int]]
    df: dict[str, int]
    n_entities: int
    fingerprint: str = ""
    _sets: dict[str, frozenset[int]] = field(default_factory=dict)
    _expand_cache: dict[str, list[tuple[str, float]]] = field(default_factory=dict)

    # ---------------------------------------------------------------- weights

    def idf(self, token: str) -> float:
        df = self.df.get(token)
        if df is None:
            return math.nan
        w = math.log((self.n_entities + 1) / (df + 0.5))
        if token in tables().symbol_targets:
            w *= SYMBOL_WEIGHT_FACTOR
        return max(w, 0.05)

    def idf_at_share(self, share: float) -> float:
        """IDF of a token found in ``share`` of all entities (the 'distinctive enough' bar)."""
        return math.log((self.n_entities + 1) / (share * self.n_entities + 0.5))

    # ---------------------------------------------------------------- lookups

    def expand(self, token: str, cfg: MatchConfig) -> list[tuple[str, float]]:
        """Vocabulary tokens similar to ``token`` (itself first when known), with their similarity."""
        cached = self._expand_cache.get(token)
        if cached is not None:
            return cached
        found: dict[str, float] = {}
        if token in self.postings:
            found[token] = 1.0
        if len(token) >= 4:
            probes = {token} | {token[:i] + token[i + 1 :] for i in range(len(token))}
            for p in probes:
                for cand in self.deletes.get(p, ()):
                    if cand not in found:
                        s = token_similarity(token, cand, cfg.short_token_length)
                        if s >= cfg.token_min_similarity:
                            found[cand] = s
        sk = skeleton(token)
        if len(sk) >= 3:
            for cand in self.skeletons.get(sk, ()):
                if cand not in found:
                    s = token_similarity(token, cand, cfg.short_token_length)
                    if s >= cfg.token_min_similarity:
                        found[cand] = s
        best = sorted(found.items(), key=lambda kv: -kv[1])[: cfg.max_token_expansions]
        if len(self._expand_cache) > 200_000:
            self._expand_cache.clear()
        self._expand_cache[token] = best
        return best

    def posting_set(self, token: str) -> frozenset[int]:
        s = self._sets.get(token)
        if s is None:
            s = frozenset(self.postings.get(token, ()))
            self._sets[token] = s
        return s

    def candidates(self, tokens: Sequence[str], cfg: MatchConfig) -> list[int]:
        """Ids of the names worth scoring for this query, most promising first."""
        acc: dict[int, float] = defaultdict(float)
        deferred: list[tuple[str, float]] = []
        total = 0.0
        q_weights: list[float] = []
        for tok in tokens:
            exp = self.expand(tok, cfg)
            w_tok = self.idf(tok)
            if math.isnan(w_tok):
                w_tok = self.idf(exp[0][0]) if exp else self.idf_at_share(cfg.distinctive_df_share) * 2
            total += w_tok
            q_weights.append(w_tok)
            for cand, sim in exp:
                w = self.idf(cand) * sim
                plist = self.postings[cand]
                if len(plist) > cfg.max_postings:
                    deferred.append((cand, w))
                    continue
                for nid in plist:
                    acc[nid] += w
            for nid in self.joined.get(tok, ()):
                acc[nid] += w_tok
        for i, (a, b) in enumerate(itertools.pairwise(tokens)):
            # "hua wei" queried, "huawei" listed: the pair covers both query tokens' weight.
            joined = a + b
            if joined in self.postings and len(self.postings[joined]) <= cfg.max_postings:
                w = q_weights[i] + q_weights[i + 1]
                for nid in self.postings[joined]:
                    acc[nid] += w
        if not acc and deferred:
            # Only common tokens: their intersection is the candidate set (still no full scan).
            sets = sorted((self.posting_set(c) for c, _ in deferred), key=len)
            base = sets[0]
            for s in sets[1:]:
                if len(base & s):
                    base = base & s
            for nid in base:
                acc[nid] += 0.0
        for cand, w in deferred:
            s = self.posting_set(cand)
            for nid in acc:
                if nid in s:
                    acc[nid] += w
        if not acc:
            return []
        total = total or 1.0
        floor = cfg.min_candidate_coverage * total
        ranked = [(w, nid) for nid, w in acc.items() if w >= floor]
        ranked.sort(reverse=True)
        return [nid for _, nid in ranked[: cfg.max_candidates]]


def _fingerprint(entities: Sequence[ListedEntity]) -> str:
    h = hashlib.sha256(f"format={INDEX_FORMAT}".encode())
    for e in entities:
        h.update(e.id.encode("utf-8", "surrogatepass"))
        for n in e.names:
            h.update(b"\x1f")
            h.update(n.value.encode("utf-8", "surrogatepass"))
        h.update(b"\x1e")
    return h.hexdigest()[:24]


def cache_dir() -> Path:
    base = os.environ.get("EXPORTGATE_CACHE_DIR") or os.environ.get("XDG_CACHE_HOME")
    root = Path(base) if base else Path.home() / ".cache"
    return (root / "exportgate") if not os.environ.get("EXPORTGATE_CACHE_DIR") else root


def build_index(entities: Iterable[ListedEntity]) -> Index:
    """Normalise every listed name and build the lookup tables."""
    ents = list(entities)
    names: list[NameRecord] = []
    postings: dict[str, list[int]] = defaultdict(list)
    joined: dict[str, list[int]] = defaultdict(list)
    df: dict[str, int] = defaultdict(int)
    for ei, ent in enumerate(ents):
        seen_tokens: set[str] = set()
        seen_names: set[tuple[tuple[str, ...], tuple[str, ...]]] = set()
        for name in ent.names:
            if not name.value or not name.value.strip():
                continue
            norm = normalize_name(name.value)
            if not norm.tokens:
                continue
            sig = (norm.tokens, norm.legal)
            if sig in seen_names:
                continue
            seen_names.add(sig)
            nid = len(names)
            names.append(NameRecord(ei, name.kind, name.value, norm.tokens, norm.legal))
            for tok in set(norm.tokens):
                postings[tok].append(nid)
            for a, b in itertools.pairwise(norm.tokens):
                joined[a + b].append(nid)
            seen_tokens.update(norm.tokens)
        for tok in seen_tokens:
            df[tok] += 1
    deletes: dict[str, list[str]] = defaultdict(list)
    skeletons: dict[str, list[str]] = defaultdict(list)
    for tok in postings:
        if len(tok) >= 4:
            deletes[tok].append(tok)
            for i in range(len(tok)):
                deletes[tok[:i] + tok[i + 1 :]].append(tok)
        sk = skeleton(tok)
        if len(sk) >= 3:
            skeletons[sk].append(tok)
    idx = Index(
        entities=ents,
        names=names,
        postings=dict(postings),
        deletes=dict(deletes),
        skeletons=dict(skeletons),
        joined=dict(joined),
        df=dict(df),
        n_entities=max(1, len(ents)),
        fingerprint=_fingerprint(ents),
    )
    for rec in names:
        rec.weights = tuple(idx.idf(t) for t in rec.tokens)
    return idx


def load_or_build(entities: Sequence[ListedEntity], use_cache: bool = True) -> Index:
    """Build the index, or load it from the on-disk cache when the same entities were indexed before."""
    if not use_cache:
        return build_index(entities)
    fp = _fingerprint(entities)
    path = cache_dir() / f"screen-index-{fp}.pkl"
    if path.is_file():
        try:
            with path.open("rb") as fh:
                idx = pickle.load(fh)
            if isinstance(idx, Index) and idx.fingerprint == fp:
                idx.entities = list(entities)  # the caller's objects (identical content)
                return idx
        except Exception:  # a corrupt or stale cache is rebuilt, never fatal
            pass
    idx = build_index(entities)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        saved_entities = idx.entities
        idx.entities = []
        try:
            with tmp.open("wb") as fh:
                pickle.dump(idx, fh, protocol=pickle.HIGHEST_PROTOCOL)
        finally:
            idx.entities = saved_entities
        tmp.replace(path)
    except OSError:
        pass
    return idx
