"""The public matching API: :class:`Screener`, :class:`ScreenResult`, :class:`Match`, :func:`compare`."""

from __future__ import annotations

import dataclasses
import gc
import itertools
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence, Sized
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple, Protocol

from exportgate import settings
from exportgate.errors import InputError
from exportgate.screen.config import DEFAULT_CONFIG, MatchConfig
from exportgate.screen.gcpause import gc_paused
from exportgate.screen.index import Index, load_or_build
from exportgate.screen.index_store import NameRecord
from exportgate.screen.memo import remember
from exportgate.screen.model import EntityType, ListedEntity, NameKind
from exportgate.screen.normalize import NormName, canon, normalize_name, same_legal_form, scripts_in, tables
from exportgate.screen.readings import Reading, readings
from exportgate.screen.score import (
    NameScore,
    apply_raw_form,
    apply_same_name,
    apply_surname_only,
    evidence,
    explain,
    score_tokens,
)

_COUNTRY = re.compile(r"^[A-Za-z]{2}$")
_DOB = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_ALLOWED_CONTROLS = {"\t", "\n", "\r"}


class SnapshotLike(Protocol):
    @property
    def entities(self) -> Sequence[ListedEntity]: ...

    @property
    def sources(self) -> Mapping[str, Any]: ...


@dataclass(slots=True)
class Match:
    entity_id: str
    list: str
    name: str
    matched_name: str
    score: float
    country: str | None
    entity_list_footnote: int | None
    license_policy: str | None
    explanation: dict[str, Any]
    strength: str  # "strong" | "potential"
    #: the listed entry's content hash (``ListedEntity.fingerprint``): a decision taken on it records it
    entry_fingerprint: str = ""
    #: the listed entry's details a reviewer needs (``ListedEntity.details``: programmes, addresses, identifiers,
    #: remarks, footnote, licence policy, Federal Register notice ...)
    entry: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "entity_id": self.entity_id,
            "list": self.list,
            "name": self.name,
            "matched_name": self.matched_name,
            "score": self.score,
            "country": self.country,
            "entity_list_footnote": self.entity_list_footnote,
            "license_policy": self.license_policy,
            "explanation": self.explanation,
            "strength": self.strength,
            "entry_fingerprint": self.entry_fingerprint,
            "entry": self.entry,
        }


@dataclass(slots=True)
class ScreenResult:
    query: str
    lists_as_of: dict[str, str]
    matches: list[Match] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error: str | None = None  # set by screen_many for a record it could not screen

    @property
    def best(self) -> Match | None:
        return self.matches[0] if self.matches else None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "query": self.query,
            "lists_as_of": dict(self.lists_as_of),
            "matches": [m.to_json() for m in self.matches],
        }
        if self.error is not None:
            out["error"] = self.error
        return out


# --------------------------------------------------------------------------------------------------
# Input validation


def validate_name(name: object, field_name: str = "name") -> tuple[str, list[str]]:
    """Check a query name; returns it (format characters removed) and any warnings. InputError if bad."""
    if not isinstance(name, str):
        raise InputError(field_name, f"must be text, got {type(name).__name__}")
    most = settings.limit("name_chars")  # EXPORTGATE_MAX_NAME_CHARS (default 1,000)
    if len(name) > most:
        raise InputError(field_name, f"is {len(name)} characters long; at most {most} are screened "
                                     "(limit: EXPORTGATE_MAX_NAME_CHARS)")
    if name.isascii() and name.isprintable():  # the common case: nothing to check character by character
        cleaned = " ".join(name.split())
        if not cleaned:
            raise InputError(field_name, "is empty")
        if not any(ch.isalnum() for ch in cleaned):
            raise InputError(field_name, "has no letters or digits")
        return cleaned, []
    for ch in name:
        if ch in _ALLOWED_CONTROLS:
            continue
        cat = unicodedata.category(ch)
        if cat == "Cc" or cat == "Cs" or ch == "\ufffd":
            what = "an invalid (undecodable) character" if cat == "Cs" or ch == "\ufffd" else "a control character"
            raise InputError(field_name, f"contains {what} (U+{ord(ch):04X}) at position {name.index(ch)}")
    cleaned = "".join(ch for ch in name if unicodedata.category(ch) != "Cf")
    cleaned = " ".join(cleaned.split())
    if not cleaned:
        raise InputError(field_name, "is empty")
    if not any(ch.isalnum() for ch in cleaned):
        raise InputError(field_name, "has no letters or digits")
    warnings: list[str] = []
    scripts = scripts_in(cleaned) - {"UNKNOWN"}
    if len(scripts) > 1:
        warnings.append(
            f"{field_name} mixes scripts ({', '.join(sorted(scripts))}); look-alike letters were folded to Latin"
        )
    return cleaned, warnings


