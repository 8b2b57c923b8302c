"""Run every benchmark: ``python -m bench [--quick] [NAME ...]``."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
import time
from pathlib import Path


def discover() -> list[str]:
    here = Path(__file__).resolve().parent
    return sorted(m.name for m in pkgutil.iter_modules([str(here)]) if not m.name.startswith("_"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("names", nargs="*", help="benchmarks to run (default: all)")
    parser.add_argument("--quick", action="store_true", help="smaller samples (a quick check, not the record)")
    args = parser.parse_args(argv)
    names = args.names or discover()
    status = 0
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        run = getattr(module, "main", None)
        if run is None:
            continue
        print(f"== bench.{name}", flush=True)
        start = time.perf_counter()
        rc = int(run(quick=args.quick) or 0)
        print(f"== bench.{name} finished in {time.perf_counter() - start:.1f} s (rc={rc})", flush=True)
        status = status or rc
    return status


if __name__ == "__main__":
    sys.exit(main())
