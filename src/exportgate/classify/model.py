"""The item schema (what `exportgate classify` reads) and the classification result.

Field semantics (the contract of ``exportgate classify``):

- ``dense_tops``: map of precision to **dense** (no structured sparsity) throughput in TOPS/TFLOPS,
  **per die** when ``dies`` > 1; the package TPP is ``dies`` x the per-die TPP. Datasheet figures are
  per package: then omit ``dies`` (it defaults to 1, meaning "these figures are for the package").
- ``applicable_die_area_mm2``: the **total** applicable die area of the package (all logic dies on a
  non-planar node, HBM excluded), never multiplied by ``dies``.
- ``tpp`` / ``performance_density``: figures for the whole package, given directly instead of
  ``dense_tops``. ``dies`` does not apply to them.
- ``sparse_tops``: accepted and ignored (TPP uses dense figures only); the result says so.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import Field, PrivateAttr, ValidationError

from exportgate.errors import InputError
from exportgate.schema import StrictModel as _Strict
from exportgate.schema import loc_path, problem

PRECISIONS: tuple[str, ...] = ("fp64", "fp32", "tf32", "fp16", "bf16", "fp8", "int8", "fp4", "int4")
KINDS: tuple[str, ...] = ("integrated_circuit", "computer", "server", "hbm_stack", "model_weights")

Kind = Literal["integrated_circuit", "computer", "server", "hbm_stack", "model_weights"]
Precision = Literal["fp64", "fp32", "tf32", "fp16", "bf16", "fp8", "int8", "fp4", "int4"]
NonNegative = Annotated[float, Field(strict=True, ge=0, allow_inf_nan=False)]
Positive = Annotated[float, Field(strict=True, gt=0, allow_inf_nan=False)]


class Contained(_Strict):
    """One line of a computer's bill of materials: ``count`` units of ``item``."""

    item: Item
    count: Annotated[int, Field(strict=True, ge=1)]


class Item(_Strict):
    """An item to classify. Build it with :func:`parse_item` (which names the bad field on error)."""

    name: str | None = None
    kind: Kind
    datacenter_designed_or_marketed: Annotated[bool, Field(strict=True)] | None = None
    tpp: NonNegative | None = None
    performance_density: NonNegative | None = None
    dense_tops: dict[Precision, NonNegative] | None = None
    sparse_tops: dict[str, Any] | None = None
    applicable_die_area_mm2: Positive | None = None
    dies: Annotated[int, Field(strict=True, ge=1)] = 1
    aggregate_bidirectional_io_gbps: NonNegative | None = None
    total_dram_bandwidth_gbps: NonNegative | None = None
    memory_bandwidth_density_gbps_per_mm2: NonNegative | None = None
    #: HBM: the memory bandwidth (GB/s) and area (mm²) the density is computed from (Technical Note 1 to 3A090.c):
    #: the stack's area, or for a stack inside a package the packaged device's bandwidth and package area
    memory_bandwidth_gbps: NonNegative | None = None
    stack_area_mm2: Positive | None = None
    package_area_mm2: Positive | None = None
    contains: list[Contained] | None = None
    base_eccn: str | None = None
    training_operations: NonNegative | None = None
    weights_published: Annotated[bool, Field(strict=True)] | None = None
    derived_from_published_weights: Annotated[bool, Field(strict=True)] | None = None
    additional_training_operations: NonNegative | None = None
    #: Note 2 to 4E091: the operations needed to match the most capable published model (BIS guidance or an
    #: AISI/DOE opinion); used by Note 2 and by Note 1's "whichever is higher"
    note2_operations: NonNegative | None = None
    vendor: str | None = None
    notes: str | None = None

    _field: str = PrivateAttr(default="item")
    _caveats: tuple[str, ...] = PrivateAttr(default=())

    @property
    def caveats(self) -> tuple[str, ...]:
        """Weak figures behind this item (set for catalog items), repeated in the reasons."""
        return self._caveats

    @property
    def field(self) -> str:
        """The input path of this item (``items[2]``, ``item.contains[0].item``, ``catalog[...]``)."""
        return self._field

    def at(self, sub: str) -> str:
        """The input path of one of this item's fields."""
        return f"{self._field}.{sub}"


