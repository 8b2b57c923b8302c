"""The licence determination: may this item go to this party, for this use, on this day?

``determine(case, mode, rules)`` is a pure function of its inputs (plus an optional read-only TPP
ledger). Every scope, threshold, country list and policy comes from the rule data
(``scope.*``, ``policy.*``, ``exception.*``, ``enduse.*``, ``kyc.*``, ``records.*``, ``uae.*``) as of
the case's date in the mode asked; each step appends a reason and the citation of the rule used.

Order of the analysis (each step is a reason in the result):
1. countries (Hong Kong treated as China), classification, record retention;
2. comprehensively embargoed destinations (Part 746) -> prohibited without authorization;
3. restricted parties (Entity List incl. the footnote 4 FDP rule, MEU, DPL, UVL);
4. end uses and end users (744.23 supercomputer / advanced-node, military, WMD);
5. the CCL requirement of 742.6 (3A090/4A090/.z, 3A090.c, 4E091) by destination, HQ, UAE regime;
6. review policy (742.6(b)(10), (b)(14), 744.23(d), Entity List entry);
7. licence exceptions (NAC, ACA, HBM, AIA, LPP, ACM) and their conditions, unless 740.8(b) or
   another no-exception rule bars them;
8. KYC red flags -> red_flag_hold until resolved.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from exportgate.determine.model import (
    UMBRELLA_DD,
    Case,
    ClassifiedItem,
    Determination,
    RedFlag,
    TppLedger,
    red_flag_catalogue,
)
from exportgate.errors import InputError
from exportgate.rules import Mode, Resolved, RuleSet, load_rules

POLICY_RANK = {"presumption_of_approval": 1, "case_by_case": 2, "presumption_of_denial": 3}
#: when several licence exceptions authorize the transaction, the one reported first
EXCEPTION_PREFERENCE = ("NAC", "ACA", "HBM", "AIA", "LPP", "ACM")
#: Supp. 3 to Part 732 red flag 28: IaaS/training of a 4E091-level model for a non-Supp. 5(a) entity
DERIVED_TRAINING_FLAG = "supp3.28"


def _num(value: float) -> str:
    if float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.3f}".rstrip("0").rstrip(".")


@dataclass
class _Ctx:
    rules: RuleSet
    as_of: date
    mode: Mode
    reasons: list[str] = field(default_factory=list)
    citations: list[str] = field(default_factory=list)
    consulted: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    pending_conditions: list[str] = field(default_factory=list)

    def resolve(self, key: str) -> Resolved:
        if key not in self.consulted:
            self.consulted.append(key)
        return self.rules.resolve(key, self.as_of, self.mode)

    def get(self, key: str) -> Any:
        return self.resolve(key).value

    def cset(self, key: str) -> frozenset[str]:
        value = self.get(key)
        if value is None:
            return frozenset()
        return frozenset(value)

    def cite(self, r: Resolved | str) -> None:
        text = r.cite() if isinstance(r, Resolved) else r
        if text and text not in self.citations:
            self.citations.append(text)

    def say(self, text: str, *cites: Resolved | str) -> None:
        self.reasons.append(text)
        for c in cites:
            self.cite(c)

    def country(self, code: str) -> str:
        if code not in self.countries:
            self.countries.append(code)
        return code


@dataclass
class _Item:
    classification: str | None
    kind: str  # a | b | hbm | weights | at_only | unlisted
    tpp: float | None
    datacenter: bool | None
    dram_bandwidth: float | None
    bandwidth_density: float | None


@dataclass
class _Req:
    """One licence requirement found."""

    basis: str  # destination | worldwide | named | hq | hbm | hbm_hq | weights | entity_list | meu | military | wmd | supercomputer | advanced_node
    part: str  # 742 | 744 | 746
    text: str
    policy: str | None
    exceptions_allowed: bool


def _policy_id(text: str | None) -> str | None:
    """An Entity List entry's policy text as a ranked identifier when it is one of the three; else as is."""
    if text is None:
        return None
    low = text.strip().lower().replace("-", " ").replace("_", " ")
    for ident in POLICY_RANK:
        if ident.replace("_", " ") in low:
            return ident
    return text.strip()


def _matches(classification: str, paragraphs: list[str]) -> bool:
    c = classification.upper()
    return any(c == p.upper() or c.startswith(p.upper() + ".") for p in paragraphs)


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February: keep the records to 1 March (the later day)
        return date(day.year + years, 3, 1)


# ------------------------------------------------------------------------------------------ item


def _resolve_item(case: Case, ctx: _Ctx) -> _Item:
    where = case.at("item")
    raw = case.item
    if isinstance(raw, dict) and "eccn" in raw:
        it = ClassifiedItem.model_validate(raw)
        given = it.eccn.strip()
        classification: str | None = "EAR99" if given.upper() == "EAR99" else given
        tpp, dc = it.tpp, it.datacenter_designed_or_marketed
        dram, mbd = it.total_dram_bandwidth_gbps, it.memory_bandwidth_density_gbps_per_mm2
        ctx.say(f"item given as classified: {classification}")
        field_name = f"{where}.eccn"
    else:
        from exportgate import classify as cl

        if isinstance(raw, str):
            item = cl.catalog_item(raw, field=where)
        elif isinstance(raw, dict) and set(raw) == {"catalog"}:
            item = cl.catalog_item(str(raw["catalog"]), field=f"{where}.catalog")
        else:
            item = cl.parse_item(raw, field=where)
        c = cl.classify(item, ctx.as_of, ctx.mode, ctx.rules)
        classification = c.classification
        tpp, dc = c.tpp, item.datacenter_designed_or_marketed
        dram, mbd = item.total_dram_bandwidth_gbps, item.memory_bandwidth_density_gbps_per_mm2
        ctx.say(f"classified ({'; '.join(c.reasons[-2:]) if c.reasons else 'no reasons'}): {classification or 'no listed paragraph'}")
        for cite in c.citations:
            ctx.cite(cite)
        field_name = where
        if classification is None:
            ctx.say(
                "the item is in no paragraph this engine's rule data lists (3A090, 4A090, .z, 3A991.p, "
                "4A994.l, 4E091): no CCL-based licence requirement evaluated; Part 744/746 still apply"
            )
            case_cond = "confirm the item's ECCN: it is in none of the advanced-computing paragraphs this engine evaluates (EAR99 or another ECCN)"
            ctx.pending_conditions.append(case_cond)
            return _Item(None, "unlisted", tpp, dc, dram, mbd)
    if classification is None:
        raise InputError(where, "no classification")
    lists: list[tuple[str, str]] = [
        ("scope.items.a_level", "a"),
        ("scope.items.b_level", "b"),
        ("scope.items.b_level_z", "b"),
        ("scope.items.hbm", "hbm"),
        ("scope.items.model_weights", "weights"),
    ]
    for key, kind in lists:
        r = ctx.resolve(key)
        if _matches(classification, list(r.value or [])):
            label = {"a": ".a-level", "b": ".b-level", "hbm": "HBM (3A090.c)", "weights": "model weights (4E091)"}[kind]
            ctx.say(f"{classification} is on the {label} list on {ctx.as_of}", r)
            note2 = ctx.resolve("ccl.3a090.note2.tpp_limit") if kind in ("a", "b") and dc is False else None
            if kind == "b" and note2 is not None:
                raise InputError(
                    f"{field_name}" if field_name.endswith("eccn") else f"{where}.datacenter_designed_or_marketed",
                    f"{classification} not designed or marketed for datacenters is excluded by Note 2 to "
                    f"3A090 (TPP below {_num(note2.value)}): classify the item instead",
                )
            if kind == "a" and note2 is not None and tpp is not None:
                if note2.value is not None and tpp < note2.value:
                    raise InputError(
                        f"{where}.tpp",
                        f"{classification} not designed or marketed for datacenters with TPP {_num(tpp)} below "
                        f"{_num(note2.value)} is excluded by Note 2 to 3A090: classify the item instead",
                    )
            return _Item(classification, kind, tpp, dc, dram, mbd)
    if ".Z" not in classification.upper():
        for key in ("scope.items.at_only", "scope.items.at_only_mass_market"):
            at_only = ctx.resolve(key)
            if _matches(classification, list(at_only.value or [])):
                ctx.say(f"{classification} is AT-only or EAR99: no RS licence requirement on the CCL basis", at_only)
                return _Item(classification, "at_only", tpp, dc, dram, mbd)
    raise InputError(
        field_name,
        f"{classification!r} is not a classification this engine's rule data covers on {ctx.as_of} "
        "(deny by default: give a listed paragraph such as 3A090.a.1, 3A090.b, 3A090.c, 4A090.a, a .z "
        "paragraph, 4E091, 3A991.p, 4A994.l, 5A992, 5D992 or EAR99)",
    )


