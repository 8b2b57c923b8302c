"""Every threshold at, just below and just above its limit (values from the rule data's ccl.* keys)."""

from __future__ import annotations

from datetime import date

import pytest
from classify_helpers import OLD, cls, ic, run

from exportgate.classify import parse_item
from exportgate.errors import InputError

IO = 1000.0  # aggregate I/O high enough that 3A991.p always applies below 3A090 (>= 150 GB/s)


@pytest.mark.parametrize(
    ("tpp", "pd", "expected"),
    [
        # 3A090.a.1: TPP >= 4800, whatever the PD
        (4800, 0.5, "3A090.a.1"),
        (4800.01, 0.5, "3A090.a.1"),
        (4799.99, 0.5, "3A991.p"),
        (4800, 4.0, "3A090.a.1"),  # b.2's wording could also catch it: a.1 wins
        # 3A090.a.2: TPP >= 1600 and PD >= 5.92
        (1600, 5.92, "3A090.a.2"),
        (1600, 5.93, "3A090.a.2"),
        (1599.99, 5.92, "3A991.p"),
        (1600, 5.9199, "3A090.b.2"),
        # 3A090.b.1: 2400 <= TPP < 4800 and 1.6 <= PD < 5.92
        (2400, 1.6, "3A090.b.1"),
        (2400.01, 1.61, "3A090.b.1"),
        (2399.99, 1.6, "3A991.p"),
        (3000, 1.5999, "3A991.p"),
        (4799.99, 1.6, "3A090.b.1"),
        (3000, 5.9199, "3A090.b.1"),  # also meets b.2; named b.1
        (3000, 5.92, "3A090.a.2"),  # PD upper bound of b.1 is exclusive
        # 3A090.b.2: TPP >= 1600 and 3.2 <= PD < 5.92
        (1600, 3.2, "3A090.b.2"),
        (1600.01, 3.21, "3A090.b.2"),
        (2000, 3.1999, "3A991.p"),
        (1599.99, 3.2, "3A991.p"),
    ],
)
def test_3a090_nov_2023(tpp: float, pd: float, expected: str) -> None:
    assert cls(ic(tpp, pd, aggregate_bidirectional_io_gbps=IO)) == expected


@pytest.mark.parametrize(
    ("tpp", "pd", "dc", "expected"),
    [
        (4799.99, 10.0, False, "3A991.p"),  # Note 2: not datacenter, TPP < 4800: excluded whatever PD
        (4800, 10.0, False, "3A090.a.1"),  # Note 2 does not exclude at 4800: a.1 (NAC/ACA territory)
        (4800.01, 1.0, False, "3A090.a.1"),
        (4799.99, 10.0, True, "3A090.a.2"),  # the same chip marketed for datacenters
        (3000, 4.0, False, "3A991.p"),
        (3000, 4.0, True, "3A090.b.1"),
    ],
)
def test_datacenter_note(tpp: float, pd: float, dc: bool, expected: str) -> None:
    assert cls(ic(tpp, pd, dc=dc, aggregate_bidirectional_io_gbps=IO)) == expected


def test_note2_reason_is_given() -> None:
    c = run(ic(3000, 4.0, dc=False, aggregate_bidirectional_io_gbps=IO))
    assert any("Note 2" in r and "excluded" in r for r in c.reasons)


@pytest.mark.parametrize(
    ("tpp", "io", "expected"),
    [
        (4800, 600, "3A090.a"),
        (4800.01, 600.01, "3A090.a"),
        (4799.99, 600, "3A991.p"),
        (4800, 599.99, "3A991.p"),
        (20000, 400, "3A991.p"),  # the A800/H800 design approach
    ],
)
def test_3a090_oct_2022(tpp: float, io: float, expected: str) -> None:
    # PD and the datacenter flag play no part in the 2022 text
    assert cls(ic(tpp, 50.0, dc=False, aggregate_bidirectional_io_gbps=io), OLD) == expected


@pytest.mark.parametrize(
    ("tops", "io", "expected"),
    [
        (8, 0, "3A991.p"),
        (8.01, 0, "3A991.p"),
        (7.99, 149.99, None),
        (7.99, 150, "3A991.p"),
        (7.99, 150.01, "3A991.p"),
    ],
)
def test_3a991p(tops: float, io: float, expected: str | None) -> None:
    data = ic(dense_tops={"int8": tops}, aggregate_bidirectional_io_gbps=io)
    assert cls(data) == expected
    assert cls(data, OLD) == expected


