"""Build ``src/exportgate/data/top500/country_facts.csv.gz`` from the TOP500 list workbooks.

Run by hand when a new list is added (the product never reads ``../shared``)::

    .venv/bin/python tools/build_landscape_facts.py ../shared/data/top500/lists

Only per-country facts leave the lists (systems, summed Rmax and Rpeak, systems in the top 10, best
rank, per edition); the file is byte-for-byte reproducible, and ``tests/landscape`` recomputes it from
the lists and compares.
"""

from __future__ import annotations

import sys
from pathlib import Path

from exportgate.landscape.facts import SHIPPED, facts_of, write_facts
from exportgate.landscape.reader import read_list


def main(folder: str) -> None:
    files = sorted(p for p in Path(folder).iterdir() if p.suffix.lower() in (".xls", ".xlsx"))
    facts = []
    for path in files:
        edition = read_list(path)
        facts += facts_of(edition.edition, edition.rows)
        print(f"{edition.edition}  {path.name}  {len(edition.rows)} rows", file=sys.stderr)
    write_facts(SHIPPED, facts)
    print(f"{SHIPPED}: {len(facts)} rows from {len(files)} lists", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1])
