"""Records that can never be applied go to the dead-letter queue with their reason; the shard moves on."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import Aws
from tests.support import events as ev
from tests.support.faults import error_response
from tests.support.lambda_events import kinesis_record, sequence
from tests.support.pipeline import apply_events, run_aggregator, table_items

TOO_LARGE = "Item size to update has exceeded the maximum allowed size"


def records_for(raws: list[dict], start: int = 1) -> list[dict]:
    from models.events import parse_event

    out = []
    for offset, raw in enumerate(raws):
        event = parse_event(raw)
        out.append(kinesis_record(str(start + offset), event.to_record(), event.partition_key))
    return out


def dlq_messages(aws: Aws) -> list[dict[str, Any]]:
    sqs = aws.client("sqs")
    found: list[dict[str, Any]] = []
    while True:
        batch = sqs.receive_message(QueueUrl=aws.env["DLQ_URL"], MaxNumberOfMessages=10).get("Messages", [])
        if not batch:
            return found
        found += [json.loads(m["Body"]) for m in batch]
        for m in batch:
            sqs.delete_message(QueueUrl=aws.env["DLQ_URL"], ReceiptHandle=m["ReceiptHandle"])


WRITES = ("PutItem", "UpdateItem")


def test_item_too_large_is_quarantined_and_left_out_of_totals(
    aws: Aws, capsys: pytest.CaptureFixture
) -> None:
    """DynamoDB refuses an item past 400 KB (moto doesn't enforce it, so the refusal is injected)."""
    from dal.items import bind_table, botocore_client

    bind_table(aws.table)

    def refuse_growth(params: dict, **_: Any) -> Any:
        # before-call sees the serialized request: any write of the hoarder's items is refused
        hoarders = "EVT#e1#USR#hoarder" in params["body"].decode()
        return error_response("ValidationException", TOO_LARGE) if hoarders else None

    client = botocore_client()
    for operation in WRITES:
        client.meta.events.register(f"before-call.dynamodb.{operation}", refuse_growth)
    try:
        records = records_for(
            [
                ev.vod("v1", 10, 10, 100, user="u1"),
                ev.vod("v1", 20, 20, 100, user="hoarder"),
                ev.vod("v1", 5, 5, 100),
            ]
        )
        assert run_aggregator(records) == {"batchItemFailures": []}
    finally:
        for operation in WRITES:
            client.meta.events.unregister(f"before-call.dynamodb.{operation}", refuse_growth)
    items = table_items(aws.client("dynamodb"), aws.table)
    assert items[("EVT#e1#VOD#v1", "TOTAL")]["vod_seconds"] == 15  # the hoarder's 20 s are quarantined whole
    assert items[("EVT#e1#VOD#v1", "TOTAL")]["viewers"] == 1
    (message,) = dlq_messages(aws)
    assert (message["reason"], message["sequenceNumber"]) == ("item_too_large", sequence(2))
    assert '"RecordsQuarantined":[1.0]' in capsys.readouterr().out.replace(" ", "")


def test_each_kind_of_poison_has_its_reason(aws: Aws) -> None:
    good = records_for([ev.live("s1", 10, 10)])[0]
    batch = [
        good,
        kinesis_record("2", b"\x00\xff binary"),
        kinesis_record("3", b'{"type": "view.heartbeat"'),
        kinesis_record("4", json.dumps({"id": "x", "type": "nope"}).encode()),
        kinesis_record("5", json.dumps(ev.live("s1", 99)).encode()),
    ]
    batch[1]["kinesis"]["data"] = "%%% not base64 %%%"
    assert run_aggregator(batch) == {"batchItemFailures": []}
    reasons = {m["sequenceNumber"]: (m["reason"], m["errors"]) for m in dlq_messages(aws)}
    assert reasons[sequence(2)][0] == "undecodable"
    assert reasons[sequence(3)][0] == "undecodable"
    assert reasons[sequence(4)][0] == "invalid_event"
    assert reasons[sequence(4)][1][0]["field"] == "type"
    assert reasons[sequence(4)][1][0]["message"].startswith("must be one of: user.profile")
    assert reasons[sequence(5)] == (
        "invalid_event",
        [{"field": "data.seconds", "message": "must be between 1 and 60"}],
    )
    # The original data travels with the reason, so a fixed record can be replayed.
    assert table_items(aws.client("dynamodb"), aws.table)[("EVT#e1#SES#s1", "TOTAL")]["live_seconds"] == 10


def test_shard_progress_continues_past_poison(aws: Aws) -> None:
    apply_events([ev.live("s1", 10, 10)])
    poison = kinesis_record("2", b"garbage")
    later = records_for([ev.live("s1", 20, 20)], start=3)
    assert run_aggregator([poison, *later]) == {"batchItemFailures": []}
    assert table_items(aws.client("dynamodb"), aws.table)[("EVT#e1#SES#s1", "TOTAL")]["live_seconds"] == 30
