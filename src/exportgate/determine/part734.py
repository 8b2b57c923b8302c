"""Part 734: is a foreign-produced item subject to the EAR (the foreign direct product rules of 734.9)?

Evaluated here: the Entity List footnote 4 rule (734.9(e)(2); a footnote 4 entity as any party to the
transaction), the Russia/Belarus/Crimea rule (734.9(f)), the Russia/Belarus military end user rule (734.9(g);
a footnote 3 entity as any party) and the advanced computing rule (734.9(h)). The rules that catch the item are
kept (``state.fdp_rules``) for the licence requirements they lead to (746.8(a)(2)-(3), 746.6(a)(1)(ii))."""

from __future__ import annotations

from exportgate.determine.state import State, matches


def _names(parties: list[str]) -> str:
    return ", ".join(parties)


def subject_to_ear(state: State) -> None:
    """A US-origin item is; a foreign-produced one only when an FDP rule evaluated here catches it."""
    fp = state.case.foreign_produced
    if fp is None or not state.subject_to_ear:
        return  # not subject already (published: 734.7), wherever it was produced
    ctx = state.trace
    techs = [t.upper() for t in fp.direct_product_of]
    caught: list[str] = []
    fn4_scope = ctx.resolve("enduse.entity_list.fdp_footnote4_eccns")
    fn4 = state.party_hits("entity_list", 4)
    if fn4 and any(matches(t, list(fn4_scope.value)) for t in techs):
        state.say(
            "foreign-produced direct product of listed US technology/software with a Footnote 4 Entity List "
            f"party to the transaction ({_names([p.label for p in fn4])}): subject to the EAR under the Entity List "
            "FDP rule (734.9(e)(2))",
            fn4_scope,
        )
        caught.append("734.9(e)(2)")
    mil = ctx.resolve("enduse.russia_mil_fdp.products")
    fn3 = state.party_hits("entity_list", int(mil.value["footnote"]))
    mil_techs = [t for t in techs if t[1:2] in mil.value["product_groups"]]
    if fn3 and mil_techs:
        state.say(
            f"foreign-produced direct product of {', '.join(mil_techs)} (a product group D/E ECCN) with a Footnote 3 "
            f"Entity List party to the transaction ({_names([p.label for p in fn3])}): subject to the EAR under the "
            "Russia/Belarus military end user FDP rule (734.9(g))",
            mil,
        )
        caught.append("734.9(g)")
    _russia_fdp(state, techs, caught)
    products = ctx.resolve("enduse.advanced_computing_fdp.products")
    classification = state.item.classification
    if techs and classification and matches(classification, list(products.value)):
        state.say(
            f"foreign-produced {classification}, direct product of {', '.join(techs)}: subject to the "
            "EAR under the advanced computing FDP rule (734.9(h)); licence requirements per 742.6(a)(6)",
            products,
        )
        caught.append("734.9(h)")
    if caught:
        state.fdp_rules = caught
        return
    state.say(
        "foreign-produced item not caught by the FDP rules evaluated (734.9(e)(2) Footnote 4, 734.9(f), 734.9(g) "
        "Footnote 3, 734.9(h)): not subject to the EAR on that basis",
        products,
    )
    state.cond(
        "confirm the foreign-produced item is not subject to the EAR under de minimis (734.4) or other FDP rules "
        "(not evaluated)"
    )
    state.subject_to_ear = False


def _russia_fdp(state: State, techs: list[str], caught: list[str]) -> None:
    """734.9(f): destined to Russia, Belarus (or the occupied Crimea region), a non-EAR99 direct product of
    technology or software in a product group D/E ECCN."""
    ctx = state.trace
    dests = ctx.resolve("enduse.russia_fdp.destinations")
    countries = set(dests.value["countries"])
    regions = set(dests.value["regions"])
    to = sorted({state.dest, state.located} & countries)
    if state.region is not None and state.region in regions:
        to.append(f"{state.dest} ({state.region})")
    if not to:
        return
    products = ctx.resolve("enduse.russia_fdp.products")
    de = [t for t in techs if t[1:2] in products.value["product_groups"]]
    c = state.item.classification
    if not de:
        return
    if c is not None and c in products.value["excluded_items"]:
        state.say(f"734.9(f): the foreign-produced item is {c}: outside the Russia/Belarus FDP rule's product scope", products)
        return
    state.say(
        f"foreign-produced {c or 'item'}, direct product of {', '.join(de)} (a product group D/E ECCN), destined to "
        f"{', '.join(to)}: subject to the EAR under the Russia/Belarus/Crimea FDP rule (734.9(f))",
        products,
        dests,
    )
    if c is None:
        state.cond("734.9(f) does not reach EAR99 foreign-produced items: confirm the item's ECCN")
    caught.append("734.9(f)")
