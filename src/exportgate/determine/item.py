"""The item step: which listed family the item's classification is in on the date (.a-level, .b-level,
HBM, model weights, AT-only), from a classification made once by ``exportgate.classify`` or an ECCN the
case gives. The determination never classifies here: :func:`item_source` does it once, before the steps,
for a case that carries the item itself.
"""

from __future__ import annotations

import re

from exportgate import classify as cl
from exportgate.classify import Classification
from exportgate.classify.model import Item
from exportgate.determine.model import Case, ClassifiedItem, ItemFacts, UncoveredClassification
from exportgate.determine.state import ItemSource, ListedItem, State, matches, num
from exportgate.errors import InputError
from exportgate.rules import RulesAt

#: the scope lists an item's classification is looked up in, in this order, and the family each gives
LISTS: tuple[tuple[str, str], ...] = (
    ("scope.items.a_level", "a"),
    ("scope.items.b_level", "b"),
    ("scope.items.b_level_z", "b"),
    ("scope.items.hbm", "hbm"),
    ("scope.items.model_weights", "weights"),
)
#: the shape of an ECCN (Supp. 1 to Part 774: category 0-9, product group A-E, three digits, paragraphs)
ECCN_SYNTAX = re.compile(r"^[0-9][A-E][0-9]{3}(\.[0-9A-Za-z]+)*$")
LABELS = {"a": ".a-level", "b": ".b-level", "hbm": "HBM (3A090.c)", "weights": "model weights (4E091)"}


def facts_of(item: Item, classification: Classification) -> ItemFacts:
    """The facts the determination reads of an item ``classify`` classified (TPP as classified; the memory
    bandwidth density as given or computed; the names of the item and of the ICs it contains)."""
    mbd = item.memory_bandwidth_density_gbps_per_mm2
    if mbd is None:
        mbd = classification.memory_bandwidth_density
    return ItemFacts(
        tpp=classification.tpp,
        datacenter_designed_or_marketed=item.datacenter_designed_or_marketed,
        total_dram_bandwidth_gbps=item.total_dram_bandwidth_gbps,
        memory_bandwidth_density_gbps_per_mm2=mbd,
        names=tuple(dict.fromkeys(names_of(item))),
    )


def names_of(item: Item) -> list[str]:
    """The item's name and the names of everything it contains (recursively)."""
    out = [item.name] if item.name else []
    for line in item.contains or ():
        out += names_of(line.item)
    return out


def given(eccn: str, facts: ItemFacts) -> ItemSource:
    """An item given as already classified (``EAR99`` in any case is EAR99)."""
    e = eccn.strip()
    return ItemSource(None, "EAR99" if e.upper() == "EAR99" else e, facts)


def item_source(case: Case, at: RulesAt) -> ItemSource:
    """The case's item as the steps read it: ``{eccn: ...}`` as given, anything else classified (once)."""
    where = case.at("item")
    raw = case.item
    if raw is None:
        raise InputError(where, "required field missing")
    if isinstance(raw, dict) and "eccn" in raw:
        it = ClassifiedItem.model_validate(raw)
        return given(it.eccn, ItemFacts(it.tpp, it.datacenter_designed_or_marketed, it.total_dram_bandwidth_gbps,
                                        it.memory_bandwidth_density_gbps_per_mm2,
                                        names=(it.name,) if it.name else ()))
    if isinstance(raw, str):
        item = cl.catalog_item(raw, field=where)
    elif isinstance(raw, dict) and set(raw) == {"catalog"}:
        item = cl.catalog_item(str(raw["catalog"]), field=f"{where}.catalog")
    else:
        item = cl.parse_item(raw, field=where)
    c = cl.classify(item, at.as_of, at.mode, at.rules)
    return ItemSource(c, None, facts_of(item, c))


