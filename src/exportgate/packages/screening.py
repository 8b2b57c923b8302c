"""Screening every name a package gives — parties, consortium members, and each party's owners and ultimate
parent — and what the determination may rely on: confirmed hits only.

The matcher never confirms. A strong or potential match is a question for a reviewer; a hit is confirmed by a
reviewer's decision (``screening_decisions``), by the package's own statement that the party is listed
(``restricted_party_hits``), or by an exact listed name with an agreeing identifier. A decision is re-opened
when the list entry it was taken on has changed since (its ``entry_fingerprint`` no longer matches).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol

from exportgate.errors import InputError, InputErrors
from exportgate.packages.memo import DecisionRow, MatchRow, ScreenedParty
from exportgate.packages.model import Package, ScreeningDecision
from exportgate.rules import Mode, RuleSet

if TYPE_CHECKING:
    from collections.abc import Sequence

    from exportgate.determine.model import PartyHit
    from exportgate.screen import Match, ScreenResult

PARTY_LISTS_KEY = "enduse.party_lists"
FOOTNOTES_KEY = "enduse.entity_list.footnotes"


class PartyScreener(Protocol):
    """What the check asks of a screener (``exportgate.screen.Screener`` answers it)."""

    def screen(
        self,
        name: str,
        *,
        country: str | None = None,
        type: str | None = None,
        dob: str | None = None,
        identifiers: Sequence[str] | None = None,
        nationality: str | None = None,
    ) -> ScreenResult: ...


_SCREENER: PartyScreener | None = None


def default_screener() -> PartyScreener:
    """The screener over the active list snapshot (built once per process)."""
    global _SCREENER
    if _SCREENER is None:
        from exportgate.screen import Screener

        _SCREENER = Screener()
    return _SCREENER


#: a screened name as the memo shows it (name, role, kind, country, status, matches ...)
Screened = ScreenedParty


@dataclass(frozen=True)
class Target:
    """One name to screen and where it is in the package."""

    path: str
    name: str
    role: str
    country: str | None
    kind: str  # party | member | owner | parent
    type: str
    of_party: str | None = None
    dob: str | None = None
    nationality: str | None = None
    #: "KIND: VALUE" (the screener compares a value with the listed identifiers of the same kind)
    identifiers: tuple[str, ...] = ()
    stated: tuple[PartyHit, ...] = field(default_factory=tuple)


def targets(pkg: Package) -> list[Target]:
    """Every name the package gives: each party, its owners and its ultimate parent; each member."""
    out: list[Target] = []
    for i, p in enumerate(pkg.parties):
        out.append(Target(f"parties[{i}]", p.name, p.role.value, p.country, "party", str(p.type), dob=p.dob,
                          nationality=p.nationality,
                          identifiers=tuple(f"{ident.type}: {ident.value}" for ident in p.identifiers),
                          stated=tuple(p.restricted_party_hits)))
        for j, o in enumerate(p.owners):
            out.append(Target(f"parties[{i}].owners[{j}]", o.name, f"owner ({o.share:.0%}) of {p.name}", o.country,
                              "owner", str(o.type), of_party=p.name, stated=tuple(o.restricted_party_hits)))
        if p.ultimate_parent is not None:
            up = p.ultimate_parent
            out.append(Target(f"parties[{i}].ultimate_parent", up.name, f"ultimate parent of {p.name}",
                              up.country or p.ultimate_parent_hq, "parent", "entity", of_party=p.name,
                              stated=tuple(up.restricted_party_hits)))
    for i, m in enumerate(pkg.consortium):
        out.append(Target(f"consortium[{i}]", m.name, f"consortium {m.role.value}", m.country, "member", "entity"))
    return out


def screen_all(pkg: Package, screener: PartyScreener) -> tuple[list[Screened], dict[str, str]]:
    """Screen every name of the package and apply its screening decisions; every name the screener rejects
    and every decision that names nothing screened is reported at once."""
    out: list[Screened] = []
    lists_as_of: dict[str, str] = {}
    errors: list[InputError] = []
    decisions = _decisions(pkg, errors)
    used: set[int] = set()
    for t in targets(pkg):
        try:
            res = screener.screen(t.name, country=t.country, type=t.type, dob=t.dob,
                                  identifiers=list(t.identifiers) or None, nationality=t.nationality)
        except InputError as exc:
            errors.append(InputError(f"{t.path}.{exc.field}", exc.problem))
            continue
        lists_as_of.update(res.lists_as_of)
        rows = []
        for m in res.matches:
            row = _with_decision(MatchRow.model_validate(m.to_json()), m, decisions, t, used)
            rows.append(row)
        out.append(Screened(name=t.name, role=t.role, kind=t.kind, country=t.country, status=_status(rows, t),
                            of_party=t.of_party, path=t.path,
                            stated_hits=[h.model_dump(mode="json", exclude_none=True) for h in t.stated],
                            matches=rows))
    if errors:
        raise InputErrors(errors)
    return out, lists_as_of


def list_versions(screener: Any) -> tuple[str | None, list[dict[str, Any]]]:
    """The list snapshot's version and each list's date, main file and its SHA-256, as far as the screener
    tells (a screener without a snapshot — a test double — gives none)."""
    snapshot = getattr(screener, "snapshot", None)
    if snapshot is None:
        return None, []
    out: list[dict[str, Any]] = []
    for key, info in sorted((getattr(snapshot, "sources", None) or {}).items()):
        files = list(getattr(info, "files", None) or [])
        sha = (getattr(info, "sha256", None) or {}).get(files[0]) if files else None
        out.append({"list": str(key), "as_of": getattr(info, "as_of", None), "file": files[0] if files else None,
                    "sha256": sha, "origin": getattr(info, "origin", None)})
    version = getattr(snapshot, "version", None)
    return (str(version) if version is not None else None), out


def unmatched_decisions(pkg: Package, screened: list[Screened]) -> list[DecisionRow]:
    """The package's decisions on entries that no longer match their name (shown, not applied)."""
    applied = {(m.decision.party.casefold(), m.decision.entity_id) for s in screened for m in s.matches if m.decision}
    return [
        DecisionRow(**_decision_fields(d), status="no_current_match")
        for d in pkg.screening_decisions
        if (d.party.casefold(), d.entity_id) not in applied
    ]


