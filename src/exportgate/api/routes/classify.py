"""``POST /classify``: one item or a list, as ``exportgate classify FILE --json`` reads them."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from exportgate.api.deps import Day, JsonBody, ModeDep, RulesDep, documented_body
from exportgate.classify import classify, parse_items

router = APIRouter(tags=["classify"])


@router.post("/classify", openapi_extra=documented_body("classify.Item", many=True))
def classify_items(doc: JsonBody, rules: RulesDep, day: Day, mode: ModeDep) -> Any:
    """Classify an item (or a list of items) under the CCL as of a date; a list gives a list."""
    rules.check_date(day)
    results = [classify(item, day, mode, rules).to_json() for item in parse_items(doc)]
    return results if isinstance(doc, list) else results[0]
