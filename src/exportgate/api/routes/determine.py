"""``POST /determine``: one case, as ``exportgate determine FILE --json`` reads it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from exportgate.api.deps import JsonBody, ModeDep, RulesDep, documented_body
from exportgate.determine import determine, parse_case

router = APIRouter(tags=["determine"])


@router.post("/determine", openapi_extra=documented_body("determine.Case"))
def determine_case(doc: JsonBody, rules: RulesDep, mode: ModeDep) -> dict[str, Any]:
    """May this item go to this party, for this use, on this day? (licence determination)"""
    result: dict[str, Any] = determine(parse_case(doc, rules=rules), mode, rules).to_json()
    return result
