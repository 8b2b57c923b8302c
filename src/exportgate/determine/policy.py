"""Review policies: the 742.6(b)(10) policy of a .a/.b requirement (China/Macau case-by-case, Supp. 5(a),
the country allocation, the licensed set), and the policy of the determination as a whole (the strictest
of its requirements')."""

from __future__ import annotations

from exportgate.determine.allocation import CountryAllocation, country_allocation, country_tpp_used
from exportgate.determine.model import UMBRELLA_DD
from exportgate.determine.state import POLICY_RANK, State, num
from exportgate.rules import Mode


def ccl_ab(state: State) -> str:
    """742.6(b)(10): the review policy of a licence for a .a/.b-level item (said, with its citations)."""
    ctx = state.trace
    d5mo = ctx.resolve("policy.d5_macau.destinations")
    tier3 = state.dest in (d5mo.value or frozenset()) or bool(state.hq_hit)
    if tier3:
        return _china_macau(state)
    if ctx.mode is Mode.TEXT:
        supp5a = ctx.resolve("policy.supp5a.countries")
        s5 = ctx.resolve("policy.supp5a.policy")
        if s5.value is not None:
            inside = state.dest in supp5a.value or (state.hq is not None and state.hq in supp5a.value)
            if inside:
                state.say(f"742.6(b)(10)(iii)(A)(2): Supp. 5(a) destination or HQ: review policy {s5.value}", supp5a, s5)
                return str(s5.value)
        alloc = country_allocation(ctx)
        if alloc is not None and alloc.applies_to(state.dest):
            return _allocation(state, alloc)
    other = ctx.resolve("policy.licensed_set_other")
    state.say(f"review policy for a licensed destination outside Macau/D:5: {other.value}", other)
    return str(other.value)


def _china_macau(state: State) -> str:
    """742.6(b)(10)(iii)(A)(1): case-by-case for some exports to China/Macau, else presumption of denial."""
    ctx, case, item = state.trace, state.case, state.item
    cbc = ctx.resolve("policy.china_cbc.enabled")
    denial = ctx.resolve("policy.d5_macau")
    if not cbc.value:
        state.say(f"review policy: {denial.value} for Macau/D:5 or D:5/Macau-HQ entities", denial)
        return str(denial.value)
    problems: list[str] = []
    countries = ctx.get("policy.china_cbc.countries")
    if state.dest not in countries or state.located not in countries:
        problems.append(f"end user not located in {'/'.join(countries)}")
    txs = ctx.get("policy.china_cbc.transactions")
    if case.transaction not in txs or state.origin != "US":
        problems.append(
            f"not an export from the US ({case.transaction} from {state.origin}); reexports and transfers keep "
            "presumption of denial"
        )
    if item.classification and item.classification[1:2] in ("D", "E"):
        problems.append("not a commodity")
    tpp_max = ctx.get("policy.china_cbc.tpp_below")
    dram_max = ctx.get("policy.china_cbc.dram_bandwidth_below")
    if item.tpp is None:
        problems.append("TPP not given")
    elif not item.tpp < tpp_max:
        problems.append(f"TPP {num(item.tpp)} is not below {num(tpp_max)}")
    if item.dram_bandwidth is None:
        problems.append("total DRAM bandwidth (total_dram_bandwidth_gbps) not given")
    elif not item.dram_bandwidth < dram_max:
        problems.append(f"total DRAM bandwidth {num(item.dram_bandwidth)} GB/s is not below {num(dram_max)}")
    certs = ctx.get("policy.china_cbc.certifications")
    given = set(case.certifications)
    missing = [] if UMBRELLA_DD in given else [c for c in certs if c not in given]
    if missing:
        problems.append("Supp. 2 to Part 748 (dd) certifications missing: " + ", ".join(missing))
    r = ctx.resolve("policy.china_cbc.policy")
    if not problems:
        state.say(
            f"742.6(b)(10)(iii)(A)(1): export to an end user located in {state.located}, TPP {num(item.tpp or 0)} "
            f"< {num(tpp_max)}, total DRAM bandwidth {num(item.dram_bandwidth or 0)} < {num(dram_max)} GB/s, "
            f"(dd) certifications supplied: review policy {r.value}",
            cbc,
            r,
        )
        state.policy_conditions.append(
            "supply the Supp. 2 to Part 748 (dd) certifications with the application, incl. third-party testing of "
            "every shipment in the US"
        )
        return str(r.value)
    state.say(
        f"742.6(b)(10)(iii)(A)(1): case-by-case path not met ({'; '.join(problems)}): review policy {denial.value}",
        cbc,
        denial,
    )
    return str(denial.value)


