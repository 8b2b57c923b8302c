"""A package party's date of birth, nationality and identifiers reach the screener as evidence."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from exportgate.packages import parse_package
from exportgate.packages.screening import screen_all
from exportgate.screen import ScreenResult

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


class _Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def screen(self, name: str, **kw: Any) -> ScreenResult:
        self.calls.append((name, kw))
        return ScreenResult(query=name, lists_as_of={"test": "2026-01-01"})


def test_party_evidence_is_passed_to_the_screener() -> None:
    path = sorted(EXAMPLES.glob("*.yaml"))[0]
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    party = doc["parties"][0]
    party.update(type="person", dob="1961-03-14", nationality="RU",
                 identifiers=[{"type": "passport", "value": "7203 456789"}])
    rec = _Recorder()
    screen_all(parse_package(doc), rec)
    name, kw = rec.calls[0]
    assert name == party["name"]
    assert kw["dob"] == "1961-03-14" and kw["nationality"] == "RU"
    assert kw["identifiers"] == ["passport: 7203 456789"]  # "KIND: VALUE", as the screener reads it
    # a party without such evidence passes none
    for _other, kw_other in rec.calls[1:]:
        assert not kw_other.get("dob") and not kw_other.get("identifiers") and not kw_other.get("nationality")
