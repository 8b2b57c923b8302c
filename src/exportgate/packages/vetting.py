"""The package check: completeness, classification, screening, determination, red flags, compute, verdict.

``check_package`` is a pure function of the package, the date, the mode, the rule data, the list
snapshot and the ledger totals; it returns a :class:`CheckResult` whose ``to_json()`` is the memo
document of ``docs/design/memo.md`` (the memo renderers draw only from it).

Verdict, from worst to best (the exit codes follow the same order):

* ``blocked`` — a confirmed (strong) restricted-party match on any party or consortium member, an
  embargoed destination, or a determination that the transaction is prohibited (prohibited end use or
  end user);
* ``review`` — potential party matches, red flags, a determination on red-flag hold, or a proposal that
  is not complete under the programme (completeness errors) — things to resolve before proceeding;
* ``license_required`` — at least one line needs a licence for at least one destination / end user;
* ``clear`` — may proceed, subject to the conditions listed.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import exportgate
from exportgate.determine.allocation import LPP_EXCEPTION, TppUsed
from exportgate.errors import ExportgateError, InputError, InputErrors
from exportgate.packages.completeness import Finding, check_completeness, layer_titles
from exportgate.packages.compute import Contribution, LedgerView, StaticLedger, tally
from exportgate.packages.model import (
    END_USER_ROLES,
    LAYER_KEYS,
    Line,
    LoadedPackage,
    MemberRole,
    Package,
    Party,
    PartyRole,
)
from exportgate.rules import Mode, RuleSet, load_rules

VERDICT_ORDER = ("clear", "license_required", "review", "blocked")
EXIT_CODES = {"clear": 0, "license_required": 10, "review": 20, "blocked": 30}
RESULT_SCHEMA_VERSION = 1

#: determination statuses -> the verdict they lead to on their own
STATUS_VERDICT = {
    "no_license_required": "clear",
    "license_exception_available": "clear",
    "license_required": "license_required",
    "red_flag_hold": "review",
    "prohibited_without_authorization": "blocked",
}


@dataclass
class CheckResult:
    data: dict[str, Any]

    @property
    def verdict(self) -> str:
        return str(self.data["verdict"])

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.verdict]

    def to_json(self) -> dict[str, Any]:
        return self.data


def content_hash(data: dict[str, Any]) -> str:
    body = {k: v for k, v in data.items() if k != "content_hash"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def rules_sha256(rules: RuleSet) -> str:
    """Hash of the rule data the rule set was loaded from."""
    return str(getattr(rules, "sha256", ""))


# --- validation that needs the rule data ------------------------------------------------------------


def _reference_errors(pkg: Package, rules: RuleSet) -> tuple[list[InputError], Package]:
    """Country codes known (and normalised to upper case), line destinations/end users referring to the
    package, and every destination having at least one end user located there."""
    errors: list[InputError] = []

    def cc(value: str | None, path: str) -> str | None:
        if value is None:
            return None
        try:
            return rules.country_code(value, field=path)
        except InputError as exc:
            errors.append(exc)
            return value

    dests = [cc(d, f"destinations[{i}]") or d for i, d in enumerate(pkg.destinations)]
    if len(set(dests)) != len(dests):
        errors.append(InputError("destinations", "lists a country twice"))
    members = []
    for i, m in enumerate(pkg.consortium):
        members.append(
            m.model_copy(
                update={
                    "country": cc(m.country, f"consortium[{i}].country"),
                    "hq": cc(m.hq, f"consortium[{i}].hq"),
                    "ultimate_parent_hq": cc(m.ultimate_parent_hq, f"consortium[{i}].ultimate_parent_hq"),
                    "controlled_from": [
                        cc(c, f"consortium[{i}].controlled_from[{j}]") or c for j, c in enumerate(m.controlled_from)
                    ],
                }
            )
        )
        for j, key in enumerate(m.provides):
            if key not in LAYER_KEYS:
                errors.append(InputError(f"consortium[{i}].provides[{j}]", f"unknown layer {key!r}"))
    parties = []
    names: set[str] = set()
    for i, p in enumerate(pkg.parties):
        parties.append(
            p.model_copy(
                update={
                    "country": cc(p.country, f"parties[{i}].country"),
                    "hq": cc(p.hq, f"parties[{i}].hq"),
                    "ultimate_parent_hq": cc(p.ultimate_parent_hq, f"parties[{i}].ultimate_parent_hq"),
                }
            )
        )
        names.add(p.name.casefold())
    end_user_names = {p.name.casefold() for p in pkg.parties if p.role in END_USER_ROLES}
    layers_update: dict[str, list[Line]] = {}
    for key in LAYER_KEYS:
        new_lines = []
        for i, line in enumerate(pkg.layers.lines(key)):
            path = f"layers.{key}[{i}]"
            dest = cc(line.destination, f"{path}.destination")
            if dest is not None and dest not in dests:
                errors.append(InputError(f"{path}.destination", f"{dest} is not one of the package's destinations"))
            if line.end_user is not None and line.end_user.casefold() not in end_user_names:
                errors.append(
                    InputError(f"{path}.end_user", f"no end user or ultimate consignee named {line.end_user!r}")
                )
            new_lines.append(line.model_copy(update={"destination": dest}))
        layers_update[key] = new_lines
    for i, f in enumerate(pkg.facts):
        if f.party is not None and f.party.casefold() not in names | {m.name.casefold() for m in pkg.consortium}:
            errors.append(InputError(f"facts[{i}].party", f"no party or member named {f.party!r}"))
    for i, d in enumerate(dests):
        if not any(p.role in END_USER_ROLES and p.country == d for p in parties):
            errors.append(
                InputError(f"destinations[{i}]", f"no party with role end_user or ultimate_consignee is located in {d}")
            )
    fixed = pkg.model_copy(
        update={
            "destinations": dests,
            "consortium": members,
            "parties": parties,
            "layers": pkg.layers.model_copy(update=layers_update),
        }
    )
    return errors, fixed


# --- classification ---------------------------------------------------------------------------------


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


def _classify_line(lc: LineCheck, as_of: date, mode: Mode, rules: RuleSet) -> None:
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


# --- screening ---

_SCREENER: Any | None = None


def default_screener() -> Any:
    """The screener over the active list snapshot (built once per process)."""
    global _SCREENER
    if _SCREENER is None:
        from exportgate.screen import Screener

        _SCREENER = Screener()
    return _SCREENER


# --------------------------------------------------------------------------------------


@dataclass
class Screened:
    name: str
    role: str
    country: str
    kind: str  # party | member
    status: str  # clear | potential | strong
    matches: list[dict[str, Any]]


def _screen_all(pkg: Package, screener: Any) -> tuple[list[Screened], dict[str, str]]:
    """Screen every party and consortium member; every name the screener rejects is reported at once."""
    out: list[Screened] = []
    lists_as_of: dict[str, str] = {}
    errors: list[InputError] = []
    targets: list[tuple[str, str, str, str, str, str]] = [  # path, name, role, country, kind, type
        (f"parties[{i}]", p.name, p.role.value, p.country, "party", str(p.type)) for i, p in enumerate(pkg.parties)
    ] + [
        (f"consortium[{i}]", m.name, f"consortium {m.role.value}", m.country, "member", "entity")
        for i, m in enumerate(pkg.consortium)
    ]
    for path, name, role, country, kind, etype in targets:
        try:
            res = screener.screen(name, country=country, type=etype)
        except InputError as exc:
            errors.append(InputError(f"{path}.{exc.field}", exc.problem))
            continue
        lists_as_of.update(res.lists_as_of)
        matches = [m.to_json() if hasattr(m, "to_json") else _match_json(m) for m in res.matches]
        strengths = {str(getattr(m, "strength", "potential")) for m in res.matches}
        status = "strong" if "strong" in strengths else ("potential" if res.matches else "clear")
        out.append(Screened(name, role, country, kind, status, matches))
    if errors:
        raise InputErrors(errors)
    return out, lists_as_of


def _match_json(m: Any) -> dict[str, Any]:
    keys = (
        "entity_id",
        "list",
        "name",
        "matched_name",
        "score",
        "country",
        "entity_list_footnote",
        "license_policy",
        "explanation",
        "strength",
    )
    return {k: getattr(m, k, None) for k in keys}


# --- red flags --------------------------------------------------------------------------------------


def red_flag_catalogue(rules: RuleSet, as_of: date) -> dict[str, dict[str, Any]]:
    """Every red-flag id the rule data knows (``kyc.red_flags.*``, owned by determine)."""
    from exportgate.determine import red_flag_catalogue as catalogue

    out: dict[str, dict[str, Any]] = catalogue(rules, as_of)
    return out


def _flag_json(rules: RuleSet, as_of: date, fid: str, entry: dict[str, Any]) -> dict[str, Any]:
    param = str(entry.get("parameter", ""))
    citation = str(rules.resolve(param, as_of).citation) if param and rules.has(param) else None
    if entry.get("source"):
        citation = f"{citation}; {entry['source']}" if citation else str(entry["source"])
    return {"id": fid, "description": str(entry.get("text", fid)), "citation": citation}


def _red_flags(pkg: Package, rules: RuleSet, as_of: date) -> list[dict[str, Any]]:
    """The package's stated facts, checked against the red-flag catalogue, plus red flags derived from
    the package's structure (a freight forwarder as the final destination, Supp. 3 to Part 732 no. 9)."""
    catalogue = red_flag_catalogue(rules, as_of)
    flags: list[dict[str, Any]] = []
    errors: list[InputError] = []
    for i, fact in enumerate(pkg.facts):
        entry = catalogue.get(fact.id)
        if entry is None:
            errors.append(InputError(f"facts[{i}].id", f"unknown red flag {fact.id!r} (see `kyc.red_flags.*`)"))
            continue
        if fact.resolved and not fact.resolution:
            errors.append(InputError(f"facts[{i}].resolution", "a resolved red flag says how it was resolved"))
        flags.append(
            {
                **_flag_json(rules, as_of, fact.id, entry),
                "party": fact.party,
                "note": fact.note,
                "resolved": fact.resolved,
                "resolution": fact.resolution,
                "source": "stated",
            }
        )
    if errors:
        raise InputErrors(errors)
    entry = catalogue.get(FREIGHT_FORWARDER_FLAG)
    for p in pkg.parties:
        if p.role is not PartyRole.FREIGHT_FORWARDER or entry is None:
            continue
        if any(f["id"] == FREIGHT_FORWARDER_FLAG for f in flags):
            continue
        if not any(q.role in END_USER_ROLES and q.name.casefold() != p.name.casefold() for q in pkg.parties) or any(
            q.role in END_USER_ROLES and q.name.casefold() == p.name.casefold() for q in pkg.parties
        ):
            flags.append(
                {
                    **_flag_json(rules, as_of, FREIGHT_FORWARDER_FLAG, entry),
                    "party": p.name,
                    "note": f"freight forwarder {p.name} ({p.country}) is the final destination",
                    "resolved": False,
                    "resolution": None,
                    "source": "derived",
                }
            )
    return flags