@pytest.mark.parametrize(
    ("mbd", "expected"),
    [(2, None), (1.99, None), (2.01, "3A090.c"), (30, "3A090.c")],
)
def test_3a090c_exclusive(mbd: float, expected: str | None) -> None:
    data = {"name": "HBM3E stack", "kind": "hbm_stack", "memory_bandwidth_density_gbps_per_mm2": mbd}
    assert cls(data, date(2024, 12, 2)) == expected


@pytest.mark.parametrize(
    ("ops", "expected"),
    [(1e26, "4E091"), (1.01e26, "4E091"), (9.99e25, None)],
)
def test_4e091_threshold(ops: float, expected: str | None) -> None:
    data = {"name": "m", "kind": "model_weights", "training_operations": ops, "weights_published": False}
    assert cls(data, date(2025, 2, 1)) == expected


@pytest.mark.parametrize(
    ("extra", "expected"),
    [(2.5e25, None), (2.49e25, None), (2.51e25, "4E091")],
)
def test_4e091_derived_model(extra: float, expected: str | None) -> None:
    data = {
        "name": "fine-tune",
        "kind": "model_weights",
        "training_operations": 2e26,
        "weights_published": False,
        "derived_from_published_weights": True,
        "additional_training_operations": extra,
    }
    c = run(data, date(2025, 2, 1))
    assert c.classification == expected
    # without the Note 2 figure the limit is at least the floor (no longer 25% of 10^26, an unverified reading)
    assert any("the Note 2 figure is not given (note2_operations)" in r and "2.5e+25 used" in r for r in c.reasons)


@pytest.mark.parametrize(
    ("extra", "note2", "expected"),
    [
        (5e25, 1.6e26, "4E091"),  # limit = max(2.5e25, 0.25 x 1.6e26 = 4e25) = 4e25 < 5e25
        (3e25, 1.6e26, None),  # 3e25 <= 4e25: not controlled although above the floor
        (3e25, 8e25, "4E091"),  # 0.25 x 8e25 = 2e25 < floor: the floor (2.5e25) is the higher
    ],
)
def test_4e091_note1_whichever_is_higher_with_note2_figure(extra: float, note2: float, expected: str | None) -> None:
    """Note 1 to 4E091: additional training must exceed the higher of 2.5e25 and 25% of the Note 2 figure."""
    data = {
        "name": "fine-tune", "kind": "model_weights", "training_operations": 2e26, "weights_published": False,
        "derived_from_published_weights": True, "additional_training_operations": extra, "note2_operations": note2,
    }
    c = run(data, date(2025, 2, 1))
    assert c.classification == expected
    assert any("the higher of 2.5e+25 and 0.25 × the Note 2 figure" in r for r in c.reasons)


def test_4e091_note2_frontier_floor() -> None:
    """Note 2 to 4E091: trained with fewer operations than the Note 2 figure -> not controlled."""
    base = {"name": "m", "kind": "model_weights", "training_operations": 2e26, "weights_published": False}
    assert cls({**base, "note2_operations": 3e26}, date(2025, 2, 1)) is None
    assert cls({**base, "note2_operations": 2e26}, date(2025, 2, 1)) == "4E091"
    assert cls(base, date(2025, 2, 1)) == "4E091"


@pytest.mark.parametrize(
    ("item", "expected", "density"),
    [
        ({"memory_bandwidth_gbps": 819, "stack_area_mm2": 110}, "3A090.c", 819 / 110),  # 7.45 > 2
        ({"memory_bandwidth_gbps": 200, "stack_area_mm2": 110}, None, 200 / 110),  # 1.82: not > 2
        ({"memory_bandwidth_gbps": 220, "stack_area_mm2": 110}, None, 2.0),  # exactly 2: not greater
        # a stack inside a package: the packaged device's bandwidth over the package area (Technical Note 1)
        ({"memory_bandwidth_gbps": 3350, "stack_area_mm2": 110, "package_area_mm2": 2000}, None, 3350 / 2000),
    ],
)
def test_hbm_density_computed_from_bandwidth_and_area(item: dict, expected: str | None, density: float) -> None:
    c = run({"name": "hbm", "kind": "hbm_stack", **item}, date(2025, 1, 1))
    assert c.classification == expected
    assert c.memory_bandwidth_density == pytest.approx(density)
    assert any("Technical Note 1 to 3A090.c" in r for r in c.reasons)
    if "package_area_mm2" in item:
        assert any("package area" in r for r in c.reasons)


