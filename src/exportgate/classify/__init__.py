"""Classification of AI hardware and model weights under the CCL (3A090, 4A090, 3A991.p, 4A994.l,
.z, 4E091), as of a date and in a mode, with reasons and citations. See ``docs/usage/classify.md``."""

from exportgate.classify.catalog import (
    CatalogEntry,
    catalog_changes,
    catalog_entries,
    catalog_item,
    catalog_names,
    classification_label,
    classify_entry,
    find_entry,
)
from exportgate.classify.engine import STRICTNESS, classify, performance
from exportgate.classify.model import KINDS, PRECISIONS, Classification, Contained, Item, parse_item, parse_items

__all__ = [
    "KINDS",
    "PRECISIONS",
    "STRICTNESS",
    "CatalogEntry",
    "Classification",
    "Contained",
    "Item",
    "catalog_changes",
    "catalog_entries",
    "catalog_item",
    "catalog_names",
    "classification_label",
    "classify",
    "classify_entry",
    "find_entry",
    "parse_item",
    "parse_items",
    "performance",
]
