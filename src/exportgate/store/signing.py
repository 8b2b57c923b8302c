"""Signatures on check results: which results this installation produced.

A check result carries its content hash, but anyone can recompute a hash after editing a result. So the
results this installation writes (``exportgate check --json``, ``--report``, ``ledger record PACKAGE``)
are signed with HMAC-SHA256 under a secret key kept in the data home, and ``ledger record --result``
records an unsigned result, or one signed under another key or not matching its signature, only with
``--force`` (the audit line says which).

The signature sits in the result next to the content hash, outside the hashed content::

    "signature": {"alg": "HMAC-SHA256", "key_id": "<first 16 hex of the key's SHA-256>", "value": "<hex>"}

and signs the content hash recomputed from the content (``exportgate.packages.memo.content_hash``). The
key is ``<home>/keys/result-signing.key`` (64 hex characters), made on first use with mode 0600 in a 0700
folder; a key file other users can read is refused. Copy the key to another installation (same mode) to
let it accept this one's results; delete it to stop accepting them.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from exportgate import settings
from exportgate.errors import InputError

ALG = "HMAC-SHA256"
KEY_PATH = Path("keys") / "result-signing.key"
_CONTEXT = b"exportgate check result v1\n"

Status = Literal["valid", "missing", "other_key", "mismatch", "malformed"]


@dataclass(frozen=True, slots=True)
class SignatureCheck:
    """How a result's signature stands against this installation's key."""

    status: Status
    key_id: str | None = None  # the key the result names, if any

    @property
    def valid(self) -> bool:
        return self.status == "valid"

    def describe(self) -> str:
        return {
            "valid": "signed by this installation",
            "missing": "not signed (not produced by this installation, or by a version before results were signed)",
            "other_key": f"signed under another key ({self.key_id}): not produced by this installation",
            "mismatch": "changed after it was signed (its signature does not match its content)",
            "malformed": "signed in a form this installation does not write",
        }[self.status]

    def to_json(self) -> dict[str, Any]:
        return {"status": self.status, "key_id": self.key_id, "produced_here": self.valid}


def key_path(home: Path | None = None) -> Path:
    return settings.home(home) / KEY_PATH


def signing_key(home: Path | None = None, *, create: bool = True) -> tuple[bytes, str] | None:
    """(the key, its id): read from the data home, made there first if ``create`` (else None when absent)."""
    key = private_key(key_path(home), "signing key", create=create)
    return None if key is None else (key, hashlib.sha256(key).hexdigest()[:16])


def private_key(path: Path, field: str, *, create: bool = True) -> bytes | None:
    """A 32-byte secret kept in ``path`` (64 hex characters, mode 0600 in a 0700 folder): read, or made first if
    ``create`` (else None when absent). Refused (:class:`InputError` on ``field``) when other users can read it
    or it holds no key. The result-signing key and the web pages' session key are such files."""
    if not path.exists():
        if not create:
            return None
        _create(path, field)
    try:
        st = path.stat()
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(field, f"cannot read {path} ({exc})") from None
    if stat.S_IMODE(st.st_mode) & 0o077:
        raise InputError(field, f"{path} can be read by other users (mode {stat.S_IMODE(st.st_mode):o}): "
                         "chmod 600 it")
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) != 32:
        raise InputError(field, f"{path} does not hold a key (64 hex characters)")
    return key


def _create(path: Path, field: str) -> None:
    """Write a new random key with mode 0600, atomically: a concurrent first use keeps the first key made."""
    try:
        settings.private_dir(path.parent)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, (secrets.token_hex(32) + "\n").encode("ascii"))
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(tmp, path)  # fails if another process made the key first: theirs stands
        except FileExistsError:
            pass
        finally:
            tmp.unlink(missing_ok=True)
    except OSError as exc:
        raise InputError(field, f"cannot create {path} ({exc.strerror})") from None


def _mac(key: bytes, result: dict[str, Any]) -> str:
    from exportgate.packages.memo import content_hash

    return hmac.new(key, _CONTEXT + content_hash(result).encode("ascii"), hashlib.sha256).hexdigest()


def sign_result(result: dict[str, Any], home: Path | None = None) -> dict[str, Any]:
    """A copy of ``result`` (a check result's JSON) with this installation's signature."""
    found = signing_key(home)
    assert found is not None  # made on first use
    key, key_id = found
    body = {k: v for k, v in result.items() if k != "signature"}
    return {**body, "signature": {"alg": ALG, "key_id": key_id, "value": _mac(key, body)}}


def verify_result(result: dict[str, Any], home: Path | None = None) -> SignatureCheck:
    """Whether ``result`` carries a valid signature of this installation (no key is made to check)."""
    sig = result.get("signature")
    if sig is None:
        return SignatureCheck("missing")
    if not isinstance(sig, dict) or sig.get("alg") != ALG or not all(
        isinstance(sig.get(k), str) for k in ("key_id", "value")
    ):
        return SignatureCheck("malformed")
    found = signing_key(home, create=False)
    if found is None or sig["key_id"] != found[1]:
        return SignatureCheck("other_key", str(sig["key_id"]))
    expected = ""
    with contextlib.suppress(TypeError, ValueError):
        expected = _mac(found[0], {k: v for k, v in result.items() if k != "signature"})
    if not hmac.compare_digest(expected, str(sig["value"])):
        return SignatureCheck("mismatch", found[1])
    return SignatureCheck("valid", found[1])
