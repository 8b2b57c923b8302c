"""Part 740 licence exceptions: for advanced computing items NAC and ACA (740.8), HBM (740.25), AIA
(740.27), ACM (740.28) and LPP (740.29), with their conditions; 740.2(a)(9)(ii) limits which of them go
to the licensed D:1/D:4/D:5 set and to D:5/Macau-HQ entities. SPP (740.5, EAR99 to Syria) is evaluated only
where a Part 746 regime lists it. A requirement may bar all of them (740.8(b); 744.23(c); 744.11) or allow
only some (``Requirement.exceptions``: a Part 746 section's own list, 740.2(a)(6); GOV only for 744.21/744.22)."""

from __future__ import annotations

from collections.abc import Callable

from exportgate.determine.allocation import LPP_EXCEPTION, lpp_cap, lpp_scope, lpp_tpp_used
from exportgate.determine.model import Requirement
from exportgate.determine.state import State, matches, num

#: when several licence exceptions authorize the transaction, the one reported first
EXCEPTION_PREFERENCE = ("NAC", "ACA", "HBM", "AIA", "LPP", "ACM", "SPP")
#: the exceptions this engine evaluates (a Part 746 section may list others: said, not evaluated)
EVALUATED = EXCEPTION_PREFERENCE
#: evaluated only where a requirement lists it (a Part 746 regime's own exception)
LISTED_ONLY = ("SPP",)
#: the parameter saying whether each exception exists on the date (its citation is the exception's)
AVAILABLE = {
    "NAC": "exception.nac.available",
    "ACA": "exception.aca.available",
    "HBM": "exception.hbm.available",
    "AIA": "exception.aia.available",
    "LPP": "exception.lpp.available",
    "ACM": "exception.acm.available",
    "SPP": "exception.spp.available",
}

Conditions = list[str] | None


def licence_exceptions(state: State) -> None:
    """The exception that authorizes the transaction (with its conditions), if any; run when a licence is
    required and the transaction is not prohibited."""
    if not state.requirements or state.prohibited:
        return
    ctx = state.trace
    barred = [r for r in state.requirements if not r.exceptions_allowed]
    if barred:
        state.say(
            "licence exceptions barred: " + "; ".join(r.provision for r in barred)
            + " (none allows a licence exception: 740.8(b), no NAC/ACA where Part 744 or 746 requires a licence; "
            "740.2(a)(6) with the Part 746 section; 744.11; 744.23(c))"
        )
        return
    if state.no_exceptions_reason:
        state.say(f"licence exceptions barred: {state.no_exceptions_reason}")
        return
    only = [r for r in state.requirements if r.exceptions is not None]
    kind = state.item.kind
    candidates: list[tuple[str, Callable[[State], Conditions]]] = []
    if kind in ("a", "b"):
        candidates = [("NAC", nac), ("ACA", aca), ("AIA", aia), ("LPP", lpp), ("ACM", acm)]
    elif kind == "hbm":
        candidates = [("HBM", hbm)]
    elif kind == "weights":
        candidates = [("AIA", aia)]
    listed = {e for r in only for e in (r.exceptions or ())}
    candidates += [(name, LISTED[name]) for name in LISTED_ONLY if name in listed]
    found: dict[str, list[str]] = {}
    said: dict[str, str] = {}  # each available exception's own sentence (it says why it is available last)
    for name, fn in candidates:
        outside = [r for r in only if name not in (r.exceptions or ())]
        if outside:
            state.say(f"License Exception {name}: does not overcome {'; '.join(_why_not(r, name) for r in outside)}")
            continue
        conds = fn(state)
        if conds is not None:
            found[name] = conds
            said[name] = ctx.reasons[-1]
    if not found:
        state.say("no licence exception authorizes this transaction: apply for a licence")
        return
    order = [e for e in EXCEPTION_PREFERENCE if e in found]
    chosen = order[0]
    for c in found[chosen]:
        state.cond(c)
    records = ctx.get("records.ai_exception_records") or {}
    if chosen in records:
        state.cond(f"keep the {records[chosen]} (762.2(b))")
    if len(order) > 1:
        state.say(f"License Exception {chosen} chosen; also available: {', '.join(order[1:])}")
    state.exception = chosen
    state.exception_citation = ctx.resolve(AVAILABLE[chosen]).cite()
    state.exception_reason = said[chosen]
    state.alternatives = order[1:]