def _allocation(state: State, alloc: CountryAllocation) -> str:
    """742.6(b)(10)(iii)(B): presumption of approval within the country's allocation, denial beyond it."""
    ctx, case = state.trace, state.case
    limit, count_from = alloc.tpp, alloc.count_from
    within = ctx.resolve("policy.allocation.policy_within")
    exhausted = ctx.resolve("policy.allocation.policy_exhausted")
    used: float | None = case.allocation_used_tpp
    source = "allocation_used_tpp"
    if used is None and state.ledger is not None:
        used = country_tpp_used(state.ledger, ctx, state.dest)
        source = "ledger"
    this = state.tpp_total
    state.allocation = {"country": state.dest, "limit_tpp": limit, "used_tpp": used, "this_tpp": this,
                        "count_from": count_from.isoformat(), "remaining_tpp": None}
    if used is None or this is None:
        missing = "TPP already used (allocation_used_tpp or a ledger)" if used is None else "the item's TPP"
        state.say(
            f"742.6(b)(10)(iii)(B): {state.dest} has a {num(limit)} TPP allocation (from {count_from}); "
            f"{missing} not given: review policy {within.value} only within the allocation",
            alloc.resolved,
            within,
        )
        state.policy_conditions.append(
            f"presumption of approval only within {state.dest}'s allocation of {num(limit)} TPP (2025-2027, counted "
            f"from {count_from}): confirm the cumulative TPP exported"
        )
        return str(within.value)
    total = used + this
    state.allocation["remaining_tpp"] = max(limit - total, 0.0)
    if total <= limit:
        state.say(
            f"742.6(b)(10)(iii)(B): allocation for {state.dest}: used {num(used)} ({source}) + this {num(this)} = "
            f"{num(total)} <= {num(limit)} TPP: review policy {within.value}",
            alloc.resolved,
            within,
        )
        return str(within.value)
    state.say(
        f"742.6(b)(10)(iii)(B): allocation for {state.dest}: used {num(used)} ({source}) + this {num(this)} = "
        f"{num(total)} > {num(limit)} TPP: allocation used up, review policy {exhausted.value}",
        alloc.resolved,
        exhausted,
    )
    return str(exhausted.value)


def review_policy(state: State) -> None:
    """The most restrictive policy of the requirements found; an Entity List entry's own policy text (not
    one of the ranked identifiers) is reported unless a presumption of denial applies anyway."""
    if state.prohibited:
        state.review_policy = state.prohibited_policy
        return
    policies = [r.review_policy for r in state.requirements if r.review_policy]
    if state.ccl_policy:
        policies.append(state.ccl_policy)
    if not policies:
        state.review_policy = None
        return
    ranked = [p for p in policies if p in POLICY_RANK]
    unranked = [p for p in policies if p not in POLICY_RANK]
    strictest = max(ranked, key=POLICY_RANK.__getitem__) if ranked else None
    if unranked and (strictest is None or POLICY_RANK[strictest] < POLICY_RANK["presumption_of_denial"]):
        state.review_policy = unranked[0]
    else:
        state.review_policy = strictest


def licence_conditions(state: State) -> None:
    """The review policy's conditions, when a licence is to be applied for (no exception, not prohibited)."""
    if state.exception is None and not state.prohibited:
        for c in state.policy_conditions:
            state.cond(c)