def validate_country(country: object, field_name: str = "country") -> str | None:
    if country is None or (isinstance(country, str) and not country.strip()):
        return None
    if not isinstance(country, str) or not _COUNTRY.match(country.strip()):
        raise InputError(field_name, f"must be an ISO 3166 alpha-2 code such as CN, got {country!r}")
    return country.strip().upper()


def validate_type(type_: object, field_name: str = "type") -> EntityType | None:
    if type_ is None or (isinstance(type_, str) and not type_.strip()):
        return None
    if isinstance(type_, EntityType):
        return type_
    if isinstance(type_, str):
        value = type_.strip().lower()
        if value in {"organization", "organisation", "company"}:
            value = "entity"
        if value == "individual":
            value = "person"
        try:
            return EntityType(value)
        except ValueError:
            pass
    allowed = ", ".join(t.value for t in EntityType)
    raise InputError(field_name, f"must be one of {allowed}, got {type_!r}")


def validate_dob(dob: object, field_name: str = "dob") -> str | None:
    if dob is None or (isinstance(dob, str) and not dob.strip()):
        return None
    if isinstance(dob, date):
        return dob.isoformat()
    if isinstance(dob, int) and 1800 <= dob <= 2100:
        return str(dob)
    if isinstance(dob, str) and _DOB.match(dob.strip()):
        text = dob.strip()
        if len(text) == 10:
            try:
                date.fromisoformat(text)
            except ValueError as exc:
                raise InputError(field_name, f"is not a valid date: {text}") from exc
        return text
    raise InputError(field_name, f"must be YYYY, YYYY-MM or YYYY-MM-DD, got {dob!r}")


def validate_identifiers(identifiers: object, field_name: str = "identifiers") -> list[str]:
    if identifiers is None:
        return []
    if isinstance(identifiers, str):
        return [identifiers] if identifiers.strip() else []
    if isinstance(identifiers, Mapping):
        return [str(v) for v in identifiers.values() if v]
    if isinstance(identifiers, Iterable):
        return [str(v) for v in identifiers if v]
    raise InputError(field_name, "must be a string, a list of strings or a mapping kind -> value")


def identifier_kinds(identifiers: object, values: list[str]) -> tuple[list[str], dict[str, str]]:
    """The identifiers' values and the kind given for each (value -> kind): from a mapping kind -> value, or
    from a string "KIND: VALUE" whose kind is one the lists use (passport, national id, tax id, IMO,
    registration ...), which gives the value after the colon. ``values``: :func:`validate_identifiers`."""
    from exportgate.screen.score import identifier_kind

    kinds: dict[str, str] = {}
    if isinstance(identifiers, Mapping):
        for k, v in identifiers.items():
            if v:
                kinds[str(v)] = str(k)
        return values, kinds
    out: list[str] = []
    for text in values:
        kind, sep, rest = text.partition(":")
        if sep and rest.strip() and identifier_kind(kind) is not None:
            out.append(rest.strip())
            kinds[rest.strip()] = kind.strip()
        else:
            out.append(text)
    return out, kinds


def validate_threshold(threshold: object, field_name: str = "threshold") -> float | None:
    if threshold is None:
        return None
    if isinstance(threshold, bool) or not isinstance(threshold, int | float) or math.isnan(float(threshold)):
        raise InputError(field_name, f"must be a number between 0 and 1, got {threshold!r}")
    if not 0.0 <= float(threshold) <= 1.0:
        raise InputError(field_name, f"must be between 0 and 1, got {threshold}")
    return float(threshold)