@dataclass
class Classification:
    """The outcome for one item on one date in one mode, with every comparison made and its citation."""

    name: str | None
    kind: str
    as_of: date
    mode: str
    classification: str | None
    level: str | None = None
    tier: str | None = None  # "a" | "b" | "p" (3A991.p / 4A994.l, AT only) | None: see engine.STRICTNESS
    tpp: float | None = None
    performance_density: float | None = None
    datacenter: bool = False
    #: HBM: the memory bandwidth density computed from bandwidth and area (None when given or not HBM)
    memory_bandwidth_density: float | None = None
    reasons: list[str] = field(default_factory=list)
    citations: list[str] = field(default_factory=list)
    #: the provision under which the item is not subject to the EAR (``734.7(a)``: published weights), else None;
    #: the classification is then None, and no licence requirement of the EAR reaches the item
    not_subject_to_ear: str | None = None

    @property
    def label(self) -> str | None:
        """How the outcome reads: the paragraph, ``not subject to the EAR (734.7(a))``, or None (no listed paragraph)."""
        if self.not_subject_to_ear is not None:
            return f"not subject to the EAR ({self.not_subject_to_ear})"
        return self.classification

    @property
    def eccn(self) -> str | None:
        """The ECCN without its paragraph (``3A090.a.1`` -> ``3A090``)."""
        return self.classification.split(".")[0] if self.classification else None

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "classification": self.classification,
            "tpp": self.tpp,
            "performance_density": self.performance_density,
            "as_of": self.as_of.isoformat(),
            "mode": self.mode,
            "reasons": list(self.reasons),
            "citations": list(self.citations),
            "not_subject_to_ear": self.not_subject_to_ear,
        }


# YAML 1.2 floats such as ``1e26`` that PyYAML (YAML 1.1) reads as strings; nothing else is coerced.
_ECCN = re.compile(r"^[0-9][A-E][0-9]{3}$")
_EXPONENT_FLOAT = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)[eE][-+]?\d+$")


def _yaml12_number(value: Any) -> Any:
    if isinstance(value, str) and _EXPONENT_FLOAT.match(value.strip()):
        return float(value)
    return value