def test_4e091_published_weights_excluded() -> None:
    data = {"name": "open", "kind": "model_weights", "training_operations": 5e26, "weights_published": True}
    c = run(data, date(2025, 2, 1))
    assert c.classification is None
    assert c.not_subject_to_ear == "734.7(a)" and c.label == "not subject to the EAR (734.7(a))"
    assert any("Note 1" in r for r in c.reasons)
    # below the 4E091 threshold too: published weights are outside the EAR, not an unknown classification
    small = run({**data, "training_operations": 9e24}, date(2026, 10, 20))
    assert small.label == "not subject to the EAR (734.7(a))"
    assert not any("no listed paragraph applies" in r for r in small.reasons)
    unpublished = run({**data, "training_operations": 9e24, "weights_published": False}, date(2026, 10, 20))
    assert unpublished.not_subject_to_ear is None and unpublished.label is None


def test_reasons_show_value_limit_and_inclusiveness() -> None:
    c = run(ic(2400, 1.6, aggregate_bidirectional_io_gbps=IO))
    assert "3A090.b.1: TPP 2400 >= 2400 (inclusive): yes" in c.reasons
    assert "3A090.b.1: TPP 2400 < 4800 (exclusive): yes" in c.reasons
    assert "3A090.b.1: PD 1.6 >= 1.6 (inclusive): yes" in c.reasons
    assert any("88 FR 73458" in cite for cite in c.citations)


def test_pd_not_needed_for_a1_or_small_chips() -> None:
    assert cls(ic(9000, None, aggregate_bidirectional_io_gbps=IO)) == "3A090.a.1"
    assert cls(ic(1000, None, aggregate_bidirectional_io_gbps=IO)) == "3A991.p"
    assert cls(ic(3000, None, dc=False, aggregate_bidirectional_io_gbps=IO)) == "3A991.p"


def test_pd_needed_but_no_die_area_is_an_error() -> None:
    with pytest.raises(InputError) as err:
        run(ic(3000, None, aggregate_bidirectional_io_gbps=IO))
    assert err.value.field == "item.applicable_die_area_mm2"


def test_datacenter_flag_needed_only_when_it_decides() -> None:
    with pytest.raises(InputError) as err:
        run(ic(3000, 4.0, dc=None, aggregate_bidirectional_io_gbps=IO))
    assert err.value.field == "item.datacenter_designed_or_marketed"
    assert cls(ic(9000, 4.0, dc=None)) == "3A090.a.1"
    assert cls(ic(3000, 4.0, dc=None, aggregate_bidirectional_io_gbps=IO), OLD) == "3A991.p"


def test_io_needed_for_2022_text() -> None:
    with pytest.raises(InputError) as err:
        run(ic(6000, 5.0), OLD)
    assert err.value.field == "item.aggregate_bidirectional_io_gbps"


def test_exact_decimal_arithmetic_at_the_limit() -> None:
    # 300 TFLOPS at 16 bits = 4800 (BIS's own example); PD exactly 5.92 from the die area
    c = run(ic(dense_tops={"fp16": 300}, applicable_die_area_mm2=1000))
    assert c.classification == "3A090.a.1" and c.tpp == 4800
    c = run(ic(dense_tops={"int8": 200}, applicable_die_area_mm2=500))
    assert c.tpp == 1600 and c.classification == "3A090.b.2"  # PD 3.2 exactly
    c = run(ic(dense_tops={"fp16": 111}, applicable_die_area_mm2=300))  # 1776 / 300 = 5.92 exactly
    assert c.performance_density == pytest.approx(5.92)
    assert c.classification == "3A090.a.2"


def test_parse_rejects_both_tpp_and_dense_tops() -> None:
    with pytest.raises(InputError) as err:
        parse_item(ic(5000, dense_tops={"fp16": 300}))
    assert err.value.field == "item.tpp"


def test_dies_only_with_dense_tops() -> None:
    with pytest.raises(InputError) as err:
        parse_item(ic(3000, 4.0, dies=2))
    assert err.value.field == "item.dies"
