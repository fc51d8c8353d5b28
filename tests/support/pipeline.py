"""Drive the real handlers: POST to the collector, drain the stream through the aggregator."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from tests.support.lambda_events import STAGE, FakeContext, claims, http_event, kinesis_event
from tests.support.stream import read_stream


def post_interactions(
    events: list[dict] | None = None,
    *,
    jwt: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    raw_body: str | bytes | None = None,
) -> tuple[int, dict[str, Any], dict[str, str]]:
    from ingest.collector import handler

    event = http_event(
        "POST",
        "/v1/interactions",
        body=None if events is None else {"events": events},
        raw_body=raw_body,
        headers=headers,
        jwt=claims() if jwt is None else jwt,
    )
    if jwt == {}:
        del event["requestContext"]["authorizer"]
    response = handler(event, FakeContext())
    return response["statusCode"], json.loads(response["body"]), response.get("headers", {})


def run_aggregator(records: list[dict]) -> dict[str, Any]:
    from ingest.aggregator import handler

    return handler(kinesis_event(records), FakeContext())


def stream_records(kinesis: Any, stream: str) -> list[dict]:
    """All records on the stream, shard by shard (tests use one shard)."""
    return [r for records in read_stream(kinesis, stream).values() for r in records]


def drain(kinesis: Any, stream: str, batch_size: int = 100) -> None:
    """Apply the whole stream once, like the event source mapping with no faults."""
    records = stream_records(kinesis, stream)
    for start in range(0, len(records), batch_size):
        response = run_aggregator(records[start : start + batch_size])
        assert response == {"batchItemFailures": []}, response


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, set):
        return {_plain(v) for v in value}
    if hasattr(value, "value") and isinstance(value.value, bytes):  # boto3's Binary
        return value.value
    return value


def table_items(dynamodb: Any, table: str) -> dict[tuple[str, str], dict[str, Any]]:
    from boto3.dynamodb.types import TypeDeserializer

    deserialize = TypeDeserializer().deserialize
    items: dict[tuple[str, str], dict[str, Any]] = {}
    kwargs: dict[str, Any] = {"TableName": table}
    while True:
        page = dynamodb.scan(**kwargs)
        for raw in page["Items"]:
            item = {k: _plain(deserialize(v)) for k, v in raw.items()}
            items[(item.pop("pk"), item.pop("sk"))] = item
        if "LastEvaluatedKey" not in page:
            return items
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def call_api(
    method: str,
    path: str,
    *,
    jwt: dict[str, Any] | None,
    query: dict[str, str] | None = None,
    stage: str = STAGE,
) -> tuple[int, dict[str, Any], dict[str, str]]:
    """Call the query function as API Gateway would (``jwt=None``: no authorizer context)."""
    from query.api import handler

    event = http_event(method, path, jwt=jwt, query=query, stage=stage)
    response = handler(event, FakeContext())
    body = json.loads(response["body"]) if response.get("body") else {}
    return response["statusCode"], body, response.get("headers", {})


def apply_events(raw_events: list[dict[str, Any]], start_seq: int = 1) -> None:
    """Feed events straight to the aggregator (already-valid events; skips the collector)."""
    from models.events import parse_event
    from tests.support.lambda_events import kinesis_record

    records = []
    for offset, raw in enumerate(raw_events):
        event = parse_event(raw)
        records.append(kinesis_record(str(start_seq + offset), event.to_record(), event.partition_key))
    for start in range(0, len(records), 500):
        assert run_aggregator(records[start : start + 500]) == {"batchItemFailures": []}
