"""Restricted-party lists: loaders for the official formats, the embedded snapshot, updates.

Public API (re-exported from ``exportgate.screen``)::

    snap = load_active()        # the active updated version, else the embedded snapshot
    snap = load_embedded()      # the snapshot shipped in exportgate/data/lists
    snap.entities               # list[ListedEntity]
    snap.sources                # dict[list key, SourceInfo(key, title, as_of, count, files, sha256, origin, notes)]
    snap.lists_as_of()          # {list key: ISO date}
    staleness(snap.lists_as_of(), date.today(), rules)   # lists older than their publication interval

List keys: ofac_sdn, ssi, plc, fse, capta, ns_mbs, cmic, ofac_cons (other Non-SDN programs),
entity_list, meu, uvl, dpl, isn, itar_debarred (and ftm for FollowTheMoney files a user loads).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from exportgate.screen.lists.snapshot import ListSnapshot, SourceInfo
from exportgate.screen.lists.store import load_active, load_embedded, update

if TYPE_CHECKING:
    from exportgate.screen.lists.csl import load_csv as load_csl_csv
    from exportgate.screen.lists.csl import load_json as load_csl_json
    from exportgate.screen.lists.enhanced_xml import load_enhanced_xml
    from exportgate.screen.lists.ftm import load_ftm
    from exportgate.screen.lists.ofac_csv import load_legacy as load_ofac_csv
    from exportgate.screen.lists.stale import Stale, staleness

# The parsers (and the staleness check, which reads the rule data), imported when first asked for: screening
# from the cache needs none of them.
_LOADERS = {
    "load_csl_csv": ("csl", "load_csv"),
    "load_csl_json": ("csl", "load_json"),
    "load_enhanced_xml": ("enhanced_xml", "load_enhanced_xml"),
    "load_ftm": ("ftm", "load_ftm"),
    "load_ofac_csv": ("ofac_csv", "load_legacy"),
    "Stale": ("stale", "Stale"),
    "staleness": ("stale", "staleness"),
}

__all__ = [
    "ListSnapshot",
    "SourceInfo",
    "Stale",
    "load_active",
    "load_csl_csv",
    "load_csl_json",
    "load_embedded",
    "load_enhanced_xml",
    "load_ftm",
    "load_ofac_csv",
    "staleness",
    "update",
]


def __getattr__(name: str) -> Any:
    found = _LOADERS.get(name)
    if found is None:
        raise AttributeError(f"module 'exportgate.screen.lists' has no attribute {name!r}")
    module, attr = found
    return getattr(import_module(f"exportgate.screen.lists.{module}"), attr)