def _why_not(req: Requirement, name: str) -> str:
    """Why a requirement's own list of exceptions leaves ``name`` out (the rule that says so)."""
    if req.part == "746":
        why = "740.2(a)(6): not among the exceptions the Part 746 section lists"
        if name in ("NAC", "ACA"):
            why += "; 740.8(b)"
        return f"{req.provision} ({why})"
    if name in ("NAC", "ACA") and req.part == "744":
        return f"{req.provision} (740.8(b); only {', '.join(req.exceptions or ())})"
    return req.provision


def spp(state: State) -> Conditions:
    """740.5: EAR99 items to Syria, unless a Part 744 end-use or end-user licence requirement applies."""
    ctx = state.trace
    avail = ctx.resolve("exception.spp.available")
    if not avail.value:
        state.say(f"License Exception SPP does not exist on {ctx.as_of} (740.5, from 2025-09-02)", avail)
        return None
    items = ctx.resolve("exception.spp.items")
    c = state.item.classification
    if c is None or c not in (items.value or ()):
        state.say(f"License Exception SPP: {', '.join(items.value)} items only, not {c or 'an item of unknown ECCN'}", items)
        return None
    part744 = [r.provision for r in state.requirements if r.part == "744"]
    if part744:
        state.say(f"License Exception SPP: not where a Part 744 licence requirement applies ({'; '.join(part744)}) (740.5(b))", avail)
        return None
    state.say(
        "License Exception SPP available: EAR99 items to Syria, no Part 744 end-use or end-user licence requirement "
        "found (740.5(a)-(b))",
        avail,
        items,
    )
    return [
        "SPP does not authorize an export that needs a licence under any Part 744 end-use or end-user control, incl. "
        "744.8 (persons on OFAC's SDN List with the identifiers of 744.8(a)(1)), unless OFAC authorizes it (740.5(b)): "
        "confirm no party is one"
    ]


def restricted_allowed(state: State, name: str) -> bool:
    """740.2(a)(9)(ii): only listed exceptions to the licensed D:1/D:4/D:5 set or D:5/Macau-HQ entities."""
    if state.dest not in state.licensed_set and not state.hq_hit:
        return True
    allowed = state.trace.resolve("exception.restricted.allowed")
    if name in allowed.value:
        return True
    state.say(
        f"License Exception {name}: not among the exceptions 740.2(a)(9)(ii) allows to the licensed set or "
        "D:5/Macau-HQ entities",
        allowed,
    )
    return False


def _datacenter_a(state: State) -> bool:
    item = state.item
    if item.kind != "a":
        return False
    if item.datacenter is None:
        state.say(".a-level item with datacenter design/marketing not stated: treated as a datacenter item (deny by default)")
        return True
    return item.datacenter


def _nac_aca_common(state: State, name: str) -> Conditions:
    ctx, facts = state.trace, state.case.facts
    if _datacenter_a(state):
        state.say(f"License Exception {name}: not for .a-level items designed or marketed for datacenters (740.8; 3A090 exception note)")
        return None
    conds: list[str] = []
    po = ctx.resolve("exception.nac_aca.purchase_order_required")
    if po.value:
        if facts.written_purchase_order is False and not facts.commercial_samples:
            state.say(f"License Exception {name}: no written purchase order (required unless commercial samples)", po)
            return None
        if facts.written_purchase_order is None and not facts.commercial_samples:
            conds.append("a written purchase order must be in hand before the exception is used (commercial samples exempt) (740.8)")
            ctx.cite(po)
    enc = ctx.resolve("exception.nac_aca.enc_paragraphs")
    if matches(state.item.classification or "", list(enc.value)):
        conds.append("License Exception ENC conditions also apply (740.8(a)(3))")
        ctx.cite(enc)
    return conds


def nac(state: State) -> Conditions:
    ctx, case = state.trace, state.case
    avail = ctx.resolve("exception.nac.available")
    if not avail.value:
        state.say(f"License Exception NAC does not exist on {ctx.as_of}", avail)
        return None
    txs = ctx.get("exception.nac.transactions")
    if case.transaction not in txs:
        state.say(f"License Exception NAC: authorizes {', '.join(txs)} only, not a {case.transaction}")
        return None
    allr = ctx.resolve("exception.nac.all_destinations")
    dests = ctx.resolve("exception.nac.destinations")
    if allr.value:
        state.say(
            f"License Exception NAC covers every licensed destination on {ctx.as_of} (before ACA was split out on "
            "2024-04-04)",
            allr,
        )
    elif state.dest in (dests.value or frozenset()) or state.hq_hit:
        why = f"{state.dest} is Macau/D:5" if state.dest in (dests.value or frozenset()) else f"{state.hq_hit} is D:5/Macau"
        state.say(f"License Exception NAC: {why}", dests)
    else:
        state.say(f"License Exception NAC: {state.dest} is not Macau/D:5 and the end user is not D:5/Macau-HQ", dests)
        return None
    if not restricted_allowed(state, "NAC"):
        return None
    common = _nac_aca_common(state, "NAC")
    if common is None:
        return None
    days = ctx.resolve("exception.nac.notification_days")
    state.say(f"License Exception NAC available: prior notification {days.value} days before shipment", avail, days)
    return [
        f"NAC prior notification in SNAP-R at least {days.value} calendar days before shipment; ship only after BIS's answer (STELA); "
        "the notice states TPP, PD, datasheet (datacenter marketing), NAC/licences to the end user in the past 12 months, memory bandwidth, cluster use; "
        "later shipments to the same end user need no new notice within the notified value and quantity",
        *common,
    ]


