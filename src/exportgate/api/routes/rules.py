"""``GET /rules`` and ``GET /countries/{code}`` (any signed-in user)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from exportgate.api.deps import Day, ModeDep, RulesDep, requires
from exportgate.store.accounts import Actor

router = APIRouter(tags=["rules"])
SignedIn = Annotated[Actor, Depends(requires(None))]


@router.get("/rules")
def rules_in_force(_actor: SignedIn, rules: RulesDep, day: Day, mode: ModeDep) -> dict[str, Any]:
    """Every parameter in force on a date (``exportgate rules show --json``)."""
    rules.check_date(day)
    return {"as_of": day.isoformat(), "mode": mode.value, "rules_sha256": rules.sha256,
            "parameters": [r.to_json() for r in rules.in_force(day, mode)]}


@router.get("/countries/{code}")
def country(_actor: SignedIn, code: str, rules: RulesDep, day: Day) -> dict[str, Any]:
    """A country's Country Groups on a date (``exportgate countries show CC --json``)."""
    rules.check_date(day)
    cc = rules.country_code(code, "code")
    effective, why = rules.effective_country(cc, day)
    groups = {g: rules.membership(cc, g, day) for g in rules.groups_of(cc, day)}
    return {"country": cc, "name": rules.countries[cc], "as_of": day.isoformat(),
            "treated_as": None if why is None else {"country": effective, **why.to_json()},
            "groups": {g: (r.to_json() if r else None) for g, r in groups.items()}}
