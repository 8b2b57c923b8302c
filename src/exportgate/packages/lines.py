"""Package lines: each line is classified once, then determined for every destination and end user it
goes to; the determinations are kept on the line (``LineCheck``) until the memo is built."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from exportgate.errors import InputError
from exportgate.packages.compute import Contribution
from exportgate.packages.model import END_USER_ROLES, Line, MemberRole, Package, Party
from exportgate.rules import Mode, RuleSet


@dataclass
class LineCheck:
    layer: str
    index: int
    line: Line
    classification: str | None = None
    eccn: str | None = None
    level: str | None = None
    tpp: float | None = None
    datacenter: bool | None = None
    classify_json: dict[str, Any] | None = None
    case_item: dict[str, Any] = field(default_factory=dict)
    determinations: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ref(self) -> str:
        return f"layers.{self.layer}[{self.index}]"


def classify_line(lc: LineCheck, as_of: date, mode: Mode, rules: RuleSet) -> None:
    """Classify one line (item spec, catalog name, model weights); an ECCN line is taken as given and
    checked by the determination (unknown ECCNs are errors there)."""
    from exportgate import classify as cl

    line = lc.line
    path = lc.ref
    if line.eccn is not None:
        lc.classification = line.eccn.strip().upper() if line.eccn.strip().upper() == "EAR99" else line.eccn.strip()
        lc.case_item = {"eccn": lc.classification}
        return
    if line.item is not None:
        item = cl.parse_item(line.item, field=f"{path}.item")
        item_doc: dict[str, Any] = dict(line.item)
    elif line.catalog is not None:
        try:
            item = cl.catalog_item(line.catalog)
        except InputError as exc:
            raise InputError(f"{path}.catalog", exc.problem) from None
        item_doc = {"catalog": line.catalog}
    else:
        assert line.model_weights is not None
        doc = {"kind": "model_weights", **line.model_weights}
        item = cl.parse_item(doc, field=f"{path}.model_weights")
        item_doc = doc
    c = cl.classify(item, as_of, mode, rules)
    lc.classification = c.classification
    lc.eccn = c.eccn
    lc.level = c.level
    lc.tpp = c.tpp
    lc.datacenter = c.datacenter
    lc.classify_json = c.to_json()
    lc.case_item = _item_for_case(item, item_doc)


def _item_for_case(item: Any, item_doc: dict[str, Any]) -> dict[str, Any]:
    """The item as the determination case reads it: the parsed item's own dump when it has one."""
    dump = getattr(item, "model_dump", None)
    if callable(dump):
        out: dict[str, Any] = dump(mode="json", exclude_none=True)
        return out
    return item_doc


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
    from exportgate import determine as dt

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
        if not lc.case_item or any(f == lc.ref or f.startswith(lc.ref + ".") for f in reported):
            continue
        doc = {
            "date": day.isoformat(),
            "transaction": "export",
            "origin": "US",
            "destination": dest,
            "item": lc.case_item,
            "quantity": lc.line.quantity,
        }
        try:
            dt.determine(dt.parse_case(doc, field_prefix=f"{lc.ref}.", rules=rules), mode, rules)
        except InputError as exc:
            if exc.field.startswith(f"{lc.ref}.item"):
                out.append(InputError(_file_path(lc, exc.field), exc.problem))
    return out


@dataclass
class Running:
    """TPP already counted, per destination and per end user, as the package's lines are determined in
    order: the ledger's totals plus the lines before (so the allocation and LPP arithmetic see them)."""

    country: dict[str, float] = field(default_factory=dict)
    end_user: dict[str, float] = field(default_factory=dict)


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


