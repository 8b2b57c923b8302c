"""Loaders on the real files in ../shared/data/lists (skipped when ../shared is absent)."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import pytest

from exportgate.errors import InputError
from exportgate.screen.lists import load_csl_csv, load_csl_json, load_enhanced_xml, load_ftm, load_ofac_csv
from exportgate.screen.lists.diff import diff
from exportgate.screen.lists.ofac_csv import LoadStats
from exportgate.screen.model import EntityType, NameKind


@pytest.fixture(scope="module")
def lists(shared_dir: Path) -> Path:
    return shared_dir / "data" / "lists"


def test_sdn_2024_05_03(lists: Path) -> None:
    ofac = lists / "ofac"
    es = load_ofac_csv(ofac / "sdn_2024-05-03.csv.gz")
    assert len(es) == 14965
    assert Counter(e.type for e in es) == {
        EntityType.ENTITY: 6884, EntityType.PERSON: 6854, EntityType.VESSEL: 851, EntityType.AIRCRAFT: 376}
    assert max(int(e.id.split(":")[1]) for e in es) == 48907
    # PROVENANCE counts the raw Program column; entries on several programs are written "A] [B"
    single = Counter(e.programs[0] for e in es if len(e.programs) == 1)
    assert single["RUSSIA-EO14024"] == 4274 and single["SDGT"] == 1750 and single["SDNTK"] == 1413
    assert ["SDGT", "SYRIA"] == next(e.programs for e in es if e.id == "ofac_sdn:2686")


def test_sdn_with_2026_alias_table_orphans(lists: Path) -> None:
    ofac = lists / "ofac"
    stats = LoadStats()
    es = load_ofac_csv(ofac / "sdn_2024-05-03.csv.gz", ofac / "alt_2026-06-02.csv.gz", ofac / "add_2026-06-02.csv.gz",
                       ofac / "sdn_comments_2025-01-03.csv", stats=stats)
    assert stats.rows["alt_2026-06-02.csv.gz"] == 20260
    assert stats.rows["add_2026-06-02.csv.gz"] == 24776
    assert stats.orphan_alias_rows == 2727  # PROVENANCE: 17,533 rows join, 2,727 orphans
    joined = sum(1 for e in es if not (e.remarks or "").startswith("Alias-only")
                 for n in e.names if n.kind in (NameKind.AKA, NameKind.FKA, NameKind.NKA))
    assert joined == 17533
    # remarks overflow from sdn_comments is appended: 17018 (Sberbank) ends with its weak akas
    sber = next(e for e in es if e.id == "ofac_sdn:17018")
    assert {"SBERBANK INDIA", "SBERBANK MUMBAI"} <= {n.value for n in sber.names if n.kind is NameKind.WEAK}
    assert any(i.kind == "Tax ID No." and i.value == "7707083893" and i.country == "RU" for i in sber.identifiers)


def test_sdn_2025_alias_table_join(lists: Path) -> None:
    ofac = lists / "ofac"
    es = load_ofac_csv(ofac / "sdn_2024-05-03.csv.gz", ofac / "alt_2025-01-03.csv.gz", ofac / "add_2025-01-03.csv.gz")
    joined = sum(1 for e in es if not (e.remarks or "").startswith("Alias-only")
                 for n in e.names if n.kind in (NameKind.AKA, NameKind.FKA, NameKind.NKA))
    assert joined == 18018
    with_address = sum(1 for e in es if e.addresses and not (e.remarks or "").startswith("Alias-only"))
    assert with_address <= 14878


def test_non_sdn_consolidated(lists: Path) -> None:
    ofac = lists / "ofac"
    es = load_ofac_csv(ofac / "cons_prim_2025-12-19.csv", ofac / "cons_alt_2025-12-19.csv",
                       ofac / "cons_add_2025-12-19.csv", ofac / "cons_comments_2025-12-19.csv", family="cons")
    assert len(es) == 442
    assert sum(1 for e in es for n in e.names if n.kind is not NameKind.PRIMARY and n.kind is not NameKind.WEAK) == 1073
    assert Counter(e.source for e in es) == {"ssi": 286, "plc": 78, "cmic": 68, "ns_mbs": 9, "capta": 1}
    haniya = next(e for e in es if e.id == "plc:9639")
    assert haniya.dates_of_birth == ["1962"] and haniya.type is EntityType.PERSON


def test_enhanced_xml(lists: Path) -> None:
    es, as_of = load_enhanced_xml(lists / "ofac" / "CONS_ENHANCED_2025-01-14.ZIP")
    assert len(es) == 443 and as_of == "2025-01-10"
    # the CSV keys (from programs) agree with the list membership the XML states, entry by entry
    cons = load_ofac_csv(lists / "ofac" / "cons_prim_2025-12-19.csv", family="cons")
    by_num = {e.id.split(":")[1]: e.source for e in es}
    assert all(by_num[e.id.split(":")[1]] == e.source for e in cons if e.id.split(":")[1] in by_num)
    vtb = next(e for e in es if e.id == "ssi:17013")
    assert vtb.primary_name == "VTB BANK PUBLIC JOINT STOCK COMPANY"
    assert "RU" in vtb.countries
    assert any(i.kind == "Tax ID No." and i.value == "7702070139" for i in vtb.identifiers)


def test_csl_2022(lists: Path) -> None:
    es = load_csl_csv(lists / "csl" / "consolidated_2022-04.csv.gz")
    assert len(es) == 14160
    assert len({e.id for e in es}) <= 14160
    assert Counter(e.source for e in es) == {
        "ofac_sdn": 10026, "entity_list": 2001, "itar_debarred": 727, "dpl": 462, "ssi": 290, "uvl": 201,
        "isn": 163, "plc": 78, "meu": 71, "cmic": 68, "capta": 53, "ns_mbs": 17, "fse": 3}
    # 2022 files write ids "CC, number, type"
    cmic = next(e for e in es if e.id == "cmic:30902")
    assert [(i.kind, i.value, i.country) for i in cmic.identifiers] == [
        ("Unified Social Credit Code (USCC)", "91110000MA005UCQ5P", "CN")]
    assert not any(i.kind == "Aircraft Operator" for e in es for i in e.identifiers)
    el = [e for e in es if e.source == "entity_list"]
    assert sum(1 for e in el if any(n.kind is NameKind.AKA for n in e.names)) >= 900  # PROVENANCE: 926 rows with alt names
    assert sum(1 for e in el for n in e.names if n.kind is NameKind.SPLIT) == 50


def test_csl_2025_sample_csv_and_json(lists: Path, tmp_path: Path) -> None:
    sample = lists / "csl" / "consolidated_2025_format_sample.csv"
    from_csv = load_csl_csv(sample)
    assert len(from_csv) == 13
    assert {e.source for e in from_csv} == {"isn", "uvl", "meu", "plc", "ofac_sdn", "itar_debarred", "dpl", "ssi",
                                            "fse", "entity_list"}
    # 2025 files write ids "type, number, CC"; directive notes are not identifiers
    assert not any("Directive" in i.kind or "Directive" in i.value for e in from_csv for i in e.identifiers)
    rim = next(e for e in from_csv if e.primary_name == "RIM, Ryong Nam")
    assert rim.countries == ["CN", "KP"] and rim.dates_of_birth == ["1978-12-05"]
    assert any(i.kind == "Passport" and i.value == "836238033" and i.country == "KP" for i in rim.identifiers)
    # The trade.gov JSON shape: {"results": [...]} with lists/objects where the API uses them.
    with sample.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    results = []
    for row in rows:
        r: dict[str, object] = dict(row)
        r["alt_names"] = [v.strip() for v in row["alt_names"].split(";") if v.strip()]
        r["programs"] = [v.strip() for v in row["programs"].split(";") if v.strip()]
        r["nationalities"] = [v.strip() for v in row["nationalities"].split(";") if v.strip()]
        addresses = []
        for a in filter(None, (x.strip() for x in row["addresses"].split(";"))):
            parts = [p.strip() for p in a.split(",")]
            addresses.append({"address": ", ".join(parts[:-1]), "city": None, "state": None, "postal_code": None,
                              "country": parts[-1]})
        r["addresses"] = addresses
        ids = []
        for i in filter(None, (x.strip() for x in row["ids"].split(";"))):
            parts = [p.strip() for p in i.split(",")]
            if len(parts) == 3:
                ids.append({"type": parts[0], "number": parts[1], "country": parts[2]})
        r["ids"] = ids
        results.append(r)
    path = tmp_path / "consolidated.json"
    path.write_text(json.dumps({"results": results}), encoding="utf-8")
    from_json = load_csl_json(path)
    assert [e.id for e in from_json] == [e.id for e in from_csv]
    for a, b in zip(from_csv, from_json, strict=True):
        assert [n.value for n in a.names] == [n.value for n in b.names]
        assert a.countries == b.countries
        assert a.source == b.source and a.type == b.type and a.license_requirement == b.license_requirement
    rim_j = next(e for e in from_json if e.primary_name == "RIM, Ryong Nam")
    assert any(i.kind == "Passport" and i.value == "836238033" and i.country == "KP" for i in rim_j.identifiers)


def test_ftm(lists: Path) -> None:
    es = load_ftm(lists / "opensanctions_ftm" / "zala_aero_cluster.entities.ftm.json")
    assert Counter(e.type for e in es) == {EntityType.PERSON: 6, EntityType.ENTITY: 11}
    assert all(e.source == "ftm" and e.id.startswith("ftm:") for e in es)
    assert any("RU" in e.countries for e in es)
    eu = load_ftm(lists / "opensanctions_ftm" / "eu_fsf_sample.entities.ftm.json")
    assert Counter(e.type for e in eu) == {EntityType.PERSON: 4, EntityType.ENTITY: 2}


def test_sdn_diff_2024_04_26_to_05_03(lists: Path) -> None:
    d = diff(str(lists / "ofac" / "sdn_2024-04-26.csv.gz"), str(lists / "ofac" / "sdn_2024-05-03.csv.gz"))
    assert (len(d.added), len(d.removed), len(d.changed)) == (305, 8, 0)
    assert sum(1 for e in d.added if "RUSSIA-EO14024" in e.programs) >= 293


def test_shared_csv_with_missing_columns_is_clear(lists: Path, tmp_path: Path) -> None:
    sample = (lists / "csl" / "consolidated_2025_format_sample.csv").read_text(encoding="utf-8")
    header, rest = sample.split("\n", 1)
    bad = tmp_path / "consolidated.csv"
    bad.write_text(header.replace(",license_policy", "") + "\n" + rest, encoding="utf-8")
    with pytest.raises(InputError, match=r"consolidated.csv: row 1 \(header\): missing column\(s\) license_policy"):
        load_csl_csv(bad)


def test_update_with_enhanced_xml_replaces_cons_csv(lists: Path, tmp_path: Path) -> None:
    from exportgate.screen.lists.store import load_active, update

    # the XML (dataAsOf 2025-01-10) is older than the embedded Non-SDN CSV files (2025-12-19)
    result = update([str(lists / "ofac" / "CONS_ENHANCED_2025-01-14.ZIP")], tmp_path, allow_older=True)
    snap = load_active(tmp_path)
    assert snap.version == result.version
    assert snap.sources["ssi"].files == ["enhanced_xml.zip"]
    assert snap.sources["ssi"].as_of == "2025-01-10"  # publicationInfo/dataAsOf
    assert {k: snap.sources[k].count for k in ("ssi", "plc", "cmic", "fse", "ns_mbs", "capta")} == {
        "ssi": 286, "plc": 78, "cmic": 68, "fse": 1, "ns_mbs": 9, "capta": 1}  # 443, by the XML's list membership
    assert snap.sources["ofac_sdn"].as_of == "2024-05-03"  # carried over from the embedded snapshot


def test_update_with_ftm_file(lists: Path, tmp_path: Path) -> None:
    from exportgate.screen.lists.store import load_active, update

    update([str(lists / "opensanctions_ftm" / "zala_aero_cluster.entities.ftm.json")], tmp_path, as_of="2026-06-03")
    snap = load_active(tmp_path)
    assert snap.sources["ftm"].count == 17 and snap.sources["ftm"].as_of == "2026-06-03"
    assert snap.sources["ftm"].files == ["entities.ftm.json"]
    assert snap.sources["ftm"].title.startswith("FollowTheMoney")
    zakharov = next(e for e in snap.entities if e.primary_name == "Alexander Vyacheslavovich ZAKHAROV")
    assert "EU-UKR" in zakharov.programs
