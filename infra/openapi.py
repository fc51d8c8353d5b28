"""Build the OpenAPI document of every route (``python -m infra.openapi`` rewrites it).

Each function's Powertools resolver describes its own routes; this merges them into the
one document the query function serves at ``GET /v1/openapi.json``. It is generated at
build time (a test fails when the committed file is stale) so no function has to import
another function's code at run time.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DOCUMENT = ROOT / "functions" / "query" / "openapi.json"
TITLE = "Event Analytics API"
VERSION = "1.0.0"


def _apps() -> list[Any]:
    sys.path.insert(0, str(ROOT / "functions"))
    from ingest.collector import app as collector
    from query.api import app as query
    from report.api import app as report

    return [collector, query, report]


def _error_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"},
                    "message": {"type": "string"},
                    "details": {},
                },
            }
        },
    }


def _ingest_request_schema(components: dict[str, Any]) -> dict[str, Any]:
    from pydantic import TypeAdapter

    from models.events import Event

    schema = TypeAdapter(list[Event]).json_schema(ref_template="#/components/schemas/{model}", by_alias=True)
    components.update(schema.pop("$defs", {}))
    schema.update(minItems=1, maxItems=500)
    return {"type": "object", "required": ["events"], "properties": {"events": schema}}


def _gateway_message_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["message"],
        "properties": {"message": {"type": "string"}},
        "description": "API Gateway's own answer (JWT authorizer, throttle): not the error envelope",
    }


def _json_schema(response: dict[str, Any]) -> dict[str, Any]:
    schema: dict[str, Any] = response.get("content", {}).get("application/json", {}).get("schema", {})
    return schema


def build() -> dict[str, Any]:
    paths: dict[str, Any] = {}
    components: dict[str, Any] = {
        "ErrorEnvelope": _error_schema(),
        "GatewayMessage": _gateway_message_schema(),
    }
    for app in _apps():
        part = json.loads(app.get_openapi_json_schema(title=TITLE, version=VERSION))
        for path, operations in part.get("paths", {}).items():
            paths.setdefault(path, {}).update(operations)
        components.update(part.get("components", {}).get("schemas", {}))
    ingest = paths["/v1/interactions"]["post"]
    ingest["requestBody"] = {
        "required": True,
        "content": {"application/json": {"schema": _ingest_request_schema(components)}},
    }
    error = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorEnvelope"}}}}
    for path, operations in paths.items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            if responses.get("422", {}).get("description") == "Validation Error":
                del responses["422"]  # Powertools' default; our validation errors are 400s
            if method == "post" and path == "/v1/interactions":
                responses.pop("200", None)
            errors = ERRORS_BY_OPERATION[(method, path)]
            for status in errors:
                responses.setdefault(status, {"description": _ERRORS[status]})
            undeclared = {s for s in responses if s >= "400"} - set(errors)
            if undeclared:
                raise ValueError(f"{method} {path}: {sorted(undeclared)} missing from ERRORS_BY_OPERATION")
            # An error response without a model of its own gets the envelope. Powertools gives it
            # the route's return model (the report's 503 said it returned a ReportLink).
            success = [_json_schema(r) for s, r in responses.items() if s < "400"]
            for status, response in responses.items():
                schema = _json_schema(response)
                if status >= "400" and (not schema or schema.get("title") == "Return" or schema in success):
                    response.update(error)
                if status in ("429", "503"):
                    response.setdefault("headers", {})["Retry-After"] = {
                        "description": "seconds to wait before trying again",
                        "schema": {"type": "integer"},
                    }
            if "401" in responses:  # the JWT authorizer answers before any function runs
                responses["401"]["content"]["application/json"]["schema"] = {
                    "anyOf": [
                        {"$ref": "#/components/schemas/ErrorEnvelope"},
                        {"$ref": "#/components/schemas/GatewayMessage"},
                    ]
                }
            operation["responses"] = dict(sorted(responses.items()))
            if path == "/v1/openapi.json":
                continue  # public
            operation["security"] = [{"bearerAuth": []}]
            operation.setdefault(
                "operationId", f"{method}_{path}".replace("/", "_").replace("{", "").replace("}", "")
            )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": TITLE,
            "version": VERSION,
            "description": "Per-user analytics for virtual events. Errors use the envelope "
            '{"error": {"code", "message", "details"}}. API Gateway itself answers with '
            '{"message": "..."} when its JWT authorizer refuses a token (401), when the stage '
            "throttle refuses a request (429: retry with backoff), and when a function fails "
            "without answering (500, 503). Browsers may call it cross-origin: a preflight gets 204 "
            "and the CORS headers for the origins the stack allows.",
        },
        "servers": [
            {
                "url": "https://{apiId}.execute-api.{region}.amazonaws.com/{stage}",
                "description": "The deployed HTTP API (the stack's ApiUrl output)",
                "variables": {
                    "apiId": {"default": "abcdef1234", "description": "the HttpApi's id"},
                    "region": {"default": "us-east-1", "description": "the stack's region"},
                    "stage": {"default": "prod", "description": "the StageName parameter"},
                },
            },
            {"url": "http://127.0.0.1:3000", "description": "The local stack (make run)"},
        ],
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": dict(sorted(components.items())),
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
    }


_ERRORS = {
    "400": "Invalid request",
    "401": "Missing or invalid token",
    "403": "The token does not grant this",
    "404": "Not found",
    "409": "A request with the same Idempotency-Key is in flight",
    "413": "More than 500 events or more than 1 MiB",
    "415": "Content-Type is not application/json",
    "422": "The Idempotency-Key was used with a different body",
    "503": "Temporarily unavailable; retry after Retry-After",
}
_READ = ["400", "401", "403"]
# Every error status each operation really answers, and no other: a test produces each one through
# the local gateway (tests/integration/test_openapi_statuses.py). The build fails when a route
# declares a status this table lacks.
ERRORS_BY_OPERATION: dict[tuple[str, str], list[str]] = {
    ("post", "/v1/interactions"): [*_READ, "409", "413", "415", "422", "503"],
    ("get", "/v1/events/{eventId}/users/{userId}/analytics"): [*_READ, "404"],
    ("get", "/v1/events/{eventId}/users"): _READ,
    # A user's full lists: 404 for a user with no analytics in the event, like the dashboard.
    ("get", "/v1/events/{eventId}/users/{userId}/sessions"): [*_READ, "404"],
    ("get", "/v1/events/{eventId}/users/{userId}/vods"): [*_READ, "404"],
    ("get", "/v1/events/{eventId}/users/{userId}/attachments"): [*_READ, "404"],
    ("get", "/v1/events/{eventId}/sessions/{sessionId}/analytics"): [*_READ, "404"],
    ("get", "/v1/events/{eventId}/vods/{vodId}/analytics"): [*_READ, "404"],
    ("post", "/v1/events/{eventId}/users/{userId}/report"): [*_READ, "404", "503"],
    ("delete", "/v1/events/{eventId}/users/{userId}"): _READ,
    ("get", "/v1/openapi.json"): [],
}


def render() -> str:
    return json.dumps(build(), indent=1, ensure_ascii=False, sort_keys=False) + "\n"


if __name__ == "__main__":
    DOCUMENT.write_text(render(), encoding="utf-8")
    print(f"wrote {DOCUMENT.relative_to(ROOT)}")
