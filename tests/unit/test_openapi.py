"""The served OpenAPI document is current, valid, and lists exactly the deployed routes."""

from __future__ import annotations

import json

import pytest
from openapi_spec_validator import validate

from infra.openapi import DOCUMENT, ERRORS_BY_OPERATION, render
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
                # API Gateway's JWT authorizer answers {"message": "Unauthorized"}; a function the envelope.
                assert operation["responses"]["401"]["content"]["application/json"]["schema"] == {
                    "anyOf": [
                        {"$ref": "#/components/schemas/ErrorEnvelope"},
                        {"$ref": "#/components/schemas/GatewayMessage"},
                    ]
                }


def test_servers_name_the_stage_prefix_and_the_local_stack() -> None:
    deployed, local = document()["servers"]
    assert deployed["url"] == "https://{apiId}.execute-api.{region}.amazonaws.com/{stage}"
    stage_default = load_template()["Parameters"]["StageName"]["Default"]
    assert deployed["variables"]["stage"]["default"] == stage_default
    assert local["url"] == "http://127.0.0.1:3000"


def test_only_the_statuses_of_the_table_are_documented() -> None:
    """Powertools documents a 422 for every route; only the collector's reused key really gives one."""
    documented = {
        (method, path): sorted(s for s in operation["responses"] if s >= "400")
        for path, operations in document()["paths"].items()
        for method, operation in operations.items()
    }
    assert documented == {key: sorted(value) for key, value in ERRORS_BY_OPERATION.items()}
    assert "422" not in document()["paths"]["/v1/openapi.json"]["get"]["responses"]


def test_a_route_declaring_an_unlisted_status_fails_the_build(monkeypatch: pytest.MonkeyPatch) -> None:
    from infra import openapi

    trimmed = dict(ERRORS_BY_OPERATION)
    trimmed[("post", "/v1/interactions")] = ["400", "401", "403"]  # the collector declares 409..503 itself
    monkeypatch.setattr(openapi, "ERRORS_BY_OPERATION", trimmed)
    with pytest.raises(ValueError, match="missing from ERRORS_BY_OPERATION"):
        openapi.build()


def test_every_error_response_is_the_error_envelope_and_503s_say_when_to_retry() -> None:
    """The report's 503 once claimed a ReportLink body: Powertools gives an error status without a
    model of its own the route's return model."""
    envelope = "#/components/schemas/ErrorEnvelope"
    for path, operations in document()["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if status < "400":
                    continue
                schema = response["content"]["application/json"]["schema"]
                refs = [schema.get("$ref")] + [s.get("$ref") for s in schema.get("anyOf", [])]
                if (method, path, status) == ("post", "/v1/interactions", "503"):
                    assert refs[0] == "#/components/schemas/IngestUnavailable"  # the envelope and more
                else:
                    assert envelope in refs, (method, path, status)
                if status == "503":
                    assert "Retry-After" in response["headers"], (method, path)
