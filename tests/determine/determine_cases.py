"""Helpers for the determination scenarios (written from ../shared/reference/export-rules.md)."""

from __future__ import annotations

from typing import Any

from exportgate.determine import Determination, determine, parse_case
from exportgate.rules import Mode, RuleSet, load_rules

# Items as already classified (fact sheet §1.1 figures)
H100 = {"eccn": "3A090.a.1", "tpp": 15832, "datacenter_designed_or_marketed": True, "total_dram_bandwidth_gbps": 3350}
H200 = {"eccn": "3A090.a.1", "tpp": 15832, "datacenter_designed_or_marketed": True, "total_dram_bandwidth_gbps": 4800}
GAMING_A = {"eccn": "3A090.a.1", "tpp": 5000, "datacenter_designed_or_marketed": False, "total_dram_bandwidth_gbps": 1000}
B_ITEM = {"eccn": "3A090.b.1", "tpp": 3000, "datacenter_designed_or_marketed": True, "total_dram_bandwidth_gbps": 2000}
HBM = {"eccn": "3A090.c", "memory_bandwidth_density_gbps_per_mm2": 3.0}
WEIGHTS = {"eccn": "4E091"}
P_IC = {"eccn": "3A991.p", "tpp": 1000}
EAR99 = {"eccn": "EAR99"}


def case_doc(
    date: str,
    destination: str,
    item: dict[str, Any],
    *,
    transaction: str = "export",
    origin: str = "US",
    quantity: int = 1,
    **extra: Any,
) -> dict[str, Any]:
    end_user = extra.pop("end_user", {})
    end_user = {"name": "End User Co", "located_in": destination, **end_user}
    return {
        "date": date,
        "transaction": transaction,
        "origin": origin,
        "destination": destination,
        "item": item,
        "quantity": quantity,
        "end_user": end_user,
        **extra,
    }


def run(doc: dict[str, Any], mode: str = "enforced", rules: RuleSet | None = None, **kw: Any) -> Determination:
    rules = rules or load_rules()
    return determine(parse_case(doc, rules=rules), Mode(mode), rules, **kw)
