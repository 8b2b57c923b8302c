"""Part 734: is a foreign-produced item subject to the EAR (the foreign direct product rules of 734.9)?"""

from __future__ import annotations

from exportgate.determine.state import State, matches


def subject_to_ear(state: State) -> None:
    """A US-origin item is; a foreign-produced one only when an FDP rule evaluated here catches it."""
    fp = state.case.foreign_produced
    if fp is None:
        return
    ctx = state.trace
    techs = [t.upper() for t in fp.direct_product_of]
    fn4_scope = ctx.resolve("enduse.entity_list.fdp_footnote4_eccns")
    fn4_hit = any(h.list == "entity_list" and h.footnote == 4 for h in state.case.end_user.restricted_party_hits)
    if fn4_hit and any(matches(t, list(fn4_scope.value)) for t in techs):
        state.say(
            "foreign-produced direct product of listed US technology/software with a Footnote 4 Entity List "
            "party to the transaction: subject to the EAR under the Entity List FDP rule (734.9(e)(2))",
            fn4_scope,
        )
        return
    products = ctx.resolve("enduse.advanced_computing_fdp.products")
    classification = state.item.classification
    if techs and classification and matches(classification, list(products.value)):
        state.say(
            f"foreign-produced {classification}, direct product of {', '.join(techs)}: subject to the "
            "EAR under the advanced computing FDP rule (734.9(h)); licence requirements per 742.6(a)(6)",
            products,
        )
        return
    state.say(
        "foreign-produced item not caught by the FDP rules evaluated (734.9(e)(2) Footnote 4, 734.9(h)): "
        "not subject to the EAR on that basis",
        products,
    )
    state.cond(
        "confirm the foreign-produced item is not subject to the EAR under de minimis (734.4) or other FDP rules "
        "(not evaluated)"
    )
    state.subject_to_ear = False
