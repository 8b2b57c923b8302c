"""Know-your-customer red flags (Supp. 3 to Part 732; BIS's 2025 diversion guidance): an unresolved flag
holds the transaction until the exporter has inquired, whatever the licence answer."""

from __future__ import annotations

from datetime import date

from exportgate.determine.model import RedFlag, red_flag_catalogue
from exportgate.determine.state import State

#: Supp. 3 to Part 732 red flag 28: IaaS/training of a 4E091-level model for a non-Supp. 5(a) entity
DERIVED_TRAINING_FLAG = "supp3.28"
CATALOGUE_KEYS = ("kyc.red_flags.supp3_732", "kyc.red_flags.ai_diversion_2025")


def red_flags(state: State) -> None:
    ctx, case = state.trace, state.case
    flags = list(case.red_flags)
    if case.end_use.trains_4e091_model_for_non_supp5a and DERIVED_TRAINING_FLAG not in {f.id for f in flags}:
        state.say(
            "the end use (training a 4E091-level model for an entity HQ'd outside Supp. 5(a)) raises red flag "
            f"{DERIVED_TRAINING_FLAG}"
        )
        flags.append(RedFlag(id=DERIVED_TRAINING_FLAG))
    if not flags:
        return
    catalogue = red_flag_catalogue(ctx.rules, ctx.as_of)
    for key in CATALOGUE_KEYS:
        ctx.resolve(key)
    held: list[str] = []
    for flag in flags:
        entry = catalogue[flag.id]
        param = ctx.resolve(str(entry["parameter"]))
        text = str(entry.get("text", ""))
        stayed = entry.get("stayed")
        if stayed and date.fromisoformat(stayed[0]) <= ctx.as_of <= date.fromisoformat(stayed[1]):
            state.say(f"red flag {flag.id} ({text}) is stayed until {stayed[1]} ({entry.get('stay_source', '')}): not held", param)
            continue
        if flag.resolved:
            state.say(f"red flag {flag.id} ({text}) resolved: {flag.resolution or 'resolution not described'}", param)
            continue
        since = entry.get("since")
        note = ""
        if since and ctx.as_of < date.fromisoformat(str(since)):
            note = f" (listed from {since}; still a red flag under the general KYC duty)"
        state.say(
            f"red flag {flag.id}: {text}{note} -> hold: inquire, and refrain or submit the facts to BIS (Supp. 3 to Part 732)",
            param,
        )
        held.append(flag.id)
        cite = param.cite()
        if cite not in state.red_flag_citations:
            state.red_flag_citations.append(cite)
    if held:
        state.cond(
            "resolve the red flags (" + ", ".join(held) + ") before shipping: inquire; if concerns remain, refrain "
            "or submit the facts to BIS"
        )
    state.red_flags = held
