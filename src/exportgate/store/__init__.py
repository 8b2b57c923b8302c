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

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

#: where each public name lives; imported on first use, so ``import exportgate.store`` (and every
#: command that does not touch the database) does not pay for SQLAlchemy and Alembic
_EXPORTS = {
    "AppendOnlyError": "audit",
    "AuditLog": "audit",
    "AuditRecord": "audit",
    "CountryYearTotal": "ledger",
    "EndUserYearTotal": "ledger",
    "EntryRow": "ledger",
    "Ledger": "ledger",
    "LedgerEntry": "ledger",
    "LedgerTotals": "ledger",
    "home": "db",
    "ledger_summary": "summary",
    "migrate": "db",
    "parse_result": "ledger",
    "resolve_url": "db",
}

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


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'exportgate.store' has no attribute {name!r}")
    return getattr(import_module(f"exportgate.store.{module}"), name)
