"""Decision memos: render a package check result (``docs/design/memo.md``) as HTML, Markdown or PDF.

```python
from exportgate.reports import render, write_report
html: str = render(result, "html")        # "md" -> str, "pdf" -> bytes
write_report(result, Path("out/memo.pdf"))  # format from the suffix; temp file + os.replace
```
"""

from __future__ import annotations

from exportgate.reports.render import SUFFIXES, format_for, render, write_report
from exportgate.reports.view import FORMATS, VERDICTS, MemoView, build_view

__all__ = ["FORMATS", "SUFFIXES", "VERDICTS", "MemoView", "build_view", "format_for", "render", "write_report"]
