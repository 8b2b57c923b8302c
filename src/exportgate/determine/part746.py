"""Part 746: embargoes and other special controls, by destination.

Today one step: the comprehensive embargoes of Country Groups E:1/E:2 (prohibited without authorization,
no licence exceptions). The country regimes of Part 746 (746.8 Russia/Belarus, Iran, Syria, ...) are
each a module of their own, listed in ``engine.STEPS`` right after this step.
"""

from __future__ import annotations

from exportgate.determine.state import State


def embargo(state: State) -> None:
    ctx = state.trace
    embargo = ctx.resolve("enduse.embargo.destinations")
    places = {state.dest, state.located}
    hit = sorted(c for c in places if c in (embargo.value or frozenset()))
    if not hit:
        state.say(f"{state.dest} is not in E:1/E:2 on {ctx.as_of}: no comprehensive embargo", embargo)
        return
    policy = ctx.resolve("enduse.embargo.policy")
    state.say(
        f"{', '.join(hit)} is comprehensively embargoed (Country Group E:1/E:2, Part 746): no export, "
        "reexport or transfer of items subject to the EAR without authorization; no licence exceptions "
        f"assumed; review policy {policy.value}",
        embargo,
        policy,
    )
    req = state.require("embargo", "746", "Part 746 embargo", embargo, str(policy.value), exceptions=())
    state.prohibit(req, str(policy.value))
