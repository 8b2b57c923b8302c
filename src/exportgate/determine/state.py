"""The analysis state every step of the determination reads and writes.

A step is a function ``step(state) -> None`` (see ``engine.STEPS``). Everything one step leaves for a
later one is a named field here — the requirements found, whether the transaction is prohibited, the
licence set and the D:5/Macau-HQ finding the exceptions read, the review policies — so a new step can
see what it may rely on without reading the others.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from exportgate.classify import Classification
from exportgate.determine.allocation import TppLedger
from exportgate.determine.model import Case, ItemFacts, PartyFacts, Requirement
from exportgate.rules import Resolved, Trace, Verification

#: review policies from the most to the least favourable (an Entity List entry's own text is unranked);
#: "policy_of_denial" is the Part 746 / 744.21(e)(1) wording ("a policy of denial", stricter than a presumption)
POLICY_RANK = {"presumption_of_approval": 1, "case_by_case": 2, "presumption_of_denial": 3, "policy_of_denial": 4}
#: the 748.5 roles whose headquarters the HQ rules read (744.23(a)(3); 742.6(a)(6)(iii)(A))
HQ_ROLES = ("end_user", "ultimate_consignee")


def num(value: float) -> str:
    """A figure for reasons: thousands separated, no trailing zeros."""
    if float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.3f}".rstrip("0").rstrip(".")


def matches(classification: str, paragraphs: list[str]) -> bool:
    """``classification`` is one of ``paragraphs`` or a sub-paragraph of one (3A090.a.1 is in 3A090.a)."""
    c = classification.upper()
    return any(c == p.upper() or c.startswith(p.upper() + ".") for p in paragraphs)


#: the identifiers an Entity List entry's own policy text is normalised to (its other wording is kept as is)
NORMALISED_POLICIES = ("presumption_of_approval", "case_by_case", "presumption_of_denial")


def policy_id(text: str | None) -> str | None:
    """An Entity List entry's policy text as a ranked identifier when it is one of the three; else as is."""
    if text is None:
        return None
    low = text.strip().lower().replace("-", " ").replace("_", " ")
    for ident in NORMALISED_POLICIES:
        if ident.replace("_", " ") in low:
            return ident
    return text.strip()


def flagged(text: str, source: Resolved) -> str:
    """``text`` (a citation) with ``source``'s verification flag, as :meth:`Resolved.cite` flags its own."""
    if source.verification is Verification.UNVERIFIED:
        return f"{text} [unverified]"
    if source.verification is Verification.SECONDARY:
        return f"{text} [secondary source]"
    return text


@dataclass(frozen=True)
class PartyView:
    """One party to the transaction as the steps read it (748.5(c)-(f)): its role, its countries after
    "treated as" (located: the destination when not given), and its facts. ``primary`` is the case's
    ``end_user`` block."""

    role: str
    facts: PartyFacts
    located: str
    hq: str | None
    parent: str | None
    primary: bool = False

    @property
    def label(self) -> str:
        """How the reasons name it: "End User Co (end user)", "the purchaser"."""
        role = self.role.replace("_", " ")
        return f"{self.facts.name} ({role})" if self.facts.name else f"the {role}"

    @property
    def military(self) -> bool:
        return bool(self.facts.military_end_user)

    @property
    def military_intelligence(self) -> bool:
        return bool(self.facts.military_intelligence_end_user)


@dataclass(frozen=True)
class ItemSource:
    """The item as the determination receives it: a classification made by ``exportgate.classify``, or an
    ECCN given as classified, with the facts the determination reads."""

    classification: Classification | None
    given_eccn: str | None
    facts: ItemFacts


@dataclass(frozen=True)
class ListedItem:
    """The item as the steps read it: its classification, the list it is on, and its facts."""

    classification: str | None
    kind: str  # a | b | hbm | weights | at_only | unlisted | not_subject
    facts: ItemFacts

    @property
    def tpp(self) -> float | None:
        return self.facts.tpp

    @property
    def datacenter(self) -> bool | None:
        return self.facts.datacenter_designed_or_marketed

    @property
    def dram_bandwidth(self) -> float | None:
        return self.facts.total_dram_bandwidth_gbps

    @property
    def bandwidth_density(self) -> float | None:
        return self.facts.memory_bandwidth_density_gbps_per_mm2


