"""Each date where the rules change, both modes, multi-die packages, sparse figures, computers, .z."""

from __future__ import annotations

from datetime import date

import pytest
from classify_helpers import cls, ic, run

from exportgate.classify import catalog_item, classify, parse_item
from exportgate.errors import InputError
from exportgate.rules import Mode

A800 = ic(dense_tops={"fp16": 312, "int8": 624}, applicable_die_area_mm2=826, aggregate_bidirectional_io_gbps=464)
H100 = ic(dense_tops={"fp16": 989.5, "fp8": 1979}, applicable_die_area_mm2=814, aggregate_bidirectional_io_gbps=1028)


def test_regime_start() -> None:
    assert cls(H100, date(2022, 10, 7)) == "3A090.a"
    assert cls(A800, date(2022, 10, 7)) == "3A991.p"
    with pytest.raises(InputError) as err:
        run(H100, date(2022, 10, 6))
    assert err.value.field == "as_of"


@pytest.mark.parametrize("mode", list(Mode))
def test_nov_2023_rewrite(mode: Mode) -> None:
    assert cls(A800, date(2023, 11, 16), mode) == "3A991.p"
    assert cls(A800, date(2023, 11, 17), mode) == "3A090.a.1"
    assert cls(H100, date(2023, 11, 16), mode) == "3A090.a"
    assert cls(H100, date(2023, 11, 17), mode) == "3A090.a.1"
    l40 = ic(dense_tops={"fp16": 181.04}, applicable_die_area_mm2=609, aggregate_bidirectional_io_gbps=64)
    assert cls(l40, date(2023, 11, 16), mode) == "3A991.p"
    assert cls(l40, date(2023, 11, 17), mode) == "3A090.b.1"


def test_hbm_dec_2024() -> None:
    hbm = {"name": "HBM3E", "kind": "hbm_stack", "memory_bandwidth_density_gbps_per_mm2": 9.8}
    c = run(hbm, date(2024, 12, 1))
    assert c.classification is None
    assert any("not in force" in r for r in c.reasons)
    assert cls(hbm, date(2024, 12, 2)) == "3A090.c"


@pytest.mark.parametrize("mode", list(Mode))
def test_weights_jan_2025(mode: Mode) -> None:
    w = {"name": "frontier", "kind": "model_weights", "training_operations": 3e26, "weights_published": False}
    assert cls(w, date(2025, 1, 12), mode) is None
    c = run(w, date(2025, 1, 13), mode)
    assert c.classification == "4E091"
    assert c.eccn == "4E091" and c.level is None


def test_weights_enforced_mode_is_flagged_unverified() -> None:
    w = {"name": "frontier", "kind": "model_weights", "training_operations": 3e26, "weights_published": False}
    enforced = run(w, date(2025, 6, 1), Mode.ENFORCED)
    text = run(w, date(2025, 6, 1), Mode.TEXT)
    assert enforced.classification == text.classification == "4E091"
    assert any("[unverified]" in c and "4E091" in c for c in enforced.citations)
    assert not any("[unverified]" in c and c.startswith("15 CFR 774 Supp. 1, ECCN 4E091;") for c in text.citations)
    assert any("enforced mode" in r for r in enforced.reasons)


def test_hardware_same_in_both_modes() -> None:
    for d in (date(2023, 1, 1), date(2024, 1, 1), date(2025, 6, 1)):
        for data in (A800, H100):
            assert cls(data, d, Mode.ENFORCED) == cls(data, d, Mode.TEXT)


def test_multi_die_package() -> None:
    # dense_tops are per die when dies > 1; the package TPP is the sum over the dies
    one = run(ic(dense_tops={"fp16": 200}, dies=1, applicable_die_area_mm2=1000, aggregate_bidirectional_io_gbps=0))
    two = run(ic(dense_tops={"fp16": 200}, dies=2, applicable_die_area_mm2=1000, aggregate_bidirectional_io_gbps=0))
    assert one.tpp == 3200 and one.classification == "3A090.b.1"
    assert two.tpp == 6400 and two.classification == "3A090.a.1"
    assert two.performance_density == 6.4  # area is the package total
    assert any("× 2 dies = 6400" in r for r in two.reasons)


