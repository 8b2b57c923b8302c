"""General Prohibition 10 (736.2(b)(10); 764.2(e)): no one may export, reexport, transfer, sell, finance, use
or service an item subject to the EAR with knowledge that a violation has occurred, is about to occur or is
intended to occur in connection with it. No licence exception overcomes it (740.2(a)(2)).

Two ways in: the case states the knowledge (``knowledge_of_violation: prior|intended``), or the item is one
BIS's 2025-05-13 guidance names (the PRC advanced-computing ICs of ``gp10.named_ics``, recognised by catalog
name, also inside a server) — a presumption the reasons say is one."""

from __future__ import annotations

from exportgate.determine.state import State


def named_ics(state: State) -> list[str]:
    """The item's names (its own and its ICs') that the GP10 guidance names on the date."""
    named = state.trace.resolve("gp10.named_ics")
    if not named.value:
        return []
    patterns = [str(n).casefold() for n in named.value["names"]]
    return [n for n in state.item.facts.names if any(n.casefold().startswith(p) for p in patterns)]


def general_prohibition_10(state: State) -> None:
    ctx, case = state.trace, state.case
    acts = ctx.resolve("gp10.activities")
    if case.transaction not in (acts.value or ()):
        return
    knowledge = case.knowledge_of_violation
    if knowledge is not None:
        kn = ctx.resolve("gp10.knowledge")
        if not state.subject_to_ear:
            state.say(
                f"knowledge that {kn.value[knowledge]} is stated, but the item is not subject to the EAR (see above): "
                "General Prohibition 10 reaches items subject to the EAR",
                kn,
            )
        else:
            state.say(
                f"General Prohibition 10: a {case.transaction} of an item subject to the EAR with knowledge that "
                f"{kn.value[knowledge]}: prohibited without BIS authorization, whatever the licence requirements; no "
                "licence exception overcomes GP10 (736.2(b)(10); 764.2(e); 740.2(a)(2))",
                acts,
                kn,
            )
            req = state.require("gp10", "736", "736.2(b)(10)", acts, None, exceptions=())
            state.prohibit(req, None)
    hits = named_ics(state)
    if hits:
        named = ctx.resolve("gp10.named_ics")
        state.say(
            f"General Prohibition 10 and BIS's 2025-05-13 guidance: {', '.join(hits)} is a PRC advanced-computing IC "
            "the guidance names, presumed designed or produced in violation of the EAR; its "
            f"{case.transaction} without BIS authorization is prohibited (736.2(b)(10); 764.2(e)), no licence "
            f"exception (740.2(a)(2)) — {named.value['presumption']}",
            named,
        )
        req = state.require("gp10", "736", "736.2(b)(10) (BIS guidance 2025-05-13)", named, None, exceptions=())
        state.prohibit(req, None)
        state.cond(
            "the GP10 guidance is a presumption: to rebut it, establish (and document) that the IC was designed and "
            "produced without a violation of the EAR, or ask BIS; acquisition solely for technical analysis, "
            "evaluation or destructive testing is not pursued"
        )
