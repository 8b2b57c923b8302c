"""``exportgate.io.write_atomic``: the new file whole, or the old one untouched."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from exportgate.errors import InputError
from exportgate.io import write_atomic


def test_writes_text_and_bytes_creating_the_directory(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "out.json"
    assert write_atomic(target, "{}\n") == target
    assert target.read_text(encoding="utf-8") == "{}\n"
    write_atomic(target, b"\x00\x01")
    assert target.read_bytes() == b"\x00\x01"
    assert [p.name for p in target.parent.iterdir()] == ["out.json"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "memo.json"
    target.write_text("old", encoding="utf-8")

    def boom(*_args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(InputError, match=r"cannot write .*memo.json: disk full"):
        write_atomic(target, "new")
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["memo.json"]


def test_a_directory_that_cannot_be_made_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputError) as info:
        write_atomic(tmp_path / "file" / "sub" / "out.md", "x", field="--out")
    assert info.value.field == "--out" and "cannot create directory" in info.value.problem
