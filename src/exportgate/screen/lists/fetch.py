"""Getting list files for ``lists update``: downloads under one deadline and a size cap, local copies.

The deadline is for the whole update (every file together), measured on the monotonic clock and enforced
around the transfer itself (``asyncio.wait_for``), so neither a server that never answers nor one that
trickles a byte at a time can hold an update longer than the deadline; an HTTP read timeout alone would
restart with every byte. Sizes are capped as the bytes arrive (and by ``Content-Length`` before any).
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from exportgate import __version__, settings
from exportgate.errors import InputError


class UpdateError(InputError):
    """A list update (or activation) was refused; the active version is untouched."""

    def __init__(self, problem: str) -> None:
        super().__init__("lists update", problem)


@dataclass(frozen=True, slots=True)
class Limits:
    """One update's limits: the monotonic time by which every download must be done, and the size cap."""

    deadline_at: float
    deadline: float
    max_bytes: int

    @classmethod
    def start(cls, deadline: float | None = None, max_bytes: int | None = None) -> Limits:
        seconds = settings.lists_deadline(deadline)
        return cls(time.monotonic() + seconds, seconds, settings.lists_max_bytes(max_bytes))


def fetch_url(url: str, dest: Path, limits: Limits) -> str | None:
    """Download ``url`` to ``dest`` as received; the ``Last-Modified`` day it came with (if any, and not
    in the future)."""
    remaining = limits.deadline_at - time.monotonic()
    late = UpdateError(
        f"{url}: the downloads did not finish within the {limits.deadline:g} s deadline of one update "
        f"(raise it with --deadline or {settings.LISTS_DEADLINE_ENV})"
    )
    if remaining <= 0:
        raise late
    import asyncio  # here, not at the top: every screening imports this module, only a download needs it

    try:
        last_modified = asyncio.run(asyncio.wait_for(_download(url, dest, limits.max_bytes), remaining))
    except TimeoutError:
        raise late from None
    if not last_modified:
        return None
    from email.utils import parsedate_to_datetime

    try:
        day = parsedate_to_datetime(last_modified).astimezone(UTC).date()
    except (TypeError, ValueError):
        return None
    return day.isoformat() if day <= datetime.now(UTC).date() else None


async def _download(url: str, dest: Path, max_bytes: int) -> str | None:
    import httpx  # not on the screening hot path

    too_big = UpdateError(f"{url}: larger than {max_bytes:,} bytes (the list-file size cap; raise it with "
                         f"--max-bytes or {settings.LISTS_MAX_BYTES_ENV})")
    # Raw bytes are stored as received: ask for gzip or nothing (gzip is recognised when read).
    headers = {"Accept-Encoding": "gzip", "User-Agent": f"exportgate/{__version__}"}
    try:
        async with (
            httpx.AsyncClient(follow_redirects=True, timeout=None, headers=headers) as client,
            client.stream("GET", url) as resp,
        ):
            if resp.status_code != 200:
                raise UpdateError(f"{url}: HTTP {resp.status_code} {resp.reason_phrase}".rstrip())
            expected = resp.headers.get("content-length")
            if expected is not None and expected.isdigit() and int(expected) > max_bytes:
                raise too_big
            size = 0
            with dest.open("wb") as fh:
                async for chunk in resp.aiter_raw():
                    size += len(chunk)
                    if size > max_bytes:
                        raise too_big
                    fh.write(chunk)
            if expected is not None and expected.isdigit() and int(expected) != size:
                raise UpdateError(f"{url}: truncated download ({size} of {expected} bytes)")
            if size == 0:
                raise UpdateError(f"{url}: empty download")
            last_modified: str | None = resp.headers.get("last-modified")
            return last_modified
    except httpx.HTTPError as exc:
        raise UpdateError(f"{url}: download failed ({type(exc).__name__}: {exc})") from None


def copy_path(src: Path, dest: Path, limits: Limits) -> None:
    """Copy a local list file (a file, not empty, within the size cap)."""
    if src.is_dir():
        raise UpdateError(f"{src}: is a directory, not a list file")
    if not src.is_file():
        raise UpdateError(f"{src}: file not found")
    size = src.stat().st_size
    if size == 0:
        raise UpdateError(f"{src}: empty file")
    if size > limits.max_bytes:
        raise UpdateError(f"{src}: larger than {limits.max_bytes:,} bytes (the list-file size cap; raise it with "
                         f"--max-bytes or {settings.LISTS_MAX_BYTES_ENV})")
    try:
        shutil.copyfile(src, dest)
    except OSError as exc:
        raise UpdateError(f"{src}: cannot read ({exc.strerror})") from None
