"""Turn a package check result (the memo document, ``exportgate.packages.memo.Memo``) into what a memo shows.

Every format (HTML, Markdown, PDF) is drawn from the same :class:`MemoView`, so the three never disagree with
each other or with ``exportgate check --json``. The view is built for a reader who signs:

* **the decision first** — the verdict, what must happen before shipping (licences to obtain with the operative
  provision first and the review policy; each licence exception with its conditions; the other conditions; the
  open alerts) and the rule and list dates in force; then the sign-off block;
* **identical outcomes collapsed** — the same answer for several lines or end users is one row listing them
  (:class:`Outcome`, :class:`LicenceRow`);
* **the supporting chain folded** — every reason and citation of every determination stays available ("how
  this was decided"), behind the operative provision;
* **screening for people** — each hit as a sentence (query → listed name, list, programme, country, score,
  strength) with the aligned words marked, the listed entry's details and the decision taken on it; the
  machine explanation stays in the JSON.

Missing optional sections render as "none"; the two things a memo cannot do without — a known verdict and the
content hash — are checked and reported as :class:`~exportgate.errors.InputError`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from exportgate.packages.memo import MEMO_FORMATS, Memo

#: verdict -> (headline, one-line meaning, colour). The meaning follows the issue's definition.
VERDICTS: dict[str, tuple[str, str, str]] = {
    "clear": ("CLEAR", "May proceed, subject to the conditions listed.", "#1b7f3b"),
    "license_required": (
        "LICENSE REQUIRED",
        "May not proceed until the licences listed are granted.",
        "#b45309",
    ),
    "review": (
        "REVIEW",
        "Open questions (party matches, red flags, manual classification, an incomplete proposal) must be "
        "resolved before proceeding.",
        "#6d28d9",
    ),
    "blocked": (
        "BLOCKED",
        "Must not proceed: confirmed restricted party, embargoed destination or prohibited end use.",
        "#b91c1c",
    ),
}

#: screening / determination status -> colour used for badges.
STATUS_COLOURS: dict[str, str] = {
    "clear": "#1b7f3b",
    "cleared": "#1b7f3b",
    "no_license_required": "#1b7f3b",
    "not_subject": "#1b7f3b",
    "license_exception_available": "#15803d",
    "potential": "#6d28d9",
    "license_required": "#b45309",
    "needs_manual_classification": "#6d28d9",
    "red_flag_hold": "#6d28d9",
    "strong": "#b91c1c",
    "confirmed": "#b91c1c",
    "prohibited_without_authorization": "#b91c1c",
    "error": "#b91c1c",
    "warning": "#b45309",
    "info": "#1d4ed8",
    "block": "#b91c1c",
    "review": "#6d28d9",
    "licence": "#b45309",
}

#: determination statuses, worst first (the order of the collapsed rows)
STATUS_ORDER: tuple[str, ...] = (
    "prohibited_without_authorization",
    "license_required",
    "needs_manual_classification",
    "red_flag_hold",
    "license_exception_available",
    "no_license_required",
)

FORMATS = MEMO_FORMATS


def fmt_number(value: Any, digits: int = 0) -> str:
    """``15832.0`` -> ``"15,832"``; ``None`` -> ``"—"``; non-numbers are shown as given."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if value.is_integer() and digits == 0:
            return f"{int(value):,}"
        return f"{value:,.{digits or 2}f}"
    return str(value)


def humanize(status: Any) -> str:
    """``"license_exception_available"`` -> ``"license exception available"``."""
    if status is None:
        return "—"
    return str(status).replace("_", " ")


def short_ref(ref: str | None) -> str:
    """``layers.hardware[0]`` -> ``hardware[0]`` (how a reader names a line)."""
    return (ref or "—").removeprefix("layers.")


def classification_label(line: dict[str, Any]) -> str:
    """A line's classification as a reader names it: the ECCN, ``not subject to the EAR (734.7(a))``, or
    ``unclassified``; a line the rule data does not evaluate says it needs manual classification."""
    if line.get("not_subject_to_ear"):
        return f"not subject to the EAR ({line['not_subject_to_ear']})"
    text = str(line.get("classification") or "unclassified")
    if line.get("status") == "needs_manual_classification":
        text += " (needs manual classification)"
    return text


# -- the pieces of the view -----------------------------------------------------------------------------------


