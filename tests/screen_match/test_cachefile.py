"""The cache file format: a file is used only when it is exactly what this code writes for the same code and
data hashes; anything else (truncated, corrupted, foreign, stale, hand-made) reads as absent."""

from __future__ import annotations

import hashlib
import json
import pickle
import struct
import sys
from pathlib import Path

import pytest

from exportgate.screen import cachefile

CODE = "c" * 64
DATA = "d" * 64


def _write(path: Path) -> None:
    assert cachefile.write(
        path,
        "test-kind",
        CODE,
        DATA,
        {
            "words": cachefile.text_section(["alpha", "", "gamma delta"]),
            "ids": cachefile.u32_section([0, 7, 4_000_000_000]),
            "weights": cachefile.f64_section([0.1 + 0.2, 1e-300]),
            "doc": cachefile.json_section({"a": [1, "b"]}),
            "blob": ("bytes", b"\x00\xff raw"),
            "empty": cachefile.text_section([]),
        },
    )


def test_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "x.egcache"
    _write(path)
    cf = cachefile.read(path, "test-kind", CODE, DATA)
    assert cf is not None
    assert cf.text("words") == ["alpha", "", "gamma delta"]
    assert cf.text("empty") == []
    assert list(cf.u32("ids")) == [0, 7, 4_000_000_000]
    assert list(cf.f64("weights")) == [0.1 + 0.2, 1e-300]  # exact: the bytes of the doubles
    assert cf.json("doc") == {"a": [1, "b"]}
    assert bytes(cf.raw("blob")) == b"\x00\xff raw"
    with pytest.raises(cachefile.CacheError):
        cf.u32("words")  # a section is read only as what it was written as
    with pytest.raises(cachefile.CacheError):
        cf.text("missing")


def test_a_text_item_with_a_newline_is_refused() -> None:
    with pytest.raises(ValueError):
        cachefile.text_section(["one", "two\nlines"])


@pytest.mark.parametrize(
    ("kind", "code", "data"),
    [("other-kind", CODE, DATA), ("test-kind", "e" * 64, DATA), ("test-kind", CODE, "e" * 64)],
)
def test_another_kind_code_or_data_is_not_used(tmp_path: Path, kind: str, code: str, data: str) -> None:
    path = tmp_path / "x.egcache"
    _write(path)
    assert cachefile.read(path, kind, code, data) is None


def test_every_truncation_and_every_flipped_byte_reads_as_absent(tmp_path: Path) -> None:
    path = tmp_path / "x.egcache"
    _write(path)
    blob = path.read_bytes()
    for cut in range(len(blob)):
        assert cachefile.verify(blob[:cut], "test-kind", CODE, DATA) is None, cut
    for i in range(len(blob)):
        damaged = bytearray(blob)
        damaged[i] ^= 0x01
        assert cachefile.verify(bytes(damaged), "test-kind", CODE, DATA) is None, i
    assert cachefile.verify(blob + b"\x00", "test-kind", CODE, DATA) is None  # appended bytes too


def test_a_pickle_or_other_foreign_file_reads_as_absent(tmp_path: Path) -> None:
    path = tmp_path / "x.egcache"
    for content in (b"", b"garbage", pickle.dumps({"a": 1}), cachefile.MAGIC, b"\x80\x05" * 100):
        path.write_bytes(content)
        assert cachefile.read(path, "test-kind", CODE, DATA) is None
    assert cachefile.read(tmp_path / "missing.egcache", "test-kind", CODE, DATA) is None
    assert cachefile.read(tmp_path, "test-kind", CODE, DATA) is None  # a directory


def _forge(header: object, payload: bytes, header_len: int | None = None) -> bytes:
    """A file with a valid checksum around any header: what someone who can write the folder could make."""
    raw = header if isinstance(header, bytes) else json.dumps(header).encode()
    signed = struct.pack("<8sII", cachefile.MAGIC, cachefile.FORMAT_VERSION, header_len or len(raw))
    return signed + hashlib.sha256(signed + raw + payload).digest() + raw + payload


@pytest.mark.parametrize(
    "sections",
    [
        {"ids": ["u32", 0, 400]},  # beyond the payload
        {"ids": ["u32", -4, 4]},
        {"ids": ["u32", 0, 3]},  # not a whole number of integers
        {"ids": ["pickle", 0, 4]},  # an encoding this code does not know
        {"ids": ["u32", "0", 4]},
        {"ids": ["u32", 0]},
        ["not", "a", "table"],
    ],
)
def test_a_forged_file_with_a_valid_checksum_but_bad_sections_reads_as_absent(sections: object) -> None:
    header = {"kind": "test-kind", "code": CODE, "data": DATA, "byteorder": sys.byteorder, "sections": sections}
    assert cachefile.verify(_forge(header, b"\x00" * 8), "test-kind", CODE, DATA) is None


def test_a_forged_file_that_verifies_is_read() -> None:
    header = {"kind": "test-kind", "code": CODE, "data": DATA, "byteorder": sys.byteorder, "sections": {}}
    assert cachefile.verify(_forge(header, b""), "test-kind", CODE, DATA) is not None  # _forge is faithful


def test_a_forged_header_that_is_not_json_or_too_long_reads_as_absent() -> None:
    for raw in (b"[[[[", b"\xff\xfe", b"[" * 100_000 + b"]" * 100_000, b'["test-kind"]', b"null"):
        assert cachefile.verify(_forge(raw, b""), "test-kind", CODE, DATA) is None
    big = _forge({"kind": "test-kind"}, b"", header_len=cachefile.MAX_HEADER_BYTES + 1)
    assert cachefile.verify(big, "test-kind", CODE, DATA) is None


def test_unwritable_folder_is_no_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert not cachefile.write(blocker / "sub" / "x.egcache", "k", CODE, DATA, {})
    assert not list(tmp_path.glob("**/.tmp-*"))


def test_prune_keeps_the_recently_used_files_not_the_recently_built(tmp_path: Path) -> None:
    """The index of the lists in daily use was built long ago; builds over other list versions since must
    not push it out of the cache (every later start would rebuild it)."""
    import os

    paths = [tmp_path / f"x-{i}.egcache" for i in range(4)]
    for age, path in zip((400, 300, 200, 100), paths, strict=True):
        _write(path)
        os.utime(path, (1_000_000 - age, 1_000_000 - age))
    assert cachefile.read(paths[0], "test-kind", CODE, DATA) is not None  # the oldest build, used now
    assert cachefile.read(paths[1], "other-kind", CODE, DATA) is None  # not a use: it does not verify
    cachefile.prune(tmp_path, "x-*.egcache", 2, paths[3])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x-0.egcache", "x-3.egcache"]
