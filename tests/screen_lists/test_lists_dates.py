"""Content dates of list files (exportgate.screen.lists.dates): what each format states, in which order the
sources are trusted, and that nothing makes a list look newer than it is."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from exportgate.errors import InputError
from exportgate.screen.lists.dates import (
    BASIS_DATA_AS_OF,
    BASIS_LAST_MODIFIED,
    BASIS_LATEST,
    BASIS_NAME,
    BASIS_OPTION,
    ContentDate,
    content_date,
    name_date,
    resolve_as_of,
)

TODAY = date(2026, 12, 1)


def _row(source: str, start: str) -> dict[str, str]:
    return {"_id": "x1", "source": source, "name": "ACME", "start_date": start}


def test_csl_json_states_its_rows_and_sources_used_dates(tmp_path: Path) -> None:
    doc = {
        "results": [_row("Entity List (EL) - Bureau of Industry and Security", "2024-02-01"),
                    _row("Denied Persons List (DPL) - Bureau of Industry and Security", "2099-01-01")],
        "sources_used": [{"source": "Entity List (EL) - Bureau of Industry and Security",
                          "source_last_updated": "2024-03-05T10:11:12+00:00", "last_imported": "2024-03-07T01:00:00"}],
    }
    path = tmp_path / "consolidated.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    # the latest date stated, not counting one in the future
    assert content_date(path, "csl_json", TODAY) == ContentDate("2024-03-07", False, BASIS_LATEST)


def test_files_stating_nothing_have_no_content_date(tmp_path: Path) -> None:
    path = tmp_path / "sdn.csv"
    path.write_text('36,"AEROCARIBBEAN AIRLINES",-0- ,"CUBA",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n')
    assert content_date(path, "sdn", TODAY) is None
    broken = tmp_path / "consolidated.csv"
    broken.write_bytes(b"\xff\xfe not a csv")
    assert content_date(broken, "csl", TODAY) is None  # the loader says what is wrong with it


def test_name_dates() -> None:
    assert name_date("https://x.example/lists/sdn_2024-05-03.csv.gz?x=1") == "2024-05-03"
    assert name_date("consolidated_2022-04.csv.gz") is None  # not a full date
    assert name_date("sdn_2024-02-30.csv") is None  # not a date


def test_the_order_of_trust() -> None:
    exact = ContentDate("2025-01-10", True, BASIS_DATA_AS_OF)
    bound = ContentDate("2022-04-21", False, BASIS_LATEST)
    assert resolve_as_of("f", exact, stated="2025-01-10", name="2025-01-14") == ("2025-01-10", BASIS_DATA_AS_OF)
    with pytest.raises(InputError, match="disagrees with the date the file states"):
        resolve_as_of("f", exact, stated="2025-01-14")
    assert resolve_as_of("f", bound, stated="2022-05-01", name="2022-06-01") == ("2022-05-01", BASIS_OPTION)
    assert resolve_as_of("f", bound, name="2022-06-01", last_modified="2026-12-01") == ("2022-06-01", BASIS_NAME)
    assert resolve_as_of("f", bound, last_modified="2026-12-01") == ("2022-04-21", BASIS_LATEST)
    assert resolve_as_of("f", None, last_modified="2026-12-01") == ("2026-12-01", BASIS_LAST_MODIFIED)
    with pytest.raises(InputError, match="its name says 2022-01-01, but the file lists entries dated up to"):
        resolve_as_of("f", bound, name="2022-01-01")
    with pytest.raises(InputError, match="states no date of its own"):
        resolve_as_of("f", None)