# --------------------------------------------------------------------------------------------------


_INDEX_CACHE: dict[int, tuple[Any, Index]] = {}
# An index read from the cache searches its big tables by bisection and decodes a listed name when a query
# first reaches it: nothing to build at start, so a one-name `exportgate screen` stays fast. A screener
# asked this many names, or for a batch, warms the index once (Index.warm: dict tables, every name decoded,
# about 0.4 s): each later query then costs what it did when the whole index was unpickled at start (a
# cold index costs about 7% more per query on the benchmark's names, most of it first-use decoding).
WARM_AFTER_QUERIES = 32
# Names whose readings, weights and candidates a screener remembers (about 2 kB each; forgotten all at once when
# full): customer files name a party again with another country, type or date of birth.
PLAN_CACHE_SIZE = 50_000


class Screener:
    """Screens names against a list snapshot through an index built once per snapshot."""

    def __init__(
        self,
        snapshot: SnapshotLike | None = None,
        *,
        config: MatchConfig | None = None,
        use_cache: bool = True,
        index: Index | None = None,
    ) -> None:
        if snapshot is None:
            from exportgate.screen.lists import load_active

            snapshot = load_active()
        self.snapshot = snapshot
        self.config = config or DEFAULT_CONFIG
        key = id(snapshot.entities)
        cached = _INDEX_CACHE.get(key)
        if index is not None:  # built by the caller for these entities (exportgate.screen.delta)
            self.index = index
        elif cached is not None and cached[0] is snapshot.entities:
            self.index = cached[1]
        else:
            self.index = load_or_build(snapshot.entities, use_cache=use_cache)
            _INDEX_CACHE.clear()
            _INDEX_CACHE[key] = (snapshot.entities, self.index)
            # The index and the objects it decodes as queries reach them live as long as the process: move
            # everything alive now out of the cyclic garbage collector's sight, so no later collection walks
            # it. No gc.collect() first: the index holds no reference cycles (reference counting frees a
            # replaced index), and a full collection would walk every imported module's objects on every
            # start for the few cycles imports leave.
            gc.freeze()
        self.lists_as_of = _as_of(snapshot)
        self._distinctive = self.index.idf_at_share(self.config.distinctive_df_share)
        self._queries = 0
        # entry id -> its content's fingerprint: the snapshot's entries do not change while it is screened,
        # so each entry a screening returns is hashed (every field, as JSON) once per screener, not per match
        self._fingerprints: dict[str, str] = {}
        self._plans: dict[str, _Plan] = {}  # name -> what screening it needs that depends on it alone

    def _fingerprint(self, ent: ListedEntity) -> str:
        found = self._fingerprints.get(ent.id)
        if found is None:
            found = self._fingerprints[ent.id] = ent.fingerprint()
        return found

    # ---------------------------------------------------------------- API

    def screen(
        self,
        name: str,
        country: str | None = None,
        type: str | EntityType | None = None,
        dob: str | date | None = None,
        identifiers: Sequence[str] | Mapping[str, str] | str | None = None,
        threshold: float | None = None,
        nationality: str | None = None,
    ) -> ScreenResult:
        """Screen one party; matches at or above the threshold, best first. InputError on bad input.

        Evidence beyond the name, each shown as a row of the match's explanation: ``country`` and (persons)
        ``nationality`` (ISO alpha-2) against the listed countries, ``type``, ``dob`` against the listed dates
        of birth, ``identifiers`` (a list; a mapping kind -> value; or "KIND: VALUE" strings) against the listed
        identifiers: a match raises the score, an identifier of a kind the entry lists that equals none of
        them lowers it."""
        self._queries += 1
        if self._queries == WARM_AFTER_QUERIES:
            self._warm()
        cleaned, warnings = validate_name(name)
        cc = validate_country(country)
        etype = validate_type(type)
        dob_s = validate_dob(dob)
        ids, kinds = identifier_kinds(identifiers, validate_identifiers(identifiers))
        nat = validate_country(nationality, "nationality")
        thr = validate_threshold(threshold)
        if thr is None:
            thr = self.config.potential_threshold
        matches = self._match(cleaned, cc, etype, dob_s, ids, thr, kinds, nat)
        return ScreenResult(query=name, lists_as_of=dict(self.lists_as_of), matches=matches, warnings=warnings)

    def screen_many(self, records: Iterable[Any], threshold: float | None = None) -> list[ScreenResult]:
        """Screen many parties. A record is a name or a mapping with name, country, type, dob, identifiers
        (or id). A record that cannot be screened gives a result with ``error`` set, never an exception."""
        out: list[ScreenResult] = []
        if not (isinstance(records, Sized) and len(records) < WARM_AFTER_QUERIES):
            self._warm()  # (a few records are screened as that many queries are: warming takes 0.4-0.8 s)
        with gc_paused():
            self._screen_records(records, threshold, out)
        return out

    def _screen_records(self, records: Iterable[Any], threshold: float | None, out: list[ScreenResult]) -> None:
        for i, rec in enumerate(records):
            try:
                if isinstance(rec, str):
                    out.append(self.screen(rec, threshold=threshold))
                    continue
                if not isinstance(rec, Mapping):
                    raise InputError(f"records[{i}]", "must be a name or a mapping with a 'name'")
                if "name" not in rec:
                    raise InputError(f"records[{i}].name", "is missing")
                out.append(
                    self.screen(
                        rec["name"],
                        country=rec.get("country"),
                        type=rec.get("type"),
                        dob=rec.get("dob"),
                        identifiers=rec.get("identifiers"),
                        threshold=threshold,
                        nationality=rec.get("nationality"),
                    )
                )
            except InputError as exc:
                query = rec.get("name") if isinstance(rec, Mapping) else rec
                out.append(
                    ScreenResult(
                        query=query if isinstance(query, str) else repr(query),
                        lists_as_of=dict(self.lists_as_of),
                        error=str(exc),
                    )
                )

    def warm(self) -> None:
        """Get ready for many queries now (screen_many does it on its first call): a batch warms the index
        before it forks its workers, so that they share the warmed tables."""
        self._warm()

    # ---------------------------------------------------------------- internals

    def _warm(self) -> None:
        """Make the index ready for many queries (Index.warm), then collect and freeze: what it built lives
        as long as the process, and a full collection just before the freeze also tells the collector how
        much the process holds, so that it does not start full collections every few hundred queries."""
        if not self.index.warm():
            gc.collect()
            gc.freeze()

    def _prepare(self, name: str) -> _Plan:
        """What screening ``name`` needs that depends on the name alone (its readings, their weights and
        candidates): remembered per name (``_plans``), so a name screened again with other evidence (another
        country, type, date of birth) is not read, normalised and looked up again."""
        cfg = self.config
        idx = self.index
        norm = normalize_name(name)
        if not norm.tokens:
            raise InputError("name", "has nothing left to match after normalisation")
        # The name as written, before any repair, is what "same words reordered / respaced" compares.
        raw = idx.raw_matches(norm.bag, norm.compact)
        # Misspelt org/legal words repaired ("joint stck company"): the repaired reading is scored as well
        # as the name as written, and the better reading counts for each listed name (a repair can be
        # wrong: a rare name one letter from an org word).
        cands_readings: list[_QueryReading] = [_QueryReading(norm, {}, None, name)]
        fixes = idx.corrections(norm.tokens, cfg)
        if fixes:
            fixed = normalize_name(name, fixes)
            if fixed.tokens and fixed != norm:
                cands_readings.append(_QueryReading(fixed, fixes, None, name))
                for nid, kind in idx.raw_matches(fixed.bag, fixed.compact).items():
                    raw.setdefault(nid, kind)
        # Other readings of a name in a script read more than one way (readings.py: 金正恩 in Korean as
        # well as in Mandarin, 山田太郎 in Japanese, Βλαντίμιρ as pronounced): each is scored, and the best
        # reading counts for each listed name; the explanation names it and its source.
        for rdg in readings(name):
            rn = _reading_norm(rdg, norm)
            if rn.tokens and all(rn.tokens != q.norm.tokens for q in cands_readings):
                # The same words reordered or respaced, for this reading only; romanised syllables of a name
                # in another order are another name ("kwang su kim" is not "KIM, Su-Kwang").
                own = {
                    nid: kind
                    for nid, kind in idx.raw_matches(rn.bag, rn.compact).items()
                    if not (rdg.syllabic and kind == "reordered")
                }
                cands_readings.append(_QueryReading(rn, {}, rdg, rdg.text, own))
        steps: list[_Step] = []
        for qr in cands_readings:
            rd = qr.norm
            # The words a repair produced must be written in a listed name for this reading to count there
            # (else the repair only took weight off a word of the name: "Sara Skov" -> "sara szov").
            repaired = frozenset(_root(w) for v in qr.fixes.values() for w in v.split())
            new_legal = frozenset(rd.legal) - frozenset(norm.legal)
            q_weights = idx.query_weights(rd.tokens, rd.syllabic)
            cands = idx.candidates(rd.tokens, cfg, q_weights, rd.abjad)
            raw_q = raw if qr.reading is None else qr.raw
            if raw_q:
                cands = [*raw_q, *(c for c in cands if c not in raw_q)]
            steps.append(_Step(qr, repaired, new_legal, q_weights, cands, raw_q))
        return _Plan(norm, steps)

    def _match(
        self,
        name: str,
        country: str | None,
        etype: EntityType | None,
        dob: str | None,
        identifiers: list[str],
        threshold: float,
        identifier_kinds: dict[str, str] | None = None,
        nationality: str | None = None,
    ) -> list[Match]:
        cfg = self.config
        idx = self.index
        plan = self._plans.get(name)
        if plan is None:
            plan = remember(self._plans, name, self._prepare(name), PLAN_CACHE_SIZE)
        norm = plan.norm
        # The most the evidence given can add (a name scoring less cannot reach the threshold).
        max_bonus = (
            cfg.country_match_bonus * bool(country)
            + cfg.type_match_bonus * (etype is not None)
            + cfg.dob_exact_bonus * bool(dob)
            + cfg.identifier_match_bonus * bool(identifiers)
            + cfg.nationality_match_bonus * bool(nationality)
            + cfg.legal_form_match_bonus * bool(norm.legal or len(plan.steps) > 1)
        )
        best: dict[int, _Best] = {}  # entity -> its best-scoring name so far
        distinctive = self._distinctive
        names = idx.names.items
        entity_types = idx.entity_types
        person_query = etype is EntityType.PERSON or norm.titled
        for qr, repaired, new_legal, q_weights, cands, raw_q in plan.steps:
            rd = qr.norm
            syllabic = qr.reading is not None and qr.reading.syllabic
            # a personal name's shape: four syllables at most, whatever they were read as ("yu" of 유진 may be
            # taken for a legal form); a company's name in Han characters has more, its legal form alone four
            personal = len(rd.tokens) + len(rd.legal) <= 4
            # Against a listed person, the query's "legal forms" are words of a name ("Yu", "Bo"): listed
            # persons' names are normalised without legal forms, and so is the query for them.
            as_person: tuple[NormName, list[float]] | None = None
            for nid in cands:
                rec = names[nid] or idx.names.load(nid)
                if qr.fixes and not _repair_used(repaired, new_legal, rec):
                    continue  # checked before scoring: a repaired reading counts only where borne out
                person = entity_types[rec.entity] is EntityType.PERSON
                q_norm, q_w = rd, q_weights
                if person and rd.legal:
                    if as_person is None:
                        if qr.reading is not None:
                            pn = _reading_norm(qr.reading, norm, "person")
                        else:
                            pn = normalize_name(qr.text, qr.fixes or None, kind="person")
                        as_person = (pn, idx.query_weights(pn.tokens, pn.syllabic))
                    q_norm, q_w = as_person
                ns = score_tokens(
                    q_norm.tokens,
                    q_w,
                    rec.tokens,
                    rec.weights,
                    distinctive,
                    cfg,
                    q_norm.abjad,
                    q_norm.syllabic,
                    person,
                    bool(q_norm.legal),
                    bool(rec.legal),
                    q_norm.written,
                    rec.written,
                    # (a romanised syllable is no misspelt legal form: "ye" of 예은 is not "SE")
                    () if syllabic else rec.legal + rec.legal_written if rec.legal_written else rec.legal,
                    bool(q_norm.legal) and bool(rec.legal) and same_legal_form(q_norm.legal, rec.legal),
                )
                if nid in raw_q:
                    ns = apply_raw_form(ns, raw_q[nid], rec.weights, distinctive, cfg)
                if (
                    ns.score < cfg.same_name_similarity
                    and len(q_norm.tokens) == len(rec.tokens)
                    and sorted(q_norm.tokens) == sorted(rec.tokens)
                    and sorted(q_norm.legal) == sorted(rec.legal)
                ):
                    ns = apply_same_name(ns, cfg)
                if syllabic and (not _order_kept(ns) or (personal and _left_out(ns, q_norm.tokens, rec.tokens))):
                    # Romanised syllables of a Korean or Chinese name, read another way than the default: in
                    # another order they are another name (광수 is not 수광), and a syllable either side leaves
                    # out is another given name (兵 张 is not ZHANG, Bing Yun), not a middle name.
                    continue
                if person and person_query and len(q_norm.tokens) == 1 and ns.score < cfg.surname_only_similarity:
                    ns = apply_surname_only(ns, _family_index(rec.value, rec.tokens), cfg)
                name_score = ns.score
                if rec.kind is NameKind.WEAK:
                    name_score *= cfg.weak_alias_factor
                if name_score + max_bonus < threshold:
                    continue
                prev = best.get(rec.entity)
                if prev is not None and prev.final >= name_score + max_bonus:
                    continue
                ent = idx.entities[rec.entity]
                adj, rows = evidence(
                    ent, cfg, country, etype, dob, identifiers, q_norm.legal, rec.legal, identifier_kinds, nationality
                )
                final = max(0.0, min(1.0, name_score + adj))
                if prev is None or final > prev.final:
                    best[rec.entity] = _Best(final, rec, ns, name_score, rows, qr.fixes, q_norm, qr.reading)
        matches: list[Match] = []
        for ei, b in best.items():
            if b.final < threshold:
                continue
            ent = idx.entities[ei]
            rec = b.record
            expl = explain(b.name, b.query.tokens, rec.tokens, distinctive, cfg)
            expl["name_kind"] = rec.kind.value
            expl["name_score"] = round(b.name_score, 4)
            if rec.kind is NameKind.WEAK:
                expl["weak_alias_factor"] = cfg.weak_alias_factor
            expl["legal_forms"] = {"query": list(b.query.legal), "listed": list(rec.legal)}
            if b.fixes:
                expl["query_corrections"] = dict(b.fixes)
            if b.reading is not None:
                expl["reading"] = {"text": b.reading.text, "source": b.reading.source, "script": b.reading.script}
            expl["evidence"] = b.evidence
            expl["score"] = round(b.final, 4)
            matches.append(
                Match(
                    entity_id=ent.id,
                    list=ent.source,
                    name=ent.primary_name,
                    matched_name=rec.value,
                    score=round(b.final, 4),
                    country=ent.countries[0] if ent.countries else None,
                    entity_list_footnote=ent.entity_list_footnote,
                    license_policy=ent.license_policy,
                    explanation=expl,
                    strength="strong" if b.final >= cfg.strong_threshold else "potential",
                    entry_fingerprint=self._fingerprint(ent),
                    entry=ent.details(),
                )
            )
        matches.sort(key=lambda m: (-m.score, m.entity_id))
        return matches