@dataclass
class Seg:
    """A piece of a name, ``mark``-ed when the matcher aligned it with the other name."""

    text: str
    mark: bool = False


@dataclass
class LineRef:
    ref: str
    description: str
    classification: str


@dataclass
class Member:
    """One determination inside a collapsed row: which line, to whom, and the full chain behind it."""

    line: str
    recipient: str
    quantity: Any
    reasons: list[str]
    citations: list[str]
    requirements: list[dict[str, Any]]


@dataclass
class Chain:
    """The reasons behind one or more determinations of a row that read the same but for their destination and
    end user (written ``‹destination›`` / ``‹end user›`` when several are folded together)."""

    members: list[tuple[str, str]]  # (line, recipient)
    reasons: list[str]
    citations: list[str]

    @property
    def label(self) -> str:
        """Which determinations read this way: ``hardware[2], security[0] → AE · X; QA · Y`` (the lines that go to
        the same recipients listed once)."""
        by_line: dict[str, list[str]] = {}
        for line, recipient in self.members:
            _add(by_line.setdefault(line, []), recipient)
        groups: dict[tuple[str, ...], list[str]] = {}
        for line, recipients in by_line.items():
            groups.setdefault(tuple(recipients), []).append(line)
        return "; ".join(f"{', '.join(lines)} → {'; '.join(recipients)}" for recipients, lines in groups.items())


@dataclass
class Outcome:
    """Identical determinations (same status, licence exception, review policy, operative provision and
    conditions) for several lines and end users: one row."""

    status: str
    label: str
    colour: str
    exception: str | None
    review_policy: str | None
    operative: dict[str, Any] | None
    operative_reasons: list[str]
    conditions: list[str]
    lines: list[LineRef] = field(default_factory=list)
    recipients: list[str] = field(default_factory=list)
    members: list[Member] = field(default_factory=list)

    @property
    def chains(self) -> list[Chain]:
        """The members' reasons, members whose reasons differ only in their destination and end user folded."""
        groups: dict[tuple[str, ...], Chain] = {}
        raw: dict[tuple[str, ...], list[str]] = {}
        for mem in self.members:
            dest, _, eu = mem.recipient.partition(" · ")
            key = tuple(_template(r, dest, eu) for r in mem.reasons)
            chain = groups.get(key)
            if chain is None:
                groups[key] = Chain([], list(key), [])
                raw[key] = list(mem.reasons)
                chain = groups[key]
            chain.members.append((mem.line, mem.recipient))
            for c in mem.citations:
                _add(chain.citations, c)
        for key, chain in groups.items():
            if len({recipient for _, recipient in chain.members}) == 1:
                chain.reasons = raw[key]  # one destination and end user: the reasons as written
        return list(groups.values())

    @property
    def operative_text(self) -> str:
        op = self.operative
        if not op:
            return "—"
        return f"{op.get('provision')} ({op.get('citation')})"


@dataclass
class LicenceRow:
    """Licences to obtain with the same answer (destination, status, review policy, operative provision)."""

    destination: str
    status: str
    review_policy: str | None
    operative: dict[str, Any] | None
    operative_reasons: list[str]
    lines: list[LineRef] = field(default_factory=list)
    end_users: list[str] = field(default_factory=list)
    granted: list[dict[str, Any]] = field(default_factory=list)

    @property
    def classifications(self) -> str:
        return ", ".join(dict.fromkeys(ln.classification for ln in self.lines))


@dataclass
class ExceptionRow:
    """A licence exception the check relies on, with the lines and end users it covers and its conditions."""

    exception: str
    citation: str | None
    lines: list[LineRef] = field(default_factory=list)
    recipients: list[str] = field(default_factory=list)
    conditions: list[str] = field(default_factory=list)


@dataclass
class Alert:
    """Something open that must be settled before shipping. ``severity``: block | review | licence."""

    kind: str
    text: str
    severity: str


@dataclass
class Hit:
    """One screening hit, for a person: the sentence, the entry's details and the decision on it."""

    party: str
    role: str
    kind: str
    query: list[Seg]
    listed: list[Seg]
    listed_primary: str | None
    list_name: str
    programs: str
    country: str
    score: str
    strength: str
    entity_id: str
    details: list[tuple[str, str]]
    decision: str
    decision_state: str  # confirmed | false_positive | undecided | reopened | exact_match


