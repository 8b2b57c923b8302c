"""The web tests' store: one per module, on SQLite in a temporary folder, with a user of each role and the run's
screener (``warm_index``); argon2 at its cheapest parameters, as in every test process (``tests/conftest.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from exportgate.store.service import Service
from web_helpers import make_service


@pytest.fixture(scope="module")
def web_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("web-home")


@pytest.fixture(scope="module")
def svc(web_home: Path, warm_index: Any) -> Iterator[Service]:
    service = make_service(f"sqlite:///{web_home / 'web.db'}", None, screener=warm_index)  # the run's data home: its signing key
    yield service
    service.close()
