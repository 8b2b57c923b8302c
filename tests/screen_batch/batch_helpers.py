"""Helpers for the screen-batch tests: files of parties made here (deterministic), the command run in a
subprocess as a user runs it."""

from __future__ import annotations

import csv
import os
import random
import subprocess
import sys
from pathlib import Path

LISTED = [
    "Bank Melli Iran", "BANK MELI IRAN", "Rosneft", "Huawei Technologies Co., Ltd.", "Vladimir Putin",
    "Mahan Air", "Sberbank of Russia", "Almaz JSC", "Tactical Missiles Corporation",
]  # fmt: skip
SYLLABLES = ["ka", "ro", "vel", "min", "sa", "tor", "lu", "den", "fi", "mar", "qu", "zh", "ang", "ber", "os", "ti"]
FORMS = ["LLC", "GmbH", "Ltd", "Trading Co", "S.A.", "Holdings", ""]


def party_rows(n: int, seed: int = 17) -> list[list[str]]:
    """``n`` rows (id, name, country, type): ordinary made-up names, listed names (about 3%), repeats and
    a few rows that cannot be screened."""
    rng = random.Random(seed)
    rows: list[list[str]] = []
    for i in range(n):
        r = rng.random()
        if r < 0.03:
            name = rng.choice(LISTED)
        elif r < 0.05:
            name = ""  # an error row: no name
        elif r < 0.15 and rows:
            name = rng.choice(rows)[1]  # a repeat
        else:
            words = ["".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).title() for _ in range(2)]
            name = " ".join([*words, rng.choice(FORMS)]).strip()
        rows.append([f"r{i}", name, rng.choice(["", "US", "DE", "IR", "CN"]), rng.choice(["", "entity"])])
    return rows


def write_parties(path: Path, n: int, seed: int = 17) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "name", "country", "type"])
        w.writerows(party_rows(n, seed))
    return path


def cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``exportgate ARGS`` in a new process (the test run's home and cache: see tests/conftest.py)."""
    return subprocess.run(
        [sys.executable, "-m", "exportgate", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=dict(os.environ),
    )


def start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "exportgate", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
    )
