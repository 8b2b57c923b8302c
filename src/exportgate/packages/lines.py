"""Package lines: each line is classified once, then determined for every destination and end user it
goes to; the determinations are kept on the line (``LineCheck``) until the memo is built."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from exportgate import classify as cl
from exportgate import determine as dt
from exportgate.classify import Classification, Item
from exportgate.determine import ItemFacts, facts_of
from exportgate.determine.allocation import LPP_EXCEPTION, TppUsed
from exportgate.errors import InputError
from exportgate.packages.compute import Contribution
from exportgate.packages.memo import LineDetermination, LineResult, RedFlagRow
from exportgate.packages.model import END_USER_ROLES, LINE_BASES, Line, MemberRole, Package, Party, PartyRole
from exportgate.packages.screening import ConfirmedHits
from exportgate.rules import Mode, RuleSet

#: the package's party roles as the four parties of 748.5(c)-(f) the determination reads: forwarders,
#: distributors and intermediaries take possession to deliver (intermediate consignees, 748.5(d)); an operator
#: uses the items (an end user, 748.5(f)); end users and ultimate consignees are determined one by one
PARTY_748_5_ROLE: dict[PartyRole, str] = {
    PartyRole.PURCHASER: "purchaser",
    PartyRole.INTERMEDIATE_CONSIGNEE: "intermediate_consignee",
    PartyRole.FREIGHT_FORWARDER: "intermediate_consignee",
    PartyRole.DISTRIBUTOR: "intermediate_consignee",
    PartyRole.INTERMEDIARY: "intermediate_consignee",
    PartyRole.OPERATOR: "end_user",
    PartyRole.ULTIMATE_CONSIGNEE: "ultimate_consignee",
    PartyRole.END_USER: "end_user",
}


@dataclass
class LineCheck:
    """One package line: classified once (``result``, or the ECCN the line gives), then determined for every
    destination and end user it goes to (``determinations``, in the memo's shape)."""

    layer: str
    index: int
    line: Line
    item: Item | None = None
    result: Classification | None = None
    given_eccn: str | None = None
    facts: ItemFacts = field(default_factory=ItemFacts)
    determinations: list[LineDetermination] = field(default_factory=list)
    #: why the line needs a reviewer to classify it (its ECCN is one the rule data does not evaluate)
    manual_reason: str | None = None
    #: the rule parameters and the countries its determinations consulted (what ``check --compare`` reads)
    consulted: set[str] = field(default_factory=set)
    countries: set[str] = field(default_factory=set)

    @property
    def ref(self) -> str:
        return f"layers.{self.layer}[{self.index}]"

    @property
    def classification(self) -> str | None:
        """The line's classification: as classified, or the ECCN it gives."""
        return self.result.classification if self.result is not None else self.given_eccn

    @property
    def tpp(self) -> float | None:
        return self.result.tpp if self.result is not None else None

    @property
    def level(self) -> str | None:
        return self.result.level if self.result is not None else None

    @property
    def classified_as(self) -> Classification | str | None:
        """What the determination receives: the classification, or the ECCN given."""
        return self.result if self.result is not None else self.given_eccn


def classify_line(lc: LineCheck, as_of: date, mode: Mode, rules: RuleSet) -> None:
    """Classify one line (item spec, catalog name, model weights) once; an ECCN line is taken as given and
    checked by the determination (unknown ECCNs are errors there)."""
    line = lc.line
    path = lc.ref
    if line.eccn is not None:
        eccn = line.eccn.strip()
        lc.given_eccn = "EAR99" if eccn.upper() == "EAR99" else eccn
        return
    if line.item is not None:
        item = cl.parse_item(line.item, field=f"{path}.item")
    elif line.catalog is not None:
        try:
            item = cl.catalog_item(line.catalog)
        except InputError as exc:
            raise InputError(f"{path}.catalog", exc.problem) from None
    else:
        assert line.model_weights is not None
        item = cl.parse_item({"kind": "model_weights", **line.model_weights}, field=f"{path}.model_weights")
    lc.item = item
    lc.result = cl.classify(item, as_of, mode, rules)
    lc.facts = facts_of(item, lc.result)


def _recipients(lc: LineCheck, pkg: Package) -> list[tuple[str, Party, int]]:
    """Where the line's units go: (destination, end user, quantity). A split says how many to whom; without one a
    line with TPP must go to one end user (its units are not counted in full for each: the check asks for the
    split); a line without TPP goes to each of its end users, its quantity unchanged (nothing is tallied)."""
    line = lc.line
    by_name = {p.name.casefold(): p for p in pkg.parties if p.role in END_USER_ROLES}
    if line.split:
        return [(by_name[s.end_user.casefold()].country, by_name[s.end_user.casefold()], s.quantity) for s in line.split]
    dests = [line.destination] if line.destination else list(pkg.destinations)
    pairs = [(d, eu, line.quantity) for d in dests for eu in _end_users_for(pkg, line, d)]
    if len(pairs) > 1 and lc.tpp:
        names = ", ".join(f"{eu.name} ({d})" for d, eu, _ in pairs)
        raise InputError(
            f"{lc.ref}.split",
            f"this line goes to {len(pairs)} end users ({names}): say how its {line.quantity} units are split "
            "(split: [{end_user, quantity}], or end_user / destination for one)",
        )
    return pairs


def _end_users_for(pkg: Package, line: Line, dest: str) -> list[Party]:
    eus = [p for p in pkg.parties if p.role in END_USER_ROLES and p.country == dest]
    if line.end_user is not None:
        eus = [p for p in eus if p.name.casefold() == line.end_user.casefold()]
    return eus


def _end_use_doc(pkg: Package) -> Any:
    if pkg.end_use is None:
        return None
    if pkg.end_use.facts:
        return {"description": pkg.end_use.description, **pkg.end_use.facts}
    return pkg.end_use.description


def _file_path(lc: LineCheck, field: str) -> str:
    """Map a determination case path back to the package file (``….item.eccn`` -> ``….eccn``)."""
    item = f"{lc.ref}.item"
    if field == item or field.startswith(item + "."):
        rest = field[len(item) :]
        if lc.line.eccn is not None:
            return f"{lc.ref}.eccn" if rest in ("", ".eccn") else f"{lc.ref}.eccn ({rest.lstrip('.')})"
        if lc.line.catalog is not None:
            return f"{lc.ref}.catalog"
        if lc.line.model_weights is not None:
            return f"{lc.ref}.model_weights{rest}"
    return field


def item_errors(
    checks: list[LineCheck], pkg: Package, day: date, mode: Mode, rules: RuleSet, reported: set[str]
) -> list[InputError]:
    """Determine each line's item alone (to a valid destination of the package, no parties) to find the
    item errors the determination raises, when other errors already stop the check."""
    dest: str | None = None
    for d in pkg.destinations:
        try:
            dest = rules.country_code(d)
            break
        except InputError:
            continue
    out: list[InputError] = []
    if dest is None:
        return out
    for lc in checks:
        if lc.classified_as is None or any(f == lc.ref or f.startswith(lc.ref + ".") for f in reported):
            continue
        doc = {"date": day.isoformat(), "transaction": "export", "origin": "US", "destination": dest,
               "quantity": lc.line.quantity}
        try:
            case = dt.parse_case(doc, field_prefix=f"{lc.ref}.", rules=rules, with_item=False)
            dt.determine_classified(case, lc.classified_as, lc.facts, mode, rules)
        except dt.UncoveredClassification:
            continue  # a line status, not an error (needs_manual_classification)
        except InputError as exc:
            if exc.field.startswith(f"{lc.ref}.item"):
                out.append(InputError(_file_path(lc, exc.field), exc.problem))
    return out


def _exporter_doc(pkg: Package) -> dict[str, Any] | None:
    if pkg.exporter is not None:
        return pkg.exporter.model_dump(exclude_none=True)
    anchors = [m for m in pkg.consortium if m.role is MemberRole.ANCHOR]
    if len(anchors) != 1:
        return None
    a = anchors[0]
    out = {"name": a.name, "hq": a.hq or a.country}
    if a.ultimate_parent_hq:
        out["ultimate_parent_hq"] = a.ultimate_parent_hq
    return out


def party_doc(p: Party, hits: ConfirmedHits, *, end_user: bool) -> dict[str, Any]:
    """A package party as the determination case reads it: every party field with the same meaning (the
    package's ``country`` is the case's ``located_in``), with its confirmed list hits and listed owners."""
    doc: dict[str, Any] = {
        "name": p.name,
        "located_in": p.country,
        "hq": p.hq or p.country,
        "ultimate_parent_hq": p.parent_hq or p.hq or p.country,
        "restricted_party_hits": hits.of(p.name),
        "owners": hits.owners_of(p.name),
        "informed": [letter.model_dump(mode="json") for letter in p.informed],
    }
    for key in ("military_or_intel", "military_end_user", "military_intelligence_end_user"):
        if getattr(p, key) is not None:
            doc[key] = getattr(p, key)
    if end_user:
        for key in END_USER_FIELDS:
            if getattr(p, key) is not None:
                doc[key] = getattr(p, key)
    return doc


#: the end-user facts of a case a package party gives with the same name (``determine.model.EndUser``)
END_USER_FIELDS = ("supp8_entity", "private_sector", "civil_subsidiary")


def _other_parties(pkg: Package, hits: ConfirmedHits) -> list[dict[str, Any]]:
    """Every party of the package that is not determined as an end user (purchasers, intermediate consignees,
    forwarders, distributors, intermediaries, operators): a party to every line's transaction, with its confirmed
    list hits (the Entity List, footnote 3/4 FDP and MEU List rules apply to whichever party they name)."""
    return [
        {"role": PARTY_748_5_ROLE[p.role], **party_doc(p, hits, end_user=False)}
        for p in pkg.parties
        if p.role not in END_USER_ROLES
    ]


def _party_path(pkg: Package, lc: LineCheck, eu: Party, field: str) -> str:
    """A case path that names a party's fact, as the package file names it (``parties[1].supp8_entity``)."""
    prefix = f"{lc.ref}.end_user."
    if field.startswith(prefix):
        rest = field[len(prefix):]
        return f"parties[{pkg.parties.index(eu)}].{'country' if rest == 'located_in' else rest}"
    prefix = f"{lc.ref}.parties["
    if field.startswith(prefix):
        k, _, rest = field[len(prefix):].partition("]")
        others = [p for p in pkg.parties if p.role not in END_USER_ROLES]
        if k.isdigit() and int(k) < len(others):
            rest = rest.lstrip(".")
            return f"parties[{pkg.parties.index(others[int(k)])}].{'country' if rest == 'located_in' else rest}"
    return field


def determine_line(
    lc: LineCheck,
    pkg: Package,
    as_of: date,
    mode: Mode,
    rules: RuleSet,
    hits: ConfirmedHits,
    flags: list[RedFlagRow],
    running: TppUsed,
) -> list[Contribution]:
    contributions: list[Contribution] = []
    pairs = _recipients(lc, pkg)
    if not pairs:
        raise InputError(lc.ref, "no end user of this line is located in its destination(s)")
    exporter = _exporter_doc(pkg)
    others = _other_parties(pkg, hits)
    for dest, eu, quantity in pairs:
        parent = eu.parent_name or eu.name
        doc: dict[str, Any] = {
            "date": as_of.isoformat(),
            "transaction": pkg.transaction,
            "origin": "US",
            "destination": dest,
            "quantity": quantity,
            "end_user": party_doc(eu, hits, end_user=True),
            "parties": others,
            "ultimate_consignee": parent,
            "certifications": list(pkg.certifications),
            "red_flags": [
                {"id": f.id, "resolved": f.resolved, **({"resolution": f.resolution} if f.resolution else {})}
                for f in flags
            ],
            "allocation_used_tpp": running.country.get(dest, 0.0),
            "lpp_used_tpp": running.lpp.get(parent, 0.0),
        }
        end_use = _end_use_doc(pkg)
        if end_use is not None:
            doc["end_use"] = end_use
        if exporter is not None:
            doc["exporter"] = exporter
        if pkg.exception_facts:
            doc["facts"] = dict(pkg.exception_facts)
        if eu.region is not None:
            doc["destination_region"] = eu.region
        assert lc.classified_as is not None
        try:
            case = dt.parse_case(doc, field_prefix=f"{lc.ref}.", rules=rules, with_item=False)
            d = dt.determine_classified(case, lc.classified_as, lc.facts, mode, rules)
        except dt.UncoveredClassification as exc:
            # deny by default, as a line status: a reviewer classifies the item and determines it by hand
            lc.manual_reason = exc.problem
            lc.determinations.clear()
            return []
        except InputError as exc:
            if exc.field == f"{lc.ref}.destination_region":  # the region is the end user party's
                raise InputError(f"parties[{pkg.parties.index(eu)}].region", exc.problem) from None
            raise InputError(_party_path(pkg, lc, eu, _file_path(lc, exc.field)), exc.problem) from None
        lc.determinations.append(LineDetermination.of(d, destination=dest, end_user=eu.name, quantity=quantity))
        lc.consulted.update(d.consulted)
        lc.countries.update(d.countries)
        tpp_total = d.tpp_total
        if tpp_total is None and lc.tpp is not None:
            tpp_total = lc.tpp * quantity
        if tpp_total:
            running.add(dest, parent, float(tpp_total), d.license_exception)
            contributions.append(
                Contribution(
                    line=lc.ref,
                    destination=dest,
                    end_user=eu.name,
                    tpp=float(tpp_total),
                    level=lc.level,
                    lpp=d.license_exception == LPP_EXCEPTION,
                    consignee=parent,
                )
            )
    return contributions



def line_result(lc: LineCheck) -> LineResult:
    """The line as the memo shows it: its classification (once) and its determinations."""
    c = lc.result
    return LineResult(
        ref=lc.ref,
        description=lc.line.description,
        quantity=lc.line.quantity,
        value=lc.line.value,
        us_content_share=lc.line.us_content_share,
        basis=next(k for k in LINE_BASES if getattr(lc.line, k) is not None),
        catalog=lc.line.catalog,
        classification=lc.classification,
        eccn=c.eccn if c is not None else None,
        level=lc.level,
        tpp=lc.tpp,
        tpp_total=lc.tpp * lc.line.quantity if lc.tpp is not None else None,
        datacenter=c.datacenter if c is not None else None,
        classify_reasons=list(c.reasons) if c is not None else [],
        classify_citations=list(c.citations) if c is not None else [],
        not_subject_to_ear=c.not_subject_to_ear if c is not None else None,
        status="needs_manual_classification" if lc.manual_reason else "determined",
        manual_reason=lc.manual_reason,
        determinations=lc.determinations,
    )
