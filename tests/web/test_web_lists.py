"""The lists and audit page after a real list update (a local SDN file: the first 300 rows, then the first 300
without one entry and with a new one): each list's version and date, what the update added and removed, and
the audit chain's check."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from exportgate.screen import Screener
from exportgate.screen.lists import load_active
from exportgate.screen.lists._data import data_dir
from web_helpers import make_app, make_service, sign_in

REMOVED = "BOUTIQUE LA MAISON"  # an entry among the first 300 rows of the embedded SDN file
ADDED = "NORTHWIND <b>QUANTUM</b> TRADING LLC"  # markup in a listed name is shown as text


def _sdn(path: Path, rows: list[str]) -> Path:
    path.write_text("\r\n".join(rows) + "\r\n\x1a", encoding="utf-8", newline="")
    return path


def test_the_lists_page_shows_versions_the_last_update_and_the_audit_check(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from exportgate.screen.lists.store import update

    monkeypatch.setenv("EXPORTGATE_HOME", str(tmp_path))
    text = gzip.decompress((data_dir() / "sdn_2024-05-03.csv.gz").read_bytes()).decode("utf-8")
    rows = text.rstrip("\x1a").splitlines()[:300]
    assert any(REMOVED in r for r in rows)
    update([str(_sdn(tmp_path / "sdn_2024-05-03.csv", rows))], tmp_path, min_ratio=0.0)
    svc: Any = make_service(f"sqlite:///{tmp_path / 'web.db'}", tmp_path, screener=Screener(load_active(tmp_path)))
    admin = svc.users.actor("ada")
    later = [r for r in rows if REMOVED not in r] + [f'999901,"{ADDED}",-0- ,"IRAN",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ']
    svc.update_lists(admin, [str(_sdn(tmp_path / "sdn_2024-05-10.csv", later))], rescreen=False, min_ratio=0.0)
    client = TestClient(make_app(svc, tmp_path))
    sign_in(client, "ann")
    page = client.get("/web/lists")
    assert page.status_code == 200
    version = load_active(tmp_path).version
    assert f"Version <strong>{version}</strong> (updated)" in page.text
    assert "<code>ofac_sdn</code>" in page.text and "2024-05-10" in page.text
    assert "1 added, 1 removed, 0 changed" in page.text and "not re-screened yet" in page.text
    assert REMOVED in page.text and "NORTHWIND &lt;b&gt;QUANTUM&lt;/b&gt; TRADING LLC" in page.text
    assert "<b>QUANTUM</b>" not in page.text
    assert "the audit chain is intact" in page.text and "lists.update" in str(
        [line.event for line in svc.audit_lines(admin)])
    # the footer of every page names the lists in force
    assert f"lists {version}:" in page.text
    svc.close()