def aca(state: State) -> Conditions:
    ctx, case = state.trace, state.case
    avail = ctx.resolve("exception.aca.available")
    if not avail.value:
        state.say(f"License Exception ACA does not exist on {ctx.as_of} (split from NAC effective 2024-04-04)", avail)
        return None
    txs = ctx.get("exception.aca.transactions")
    if case.transaction not in txs:
        state.say(f"License Exception ACA: authorizes {', '.join(txs)} only")
        return None
    excl = ctx.resolve("exception.aca.excluded_destinations")
    eset = excl.value or frozenset()
    if case.transaction == "transfer" and state.dest in eset:
        state.say(f"License Exception ACA: in-country transfer within {state.dest} (Macau/D:5)", excl)
    elif state.dest in eset or state.hq_hit:
        state.say(
            f"License Exception ACA: not to Macau/D:5 or D:5/Macau-HQ entities "
            f"({state.dest}{', ' + state.hq_hit if state.hq_hit else ''})",
            excl,
        )
        return None
    if not restricted_allowed(state, "ACA"):
        return None
    common = _nac_aca_common(state, "ACA")
    if common is None:
        return None
    if state.dest in (ctx.get("scope.named.countries") or []):
        state.say("ACA for UAE items to non-approved entities: whether the text intends this is an open question (fact sheet §8) [unverified]")
    state.say(f"License Exception ACA available to {state.dest} (no notification)", avail, excl)
    return common


def _supp5a_party(state: State) -> tuple[bool, str]:
    supp5a = state.trace.resolve("policy.supp5a.countries")
    s5 = set(supp5a.value or [])
    if state.located not in s5:
        return False, f"end user located in {state.located}, not Supp. 5(a)"
    for label, cc in (("HQ", state.hq), ("ultimate parent HQ", state.parent)):
        if cc is not None and cc not in s5:
            return False, f"{label} {cc} is outside Supp. 5(a)"
    return True, f"end user located in {state.located} (Supp. 5(a))"


def _supp5a_hq(state: State) -> tuple[bool, str]:
    """740.27(a)(3): 4E091 weights to an entity headquartered (or whose ultimate parent is headquartered) in a
    Supp. 5(a) country, located anywhere outside Macau/D:5 (and with neither HQ in Macau/D:5)."""
    ctx = state.trace
    s5 = set(ctx.resolve("policy.supp5a.countries").value or [])
    excl = ctx.resolve("exception.diffusion.excluded_destinations")
    bad = set(excl.value or ())
    if state.located in bad:
        return False, f"end user located in {state.located} (Macau/D:5)"
    for label, cc in (("HQ", state.hq), ("ultimate parent HQ", state.parent)):
        if cc is not None and cc in bad:
            return False, f"end user {label} {cc} is in Macau/D:5"
    inside = [f"{label} {cc}" for label, cc in (("HQ", state.hq), ("ultimate parent HQ", state.parent))
              if cc is not None and cc in s5]
    if not inside:
        if state.hq is None and state.parent is None:
            return False, "the end user's HQ is not given (end_user.hq): Supp. 5(a) headquarters not shown"
        return False, "neither the end user's HQ nor its ultimate parent's HQ is in Supp. 5(a)"
    return True, f"end user {' and '.join(inside)} in Supp. 5(a), located in {state.located} outside Macau/D:5"


