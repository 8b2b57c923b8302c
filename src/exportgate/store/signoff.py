"""What a ledger record adds to a check result: the licences granted for it and who signed it off.

Neither changes the result (both are outside its content hash, ``exportgate.packages.memo.UNHASHED``): the
recorded memo is the checked memo with its sign-off block and its licences filled in.

```python
from exportgate.store.signoff import licences_from_args, check_licences, signoff
granted = licences_from_args(["hardware[0]=D1234567"], ["D1234567=no reexport without authorization"])
granted = check_licences(memo, granted)      # each names a line that needs a licence in this result
block = signoff(recorded_at, prepared_by="J. Doe", approved_by="M. Chen", record_id=7)
```
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from exportgate.errors import InputError, InputErrors
from exportgate.packages.memo import LicenceGranted, Memo, Signature, SignOff


def _line_ref(text: str) -> str:
    """``hardware[0]`` or ``layers.hardware[0]`` -> ``layers.hardware[0]``."""
    text = text.strip()
    return text if text.startswith("layers.") else f"layers.{text}"


def licences_from_args(specs: list[str], conditions: list[str] | None = None) -> list[LicenceGranted]:
    """``--license LINE[@DEST]=NUMBER`` (repeatable) and ``--license-condition NUMBER=TEXT`` (repeatable, one
    condition each) as licences granted; every malformed one is reported at once."""
    errors: list[InputError] = []
    out: list[LicenceGranted] = []
    for spec in specs:
        line, sep, number = spec.partition("=")
        if not sep or not line.strip() or not number.strip():
            errors.append(InputError("--license", f"expected LINE=NUMBER (hardware[0]=D1234567), not {spec!r}"))
            continue
        ref, _, dest = line.partition("@")
        out.append(LicenceGranted(line=_line_ref(ref), number=number.strip(),
                                  destination=dest.strip().upper() or None))
    by_number = {g.number: g for g in out}
    for spec in conditions or []:
        number, sep, text = spec.partition("=")
        if not sep or not text.strip():
            errors.append(InputError("--license-condition", f"expected NUMBER=TEXT, not {spec!r}"))
            continue
        granted = by_number.get(number.strip())
        if granted is None:
            errors.append(InputError("--license-condition", f"{number.strip()!r} is not a licence given with "
                                     f"--license ({', '.join(by_number) or 'none given'})"))
            continue
        granted.conditions.append(text.strip())
    if errors:
        raise errors[0] if len(errors) == 1 else InputErrors(errors)
    return out


def check_licences(memo: Memo, granted: list[LicenceGranted]) -> list[LicenceGranted]:
    """The licences granted, each checked against the licences the result needs: its line needs one (to its
    destination, when one is given); the same line and destination is not given twice. Each is completed with
    the destination and end user it covers when the line needs exactly one licence."""
    errors: list[InputError] = []
    needed = memo.licenses_needed
    listing = ", ".join(f"{n.line.removeprefix('layers.')} → {n.destination}" for n in needed) or "none"
    seen: set[tuple[str, str | None]] = set()
    out: list[LicenceGranted] = []
    for g in granted:
        short = g.line.removeprefix("layers.")
        matches = [n for n in needed if n.line == g.line and (g.destination is None or n.destination == g.destination)]
        if not matches:
            where = f" to {g.destination}" if g.destination else ""
            errors.append(InputError("--license", f"{short}{where} needs no licence in this result (licences "
                                     f"needed: {listing})"))
            continue
        key = (g.line, g.destination)
        if key in seen:
            errors.append(InputError("--license", f"{short}{'@' + g.destination if g.destination else ''} is given "
                                     "twice"))
            continue
        seen.add(key)
        if len(matches) == 1:
            g = g.model_copy(update={"destination": matches[0].destination, "end_user": matches[0].end_user})
        out.append(g)
    if errors:
        raise errors[0] if len(errors) == 1 else InputErrors(errors)
    return out


def missing_licences(memo: Memo, granted: list[LicenceGranted]) -> list[str]:
    """The licences the result needs that no licence granted covers (``hardware[1] → QA``)."""
    out = []
    for n in memo.licenses_needed:
        covered = any(g.line == n.line and g.destination in (None, n.destination) and
                      g.end_user in (None, n.end_user) for g in granted)
        if not covered:
            out.append(f"{n.line.removeprefix('layers.')} → {n.destination}")
    return out


def signoff(
    recorded_at: datetime,
    *,
    prepared_by: str | None = None,
    reviewed_by: str | None = None,
    approved_by: str | None = None,
    record_id: int | None = None,
) -> SignOff:
    """The sign-off block of a record: each name given, dated the day it is recorded (in its own zone)."""
    day = recorded_at.date().isoformat()

    def sig(name: str | None) -> Signature | None:
        return Signature(name=name.strip(), date=day) if name and name.strip() else None

    return SignOff(prepared_by=sig(prepared_by), reviewed_by=sig(reviewed_by), approved_by=sig(approved_by),
                   record_id=record_id, recorded_at=recorded_at.isoformat(timespec="seconds"))


def signed_result(result: dict[str, Any], block: SignOff, granted: list[LicenceGranted]) -> dict[str, Any]:
    """The result as recorded: its sign-off block and licences granted filled in (its content hash unchanged)."""
    return {**result, "signoff": block.model_dump(mode="json"),
            "licences_granted": [g.model_dump(mode="json") for g in granted]}
