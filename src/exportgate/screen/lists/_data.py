"""Access to the list configuration data shipped in ``exportgate/data/lists`` (no rules in code)."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any


def data_dir() -> Path:
    """The directory of the embedded list snapshot and its configuration files."""
    return Path(str(resources.files("exportgate.data.lists")))


@lru_cache(maxsize=1)
def config() -> dict[str, Any]:
    """``sources.yaml``: list keys, CSL source mapping, program mapping, download URLs, validation."""
    return _load_yaml("sources.yaml")


@lru_cache(maxsize=1)
def footnote_rules() -> dict[str, Any]:
    return _load_yaml("footnotes.yaml")


def _load_yaml(name: str) -> dict[str, Any]:
    import yaml  # only when lists are parsed or updated: a warm start reads the cache (no YAML import)

    with (data_dir() / name).open(encoding="utf-8") as fh:
        doc: dict[str, Any] = yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return doc


@lru_cache(maxsize=1)
def countries() -> dict[str, Any]:
    with (data_dir() / "countries.json").open(encoding="utf-8") as fh:
        doc: dict[str, Any] = json.load(fh)
    return doc


def list_title(key: str) -> str:
    entry = config()["lists"].get(key)
    return str(entry["title"]) if entry else key