@dataclass
class Bar:
    """One destination in the compute chart."""

    label: str
    tpp: float
    ledger_before: float
    allocation: float | None
    remaining: float | None
    citation: str | None

    @property
    def after(self) -> float:
        return self.ledger_before + self.tpp

    @property
    def over(self) -> bool:
        return self.allocation is not None and self.after > self.allocation


@dataclass
class MemoView:
    """Everything a memo shows, normalised (lists never ``None``)."""

    result: dict[str, Any]
    verdict: str
    verdict_label: str
    verdict_meaning: str
    verdict_colour: str
    package: dict[str, Any]
    title: str
    as_of: str
    mode: str
    #: the reasons for the verdict itself; ``other_reasons`` the summaries of the lesser ones ("also (...)")
    verdict_reasons: list[str]
    other_reasons: list[str]
    licences: list[LicenceRow]
    exceptions: list[ExceptionRow]
    #: conditions not attached to a licence exception (with the lines they come from)
    conditions: list[str]
    alerts: list[Alert]
    #: the lists older than the transaction allows (``screening.stale``, from the package check)
    stale: list[dict[str, Any]]
    #: the banner's sentence for them, lists of the same date together (empty when none is stale)
    stale_text: str
    in_force: list[tuple[str, str]]
    signoff: list[tuple[str, str, str]]
    licences_granted: list[dict[str, Any]]
    outcomes: list[Outcome]
    lines: list[dict[str, Any]]
    layers: list[dict[str, Any]]
    findings: list[dict[str, Any]]
    screened: list[dict[str, Any]]
    hits: list[Hit]
    unmatched_decisions: list[dict[str, Any]]
    lists_as_of: dict[str, Any]
    red_flags: list[dict[str, Any]]
    bars: list[Bar]
    per_end_user: list[dict[str, Any]]
    compute_notes: list[str]
    profiles: list[dict[str, str]]
    provenance: list[tuple[str, str]]
    versions: dict[str, Any]
    citations: list[str]
    content_hash: str
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def chart_max(self) -> float:
        top = 0.0
        for bar in self.bars:
            top = max(top, bar.after, bar.allocation or 0.0)
        return top

    @property
    def clear_names(self) -> list[dict[str, Any]]:
        return [p for p in self.screened if p.get("status") in ("clear", None)]


# -- building it ------------------------------------------------------------------------------------------------


def _ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def _profiles(doc: dict[str, Any]) -> list[dict[str, str]]:
    """Each destination's TOP500 standing (its summary sentence) and, beside it, the ledger's tally."""
    out = []
    for p in doc.get("destination_profiles") or []:
        years = ", ".join(str(y) for y in p.get("ledger_years") or [])
        ledger = (f"Compute ledger: {fmt_number(p.get('ledger_tpp'))} TPP already recorded for {p.get('name')}"
                  f"{f' ({years})' if years else ''}; this package adds {fmt_number(p.get('package_tpp'))}, "
                  f"{fmt_number(p.get('after_package'))} after it.")
        if p.get("edition"):
            standing = (f"{p.get('systems', 0)} TOP500 systems ({p.get('edition')}"
                        + (f", {p['rank_by_systems']}. by systems" if p.get("rank_by_systems") else "")
                        + f", {float(p.get('rmax_pct') or 0):.1f}% of Rmax)")
            if p.get("trend_since"):
                standing += f", {int(p.get('systems_change') or 0):+d} since {p['trend_since']}"
        else:
            standing = str(p.get("summary") or "")
        short = (f"{p.get('country')}: {standing}; ledger {fmt_number(p.get('ledger_tpp'))} TPP, "
                 f"+{fmt_number(p.get('package_tpp'))} this package.")
        rank = f", {_ordinal(int(p['rank_by_systems']))}" if p.get("rank_by_systems") else ""
        cell = f"{p.get('systems', 0)} systems{rank}" if p.get("edition") else "—"
        out.append({"country": str(p.get("country") or ""), "name": str(p.get("name") or ""),
                    "summary": str(p.get("summary") or ""), "ledger": ledger, "short": short, "cell": cell,
                    "edition": str(p.get("edition") or ""),
                    "citation": str(p.get("citation") or "")})
    return out


