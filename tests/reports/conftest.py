"""Fixtures for the memo tests: a full hand-built result (see report_samples.py)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from report_samples import make_result


@pytest.fixture
def result() -> dict[str, Any]:
    return copy.deepcopy(make_result())
