"""The bundled chip catalog (``exportgate/data/chips/catalog.csv``; sources in its PROVENANCE.md).

Each row keeps the source of every number (``src_*`` columns). Rows map to :class:`Item` as follows:
throughput columns -> ``dense_tops`` (per package, so ``dies`` = 1); ``die_area_mm2`` ->
``applicable_die_area_mm2`` (blank = unknown: PD unknown); ``interconnect_bandwidth_gbs`` +
``host_interface_gbs`` -> ``aggregate_bidirectional_io_gbps`` (blank interconnect = unknown; blank
host = interconnect only, a lower bound, said in the reasons); ``marketed_for_datacenter`` ->
``datacenter_designed_or_marketed``. Rows without any throughput are listed but unclassifiable.

:func:`classify_entry` classifies a row as of a date (a missing figure gives "undetermined" with the
reason, never a guess) and :func:`catalog_changes` lists the rows whose classification differs
between two dates (``exportgate catalog diff``).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources
from typing import Any

from rapidfuzz import process

from exportgate.classify.engine import classify
from exportgate.classify.model import PRECISIONS, Classification, Item, parse_item
from exportgate.errors import InputError
from exportgate.rules import Mode, RuleSet

THROUGHPUT_COLUMNS: dict[str, str] = {
    "fp64": "fp64_tflops",
    "fp32": "fp32_tflops",
    "tf32": "tf32_tflops",
    "fp16": "fp16_tflops",
    "bf16": "bf16_tflops",
    "fp8": "fp8_tflops",
    "int8": "int8_tops",
    "fp4": "fp4_tflops",
    "int4": "int4_tops",
}
assert set(THROUGHPUT_COLUMNS) == set(PRECISIONS)


@dataclass(frozen=True)
class CatalogEntry:
    """One catalog row, as shipped."""

    name: str
    vendor: str
    row: dict[str, str]
    aliases: tuple[str, ...]

    @property
    def classifiable(self) -> bool:
        return any(self.row[c].strip() for c in THROUGHPUT_COLUMNS.values())

    def caveats(self) -> list[str]:
        """Weak figures that the classification rests on (from the source columns)."""
        notes: list[str] = []
        area_src = self.row.get("src_die_area", "")
        for tag, text in (
            ("PARTIAL", "die area is PARTIAL (compute die only): the true applicable area is larger and PD lower"),
            ("ESTIMATE", "die area is an ESTIMATE"),
            ("WEAK", "die area is WEAK (unverified source)"),
            ("ASSUMED", "die area is ASSUMED"),
        ):
            if tag in area_src.upper():
                notes.append(text)
        if self.row.get("interconnect_bandwidth_gbs", "").strip() and not self.row.get("host_interface_gbs", "").strip():
            notes.append("host interface unknown: aggregate I/O is the chip-to-chip link only (a lower bound)")
        if self.row.get("confidence") == "low":
            notes.append("catalog row confidence is low")
        return notes


def _num(text: str) -> float | None:
    text = text.strip()
    return float(text) if text else None


@lru_cache(maxsize=1)
def _entries() -> tuple[CatalogEntry, ...]:
    path = resources.files("exportgate.data").joinpath("chips/catalog.csv")
    with path.open("r", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    out = []
    for row in rows:
        aliases = tuple(a for a in row.get("aliases", "").split(";") if a)
        out.append(CatalogEntry(name=row["name"], vendor=row["vendor"], row=row, aliases=aliases))
    return tuple(out)


def catalog_entries() -> list[CatalogEntry]:
    return list(_entries())


def catalog_names() -> list[str]:
    return [e.name for e in _entries()]


def _spellings(entry: CatalogEntry) -> list[str]:
    return [entry.name.casefold(), *(a.casefold() for a in entry.aliases)]


def find_entry(name: str, field: str = "catalog") -> CatalogEntry:
    """The entry whose name or alias this is (case-insensitive, spaces collapsed).

    Nothing else resolves: a name that is only the start of several entries' names — "NVIDIA H100" is the SXM5
    (TPP 15,832) and the PCIe card (12,104) — is an error listing the candidates (the catalog never picks one
    silently), and an unknown name is an error suggesting entries with the same model number ("h100" -> the
    H100s), else the nearest names."""
    wanted = " ".join(name.split()).casefold()
    for entry in _entries():
        if wanted in _spellings(entry):
            return entry
    family = [e for e in _entries() if any(sp.startswith(wanted + " ") for sp in _spellings(e))]
    if len(family) > 1:
        raise InputError(
            field,
            f"{name!r} is ambiguous: {len(family)} catalog entries start with it ({'; '.join(e.name for e in family)});"
            " give the full name",
        )
    raise InputError(field, f"unknown catalog name {name!r} ({_suggest(name)}; see `exportgate catalog list`)")


def _suggest(name: str) -> str:
    """Entries sharing the query's model number (a word with a digit: H100, MI300X, 910B), else the nearest."""
    models = [w for w in re.findall(r"[a-z0-9]+", name.casefold()) if any(ch.isdigit() for ch in w)]
    same_model = [
        e.name for e in _entries()
        if models and all(any(m in w for w in re.findall(r"[a-z0-9]+", " ".join(_spellings(e)))) for m in models)
    ]
    if same_model:
        return "did you mean: " + "; ".join(same_model[:6])
    choices = [e.name for e in _entries()] + [a for e in _entries() for a in e.aliases]
    return "nearest: " + "; ".join(c for c, _score, _i in process.extract(name, choices, limit=3))


