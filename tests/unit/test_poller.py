"""The local stream poller behaves like the event source mapping: retries, bisects, never drops."""

from __future__ import annotations

import random
from typing import Any

from infra.poller import StreamPoller
from tests.support.lambda_events import kinesis_record


class FakeKinesis:
    def describe_stream_summary(self, StreamName: str) -> dict:
        return {"StreamDescriptionSummary": {"StreamARN": "arn:aws:kinesis:local:0:stream/s"}}


class FakeSqs:
    def __init__(self) -> None:
        self.messages: list[str] = []

    def send_message(self, QueueUrl: str, MessageBody: str) -> None:
        self.messages.append(MessageBody)


def batch(n: int) -> list[dict]:
    return [kinesis_record(str(i + 1), b"{}") for i in range(n)]


def poller(invoke: Any, sqs: FakeSqs | None = None, max_retries: int = 10) -> StreamPoller:
    return StreamPoller(
        FakeKinesis(), "s", invoke, max_retries=max_retries, sqs=sqs, dlq_url="q", backoff_cap=0.0
    )


def test_flaky_aggregator_loses_nothing() -> None:
    rng = random.Random(3)
    applied: set[str] = set()

    def invoke(event: dict) -> dict:
        records = event["Records"]
        if rng.random() < 0.3:
            raise RuntimeError("function crashed")
        for i, record in enumerate(records):
            if rng.random() < 0.05:  # partial failure from this record on
                return {
                    "batchItemFailures": [
                        {"itemIdentifier": r["kinesis"]["sequenceNumber"]} for r in records[i:]
                    ]
                }
            applied.add(record["kinesis"]["sequenceNumber"])
        return {"batchItemFailures": []}

    p = poller(invoke)
    p.deliver(batch(200))
    assert applied == {str(i + 1) for i in range(200)}
    assert p.stats.function_errors > 0
    assert p.stats.retries > 0
    assert p.stats.sent_to_dlq == 0


def test_retries_exhausted_go_to_the_dead_letter_queue_with_the_range() -> None:
    sqs = FakeSqs()

    def invoke(event: dict) -> dict:
        return {"batchItemFailures": [{"itemIdentifier": "3"}]}  # record 3 can never be applied

    p = poller(invoke, sqs, max_retries=2)
    p.deliver(batch(5))
    assert p.stats.records == 2
    assert p.stats.sent_to_dlq == 3
    assert '"startSequenceNumber": "3"' in sqs.messages[0]
    assert '"endSequenceNumber": "5"' in sqs.messages[0]


def test_a_crashing_batch_is_bisected_down_to_the_bad_record() -> None:
    sqs = FakeSqs()
    seen: list[int] = []

    def invoke(event: dict) -> dict:
        seqs = [r["kinesis"]["sequenceNumber"] for r in event["Records"]]
        seen.append(len(seqs))
        if "4" in seqs:
            raise RuntimeError("record 4 crashes the function")
        return {"batchItemFailures": []}

    p = poller(invoke, sqs, max_retries=1)
    p.deliver(batch(8))
    assert 1 in seen  # bisected down to single records
    assert p.stats.records == 7
    assert p.stats.sent_to_dlq == 1
