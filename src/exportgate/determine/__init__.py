"""Licence determination: no licence required, a licence exception (with its conditions), a licence
(under which review policy), prohibited without authorization, or a hold for red flags — on a date, in
a mode, with the chain of rules applied. See ``docs/usage/determine.md``."""

from exportgate.determine.allocation import TppLedger
from exportgate.determine.compare import Comparison, compare
from exportgate.determine.engine import determine, determine_classified
from exportgate.determine.item import facts_of
from exportgate.determine.model import (
    STATUSES,
    Case,
    Determination,
    ItemFacts,
    Operative,
    Requirement,
    UncoveredClassification,
    parse_case,
    red_flag_catalogue,
)

__all__ = [
    "STATUSES",
    "Case",
    "Comparison",
    "Determination",
    "ItemFacts",
    "Operative",
    "Requirement",
    "TppLedger",
    "UncoveredClassification",
    "compare",
    "determine",
    "determine_classified",
    "facts_of",
    "parse_case",
    "red_flag_catalogue",
]