@dataclass(slots=True)
class _Best:
    """An entity's best-scoring listed name for one query so far, with what its explanation needs."""

    final: float  # the score with the evidence
    record: NameRecord  # the listed name
    name: NameScore  # how its tokens scored
    name_score: float  # the name score (weak aliases discounted), before the evidence
    evidence: list[dict[str, Any]]  # the evidence rows
    fixes: dict[str, str]  # the corrections of the query reading that scored it ({} as written)
    query: NormName  # that reading
    reading: Reading | None = None  # the script reading it was (None: the name as written)


class _Step(NamedTuple):
    """One reading of a name, ready to score: the reading, the words its repairs produced, the legal forms
    they revealed, its token weights, the ids of the listed names to score, its reordered/respaced names."""

    reading: _QueryReading
    repaired: frozenset[str]
    new_legal: frozenset[str]
    weights: list[float]
    candidates: list[int]
    raw: dict[int, str]


@dataclass(frozen=True, slots=True)
class _Plan:
    """What screening a name needs that depends on the name alone: its normalised form and its readings."""

    norm: NormName
    steps: list[_Step]


@dataclass(slots=True)
class _QueryReading:
    """One way of reading the query: its normalised form, the corrections made to it, the script reading it
    is (None: the default romanisation) and the text it was normalised from."""

    norm: NormName
    fixes: dict[str, str]
    reading: Reading | None
    text: str
    raw: dict[int, str] = field(default_factory=dict)  # a script reading's own reordered/respaced names


