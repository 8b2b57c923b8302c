"""Restricted-party lists: loaders for the official formats, the embedded snapshot, updates.

Public API (re-exported from ``exportgate.screen``)::

    snap = load_active()        # the active updated version, else the embedded snapshot
    snap = load_embedded()      # the snapshot shipped in exportgate/data/lists
    snap.entities               # list[ListedEntity]
    snap.sources                # dict[list key, SourceInfo(key, title, as_of, count, files, sha256, origin, notes)]
    snap.lists_as_of()          # {list key: ISO date}

List keys: ofac_sdn, ssi, plc, fse, capta, ns_mbs, cmic, ofac_cons (other Non-SDN programs),
entity_list, meu, uvl, dpl, isn, itar_debarred (and ftm for FollowTheMoney files a user loads).
"""

from exportgate.screen.lists.csl import load_csv as load_csl_csv
from exportgate.screen.lists.csl import load_json as load_csl_json
from exportgate.screen.lists.enhanced_xml import load_enhanced_xml
from exportgate.screen.lists.ftm import load_ftm
from exportgate.screen.lists.ofac_csv import load_legacy as load_ofac_csv
from exportgate.screen.lists.snapshot import ListSnapshot, SourceInfo
from exportgate.screen.lists.store import load_active, load_embedded, update

__all__ = [
    "ListSnapshot",
    "SourceInfo",
    "load_active",
    "load_csl_csv",
    "load_csl_json",
    "load_embedded",
    "load_enhanced_xml",
    "load_ftm",
    "load_ofac_csv",
    "update",
]