def build_view(result: Any) -> MemoView:
    """Parse the result as the memo model (``exportgate.packages.memo.Memo``: every shape error names its
    path under ``result``) and shape it for the templates."""
    memo = Memo.parse(result)
    doc = memo.to_json()
    label, meaning, colour = VERDICTS[memo.verdict]
    layers = [
        {**layer, "title": layer.get("title") or layer.get("key") or f"Layer {i + 1}"}
        for i, layer in enumerate(doc["layers"])
    ]
    lines = [{**ln, "layer": layer["title"], "label": classification_label(ln)} for layer in layers
             for ln in layer["lines"]]
    line_refs = {ln["ref"]: _line_ref(ln) for ln in lines}
    granted = doc["licences_granted"]
    primary = [r for r in memo.verdict_reasons if not r.startswith("also (")]
    bars = [
        Bar(label=row.country or "?", tpp=row.tpp, ledger_before=row.ledger_before, allocation=row.allocation,
            remaining=row.remaining, citation=row.citation or None)
        for row in memo.compute.per_destination
    ]
    exceptions, conditions = _exceptions_and_conditions(lines, line_refs)
    stale = doc["screening"].get("stale") or []
    if stale:
        conditions.insert(0, "re-screen every party against current lists before shipping (`exportgate lists update`): "
                             "the lists screened against are older than the transaction allows (see above)")
    return MemoView(
        result=doc,
        verdict=memo.verdict,
        verdict_label=label,
        verdict_meaning=meaning,
        verdict_colour=colour,
        package=doc["package"],
        title=memo.package.name or "Unnamed package",
        as_of=memo.as_of or "",
        mode=memo.mode or "",
        verdict_reasons=primary,
        other_reasons=[r for r in memo.verdict_reasons if r.startswith("also (")],
        licences=_licences(doc["licenses_needed"], line_refs, granted),
        exceptions=exceptions,
        conditions=conditions,
        alerts=_alerts(doc, lines),
        stale=stale,
        stale_text=_stale_text(stale),
        in_force=_in_force(doc),
        signoff=_signoff(doc["signoff"]),
        licences_granted=granted,
        outcomes=_outcomes(lines, line_refs),
        lines=lines,
        layers=layers,
        findings=doc["completeness"]["findings"],
        screened=[{**p, "role": humanize(p.get("role")) if p.get("role") else None}
                  for p in doc["screening"]["parties"]],
        hits=[_hit(p, m) for p in doc["screening"]["parties"] for m in p["matches"]],
        unmatched_decisions=doc["screening"]["unmatched_decisions"],
        lists_as_of=dict(memo.screening.lists_as_of),
        red_flags=doc["red_flags"],
        bars=bars,
        per_end_user=doc["compute"]["per_end_user"],
        compute_notes=list(memo.compute.notes),
        profiles=_profiles(doc),
        provenance=_provenance(doc),
        versions=doc["versions"],
        citations=_citations(lines),
        content_hash=memo.content_hash,
    )


def _line_ref(line: dict[str, Any]) -> LineRef:
    return LineRef(short_ref(line.get("ref")), str(line.get("description") or ""), classification_label(line))


def _recipient(d: dict[str, Any]) -> str:
    who = str(d.get("destination") or "—")
    if d.get("end_user"):
        who += f" · {d['end_user']}"
    return who


def _outcome_key(d: dict[str, Any]) -> tuple[Any, ...]:
    op = d.get("operative") or {}
    return (d.get("status"), d.get("license_exception"), d.get("review_policy"), op.get("kind"), op.get("name"),
            op.get("provision"), op.get("citation"), tuple(d.get("conditions") or ()))


def _outcome_label(status: str, exception: str | None) -> str:
    if status == "license_exception_available" and exception:
        return f"licence exception {exception}"
    return humanize(status)