def _decisions(pkg: Package, errors: list[InputError]) -> dict[tuple[str, str], tuple[int, ScreeningDecision]]:
    names = {t.name.casefold() for t in targets(pkg)}
    out: dict[tuple[str, str], tuple[int, ScreeningDecision]] = {}
    for i, d in enumerate(pkg.screening_decisions):
        if d.party.casefold() not in names:
            errors.append(InputError(f"screening_decisions[{i}].party",
                                     f"{d.party!r} is not a party, member, owner or parent of the package"))
            continue
        key = (d.party.casefold(), d.entity_id)
        if key in out:
            errors.append(InputError(f"screening_decisions[{i}]", f"a second decision on {d.party} / {d.entity_id}"))
            continue
        out[key] = (i, d)
    return out


def _decision_fields(d: ScreeningDecision) -> dict[str, Any]:
    return {"party": d.party, "entity_id": d.entity_id, "decision": d.decision, "by": d.by, "on": d.on.isoformat(),
            "reason": d.reason, "entry_fingerprint": d.entry_fingerprint}


def _with_decision(
    row: MatchRow, match: Match, decisions: dict[tuple[str, str], tuple[int, ScreeningDecision]], t: Target,
    used: set[int],
) -> MatchRow:
    found = decisions.get((t.name.casefold(), str(row.entity_id)))
    if found is not None:
        i, d = found
        used.add(i)
        changed = d.entry_fingerprint is not None and d.entry_fingerprint != row.entry_fingerprint
        decision = DecisionRow(**_decision_fields(d), status="reopened" if changed else "applied")
        if changed:
            return row.model_copy(update={"decision": decision})
        if d.decision == "confirmed":
            return row.model_copy(update={"decision": decision, "confirmed": True, "confirmed_by": "decision"})
        return row.model_copy(update={"decision": decision})
    if _exact_with_identifier(row):
        return row.model_copy(update={"confirmed": True, "confirmed_by": "exact_name_and_identifier"})
    return row


