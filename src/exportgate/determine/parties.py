"""Restricted parties: the Entity List (744.11), military end users (744.21), the Unverified List (744.15)
and denial orders (764.3), as confirmed hits on the end user; each list's effect comes from
``enduse.party_lists``."""

from __future__ import annotations

from exportgate.determine.state import State, flagged, policy_id


def restricted_parties(state: State) -> None:
    ctx, eu = state.trace, state.case.end_user
    if not eu.restricted_party_hits:
        return
    lists = ctx.resolve("enduse.party_lists")
    for hit in eu.restricted_party_hits:
        spec = dict(lists.value[hit.list])
        who = eu.name or "the end user"
        if not state.subject_to_ear:
            state.say(f"{who} is on the {hit.list}, but the item is not subject to the EAR (see above)")
            continue
        effect = spec["effect"]
        cite = flagged(str(spec["cite"]), lists)
        if effect == "prohibited":
            state.say(
                f"{who} is a denied person ({hit.list}): participation prohibited without BIS authorization "
                f"({spec['cite']})",
                lists,
            )
            req = state.require("dpl", "764", "denial order", cite, hit.license_policy, exceptions=())
            state.prohibit(req, hit.license_policy or state.prohibited_policy)
        elif effect == "no_exceptions":
            state.say(f"{who} is on the {hit.list}: licence exceptions are not available ({spec['cite']})", lists)
            state.no_exceptions_reason = f"{hit.list} party ({spec['cite']})"
        elif hit.list == "entity_list":
            default = ctx.resolve("enduse.entity_list.default_policy")
            policy = policy_id(hit.license_policy) or str(default.value)
            fn = f", footnote {hit.footnote}" if hit.footnote is not None else ""
            state.say(
                f"{who} is on the Entity List{fn}: licence required for all items subject to the EAR, "
                f"no licence exceptions; review policy of the entry: {policy} (744.11)",
                lists,
                default,
            )
            state.require("entity_list", "744", "Entity List (744.11)", cite, policy, exceptions=())
        else:  # another list whose effect is a licence for all items: the military end user list
            policy = policy_id(hit.license_policy) or str(ctx.get("enduse.military.policy"))
            state.say(
                f"{who} is on the {hit.list} (military end user list): licence required, no licence exceptions; "
                f"review policy {policy} ({spec['cite']})",
                lists,
            )
            state.require("meu", "744", "military end user list", cite, policy, exceptions=())
