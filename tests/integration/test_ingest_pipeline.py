"""Collector → moto Kinesis → aggregator → DynamoDB, through the real handlers."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from tests.conftest import Aws
from tests.support import events as ev
from tests.support.faults import DynamoFaults
from tests.support.pipeline import drain, post_interactions, run_aggregator, stream_records, table_items
from tests.support.scenario import EXPECTED, business_fields, readers_view, scripted_events


def ingest_scenario(aws: Aws) -> list[dict]:
    status, body, _ = post_interactions(scripted_events())
    assert (status, body["accepted"], body["rejected"]) == (202, len(scripted_events()), [])
    return stream_records(aws.client("kinesis"), aws.stream)


def items(aws: Aws) -> dict[tuple[str, str], dict[str, Any]]:
    """What readers see (bookkeeping such as versions and pending deltas differs between runs)."""
    return readers_view(table_items(aws.client("dynamodb"), aws.table))


def all_items(aws: Aws) -> dict[tuple[str, str], dict[str, Any]]:
    return table_items(aws.client("dynamodb"), aws.table)


def wipe(aws: Aws) -> None:
    dynamodb = aws.client("dynamodb")
    for pk, sk in all_items(aws):
        dynamodb.delete_item(TableName=aws.table, Key={"pk": {"S": pk}, "sk": {"S": sk}})


def clean_run(aws: Aws, records: list[dict]) -> dict[tuple[str, str], dict[str, Any]]:
    assert run_aggregator(records) == {"batchItemFailures": []}
    snapshot = items(aws)
    wipe(aws)
    return snapshot


def test_scripted_attendee_counters_are_exact(aws: Aws) -> None:
    ingest_scenario(aws)
    drain(aws.client("kinesis"), aws.stream)
    assert items(aws) == EXPECTED


def test_every_batch_delivered_twice(aws: Aws) -> None:
    records = ingest_scenario(aws)
    expected = clean_run(aws, records)
    for start in range(0, len(records), 7):
        batch = records[start : start + 7]
        assert run_aggregator(batch) == {"batchItemFailures": []}
        assert run_aggregator(batch) == {"batchItemFailures": []}
    assert items(aws) == expected


def test_bisected_batches(aws: Aws) -> None:
    """Lambda halves a failing batch and retries each half; earlier halves may already be applied."""
    records = ingest_scenario(aws)
    expected = clean_run(aws, records)
    half = len(records) // 2
    run_aggregator(records[:half])
    run_aggregator(records)  # the whole batch again
    run_aggregator(records[:half])
    run_aggregator(records[half // 2 : half + 3])
    run_aggregator(records[half:])
    assert items(aws) == expected


def deliver_like_lambda(records: list[dict], batch_size: int, max_rounds: int = 500) -> int:
    """Resume from the first reported failure, as the event source mapping does."""
    position = rounds = 0
    while position < len(records):
        rounds += 1
        assert rounds < max_rounds, "no progress"
        batch = records[position : position + batch_size]
        failures = run_aggregator(batch)["batchItemFailures"]
        if failures:
            first = min(int(f["itemIdentifier"]) for f in failures)
            position = next(i for i, r in enumerate(records) if int(r["kinesis"]["sequenceNumber"]) == first)
        else:
            position += len(batch)
    return rounds


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_five_percent_update_failures_with_lambda_retries(aws: Aws, seed: int) -> None:
    records = ingest_scenario(aws) + _more_traffic(aws, seed)
    expected = clean_run(aws, records)
    faults = DynamoFaults(rate=0.05, seed=seed).install()
    try:
        rounds = deliver_like_lambda(records, batch_size=25)
    finally:
        faults.uninstall()
    assert faults.total > 0, faults.explain()
    assert rounds > len(records) // 25
    assert items(aws) == expected


def _more_traffic(aws: Aws, seed: int) -> list[dict]:
    rng = random.Random(seed)
    extra = []
    for i in range(120):
        user = f"u{rng.randint(1, 6)}"
        session = rng.choice(["s1", "s2", "s3"])
        extra.append(
            rng.choice(
                [ev.live(session, rng.randint(1, 60), 0, user=user), ev.poll(session, f"p{i % 4}", user=user)]
            )
        )
    status, _body, _ = post_interactions(extra)
    assert status == 202
    return stream_records(aws.client("kinesis"), aws.stream)[len(scripted_events()) :]


def test_out_of_order_profiles_latest_time_wins(aws: Aws) -> None:
    newer = ev.profile("Final Name", time="2026-11-20T12:00:00Z", company="NewCo")
    older = ev.profile("Stale Name", time="2026-11-20T11:00:00Z", company="OldCo", role="Guest")
    for request in ([newer], [older]):
        assert post_interactions(request)[0] == 202
    kinesis = aws.client("kinesis")
    records = stream_records(kinesis, aws.stream)
    run_aggregator(records[:1])
    run_aggregator(records[1:])
    profile = all_items(aws)[("EVT#e1#USR#u1", "PROFILE")]
    assert business_fields(profile) == {"name": "Final Name", "company": "NewCo"}
    assert profile["profile_time"] == "2026-11-20T12:00:00.000000Z"


def test_poison_records_are_quarantined_and_do_not_block(aws: Aws) -> None:
    from tests.support.lambda_events import kinesis_record

    assert post_interactions([ev.live("s1", 10, 10)])[0] == 202
    (good,) = stream_records(aws.client("kinesis"), aws.stream)
    seq = int(good["kinesis"]["sequenceNumber"])
    garbage = kinesis_record(str(seq + 1), b"\xff\xfe not json")
    wrong_schema = kinesis_record(str(seq + 2), json.dumps({"type": "view.heartbeat", "id": "x"}).encode())
    assert run_aggregator([good, garbage, wrong_schema]) == {"batchItemFailures": []}
    assert items(aws)[("EVT#e1#USR#u1", "VIEWING#live#s1")]["seconds"] == 10
    sqs = aws.client("sqs")
    messages = sqs.receive_message(QueueUrl=aws.env["DLQ_URL"], MaxNumberOfMessages=10)["Messages"]
    reasons = sorted(json.loads(m["Body"])["reason"] for m in messages)
    assert reasons == ["invalid_event", "undecodable"]
    bodies = [json.loads(m["Body"]) for m in messages]
    assert {b["sequenceNumber"] for b in bodies} == {str(seq + 1), str(seq + 2)}


def test_dead_letter_queue_outage_retries_the_poison_record(aws: Aws) -> None:
    from tests.support.lambda_events import kinesis_record

    assert post_interactions([ev.live("s1", 10, 10)])[0] == 202
    (good,) = stream_records(aws.client("kinesis"), aws.stream)
    poison = kinesis_record(str(int(good["kinesis"]["sequenceNumber"]) + 1), b"nope")
    from botocore.exceptions import ClientError

    from shared.clients import client

    def outage(**_: object) -> None:  # the queue itself answers 503 (a queue of another name would
        # be a call the aggregator's policy doesn't allow, which the policy check rightly refuses)
        raise ClientError({"Error": {"Code": "ServiceUnavailable", "Message": "down"}}, "SendMessageBatch")

    client("sqs").meta.events.register("before-call.sqs.SendMessageBatch", outage)
    response = run_aggregator([good, poison])
    assert response == {"batchItemFailures": [{"itemIdentifier": poison["kinesis"]["sequenceNumber"]}]}
    assert items(aws)[("EVT#e1#USR#u1", "VIEWING#live#s1")]["seconds"] == 10
