"""Per-country facts of each list — what every landscape view is computed from.

For each edition and country: systems on the list, their summed Rmax and Rpeak (TFlop/s), systems in
the top 10 and the best rank. The package ships these facts for every list of 1993-06..2026-06
(``exportgate/data/top500/country_facts.csv.gz``, see its PROVENANCE.md), because the lists themselves
are TOP500.org's and not ours to redistribute; a user who imports their own copies of the lists
(``exportgate landscape import``) gets the same facts computed from the database, and those win for the
editions imported (``exportgate.store.top500.load_facts``: the store is a layer above this one).
"""

from __future__ import annotations

import csv
import gzip
import io
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Protocol

from exportgate.errors import InputError, RuleDataError
from exportgate.landscape.editions import edition_out, parse_edition

SHIPPED = Path(__file__).resolve().parent.parent / "data" / "top500" / "country_facts.csv.gz"
FIELDS = ("edition", "country", "systems", "rmax_tflops", "rpeak_tflops", "top10", "best_rank")
#: systems per list and the size of its top group
LIST_SIZE = 500
TOP = 10
#: decimals kept for TFlop/s in the shipped file (1 MFlop/s: every Rmax TOP500 publishes is exact at this)
DECIMALS = 6

@dataclass(frozen=True)
class CountryFacts:
    """One country in one list."""

    edition: str
    country: str
    systems: int
    rmax_tflops: float
    rpeak_tflops: float
    top10: int
    best_rank: int


class _Ranked(Protocol):
    @property
    def rank(self) -> int: ...
    @property
    def country(self) -> str: ...
    @property
    def rmax_tflops(self) -> float: ...
    @property
    def rpeak_tflops(self) -> float: ...


def facts_of(edition: str, rows: Iterable[_Ranked]) -> list[CountryFacts]:
    """The per-country facts of one list's rows, by country code."""
    groups: dict[str, list[_Ranked]] = {}
    for row in rows:
        groups.setdefault(row.country, []).append(row)
    return [
        CountryFacts(
            edition=edition,
            country=country,
            systems=len(members),
            rmax_tflops=round(math.fsum(r.rmax_tflops for r in members), DECIMALS),
            rpeak_tflops=round(math.fsum(r.rpeak_tflops for r in members), DECIMALS),
            top10=sum(1 for r in members if r.rank <= TOP),
            best_rank=min(r.rank for r in members),
        )
        for country, members in sorted(groups.items())
    ]


def check_edition(edition: str, facts: Iterable[CountryFacts], where: str) -> None:
    """The facts of one list must add up to a whole list (500 systems, 10 in the top 10)."""
    facts = list(facts)
    systems = sum(f.systems for f in facts)
    top10 = sum(f.top10 for f in facts)
    if systems != LIST_SIZE or top10 != TOP:
        raise RuleDataError(f"{where}: {edition} adds up to {systems} systems and {top10} in the top 10, "
                            f"not {LIST_SIZE} and {TOP}")


def write_facts(path: Path, facts: Iterable[CountryFacts]) -> None:
    """Write facts as gzipped CSV, sorted, byte-for-byte reproducible (no time stamp in the gzip header)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(FIELDS)
    for f in sorted(facts, key=lambda f: (f.edition, f.country)):
        writer.writerow([f.edition, f.country, f.systems, f"{f.rmax_tflops:.{DECIMALS}f}",
                         f"{f.rpeak_tflops:.{DECIMALS}f}", f.top10, f.best_rank])
    path.write_bytes(gzip.compress(buffer.getvalue().encode("utf-8"), mtime=0))


def read_facts(path: Path = SHIPPED) -> dict[str, tuple[CountryFacts, ...]]:
    """The facts in a file written by :func:`write_facts`, checked, by edition."""
    try:
        text = gzip.decompress(path.read_bytes()).decode("utf-8")
    except (OSError, EOFError) as exc:
        raise RuleDataError(f"{path.name}: cannot be read ({exc})") from None
    reader = csv.DictReader(io.StringIO(text))
    if tuple(reader.fieldnames or ()) != FIELDS:
        raise RuleDataError(f"{path.name}: columns must be {', '.join(FIELDS)}")
    by_edition: dict[str, list[CountryFacts]] = {}
    for n, row in enumerate(reader, start=2):
        try:
            fact = CountryFacts(
                edition=parse_edition(row["edition"]),
                country=row["country"],
                systems=int(row["systems"]),
                rmax_tflops=float(row["rmax_tflops"]),
                rpeak_tflops=float(row["rpeak_tflops"]),
                top10=int(row["top10"]),
                best_rank=int(row["best_rank"]),
            )
        except (ValueError, InputError) as exc:
            raise RuleDataError(f"{path.name}: line {n}: {exc}") from None
        by_edition.setdefault(fact.edition, []).append(fact)
    for edition, facts in by_edition.items():
        check_edition(edition, facts, path.name)
    return {e: tuple(f) for e, f in sorted(by_edition.items())}


@dataclass(frozen=True)
class Facts:
    """The facts the views read: by edition, each edition from the shipped file or from the database."""

    by_edition: Mapping[str, tuple[CountryFacts, ...]]
    sources: Mapping[str, str]  # edition -> "shipped" | "database"

    @property
    def editions(self) -> list[str]:
        return sorted(self.by_edition)

    @property
    def latest(self) -> str:
        if not self.by_edition:
            raise InputError("edition", "no TOP500 edition is available")
        return self.editions[-1]

    def edition(self, edition: str | None, field: str = "--edition") -> str:
        """``edition`` checked to be available (the latest when None)."""
        if edition is None:
            return self.latest
        chosen = parse_edition(edition, field)
        if chosen not in self.by_edition:
            first, last = self.editions[0], self.editions[-1]
            raise InputError(field, f"no facts for {chosen}: the editions available are {first}..{last} "
                             "(import a newer list with `exportgate landscape import`)")
        return chosen

    def out_by(self, day: date) -> str:
        """The latest edition published by ``day``: a list counts from the first day of the month after its
        own (June lists have come out from late May to late June, November lists mid-month), so a replay as
        of a past day never shows a list that did not exist yet."""
        out = [e for e in self.editions if edition_out(e) <= day]
        if not out:
            raise InputError("as_of", f"no TOP500 list had been published by {day.isoformat()} "
                             f"(the first available is {self.editions[0] if self.editions else 'none'})")
        return out[-1]

    def of(self, edition: str) -> tuple[CountryFacts, ...]:
        return self.by_edition[edition]


@lru_cache(maxsize=1)
def shipped_facts() -> Facts:
    """The facts shipped with the package (read once per process): what every view and the memo's
    destination profile use unless given the facts of a database (``exportgate.store.top500.load_facts``)."""
    by_edition = read_facts()
    return Facts(by_edition, dict.fromkeys(by_edition, "shipped"))