def aia(state: State) -> Conditions:
    ctx, case = state.trace, state.case
    avail = ctx.resolve("exception.aia.available")
    if not avail.value:
        state.say(f"License Exception AIA not available in {ctx.mode.value} mode on {ctx.as_of}", avail)
        return None
    if state.item.kind == "b":
        state.say("License Exception AIA: .a-level items and 4E091 only")
        return None
    ok, why = _supp5a_hq(state) if state.item.kind == "weights" else _supp5a_party(state)
    if not ok:
        state.say(f"License Exception AIA: {why}")
        return None
    if not restricted_allowed(state, "AIA"):
        return None
    conds: list[str] = []
    if state.item.kind == "weights":
        conds.append("the weights are stored in a facility meeting Supp. 10 to Part 748 paras. 14, 15 and 18 (740.27)")
    else:
        designer = ctx.resolve("exception.aia.designer_paragraphs")
        if matches(state.item.classification or "", list(designer.value)):
            if case.facts.approved_ic_designer is False:
                state.say("License Exception AIA: the IC is not designed by an approved or authorized IC designer", designer)
                return None
            if case.facts.approved_ic_designer is None:
                conds.append("the IC must be designed by an approved (Supp. 6 to Part 740) or authorized IC designer")
        cert = ctx.resolve("exception.aia.certification_tpp")
        conds.append(f"send the consignee certification to BIS once the consignee's cumulative TPP reaches {num(cert.value)}")
        ctx.cite(cert)
    if case.end_use.trains_4e091_model_for_non_supp5a:
        state.say("License Exception AIA: not for training 4E091-level models for entities HQ'd outside Supp. 5(a) (740.27)")
        return None
    conds += [
        "one-time consignee certification and a written notice with each shipment that it is made under AIA (740.27)",
        "not for training 4E091-level models for entities HQ'd outside Supp. 5(a)",
    ]
    state.say(f"License Exception AIA available ({why})", avail)
    return conds


def lpp(state: State) -> Conditions:
    ctx, case = state.trace, state.case
    avail = ctx.resolve("exception.lpp.available")
    if not avail.value:
        state.say(f"License Exception LPP not available in {ctx.mode.value} mode on {ctx.as_of}", avail)
        return None
    if state.item.kind != "a":
        state.say("License Exception LPP: .a-level items only")
        return None
    txs = ctx.get("exception.lpp.transactions")
    if case.transaction not in txs:
        state.say(f"License Exception LPP: {', '.join(txs)} only, no in-country transfers")
        return None
    scope = lpp_scope(ctx)
    if not scope.applies_to(state.dest, state.hq, state.parent):
        state.say("License Exception LPP: not to D:5/Macau or to consignees HQ'd there", scope.excluded)
        return None
    if not restricted_allowed(state, "LPP"):
        return None
    cap = lpp_cap(ctx)
    if cap is None:
        state.say(f"License Exception LPP: no yearly cap in force on {ctx.as_of}: not available (deny by default)", avail)
        return None
    notify = ctx.resolve("exception.lpp.notify_tpp")
    days = ctx.resolve("exception.lpp.certification_copy_days")
    consignee = case.ultimate_consignee or case.end_user.name
    used: float | None = case.lpp_used_tpp
    if used is None and state.ledger is not None and consignee:
        used = lpp_tpp_used(state.ledger, consignee, ctx.as_of.year)
    this = state.tpp_total
    limit = cap.tpp
    conds: list[str] = []
    if this is None:
        state.say("License Exception LPP: the item's TPP is not given, the yearly cap cannot be checked", cap.resolved)
        return None
    if used is None:
        conds.append(
            f"the ultimate consignee's cumulative LPP TPP in {ctx.as_of.year} (all exporters) plus this {num(this)} "
            f"must not exceed {num(limit)}"
        )
        state.say(f"License Exception LPP: cap {num(limit)} TPP per calendar year; TPP already used not given", cap.resolved)
        if this > limit:
            state.say(f"License Exception LPP: this shipment alone ({num(this)}) exceeds the cap {num(limit)}", cap.resolved)
            return None
    else:
        total = used + this
        if total > limit:
            state.say(
                f"License Exception LPP: {ctx.as_of.year} cap for {consignee}: used {num(used)} + this {num(this)} = "
                f"{num(total)} > {num(limit)} TPP: not available",
                cap.resolved,
            )
            return None
        state.say(
            f"License Exception LPP: {ctx.as_of.year} cap for {consignee}: used {num(used)} + this {num(this)} = "
            f"{num(total)} <= {num(limit)} TPP (remaining {num(limit - total)})",
            cap.resolved,
        )
    if this >= notify.value:
        conds.append(f"notify BIS before the shipment: aggregate TPP {num(this)} >= {num(notify.value)} (740.29)")
        ctx.cite(notify)
    conds.append(
        f"consignee certification; copy to BIS within {days.value} days ('LPP Shipment'); the consignee notifies BIS "
        "when the cap is reached"
    )
    state.say(f"License Exception {LPP_EXCEPTION} available", avail)
    return conds