def _outcomes(lines: list[dict[str, Any]], refs: dict[str, LineRef]) -> list[Outcome]:
    """The determinations, identical ones collapsed into one row listing their lines and end users; lines that
    need manual classification are one row of their own."""
    rows: dict[tuple[Any, ...], Outcome] = {}
    for ln in lines:
        ref = refs[ln["ref"]]
        if ln.get("status") == "needs_manual_classification":
            key: tuple[Any, ...] = ("needs_manual_classification",)
            manual = rows.setdefault(key, Outcome("needs_manual_classification", "needs manual classification",
                                               STATUS_COLOURS["needs_manual_classification"], None, None, None, [],
                                               []))
            _add(manual.lines, ref)
            if ln.get("manual_reason") and ln["manual_reason"] not in manual.operative_reasons:
                manual.operative_reasons.append(str(ln["manual_reason"]))
            continue
        for d in ln["determinations"]:
            status = str(d.get("status"))
            if status == "no_license_required" and ln.get("not_subject_to_ear"):
                status = "not_subject"
            key = (status, *_outcome_key(d)[1:])
            label = (f"not subject to the EAR ({ln['not_subject_to_ear']})" if status == "not_subject"
                     else _outcome_label(status, d.get("license_exception")))
            row = rows.get(key)
            if row is None:
                row = rows[key] = Outcome(status, label, STATUS_COLOURS.get(status, "#374151"),
                                          d.get("license_exception"), d.get("review_policy"), d.get("operative"), [],
                                          list(d.get("conditions") or []))
            _add(row.lines, ref)
            _add(row.recipients, _recipient(d))
            reason = (d.get("operative") or {}).get("reason")
            if reason and reason not in row.operative_reasons:
                row.operative_reasons.append(str(reason))
            row.members.append(Member(ref.ref, _recipient(d), d.get("quantity"), list(d.get("reasons") or []),
                                      list(d.get("citations") or []), list(d.get("requirements") or [])))
    order = {s: i for i, s in enumerate(STATUS_ORDER)}
    order["not_subject"] = len(order)
    return sorted(rows.values(), key=lambda r: order.get(r.status, len(order) + 1))


def _template(reason: str, destination: str, end_user: str) -> str:
    """A reason with its destination and end user written as placeholders (to fold identical chains)."""
    if end_user:
        reason = reason.replace(end_user, "‹end user›")
    if destination and destination != "—":
        reason = re.sub(rf"\b{re.escape(destination)}\b", "‹destination›", reason)
    return reason


def _add(items: list[Any], item: Any) -> None:
    if item not in items:
        items.append(item)


def _licences(needed: list[dict[str, Any]], refs: dict[str, LineRef], granted: list[dict[str, Any]]) -> list[LicenceRow]:
    """The licences to obtain, the same answer (destination, status, review policy, operative provision) for
    several lines or end users collapsed into one row; the licence numbers granted for them beside."""
    rows: dict[tuple[Any, ...], LicenceRow] = {}
    for lic in needed:
        op = lic.get("operative") or {}
        key = (lic.get("destination"), lic.get("status"), lic.get("review_policy"), op.get("provision"),
               op.get("citation"))
        row = rows.get(key)
        if row is None:
            row = rows[key] = LicenceRow(str(lic.get("destination") or "—"), str(lic.get("status") or ""),
                                         lic.get("review_policy"), lic.get("operative"), [])
        ref = refs.get(lic["line"]) or LineRef(short_ref(lic["line"]), str(lic.get("description") or ""),
                                               str(lic.get("classification") or "—"))
        _add(row.lines, ref)
        if lic.get("end_user"):
            _add(row.end_users, str(lic["end_user"]))
        if op.get("reason") and op["reason"] not in row.operative_reasons:
            row.operative_reasons.append(str(op["reason"]))
        for g in granted:
            same_line = short_ref(g.get("line")) == ref.ref
            same_dest = g.get("destination") in (None, lic.get("destination"))
            same_eu = g.get("end_user") in (None, lic.get("end_user"))
            if same_line and same_dest and same_eu:
                _add(row.granted, g)
    return list(rows.values())


def _exceptions_and_conditions(
    lines: list[dict[str, Any]], refs: dict[str, LineRef]
) -> tuple[list[ExceptionRow], list[str]]:
    """The licence exceptions relied on (each with its lines, end users and conditions), and the other
    conditions, each once with the lines it comes from."""
    exceptions: dict[str, ExceptionRow] = {}
    others: dict[str, list[str]] = {}
    for ln in lines:
        ref = refs[ln["ref"]]
        for d in ln["determinations"]:
            exc = d.get("license_exception")
            if d.get("status") == "license_exception_available" and exc:
                op = d.get("operative") or {}
                row = exceptions.setdefault(str(exc), ExceptionRow(str(exc), op.get("citation")))
                _add(row.lines, ref)
                _add(row.recipients, _recipient(d))
                for c in d.get("conditions") or []:
                    _add(row.conditions, str(c))
                continue
            for c in d.get("conditions") or []:
                _add(others.setdefault(str(c), []), ref.ref)
    return list(exceptions.values()), [f"{c} ({', '.join(r)})" for c, r in others.items()]


