"""The compute landscape: who holds the world's compute, from every TOP500 list since June 1993.

```python
from exportgate import landscape
p = landscape.profile("AE")                  # the destination profile (latest list)
landscape.profile("AE", as_of=date(2025, 3, 1))  # what a memo as of that day shows (2024-11)
p.standing.systems, p.standing.rmax_pct, p.five_years, p.summary
landscape.profile("CN", edition="2018-11")   # on one list
landscape.countries("2018-11", top=10)       # every country on one list
landscape.country("KR").editions             # one country on every list
landscape.compare(["US", "CN"]).lead_changes
```

Every view works offline on the per-country facts shipped with the package (``data/top500``); to show
the editions imported with ``exportgate landscape import`` instead, pass ``facts=`` from
``exportgate.store.top500.load_facts("auto" | "db", db_url)`` (the store is a layer above this pure one,
which the package check's memo also uses). See ``docs/usage/landscape.md``.

The names are imported lazily so that ``import exportgate.cli`` does not pay for them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from exportgate.landscape.facts import CountryFacts, Facts, shipped_facts
    from exportgate.landscape.views import (
        Comparison,
        CountryHistory,
        EditionTable,
        LeadChange,
        Profile,
        Standing,
        Trend,
        compare,
        countries,
        country,
        profile,
    )

__all__ = [
    "Comparison",
    "CountryFacts",
    "CountryHistory",
    "EditionTable",
    "Facts",
    "LeadChange",
    "Profile",
    "Standing",
    "Trend",
    "compare",
    "countries",
    "country",
    "profile",
    "shipped_facts",
]
_FACTS = ("CountryFacts", "Facts", "shipped_facts")


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module 'exportgate.landscape' has no attribute {name!r}")
    if name in _FACTS:
        from exportgate.landscape import facts

        return getattr(facts, name)
    from exportgate.landscape import views

    return getattr(views, name)
