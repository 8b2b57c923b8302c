"""Shared test fixtures.

``shared_dir`` points at ``../shared`` (the project's reference data, present in CI); tests that need
it are skipped cleanly on a fresh clone without it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not (SHARED / "data").is_dir():
        pytest.skip("../shared is not present")
    return SHARED
