"""Property: classification never gets less strict as TPP grows at fixed PD (and fixed everything else).

Strictness order (``exportgate.classify.STRICTNESS`` over ``Classification.tier``):
none < 3A991.p (AT only) < 3A090 .b-level < 3A090 .a-level.
"""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from exportgate.classify import STRICTNESS, classify, parse_item
from exportgate.rules import Mode

DATES = [date(2022, 10, 7), date(2023, 11, 16), date(2023, 11, 17), date(2024, 12, 2), date(2025, 6, 1)]
tops = st.decimals(min_value=0, max_value=5000, places=2, allow_nan=False, allow_infinity=False).map(float)


@settings(max_examples=300, deadline=None)
@given(
    t1=tops,
    t2=tops,
    pd=st.decimals(min_value=0, max_value=20, places=3).map(float),
    dc=st.booleans(),
    io=st.sampled_from([0.0, 149.99, 150.0, 599.99, 600.0, 900.0]),
    day=st.sampled_from(DATES),
    mode=st.sampled_from(list(Mode)),
)
def test_never_less_strict_as_tpp_grows(
    t1: float, t2: float, pd: float, dc: bool, io: float, day: date, mode: Mode
) -> None:
    low, high = sorted((t1, t2))

    def tier(fp16: float) -> int:
        item = parse_item({
            "kind": "integrated_circuit",
            "datacenter_designed_or_marketed": dc,
            "dense_tops": {"fp16": fp16},
            "performance_density": pd,
            "aggregate_bidirectional_io_gbps": io,
        })
        return STRICTNESS[classify(item, day, mode).tier]

    assert tier(low) <= tier(high)
