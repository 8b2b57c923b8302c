"""The shared strict base and error wording of every input schema (``exportgate.schema``)."""

from __future__ import annotations

import pytest
from pydantic import Field, ValidationError

from exportgate.schema import StrictModel, loc_path, plain_problem, problem


class _Probe(StrictModel):
    count: int = Field(gt=0)
    name: str


def _error(doc: dict[str, object]) -> dict[str, object]:
    with pytest.raises(ValidationError) as info:
        _Probe.model_validate(doc)
    return dict(info.value.errors()[0])


def test_loc_path() -> None:
    assert loc_path(("layers", "hardware", 2, "quantity")) == "layers.hardware[2].quantity"
    assert loc_path(("dense_tops", "fp16"), "item") == "item.dense_tops.fp16"
    assert loc_path((2, "tpp"), "items") == "items[2].tpp"
    assert loc_path(("item", "function-after[_check(), Item]", "tpp")) == "item.tpp"
    assert loc_path(()) == ""


def test_strict_model_forbids_unknown_fields_and_is_frozen() -> None:
    err = _error({"count": 1, "name": "x", "colour": "red"})
    assert loc_path(err["loc"]) == "colour"  # type: ignore[arg-type]
    assert problem(err) == plain_problem(err) == "unknown field"
    probe = _Probe(count=1, name="x")
    with pytest.raises(ValidationError):
        probe.count = 2


def test_two_wordings() -> None:
    err = _error({"count": 0, "name": "x"})
    assert plain_problem(err) == "must be > 0"
    assert problem(err) == "input should be greater than 0 (got 0)"
    missing = _error({"count": 1})
    assert plain_problem(missing) == "required" and problem(missing) == "required field missing"
