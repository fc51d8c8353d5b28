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


def build() -> dict[str, Any]:
    paths: dict[str, Any] = {}
    components: dict[str, Any] = {"ErrorEnvelope": _error_schema()}
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
        if path == "/v1/openapi.json":
            continue  # public, and nothing in it can fail
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            if responses.get("422", {}).get("description") == "Validation Error":
                del responses["422"]  # Powertools' default; our validation errors are 400s
            if method == "post" and path == "/v1/interactions":
                responses.pop("200", None)
            for status, text in _ERRORS.items():
                responses.setdefault(status, {"description": text})
            for status, response in responses.items():
                schema = response.get("content", {}).get("application/json", {}).get("schema", {})
                if status >= "400" and (not schema or schema.get("title") == "Return"):
                    response.update(error)
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
            '{"error": {"code", "message", "details"}}.',
        },
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
}


def render() -> str:
    return json.dumps(build(), indent=1, ensure_ascii=False, sort_keys=False) + "\n"


if __name__ == "__main__":
    DOCUMENT.write_text(render(), encoding="utf-8")
    print(f"wrote {DOCUMENT.relative_to(ROOT)}")