def _exact_with_identifier(row: MatchRow) -> bool:
    """The listed name itself (every word aligned, same characters) and an identifier that equals a listed one."""
    ex = row.explanation if isinstance(row.explanation, dict) else {}
    features = ex.get("features") or {}
    exact = (
        ex.get("name_score") == 1.0
        and features.get("char_similarity") == 1.0
        and not ex.get("unmatched_query_tokens")
        and not ex.get("unmatched_listed_tokens")
    )
    agreeing_id = any(e.get("feature") == "identifier" and (e.get("adjustment") or 0) > 0
                      for e in ex.get("evidence") or [])
    return bool(exact and agreeing_id)


def _status(rows: list[MatchRow], t: Target) -> str:
    if t.stated or any(m.confirmed for m in rows):
        return "confirmed"
    undecided = [m for m in rows if m.decision is None or m.decision.status == "reopened"]
    if any(m.strength == "strong" for m in undecided):
        return "strong"
    if undecided:
        return "potential"
    return "cleared" if rows else "clear"


def _hit(m: MatchRow, footnotes: set[Any]) -> dict[str, Any]:
    return {
        "list": m.list,
        # a footnote the rule data does not know is dropped (the confirmed match blocks anyway)
        "footnote": m.entity_list_footnote if m.list == "entity_list" and m.entity_list_footnote in footnotes else None,
        "license_policy": m.license_policy,
        "name": m.matched_name or m.name,
        "entry": m.entity_id,
    }


@dataclass
class ConfirmedHits:
    """What the determination may rely on: per party name, its confirmed hits on the lists the rule data gives an
    EAR effect, and its owners and ultimate parent with theirs (the Affiliates rule reads them)."""

    parties: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    owners: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def of(self, name: str) -> list[dict[str, Any]]:
        return self.parties.get(name, [])

    def owners_of(self, name: str) -> list[dict[str, Any]]:
        return self.owners.get(name, [])


def confirmed_hits(pkg: Package, screened: list[Screened], rules: RuleSet, day: date, mode: Mode) -> ConfirmedHits:
    """Confirmed matches and stated listings on the lists with an EAR effect (``enduse.party_lists``), as the
    determination's ``restricted_party_hits`` (parties) and ``owners`` (owners and ultimate parents)."""
    party_lists = set(rules.value(PARTY_LISTS_KEY, day, mode) or {})
    footnotes = set(rules.value(FOOTNOTES_KEY, day, mode) or [])
    out = ConfirmedHits()
    by_path = {s.path: s for s in screened}
    for i, p in enumerate(pkg.parties):
        s = by_path.get(f"parties[{i}]")
        out.parties[p.name] = _confirmed(s, party_lists, footnotes)
        owners: list[dict[str, Any]] = []
        for j, o in enumerate(p.owners):
            hits = _confirmed(by_path.get(f"parties[{i}].owners[{j}]"), party_lists, footnotes)
            if hits:
                owners.append({"name": o.name, "share": o.share, "restricted_party_hits": hits})
        if p.ultimate_parent is not None:
            hits = _confirmed(by_path.get(f"parties[{i}].ultimate_parent"), party_lists, footnotes)
            if hits:
                owners.append({"name": p.ultimate_parent.name, "share": None, "restricted_party_hits": hits})
        out.owners[p.name] = owners
    return out


def _confirmed(s: Screened | None, party_lists: set[str], footnotes: set[Any]) -> list[dict[str, Any]]:
    if s is None:
        return []
    hits = [_hit(m, footnotes) for m in s.matches if m.confirmed and m.list in party_lists]
    hits += [dict(h) for h in s.stated_hits if h.get("list") in party_lists]
    return hits
