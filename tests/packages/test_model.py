"""The package file: schema validation reports every error at once, each with its path in the file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from exportgate.errors import InputErrors
from exportgate.io import read_document
from exportgate.packages import package_json_schema, parse_package
from exportgate.packages.model import LAYER_KEYS


def _errors(doc: Any) -> list[str]:
    with pytest.raises(InputErrors) as info:
        parse_package(doc)
    return [str(e) for e in info.value.errors]


def test_valid_package_parses(doc: dict[str, Any]) -> None:
    pkg = parse_package(doc)
    assert pkg.destinations == ["JP"]
    assert pkg.layers.hardware[0].eccn == "EAR99"
    assert pkg.consortium[0].role.value == "anchor"


def test_every_error_is_reported_with_its_path(doc: dict[str, Any]) -> None:
    doc["layers"]["hardware"] += [
        {"description": "a", "quantity": 2, "value": 1, "eccn": "EAR99"},
        {"description": "b", "quantity": 0, "value": -5, "eccn": "EAR99"},
    ]
    doc["layers"]["models"][0]["us_content_share"] = 1.5
    doc["destinations"] = []
    doc["parties"][0]["role"] = "buyer"
    del doc["name"]
    errors = _errors(doc)
    assert "layers.hardware[2].quantity: must be > 0" in errors
    assert "layers.hardware[2].value: must be >= 0" in errors
    assert "layers.models[0].us_content_share: must be <= 1" in errors
    assert "destinations: must not be empty" in errors
    assert "name: required" in errors
    assert any(e.startswith("parties[0].role: must be one of") for e in errors)
    assert len(errors) == 6


def test_line_needs_exactly_one_basis_reported_with_other_errors(doc: dict[str, Any]) -> None:
    doc["layers"]["security"] = [
        {"description": "nothing", "quantity": -1, "value": 1},
        {"description": "two", "quantity": 1, "value": 1, "eccn": "EAR99", "catalog": "NVIDIA B200"},
    ]
    errors = _errors(doc)
    assert "layers.security[0]: give exactly one of item, catalog, eccn, model_weights" in errors
    assert "layers.security[0].quantity: must be > 0" in errors
    assert "layers.security[1]: give exactly one of item, catalog, eccn, model_weights (got catalog, eccn)" in errors


def test_unknown_field_and_bad_date(doc: dict[str, Any]) -> None:
    doc["layers"]["hardware"][0]["colour"] = "red"
    doc["date"] = "2026-13-40"
    doc["layers"]["widgets"] = []
    errors = _errors(doc)
    assert "layers.hardware[0].colour: unknown field" in errors
    assert "layers.widgets: unknown field" in errors
    assert any(e.startswith("date: ") for e in errors)


def test_not_a_mapping() -> None:
    assert _errors(["a"]) == ["package: must be a mapping (YAML/JSON object)"]


def test_json_schema_is_generated_from_the_model() -> None:
    schema = package_json_schema()
    json.dumps(schema)
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert set(schema["required"]) >= {"name", "date", "destinations"}
    layers = schema["$defs"]["Layers"]["properties"]
    assert set(LAYER_KEYS) <= set(layers)
    line = schema["$defs"]["Line"]
    assert line["properties"]["quantity"]["exclusiveMinimum"] == 0
    assert {"required": ["eccn"]} in line["oneOf"]
    assert line["additionalProperties"] is False


def test_examples_match_the_json_schema() -> None:
    """The published schema accepts every example (checked with the schema itself, not only pydantic)."""
    examples = Path(__file__).resolve().parents[2] / "examples"

    import jsonschema  # here, not at collection: only these two tests use it

    schema = package_json_schema()
    for path in sorted(examples.glob("*.yaml")):
        # read as exportgate reads package files (only true/false are booleans: `on:` is a key)
        data = json.loads(json.dumps(read_document(str(path)), default=str))
        jsonschema.validate(data, schema)


def test_json_schema_is_a_valid_draft_2020_12_schema_and_rejects_bad_packages(doc: dict[str, Any]) -> None:
    import jsonschema

    schema = package_json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    assert not list(validator.iter_errors(json.loads(json.dumps(doc))))
    doc["layers"]["hardware"][0]["quantity"] = 0
    doc["layers"]["hardware"][0]["catalog"] = "NVIDIA B200"  # two bases
    errors = list(validator.iter_errors(doc))
    assert len(errors) >= 2