def resolve(state: State) -> None:
    """Find the item's family on the date; its total TPP (quantity x TPP)."""
    state.item = _listed(state, state.source)
    tpp = state.item.tpp
    if tpp is not None:
        state.tpp_total = tpp * state.case.quantity
        state.say(f"TPP total = {state.case.quantity} x {num(tpp)} = {num(state.tpp_total)}")


def _listed(state: State, source: ItemSource) -> ListedItem:
    ctx, case, facts = state.trace, state.case, source.facts
    where = case.at("item")
    classification: str | None
    if source.classification is None:
        classification = source.given_eccn
        state.say(f"item given as classified: {classification}")
        field_name = f"{where}.eccn"
    else:
        c = source.classification
        classification = c.classification
        state.say(
            f"classified ({'; '.join(c.reasons[-2:]) if c.reasons else 'no reasons'}): "
            f"{classification or 'no listed paragraph'}"
        )
        ctx.cite_all(c.citations)
        field_name = where
        if c.not_subject_to_ear is not None:
            state.say(
                f"the item is not subject to the EAR ({c.not_subject_to_ear}: published): no licence requirement of "
                "the EAR reaches it (734.3(b)(3))"
            )
            state.subject_to_ear = False
            return ListedItem(None, "not_subject", facts)
        if classification is None:
            state.say(
                "the item is in no paragraph this engine's rule data lists (3A090, 4A090, .z, 3A991.p, "
                "4A994.l, 4E091): no CCL-based licence requirement evaluated; Part 744/746 still apply"
            )
            state.cond(
                "confirm the item's ECCN: it is in none of the advanced-computing paragraphs this engine "
                "evaluates (EAR99 or another ECCN)"
            )
            return ListedItem(None, "unlisted", facts)
    if classification is None:
        raise InputError(where, "no classification")
    dc, tpp = facts.datacenter_designed_or_marketed, facts.tpp
    for key, kind in LISTS:
        r = ctx.resolve(key)
        if matches(classification, list(r.value or [])):
            state.say(f"{classification} is on the {LABELS[kind]} list on {ctx.as_of}", r)
            note2 = ctx.resolve("ccl.3a090.note2.tpp_limit") if kind in ("a", "b") and dc is False else None
            if kind == "b" and note2 is not None:
                raise InputError(
                    field_name if field_name.endswith("eccn") else f"{where}.datacenter_designed_or_marketed",
                    f"{classification} not designed or marketed for datacenters is excluded by Note 2 to "
                    f"3A090 (TPP below {num(note2.value)}): classify the item instead",
                )
            if kind == "a" and note2 is not None and tpp is not None and note2.value is not None and tpp < note2.value:
                raise InputError(
                    f"{where}.tpp",
                    f"{classification} not designed or marketed for datacenters with TPP {num(tpp)} below "
                    f"{num(note2.value)} is excluded by Note 2 to 3A090: classify the item instead",
                )
            return ListedItem(classification, kind, facts)
    if ".Z" not in classification.upper():
        for key in ("scope.items.at_only", "scope.items.at_only_mass_market", "scope.items.at_only_telecom"):
            at_only = ctx.resolve(key)
            if matches(classification, list(at_only.value or [])):
                state.say(f"{classification} is AT-only or EAR99: no RS licence requirement on the CCL basis", at_only)
                return ListedItem(classification, "at_only", facts)
    if not ECCN_SYNTAX.match(classification):
        raise InputError(field_name, f"{classification!r} is not an ECCN (category digit, product group A-E, three "
                         "digits, then paragraphs: 5A002.a) or EAR99")
    raise UncoveredClassification(
        field_name,
        f"{classification!r} is not a classification this engine's rule data covers on {ctx.as_of} "
        "(deny by default: give a listed paragraph such as 3A090.a.1, 3A090.b, 3A090.c, 4A090.a, a .z "
        "paragraph, 4E091, 3A991.p, 4A994.l, 5A991, 5A992, 5D992 or EAR99)",
        classification,
    )