def determine_line(
    lc: LineCheck,
    pkg: Package,
    as_of: date,
    mode: Mode,
    rules: RuleSet,
    hits: dict[str, list[dict[str, Any]]],
    flags: list[dict[str, Any]],
    running: Running,
) -> list[Contribution]:
    from exportgate import determine as dt

    contributions: list[Contribution] = []
    dests = [lc.line.destination] if lc.line.destination else list(pkg.destinations)
    pairs = [(d, eu) for d in dests for eu in _end_users_for(pkg, lc.line, d)]
    if not pairs:
        raise InputError(lc.ref, "no end user of this line is located in its destination(s)")
    exporter = _exporter_doc(pkg)
    for dest, eu in pairs:
        parent = eu.ultimate_parent or eu.name
        doc: dict[str, Any] = {
            "date": as_of.isoformat(),
            "transaction": pkg.transaction,
            "origin": "US",
            "destination": dest,
            "item": lc.case_item,
            "quantity": lc.line.quantity,
            "end_user": {
                "name": eu.name,
                "located_in": eu.country,
                "hq": eu.hq or eu.country,
                "ultimate_parent_hq": eu.ultimate_parent_hq or eu.hq or eu.country,
                "military_or_intel": eu.military_or_intel,
                "restricted_party_hits": hits.get(eu.name, []),
            },
            "ultimate_consignee": parent,
            "certifications": list(pkg.certifications),
            "red_flags": [
                {
                    "id": f["id"],
                    "resolved": f["resolved"],
                    **({"resolution": f["resolution"]} if f["resolution"] else {}),
                }
                for f in flags
            ],
            "allocation_used_tpp": running.country.get(dest, 0.0),
            "lpp_used_tpp": running.end_user.get(parent, 0.0),
        }
        end_use = _end_use_doc(pkg)
        if end_use is not None:
            doc["end_use"] = end_use
        if exporter is not None:
            doc["exporter"] = exporter
        if pkg.exception_facts:
            doc["facts"] = dict(pkg.exception_facts)
        try:
            case = dt.parse_case(doc, field_prefix=f"{lc.ref}.", rules=rules)
            d = dt.determine(case, mode, rules)
        except InputError as exc:
            raise InputError(_file_path(lc, exc.field), exc.problem) from None
        dj = d.to_json()
        lc.determinations.append(
            {
                "destination": dest,
                "end_user": eu.name,
                "status": d.status,
                "license_required": d.license_required,
                "license_exception": d.license_exception,
                "review_policy": d.review_policy,
                "classification": d.classification,
                "conditions": list(d.conditions),
                "red_flags": list(d.red_flags),
                "reasons": list(d.reasons),
                "citations": list(d.citations),
                "allocation": getattr(d, "allocation", None),
                "retain_records_until": dj.get("retain_records_until"),
            }
        )
        tpp_total = d.tpp_total
        if tpp_total is None and lc.tpp is not None:
            tpp_total = lc.tpp * lc.line.quantity
        if tpp_total:
            running.country[dest] = running.country.get(dest, 0.0) + float(tpp_total)
            running.end_user[parent] = running.end_user.get(parent, 0.0) + float(tpp_total)
            contributions.append(
                Contribution(
                    line=lc.ref,
                    destination=dest,
                    end_user=eu.name,
                    tpp=float(tpp_total),
                    level=lc.level,
                    shared=len(pairs) > 1,
                )
            )
    return contributions



def line_json(lc: LineCheck) -> dict[str, Any]:
    cj = lc.classify_json or {}
    return {
        "ref": lc.ref,
        "description": lc.line.description,
        "quantity": lc.line.quantity,
        "value": lc.line.value,
        "us_content_share": lc.line.us_content_share,
        "basis": next(k for k in ("item", "catalog", "eccn", "model_weights") if getattr(lc.line, k) is not None),
        "catalog": lc.line.catalog,
        "classification": lc.classification,
        "eccn": lc.eccn,
        "level": lc.level,
        "tpp": lc.tpp,
        "tpp_total": lc.tpp * lc.line.quantity if lc.tpp is not None else None,
        "datacenter": lc.datacenter,
        "classify_reasons": list(cj.get("reasons", [])),
        "classify_citations": list(cj.get("citations", [])),
        "determinations": lc.determinations,
    }