def _reading_norm(rdg: Reading, default: NormName, kind: str = "any") -> NormName:
    """A script reading normalised; romanised Han/Hangul syllables must match exactly, like the default's,
    and words it kept from an abjad script keep being compared by their consonants. A syllable is no legal
    form ("pao", "ao", "sa" are syllables of names) unless the name as written had one (有限公司)."""
    if rdg.syllabic and not default.legal:
        kind = "person"
    rn = normalize_name(rdg.text, kind=kind)
    if rdg.syllabic:
        rn = dataclasses.replace(rn, syllabic=rn.tokens)
    if default.abjad:
        rn = dataclasses.replace(rn, abjad=tuple(t for t in rn.tokens if t in default.abjad))
    return rn


def _order_kept(ns: NameScore) -> bool:
    """Whether the listed tokens the query's tokens aligned with come in the query's order, but for a
    rotation (the family name written first or last: "kim jong un" ~ "JONG UN KIM"): romanised syllables of
    a Korean or Chinese name are read in order ("kwang su" is not "su kwang")."""
    pos = [a.listed[0] for a in sorted(ns.alignment, key=lambda a: a.query[0])]
    if len(pos) < 3:
        return True
    k = pos.index(min(pos))
    rotated = pos[k:] + pos[:k]
    return all(x < y for x, y in itertools.pairwise(rotated))


