"""`lists update` against hostile servers and files (issue 12), from the user's side: the command line in a
subprocess against a server on 127.0.0.1. One deadline for the whole download, staging left by a killed
update cleaned on the next run, decompression bombs stopped at the size cap with bounded memory."""

from __future__ import annotations

import gzip
import io
import os
import resource
import signal
import struct
import subprocess
import sys
import time
import zipfile
import zlib
from pathlib import Path
from typing import Any

from lists_helpers import SMALL
from typer.testing import CliRunner

from exportgate import settings
from exportgate.cli import app

Server = tuple[str, Path, dict[str, Any]]
#: the address space a bombed update may use: the default cap (512 MiB) plus the interpreter and its libraries
ADDRESS_SPACE = 1 << 30
ZEROS = b"\0" * (64 << 20)


def exportgate(*args: str, env: dict[str, str] | None = None, limit: int | None = None) -> subprocess.CompletedProcess[str]:
    def bounded() -> None:
        if limit is not None:
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    return subprocess.run([sys.executable, "-m", "exportgate", *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, **(env or {})}, preexec_fn=bounded)


def staging(home: Path) -> list[str]:
    return [p.name for p in (home / "lists" / "versions").glob(".staging-*")]


def active(home: Path) -> str:
    return (home / "lists" / "active").read_text(encoding="utf-8")


def gzip_bomb(n: int) -> bytes:
    """``n`` gzip members of 64 MiB of zeros each (64 KB each compressed; a reader must join them all)."""
    return gzip.compress(ZEROS, compresslevel=9) * n


def zip_bomb(n: int) -> bytes:
    """A ZIP whose one XML member inflates to ``n`` x 64 MiB of zeros (the deflate stream is one compressed
    block repeated: a full flush between blocks makes them independent). Its CRC is not that of the
    content: a reader that reads it all finds out only at the end."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = c.compress(ZEROS) + c.flush(zlib.Z_FULL_FLUSH)
    data = block * n + c.flush(zlib.Z_FINISH)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as zf:
        zf.writestr("CONS_ENHANCED.XML", data)
    raw = bytearray(buf.getvalue())
    size = n * len(ZEROS)
    central = raw.rindex(b"PK\x01\x02")
    for method_at, size_at in ((8, 22), (central + 10, central + 24)):  # local header, central directory
        struct.pack_into("<H", raw, method_at, zipfile.ZIP_DEFLATED)
        struct.pack_into("<I", raw, size_at, size)
    return bytes(raw)


def test_one_deadline_for_the_whole_download(small_home: Path, http_server: Server) -> None:
    """A server that sends a byte every 0.2 s never trips a read timeout; the deadline still ends it."""
    base, _, overrides = http_server
    overrides["/sdn.csv"] = ("trickle", 300, 0.2)
    before = active(small_home)
    proc = exportgate("lists", "update", "--from", f"{base}/sdn.csv", "--as-of", "2024-05-03",
                      "--home", str(small_home), env={settings.LISTS_DEADLINE_ENV: "1"})
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert "did not finish within the 1 s deadline" in proc.stderr and "--deadline" in proc.stderr
    assert active(small_home) == before and staging(small_home) == []
    out = CliRunner().invoke(app, ["lists", "update", "--from", f"{base}/sdn.csv", "--deadline", "0",
                                   "--home", str(small_home)])
    assert out.exit_code == 2 and "--deadline" in out.output


def test_a_killed_update_is_cleaned_up_by_the_next(small_home: Path, small_files: Path, http_server: Server) -> None:
    base, _, overrides = http_server
    overrides["/sdn.csv"] = ("trickle", 300, 0.2)
    before = active(small_home)
    proc = subprocess.Popen([sys.executable, "-m", "exportgate", "lists", "update", "--from", f"{base}/sdn.csv",
                             "--as-of", "2024-05-03", "--home", str(small_home)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(600):
            if staging(small_home):
                break
            time.sleep(0.05)
        assert staging(small_home), "the update never started downloading"
        # while it runs, a second change of the same data home is refused (not interleaved)
        other = CliRunner().invoke(app, ["lists", "update", "--from", str(small_files / SMALL["sdn_comments"]),
                                         "--home", str(small_home)])
        assert other.exit_code == 2 and "another `lists update`" in other.output
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(30)
    left = staging(small_home)
    assert left and active(small_home) == before  # what a kill leaves: a staging folder, the old version
    out = CliRunner().invoke(app, ["lists", "update", "--from", str(small_files / SMALL["sdn_comments"]),
                                   "--home", str(small_home)])
    assert out.exit_code == 0, out.output
    assert staging(small_home) == [] and active(small_home) != before


def test_a_gzip_bomb_stops_at_the_cap_in_bounded_memory(small_home: Path, http_server: Server) -> None:
    """1.5 GiB of zeros in 1.5 MB of gzip: the update stops at the default cap (512 MiB) inside a 1 GiB address
    space, with one line (before: the whole file was inflated at once, MemoryError and a traceback)."""
    base, root, _ = http_server
    (root / "sdn.csv.gz").write_bytes(gzip_bomb(24))
    before = active(small_home)
    proc = exportgate("lists", "update", "--from", f"{base}/sdn.csv.gz", "--as-of", "2024-05-03",
                      "--home", str(small_home), limit=ADDRESS_SPACE)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert f"decompressed content larger than {settings.limits().lists_max_bytes:,} bytes" in proc.stderr
    assert active(small_home) == before and staging(small_home) == []


def test_a_zip_bomb_stops_at_the_cap(small_home: Path, tmp_path: Path) -> None:
    bomb = tmp_path / "CONS_ENHANCED.ZIP"
    bomb.write_bytes(zip_bomb(18))  # 1.1 GiB inflated
    before = active(small_home)
    proc = exportgate("lists", "update", "--from", str(bomb), "--as-of", "2026-01-01", "--home", str(small_home),
                      env={settings.LISTS_MAX_BYTES_ENV: str(64 << 20)}, limit=ADDRESS_SPACE)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert f"decompressed content larger than {64 << 20:,} bytes" in proc.stderr
    assert active(small_home) == before


def test_oversized_files_and_directories_are_refused(small_home: Path, small_files: Path, http_server: Server) -> None:
    base, root, _ = http_server
    (root / "sdn.csv").write_bytes((small_files / SMALL["sdn"]).read_bytes())
    for source in (f"{base}/sdn.csv", str(small_files / SMALL["sdn"])):
        out = CliRunner().invoke(app, ["lists", "update", "--from", source, "--as-of", "2024-05-03", "--max-bytes",
                                       "1000", "--home", str(small_home)])
        assert out.exit_code == 2 and "larger than 1,000 bytes (the list-file size cap" in out.output
    folder = small_home / "sdn.csv"
    folder.mkdir()
    out = CliRunner().invoke(app, ["lists", "update", "--from", str(folder), "--home", str(small_home)])
    assert out.exit_code == 2 and out.output.strip().endswith("is a directory, not a list file")
