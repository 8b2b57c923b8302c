"""Shared test fixtures.

``shared_dir`` points at ``../shared`` (the project's reference data, present in CI); tests that need
it are skipped cleanly on a fresh clone without it. ``warm_index`` builds the default screener once per
run, so its index is on disk before any test starts a subprocess.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


def pytest_configure(config: pytest.Config) -> None:
    """Keep the test run away from the user's own data home (ledger, updated lists, caches).

    One private home per run, and one cache directory (``EXPORTGATE_CACHE_DIR``), shared by in-process
    tests and the subprocesses they start (they inherit the environment): the screening index is built
    once per run, also for a test that gives a subprocess an empty home of its own.
    """
    if "EXPORTGATE_TEST_HOME" not in os.environ:
        os.environ["EXPORTGATE_TEST_HOME"] = tempfile.mkdtemp(prefix="exportgate-test-home-")
    os.environ["EXPORTGATE_HOME"] = os.environ["EXPORTGATE_TEST_HOME"]
    os.environ["EXPORTGATE_CACHE_DIR"] = str(Path(os.environ["EXPORTGATE_TEST_HOME"]) / "cache")
    os.environ.pop("EXPORTGATE_DB_URL", None)


@pytest.fixture(scope="session")
def warm_index() -> Any:
    """The default screener (the run's home: the embedded lists), built once per run; its index, cached in
    ``EXPORTGATE_CACHE_DIR``, is what every later subprocess loads instead of building its own."""
    from exportgate.packages.screening import default_screener

    return default_screener()


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not (SHARED / "data").is_dir():
        pytest.skip("../shared is not present")
    return SHARED


class _Planted:
    """Unpickling this creates a marker file: the proof that something loaded a pickle."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, ...]:
        return (open, (str(self.marker), "w"))


@pytest.fixture()
def planted_pickle(tmp_path: Path) -> tuple[bytes, Path]:
    """A pickle that would create a marker file if anything loaded it, and the marker's path (absent)."""
    import pickle

    marker = tmp_path / "planted-pickle-ran"
    return pickle.dumps(_Planted(marker)), marker
