"""Screening every party and consortium member of a package, and the confirmed hits the determination
reads (strong matches on the lists the rule data gives an EAR effect)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any, Protocol

from exportgate.errors import InputError, InputErrors
from exportgate.packages.memo import MatchRow, ScreenedParty
from exportgate.packages.model import Package
from exportgate.rules import Mode, RuleSet

if TYPE_CHECKING:
    from exportgate.screen import ScreenResult

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
        identifiers: dict[str, str] | list[str] | None = None,
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


#: a party or member as screened (the memo's row: name, role, kind, country, status, matches)
Screened = ScreenedParty


def screen_all(pkg: Package, screener: PartyScreener) -> tuple[list[Screened], dict[str, str]]:
    """Screen every party and consortium member; every name the screener rejects is reported at once."""
    out: list[Screened] = []
    lists_as_of: dict[str, str] = {}
    errors: list[InputError] = []
    targets: list[tuple[str, str, str, str, str, str, dict[str, Any]]] = [  # path, name, role, country, kind, type
        (f"parties[{i}]", p.name, p.role.value, p.country, "party", str(p.type), _evidence(p))
        for i, p in enumerate(pkg.parties)
    ] + [
        (f"consortium[{i}]", m.name, f"consortium {m.role.value}", m.country, "member", "entity", {})
        for i, m in enumerate(pkg.consortium)
    ]
    for path, name, role, country, kind, etype, extra in targets:
        try:
            res = screener.screen(name, country=country, type=etype, **extra)
        except InputError as exc:
            errors.append(InputError(f"{path}.{exc.field}", exc.problem))
            continue
        lists_as_of.update(res.lists_as_of)
        strengths = {m.strength for m in res.matches}
        status = "strong" if "strong" in strengths else ("potential" if res.matches else "clear")
        out.append(Screened(name=name, role=role, kind=kind, country=country, status=status,
                            matches=[MatchRow.model_validate(m.to_json()) for m in res.matches]))
    if errors:
        raise InputErrors(errors)
    return out, lists_as_of




def _evidence(party: Any) -> dict[str, Any]:
    """A party's screening evidence beyond name, country and type (date of birth, nationality, identifiers),
    only what it gives (a screener need not take what no party has)."""
    out = {k: getattr(party, k, None) for k in ("dob", "nationality", "identifiers")}
    return {k: v for k, v in out.items() if v}


def confirmed_hits(screened: list[Screened], rules: RuleSet, day: date, mode: Mode) -> dict[str, list[dict[str, Any]]]:
    """Per party name, its strong matches on the lists the rule data gives an EAR effect
    (``enduse.party_lists``), as the determination's ``restricted_party_hits``."""
    party_lists = set(rules.value(PARTY_LISTS_KEY, day, mode) or {})
    footnotes = set(rules.value(FOOTNOTES_KEY, day, mode) or [])
    return {
        s.name: [
            {
                "list": m.list,
                # a footnote the rule data does not know is dropped (the confirmed match blocks anyway)
                "footnote": m.entity_list_footnote
                if m.list == "entity_list" and m.entity_list_footnote in footnotes
                else None,
                "license_policy": m.license_policy,
                "name": m.matched_name or m.name,
                "entry": m.entity_id,
            }
            for m in s.matches
            if m.strength == "strong" and m.list in party_lists
        ]
        for s in screened
        if s.kind == "party"
    }