def _held_flags(
    flags: list[dict[str, Any]], checks: list[LineCheck], rules: RuleSet, as_of: date
) -> list[dict[str, Any]]:
    """Mark which red flags hold the transaction. The determination decides (resolved and stayed flags do
    not hold; it may add flags of its own, e.g. from the end use); with no line to determine, every
    unresolved stated flag holds."""
    dets = [d for lc in checks for d in lc.determinations]
    held: list[str] = []
    for d in dets:
        for fid in d["red_flags"]:
            if fid not in held:
                held.append(fid)
    out = [{**f, "held": (f["id"] in held) if dets else not f["resolved"]} for f in flags]
    known = {f["id"] for f in flags}
    catalogue = red_flag_catalogue(rules, as_of) if set(held) - known else {}
    for fid in held:
        if fid not in known:
            entry = catalogue.get(fid, {"text": fid})
            out.append(
                {
                    **_flag_json(rules, as_of, fid, entry),
                    "party": None,
                    "note": None,
                    "resolved": False,
                    "resolution": None,
                    "source": "determination",
                    "held": True,
                }
            )
    return out


EMBARGO_KEY = "enduse.embargo.destinations"
FREIGHT_FORWARDER_FLAG = "supp3.9"
PARTY_LISTS_KEY = "enduse.party_lists"
FOOTNOTES_KEY = "enduse.entity_list.footnotes"
BLOCKING_LISTS_KEY = "aaep.check.blocking_lists"


