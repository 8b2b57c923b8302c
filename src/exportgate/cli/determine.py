"""``exportgate determine FILE|- [--mode enforced|text] [--json] [--compare DATE1,DATE2]``."""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

import typer

from exportgate.cli.service import AsOption, DbOption

if TYPE_CHECKING:
    from exportgate.determine import Comparison, Determination


def _parse_compare(value: str) -> tuple[date, date]:
    from exportgate.errors import InputError

    parts = [p.strip() for p in value.split(",")]
    if len(parts) != 2 or not all(parts):
        raise InputError("--compare", f"expected DATE1,DATE2 (got {value!r})")
    out = []
    for p in parts:
        try:
            out.append(date.fromisoformat(p))
        except ValueError:
            raise InputError("--compare", f"not an ISO date: {p!r}") from None
    return out[0], out[1]


def _render(d: Determination | dict[str, Any]) -> list[str]:
    """A determination (or its JSON, as a stored case keeps it) as lines of text."""
    j = d if isinstance(d, dict) else d.to_json()
    lines = [f"status: {j['status']}"]
    lines.append(f"classification: {j['classification'] or '-'}")
    lines.append(f"licence required: {'yes' if j['license_required'] else 'no'}")
    if j["license_exception"]:
        lines.append(f"licence exception: {j['license_exception']}")
    if j["review_policy"]:
        lines.append(f"review policy: {j['review_policy']}")
    if j["red_flags"]:
        lines.append("red flags: " + ", ".join(j["red_flags"]))
    if j["conditions"]:
        lines.append("conditions:")
        lines += [f"  - {c}" for c in j["conditions"]]
    lines.append(f"keep records until: {j['retain_records_until']}")
    lines.append("reasons:")
    lines += [f"  {i}. {r}" for i, r in enumerate(j["reasons"], 1)]
    lines.append("citations:")
    lines += [f"  - {c}" for c in j["citations"]]
    return lines


def _render_comparison(cmp: Comparison, first: date, second: date, mode: str) -> list[str]:
    from exportgate.determine.compare import delta as mapping_delta

    out: list[str] = []
    for day, d in ((first, cmp.first), (second, cmp.second)):
        out.append(f"=== {day.isoformat()} ({mode}) ===")
        out += _render(d)
        out.append("")
    out.append(f"=== what changed between {first.isoformat()} and {second.isoformat()} ===")
    a, b = cmp.first, cmp.second
    if cmp.same:
        out.append(f"same outcome: {a.status}; exception {a.license_exception or '-'}; policy {a.review_policy or '-'}")
    else:
        for label, x, y in (("status", a.status, b.status), ("licence exception", a.license_exception, b.license_exception),
                            ("review policy", a.review_policy, b.review_policy)):
            out.append(f"{label}: {x or '-'} -> {y or '-'}" + ("" if x != y else " (unchanged)"))
    if not cmp.changes and not cmp.group_changes:
        out.append("no change in the rules this determination consulted")
    else:
        out.append("rule changes among the parameters consulted:")
    for c in cmp.changes:
        before, after = c.before, c.after
        if before is not None and after is not None and isinstance(before.value, frozenset) and isinstance(after.value, frozenset):
            removed = sorted(before.value - after.value)
            added = sorted(after.value - before.value)
            delta = "; ".join(p for p in (f"removed {', '.join(removed)}" if removed else "", f"added {', '.join(added)}" if added else "") if p)
            out.append(f"- {c.key}: {delta or 'same members, legal basis changed'} [{before.cite()} -> {after.cite()}]")
            if after.citation.note and after.citation != before.citation:
                out.append(f"    note: {after.citation.note}")
            continue
        same_value = before is not None and after is not None and before.value == after.value
        summary = mapping_delta(c)
        out.append(f"- {c.key}:" + (" (same value, legal basis changed)" if same_value else "")
                   + (f" {summary}" if summary else ""))
        for label, r in (("before", before), ("after", after)):
            if r is None:
                out.append(f"    {label}: not in force")
            else:
                value = sorted(r.value) if isinstance(r.value, frozenset) else r.value
                since = f"{r.start.isoformat()}..{r.end.isoformat() if r.end else ''}"
                out.append(f"    {label} ({since}): {value!r} [{r.cite()}]")
                if r.citation.note:
                    out.append(f"      note: {r.citation.note}")
    for cc, g in cmp.group_changes.items():
        out.append(f"- country groups of {cc}: {', '.join(g['before']) or '-'} -> {', '.join(g['after']) or '-'}")
    return out


def determine_cmd(
    file: Annotated[str, typer.Argument(help="case file (YAML or JSON), or - for standard input")],
    mode: Annotated[str, typer.Option("--mode", help="enforced (what BIS enforces) or text (what the CFR says)")] = "enforced",
    as_json: Annotated[bool, typer.Option("--json", help="print the determination as JSON")] = False,
    compare_dates: Annotated[
        str | None, typer.Option("--compare", help="DATE1,DATE2: the answer on each date and the rule changes between")
    ] = None,
    save: Annotated[
        bool, typer.Option("--save", help="Store the determination as a case in the store (its parties are "
                           "re-screened when the lists change).")
    ] = False,
    db: DbOption = None,
    as_user: AsOption = None,
) -> None:
    """May this item go to this party, for this use, on this day? (licence determination)"""
    from exportgate.determine import compare, determine, parse_case
    from exportgate.io import read_document
    from exportgate.rules import Mode, load_rules
    from exportgate.safe import terminal_text

    m = Mode.parse(mode)
    rules = load_rules()
    doc = read_document(file)
    case = parse_case(doc, rules=rules)
    if save:
        if compare_dates is not None:
            from exportgate.errors import InputError

            raise InputError("--save", "not with --compare: a stored case is one determination")
        from exportgate.cli.service import acting, open_service
        from exportgate.store.accounts import Permission

        with open_service(db) as svc:
            stored = svc.determine(acting(svc, as_user, Permission.DETERMINE), doc, m)
        if as_json:
            typer.echo(json.dumps({**stored.result, "case": {"id": stored.id, "status": stored.status}}, indent=2))
            return
        typer.echo(terminal_text("\n".join(_render(stored.result))))
        typer.echo(f"saved as case #{stored.id}: {stored.status}")
        return
    if compare_dates is None:
        d = determine(case, m, rules)
        typer.echo(json.dumps(d.to_json(), indent=2) if as_json else terminal_text("\n".join(_render(d))))
        return
    first, second = _parse_compare(compare_dates)
    for day in (first, second):
        rules.check_date(day, field="--compare")
    cmp = compare(case, first, second, m, rules)
    if as_json:
        typer.echo(json.dumps(cmp.to_json(), indent=2))
        return
    typer.echo(terminal_text("\n".join(_render_comparison(cmp, first, second, mode))))