def _left_out(ns: NameScore, q_tokens: Sequence[str], n_tokens: Sequence[str]) -> bool:
    """Whether a query or a listed token found no partner."""
    used_q = {i for a in ns.alignment for i in a.query}
    used_n = {j for a in ns.alignment for j in a.listed}
    return len(used_q) < len(q_tokens) or len(used_n) < len(n_tokens)


def _family_index(value: str, tokens: Sequence[str]) -> int | None:
    """Which of a listed person's tokens is the family name: the last, for a name written "LAST, First"
    (normalised to "first last"); None when the listed name does not say."""
    if value.count(",") != 1 or len(tokens) < 2:
        return None
    head = value.split(",", 1)[0].split()
    return len(tokens) - 1 if len(head) == 1 else None


def _root(word: str) -> str:
    """A word's symbol, followed to the end ("kommercial" -> "commercial" -> "commerce")."""
    for _ in range(3):
        mapped = canon(word)
        if mapped == word:
            break
        word = mapped
    return word


def _repair_used(repaired: frozenset[str], new_legal: frozenset[str], rec: NameRecord) -> bool:
    """Whether a repair of the query is borne out by this listed name: the legal form the repair revealed is
    the listed name's, or every word the repair produced is written in it (compared through their symbols).
    Only then does the repaired reading count for it."""
    if new_legal & set(rec.legal):
        return True
    return bool(repaired) and repaired <= {_root(w) for w in rec.bag.split()}


