"""`lists update` against a local HTTP server: success, 404, truncated, malformed, row-count drop.

Every failure must leave the active version untouched and no staging directory behind.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from lists_helpers import SMALL, head_lines
from typer.testing import CliRunner

from exportgate.cli import app
from exportgate.errors import InputError
from exportgate.screen.lists import load_active
from exportgate.screen.lists.diff import diff
from exportgate.screen.lists.store import UpdateError, active_version, update, versions

Server = tuple[str, Path, dict[str, Any]]


def _state(home: Path) -> tuple[str, list[str]]:
    pointer = (home / "lists" / "active").read_text(encoding="utf-8")
    staging = [p.name for p in (home / "lists" / "versions").iterdir() if p.name.startswith(".")]
    return pointer, staging


def _serve_sdn(root: Path, rows: int) -> None:
    (root / "sdn.csv").write_text(head_lines("sdn_2024-05-03.csv.gz", rows), encoding="utf-8", newline="")


def test_base_home_is_small_and_active(small_home: Path) -> None:
    snap = load_active()
    assert snap.origin == "updated"
    assert snap.sources["ofac_sdn"].count >= 400
    assert snap.sources["entity_list"].count > 100
    assert active_version() is not None and len(versions()) == 1


def test_update_success_swaps_active(small_home: Path, http_server: Server) -> None:
    base, root, _ = http_server
    _serve_sdn(root, 420)
    before = active_version()
    result = update([f"{base}/sdn.csv"])
    assert result.snapshot.sources["ofac_sdn"].count == load_active().sources["ofac_sdn"].count
    assert active_version() != before and active_version() == result.path
    assert len(versions()) == 2
    snap = load_active()
    assert snap.sources["ofac_sdn"].files[0] == "sdn.csv"
    assert snap.sources["ofac_sdn"].sha256["sdn.csv"] == result.fetched[0]["sha256"]
    # the CSL and the other OFAC files are carried over unchanged
    assert snap.sources["entity_list"].count == result.previous["entity_list"]
    assert _state(small_home)[1] == []
    # the two versions can be compared by name
    d = diff(before.name if before else "embedded", result.version)
    assert (len(d.added), len(d.removed)) == (20, 0)


def test_update_repairs_a_broken_pointer(small_home: Path, small_files: Path) -> None:
    (small_home / "lists" / "active").write_text("gone\n", encoding="utf-8")
    result = update([str(small_files / SMALL["sdn"])], min_ratio=0.0)
    assert active_version() == result.path


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("404", r"HTTP 404"),
        ("truncated_http", r"truncated download|download failed"),
        ("truncated_mid_row", r"validation failed: sdn.csv: row \d+: "),
        ("malformed_html", r"validation failed: sdn.csv: row 1: expected 12 columns, got 1"),
        ("bad_encoding", r"validation failed: sdn.csv: line 3: not UTF-8 text"),
        ("row_count_drop", r"row counts out of bounds: ofac_sdn has \d+ entries, below 80% of the previous \d+"),
        ("row_count_jump", r"above 150% of the previous"),
        ("empty", r"empty download"),
    ],
)
def test_update_failures_leave_active_untouched(small_home: Path, http_server: Server, case: str,
                                                message: str) -> None:
    base, root, overrides = http_server
    url = f"{base}/sdn.csv"
    full = head_lines("sdn_2024-05-03.csv.gz", 400)
    if case == "truncated_http":
        overrides["/sdn.csv"] = ("lie_length", full.encode()[: len(full) // 2])
    elif case == "truncated_mid_row":
        cut = full[: len(full) // 2]
        cut = cut[: cut.rfind('"') - 3]  # inside a quoted field of a row
        (root / "sdn.csv").write_text(cut, encoding="utf-8", newline="")
    elif case == "malformed_html":
        (root / "sdn.csv").write_text("<html><body>Service unavailable</body></html>\n", encoding="utf-8")
    elif case == "bad_encoding":
        lines = full.split("\r\n")
        lines[2] = lines[2].replace("CUBA", "CUB\u00c1")
        (root / "sdn.csv").write_bytes("\r\n".join(lines).encode("latin-1"))
    elif case == "row_count_drop":
        _serve_sdn(root, 150)
    elif case == "row_count_jump":
        _serve_sdn(root, 2000)
    elif case == "empty":
        (root / "sdn.csv").write_bytes(b"")
    before = _state(small_home)
    counts = load_active().counts()
    with pytest.raises(UpdateError, match=message) as err:
        update([url])
    assert "\n" not in str(err.value)
    assert _state(small_home) == before
    assert load_active().counts() == counts
    assert len(versions()) == 1


def test_gzip_content_encoding(small_home: Path, http_server: Server) -> None:
    base, _, overrides = http_server
    overrides["/sdn.csv"] = ("gzip", head_lines("sdn_2024-05-03.csv.gz", 410).encode())
    result = update([f"{base}/sdn.csv"], as_of="2024-05-03")  # no Last-Modified, no date in the file
    assert result.snapshot.file_rows["sdn"] == 410


def test_truncated_alias_file_is_refused(small_home: Path, http_server: Server) -> None:
    """A cut alias table still parses and keeps every entity, but its row count gives it away."""
    base, root, _ = http_server
    (root / "alt.csv").write_text(head_lines("alt_2026-06-02.csv.gz", 100), encoding="utf-8", newline="")
    before = _state(small_home)
    with pytest.raises(UpdateError, match=r"alt file has 100 rows, below 80% of the previous 300"):
        update([f"{base}/alt.csv"])
    assert _state(small_home) == before


def test_bounds_are_configurable(small_home: Path, http_server: Server) -> None:
    base, root, _ = http_server
    _serve_sdn(root, 150)
    result = update([f"{base}/sdn.csv"], min_ratio=0.2)
    assert result.snapshot.sources["ofac_sdn"].count < 300


def test_old_versions_are_pruned(small_home: Path, small_files: Path) -> None:
    for _ in range(6):
        update([str(small_files / SMALL["sdn_comments"])])
    assert len(versions()) == 5
    assert active_version() is not None and active_version().name == versions()[-1]  # type: ignore[union-attr]


def test_unknown_file_name_is_refused(small_home: Path) -> None:
    with pytest.raises(InputError, match="cannot tell which list file"):
        update(["https://example.invalid/whatever.txt"])


def test_cli_update_failure_is_one_line_exit_2(small_home: Path, http_server: Server) -> None:
    base, _, _ = http_server
    before = _state(small_home)
    proc = CliRunner().invoke(app, ["lists", "update", "--from", f"{base}/sdn.csv"],
                              env={"EXPORTGATE_HOME": str(small_home)})
    assert proc.exit_code == 2
    assert proc.stderr.strip().count("\n") == 0
    assert proc.stderr.startswith("error: lists update: ") and "HTTP 404" in proc.stderr
    assert "Traceback" not in proc.output
    assert _state(small_home) == before


def test_cli_update_success_and_status(small_home: Path, http_server: Server) -> None:
    base, root, _ = http_server
    _serve_sdn(root, 410)
    env = {"EXPORTGATE_HOME": str(small_home)}
    proc = CliRunner().invoke(app, ["lists", "update", "--from", f"{base}/sdn.csv"], env=env)
    assert proc.exit_code == 0, proc.output
    assert proc.stdout.startswith("activated lists version ")
    status = CliRunner().invoke(app, ["lists", "status", "--json"], env=env)
    assert status.exit_code == 0, status.output
    doc = json.loads(status.stdout)
    assert doc["origin"] == "updated"
    assert doc["sources"]["ofac_sdn"]["files"][0] == "sdn.csv"
    assert doc["sources"]["entity_list"]["as_of"] == "2022-04-21"  # carried over from the base version
    assert doc["sources"]["ofac_sdn"]["as_of"] == "2026-11-25" or len(doc["sources"]["ofac_sdn"]["as_of"]) == 10


def test_corrupt_cache_is_rebuilt(small_home: Path) -> None:
    counts = load_active().counts()
    caches = list((small_home / "cache").glob("lists-*.egcache"))
    assert caches
    for cache in caches:
        cache.write_bytes(b"\x80\x05garbage")
    assert load_active().counts() == counts