def _check_number(value: Any, where: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(where, f"not a number (got {value!r})")
    if isinstance(value, float) and not math.isfinite(value):
        raise InputError(where, f"not a finite number (got {value!r})")
    if value < 0:
        raise InputError(where, f"must not be negative (got {value!r})")


def parse_item(data: Any, field: str = "item") -> Item:
    """Validate one item (a mapping); raises :class:`InputError` naming the first bad field."""
    if isinstance(data, Item):
        return data
    if not isinstance(data, dict):
        raise InputError(field, f"an item must be a mapping (got {type(data).__name__})")
    data = dict(data)
    kind = data.get("kind")
    if kind is None:
        raise InputError(f"{field}.kind", f"required field missing (one of: {', '.join(KINDS)})")
    if kind not in KINDS:
        raise InputError(f"{field}.kind", f"unknown kind {kind!r} (known: {', '.join(KINDS)})")
    tops = data.get("dense_tops")
    if tops is not None:
        if not isinstance(tops, dict):
            raise InputError(f"{field}.dense_tops", "must be a map of precision to dense TOPS")
        if not tops:
            raise InputError(f"{field}.dense_tops", "is empty (give at least one precision)")
        tops = {prec: _yaml12_number(value) for prec, value in tops.items()}
        data["dense_tops"] = tops
        for prec, value in tops.items():
            if prec not in PRECISIONS:
                raise InputError(
                    f"{field}.dense_tops.{prec}", f"unknown precision (known: {', '.join(PRECISIONS)})"
                )
            _check_number(value, f"{field}.dense_tops.{prec}")
    for key in ("tpp", "performance_density", "training_operations", "additional_training_operations",
                "aggregate_bidirectional_io_gbps", "total_dram_bandwidth_gbps",
                "memory_bandwidth_density_gbps_per_mm2", "memory_bandwidth_gbps", "note2_operations"):
        if data.get(key) is not None:
            data[key] = _yaml12_number(data[key])
            _check_number(data[key], f"{field}.{key}")
    for key in ("applicable_die_area_mm2", "stack_area_mm2", "package_area_mm2"):
        if data.get(key) is not None:
            data[key] = _yaml12_number(data[key])
            _check_number(data[key], f"{field}.{key}")
            if data[key] == 0:
                raise InputError(f"{field}.{key}", "must be greater than 0")
    contains = data.get("contains")
    if contains is not None:
        if not isinstance(contains, list):
            raise InputError(f"{field}.contains", "must be a list of {item, count}")
        parsed: list[Contained] = []
        for i, entry in enumerate(contains):
            where = f"{field}.contains[{i}]"
            if not isinstance(entry, dict):
                raise InputError(where, "must be a mapping {item, count}")
            extra = set(entry) - {"item", "count"}
            if extra:
                raise InputError(f"{where}.{sorted(extra)[0]}", "unknown field (known: item, count)")
            if "item" not in entry:
                raise InputError(f"{where}.item", "required field missing (an inline item or a catalog name)")
            if "count" not in entry:
                raise InputError(f"{where}.count", "required field missing")
            count = entry["count"]
            if isinstance(count, bool) or not isinstance(count, int) or count < 1:
                raise InputError(f"{where}.count", f"must be a whole number of 1 or more (got {count!r})")
            sub = entry["item"]
            if isinstance(sub, str):
                from exportgate.classify.catalog import catalog_item

                child = catalog_item(sub, field=f"{where}.item")
            else:
                child = parse_item(sub, field=f"{where}.item")
            if child.kind == "model_weights":
                raise InputError(f"{where}.item.kind", "a computer cannot contain model weights")
            parsed.append(Contained(item=child, count=count))
        data["contains"] = parsed
    try:
        item = Item.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InputError(loc_path(first["loc"], field), problem(first)) from None
    _check_shape(item, field)
    item._field = field
    return item


def _check_shape(item: Item, field: str) -> None:
    """Kind-specific structure (date-independent). Date-dependent needs are checked by classify()."""
    at = f"{field}."
    if item.tpp is not None and item.dense_tops is not None:
        raise InputError(at + "tpp", "give either tpp or dense_tops, not both")
    if item.dies > 1 and item.dense_tops is None:
        raise InputError(at + "dies", "dies multiplies per-die dense_tops; with tpp give the package TPP and omit dies")
    if item.performance_density is not None and item.applicable_die_area_mm2 is not None:
        raise InputError(at + "performance_density", "give either performance_density or applicable_die_area_mm2, not both")
    if item.kind == "integrated_circuit":
        if item.tpp is None and item.dense_tops is None:
            raise InputError(at + "dense_tops", "an integrated circuit needs dense_tops (or tpp)")
    if item.kind in ("computer", "server"):
        if not item.contains:
            raise InputError(at + "contains", f"a {item.kind} is classified by what it contains: give contains [{{item, count}}]")
        for name in ("tpp", "dense_tops", "performance_density", "applicable_die_area_mm2"):
            if getattr(item, name) is not None:
                raise InputError(at + name, f"not used for a {item.kind}: give the ICs it contains under contains")
    elif item.contains is not None:
        raise InputError(at + "contains", f"only computers and servers have contains (kind is {item.kind})")
    hbm_fields = ("memory_bandwidth_gbps", "stack_area_mm2", "package_area_mm2")
    if item.kind == "hbm_stack":
        given = item.memory_bandwidth_gbps is not None or item.stack_area_mm2 is not None or item.package_area_mm2 is not None
        if item.memory_bandwidth_density_gbps_per_mm2 is not None and given:
            raise InputError(
                at + "memory_bandwidth_density_gbps_per_mm2",
                "give either the density or memory_bandwidth_gbps with stack_area_mm2 / package_area_mm2, not both",
            )
        if item.memory_bandwidth_density_gbps_per_mm2 is None:
            if item.memory_bandwidth_gbps is None:
                raise InputError(
                    at + "memory_bandwidth_density_gbps_per_mm2",
                    "required for an hbm_stack (or memory_bandwidth_gbps with stack_area_mm2 / package_area_mm2)",
                )
            if item.stack_area_mm2 is None and item.package_area_mm2 is None:
                raise InputError(
                    at + "stack_area_mm2",
                    "the density needs an area: stack_area_mm2, or package_area_mm2 for a stack inside a package",
                )
    else:
        for name in hbm_fields:
            if getattr(item, name) is not None:
                raise InputError(at + name, f"only for an hbm_stack (kind is {item.kind})")
    if item.note2_operations is not None and item.kind != "model_weights":
        raise InputError(at + "note2_operations", f"only for model_weights (kind is {item.kind})")
    if item.kind == "model_weights":
        if item.training_operations is None:
            raise InputError(at + "training_operations", "required for model_weights")
        if item.derived_from_published_weights and item.additional_training_operations is None:
            raise InputError(
                at + "additional_training_operations",
                "required when derived_from_published_weights is true",
            )
    if item.base_eccn is not None:
        if item.kind in ("hbm_stack", "model_weights"):
            raise InputError(at + "base_eccn", f"not used for {item.kind}")
        if not _ECCN.match(item.base_eccn):
            raise InputError(at + "base_eccn", f"not an ECCN such as 5A992 (got {item.base_eccn!r})")


def parse_items(doc: Any, field: str = "items") -> list[Item]:
    """One item (a mapping) or a list of items; list entries are named ``items[i]``."""
    if isinstance(doc, list):
        if not doc:
            raise InputError(field, "the list is empty")
        return [parse_item(entry, field=f"{field}[{i}]") for i, entry in enumerate(doc)]
    if isinstance(doc, dict):
        return [parse_item(doc, field="item")]
    raise InputError(field, f"expected an item (mapping) or a list of items (got {type(doc).__name__})")


Contained.model_rebuild()