def _item_data(entry: CatalogEntry) -> dict[str, Any]:
    row = entry.row
    tops = {p: v for p, col in THROUGHPUT_COLUMNS.items() if (v := _num(row[col])) is not None}
    data: dict[str, Any] = {
        "name": entry.name,
        "vendor": entry.vendor,
        "kind": "integrated_circuit",
        "datacenter_designed_or_marketed": row["marketed_for_datacenter"].strip() == "yes",
        "dense_tops": tops,
    }
    area = _num(row["die_area_mm2"])
    if area is not None:
        data["applicable_die_area_mm2"] = area
    link = _num(row["interconnect_bandwidth_gbs"])
    host = _num(row["host_interface_gbs"])
    if link is not None:
        data["aggregate_bidirectional_io_gbps"] = link + (host or 0.0)
    dram = _num(row["memory_bandwidth_gbs"])
    if dram is not None:
        data["total_dram_bandwidth_gbps"] = dram
    if row.get("notes"):
        data["notes"] = row["notes"]
    return data


def catalog_item(name: str, field: str = "catalog") -> Item:
    """The catalog chip as an :class:`Item` (InputError if the name is unknown or it has no throughput)."""
    entry = find_entry(name, field)
    if not entry.classifiable:
        raise InputError(
            field,
            f"{entry.name} has no published dense throughput in the catalog: unclassifiable ({entry.row.get('notes', '')})",
        )
    item = parse_item(_item_data(entry), field=f'catalog["{entry.name}"]')
    item._caveats = tuple(entry.caveats())
    return item


def classify_entry(
    entry: CatalogEntry, as_of: date, mode: Mode, rules: RuleSet | None = None
) -> tuple[Classification | None, str | None]:
    """Classify a catalog row: ``(classification, None)``, or ``(None, why)`` when it is undetermined
    (no published throughput, or a figure the rules need is missing); never a guess. A date outside
    the rule data is still an error."""
    if not entry.classifiable:
        return None, "no published dense throughput: unclassifiable"
    try:
        return classify(catalog_item(entry.name), as_of, mode, rules), None
    except InputError as exc:
        if exc.field == "as_of":
            raise
        return None, str(exc)


def classification_label(c: Classification | None, error: str | None) -> str:
    """How a catalog row's classification is shown: the paragraph, ``—`` for none, or ``undetermined``."""
    if error is not None:
        return "undetermined"
    assert c is not None
    return c.classification or "—"


def catalog_changes(first: date, second: date, mode: Mode, rules: RuleSet | None = None) -> list[dict[str, Any]]:
    """Catalog chips whose classification differs between two dates (undetermined counts as a value)."""
    out: list[dict[str, Any]] = []
    for entry in catalog_entries():
        if not entry.classifiable:
            continue
        before, err_before = classify_entry(entry, first, mode, rules)
        after, err_after = classify_entry(entry, second, mode, rules)
        a = classification_label(before, err_before)
        b = classification_label(after, err_after)
        if a == b:
            continue
        both = [c for c in (before, after) if c is not None]
        out.append({
            "name": entry.name,
            "before": before.classification if before else None,
            "after": after.classification if after else None,
            "before_label": a,
            "after_label": b,
            "undetermined_before": err_before,
            "undetermined_after": err_after,
            "tpp": both[0].tpp if both else None,
            "performance_density": both[-1].performance_density if both else None,
            "same_control": bool(before and after and before.tier == after.tier and before.tier is not None),
        })
    return out
