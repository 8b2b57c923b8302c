"""Regenerate src/exportgate/rules/data/country_groups.yaml from ../shared/reference/country-groups.csv.

Developer tool only (the product never reads ../shared). The CSV is the eCFR table of Supp. No. 1 to
Part 740 as of 2026-09-24 plus three dated historical rows. Dated changes that the CSV does not carry
as rows (the UAE's move to A:5, Cambodia leaving D:5) are encoded from the fact sheet's change log.
"""

from __future__ import annotations

import csv
import sys
from collections import defaultdict
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT.parent / "shared" / "reference" / "country-groups.csv"
OUT = ROOT / "src" / "exportgate" / "rules" / "data" / "country_groups.yaml"

REGIME_START = "2022-10-07"
TABLE_CITATION = {
    "cfr": "15 CFR Part 740, Supp. No. 1 (Country Groups)",
    "note": "eCFR table as read 2026-09-24; membership assumed unchanged since 2022-10-07 unless a dated change is recorded",
}
GROUP_DESCRIPTIONS = {
    "A:1": "Wassenaar Arrangement participating states (except Malta, Russia, Ukraine)",
    "A:2": "Missile Technology Control Regime (except Russia)",
    "A:3": "Australia Group",
    "A:4": "Nuclear Suppliers Group (except PRC, Russia, Belarus)",
    "A:5": "BIS-defined group A:5",
    "A:6": "BIS-defined group A:6",
    "B": "Country Group B (explicit list)",
    "D:1": "National security",
    "D:2": "Nuclear",
    "D:3": "Chemical and biological weapons",
    "D:4": "Missile technology",
    "D:5": "US arms embargoed countries (the State Department list, 22 CFR 126.1, controls where it differs)",
    "E:1": "Terrorist supporting countries",
    "E:2": "Unilateral embargo",
}

# Dated changes not carried as rows of the CSV (fact sheet §3 and §7).
START_OVERRIDE = {
    # The UAE entered A:5 with the July 2026 rule; exact date unverified (fact sheet §2.11, §7).
    ("AE", "A:5"): ("2026-07-10", {"cfr": "15 CFR Part 740, Supp. No. 1", "fr": "91 FR 43038",
                                    "note": "UAE moved to A:5 by the July 2026 rule; exact effective date "
                                            "unverified (2026-07-10/14)"},
                    "unverified"),
}
HISTORICAL_END = {
    # (country, group) -> (end date inclusive, citation, verification)
    ("AE", "D:3"): ("2026-07-09", {"cfr": "15 CFR Part 740, Supp. No. 1", "fr": "91 FR 43038",
                                    "note": "UAE removed from the D table by the July 2026 rule; prior membership from memory"},
                    "unverified"),
    ("AE", "D:4"): ("2026-07-09", {"cfr": "15 CFR Part 740, Supp. No. 1", "fr": "91 FR 43038",
                                    "note": "UAE removed from the D table by the July 2026 rule; prior membership from memory"},
                    "unverified"),
    ("KH", "D:5"): ("2025-11-06", {"cfr": "15 CFR Part 740, Supp. No. 1, Note to D:5; 22 CFR 126.1",
                                    "note": "State removed Cambodia from ITAR 126.1 effective 2025-11-07 (the D:5 note makes the "
                                            "State list control); BIS conforming rule 2026-02-03"},
                    "secondary"),
}


class _NoAliasDumper(yaml.SafeDumper):
    def ignore_aliases(self, data: object) -> bool:
        return True


def main() -> int:
    if not SRC.exists():
        print(f"missing {SRC}", file=sys.stderr)
        return 1
    countries: dict[str, str] = {}
    members: dict[str, list[dict[str, object]]] = defaultdict(list)
    with SRC.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            cc, name, group, source = row["iso2"], row["country"], row["group"], row["source"]
            countries[cc] = name
            entry: dict[str, object] = {"country": cc, "start": REGIME_START}
            if source.startswith("HISTORICAL"):
                end, citation, verification = HISTORICAL_END[(cc, group)]
                entry["end"] = end
                entry["citation"] = citation
                entry["verification"] = verification
            elif (cc, group) in START_OVERRIDE:
                start, citation, verification = START_OVERRIDE[(cc, group)]
                entry["start"] = start
                entry["citation"] = citation
                entry["verification"] = verification
            else:
                entry["verification"] = "verified"
            members[group].append(entry)
    countries["HK"] = "Hong Kong"
    doc = {
        "countries": dict(sorted(countries.items())),
        "treated_as": {
            "HK": {
                "country": "CN",
                "start": "2020-12-23",
                "citation": {"fr": "85 FR 83765",
                             "note": "Hong Kong treated as China for all EAR purposes; has no row in the Country Group tables"},
                "verification": "unverified",
            }
        },
        "groups": {
            g: {
                "description": GROUP_DESCRIPTIONS[g],
                "citation": TABLE_CITATION,
                "members": sorted(members[g], key=lambda m: (str(m["country"]), str(m["start"]))),
            }
            for g in sorted(members)
        },
    }
    header = ("# Country Groups of Supp. No. 1 to 15 CFR Part 740, with dated membership changes.\n"
              "# Generated by tools/gen_country_groups.py from the eCFR table as of 2026-09-24 (see PROVENANCE.md).\n")
    OUT.write_text(header + yaml.dump(doc, Dumper=_NoAliasDumper, sort_keys=False, allow_unicode=True, width=120), encoding="utf-8")
    print(f"wrote {OUT}: {len(countries)} countries, {sum(len(v) for v in members.values())} memberships")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