def _alerts(doc: dict[str, Any], lines: list[dict[str, Any]]) -> list[Alert]:
    """What is open before shipping, from the structured fields (never from the reasons' prose)."""
    out: list[Alert] = []
    for p in doc["screening"]["parties"]:
        who = f"{p.get('name')} ({humanize(p.get('role') or p.get('kind') or 'party')})"
        for h in p.get("stated_hits") or []:
            out.append(Alert("Listed (stated by the package)", f"{who} is on {h.get('list')} as the package states",
                             "block"))
        for m in p["matches"]:
            listed = f"'{m.get('matched_name') or m.get('name')}' on {m.get('list')} ({_score(m.get('score'))}, " \
                     f"{m.get('strength') or 'potential'})"
            dec = m.get("decision") or {}
            if m.get("confirmed"):
                by = (f"by {dec.get('by')} on {dec.get('on')}" if m.get("confirmed_by") == "decision"
                      else "by the exact listed name and an agreeing identifier")
                out.append(Alert("Confirmed listing", f"{who} is {listed}, confirmed {by}", "block"))
            elif dec.get("status") == "reopened":
                out.append(Alert("Re-opened decision", f"{who} matches {listed}: the entry changed since "
                                 f"{dec.get('by')} decided '{humanize(dec.get('decision'))}' on {dec.get('on')} — "
                                 "decide again", "review"))
            elif not dec:
                out.append(Alert("Undecided match", f"{who} matches {listed}: confirm it or dismiss it as a false "
                                 "positive", "review"))
    for ln in lines:
        if ln.get("status") == "needs_manual_classification":
            out.append(Alert("Manual classification", f"{short_ref(ln['ref'])} ({ln.get('description') or ''}): "
                             f"{ln.get('manual_reason') or 'classify the item and determine it by hand'}", "review"))
    for f in doc["red_flags"]:
        if f.get("held"):
            out.append(Alert("Red flag held", f"{f.get('id')}: {f.get('description') or ''}"
                             + (f" ({f['party']})" if f.get("party") else ""), "review"))
    for f in doc["completeness"]["findings"]:
        if f.get("severity") == "error":
            out.append(Alert("Incomplete proposal", str(f.get("message")), "review"))
    for row in doc["compute"]["per_destination"]:
        if row.get("exceeded") and row.get("allocation_applied"):
            out.append(Alert("Over allocation", f"{row['country']}: cumulative TPP {fmt_number(row.get('after_package'))}"
                             f" passes the {fmt_number(row.get('allocation'))} allocation ({row.get('citation')})",
                             "licence"))
    for eu in doc["compute"]["per_end_user"]:
        if eu.get("exceeded"):
            out.append(Alert("Over the LPP cap", f"{eu.get('ultimate_consignee') or eu.get('end_user')}: LPP TPP this "
                             f"year passes the {fmt_number(eu.get('cap'))} cap ({eu.get('citation')})", "licence"))
    return out


def _score(score: Any) -> str:
    return f"score {score:.2f}" if isinstance(score, (int, float)) else "score —"


def _in_force(doc: dict[str, Any]) -> list[tuple[str, str]]:
    """The rule data and the list dates the answer rests on, on one or two lines."""
    v = doc["versions"]
    sha = str(v.get("rules_sha256") or "")
    rows = [("Rules", f"as of {doc.get('as_of') or '—'}, {doc.get('mode') or '—'} mode · rule data SHA-256 "
                      f"{sha[:12] or '—'}{'…' if sha else ''}")]
    by_date: dict[str, list[str]] = {}
    for key, day in sorted((doc["screening"].get("lists_as_of") or v.get("lists_as_of") or {}).items()):
        by_date.setdefault(str(day), []).append(str(key))
    if by_date:
        text = "; ".join(f"{day}: {', '.join(keys)}" for day, keys in sorted(by_date.items()))
        if v.get("lists_version"):
            text += f" (snapshot {v['lists_version']})"
        rows.append(("Lists", text))
    return rows


def _signoff(s: dict[str, Any]) -> list[tuple[str, str, str]]:
    out = []
    for role, key in (("Prepared by", "prepared_by"), ("Reviewed by", "reviewed_by"), ("Approved by", "approved_by")):
        who = s.get(key) or {}
        out.append((role, str(who.get("name") or ""), str(who.get("date") or "")))
    return out


