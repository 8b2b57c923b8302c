"""The embedded snapshot: always available (no ../shared needed), real counts and real entries."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from exportgate.screen.lists import ListSnapshot, SourceInfo, load_active, load_embedded
from exportgate.screen.lists._data import data_dir
from exportgate.screen.lists.snapshot import read_manifest, sha256_file
from exportgate.screen.model import EntityType, NameKind

EXPECTED_COUNTS = {
    "ofac_sdn": 14965 + 1724,  # primary rows + alias-only entries (orphans of the 2026 alias table)
    "ssi": 286, "plc": 78, "cmic": 68, "ns_mbs": 9, "capta": 1,
    "entity_list": 2001, "dpl": 462, "uvl": 201, "meu": 71, "isn": 163, "itar_debarred": 727,
}
EXPECTED_AS_OF = {
    "ofac_sdn": "2024-05-03", "ssi": "2025-12-19", "plc": "2025-12-19", "cmic": "2025-12-19",
    "ns_mbs": "2025-12-19", "capta": "2025-12-19", "entity_list": "2022-04-21", "dpl": "2022-04-21", "uvl": "2022-04-21",
    "meu": "2022-04-21", "isn": "2022-04-21", "itar_debarred": "2022-04-21",
}


@pytest.fixture(scope="module")
def snap(embedded_home: Path) -> ListSnapshot:
    return load_embedded(embedded_home)


def test_counts_and_dates_per_list(snap: ListSnapshot) -> None:
    assert snap.counts() == EXPECTED_COUNTS
    assert snap.lists_as_of() == EXPECTED_AS_OF
    assert len(snap.entities) == sum(EXPECTED_COUNTS.values()) == 20756
    assert snap.origin == "embedded"


def test_source_info_fields(snap: ListSnapshot) -> None:
    info = snap.sources["ofac_sdn"]
    assert isinstance(info, SourceInfo)
    assert info.key == "ofac_sdn" and info.title.startswith("OFAC Specially Designated Nationals")
    assert info.files == ["sdn_2024-05-03.csv.gz", "alt_2026-06-02.csv.gz", "add_2026-06-02.csv.gz",
                          "sdn_comments_2025-01-03.csv.gz"]
    assert info.sha256["sdn_2024-05-03.csv.gz"].startswith("6e5989eb2df462b2")
    assert any("1724 alias-only entries" in n for n in info.notes)
    el = snap.sources["entity_list"]
    assert el.files == ["consolidated_2022-04.csv.gz"] and el.sha256[el.files[0]].startswith("f55c580c0eadaeef")
    assert set(snap.to_json()["sources"]["entity_list"]) >= {"key", "title", "as_of", "count", "files", "sha256"}


def test_ids_unique_and_prefixed(snap: ListSnapshot) -> None:
    ids = [e.id for e in snap.entities]
    assert len(ids) == len(set(ids))
    assert all(e.id.startswith(e.source + ":") for e in snap.entities)
    assert all(e.names and e.names[0].value for e in snap.entities)


def test_sdn_entry_parsed_from_remarks(snap: ListSnapshot) -> None:
    by_id = {e.id: e for e in snap.entities}
    e = by_id["ofac_sdn:2686"]  # NASRALLAH, Hasan
    assert e.type is EntityType.PERSON
    assert e.primary_name == "NASRALLAH, Hasan"
    assert e.programs == ["SDGT", "SYRIA"]
    assert e.dates_of_birth == ["1960-08-31", "1953-08-31", "1955-08-31", "1958-08-31"]
    assert "LB" in e.countries
    assert e.list_date == "2024-05-03"
    bnc = by_id["ofac_sdn:306"]  # BANCO NACIONAL DE CUBA: a.k.a. 'BNC' in remarks is a weak alias
    assert ("BNC", NameKind.WEAK) in [(n.value, n.kind) for n in bnc.names]
    assert ("NATIONAL BANK OF CUBA", NameKind.AKA) in [(n.value, n.kind) for n in bnc.names]
    assert {a.country for a in bnc.addresses} >= {"CH", "ES", "JP"}


def test_alias_only_orphans(snap: ListSnapshot) -> None:
    orphans = [e for e in snap.entities if e.remarks and e.remarks.startswith("Alias-only record")]
    assert len(orphans) == 1724
    assert sum(len(e.names) for e in orphans) == 2727
    assert all(e.source == "ofac_sdn" and e.list_date == "2026-06-02" for e in orphans)
    assert all(e.names[0].kind in (NameKind.AKA, NameKind.FKA, NameKind.NKA) for e in orphans)


def test_entity_list_splits_and_footnotes(snap: ListSnapshot) -> None:
    el = [e for e in snap.entities if e.source == "entity_list"]
    split = [e for e in el if any(n.kind is NameKind.SPLIT for n in e.names)]
    assert len(split) == 50
    huawei = [e for e in split if e.primary_name.startswith("Huawei Technologies Co., Ltd. (Huawei)")]
    assert len(huawei) == 23
    longshine = next(e for e in huawei if "Longshine Information" in e.primary_name
                     and e.primary_name.endswith("Beijing Huawei Longshine Information Technology Co., Ltd."))
    assert [n.value for n in longshine.names if n.kind is NameKind.SPLIT] == [
        "Beijing Huawei Longshine Information Technology Co., Ltd"]
    assert longshine.entity_list_footnote == 1
    assert longshine.license_policy == "Presumption of denial"
    assert longshine.countries == ["CN"]
    assert Counter(e.entity_list_footnote for e in el) == {None: 1697, 1: 157, 3: 147}
    fn3 = next(e for e in el if e.entity_list_footnote == 3)
    assert fn3.license_requirement is not None and re.search(r"734\.9\(g\),3", fn3.license_requirement)
    cetc = [e for e in split if "Subordinate Institution" in e.primary_name and "CETC 13" in e.primary_name]
    assert "North China Integrated Circuit Corporation" in {n.value for e in cetc for n in e.names}


def test_entity_list_countries(snap: ListSnapshot) -> None:
    el = [e for e in snap.entities if e.source == "entity_list"]
    last = Counter(e.addresses[-1].country for e in el if e.addresses)
    # PROVENANCE.md of ../shared: by country of last address RU 572, CN 443, AE 156 (its parser
    # split addresses slightly differently; the order and magnitude are what matters here)
    assert [c for c, _ in last.most_common(3)] == ["RU", "CN", "AE"]
    assert all(len(c) == 2 and c.isupper() for e in snap.entities for c in e.countries)


def test_isn_successor_clause_removed(snap: ListSnapshot) -> None:
    isn = [e for e in snap.entities if e.source == "isn"]
    assert not any("successor, sub-unit" in n.value for e in isn for n in e.names)


def test_manifest_files_match_provenance() -> None:
    directory = data_dir()
    provenance = (directory / "PROVENANCE.md").read_text(encoding="utf-8")
    for f in read_manifest(directory)["files"]:
        digest = sha256_file(directory / f["file"])
        assert f"`{f['file']}`" in provenance
        assert digest in provenance, f"{f['file']} sha256 not in PROVENANCE.md"
    names = {p.name for p in directory.iterdir()}
    assert not any("ftm" in n or "negatives" in n or "sec_" in n for n in names)


def test_load_active_without_update_is_embedded_and_cached(embedded_home: Path, snap: ListSnapshot) -> None:
    # embedded_home's cache was written when the snapshot was first parsed
    assert len(list((embedded_home / "cache").glob("lists-*.egcache"))) == 1
    first = snap
    second = load_active(embedded_home)  # no active version: the embedded snapshot, from the cache
    assert second.origin == "embedded"
    assert second.counts() == first.counts()
    assert [e.id for e in second.entities[:50]] == [e.id for e in first.entities[:50]]