def acm(state: State) -> Conditions:
    ctx, case = state.trace, state.case
    avail = ctx.resolve("exception.acm.available")
    if not avail.value:
        return None
    acts = ctx.get("exception.acm.activities")
    if case.end_use.acm_activity not in acts:
        state.say(f"License Exception ACM: needs end_use.acm_activity in {', '.join(acts)} (not given)", avail)
        return None
    excl = ctx.resolve("exception.diffusion.excluded_destinations")
    if state.dest in (excl.value or frozenset()) or state.hq_in(excl.value or frozenset()):
        state.say("License Exception ACM: not to Macau/D:5 or D:5/Macau-HQ consignees", excl)
        return None
    if case.end_use.acm_activity and case.end_user.private_sector is False:
        state.say("License Exception ACM: private sector end users only")
        return None
    months = ctx.resolve("exception.acm.accounting_months")
    conds = [f"items ultimately destined outside Macau/D:5; accounting every {months.value} months (740.28)"]
    if case.end_user.private_sector is None:
        conds.append("the end user must be a private sector end user (740.28)")
    state.say(f"License Exception ACM available ({case.end_use.acm_activity})", avail, months)
    return conds


def hbm(state: State) -> Conditions:
    ctx, case, facts = state.trace, state.case, state.case.facts
    avail = ctx.resolve("exception.hbm.available")
    if not avail.value:
        state.say(f"License Exception HBM does not exist on {ctx.as_of}", avail)
        return None
    conds: list[str] = []
    density = ctx.resolve("exception.hbm.density_below")
    mbd = state.item.bandwidth_density
    if mbd is None:
        conds.append(f"memory bandwidth density must be below {density.value} GB/s/mm² (740.25)")
    elif not mbd < density.value:
        state.say(f"License Exception HBM: memory bandwidth density {mbd} is not below {density.value} GB/s/mm²", density)
        return None
    exp_hq = ctx.resolve("exception.hbm.exporter_hq")
    bad_parent = ctx.resolve("exception.hbm.excluded_parent_hq")
    ex = case.exporter
    if ex.hq is None:
        conds.append("the exporter must be HQ'd in the US or A:5 with no D:5/Macau ultimate parent (740.25)")
    else:
        ex_hq = ctx.at.effective_country(ex.hq)[0]
        ex_parent = ctx.at.effective_country(ex.ultimate_parent_hq)[0] if ex.ultimate_parent_hq else None
        if ex_hq not in exp_hq.value or (ex_parent is not None and ex_parent in bad_parent.value):
            state.say(f"License Exception HBM: exporter HQ {ex_hq} (parent {ex_parent or 'n/a'}) does not qualify", exp_hq, bad_parent)
            return None
    if facts.consignee_is_distributor:
        state.say("License Exception HBM: not available to distributors or intermediate consignees (740.25)")
        return None
    if facts.packaging_at_advanced_node_facility:
        state.say("License Exception HBM: not for co-packaging at a Macau/D:5 advanced-node facility (740.25)")
        return None
    d5mo = ctx.cset("scope.hbm.destinations")
    if state.dest in d5mo:
        if facts.hbm_purchased_by_designer is False:
            state.say("License Exception HBM: to Macau/D:5 the HBM must be bought directly by the designer of the co-packaged commodity")
            return None
        if facts.hbm_purchased_by_designer is None:
            conds.append("to Macau/D:5: the HBM is bought directly by the designer of the co-packaged commodity (740.25)")
    if facts.hbm_shipped_to_packaging_site is False:
        state.say("License Exception HBM: must be shipped directly to the packaging site")
        return None
    if facts.hbm_shipped_to_packaging_site is None:
        conds.append("ship directly to the packaging site; no distributors or intermediate consignees except the packaging site's freight/customs agents (740.25)")
    if facts.packaging_at_advanced_node_facility is None:
        conds.append("not for co-packaging at a Macau/D:5 advanced-node facility (740.25)")
    confirm = ctx.resolve("exception.hbm.confirmation_groups")
    pct = ctx.resolve("exception.hbm.discrepancy_percent")
    days = ctx.resolve("exception.hbm.report_days")
    if state.dest in confirm.value:
        conds.append("written confirmation from the packaging site (US/A:5/A:6) (740.25)")
    else:
        conds.append(
            f"the co-packaged product returns to the exporter, who reconciles unit counts; a discrepancy above "
            f"{pct.value}% is a red flag to report within {days.value} days (740.25)"
        )
    conds.append("the finished co-packaged product must not exceed the 3A090 thresholds (740.25)")
    state.say("License Exception HBM available (740.25)", avail, density, exp_hq)
    return conds



#: the exceptions evaluated only where a requirement lists them, by name
LISTED: dict[str, Callable[[State], Conditions]] = {"SPP": spp}
