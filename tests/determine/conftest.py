"""Fixtures for the determination tests."""

from __future__ import annotations

import pytest

from exportgate.rules import RuleSet, load_rules


@pytest.fixture(scope="session")
def rules() -> RuleSet:
    return load_rules()
