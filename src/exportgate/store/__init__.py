"""The store: the compute ledger and the append-only audit log (SQLAlchemy 2.0 + Alembic).

```python
from exportgate.store import Ledger
ledger = Ledger.open()            # SQLite at EXPORTGATE_HOME/exportgate.db, or EXPORTGATE_DB_URL, or a URL
ledger.record(result, approved_by="...")       # one approved package check result
ledger.totals(country="AE", year=2026, as_of=date(2026, 12, 31)).per_country
```
See ``docs/usage/ledger.md``.
"""

from __future__ import annotations

from exportgate.store.audit import AppendOnlyError, AuditLog, AuditRecord
from exportgate.store.db import home, migrate, resolve_url
from exportgate.store.ledger import (
    CountryYearTotal,
    EndUserYearTotal,
    EntryRow,
    Ledger,
    LedgerEntry,
    LedgerTotals,
    parse_result,
)
from exportgate.store.summary import ledger_summary

__all__ = [
    "AppendOnlyError",
    "AuditLog",
    "AuditRecord",
    "CountryYearTotal",
    "EndUserYearTotal",
    "EntryRow",
    "Ledger",
    "LedgerEntry",
    "LedgerTotals",
    "home",
    "ledger_summary",
    "migrate",
    "parse_result",
    "resolve_url",
]