def _provenance(doc: dict[str, Any]) -> list[tuple[str, str]]:
    """Who produced this memo, when, with what: everything an auditor needs to reproduce it."""
    p, v, pkg = doc["provenance"], doc["versions"], doc["package"]
    rows = [
        ("Produced at", str(p.get("produced_at") or "—")),
        ("Produced by", str(p.get("produced_by") or "—")),
        ("exportgate", str(v.get("exportgate") or "—")),
        ("Rule data SHA-256", str(v.get("rules_sha256") or "—")),
    ]
    if v.get("lists_version"):
        rows.append(("List snapshot", str(v["lists_version"])))
    lists = v.get("lists") or []
    if lists:
        # the lists read from one file on one date, on one row
        files: dict[tuple[Any, Any, Any], list[str]] = {}
        for entry in lists:
            files.setdefault((entry.get("as_of"), entry.get("file"), entry.get("sha256")), []).append(
                str(entry.get("list")))
        for (day, name, sha), keys in files.items():
            rows.append((f"Lists of {day or 'unknown date'}", f"{', '.join(keys)} · {name or '—'}"
                         + (f" · SHA-256 {str(sha)[:16]}…" if sha else "")))
    else:
        for key, day in sorted((v.get("lists_as_of") or {}).items()):
            rows.append((f"List {key}", f"as of {day}"))
    rows.append(("Package file", f"{pkg.get('source_file') or '—'}"
                 + (f" · SHA-256 {pkg['source_sha256']}" if pkg.get("source_sha256") else "")))
    return rows


def _citations(lines: list[dict[str, Any]]) -> list[str]:
    """Every citation the classifications and determinations rest on, once each (the supporting chain)."""
    seen: dict[str, None] = {}
    for ln in lines:
        for c in ln.get("classify_citations") or []:
            seen.setdefault(str(c))
        for d in ln["determinations"]:
            for c in d.get("citations") or []:
                seen.setdefault(str(c))
    return list(seen)


# -- screening hits -------------------------------------------------------------------------------------------

_WORD = re.compile(r"\w+", re.UNICODE)


def _fold(word: str) -> str:
    text = unicodedata.normalize("NFKD", word.casefold())
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def _aligned(word: str, tokens: set[str]) -> bool:
    """Whether a written word is one of the matcher's normalised tokens: the same, or the same stem (a shared
    prefix of all but the last two letters of the shorter: ``Technologies`` / ``technology``)."""
    w = _fold(word)
    if w in tokens:
        return True
    if len(w) < 3:
        return False
    for t in tokens:
        shortest = min(len(w), len(t))
        if shortest < 3:
            continue
        common = next((i for i, (a, b) in enumerate(zip(w, t, strict=False)) if a != b), shortest)
        if common >= max(3, shortest - 2):
            return True
    return False


def mark_words(name: str, tokens: set[str]) -> list[Seg]:
    """``name`` cut into pieces, the words the matcher aligned marked (a word is aligned when it reads as one of
    the normalised tokens: ``Solutions`` for ``solution``)."""
    out: list[Seg] = []
    pos = 0
    for m in _WORD.finditer(name):
        if m.start() > pos:
            out.append(Seg(name[pos:m.start()]))
        out.append(Seg(m.group(), _aligned(m.group(), tokens)))
        pos = m.end()
    if pos < len(name):
        out.append(Seg(name[pos:]))
    # a space between two aligned words is part of the marked run ("Complete Freight Solutions" as one)
    for i in range(1, len(out) - 1):
        if not out[i].mark and not out[i].text.strip() and out[i - 1].mark and out[i + 1].mark:
            out[i] = Seg(out[i].text, True)
    merged: list[Seg] = []
    for seg in out:  # neighbouring pieces with the same marking read as one
        if merged and merged[-1].mark == seg.mark:
            merged[-1] = Seg(merged[-1].text + seg.text, seg.mark)
        else:
            merged.append(seg)
    return merged