def _as_of(snapshot: SnapshotLike) -> dict[str, str]:
    method = getattr(snapshot, "lists_as_of", None)
    if callable(method):
        return {str(k): str(v) for k, v in method().items()}
    out: dict[str, str] = {}
    sources = getattr(snapshot, "sources", None) or {}
    for key, info in sources.items():
        as_of = getattr(info, "as_of", None)
        if as_of is None and isinstance(info, Mapping):
            as_of = info.get("as_of")
        out[str(key)] = as_of.isoformat() if isinstance(as_of, date) else str(as_of or "unknown")
    return out


def compare(name_a: str, name_b: str, type: str | EntityType | None = None) -> float:
    """Similarity of two names in [0, 1], without list statistics (every token weighs the same, org
    words half). Symmetric up to tie-breaking. Each name is also read the other ways its script is read
    (readings.py: 金正恩 in Korean, 山田太郎 in Japanese), and the best pair of readings counts.
    ``type="person"``: both are persons' names: no legal forms are looked for, and a middle name,
    patronymic or particle one side leaves out costs part of its weight (``middle_name_factor``,
    ``particle_factor``), initials stand for the names they begin."""
    return float(compare_explained(name_a, name_b, type)["score"])


def compare_explained(name_a: str, name_b: str, type: str | EntityType | None = None) -> dict[str, Any]:
    """:func:`compare` with its explanation: the score, the readings of each name that gave it (text and
    source) and the aligned tokens."""
    etype = validate_type(type)
    a, _ = validate_name(name_a, "name_a")
    b, _ = validate_name(name_b, "name_b")
    person = etype is EntityType.PERSON
    kind = "person" if person else "any"
    # Neither name is "the query" here: the geometric mean of both coverages, and no discount for a listed
    # word left out (one side is no shortened form of the other), keep compare() symmetric.
    cfg = dataclasses.replace(DEFAULT_CONFIG, query_coverage_share=0.5, inner_word_factor=1.0)
    generic = tables().generic_words
    best: dict[str, Any] = {"score": 0.0}
    for ra, na in _compare_readings(a, kind):
        for rb, nb in _compare_readings(b, kind):
            score, ns, x, y = _compare_pair(na, nb, cfg, generic, person)
            if score > best["score"] or "aligned" not in best:
                best = {
                    "score": score,
                    "reading_a": _reading_json(ra, a),
                    "reading_b": _reading_json(rb, b),
                    "aligned": [
                        {
                            "a": " ".join(x.tokens[i] for i in al.query),
                            "b": " ".join(y.tokens[j] for j in al.listed),
                            "similarity": round(al.similarity, 3),
                        }
                        for al in ns.alignment
                    ],
                }
    return best


