"""Screening a file of parties (``exportgate screen-batch``): read CSV, JSON lines or Parquet rows in
partitions, screen them through :meth:`Screener.screen_many` on this machine's cores or a Dask cluster,
write one result per row.

```python
from exportgate.screen import Screener
from exportgate.screen.batch import BatchOptions, run_batch
summary = run_batch(BatchOptions(Path("parties.csv"), Path("screened.parquet"), workers=2), Screener())
summary.rows, summary.errors, summary.alerts, summary.rows_per_second

# small files, in memory:
from exportgate.screen.batch import read_rows, screen_rows, write_results
rows, columns = read_rows(Path("parties.csv"))          # InputError when the file cannot be read at all
results = screen_rows(Screener(), rows, threshold=None)  # one dict per row, status "ok" or "error"
write_results(results, Path("screened.parquet"))
```

Columns: ``name`` (required), ``country``, ``type``, ``dob``, ``nationality``, ``identifiers`` (one identifier, or in
JSON lines and Parquet a list or a mapping kind -> value) and ``id`` (the caller's row id, copied to the
output). A row that cannot be read or screened gets status ``error`` with the reason; it never stops the
batch, whatever the engine.

Modules: :mod:`~exportgate.screen.batch.readers` (rows and partitions), :mod:`~exportgate.screen.batch.rows`
(row -> result), :mod:`~exportgate.screen.batch.writers` (part files, the output put in place at once),
:mod:`~exportgate.screen.batch.worker` (one partition, in whatever process screens it),
:mod:`~exportgate.screen.batch.run` (a run: plan, resume, output in place),
:mod:`~exportgate.screen.batch.local_engine` (this machine's cores),
:mod:`~exportgate.screen.batch.dask_engine` (a Dask cluster; imports dask).
"""

from __future__ import annotations

from exportgate.screen.batch.readers import (
    INPUT_KINDS,
    InputPlan,
    Partition,
    Row,
    file_kind,
    input_kind,
    iter_rows,
    plan_input,
    read_partition,
    read_rows,
)
from exportgate.screen.batch.rows import (
    MATCH_FIELDS,
    MATCH_SUMMARY_LIMIT,
    OUTPUT_COLUMNS,
    ResultMemo,
    screen_chunk,
    screen_rows,
)
from exportgate.screen.batch.run import BatchInterrupted, BatchOptions, BatchSummary, run_batch
from exportgate.screen.batch.writers import csv_cell, output_kind, write_results

__all__ = [
    "INPUT_KINDS",
    "MATCH_FIELDS",
    "MATCH_SUMMARY_LIMIT",
    "OUTPUT_COLUMNS",
    "BatchInterrupted",
    "BatchOptions",
    "BatchSummary",
    "InputPlan",
    "Partition",
    "ResultMemo",
    "Row",
    "csv_cell",
    "file_kind",
    "input_kind",
    "iter_rows",
    "output_kind",
    "plan_input",
    "read_partition",
    "read_rows",
    "run_batch",
    "screen_chunk",
    "screen_rows",
    "write_results",
]
