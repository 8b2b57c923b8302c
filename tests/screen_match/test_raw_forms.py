"""A query with a listed name's written words in another order, or its letters spaced differently, is the
same name written another way: it scores at least ``raw_form_similarity`` (scaled by how distinctive the
listed name is), and the explanation says so."""

from __future__ import annotations

import pytest

from exportgate.screen import Screener, compare
from exportgate.screen.normalize import normalize_name


def _ids_of(screener: Screener, listed: str) -> set[str]:
    return {m.entity_id for m in screener.screen(listed).matches if m.score == 1.0}


@pytest.mark.parametrize(
    ("query", "listed", "kind"),
    [
        ("PARS AND CONSTRUCTION SAZEH ENGINEERING", "PARS SAZEH ENGINEERING AND CONSTRUCTION", "reordered"),
        (
            "SAMARANEFTEGEOFIZIKA COMPANY STOCK JOINT PUBLIC",
            "PUBLIC JOINT STOCK COMPANY SAMARANEFTEGEOFIZIKA",
            "reordered",
        ),
        ("AOUK KUZBASSRAZREZUGOL", "AO UK KUZBASSRAZREZUGOL", "respaced"),
        ("KONEISTO INTERNATIONALOY", "KONEISTO INTERNATIONAL OY", "respaced"),
        ("jalal husamaldin", "JALAL, Husam-al-Din", "respaced"),  # no comma: the written order
        ("JOINT STOCK COMPANY SET1", "JOINT STOCK COMPANY SET 1", "respaced"),
    ],
)
def test_reordered_or_respaced_listed_name_is_strong(screener: Screener, query: str, listed: str, kind: str) -> None:
    ids = _ids_of(screener, listed)
    assert ids, listed
    res = screener.screen(query)
    hits = [m for m in res.matches if m.entity_id in ids]
    assert hits, [(m.matched_name, m.score) for m in res.matches]
    best = hits[0]
    assert best.score >= screener.config.strong_threshold
    raw = best.explanation["raw_form"]
    assert raw["kind"] == kind
    assert raw["similarity"] == screener.config.raw_form_similarity
    assert 0.0 <= best.score <= 1.0


@pytest.mark.parametrize("query", ["COMPANY STOCK JOINT", "CORP TRADING", "Company Limited Trading", "LTD CO TRADING"])
def test_reordered_common_words_still_match_nothing(screener: Screener, query: str) -> None:
    assert screener.screen(query).matches == [], [(m.matched_name, m.score) for m in screener.screen(query).matches]


def test_exact_name_has_no_raw_form_feature(screener: Screener) -> None:
    res = screener.screen("PUBLIC JOINT STOCK COMPANY SAMARANEFTEGEOFIZIKA")
    assert res.matches and res.matches[0].score == 1.0
    assert "raw_form" not in res.matches[0].explanation


def test_raw_forms_of_a_name() -> None:
    n = normalize_name("PUTIN, Vladimir")
    assert n.bag == "putin vladimir"
    assert set(n.compact) == {"vladimirputin", "putinvladimir"}
    assert normalize_name("SET1 Ltd").compact == ("set1ltd",)


def test_compare_uses_raw_forms() -> None:
    assert compare("Sazeh Pars Engineering and Construction", "PARS SAZEH ENGINEERING AND CONSTRUCTION") >= 0.95
    assert compare("Bing Lu", "BingLu") >= 0.95


def test_written_forms_of_a_duplicate_name_are_indexed() -> None:
    from types import SimpleNamespace

    from exportgate.screen import Screener
    from exportgate.screen.model import EntityType, ListedEntity, Name, NameKind

    ent = ListedEntity(
        id="e:1",
        source="test_list",
        type=EntityType.ENTITY,
        names=[Name("OOO Zarnitsa Plyus"), Name("Zarnitsa Plyus OOO", NameKind.AKA)],
    )
    snap = SimpleNamespace(entities=[ent], sources={"test_list": {"as_of": "2026-01-01"}})
    scr = Screener(snap, use_cache=False)
    assert len(scr.index.names) == 1  # the second name has the same tokens and legal form: not scored twice
    # Respaced from the second name as written: found through that name's written form.
    from exportgate.screen.normalize import normalize_name

    query = normalize_name("Zarnits aPlyus OOO")
    assert scr.index.raw_matches(query.bag, query.compact) == {0: "respaced"}
