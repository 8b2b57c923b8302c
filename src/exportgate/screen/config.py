"""Matcher settings: thresholds and feature weights, with the reasons for their defaults.

The defaults were chosen from the screening benchmark (``python -m bench``; results in
``bench/results/screening.md``): on list names perturbed the ways users report (typos, transliteration,
reordering, dropped tokens, spacing, legal-form variants) and on ordinary names (SEC company names,
synthetic persons). Change them per call (``Screener.screen(threshold=...)``) or per screener
(``Screener(config=MatchConfig(...))``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class MatchConfig:
    # Scores at or above ``potential_threshold`` are reported; at or above ``strong_threshold`` they are
    # "strong" (review before any export), else "potential" (check the secondary identifiers).
    # 0.85: on the benchmark (SEC company names + synthetic persons, name only, every alert counted) 0.84 is
    # the lowest threshold within the 0.5% alert target on the recorded sample (0.44%, recall 98.6%; 0.83 gives
    # 0.56%), but on two other seeded samples 0.84 leaves 0.46% and 0.49%; 0.85 keeps every sample at or under
    # 0.45% with recall 98.2-98.5%. 0.92: under 0.1% alerts, and exact, reordered, respaced and legal-form/case
    # variants still strong. See bench/results/screening.md.
    potential_threshold: float = 0.85
    strong_threshold: float = 0.92

    # Name score = token_weight * weighted token alignment + char_weight * character similarity.
    token_weight: float = 0.8
    char_weight: float = 0.2
    # token_score = query_coverage ** share * listed_coverage ** (1 - share) (0.5: the geometric mean). 0.7:
    # a listed word the query leaves out ("Suzhou Xiaoli Co Ltd" for "... Xiaoli Pharmatech Co Ltd") costs
    # less than a query word the listed name lacks. On the benchmark at <= 0.5% alerts, 0.7 gave ~0.5 points
    # more recall than 0.5 (dropped words 75% -> 85%), 0.8 no more than 0.7. compare() keeps 0.5 (symmetric).
    query_coverage_share: float = 0.7
    # Two tokens align only when their similarity is at least this (1 - edits / length, see score.token_similarity).
    token_min_similarity: float = 0.72
    # Tokens of at most this many characters must be equal to align (no fuzzy "li"/"lu"), or equal after
    # transliteration folding ("ly"/"li", "wey"/"wei"), which scores score.SHORT_FOLD_SIMILARITY (0.85).
    short_token_length: int = 3
    # Token similarity is 1 - edit_cost * edits / length: above 1, one typo costs short tokens more.
    edit_cost: float = 1.0
    # A name whose matched tokens are common (low IDF) is scaled down: the matched weight must reach
    # the IDF of a token found in ``distinctive_df_share`` of all listed names, else the score is
    # multiplied by (matched / needed) ** distinctive_power. This is why "TRADING CO LTD" matches nothing.
    distinctive_df_share: float = 0.01
    distinctive_power: float = 1.5
    # Against a listed person, once two tokens agree, an unmatched token (a middle name, a patronymic, a
    # second surname) on either side counts this share of its weight.
    middle_name_factor: float = 0.5
    # Against a listed person, a particle (bin, ibn, al, van, von, de: data/reference/names/person_parts.yml)
    # that found no partner counts this share of its weight: "Usama Laden" is "Usama bin Laden" written short.
    particle_factor: float = 0.1
    # ... and a patronymic left out or added ("Vladimir Putin" for "PUTIN, Vladimir Vladimirovich") this share.
    patronymic_factor: float = 0.25
    # A person's surname alone after a title ("Präsident Putin", "Putyin elnök"), or alone in a query typed
    # person, equal to a listed person's family name: scores at least this times that name's distinctiveness
    # (a common surname stays below the threshold). Just above potential_threshold: a reviewer decides.
    surname_only_similarity: float = 0.87
    # Against a listed organisation, a listed word left out between two words the query has, in the listed
    # order ("Wah Plant" for "Wah Munitions Plant"), counts this share of its weight.
    inner_word_factor: float = 0.5
    # A legal-form word left unaligned on either side ("COMPANY STOCK RADIOPRIBOR JOINT", a reordered form no
    # longer recognised as one; "ELEKTRON OOO" vs "ELEKTRON LLC COMPANY") counts this share of its weight:
    # it says what kind of body the party is, not which one. 0.25 (benchmark: 0.25 and 0.5 gave the same
    # recall at <= 0.5% alerts; two-letter forms "sa", "nv", "yu" and persons' names are left out — they
    # raised alerts: "GALAPAGOS NV" vs "GALAPAGOS S.A", "阳 虞" vs "Yang Su").
    unmatched_legal_word_factor: float = 0.25
    # Symbols of "company" words that legal forms spell ("company", "obshchestvo", "corporation"): they count
    # as legal-form words too, but only against a name whose legal form was set apart ("GENBANK COMPANY
    # STOCK JOINT" vs "CLOSED JOINT STOCK COMPANY GENBANK"); "Fox Corp" vs "FOX" keeps their full weight.
    legal_company_words: tuple[str, ...] = ("co", "org", "corp")
    # A query with a listed name's written words in another order ("SAMARANEFTEGEOFIZIKA COMPANY STOCK JOINT
    # PUBLIC"), or with its letters spaced differently ("AOUK KUZBASSRAZREZUGOL", "SERVI CES", "jalal
    # husamaldin" for "JALAL, Husam-al-Din"), scores at least this times the distinctiveness of the listed
    # name: the same name written another way. Below 1.0 (an exact match), above strong_threshold.
    raw_form_similarity: float = 0.95
    # The query is a listed name exactly, after normalisation (the same words and the same legal form), but
    # the listed name is made of common words only ("GENERAL TECHNOLOGY LIMITED", "LLC INVEST GROUP"), so
    # distinctiveness would keep it below the threshold: it scores at least this. An exact hit on a listed
    # name is always shown; between the potential and strong thresholds (with the legal-form bonus, 0.90), a
    # reviewer decides on the evidence.
    same_name_similarity: float = 0.88
    # A weak alias (OFAC "weak a.k.a.") scores this factor of a normal name.
    weak_alias_factor: float = 0.9

    # Supporting / contradicting evidence, added to the name score (result clamped to [0, 1]).
    country_match_bonus: float = 0.02
    country_mismatch_penalty: float = 0.05
    type_match_bonus: float = 0.0
    type_mismatch_penalty: float = 0.15
    dob_exact_bonus: float = 0.06
    dob_year_bonus: float = 0.03
    dob_mismatch_penalty: float = 0.25
    dob_year_tolerance: int = 1
    identifier_match_bonus: float = 0.15
    # An identifier of a kind the listed entry has (a passport number against its listed passports) that
    # equals none of them: another person or company, or a new document. Less than a match adds: documents
    # are renewed, lists go stale.
    identifier_mismatch_penalty: float = 0.1
    # A person's nationality (ISO alpha-2) against the listed countries: as a country (above).
    nationality_match_bonus: float = 0.02
    nationality_mismatch_penalty: float = 0.05
    # Legal forms on both sides: the same form written ("OOO" and "OOO") supports the name like a listed
    # country does; a form of another kind ("JSC" against a listed "OOO"; "Inc" against "Ltd") contradicts it;
    # a form against the generic term it translates to ("OOO"/"LLC", "АО"/"JSC") is neither.
    legal_form_mismatch_penalty: float = 0.02
    legal_form_match_bonus: float = 0.02

    # Retrieval: candidates must cover at least this share of the query's token weight (upper bound)
    # before they are scored in full; at most ``max_candidates`` names are scored per query. 20: on the
    # benchmark the matched listed name ranks first among the candidates for 94% of the perturbed names found,
    # within the first 10 for all but 4 of 3,900, never beyond 20; 40 gave the same results ~15% slower.
    min_candidate_coverage: float = 0.45
    max_candidates: int = 20
    # Fuzzy lookups per query token (vocabulary tokens within one edit or the same consonant skeleton).
    max_token_expansions: int = 8
    # Postings longer than this are not enumerated (their tokens only add weight to other candidates).
    max_postings: int = 1000


DEFAULT_CONFIG = MatchConfig()
