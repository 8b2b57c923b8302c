"""Helpers for the service tests: a package with one strong match, a determination, small list files."""

from __future__ import annotations

import copy
import gzip
from pathlib import Path
from typing import Any

from exportgate.io import read_document
from exportgate.screen.lists._data import data_dir

ROOT = Path(__file__).resolve().parents[2]
#: a name that strongly matches one Entity List entry (a blocking list) in the embedded lists
LISTED_LIKE = "Huawei Technologies Japan KK"

#: a determination case (the H100 to Japan: no licence required)
DETERMINE_CASE: dict[str, Any] = {
    "date": "2026-03-01", "transaction": "export", "origin": "US", "destination": "JP",
    "item": {"eccn": "3A090.a.1", "tpp": 15832, "datacenter_designed_or_marketed": True,
             "total_dram_bandwidth_gbps": 3350},
    "quantity": 1, "end_user": {"name": "Sakura Sovereign Cloud KK", "located_in": "JP"},
}


def package_with(*names: str, example: str = "01-japan-sovereign-cloud.yaml") -> dict[str, Any]:
    """A bundled example (clear as it stands) with an intermediary added for each name."""
    doc = copy.deepcopy(read_document(str(ROOT / "examples" / example)))
    for name in names:
        doc["parties"].append({"name": name, "role": "intermediary", "country": "JP"})
    return doc


def sdn_rows(n: int) -> list[str]:
    """The first ``n`` rows of the embedded SDN file (the official legacy CSV)."""
    text = gzip.decompress((data_dir() / "sdn_2024-05-03.csv.gz").read_bytes()).decode("utf-8")
    return text.rstrip("\x1a").splitlines()[:n]


def write_sdn(path: Path, rows: list[str]) -> Path:
    path.write_text("\r\n".join(rows) + "\r\n\x1a", encoding="utf-8", newline="")
    return path


def fields(row: str) -> list[str]:
    import csv

    return next(csv.reader([row]))


def row(values: list[str]) -> str:
    import csv
    import io

    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(values)
    return out.getvalue()
