"""Full-stack AI export packages (EO 14320, the American AI Exports Program): the package file, its
completeness, and the check that classifies, screens and determines every line for every destination and
end user and gives one verdict.

```python
from exportgate.packages import load_package, check_package, check_document, package_json_schema
loaded = load_package("examples/01-japan-sovereign-cloud.yaml")   # InputErrors listing every problem
memo = check_package(loaded, as_of=None, mode=Mode.ENFORCED)     # Memo (pydantic; docs/design/memo.md)
memo.verdict, memo.exit_code, memo.to_json()                     # the memo document as JSON data
```
"""

from __future__ import annotations

from datetime import date
from typing import Any

from exportgate.packages.compute import LedgerView, StaticLedger
from exportgate.packages.memo import EXIT_CODES, MEMO_FORMATS, VERDICT_ORDER, Memo, content_hash
from exportgate.packages.model import (
    LAYER_KEYS,
    LoadedPackage,
    Package,
    load_package,
    package_json_schema,
    parse_package,
)
from exportgate.packages.vetting import check_package
from exportgate.rules import Mode
from exportgate.settings import Limits


def check_document(
    doc: Any,
    as_of: date | None = None,
    mode: Mode = Mode.ENFORCED,
    screener: Any | None = None,
    ledger: LedgerView | None = None,
    lim: Limits | None = None,
) -> dict[str, Any]:
    """Check a package given as a parsed document (API, web): the memo document as a dict."""
    import hashlib
    import json

    pkg = parse_package(doc, lim)
    digest = hashlib.sha256(json.dumps(doc, sort_keys=True, default=str).encode()).hexdigest()
    loaded = LoadedPackage(package=pkg, source_file="<request>", source_sha256=digest)
    return check_package(loaded, as_of, mode, screener=screener, ledger=ledger).to_json()


__all__ = [
    "EXIT_CODES",
    "LAYER_KEYS",
    "MEMO_FORMATS",
    "VERDICT_ORDER",
    "LedgerView",
    "LoadedPackage",
    "Memo",
    "Package",
    "StaticLedger",
    "check_document",
    "check_package",
    "content_hash",
    "load_package",
    "package_json_schema",
    "parse_package",
]
