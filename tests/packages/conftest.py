"""Fixtures for the package tests: a minimal valid package document, built fresh for each test."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"

BASE: dict[str, Any] = {
    "name": "Test package",
    "date": "2026-10-15",
    "destinations": ["JP"],
    "consortium": [
        {"name": "Cascadia Compute Systems Inc.", "role": "anchor", "country": "US", "provides": ["hardware"]},
        {"name": "Hoshizora Medical AI KK", "role": "member", "country": "JP", "provides": ["applications"]},
    ],
    "business_model": {
        "summary": "s",
        "builds": "Cascadia Compute Systems Inc.",
        "owns": "Operator KK",
        "operates": "Operator KK",
    },
    "financing": [{"instrument": "loan guarantee", "agency": "EXIM", "amount_usd": 1000000}],
    "layers": {
        "hardware": [
            {"description": "switches", "quantity": 10, "value": 1000, "us_content_share": 0.9, "eccn": "EAR99"}
        ],
        "data_pipelines": [{"description": "labelling", "quantity": 1, "value": 100, "eccn": "EAR99"}],
        "models": [{"description": "model app", "quantity": 1, "value": 100, "eccn": "EAR99"}],
        "security": [{"description": "security", "quantity": 1, "value": 100, "eccn": "EAR99"}],
        "applications": [{"description": "app", "quantity": 1, "value": 100, "eccn": "EAR99"}],
    },
    "parties": [{"name": "Operator KK", "role": "ultimate_consignee", "country": "JP"}],
    "end_use": {"description": "civil cloud"},
}


@pytest.fixture
def doc() -> dict[str, Any]:
    return copy.deepcopy(BASE)
