"""The served OpenAPI document is current, valid, and lists exactly the deployed routes."""

from __future__ import annotations

import json

from openapi_spec_validator import validate

from infra.openapi import DOCUMENT, render
from infra.template import load_template, resources_of_type

DOCUMENTED_FUNCTIONS = {"CollectorFunction", "QueryFunction", "ReportFunction"}


def document() -> dict:
    return json.loads(DOCUMENT.read_text(encoding="utf-8"))


def test_committed_document_is_current() -> None:
    assert DOCUMENT.read_text(encoding="utf-8") == render(), "run: .venv/bin/python -m infra.openapi"


def test_document_is_valid_openapi() -> None:
    validate(document())


def test_document_lists_the_template_routes() -> None:
    template_routes = {
        (event["Properties"]["Method"].lower(), event["Properties"]["Path"])
        for logical_id, props in resources_of_type(load_template(), "AWS::Serverless::Function").items()
        if logical_id in DOCUMENTED_FUNCTIONS
        for event in props.get("Events", {}).values()
        if event["Type"] == "HttpApi" and event["Properties"]["Path"] != "$default"
    }
    documented = {(method, path) for path, ops in document()["paths"].items() for method in ops}
    assert documented == template_routes


def test_every_operation_but_the_document_itself_needs_a_token() -> None:
    for path, operations in document()["paths"].items():
        for operation in operations.values():
            assert ("security" in operation) == (path != "/v1/openapi.json"), path
            if path != "/v1/openapi.json":
                assert operation["responses"]["401"]["content"]["application/json"]["schema"] == {
                    "$ref": "#/components/schemas/ErrorEnvelope"
                }
