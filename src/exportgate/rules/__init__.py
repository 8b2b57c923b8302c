"""Rules as dated data: thresholds, country groups and policies, each value with its dates and citation.

Usage::

    from exportgate.rules import load_rules, Mode
    rules = load_rules()
    rules.value("ccl.3a090.a.1.tpp_min", date(2024, 1, 1), Mode.ENFORCED)
    day = rules.at(date(2024, 1, 1), Mode.ENFORCED)   # memoised snapshot of one date and mode
    trace = day.trace()                                 # records the keys consulted, reasons, citations
"""

from exportgate.rules.model import Change, Citation, Mode, Resolved, Verification
from exportgate.rules.ruleset import DATA_DIR, NotInForce, RuleSet, UnknownParameter, load_rules
from exportgate.rules.snapshot import RulesAt, Trace

__all__ = [
    "DATA_DIR",
    "Change",
    "Citation",
    "Mode",
    "NotInForce",
    "Resolved",
    "RuleSet",
    "RulesAt",
    "Trace",
    "UnknownParameter",
    "Verification",
    "load_rules",
]
