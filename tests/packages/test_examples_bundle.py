"""The example packages shipped inside the tool are the repository's examples, byte for byte."""

from __future__ import annotations

from pathlib import Path

import pytest

import exportgate.packages
from exportgate.reports.runner import find_examples

ROOT = Path(__file__).resolve().parents[2]


def test_bundled_examples_equal_the_repository_examples() -> None:
    bundled = Path(exportgate.packages.__file__).parent / "examples"
    repo = {p.name: p.read_bytes() for p in (ROOT / "examples").glob("*.yaml")}
    shipped = {p.name: p.read_bytes() for p in bundled.glob("*.yaml")}
    assert repo and shipped == repo


def test_run_falls_back_to_the_bundled_examples(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    directory, files = find_examples(None)
    assert directory == Path(exportgate.packages.__file__).parent / "examples"
    assert len(files) >= 4
    (tmp_path / "examples").mkdir()
    (tmp_path / "examples" / "mine.yaml").write_text("name: x\n")
    directory, files = find_examples(None)
    assert directory == Path("examples") and [f.name for f in files] == ["mine.yaml"]
