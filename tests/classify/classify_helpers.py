"""Helpers for the classification tests."""

from __future__ import annotations

from datetime import date
from typing import Any

from exportgate.classify import Classification, classify, parse_item
from exportgate.rules import Mode

NEW = date(2024, 1, 1)  # the Nov 2023 text (3A090.a/.b with PD and the datacenter note)
OLD = date(2023, 1, 1)  # the Oct 2022 text (I/O AND TPP)


def ic(tpp: float | None = None, pd: float | None = None, dc: bool | None = True, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"name": "test chip", "kind": "integrated_circuit"}
    if tpp is not None:
        data["tpp"] = tpp
    if pd is not None:
        data["performance_density"] = pd
    if dc is not None:
        data["datacenter_designed_or_marketed"] = dc
    data.update(extra)
    return data


def run(data: dict[str, Any], as_of: date = NEW, mode: Mode = Mode.ENFORCED) -> Classification:
    return classify(parse_item(data), as_of, mode)


def cls(data: dict[str, Any], as_of: date = NEW, mode: Mode = Mode.ENFORCED) -> str | None:
    return run(data, as_of, mode).classification
