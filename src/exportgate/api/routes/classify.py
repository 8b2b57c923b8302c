"""``POST /classify``: one item or a list, as ``exportgate classify FILE --json`` reads them. A
classification is stored nothing (as on the command line, which has no ``--save`` for it): it decides no
party's fate; the determination or check that uses it is the case."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from exportgate.api.deps import Day, JsonBody, ModeDep, RulesDep, documented_body, requires
from exportgate.classify import classify, parse_items
from exportgate.store.accounts import Actor, Permission

router = APIRouter(tags=["classify"])


@router.post("/classify", openapi_extra=documented_body("classify.Item", many=True))
def classify_items(_actor: Annotated[Actor, Depends(requires(Permission.CLASSIFY))], doc: JsonBody,
                   rules: RulesDep, day: Day, mode: ModeDep) -> Any:
    """Classify an item (or a list of items) under the CCL as of a date; a list gives a list."""
    rules.check_date(day)
    results = [classify(item, day, mode, rules).to_json() for item in parse_items(doc)]
    return results if isinstance(doc, list) else results[0]
