"""Restricted-party screening: the list snapshot and the matcher.

```python
from exportgate.screen import Screener, compare, ListSnapshot, load_active, load_embedded
screener = Screener()                      # load_active(), index built once (cached on disk)
res = screener.screen("Huawei Technologies", country="CN", type="entity")
res.matches[0].score, res.matches[0].explanation
compare("Huawei Technologies Co Ltd", "HUAWEI TECHNOLOGIES CO., LTD.")   # -> float in [0, 1]
```

The lists API (``ListSnapshot``, ``SourceInfo``, ``load_active``, ``load_embedded``) lives in
``exportgate.screen.lists`` and is re-exported here lazily.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from exportgate.screen.config import DEFAULT_CONFIG, MatchConfig
from exportgate.screen.screener import Match, Screener, ScreenResult, compare

if TYPE_CHECKING:
    from exportgate.screen.lists import ListSnapshot, SourceInfo, load_active, load_embedded

_LISTS_API = {"ListSnapshot", "SourceInfo", "load_active", "load_embedded"}

__all__ = [
    "DEFAULT_CONFIG",
    "ListSnapshot",
    "Match",
    "MatchConfig",
    "ScreenResult",
    "Screener",
    "SourceInfo",
    "compare",
    "load_active",
    "load_embedded",
]


def __getattr__(name: str) -> Any:
    # Lazy: exportgate.screen.lists imports exportgate.screen.model, so importing it here eagerly
    # would be circular; it also keeps `import exportgate.screen` cheap.
    if name in _LISTS_API:
        from exportgate.screen import lists

        return getattr(lists, name)
    raise AttributeError(f"module 'exportgate.screen' has no attribute {name!r}")