# --- determination ----------------------------------------------------------------------------------


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


def _item_errors(
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


def _determine_line(
    lc: LineCheck,
    pkg: Package,
    as_of: date,
    mode: Mode,
    rules: RuleSet,
    hits: dict[str, list[dict[str, Any]]],
    flags: list[dict[str, Any]],
    running: TppUsed,
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
            "lpp_used_tpp": running.lpp.get(parent, 0.0),
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
            running.add(dest, parent, float(tpp_total), d.license_exception)
            contributions.append(
                Contribution(
                    line=lc.ref,
                    destination=dest,
                    end_user=eu.name,
                    tpp=float(tpp_total),
                    level=lc.level,
                    shared=len(pairs) > 1,
                    lpp=d.license_exception == LPP_EXCEPTION,
                    consignee=parent,
                )
            )
    return contributions


# --- the check ----------------------------------------------------------------------------------------


def check_package(
    loaded: LoadedPackage | Package,
    as_of: date | None = None,
    mode: Mode = Mode.ENFORCED,
    *,
    rules: RuleSet | None = None,
    screener: Any | None = None,
    ledger: LedgerView | None = None,
    ledger_totals: dict[str, Any] | None = None,
) -> CheckResult:
    """Check a package as of ``as_of`` (default: the package's date) in ``mode``.

    ``ledger`` answers cumulative-TPP questions (see :mod:`exportgate.packages.compute`);
    ``ledger_totals`` is the same as a plain dict. With neither, the ledger is taken as empty.
    Raises ``InputErrors`` listing every problem found in the file (paths name the place in it).
    """
    rules = rules or load_rules()
    if isinstance(loaded, Package):
        loaded = LoadedPackage(package=loaded, source_file="<memory>", source_sha256="")
    pkg = loaded.package
    day = as_of or pkg.date
    rules.check_date(day, field="as_of" if as_of else "date")

    errors, pkg = _reference_errors(pkg, rules)

    # classify every line; collect every error
    checks: list[LineCheck] = []
    for key in LAYER_KEYS:
        for i, line in enumerate(pkg.layers.lines(key)):
            lc = LineCheck(layer=key, index=i, line=line)
            try:
                _classify_line(lc, day, mode, rules)
            except InputErrors as exc:
                errors.extend(exc.errors)
            except InputError as exc:
                errors.append(exc)
            checks.append(lc)
    try:
        flags = _red_flags(pkg, rules, day)
    except InputErrors as exc:
        errors.extend(exc.errors)
        flags = []
    if errors:
        # still report the items the determination would reject (unknown ECCNs ...), all at once
        errors.extend(_item_errors(checks, pkg, day, mode, rules, {e.field for e in errors}))
        raise InputErrors(errors)

    findings, content = check_completeness(pkg, day, mode, rules)

    # screen every party and member
    if screener is None:
        screener = default_screener()
    screened, lists_as_of = _screen_all(pkg, screener)
    party_lists = set(rules.value(PARTY_LISTS_KEY, day, mode) or {})
    footnotes = set(rules.value(FOOTNOTES_KEY, day, mode) or [])
    hits = {
        s.name: [
            {
                "list": m["list"],
                # a footnote the rule data does not know is dropped (the confirmed match blocks anyway)
                "footnote": m.get("entity_list_footnote")
                if m["list"] == "entity_list" and m.get("entity_list_footnote") in footnotes
                else None,
                "license_policy": m.get("license_policy"),
                "name": m.get("matched_name") or m.get("name"),
                "entry": m.get("entity_id"),
            }
            for m in s.matches
            if m.get("strength") == "strong" and m.get("list") in party_lists
        ]
        for s in screened
        if s.kind == "party"
    }

    # the ledger, and the running totals the determinations see (ledger + earlier lines of this package)
    if ledger is None and ledger_totals is not None:
        ledger = StaticLedger.from_totals(ledger_totals)
    consignees = [p.ultimate_parent or p.name for p in pkg.parties if p.role in END_USER_ROLES]
    running = TppUsed.from_ledger(ledger, list(pkg.destinations), consignees, day, mode, rules)

    # determine every line for every destination and end user
    contributions: list[Contribution] = []
    for lc in checks:
        try:
            contributions.extend(_determine_line(lc, pkg, day, mode, rules, hits, flags, running))
        except InputErrors as exc:
            errors.extend(exc.errors)
        except InputError as exc:
            errors.append(exc)
    if errors:
        raise InputErrors(errors)

    # compute tally
    eu_hq = {p.name: (p.country, p.ultimate_parent_hq or p.hq or p.country) for p in pkg.parties}
    allocation_countries = {d["destination"] for lc in checks for d in lc.determinations if d.get("allocation")}
    compute = tally(contributions, eu_hq, day, mode, rules, ledger, allocation_countries)

    embargo = rules.resolve(EMBARGO_KEY, day, mode)
    embargoed = [c for c in pkg.destinations if rules.effective_country(c, day)[0] in set(embargo.value or [])]
    flags = _held_flags(flags, checks, rules, day)
    blocking = set(rules.value(BLOCKING_LISTS_KEY, day, mode) or [])
    verdict, reasons = _verdict(
        pkg, checks, screened, flags, findings, compute, embargoed, str(embargo.citation), blocking
    )
    # one entry per distinct condition, naming the lines it comes from (a reviewer must know where to act)
    condition_lines: dict[str, list[str]] = {}
    licences: list[dict[str, Any]] = []
    for lc in checks:
        for d in lc.determinations:
            for cond in d["conditions"]:
                refs = condition_lines.setdefault(cond, [])
                if lc.ref not in refs:
                    refs.append(lc.ref)
            if d["status"] in ("license_required", "prohibited_without_authorization"):
                licences.append(
                    {
                        "line": lc.ref,
                        "description": lc.line.description,
                        "destination": d["destination"],
                        "end_user": d["end_user"],
                        "classification": d["classification"] or lc.classification,
                        "status": d["status"],
                        "review_policy": d["review_policy"],
                        "citations": d["citations"],
                    }
                )
    titles = layer_titles(rules, day, mode)
    data: dict[str, Any] = {
        "schema_version": RESULT_SCHEMA_VERSION,
        "package": {
            "name": pkg.name,
            "date": pkg.date.isoformat(),
            "destinations": list(pkg.destinations),
            "regional_bloc": pkg.regional_bloc,
            "source_file": loaded.source_file,
            "source_sha256": loaded.source_sha256,
            "expected_verdict": pkg.expected_verdict,
            "consortium": [m.model_dump(mode="json") for m in pkg.consortium],
            "business_model": pkg.business_model.model_dump(mode="json") if pkg.business_model else None,
            "financing": [f.model_dump(mode="json") for f in pkg.financing],
            "end_use": pkg.end_use.model_dump(mode="json") if pkg.end_use else None,
        },
        "as_of": day.isoformat(),
        "mode": mode.value,
        "verdict": verdict,
        "verdict_reasons": reasons,
        "conditions": [f"{cond} ({', '.join(refs)})" for cond, refs in condition_lines.items()],
        "licenses_needed": licences,
        "completeness": {
            "status": "incomplete" if any(f.severity == "error" for f in findings) else "complete",
            "findings": [f.to_json() for f in findings],
            "us_content": content.to_json(),
        },
        "layers": [
            {
                "key": key,
                "title": titles[key],
                "lines": [_line_json(lc) for lc in checks if lc.layer == key],
            }
            for key in LAYER_KEYS
        ],
        "screening": {
            "lists_as_of": lists_as_of,
            "parties": [
                {
                    "name": s.name,
                    "role": s.role,
                    "kind": s.kind,
                    "country": s.country,
                    "status": s.status,
                    "matches": s.matches,
                }
                for s in screened
            ],
        },
        "red_flags": flags,
        "compute": compute,
        "versions": {
            "exportgate": exportgate.__version__,
            "rules_sha256": rules_sha256(rules),
            "lists_as_of": lists_as_of,
        },
    }
    data["content_hash"] = content_hash(data)
    return CheckResult(data)


def _line_json(lc: LineCheck) -> dict[str, Any]:
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


_KEY_REASON = re.compile(
    r"licen[cs]e required|need a licen|requires? a licen|is in the (destination )?licen[cs]e set|embargoed"
    r"|without authori[sz]ation|prohibit|red flag|hold",
    re.IGNORECASE,
)


def _key_reason(d: dict[str, Any]) -> str:
    """The reason of a determination that says why it is not clear (first matching), else its status."""
    for r in d["reasons"]:
        if _KEY_REASON.search(r) and not r.startswith(("License Exception", "no licence", "status:")):
            return str(r)
    return str(d["reasons"][-1]) if d["reasons"] else str(d["status"])


def _verdict(
    pkg: Package,
    checks: list[LineCheck],
    screened: list[Screened],
    flags: list[dict[str, Any]],
    findings: list[Finding],
    compute: dict[str, Any],
    embargoed: list[str],
    embargo_citation: str,
    blocking_lists: set[str],
) -> tuple[str, list[str]]:
    reasons: dict[str, list[str]] = {v: [] for v in VERDICT_ORDER}
    for cc in embargoed:
        reasons["blocked"].append(f"destination {cc} is under a comprehensive US embargo ({embargo_citation})")
    for s in screened:
        strong = [m for m in s.matches if m.get("strength") == "strong"]
        blocking = [m for m in strong if m.get("list") in blocking_lists]
        if blocking:
            top = blocking[0]
            reasons["blocked"].append(
                f"{s.kind} '{s.name}' ({s.role}, {s.country}) is a confirmed match for "
                f"'{top.get('matched_name') or top.get('name')}' on {top.get('list')}"
            )
        elif strong:
            top = strong[0]
            reasons["review"].append(
                f"{s.kind} '{s.name}' ({s.role}) is a confirmed match for '{top.get('matched_name') or top.get('name')}' "
                f"on {top.get('list')}, a list that restricts finance or licence exceptions rather than the export: "
                "assess its restrictions before proceeding"
            )
        elif s.status == "potential":
            top = s.matches[0] if s.matches else {}
            reasons["review"].append(
                f"{s.kind} '{s.name}' ({s.role}) potentially matches '{top.get('matched_name') or top.get('name')}' "
                f"on {top.get('list')} (score {top.get('score')}); resolve before proceeding"
            )
    for lc in checks:
        for d in lc.determinations:
            v = STATUS_VERDICT.get(d["status"])
            if v is None:
                raise ExportgateError(f"{lc.ref}: unknown determination status {d['status']!r}")
            if d["status"] == "red_flag_hold":
                # the held flags are listed once below; a licence requirement under the hold still shows
                if not d["license_required"]:
                    continue
                v = "license_required"
            if v == "clear":
                continue
            why = _key_reason(d)
            policy = f", review policy {d['review_policy']}" if d.get("review_policy") else ""
            reasons[v].append(
                f"{lc.ref} ({d['classification'] or lc.classification}) to {d['destination']} / {d['end_user']}: "
                f"{d['status'].replace('_', ' ')}{policy} — {why}"
            )
    for f in flags:
        if not f.get("held"):
            continue
        reasons["review"].append(
            f"red flag {f['id']}: {f['description']}" + (f" ({f['party']})" if f.get("party") else "")
        )
    errors = [f for f in findings if f.severity == "error"]
    if errors:
        reasons["review"].append(
            f"the proposal is incomplete under the American AI Exports Program ({len(errors)} finding"
            f"{'s' if len(errors) != 1 else ''}: {', '.join(f.id for f in errors)})"
        )
    for note in compute.get("notes", []):
        if "over the" in note:
            reasons["license_required"].append(note)
    verdict = "clear"
    for v in VERDICT_ORDER:
        if reasons[v]:
            verdict = v
    out = list(reasons[verdict])
    for v in reversed(VERDICT_ORDER):
        if v != verdict and v != "clear" and reasons[v]:
            out.append(
                f"also ({v.replace('_', ' ')}): " + "; ".join(reasons[v][:3]) + (" …" if len(reasons[v]) > 3 else "")
            )
    if verdict == "clear":
        dets = [d for lc in checks for d in lc.determinations]
        under = sorted({str(d["license_exception"]) for d in dets if d["status"] == "license_exception_available"})
        n_cond = len({c for d in dets for c in d["conditions"]})
        out = [
            "no line needs a licence for any destination or end user"
            + (f" (licence exception{'s' if len(under) > 1 else ''} {', '.join(under)} used)" if under else "")
            + "; no party matches; no open red flags; the proposal is complete"
            + (f"; {n_cond} condition{'s' if n_cond != 1 else ''} to meet before shipment" if n_cond else "")
        ]
    return verdict, out