def _reading_json(reading: Reading | None, text: str) -> dict[str, str]:
    if reading is None:
        return {"text": text, "source": "as written (default romanisation)"}
    return {"text": reading.text, "source": reading.source, "script": reading.script}


def _compare_readings(text: str, kind: str) -> list[tuple[Reading | None, NormName]]:
    default = normalize_name(text, kind=kind)
    out: list[tuple[Reading | None, NormName]] = [(None, default)]
    for rdg in readings(text):
        rn = _reading_norm(rdg, default, kind)
        if rn.tokens and all(rn.tokens != n.tokens for _, n in out):
            out.append((rdg, rn))
    return out


def _compare_pair(
    na: NormName, nb: NormName, cfg: MatchConfig, generic: frozenset[str], person: bool
) -> tuple[float, NameScore, NormName, NormName]:
    wa = [0.5 if t in generic else 1.0 for t in na.tokens]
    wb = [0.5 if t in generic else 1.0 for t in nb.tokens]
    if person:  # an initial weighs what it says: little
        wa = [0.3 if len(t) == 1 else w for t, w in zip(na.tokens, wa, strict=True)]
        wb = [0.3 if len(t) == 1 else w for t, w in zip(nb.tokens, wb, strict=True)]
    if nb.abjad and not na.abjad:
        na, nb, wa, wb = nb, na, wb, wa
    ns = score_tokens(
        na.tokens,
        wa,
        nb.tokens,
        wb,
        0.0,
        cfg,
        na.abjad,
        na.syllabic + nb.syllabic,
        person,
        q_written=na.written,
        n_written=nb.written,
    )
    score = ns.score
    if na.bag == nb.bag or set(na.compact) & set(nb.compact):
        score = max(score, cfg.raw_form_similarity)
    if na.legal and nb.legal and not same_legal_form(na.legal, nb.legal):
        score -= cfg.legal_form_mismatch_penalty
    return round(max(0.0, min(1.0, score)), 4), ns, na, nb
