"""Classification of AI hardware and model weights under the CCL, as of a date and in a mode.

Every threshold comes from the rule data (``ccl.*`` keys in ``rules/data/ccl.yaml``); this module
only holds the structure of the tests (which comparison, in which order). Arithmetic is exact
(fractions of the decimal figures given), so a value exactly at a limit compares as the text says.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction

from exportgate.classify.model import Classification, Item
from exportgate.errors import InputError
from exportgate.rules import Mode, RuleSet, Trace, load_rules

# Strictness order of Classification.tier: none < 3A991.p/4A994.l (AT only) < .b-level < .a-level.
# Computers take the strictest tier among their contents; classification never gets less strict as TPP
# grows at fixed PD (property-tested).
STRICTNESS: dict[str | None, int] = {None: 0, "p": 1, "b": 2, "a": 3}


def exact(value: float | int) -> Fraction:
    """The decimal figure as written (``989.4`` is 9894/10, not the nearest binary float)."""
    if isinstance(value, int):
        return Fraction(value)
    return Fraction(Decimal(repr(value)))


def fmt(value: Fraction | float | int | None) -> str:
    """Figures for reasons: up to 4 decimals, no trailing zeros; scientific above 10^9."""
    if value is None:
        return "unknown"
    number = float(value)
    if abs(number) >= 1e9:
        return f"{number:.4g}"
    text = f"{number:.4f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


def _num(ctx: Trace, key: str) -> Fraction | None:
    """A numeric parameter as an exact fraction (its citation recorded when in force), None when null."""
    value = ctx.use(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"rule parameter {key} is not a number: {value!r}")
    return exact(value)


def _cmp(ctx: Trace, label: str, what: str, value: Fraction, op: str, limit: Fraction) -> bool:
    tests: dict[str, Callable[[Fraction, Fraction], bool]] = {
        ">=": lambda a, b: a >= b,
        ">": lambda a, b: a > b,
        "<": lambda a, b: a < b,
    }
    ok = tests[op](value, limit)
    how = {">=": "inclusive", ">": "exclusive", "<": "exclusive"}[op]
    ctx.say(f"{label}: {what} {fmt(value)} {op} {fmt(limit)} ({how}): {'yes' if ok else 'no'}")
    return ok


# ----------------------------------------------------------------------------- TPP and PD


@dataclass
class Performance:
    tpp: Fraction
    pd: Fraction | None
    max_tops: Fraction | None  # highest dense TOPS at any precision (for 3A991.p), None if unknown


def performance(item: Item, ctx: Trace) -> Performance:
    """TPP (dense, highest over precisions, summed over dies) and PD, with the arithmetic in ``ctx``'s reasons
    (``ctx``: ``rules.at(day, mode).trace()``)."""
    if item.sparse_tops:
        ctx.use("ccl.tpp.dense_only")
        ctx.say(
            "sparse_tops ignored: TPP uses dense (no structured sparsity) throughput only "
            "(3A090 Technical Note 2)"
        )
    max_tops: Fraction | None = None
    if item.dense_tops is not None:
        bits: dict[str, int] = dict(ctx.use("ccl.tpp.bit_lengths"))
        terms: list[tuple[str, Fraction, int, Fraction]] = []
        for prec, tops in item.dense_tops.items():
            if prec == "tf32":
                length = int(ctx.use("ccl.tpp.tf32_bit_length"))
            elif prec in bits:
                length = int(bits[prec])
            else:  # the schema knows the precision but the rule data gives it no bit length
                raise InputError(item.at(f"dense_tops.{prec}"), "no bit length for this precision in the rule data")
            t = exact(tops)
            terms.append((prec, t, length, t * length))
        per_die = max(term[3] for term in terms)
        max_tops = max(term[1] for term in terms) * item.dies
        listing = ", ".join(f"{p} {fmt(t)} × {b} = {fmt(v)}" for p, t, b, v in terms)
        unit = "per die" if item.dies > 1 else "per package"
        text = f"TPP = max({listing}) = {fmt(per_die)} (dense figures, {unit})"
        if item.dies > 1:
            text += f"; × {item.dies} dies = {fmt(per_die * item.dies)}"
        ctx.say(text)
        tpp = per_die * item.dies
    elif item.tpp is not None:
        tpp = exact(item.tpp)
        ctx.say(f"TPP = {fmt(tpp)} (given)")
    else:  # parse_item guarantees one of them for an integrated circuit
        raise InputError(item.at("dense_tops"), "an integrated circuit needs dense_tops (or tpp)")
    pd: Fraction | None = None
    if item.applicable_die_area_mm2 is not None:
        area = exact(item.applicable_die_area_mm2)
        pd = tpp / area
        ctx.say(f"PD = TPP {fmt(tpp)} / applicable die area {fmt(area)} mm² = {fmt(pd)}")
    elif item.performance_density is not None:
        pd = exact(item.performance_density)
        ctx.say(f"PD = {fmt(pd)} (given)")
    return Performance(tpp=tpp, pd=pd, max_tops=max_tops)


# ----------------------------------------------------------------------------- integrated circuits


@dataclass
class _Outcome:
    paragraph: str | None
    level: str | None  # "a" | "b" | "p" (3A991.p) | None
    #: the provision under which the item is not subject to the EAR at all (published weights: 734.7(a))
    not_subject: str | None = None


def _ic_3a090_current(item: Item, perf: Performance, ctx: Trace) -> _Outcome | None:
    """3A090.a/.b as rewritten (2023-11-17 on). None when the rewritten text is not in force."""
    a1 = _num(ctx, "ccl.3a090.a.1.tpp_min")
    if a1 is None:
        return None
    tpp, pd = perf.tpp, perf.pd
    dc = item.datacenter_designed_or_marketed
    if _cmp(ctx, "3A090.a.1", "TPP", tpp, ">=", a1):
        ctx.use("ccl.3a090.a_over_b")
        ctx.say(
            "TPP at or above the 3A090.a.1 limit is named 3A090.a.1 whatever its PD, even where "
            "b.2's wording could also catch it (reading marked unverified)"
        )
        if dc is False:
            note2_limit = _num(ctx, "ccl.3a090.note2.tpp_limit")
            ctx.say(
                "Note 2 (not designed or marketed for datacenters) does not exclude it: TPP is not below "
                f"{fmt(note2_limit)}"
            )
        return _Outcome("3A090.a.1", "a")
    note2 = _num(ctx, "ccl.3a090.note2.tpp_limit") if dc is not True else None
    if dc is False and note2 is not None and tpp < note2:
        ctx.say(
            f"Note 2 to 3A090.a and .b: not designed or marketed for datacenters and TPP {fmt(tpp)} < "
            f"{fmt(note2)} (exclusive): excluded from 3A090.a and .b"
        )
        return _Outcome(None, None)
    a2_tpp = _num(ctx, "ccl.3a090.a.2.tpp_min")
    b1_tpp = _num(ctx, "ccl.3a090.b.1.tpp_min")
    b2_tpp = _num(ctx, "ccl.3a090.b.2.tpp_min")
    floors = [x for x in (a2_tpp, b1_tpp, b2_tpp) if x is not None]
    lowest = min(floors)
    if tpp < lowest:
        ctx.say(
            f"3A090.a.2/.b.1/.b.2: TPP {fmt(tpp)} is below every remaining TPP floor "
            f"(lowest {fmt(lowest)}, inclusive): no"
        )
        return _Outcome(None, None)
    if dc is None:
        raise InputError(
            item.at("datacenter_designed_or_marketed"),
            f"needed to decide 3A090 on {ctx.as_of} (TPP {fmt(tpp)} is below {fmt(note2)}: Note 2 excludes "
            "items not designed or marketed for datacenters)",
        )
    if dc:
        ctx.say("designed or marketed for datacenters: Note 2 does not apply")
    if pd is None:
        raise InputError(
            item.at("applicable_die_area_mm2"),
            f"needed to decide 3A090.a.2/.b on {ctx.as_of} (TPP {fmt(tpp)}: performance density decides) "
            "but neither applicable_die_area_mm2 nor performance_density is given",
        )
    a2_pd = _num(ctx, "ccl.3a090.a.2.pd_min")
    assert a2_tpp is not None and a2_pd is not None
    if _cmp(ctx, "3A090.a.2", "TPP", tpp, ">=", a2_tpp) & _cmp(ctx, "3A090.a.2", "PD", pd, ">=", a2_pd):
        return _Outcome("3A090.a.2", "a")
    b1_max = _num(ctx, "ccl.3a090.b.1.tpp_max_exclusive")
    b1_pd = _num(ctx, "ccl.3a090.b.1.pd_min")
    b1_pd_max = _num(ctx, "ccl.3a090.b.1.pd_max_exclusive")
    assert b1_tpp is not None and b1_max is not None and b1_pd is not None and b1_pd_max is not None
    b1 = [
        _cmp(ctx, "3A090.b.1", "TPP", tpp, ">=", b1_tpp),
        _cmp(ctx, "3A090.b.1", "TPP", tpp, "<", b1_max),
        _cmp(ctx, "3A090.b.1", "PD", pd, ">=", b1_pd),
        _cmp(ctx, "3A090.b.1", "PD", pd, "<", b1_pd_max),
    ]
    b2_pd = _num(ctx, "ccl.3a090.b.2.pd_min")
    b2_pd_max = _num(ctx, "ccl.3a090.b.2.pd_max_exclusive")
    assert b2_tpp is not None and b2_pd is not None and b2_pd_max is not None
    b2 = [
        _cmp(ctx, "3A090.b.2", "TPP", tpp, ">=", b2_tpp),
        _cmp(ctx, "3A090.b.2", "PD", pd, ">=", b2_pd),
        _cmp(ctx, "3A090.b.2", "PD", pd, "<", b2_pd_max),
    ]
    if all(b1):
        if all(b2):
            ctx.say("also meets 3A090.b.2; named by the first paragraph met (b.1)")
        return _Outcome("3A090.b.1", "b")
    if all(b2):
        return _Outcome("3A090.b.2", "b")
    return _Outcome(None, None)


def _ic_3a090_original(item: Item, perf: Performance, ctx: Trace) -> _Outcome:
    """3A090 as first written (2022-10-07 to 2023-11-16): I/O AND TPP."""
    tpp_min = _num(ctx, "ccl.3a090.original.tpp_min")
    io_min = _num(ctx, "ccl.3a090.original.io_min")
    paragraph = ctx.use("ccl.3a090.original.paragraph")
    assert tpp_min is not None and io_min is not None and isinstance(paragraph, str)
    ctx.say(
        f"3A090 as first written (87 FR 62186) applies on {ctx.as_of}: I/O AND TPP; no PD test and no "
        "datacenter note (PD and datacenter marketing are not used)"
    )
    if not _cmp(ctx, "3A090 (2022)", "TPP", perf.tpp, ">=", tpp_min):
        return _Outcome(None, None)
    io = item.aggregate_bidirectional_io_gbps
    if io is None:
        raise InputError(
            item.at("aggregate_bidirectional_io_gbps"),
            f"needed to decide 3A090 on {ctx.as_of} (the 2022 text requires I/O of {fmt(io_min)} GB/s or more "
            f"AND TPP {fmt(tpp_min)} or more; TPP is {fmt(perf.tpp)})",
        )
    if not _cmp(ctx, "3A090 (2022)", "aggregate bidirectional I/O GB/s", exact(io), ">=", io_min):
        return _Outcome(None, None)
    return _Outcome(paragraph, "a")


def _ic_3a991p(item: Item, perf: Performance, ctx: Trace) -> _Outcome:
    tops_min = _num(ctx, "ccl.3a991.p.tops_min")
    io_min = _num(ctx, "ccl.3a991.p.io_min")
    if tops_min is None or io_min is None:
        return _Outcome(None, None)
    tops_ok: bool | None
    if perf.max_tops is not None:
        tops_ok = _cmp(ctx, "3A991.p", "highest dense TOPS", perf.max_tops, ">=", tops_min)
    else:
        bits = [int(b) for b in dict(ctx.use("ccl.tpp.bit_lengths")).values()]
        bits.append(int(ctx.use("ccl.tpp.tf32_bit_length")))
        low, high = perf.tpp / max(bits), perf.tpp / min(bits)
        if low >= tops_min:
            tops_ok = True
            ctx.say(
                f"3A991.p: TOPS is at least TPP / {max(bits)} = {fmt(low)} >= {fmt(tops_min)} (inclusive): yes"
            )
        elif high < tops_min:
            tops_ok = False
            ctx.say(f"3A991.p: TOPS is at most TPP / {min(bits)} = {fmt(high)} < {fmt(tops_min)}: no")
        else:
            tops_ok = None
            ctx.say("3A991.p: TOPS not known (TPP given without dense_tops)")
    if tops_ok:
        return _Outcome("3A991.p", "p")
    io = item.aggregate_bidirectional_io_gbps
    if io is None:
        if tops_ok is None:
            raise InputError(
                item.at("dense_tops"),
                f"needed to decide 3A991.p ({fmt(tops_min)} TOPS or more): give dense_tops or "
                "aggregate_bidirectional_io_gbps",
            )
        raise InputError(
            item.at("aggregate_bidirectional_io_gbps"),
            f"needed to decide 3A991.p (TOPS below {fmt(tops_min)}; I/O of {fmt(io_min)} GB/s or more also qualifies)",
        )
    if _cmp(ctx, "3A991.p", "aggregate bidirectional I/O GB/s", exact(io), ">=", io_min):
        return _Outcome("3A991.p", "p")
    if tops_ok is None:
        raise InputError(
            item.at("dense_tops"), f"needed to decide 3A991.p ({fmt(tops_min)} TOPS or more): give dense_tops"
        )
    return _Outcome(None, None)


def _z_or(item: Item, level: str, default: str, ctx: Trace) -> str:
    """The .z paragraph for an item otherwise in its ``base_eccn`` (when .z exists), else ``default``."""
    base = item.base_eccn
    if base is None:
        return default
    zmap = ctx.use("ccl.z.paragraphs")
    if zmap is None:
        ctx.say(
            f"base ECCN {base}: the .z paragraphs do not exist on {ctx.as_of} (created 2023-11-17); "
            f"named {default} (unverified reading)"
        )
        return default
    if base not in zmap:
        raise InputError(item.at("base_eccn"), f"{base} has no .z paragraph (known: {', '.join(sorted(zmap))})")
    paragraph = str(zmap[base][level])
    ctx.say(f"otherwise {base}, incorporating a 3A090.{level} IC: {paragraph} (.{level}-level)")
    return paragraph


def _classify_ic(item: Item, ctx: Trace) -> tuple[_Outcome, Performance]:
    perf = performance(item, ctx)
    outcome = _ic_3a090_current(item, perf, ctx)
    if outcome is None:
        outcome = _ic_3a090_original(item, perf, ctx)
    if outcome.paragraph is None:
        outcome = _ic_3a991p(item, perf, ctx)
    return outcome, perf


# ----------------------------------------------------------------------------- other kinds


def _classify_computer(item: Item, ctx: Trace) -> tuple[_Outcome, Fraction | None]:
    assert item.contains is not None
    best: str | None = None
    total: Fraction | None = Fraction(0)
    for i, line in enumerate(item.contains):
        child = line.item
        label = child.name or f"contains[{i}]"
        if child.kind == "hbm_stack":
            ctx.say(f"{label}: HBM — 3A090.c parameters never make an item 4A090 or .z (Note 4 to 3A090)")
            continue
        sub = classify(child, ctx.as_of, ctx.mode, ctx.rules)
        ctx.cite_all(sub.citations)
        ctx.say(f"contains {line.count} × {label}: {sub.classification or 'not in a listed paragraph'}")
        if sub.tpp is not None and total is not None:
            total += exact(sub.tpp) * line.count
        elif child.kind in ("computer", "server") and sub.tpp is None:
            total = None
        if STRICTNESS[sub.tier] > STRICTNESS[best]:
            best = sub.tier
    if total is not None:
        ctx.say(f"aggregate TPP of the contained ICs = {fmt(total)}")
    if best in ("a", "b"):
        paras = ctx.use("ccl.4a090.paragraphs")
        default = paras.get(best)
        assert isinstance(default, str)
        ctx.say(f"contains an IC meeting 3A090.{best}: 4A090 applies ({default})")
        return _Outcome(_z_or(item, best, default, ctx), best), total
    if best == "p":
        para = ctx.use("ccl.4a994.l.paragraph")
        if item.base_eccn is not None:
            ctx.say(f"contains only ICs below 3A090 (3A991.p): stays in its base ECCN {item.base_eccn}")
            return _Outcome(item.base_eccn, None), total
        ctx.say(f"contains 3A991.p ICs and none meeting 3A090: {para}")
        return _Outcome(str(para), "p"), total
    if item.base_eccn is not None:
        return _Outcome(item.base_eccn, None), total
    ctx.say("contains no IC in 3A090 or 3A991.p: no paragraph of 4A090 or 4A994.l applies")
    return _Outcome(None, None), total


def hbm_density(item: Item, ctx: Trace) -> Fraction | None:
    """Technical Note 1 to 3A090.c: memory bandwidth (GB/s) / area (mm²) — the package area for a stack inside a
    package (the packaged device's figures), else the stack area; None when the density is given instead."""
    if item.memory_bandwidth_gbps is None:
        return None
    note = ctx.resolve("ccl.3a090.c.density_area")
    if item.package_area_mm2 is not None:
        area, which = exact(item.package_area_mm2), str(note.value["in_package"])
    else:
        assert item.stack_area_mm2 is not None
        area, which = exact(item.stack_area_mm2), str(note.value["standalone"])
    density = exact(item.memory_bandwidth_gbps) / area
    ctx.say(
        f"memory bandwidth density = {fmt(exact(item.memory_bandwidth_gbps))} GB/s / {fmt(area)} mm² ({which}) = "
        f"{fmt(density)} GB/s/mm² (Technical Note 1 to 3A090.c)",
        note,
    )
    return density


def _classify_hbm(item: Item, ctx: Trace) -> tuple[_Outcome, Fraction | None]:
    limit = _num(ctx, "ccl.3a090.c.mbd_min_exclusive")
    computed = hbm_density(item, ctx)
    if limit is None:
        ctx.say(f"3A090.c (HBM) is not in force on {ctx.as_of} (added effective 2024-12-02, 89 FR 96790)")
        return _Outcome(None, None), computed
    given = item.memory_bandwidth_density_gbps_per_mm2
    mbd = computed if computed is not None else (exact(given) if given is not None else None)
    assert mbd is not None
    if _cmp(ctx, "3A090.c", "memory bandwidth density GB/s/mm²", mbd, ">", limit):
        return _Outcome("3A090.c", None), computed
    return _Outcome(None, None), computed


#: where published weights stand: not subject to the EAR (734.3(b)(3)) as "published" under 734.7(a)
PUBLISHED_PROVISION = "734.7(a)"


def _classify_weights(item: Item, ctx: Trace) -> _Outcome:
    ops_min = _num(ctx, "ccl.4e091.operations_min")
    if ops_min is None:
        ctx.say(f"4E091 (model weights) is not in force on {ctx.as_of} (added effective 2025-01-13, 90 FR 4544)")
        return _Outcome(None, None)
    ops = item.training_operations
    assert ops is not None
    if item.weights_published and ctx.use("ccl.4e091.published_excluded"):
        # published technology is not subject to the EAR at all (734.3(b)(3)), whatever its training compute
        ctx.say("the weights are published (734.7(a)): not subject to the EAR (734.3(b)(3)); Note 1 to 4E091 "
                "excludes them")
        return _Outcome(None, None, not_subject=PUBLISHED_PROVISION)
    if ctx.mode is Mode.ENFORCED:
        ctx.say("enforced mode: BIS enforcement of 4E091 after 2025-05-13 is unclear; classified per the CFR text (unverified)")
    if not _cmp(ctx, "4E091", "training operations", exact(ops), ">=", ops_min):
        return _Outcome(None, None)
    if item.weights_published is None:
        raise InputError(item.at("weights_published"), "needed to decide 4E091 (Note 1 excludes published weights)")
    note2 = exact(item.note2_operations) if item.note2_operations is not None else None
    if item.derived_from_published_weights:
        floor = _num(ctx, "ccl.4e091.derived.additional_floor")
        frac = _num(ctx, "ccl.4e091.derived.threshold_fraction")
        assert floor is not None and frac is not None
        if note2 is not None:
            limit = max(floor, frac * note2)
            ctx.say(
                f"Note 1 to 4E091: derived from published weights; additional-training limit = the higher of "
                f"{fmt(floor)} and {fmt(frac)} × the Note 2 figure {fmt(note2)} (note2_operations) = {fmt(limit)}"
            )
        else:
            limit = floor
            ctx.say(
                f"Note 1 to 4E091: derived from published weights; the Note 2 figure is not given (note2_operations): "
                f"the additional-training limit is at least {fmt(floor)} (the higher of {fmt(floor)} and "
                f"{fmt(frac)} × the Note 2 figure) — {fmt(floor)} used (deny by default)"
            )
        extra = item.additional_training_operations
        assert extra is not None
        if not _cmp(ctx, "4E091 Note 1", "additional training operations", exact(extra), ">", limit):
            return _Outcome(None, None)
    if note2 is not None:
        if not _cmp(ctx, "4E091 Note 2", "training operations (vs the Note 2 figure, note2_operations)", exact(ops),
                    ">=", note2):
            ctx.say("Note 2 to 4E091: trained with fewer operations than the Note 2 figure: not controlled")
            return _Outcome(None, None)
    else:
        ctx.say(
            "Note 2 to 4E091 (frontier floor: fewer operations than the most capable published model needs) "
            "is not evaluated — the figure (note2_operations) comes from BIS guidance or a BIS classification; "
            "classified without it"
        )
    return _Outcome("4E091", None)


# ----------------------------------------------------------------------------- entry point


def classify(item: Item, as_of: date, mode: Mode = Mode.ENFORCED, rules: RuleSet | None = None) -> Classification:
    """Classify one item as of ``as_of`` in ``mode``.

    Raises :class:`InputError` (naming the item's field) when the date is before the regime or when a
    figure needed to decide is missing — never a guessed default.
    """
    rules = rules or load_rules()
    ctx = rules.at(as_of, mode).trace()
    for caveat in item.caveats:
        ctx.say(f"catalog caveat: {caveat}")
    tpp: Fraction | None = None
    pd: Fraction | None = None
    mbd: Fraction | None = None
    if item.kind == "integrated_circuit":
        outcome, perf = _classify_ic(item, ctx)
        tpp, pd = perf.tpp, perf.pd
        if outcome.level in ("a", "b") and item.base_eccn is not None:
            assert outcome.paragraph is not None
            outcome = _Outcome(_z_or(item, outcome.level, outcome.paragraph, ctx), outcome.level)
    elif item.kind in ("computer", "server"):
        outcome, tpp = _classify_computer(item, ctx)
    elif item.kind == "hbm_stack":
        outcome, mbd = _classify_hbm(item, ctx)
    else:
        outcome = _classify_weights(item, ctx)
    if outcome.paragraph is None and outcome.not_subject is None:
        ctx.say(
            "no listed paragraph applies (3A090, 4A090, 3A991.p, 4A994.l, 4E091 and .z checked): "
            "classification null — the item may be EAR99 or in an ECCN outside this tool's rule data"
        )
    level = outcome.level if outcome.level in ("a", "b") else None
    return Classification(
        name=item.name,
        kind=item.kind,
        as_of=as_of,
        mode=ctx.mode.value,
        classification=outcome.paragraph,
        level=level,
        tier=outcome.level,
        tpp=float(tpp) if tpp is not None else None,
        performance_density=float(pd) if pd is not None else None,
        datacenter=bool(item.datacenter_designed_or_marketed),
        memory_bandwidth_density=float(mbd) if mbd is not None else None,
        reasons=ctx.reasons,
        citations=ctx.citations,
        not_subject_to_ear=outcome.not_subject,
    )