# ------------------------------------------------------------------------------------------ engine


def determine(
    case: Case,
    mode: Mode | str = Mode.ENFORCED,
    rules: RuleSet | None = None,
    *,
    ledger: TppLedger | None = None,
) -> Determination:
    """Determine the licence outcome of ``case`` on its date, in ``mode``."""
    rules = rules or load_rules()
    mode = Mode(mode)
    ctx = _Ctx(rules=rules, as_of=case.date, mode=mode)
    rules.check_date(case.date, field=case.at("date"))
    return _Engine(case, ctx, ledger).run()


class _Engine:
    def __init__(self, case: Case, ctx: _Ctx, ledger: TppLedger | None) -> None:
        self.case = case
        self.ctx = ctx
        self.ledger = ledger
        self.conditions: list[str] = []
        self.reqs: list[_Req] = []
        self.prohibited = False
        self.prohibited_policy: str | None = None
        self.no_exceptions_reason: str | None = None
        self.allocation: dict[str, Any] | None = None
        self.licensed_set: frozenset[str] = frozenset()
        self.hq_hit: str | None = None
        self.ab_policy: str | None = None
        #: conditions of the review policy (apply only when a licence is applied for)
        self.policy_conditions: list[str] = []

    # -------------------------------------------------------------- helpers
    def _eff_opt(self, code: str | None, label: str) -> str | None:
        return None if code is None else self._eff(code, label)

    def _eff(self, code: str, label: str) -> str:
        cc, why = self.ctx.rules.effective_country(code, self.ctx.as_of)
        if why is not None:
            self.ctx.say(f"{label} {code} is treated as {cc} ({why.description})", why)
        return self.ctx.country(cc)

    def _cond(self, text: str) -> None:
        if text not in self.conditions:
            self.conditions.append(text)

    # -------------------------------------------------------------- run
    def run(self) -> Determination:
        case, ctx = self.case, self.ctx
        ctx.say(f"determination on {ctx.as_of} in {ctx.mode.value} mode: {case.transaction} from {case.origin} to {case.destination}")
        self.origin = self._eff(case.origin, "origin")
        self.dest = self._eff(case.destination, "destination")
        eu = case.end_user
        self.located = self._eff_opt(eu.located_in, "end user location") or self.dest
        self.hq = self._eff_opt(eu.hq, "end user HQ")
        self.parent = self._eff_opt(eu.ultimate_parent_hq, "ultimate parent HQ")
        self.item = _resolve_item(case, ctx)
        for c in ctx.pending_conditions:
            self._cond(c)
        tpp_total = self.item.tpp * case.quantity if self.item.tpp is not None else None
        self.tpp_total = tpp_total
        if tpp_total is not None:
            ctx.say(f"TPP total = {case.quantity} x {_num(self.item.tpp or 0)} = {_num(tpp_total)}")

        ret = ctx.resolve("records.retention_years")
        retain = _add_years(ctx.as_of, int(ret.value))
        ctx.say(
            f"Part 762: keep the records until at least {retain} ({ret.value} years from the transaction date; "
            "restart from any later reexport, transfer or termination)",
            ret,
        )

        subject = self._subject_to_ear()
        if subject:
            self._embargo()
            self._parties()
            self._end_uses()
            if not self.prohibited:
                self._ccl()
        else:
            self._parties(foreign_only=True)

        review_policy = self._review_policy()
        exception: str | None = None
        alternatives: list[str] = []
        if self.reqs and not self.prohibited:
            exception, alternatives = self._exceptions()

        if exception is None and not self.prohibited:
            for c in self.policy_conditions:
                self._cond(c)
        flags = self._red_flags()

        license_required = bool(self.reqs) or self.prohibited
        if self.prohibited:
            status = "prohibited_without_authorization"
            exception = None
            alternatives = []
        elif flags:
            status = "red_flag_hold"
        elif self.reqs and exception:
            status = "license_exception_available"
        elif self.reqs:
            status = "license_required"
        else:
            status = "no_license_required"
        if status == "no_license_required":
            ctx.say("no licence requirement found for this item, destination, end user and end use")
        ctx.say(f"status: {status}" + (f" (License Exception {exception})" if exception else "")
                + (f"; review policy {review_policy}" if review_policy else ""))
        return Determination(
            as_of=ctx.as_of,
            mode=ctx.mode.value,
            classification=self.item.classification,
            status=status,
            license_required=license_required,
            license_exception=exception,
            review_policy=review_policy,
            retain_records_until=retain,
            tpp_total=tpp_total,
            conditions=self.conditions,
            red_flags=flags,
            reasons=ctx.reasons,
            citations=ctx.citations,
            alternative_exceptions=alternatives,
            consulted=ctx.consulted,
            countries=ctx.countries,
            allocation=self.allocation,
        )

    # -------------------------------------------------------------- subject to the EAR
    def _subject_to_ear(self) -> bool:
        fp = self.case.foreign_produced
        if fp is None:
            return True
        ctx = self.ctx
        techs = [t.upper() for t in fp.direct_product_of]
        fn4_scope = ctx.resolve("enduse.entity_list.fdp_footnote4_eccns")
        fn4_hit = any(h.list == "entity_list" and h.footnote == 4 for h in self.case.end_user.restricted_party_hits)
        if fn4_hit and any(_matches(t, list(fn4_scope.value)) for t in techs):
            ctx.say(
                "foreign-produced direct product of listed US technology/software with a Footnote 4 Entity List "
                "party to the transaction: subject to the EAR under the Entity List FDP rule (734.9(e)(2))",
                fn4_scope,
            )
            return True
        products = ctx.resolve("enduse.advanced_computing_fdp.products")
        if techs and self.item.classification and _matches(self.item.classification, list(products.value)):
            ctx.say(
                f"foreign-produced {self.item.classification}, direct product of {', '.join(techs)}: subject to the "
                "EAR under the advanced computing FDP rule (734.9(h)); licence requirements per 742.6(a)(6)",
                products,
            )
            return True
        ctx.say(
            "foreign-produced item not caught by the FDP rules evaluated (734.9(e)(2) Footnote 4, 734.9(h)): "
            "not subject to the EAR on that basis",
            products,
        )
        self._cond("confirm the foreign-produced item is not subject to the EAR under de minimis (734.4) or other FDP rules (not evaluated)")
        return False

    # -------------------------------------------------------------- embargo
    def _embargo(self) -> None:
        ctx = self.ctx
        embargo = ctx.resolve("enduse.embargo.destinations")
        places = {self.dest, self.located}
        hit = sorted(c for c in places if c in (embargo.value or frozenset()))
        if hit:
            policy = ctx.resolve("enduse.embargo.policy")
            ctx.say(
                f"{', '.join(hit)} is comprehensively embargoed (Country Group E:1/E:2, Part 746): no export, "
                "reexport or transfer of items subject to the EAR without authorization; no licence exceptions "
                f"assumed; review policy {policy.value}",
                embargo,
                policy,
            )
            self.prohibited = True
            self.prohibited_policy = str(policy.value)
            self.reqs.append(_Req("embargo", "746", "Part 746 embargo", str(policy.value), False))
        else:
            ctx.say(f"{self.dest} is not in E:1/E:2 on {ctx.as_of}: no comprehensive embargo", embargo)

    # -------------------------------------------------------------- restricted parties
    def _parties(self, foreign_only: bool = False) -> None:
        ctx, eu = self.ctx, self.case.end_user
        if not eu.restricted_party_hits:
            return
        lists = ctx.resolve("enduse.party_lists")
        for hit in eu.restricted_party_hits:
            spec = dict(lists.value[hit.list])
            who = eu.name or "the end user"
            if foreign_only:
                ctx.say(f"{who} is on the {hit.list}, but the item is not subject to the EAR (see above)")
                continue
            effect = spec["effect"]
            if effect == "prohibited":
                ctx.say(f"{who} is a denied person ({hit.list}): participation prohibited without BIS authorization ({spec['cite']})", lists)
                self.prohibited = True
                self.prohibited_policy = hit.license_policy or self.prohibited_policy
                self.reqs.append(_Req("dpl", "764", "denial order", hit.license_policy, False))
            elif effect == "no_exceptions":
                ctx.say(f"{who} is on the {hit.list}: licence exceptions are not available ({spec['cite']})", lists)
                self.no_exceptions_reason = f"{hit.list} party ({spec['cite']})"
            elif hit.list == "entity_list":
                default = ctx.resolve("enduse.entity_list.default_policy")
                policy = _policy_id(hit.license_policy) or str(default.value)
                fn = f", footnote {hit.footnote}" if hit.footnote is not None else ""
                ctx.say(
                    f"{who} is on the Entity List{fn}: licence required for all items subject to the EAR, "
                    f"no licence exceptions; review policy of the entry: {policy} (744.11)",
                    lists,
                    default,
                )
                self.reqs.append(_Req("entity_list", "744", "Entity List (744.11)", policy, False))
            else:  # meu
                policy = _policy_id(hit.license_policy) or str(ctx.get("enduse.military.policy"))
                ctx.say(
                    f"{who} is on the {hit.list} (military end user list): licence required, no licence exceptions; "
                    f"review policy {policy} ({spec['cite']})",
                    lists,
                )
                self.reqs.append(_Req("meu", "744", "military end user list", policy, False))

    # -------------------------------------------------------------- end uses
    def _end_uses(self) -> None:
        ctx, case = self.ctx, self.case
        eu, use = case.end_user, case.end_use
        places = {c for c in (self.dest, self.located) if c}
        military = bool(eu.military_or_intel) or bool(use.military)
        if military:
            mset = ctx.resolve("enduse.military.destinations")
            inside = sorted(places & set(mset.value or ()))
            if inside:
                policy = ctx.resolve("enduse.military.policy")
                ctx.say(
                    f"military or military-intelligence end user/end use in {', '.join(inside)}: licence required "
                    f"(744.21/744.22), no licence exceptions (740.8(b)); review policy {policy.value}",
                    mset,
                    policy,
                )
                self.reqs.append(_Req("military", "744", "military end use/user", str(policy.value), False))
            else:
                ctx.say(
                    "military or military-intelligence end user/end use outside the destinations of the rule data "
                    f"({', '.join(sorted(places))}): no 744.21/744.22 requirement found",
                    mset,
                )
                self._cond("military end user/end use known: confirm no other Part 744 requirement applies")
        if use.wmd:
            policy = ctx.resolve("enduse.wmd.policy")
            ctx.say(
                f"WMD end use known: licence required for any item to any destination (744.2-744.4); review policy {policy.value}",
                policy,
            )
            self.reqs.append(_Req("wmd", "744", "WMD end use", str(policy.value), False))
        if use.supercomputer or use.advanced_node_ic_production:
            dests = ctx.resolve("enduse.744_23.destinations")
            inside = sorted(places & set(dests.value or ()))
            policy = ctx.resolve("policy.end_use_744_23")
            if use.supercomputer:
                if not inside:
                    ctx.say(f"supercomputer end use outside the 744.23(a)(1) destinations on {ctx.as_of}: no 744.23 requirement", dests)
                else:
                    all_items = ctx.resolve("enduse.744_23.supercomputer.all_items")
                    eccns = ctx.resolve("enduse.744_23.supercomputer.eccns")
                    c = self.item.classification
                    covered = bool(all_items.value) or (c is not None and _matches(c.split(".")[0], list(eccns.value)))
                    if covered:
                        scope = "any item subject to the EAR" if all_items.value else f"{c} (ICs/computers in {', '.join(eccns.value)})"
                        ctx.say(
                            f"744.23(a)(1): supercomputer in {', '.join(inside)}; item scope covers {scope}: licence "
                            f"required, no licence exceptions (744.23(c)); review policy {policy.value}",
                            dests,
                            all_items,
                            eccns,
                            policy,
                        )
                        self.reqs.append(_Req("supercomputer", "744", "744.23(a)(1)", str(policy.value), False))
                    else:
                        ctx.say(
                            f"744.23(a)(1): supercomputer in {', '.join(inside)}, but {c or 'the item'} is outside the "
                            f"narrowed item scope ({', '.join(eccns.value)}): no 744.23(a)(1) requirement",
                            all_items,
                            eccns,
                        )
            if use.advanced_node_ic_production:
                if inside:
                    all_items = ctx.resolve("enduse.744_23.advanced_node.all_items")
                    ctx.say(
                        f"744.23(a)(2)(i): IC development or production at an advanced-node facility in {', '.join(inside)}: "
                        f"licence required for any item subject to the EAR, no licence exceptions (744.23(c)); "
                        f"review policy {policy.value}",
                        dests,
                        all_items,
                        policy,
                    )
                    self.reqs.append(_Req("advanced_node", "744", "744.23(a)(2)", str(policy.value), False))
                else:
                    ctx.say(f"advanced-node IC production outside the 744.23(a)(2) destinations on {ctx.as_of}: no 744.23 requirement", dests)

    # -------------------------------------------------------------- CCL (742.6)
    def _hq_in(self, groups: frozenset[str]) -> str | None:
        for label, cc in (("end user HQ", self.hq), ("ultimate parent HQ", self.parent)):
            if cc is not None and cc in groups:
                return f"{label} {cc}"
        return None

    def _supp8_approved(self) -> bool:
        ctx, eu = self.ctx, self.case.end_user
        if eu.supp8_entity is None:
            ctx.say("the end user is not identified as a Supp. 8 approved UAE entity (end_user.supp8_entity)")
            return False
        approved = ctx.resolve("uae.supp8.approved")
        if eu.supp8_entity not in (approved.value or []):
            ctx.say(f"{eu.supp8_entity} is not an approved Supp. 8 entity on {ctx.as_of}", approved)
            return False
        if self.located != self.dest:
            ctx.say(f"{eu.supp8_entity} is approved, but the end user is located in {self.located}, not {self.dest}", approved)
            return False
        ctx.say(f"{eu.supp8_entity} is an approved UAE entity in Supp. 8 to Part 740 on {ctx.as_of}", approved)
        self._cond("the ultimate consignee and all end users must be Supp. 8 approved UAE entities (742.6(a)(6)(iii)(B))")
        return True

    def _ccl(self) -> None:
        kind = self.item.kind
        if kind in ("a", "b"):
            self._ccl_ab(kind)
        elif kind == "hbm":
            self._ccl_hbm()
        elif kind == "weights":
            self._ccl_weights()

    def _ccl_ab(self, level: str) -> None:
        ctx = self.ctx
        licensed = ctx.resolve("scope.destinations")
        lset = licensed.value or frozenset()
        self.licensed_set = lset
        in_set = self.dest in lset
        worldwide = ctx.resolve("scope.a_level.worldwide") if level == "a" else None
        named = ctx.resolve("scope.named.countries")
        hq_r = ctx.resolve("scope.hq.destinations")
        self.hq_hit = self._hq_in(hq_r.value or frozenset())
        found = False
        if in_set:
            ctx.say(
                f"742.6(a)(6): {self.dest} is in the licence set for .{level}-level items on {ctx.as_of} "
                f"({len(lset)} destinations)",
                licensed,
            )
            self.reqs.append(_Req("destination", "742", "742.6(a)(6)", None, True))
            found = True
        else:
            ctx.say(f"{self.dest} is not in the destination licence set on {ctx.as_of}", licensed)
        ww_applies = worldwide is not None and bool(worldwide.value)
        if not found and not ww_applies and self.dest in (named.value or []):
            ctx.say(f"742.6(a)(6)(iii)(B): {self.dest} is named: licence required unless the consignee and end users are Supp. 8 approved", named)
            if self._supp8_approved():
                ctx.say("no licence required under the UAE approved-entity regime (Supp. 8 to Part 740)", named)
            else:
                self.reqs.append(_Req("named", "742", "742.6(a)(6)(iii)(B)", None, True))
                found = True
        if not found and worldwide is not None and worldwide.value:
            if self.dest in (named.value or []) and self._supp8_quiet():
                ctx.say("742.6(a)(6)(iii)(A) worldwide requirement lifted for Supp. 8 approved UAE entities", worldwide)
            else:
                ctx.say(f"742.6(a)(6)(iii)(A) ({ctx.mode.value} mode): .a-level items need a licence to all destinations", worldwide)
                self.reqs.append(_Req("worldwide", "742", "742.6(a)(6)(iii)(A)", None, True))
                found = True
        elif worldwide is not None and not found:
            ctx.say(f"the AI Diffusion worldwide .a requirement is not applied in {ctx.mode.value} mode on {ctx.as_of}", worldwide)
        if self.hq_hit:
            if not in_set:
                ctx.say(
                    f"HQ rule: {self.hq_hit} is in D:5 or Macau: licence required wherever the entity is located",
                    hq_r,
                )
                self.reqs.append(_Req("hq", "744", "HQ rule", None, True))
            else:
                ctx.say(f"HQ rule: {self.hq_hit} is in D:5 or Macau (the destination is already licensed)", hq_r)
        elif hq_r.value is None:
            ctx.say(f"the D:5/Macau HQ rule is not in force on {ctx.as_of}", hq_r)
        elif self.hq is None and self.parent is None:
            self._cond("confirm the end user and its ultimate parent are not headquartered in D:5 or Macau (744.23(a)(3); 742.6(a)(6)(iii)(A))")
        if self.reqs and any(r.part == "742" or r.basis == "hq" for r in self.reqs):
            self.ab_policy = self._policy_ab()

    def _supp8_quiet(self) -> bool:
        approved = self.ctx.get("uae.supp8.approved") or []
        return self.case.end_user.supp8_entity in approved and self.located == self.dest

    def _policy_ab(self) -> str:
        ctx, case, item = self.ctx, self.case, self.item
        d5mo = ctx.resolve("policy.d5_macau.destinations")
        tier3 = self.dest in (d5mo.value or frozenset()) or bool(self.hq_hit)
        if tier3:
            cbc = ctx.resolve("policy.china_cbc.enabled")
            denial = ctx.resolve("policy.d5_macau")
            if not cbc.value:
                ctx.say(f"review policy: {denial.value} for Macau/D:5 or D:5/Macau-HQ entities", denial)
                return str(denial.value)
            problems: list[str] = []
            countries = ctx.get("policy.china_cbc.countries")
            if self.dest not in countries or self.located not in countries:
                problems.append(f"end user not located in {'/'.join(countries)}")
            txs = ctx.get("policy.china_cbc.transactions")
            if case.transaction not in txs or self.origin != "US":
                problems.append(f"not an export from the US ({case.transaction} from {self.origin}); reexports and transfers keep presumption of denial")
            if item.classification and item.classification[1:2] in ("D", "E"):
                problems.append("not a commodity")
            tpp_max = ctx.get("policy.china_cbc.tpp_below")
            dram_max = ctx.get("policy.china_cbc.dram_bandwidth_below")
            if item.tpp is None:
                problems.append("TPP not given")
            elif not item.tpp < tpp_max:
                problems.append(f"TPP {_num(item.tpp)} is not below {_num(tpp_max)}")
            if item.dram_bandwidth is None:
                problems.append("total DRAM bandwidth (total_dram_bandwidth_gbps) not given")
            elif not item.dram_bandwidth < dram_max:
                problems.append(f"total DRAM bandwidth {_num(item.dram_bandwidth)} GB/s is not below {_num(dram_max)}")
            certs = ctx.get("policy.china_cbc.certifications")
            given = set(case.certifications)
            missing = [] if UMBRELLA_DD in given else [c for c in certs if c not in given]
            if missing:
                problems.append("Supp. 2 to Part 748 (dd) certifications missing: " + ", ".join(missing))
            r = ctx.resolve("policy.china_cbc.policy")
            if not problems:
                ctx.say(
                    f"742.6(b)(10)(iii)(A)(1): export to an end user located in {self.located}, TPP {_num(item.tpp or 0)} "
                    f"< {_num(tpp_max)}, total DRAM bandwidth {_num(item.dram_bandwidth or 0)} < {_num(dram_max)} GB/s, "
                    f"(dd) certifications supplied: review policy {r.value}",
                    cbc,
                    r,
                )
                self.policy_conditions.append(
                    "supply the Supp. 2 to Part 748 (dd) certifications with the application, incl. third-party testing of every shipment in the US"
                )
                return str(r.value)
            ctx.say(
                f"742.6(b)(10)(iii)(A)(1): case-by-case path not met ({'; '.join(problems)}): review policy {denial.value}",
                cbc,
                denial,
            )
            return str(denial.value)
        if ctx.mode is Mode.TEXT:
            supp5a = ctx.resolve("policy.supp5a.countries")
            s5 = ctx.resolve("policy.supp5a.policy")
            if s5.value is not None:
                inside = self.dest in supp5a.value or (self.hq is not None and self.hq in supp5a.value)
                if inside:
                    ctx.say(f"742.6(b)(10)(iii)(A)(2): Supp. 5(a) destination or HQ: review policy {s5.value}", supp5a, s5)
                    return str(s5.value)
            alloc = ctx.resolve("policy.allocation.tpp")
            if alloc.value is not None:
                return self._allocation(alloc)
        other = ctx.resolve("policy.licensed_set_other")
        ctx.say(f"review policy for a licensed destination outside Macau/D:5: {other.value}", other)
        return str(other.value)

    def _allocation(self, alloc: Resolved) -> str:
        ctx, case = self.ctx, self.case
        limit = float(alloc.value)
        count_from = date.fromisoformat(str(ctx.get("policy.allocation.count_from")))
        within = ctx.resolve("policy.allocation.policy_within")
        exhausted = ctx.resolve("policy.allocation.policy_exhausted")
        used: float | None = case.allocation_used_tpp
        source = "allocation_used_tpp"
        if used is None and self.ledger is not None:
            used = float(self.ledger.allocation_used_tpp(self.dest, count_from, ctx.as_of))
            source = "ledger"
        this = self.tpp_total
        self.allocation = {"country": self.dest, "limit_tpp": limit, "used_tpp": used, "this_tpp": this,
                           "count_from": count_from.isoformat(), "remaining_tpp": None}
        if used is None or this is None:
            missing = "TPP already used (allocation_used_tpp or a ledger)" if used is None else "the item's TPP"
            ctx.say(
                f"742.6(b)(10)(iii)(B): {self.dest} has a {_num(limit)} TPP allocation (from {count_from}); "
                f"{missing} not given: review policy {within.value} only within the allocation",
                alloc,
                within,
            )
            self.policy_conditions.append(
                f"presumption of approval only within {self.dest}'s allocation of {_num(limit)} TPP (2025-2027, counted from "
                f"{count_from}): confirm the cumulative TPP exported"
            )
            return str(within.value)
        total = used + this
        self.allocation["remaining_tpp"] = max(limit - total, 0.0)
        if total <= limit:
            ctx.say(
                f"742.6(b)(10)(iii)(B): allocation for {self.dest}: used {_num(used)} ({source}) + this {_num(this)} = "
                f"{_num(total)} <= {_num(limit)} TPP: review policy {within.value}",
                alloc,
                within,
            )
            return str(within.value)
        ctx.say(
            f"742.6(b)(10)(iii)(B): allocation for {self.dest}: used {_num(used)} ({source}) + this {_num(this)} = "
            f"{_num(total)} > {_num(limit)} TPP: allocation used up, review policy {exhausted.value}",
            alloc,
            exhausted,
        )
        return str(exhausted.value)

    def _ccl_hbm(self) -> None:
        ctx = self.ctx
        dests = ctx.resolve("scope.hbm.destinations")
        hq_set = ctx.resolve("scope.hbm.hq_destinations")
        self.hq_hit = self._hq_in(hq_set.value or frozenset())
        not_hq = ctx.resolve("policy.hbm.not_hq")
        hq_pol = ctx.resolve("policy.hbm.hq")
        if self.dest in (dests.value or frozenset()):
            policy = hq_pol.value if self.hq_hit else not_hq.value
            ctx.say(
                f"742.6(a)(6)(i)(B): 3A090.c to {self.dest} (Macau/D:5): licence required; 742.6(b)(10)(ii): "
                f"{'entity HQ in D:5/Macau' if self.hq_hit else 'entity not HQ in D:5/Macau'}: review policy {policy}",
                dests,
                hq_pol if self.hq_hit else not_hq,
            )
            self.reqs.append(_Req("hbm", "742", "742.6(a)(6)(i)(B)", str(policy), True))
            if not self.hq_hit and self.hq is None and self.parent is None:
                self._cond("presumption of approval only if the end user is not headquartered in D:5/Macau (give end_user.hq)")
        elif self.hq_hit:
            ctx.say(
                f"744.23(a)(3)(i)(B): 3A090.c outside Macau/D:5 for an entity whose {self.hq_hit} is in D:5/Macau: "
                f"licence required; review policy {hq_pol.value} (744.23(d))",
                hq_set,
                hq_pol,
            )
            self.reqs.append(_Req("hbm_hq", "744", "744.23(a)(3)(i)(B)", str(hq_pol.value), True))
        else:
            ctx.say(
                f"3A090.c to {self.dest}: not Macau/D:5 and no D:5/Macau-HQ end user: no licence on the CCL basis "
                "(Note 1 to 740.2(a)(9)(ii): NLR to D:1/D:4 destinations not in D:5)",
                dests,
                hq_set,
            )

    def _ccl_weights(self) -> None:
        ctx = self.ctx
        ww = ctx.resolve("scope.model_weights.worldwide")
        if not ww.value:
            ctx.say(f"4E091 licence requirement not in force on {ctx.as_of}", ww)
            return
        supp5a = ctx.resolve("policy.supp5a.countries")
        hq = self.hq or self.located
        hq_in = hq in (supp5a.value or []) and (self.parent is None or self.parent in (supp5a.value or []))
        pol = ctx.resolve("policy.model_weights.supp5a_hq" if hq_in else "policy.model_weights.non_supp5a_hq")
        ctx.say(
            f"742.6(a)(13): 4E091 model weights need a licence to all destinations ({ctx.mode.value} mode); "
            f"742.6(b)(14): end user HQ {hq} {'in' if hq_in else 'outside'} Supp. 5(a): review policy {pol.value}",
            ww,
            supp5a,
            pol,
        )
        if ctx.mode is Mode.ENFORCED:
            self._cond("BIS has not said whether it enforces 4E091 after 2025-05-13: treated as required (deny by default); confirm with BIS")
        self.reqs.append(_Req("weights", "742", "742.6(a)(13)", str(pol.value), True))

    # -------------------------------------------------------------- review policy
    def _review_policy(self) -> str | None:
        """The most restrictive policy of the requirements found; an Entity List entry's own policy text
        (not one of the ranked identifiers) is reported unless a presumption of denial applies anyway."""
        if self.prohibited:
            return self.prohibited_policy
        policies = [r.policy for r in self.reqs if r.policy]
        if self.ab_policy:
            policies.append(self.ab_policy)
        if not policies:
            return None
        ranked = [p for p in policies if p in POLICY_RANK]
        unranked = [p for p in policies if p not in POLICY_RANK]
        strictest = max(ranked, key=POLICY_RANK.__getitem__) if ranked else None
        if unranked and (strictest is None or POLICY_RANK[strictest] < POLICY_RANK["presumption_of_denial"]):
            return unranked[0]
        return strictest

    # -------------------------------------------------------------- exceptions
    def _exceptions(self) -> tuple[str | None, list[str]]:
        ctx = self.ctx
        barred = [r for r in self.reqs if not r.exceptions_allowed]
        if barred:
            ctx.say(
                "licence exceptions barred: " + "; ".join(r.text for r in barred)
                + " (740.8(b): no NAC/ACA when Part 744/746 requires a licence; 744.23(c); 744.11)"
            )
            return None, []
        if self.no_exceptions_reason:
            ctx.say(f"licence exceptions barred: {self.no_exceptions_reason}")
            return None, []
        kind = self.item.kind
        found: dict[str, list[str]] = {}
        if kind in ("a", "b"):
            for name, fn in (("NAC", self._nac), ("ACA", self._aca), ("AIA", self._aia), ("LPP", self._lpp), ("ACM", self._acm)):
                conds = fn()
                if conds is not None:
                    found[name] = conds
        elif kind == "hbm":
            conds = self._hbm()
            if conds is not None:
                found["HBM"] = conds
        elif kind == "weights":
            conds = self._aia()
            if conds is not None:
                found["AIA"] = conds
        if not found:
            ctx.say("no licence exception authorizes this transaction: apply for a licence")
            return None, []
        order = [e for e in EXCEPTION_PREFERENCE if e in found]
        chosen = order[0]
        for c in found[chosen]:
            self._cond(c)
        records = ctx.get("records.ai_exception_records") or {}
        if chosen in records:
            self._cond(f"keep the {records[chosen]} (762.2(b))")
        if len(order) > 1:
            ctx.say(f"License Exception {chosen} chosen; also available: {', '.join(order[1:])}")
        return chosen, order[1:]

    def _restricted_allowed(self, name: str) -> bool:
        """740.2(a)(9)(ii): only listed exceptions to the licensed D:1/D:4/D:5 set or D:5/Macau-HQ entities."""
        ctx = self.ctx
        lset = self.licensed_set
        if self.dest not in lset and not self.hq_hit:
            return True
        allowed = ctx.resolve("exception.restricted.allowed")
        if name in allowed.value:
            return True
        ctx.say(f"License Exception {name}: not among the exceptions 740.2(a)(9)(ii) allows to the licensed set or D:5/Macau-HQ entities", allowed)
        return False

    def _datacenter_a(self) -> bool:
        item = self.item
        if item.kind != "a":
            return False
        if item.datacenter is None:
            self.ctx.say(".a-level item with datacenter design/marketing not stated: treated as a datacenter item (deny by default)")
            return True
        return item.datacenter

    def _nac_aca_common(self, name: str) -> list[str] | None:
        ctx, facts = self.ctx, self.case.facts
        if self._datacenter_a():
            ctx.say(f"License Exception {name}: not for .a-level items designed or marketed for datacenters (740.8; 3A090 exception note)")
            return None
        conds: list[str] = []
        po = ctx.resolve("exception.nac_aca.purchase_order_required")
        if po.value:
            if facts.written_purchase_order is False and not facts.commercial_samples:
                ctx.say(f"License Exception {name}: no written purchase order (required unless commercial samples)", po)
                return None
            if facts.written_purchase_order is None and not facts.commercial_samples:
                conds.append("a written purchase order must be in hand before the exception is used (commercial samples exempt) (740.8)")
                ctx.cite(po)
        enc = ctx.resolve("exception.nac_aca.enc_paragraphs")
        c = self.item.classification or ""
        if _matches(c, list(enc.value)):
            conds.append("License Exception ENC conditions also apply (740.8(a)(3))")
            ctx.cite(enc)
        return conds

    def _nac(self) -> list[str] | None:
        ctx, case = self.ctx, self.case
        avail = ctx.resolve("exception.nac.available")
        if not avail.value:
            ctx.say(f"License Exception NAC does not exist on {ctx.as_of}", avail)
            return None
        txs = ctx.get("exception.nac.transactions")
        if case.transaction not in txs:
            ctx.say(f"License Exception NAC: authorizes {', '.join(txs)} only, not a {case.transaction}")
            return None
        allr = ctx.resolve("exception.nac.all_destinations")
        dests = ctx.resolve("exception.nac.destinations")
        if allr.value:
            ctx.say(f"License Exception NAC covers every licensed destination on {ctx.as_of} (before ACA was split out on 2024-04-04)", allr)
        elif self.dest in (dests.value or frozenset()) or self.hq_hit:
            why = f"{self.dest} is Macau/D:5" if self.dest in (dests.value or frozenset()) else f"{self.hq_hit} is D:5/Macau"
            ctx.say(f"License Exception NAC: {why}", dests)
        else:
            ctx.say(f"License Exception NAC: {self.dest} is not Macau/D:5 and the end user is not D:5/Macau-HQ", dests)
            return None
        if not self._restricted_allowed("NAC"):
            return None
        common = self._nac_aca_common("NAC")
        if common is None:
            return None
        days = ctx.resolve("exception.nac.notification_days")
        ctx.say(f"License Exception NAC available: prior notification {days.value} days before shipment", avail, days)
        return [
            f"NAC prior notification in SNAP-R at least {days.value} calendar days before shipment; ship only after BIS's answer (STELA); "
            "the notice states TPP, PD, datasheet (datacenter marketing), NAC/licences to the end user in the past 12 months, memory bandwidth, cluster use; "
            "later shipments to the same end user need no new notice within the notified value and quantity",
            *common,
        ]

    def _aca(self) -> list[str] | None:
        ctx, case = self.ctx, self.case
        avail = ctx.resolve("exception.aca.available")
        if not avail.value:
            ctx.say(f"License Exception ACA does not exist on {ctx.as_of} (split from NAC effective 2024-04-04)", avail)
            return None
        txs = ctx.get("exception.aca.transactions")
        if case.transaction not in txs:
            ctx.say(f"License Exception ACA: authorizes {', '.join(txs)} only")
            return None
        excl = ctx.resolve("exception.aca.excluded_destinations")
        eset = excl.value or frozenset()
        if case.transaction == "transfer" and self.dest in eset:
            ctx.say(f"License Exception ACA: in-country transfer within {self.dest} (Macau/D:5)", excl)
        elif self.dest in eset or self.hq_hit:
            ctx.say(f"License Exception ACA: not to Macau/D:5 or D:5/Macau-HQ entities ({self.dest}{', ' + self.hq_hit if self.hq_hit else ''})", excl)
            return None
        if not self._restricted_allowed("ACA"):
            return None
        common = self._nac_aca_common("ACA")
        if common is None:
            return None
        if self.dest in (ctx.get("scope.named.countries") or []):
            ctx.say("ACA for UAE items to non-approved entities: whether the text intends this is an open question (fact sheet §8) [unverified]")
        ctx.say(f"License Exception ACA available to {self.dest} (no notification)", avail, excl)
        return common

    def _supp5a_party(self) -> tuple[bool, str]:
        supp5a = self.ctx.resolve("policy.supp5a.countries")
        s5 = set(supp5a.value or [])
        if self.located not in s5:
            return False, f"end user located in {self.located}, not Supp. 5(a)"
        for label, cc in (("HQ", self.hq), ("ultimate parent HQ", self.parent)):
            if cc is not None and cc not in s5:
                return False, f"{label} {cc} is outside Supp. 5(a)"
        return True, f"end user located in {self.located} (Supp. 5(a))"

    def _aia(self) -> list[str] | None:
        ctx, case = self.ctx, self.case
        avail = ctx.resolve("exception.aia.available")
        if not avail.value:
            ctx.say(f"License Exception AIA not available in {ctx.mode.value} mode on {ctx.as_of}", avail)
            return None
        if self.item.kind == "b":
            ctx.say("License Exception AIA: .a-level items and 4E091 only")
            return None
        ok, why = self._supp5a_party()
        if not ok:
            ctx.say(f"License Exception AIA: {why}")
            return None
        if not self._restricted_allowed("AIA"):
            return None
        conds: list[str] = []
        if self.item.kind == "weights":
            conds.append("the weights are stored in a facility meeting Supp. 10 to Part 748 paras. 14, 15 and 18 (740.27)")
        else:
            designer = ctx.resolve("exception.aia.designer_paragraphs")
            if _matches(self.item.classification or "", list(designer.value)):
                if case.facts.approved_ic_designer is False:
                    ctx.say("License Exception AIA: the IC is not designed by an approved or authorized IC designer", designer)
                    return None
                if case.facts.approved_ic_designer is None:
                    conds.append("the IC must be designed by an approved (Supp. 6 to Part 740) or authorized IC designer")
            cert = ctx.resolve("exception.aia.certification_tpp")
            conds.append(f"send the consignee certification to BIS once the consignee's cumulative TPP reaches {_num(cert.value)}")
            ctx.cite(cert)
        if case.end_use.trains_4e091_model_for_non_supp5a:
            ctx.say("License Exception AIA: not for training 4E091-level models for entities HQ'd outside Supp. 5(a) (740.27)")
            return None
        conds += [
            "one-time consignee certification and a written notice with each shipment that it is made under AIA (740.27)",
            "not for training 4E091-level models for entities HQ'd outside Supp. 5(a)",
        ]
        ctx.say(f"License Exception AIA available ({why})", avail)
        return conds

    def _lpp(self) -> list[str] | None:
        ctx, case = self.ctx, self.case
        avail = ctx.resolve("exception.lpp.available")
        if not avail.value:
            ctx.say(f"License Exception LPP not available in {ctx.mode.value} mode on {ctx.as_of}", avail)
            return None
        if self.item.kind != "a":
            ctx.say("License Exception LPP: .a-level items only")
            return None
        txs = ctx.get("exception.lpp.transactions")
        if case.transaction not in txs:
            ctx.say(f"License Exception LPP: {', '.join(txs)} only, no in-country transfers")
            return None
        excl = ctx.resolve("exception.diffusion.excluded_destinations")
        if self.dest in (excl.value or frozenset()) or self._hq_in(excl.value or frozenset()):
            ctx.say("License Exception LPP: not to D:5/Macau or to consignees HQ'd there", excl)
            return None
        if not self._restricted_allowed("LPP"):
            return None
        cap = ctx.resolve("exception.lpp.cap_tpp_per_year")
        notify = ctx.resolve("exception.lpp.notify_tpp")
        days = ctx.resolve("exception.lpp.certification_copy_days")
        consignee = case.ultimate_consignee or case.end_user.name
        used: float | None = case.lpp_used_tpp
        if used is None and self.ledger is not None and consignee:
            used = float(self.ledger.lpp_used_tpp(consignee, ctx.as_of.year))
        this = self.tpp_total
        conds: list[str] = []
        if this is None:
            ctx.say("License Exception LPP: the item's TPP is not given, the yearly cap cannot be checked", cap)
            return None
        if used is None:
            conds.append(
                f"the ultimate consignee's cumulative LPP TPP in {ctx.as_of.year} (all exporters) plus this {_num(this)} "
                f"must not exceed {_num(cap.value)}"
            )
            ctx.say(f"License Exception LPP: cap {_num(cap.value)} TPP per calendar year; TPP already used not given", cap)
            if this > cap.value:
                ctx.say(f"License Exception LPP: this shipment alone ({_num(this)}) exceeds the cap {_num(cap.value)}", cap)
                return None
        else:
            total = used + this
            if total > cap.value:
                ctx.say(
                    f"License Exception LPP: {ctx.as_of.year} cap for {consignee}: used {_num(used)} + this {_num(this)} = "
                    f"{_num(total)} > {_num(cap.value)} TPP: not available",
                    cap,
                )
                return None
            ctx.say(
                f"License Exception LPP: {ctx.as_of.year} cap for {consignee}: used {_num(used)} + this {_num(this)} = "
                f"{_num(total)} <= {_num(cap.value)} TPP (remaining {_num(cap.value - total)})",
                cap,
            )
        if this >= notify.value:
            conds.append(f"notify BIS before the shipment: aggregate TPP {_num(this)} >= {_num(notify.value)} (740.29)")
            ctx.cite(notify)
        conds.append(f"consignee certification; copy to BIS within {days.value} days ('LPP Shipment'); the consignee notifies BIS when the cap is reached")
        ctx.say("License Exception LPP available", avail)
        return conds

    def _acm(self) -> list[str] | None:
        ctx, case = self.ctx, self.case
        avail = ctx.resolve("exception.acm.available")
        if not avail.value:
            return None
        acts = ctx.get("exception.acm.activities")
        if case.end_use.acm_activity not in acts:
            ctx.say(f"License Exception ACM: needs end_use.acm_activity in {', '.join(acts)} (not given)", avail)
            return None
        excl = ctx.resolve("exception.diffusion.excluded_destinations")
        if self.dest in (excl.value or frozenset()) or self._hq_in(excl.value or frozenset()):
            ctx.say("License Exception ACM: not to Macau/D:5 or D:5/Macau-HQ consignees", excl)
            return None
        if case.end_use.acm_activity and case.end_user.private_sector is False:
            ctx.say("License Exception ACM: private sector end users only")
            return None
        months = ctx.resolve("exception.acm.accounting_months")
        conds = [f"items ultimately destined outside Macau/D:5; accounting every {months.value} months (740.28)"]
        if case.end_user.private_sector is None:
            conds.append("the end user must be a private sector end user (740.28)")
        ctx.say(f"License Exception ACM available ({case.end_use.acm_activity})", avail, months)
        return conds

    def _hbm(self) -> list[str] | None:
        ctx, case, facts = self.ctx, self.case, self.case.facts
        avail = ctx.resolve("exception.hbm.available")
        if not avail.value:
            ctx.say(f"License Exception HBM does not exist on {ctx.as_of}", avail)
            return None
        conds: list[str] = []
        density = ctx.resolve("exception.hbm.density_below")
        mbd = self.item.bandwidth_density
        if mbd is None:
            conds.append(f"memory bandwidth density must be below {density.value} GB/s/mm² (740.25)")
        elif not mbd < density.value:
            ctx.say(f"License Exception HBM: memory bandwidth density {mbd} is not below {density.value} GB/s/mm²", density)
            return None
        exp_hq = ctx.resolve("exception.hbm.exporter_hq")
        bad_parent = ctx.resolve("exception.hbm.excluded_parent_hq")
        ex = case.exporter
        if ex.hq is None:
            conds.append("the exporter must be HQ'd in the US or A:5 with no D:5/Macau ultimate parent (740.25)")
        else:
            ex_hq, _ = ctx.rules.effective_country(ex.hq, ctx.as_of)
            ex_parent = ctx.rules.effective_country(ex.ultimate_parent_hq, ctx.as_of)[0] if ex.ultimate_parent_hq else None
            if ex_hq not in exp_hq.value or (ex_parent is not None and ex_parent in bad_parent.value):
                ctx.say(f"License Exception HBM: exporter HQ {ex_hq} (parent {ex_parent or 'n/a'}) does not qualify", exp_hq, bad_parent)
                return None
        if facts.consignee_is_distributor:
            ctx.say("License Exception HBM: not available to distributors or intermediate consignees (740.25)")
            return None
        if facts.packaging_at_advanced_node_facility:
            ctx.say("License Exception HBM: not for co-packaging at a Macau/D:5 advanced-node facility (740.25)")
            return None
        d5mo = ctx.cset("scope.hbm.destinations")
        if self.dest in d5mo:
            if facts.hbm_purchased_by_designer is False:
                ctx.say("License Exception HBM: to Macau/D:5 the HBM must be bought directly by the designer of the co-packaged commodity")
                return None
            if facts.hbm_purchased_by_designer is None:
                conds.append("to Macau/D:5: the HBM is bought directly by the designer of the co-packaged commodity (740.25)")
        if facts.hbm_shipped_to_packaging_site is False:
            ctx.say("License Exception HBM: must be shipped directly to the packaging site")
            return None
        if facts.hbm_shipped_to_packaging_site is None:
            conds.append("ship directly to the packaging site; no distributors or intermediate consignees except the packaging site's freight/customs agents (740.25)")
        if facts.packaging_at_advanced_node_facility is None:
            conds.append("not for co-packaging at a Macau/D:5 advanced-node facility (740.25)")
        confirm = ctx.resolve("exception.hbm.confirmation_groups")
        pct = ctx.resolve("exception.hbm.discrepancy_percent")
        days = ctx.resolve("exception.hbm.report_days")
        if self.dest in confirm.value:
            conds.append("written confirmation from the packaging site (US/A:5/A:6) (740.25)")
        else:
            conds.append(
                f"the co-packaged product returns to the exporter, who reconciles unit counts; a discrepancy above "
                f"{pct.value}% is a red flag to report within {days.value} days (740.25)"
            )
        conds.append("the finished co-packaged product must not exceed the 3A090 thresholds (740.25)")
        ctx.say("License Exception HBM available (740.25)", avail, density, exp_hq)
        return conds

    # -------------------------------------------------------------- red flags
    def _red_flags(self) -> list[str]:
        ctx, case = self.ctx, self.case
        flags = list(case.red_flags)
        if case.end_use.trains_4e091_model_for_non_supp5a and DERIVED_TRAINING_FLAG not in {f.id for f in flags}:
            ctx.say(f"the end use (training a 4E091-level model for an entity HQ'd outside Supp. 5(a)) raises red flag {DERIVED_TRAINING_FLAG}")
            flags.append(RedFlag(id=DERIVED_TRAINING_FLAG))
        if not flags:
            return []
        catalogue = red_flag_catalogue(ctx.rules, ctx.as_of)
        for key in ("kyc.red_flags.supp3_732", "kyc.red_flags.ai_diversion_2025"):
            ctx.resolve(key)
        held: list[str] = []
        for flag in flags:
            entry = catalogue[flag.id]
            param = ctx.resolve(str(entry["parameter"]))
            text = str(entry.get("text", ""))
            stayed = entry.get("stayed")
            if stayed and date.fromisoformat(stayed[0]) <= ctx.as_of <= date.fromisoformat(stayed[1]):
                ctx.say(f"red flag {flag.id} ({text}) is stayed until {stayed[1]} ({entry.get('stay_source', '')}): not held", param)
                continue
            if flag.resolved:
                ctx.say(f"red flag {flag.id} ({text}) resolved: {flag.resolution or 'resolution not described'}", param)
                continue
            since = entry.get("since")
            note = ""
            if since and ctx.as_of < date.fromisoformat(str(since)):
                note = f" (listed from {since}; still a red flag under the general KYC duty)"
            ctx.say(f"red flag {flag.id}: {text}{note} -> hold: inquire, and refrain or submit the facts to BIS (Supp. 3 to Part 732)", param)
            held.append(flag.id)
        if held:
            self._cond("resolve the red flags (" + ", ".join(held) + ") before shipping: inquire; if concerns remain, refrain or submit the facts to BIS")
        return held