def test_sparse_figures_ignored() -> None:
    c = run(ic(dense_tops={"fp16": 100}, sparse_tops={"fp16": 2000}, applicable_die_area_mm2=500,
               aggregate_bidirectional_io_gbps=0))
    assert c.tpp == 1600
    assert c.classification == "3A090.b.2"
    assert any("sparse_tops ignored" in r for r in c.reasons)


def test_tpp_arithmetic_shown_and_highest_precision_wins() -> None:
    c = run(ic(dense_tops={"fp16": 989.4, "fp8": 1978.9, "int4": 100}, applicable_die_area_mm2=814))
    assert c.tpp == pytest.approx(15831.2)
    assert c.reasons[0].startswith("TPP = max(fp16 989.4 × 16 = 15830.4, fp8 1978.9 × 8 = 15831.2, int4 100 × 4 = 400)")
    assert c.reasons[0].endswith("= 15831.2 (dense figures, per package)")


def test_tf32_counts_19_bits() -> None:
    c = run(ic(dense_tops={"tf32": 190, "bf16": 190}, applicable_die_area_mm2=1000, aggregate_bidirectional_io_gbps=0))
    assert c.tpp == 3610


def test_server_by_contents() -> None:
    server = {"name": "HGX", "kind": "server", "contains": [{"item": "NVIDIA H100 SXM", "count": 8}]}
    new = run(server, date(2024, 1, 1))
    assert new.classification == "4A090.a" and new.level == "a" and new.eccn == "4A090"
    assert new.tpp == 8 * 15832
    assert cls(server, date(2023, 1, 1)) == "4A090"
    a800_box = {"name": "box", "kind": "computer", "contains": [{"item": "NVIDIA A800 SXM", "count": 8}]}
    assert cls(a800_box, date(2023, 1, 1)) == "4A994.l"
    assert cls(a800_box, date(2024, 1, 1)) == "4A090.a"
    l40_box = {"name": "box", "kind": "server", "contains": [{"item": "NVIDIA L40", "count": 4}]}
    assert run(l40_box, date(2024, 1, 1)).level == "b"
    assert cls(l40_box, date(2024, 1, 1)) == "4A090.b"
    mixed = {"name": "mix", "kind": "server", "contains": [
        {"item": "NVIDIA L40", "count": 4}, {"item": H100, "count": 1},
        {"item": {"kind": "hbm_stack", "memory_bandwidth_density_gbps_per_mm2": 10}, "count": 8}]}
    assert cls(mixed, date(2025, 1, 1)) == "4A090.a"
    empty = {"name": "pc", "kind": "computer", "contains": [{"item": "NVIDIA RTX 4090 D", "count": 1}]}
    assert cls(empty, date(2024, 1, 1)) == "4A994.l"


def test_z_paragraphs() -> None:
    server = {"name": "mm server", "kind": "server", "base_eccn": "5A992",
              "contains": [{"item": "NVIDIA H100 SXM", "count": 8}]}
    assert cls(server, date(2024, 1, 1)) == "5A992.z.1"
    c = run(server, date(2023, 1, 1))
    assert c.classification == "4A090"
    assert any(".z paragraphs do not exist" in r for r in c.reasons)
    server_b = {**server, "contains": [{"item": "NVIDIA L40", "count": 8}]}
    assert cls(server_b, date(2024, 1, 1)) == "5A992.z.2"
    assert cls({**server, "base_eccn": "4A004"}, date(2024, 1, 1)) == "4A004.z.1"
    with pytest.raises(InputError) as err:
        run({**server, "base_eccn": "9A999"}, date(2024, 1, 1))
    assert err.value.field == "item.base_eccn"


def test_computer_errors_name_nested_fields() -> None:
    bad = {"name": "s", "kind": "server", "contains": [{"item": {"kind": "integrated_circuit",
                                                                 "dense_tops": {"fp9": 1}}, "count": 1}]}
    with pytest.raises(InputError) as err:
        parse_item(bad)
    assert err.value.field == "item.contains[0].item.dense_tops.fp9"
    with pytest.raises(InputError) as err:
        parse_item({"kind": "server", "contains": [{"item": "NVIDIA H999", "count": 1}]})
    assert err.value.field == "item.contains[0].item"


def test_catalog_item_classify_direct() -> None:
    c = classify(catalog_item("NVIDIA H100 SXM"), date(2024, 1, 1))
    assert c.classification == "3A090.a.1"
    assert c.to_json()["name"] == "NVIDIA H100 SXM5 80GB"