def _hit(party: dict[str, Any], m: dict[str, Any]) -> Hit:
    explanation = m.get("explanation")
    ex: dict[str, Any] = explanation if isinstance(explanation, dict) else {}
    aligned = [a for a in (ex.get("aligned") or []) if isinstance(a, dict)]
    q_tokens = {_fold(str(a.get("query"))) for a in aligned}
    l_tokens = {_fold(str(a.get("listed"))) for a in aligned}
    entry = m.get("entry") or {}
    listed = str(m.get("matched_name") or m.get("name") or "—")
    details: list[tuple[str, str]] = []
    if entry.get("programs"):
        details.append(("Programme", ", ".join(entry["programs"])))
    if entry.get("addresses"):
        details.append(("Address" if len(entry["addresses"]) == 1 else "Addresses", " | ".join(entry["addresses"])))
    if entry.get("identifiers"):
        details.append(("Identifiers", "; ".join(
            f"{i.get('kind')} {i.get('value')}" + (f" ({i['country']})" if i.get("country") else "")
            for i in entry["identifiers"])))
    if entry.get("dates_of_birth"):
        details.append(("Born", ", ".join(entry["dates_of_birth"])))
    if entry.get("license_requirement"):
        details.append(("Licence requirement", str(entry["license_requirement"])))
    policy = entry.get("license_policy") or m.get("license_policy")
    if policy:
        details.append(("Licence policy", str(policy)))
    footnote = entry.get("entity_list_footnote", m.get("entity_list_footnote"))
    if footnote is not None:
        details.append(("Entity List footnote", str(footnote)))
    listed_since = " · ".join(x for x in (
        f"listed {entry['start_date']}" if entry.get("start_date") else "",
        str(entry.get("federal_register_notice") or "")) if x)
    if listed_since:
        details.append(("Federal Register", listed_since))
    if entry.get("remarks"):
        details.append(("Remarks", str(entry["remarks"])))
    aliases = [a for a in entry.get("aliases") or [] if a != listed]
    if aliases:
        more = f" (+{len(aliases) - 5} more)" if len(aliases) > 5 else ""
        details.append(("Also listed as", "; ".join(aliases[:5]) + more))
    details.append(("Entry", f"{m.get('entity_id') or '—'}" + (f", list of {entry['list_date']}"
                                                                 if entry.get("list_date") else "")))
    decision, state = _decision(m)
    primary = m.get("name") if m.get("name") and m.get("name") != listed else None
    return Hit(
        party=str(party.get("name") or "—"),
        role=humanize(party.get("role") or party.get("kind") or ""),
        kind=str(party.get("kind") or "party"),
        query=mark_words(str(party.get("name") or ""), q_tokens),
        listed=mark_words(listed, l_tokens),
        listed_primary=str(primary) if primary else None,
        list_name=str(m.get("list") or "?"),
        programs=", ".join(entry.get("programs") or []),
        country=str(m.get("country") or ", ".join(entry.get("countries") or []) or "—"),
        score=f"{m['score']:.2f}" if isinstance(m.get("score"), (int, float)) else "—",
        strength=str(m.get("strength") or "potential"),
        entity_id=str(m.get("entity_id") or ""),
        details=details,
        decision=decision,
        decision_state=state,
    )


def _decision(m: dict[str, Any]) -> tuple[str, str]:
    dec = m.get("decision") or {}
    if dec:
        verb = "Confirmed" if dec.get("decision") == "confirmed" else "Dismissed as a false positive"
        text = f"{verb} by {dec.get('by')} on {dec.get('on')}: {dec.get('reason')}"
        if dec.get("status") == "reopened":
            return f"Re-opened — the entry changed since this decision. {text}", "reopened"
        return text, "confirmed" if dec.get("decision") == "confirmed" else "false_positive"
    if m.get("confirmed"):
        return "Confirmed: the exact listed name and an agreeing identifier", "exact_match"
    return "No decision yet: confirm it or dismiss it as a false positive before shipping", "undecided"


def _stale_text(stale: list[dict[str, Any]]) -> str:
    """One sentence for the stale-lists banner: the lists of the same date together, with how much older they are
    than the transaction and the interval the rule data allows."""
    if not stale:
        return ""
    by_date: dict[tuple[Any, Any], list[str]] = {}
    for s in stale:
        by_date.setdefault((s.get("list_date"), s.get("days")), []).append(str(s.get("key")))
    parts = [
        f"{', '.join(keys)} of {day} ({fmt_number(days)} days older)" if day else f"{', '.join(keys)} (date unknown)"
        for (day, days), keys in sorted(by_date.items(), key=lambda kv: str(kv[0][0]))
    ]
    interval = stale[0].get("interval")
    return (f"Screened against lists older than the transaction allows (at most {interval} days): "
            + "; ".join(parts) + ". Update the lists and check again before relying on the screening.")
