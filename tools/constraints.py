"""Write ``constraints.txt``: the versions installed here of exportgate's dependencies and theirs (the
closure of ``pip install exportgate[fast]``), as ``pip freeze`` pins them: the versions the test suite ran
with. Install a service with them: ``pip install -c constraints.txt 'exportgate[fast]'``.

``make constraints`` runs it (in the development environment, after ``make test``).
"""

from __future__ import annotations

import re
import sys
from importlib import metadata

from packaging.requirements import Requirement

ROOT = "exportgate"
EXTRAS = ("fast",)


def _key(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def closure(root: str = ROOT, extras: tuple[str, ...] = EXTRAS) -> dict[str, str]:
    """{distribution name: installed version} for everything ``root[extras]`` needs on this platform."""
    found: dict[str, str] = {}
    seen: set[tuple[str, tuple[str, ...]]] = set()
    todo: list[tuple[str, tuple[str, ...]]] = [(root, extras)]
    while todo:
        name, wanted = todo.pop()
        if (_key(name), wanted) in seen:
            continue
        seen.add((_key(name), wanted))
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue  # a dependency for another platform or Python
        found[_key(dist.metadata["Name"])] = dist.version
        for line in dist.requires or []:
            req = Requirement(line)
            envs = [{"extra": e} for e in wanted] or [{"extra": ""}]
            if req.marker is not None and not any(req.marker.evaluate(env) for env in envs):
                continue
            todo.append((req.name, tuple(sorted(req.extras))))
    found.pop(_key(root), None)
    return dict(sorted(found.items()))


def main() -> int:
    pins = closure()
    print("# The versions exportgate's tests ran with (`make constraints`); "
          "install with: pip install -c constraints.txt 'exportgate[fast]'")
    for name, version in pins.items():
        print(f"{name}=={version}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