@dataclass
class State:
    """One determination in progress (see the module docstring)."""

    case: Case
    trace: Trace
    source: ItemSource
    ledger: TppLedger | None = None
    # -- countries (after "treated as": Hong Kong -> China)
    origin: str = ""
    dest: str = ""
    located: str = ""
    hq: str | None = None
    parent: str | None = None
    #: every party to the transaction, the end user first (748.5(c)-(f))
    parties: list[PartyView] = field(default_factory=list)
    #: the destination region (746.6) when the destination is Ukraine
    region: str | None = None
    #: an export, reexport or transfer (the licence requirements apply); False for a use, service, sale or financing
    exporting: bool = True
    # -- the item
    item: ListedItem = field(default_factory=lambda: ListedItem(None, "unlisted", ItemFacts()))
    tpp_total: float | None = None
    retain_until: date | None = None
    #: False when a foreign-produced item is caught by no foreign direct product rule (734.9)
    subject_to_ear: bool = True
    #: the foreign direct product rules that make a foreign-produced item subject to the EAR ("734.9(f)", ...)
    fdp_rules: list[str] = field(default_factory=list)
    # -- what the requirement steps found
    requirements: list[Requirement] = field(default_factory=list)
    conditions: list[str] = field(default_factory=list)
    prohibited: bool = False
    prohibited_policy: str | None = None
    #: the requirement that makes the transaction prohibited without authorization (embargo, denial order)
    prohibited_by: Requirement | None = None
    #: a party-list finding that bars every licence exception without itself requiring a licence (UVL)
    no_exceptions_reason: str | None = None
    #: the destination licence set of 742.6(a)(6) on the date (read by 740.2(a)(9)(ii))
    licensed_set: frozenset[str] = frozenset()
    #: "end user HQ CN" when the end user or its ultimate parent is HQ'd in D:5/Macau (the HQ rules)
    hq_hit: str | None = None
    # -- review policy
    #: the 742.6(b)(10) policy of a .a/.b requirement (China case-by-case, Supp. 5(a), allocation, ...)
    ccl_policy: str | None = None
    #: conditions that apply only when a licence is applied for under that policy
    policy_conditions: list[str] = field(default_factory=list)
    #: the 742.6(b)(10)(iii)(B) allocation arithmetic, when it applied
    allocation: dict[str, Any] | None = None
    review_policy: str | None = None
    # -- licence exceptions
    exception: str | None = None
    exception_citation: str = ""
    exception_reason: str = ""
    alternatives: list[str] = field(default_factory=list)
    # -- red flags held
    red_flags: list[str] = field(default_factory=list)
    red_flag_citations: list[str] = field(default_factory=list)

    # -- helpers the steps share
    def say(self, text: str, *cites: Resolved | str) -> None:
        self.trace.say(text, *cites)

    def cond(self, text: str) -> None:
        """Add a condition (once)."""
        if text not in self.conditions:
            self.conditions.append(text)

    def require(
        self,
        basis: str,
        part: str,
        provision: str,
        citation: Resolved | str,
        review_policy: str | None,
        exceptions: tuple[str, ...] | None = None,
    ) -> Requirement:
        """Record a licence requirement (see :class:`Requirement`). Every step says why before it records one;
        that reason is the requirement's ``reason`` (what the memo shows beside the provision)."""
        cite = citation.cite() if isinstance(citation, Resolved) else citation
        reason = self.trace.reasons[-1] if self.trace.reasons else provision
        req = Requirement(basis, part, provision, cite, review_policy, exceptions, reason)
        self.requirements.append(req)
        return req

    def prohibit(self, req: Requirement, policy: str | None) -> None:
        """The transaction is prohibited without authorization because of ``req``."""
        self.prohibited = True
        self.prohibited_policy = policy
        if self.prohibited_by is None:
            self.prohibited_by = req

    def eff(self, code: str, label: str) -> str:
        """The country the EAR treats ``code`` as on the date (said and cited when it differs)."""
        cc, why = self.trace.at.effective_country(code)
        if why is not None:
            self.say(f"{label} {code} is treated as {cc} ({why.description})", why)
        return self.trace.country(cc)

    def eff_opt(self, code: str | None, label: str) -> str | None:
        return None if code is None else self.eff(code, label)

    def hq_in(self, groups: frozenset[str]) -> str | None:
        """'end user HQ X' / 'ultimate parent HQ X' when either is in ``groups``; then the same for the other
        ultimate consignees and end users of the transaction ('ultimate consignee Y HQ X')."""
        for label, cc in (("end user HQ", self.hq), ("ultimate parent HQ", self.parent)):
            if cc is not None and cc in groups:
                return f"{label} {cc}"
        for p in self.parties:
            if p.primary or p.role not in HQ_ROLES:
                continue
            who = f"{p.role.replace('_', ' ')} {p.facts.name}" if p.facts.name else p.role.replace("_", " ")
            for label, cc in ((f"{who} HQ", p.hq), (f"{who} ultimate parent HQ", p.parent)):
                if cc is not None and cc in groups:
                    return f"{label} {cc}"
        return None

    def party_hits(self, list_name: str, footnote: int | None = None) -> list[PartyView]:
        """The parties with a confirmed hit on ``list_name`` (and ``footnote``, when given)."""
        return [
            p for p in self.parties
            if any(h.list == list_name and (footnote is None or h.footnote == footnote)
                   for h in p.facts.restricted_party_hits)
        ]
