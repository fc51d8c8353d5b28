"""Lambda events shaped like API Gateway (payload 2.0) and Kinesis event source mappings send them."""

from __future__ import annotations

import base64
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any


@dataclass
class FakeContext:
    function_name: str = "test-function"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:test-function"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    remaining_ms: int = 30_000

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


def claims(
    sub: str = "producer", scope: str = "analytics:ingest", events: list[str] | None = None
) -> dict[str, Any]:
    return {"sub": sub, "scope": scope, "eventIds": events if events is not None else ["*"]}


def http_event(
    method: str,
    path: str,
    *,
    body: Any = None,
    headers: dict[str, str] | None = None,
    jwt: dict[str, Any] | None = None,
    query: dict[str, str] | None = None,
    raw_body: str | None = None,
) -> dict[str, Any]:
    text = raw_body if raw_body is not None else (None if body is None else json.dumps(body))
    all_headers = {"content-type": "application/json", **{k.lower(): v for k, v in (headers or {}).items()}}
    context: dict[str, Any] = {
        "accountId": "123456789012",
        "apiId": "api",
        "domainName": "localhost",
        "http": {
            "method": method,
            "path": path,
            "protocol": "HTTP/1.1",
            "sourceIp": "127.0.0.1",
            "userAgent": "t",
        },
        "requestId": str(uuid.uuid4()),
        "routeKey": f"{method} {path}",
        "stage": "$default",
        "time": "20/Nov/2026:10:00:00 +0000",
        "timeEpoch": 1795000000000,
    }
    if jwt is not None:
        context["authorizer"] = {"jwt": {"claims": jwt, "scopes": None}}
    return {
        "version": "2.0",
        "routeKey": f"{method} {path}",
        "rawPath": path,
        "rawQueryString": "&".join(f"{k}={v}" for k, v in (query or {}).items()),
        "queryStringParameters": query,
        "headers": all_headers,
        "requestContext": context,
        "body": text,
        "isBase64Encoded": False,
    }


def kinesis_record(
    seq: str, data: bytes, partition_key: str = "e1#u1", shard: str = "shardId-000000000000"
) -> dict:
    return {
        "eventID": f"{shard}:{seq}",
        "eventSource": "aws:kinesis",
        "eventSourceARN": "arn:aws:kinesis:us-east-1:123456789012:stream/interactions",
        "eventName": "aws:kinesis:record",
        "kinesis": {
            "kinesisSchemaVersion": "1.0",
            "sequenceNumber": seq,
            "partitionKey": partition_key,
            "data": base64.b64encode(data).decode(),
            "approximateArrivalTimestamp": time.time(),  # arrives now, as on a live stream
        },
    }


def kinesis_event(records: list[dict]) -> dict[str, Any]:
    return {"Records": records}


# Callers by kind: an authorization matrix row each (event e1, user u1 are the subjects).
CALLERS: dict[str, dict[str, Any] | None] = {
    "none": None,
    "no-scope": claims(sub="x", scope="", events=["e1"]),
    "ingest-only": claims(sub="x", scope="analytics:ingest", events=["e1"]),
    "read-other-event": claims(sub="x", scope="analytics:read", events=["e2"]),
    "read-event": claims(sub="x", scope="analytics:read", events=["e1"]),
    "read-star": claims(sub="x", scope="analytics:read", events=["*"]),
    "self": claims(sub="u1", scope="", events=[]),
    "other-user": claims(sub="u2", scope="", events=[]),
    "admin-event": claims(sub="x", scope="analytics:admin", events=["e1"]),
    "admin-other-event": claims(sub="x", scope="analytics:admin", events=["e2"]),
}
