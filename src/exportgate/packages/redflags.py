"""Red flags of a package: the facts it states (checked against the red-flag catalogue), the flags its
structure raises (a freight forwarder as the final destination), and which of them hold the shipment."""

from __future__ import annotations

from datetime import date
from typing import Any

from exportgate.determine import red_flag_catalogue as catalogue
from exportgate.errors import InputError, InputErrors
from exportgate.packages.lines import LineCheck
from exportgate.packages.memo import RedFlagRow
from exportgate.packages.model import END_USER_ROLES, Package, PartyRole
from exportgate.rules import RuleSet

FREIGHT_FORWARDER_FLAG = "supp3.9"


def red_flag_catalogue(rules: RuleSet, as_of: date) -> dict[str, dict[str, Any]]:
    """Every red-flag id the rule data knows (``kyc.red_flags.*``, read by the determination)."""
    out: dict[str, dict[str, Any]] = catalogue(rules, as_of)
    return out


def _flag(rules: RuleSet, as_of: date, fid: str, entry: dict[str, Any], **fields: Any) -> RedFlagRow:
    """A red flag as the memo shows it: its text and citation from the catalogue, plus ``fields``."""
    param = str(entry.get("parameter", ""))
    citation = str(rules.resolve(param, as_of).citation) if param and rules.has(param) else None
    if entry.get("source"):
        citation = f"{citation}; {entry['source']}" if citation else str(entry["source"])
    return RedFlagRow(id=fid, description=str(entry.get("text", fid)), citation=citation, **fields)


def stated_flags(pkg: Package, rules: RuleSet, as_of: date) -> list[RedFlagRow]:
    """The package's stated facts, checked against the red-flag catalogue, plus red flags derived from
    the package's structure (a freight forwarder as the final destination, Supp. 3 to Part 732 no. 9)."""
    catalogue = red_flag_catalogue(rules, as_of)
    flags: list[RedFlagRow] = []
    errors: list[InputError] = []
    for i, fact in enumerate(pkg.facts):
        entry = catalogue.get(fact.id)
        if entry is None:
            errors.append(InputError(f"facts[{i}].id", f"unknown red flag {fact.id!r} (see `kyc.red_flags.*`)"))
            continue
        if fact.resolved and not fact.resolution:
            errors.append(InputError(f"facts[{i}].resolution", "a resolved red flag says how it was resolved"))
        flags.append(_flag(rules, as_of, fact.id, entry, party=fact.party, note=fact.note, resolved=fact.resolved,
                           resolution=fact.resolution, source="stated"))
    if errors:
        raise InputErrors(errors)
    entry = catalogue.get(FREIGHT_FORWARDER_FLAG)
    for p in pkg.parties:
        if p.role is not PartyRole.FREIGHT_FORWARDER or entry is None:
            continue
        if any(f.id == FREIGHT_FORWARDER_FLAG for f in flags):
            continue
        if not any(q.role in END_USER_ROLES and q.name.casefold() != p.name.casefold() for q in pkg.parties) or any(
            q.role in END_USER_ROLES and q.name.casefold() == p.name.casefold() for q in pkg.parties
        ):
            flags.append(_flag(rules, as_of, FREIGHT_FORWARDER_FLAG, entry, party=p.name,
                               note=f"freight forwarder {p.name} ({p.country}) is the final destination",
                               source="derived"))
    return flags


def held_flags(flags: list[RedFlagRow], checks: list[LineCheck], rules: RuleSet, as_of: date) -> list[RedFlagRow]:
    """Mark which red flags hold the transaction. The determination decides (resolved and stayed flags do
    not hold; it may add flags of its own, e.g. from the end use); with no line to determine, every
    unresolved stated flag holds."""
    dets = [d for lc in checks for d in lc.determinations]
    held: list[str] = []
    for d in dets:
        for fid in d.red_flags:
            if fid not in held:
                held.append(fid)
    out = [f.model_copy(update={"held": (f.id in held) if dets else not f.resolved}) for f in flags]
    known = {f.id for f in flags}
    catalogue = red_flag_catalogue(rules, as_of) if set(held) - known else {}
    for fid in held:
        if fid not in known:
            entry = catalogue.get(fid, {"text": fid})
            out.append(_flag(rules, as_of, fid, entry, source="determination", held=True))
    return out
