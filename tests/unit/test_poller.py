"""The local stream poller behaves like the event source mapping: retries, bisects, never drops."""

from __future__ import annotations

import base64
import random
import time
from typing import Any

from botocore.exceptions import ClientError

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


def moto_record(n: int) -> dict:
    """The local poller reads moto, whose sequence numbers are a small counter (1, 2, ...)."""
    record = kinesis_record(str(n), b"{}")
    record["kinesis"]["sequenceNumber"] = str(n)
    record["eventID"] = f"shardId-000000000000:{n}"
    return record


def batch(n: int) -> list[dict]:
    return [moto_record(i + 1) for i in range(n)]


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


class FlakyStream:
    """An in-memory two-shard stream whose calls fail now and then, the way moto's do under load.

    Iterators are positions, as in Kinesis; any call may raise before doing anything.
    """

    def __init__(self, records_per_shard: int, failure_rate: float, seed: int) -> None:
        self.rng = random.Random(seed)
        self.failure_rate = failure_rate
        self.shards = {
            f"shardId-00000000000{n}": [str(i + 1) for i in range(records_per_shard)] for n in range(2)
        }
        self.failures: dict[str, int] = {}
        self.reads_past_end: dict[str, int] = dict.fromkeys(self.shards, 0)  # answered pages with nothing new

    def _maybe_fail(self, operation: str) -> None:
        if self.rng.random() < self.failure_rate:
            self.failures[operation] = self.failures.get(operation, 0) + 1
            if self.rng.random() < 0.5:
                raise ClientError(
                    {"Error": {"Code": "InternalFailure", "Message": "OrderedDict mutated during iteration"}},
                    operation,
                )
            raise ConnectionResetError("connection reset by peer")

    def describe_stream_summary(self, StreamName: str) -> dict:
        self._maybe_fail("DescribeStreamSummary")
        return {"StreamDescriptionSummary": {"StreamARN": "arn:aws:kinesis:local:0:stream/s"}}

    def list_shards(self, StreamName: str) -> dict:
        self._maybe_fail("ListShards")
        return {"Shards": [{"ShardId": shard} for shard in self.shards]}

    def get_shard_iterator(
        self, StreamName: str, ShardId: str, ShardIteratorType: str, **position: str
    ) -> dict:
        self._maybe_fail("GetShardIterator")
        start = int(position["StartingSequenceNumber"]) if ShardIteratorType == "AFTER_SEQUENCE_NUMBER" else 0
        return {"ShardIterator": f"{ShardId}|{start}"}

    def get_records(self, ShardIterator: str, Limit: int) -> dict:
        self._maybe_fail("GetRecords")
        shard, start = ShardIterator.split("|")
        page = self.shards[shard][int(start) : int(start) + min(Limit, 7)]
        if not page:
            self.reads_past_end[shard] += 1
        records = [
            {"SequenceNumber": seq, "PartitionKey": "k", "Data": f"{shard}/{seq}".encode()} for seq in page
        ]
        return {"Records": records, "NextShardIterator": f"{shard}|{int(start) + len(page)}"}


def wait_until(condition: Any, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return False


def test_transient_stream_errors_and_crashes_neither_stop_lose_nor_repeat_records() -> None:
    """500s and resets in every Kinesis call, a crashing aggregator: each record applied once, in order."""
    stream = FlakyStream(records_per_shard=150, failure_rate=0.25, seed=11)
    crash = random.Random(5)
    applied: list[str] = []

    def invoke(event: dict) -> dict:
        if crash.random() < 0.2:
            raise RuntimeError("aggregator invoke failed")
        applied.extend(base64.b64decode(r["kinesis"]["data"]).decode() for r in event["Records"])
        return {"batchItemFailures": []}

    p = StreamPoller(stream, "s", invoke, window_seconds=0, batch_size=20, poll_interval=0, backoff_cap=0.001)
    p.start()
    try:
        assert wait_until(lambda: len(applied) >= 300), f"only {len(applied)} of 300 records applied"
        # A repeat would come from a re-read after the end: wait until each shard was read past its
        # end a few more times (not a fixed pause, which a busy machine can outrun).
        seen = dict(stream.reads_past_end)
        assert wait_until(lambda: all(stream.reads_past_end[s] >= seen[s] + 3 for s in seen))
    finally:
        p.stop()
        p.join(5)
    assert not p.is_alive()
    for shard, seqs in stream.shards.items():
        assert [a.split("/")[1] for a in applied if a.startswith(shard)] == seqs
    assert {"GetRecords", "GetShardIterator"} <= set(stream.failures)
    assert sum(p.stats.errors.values()) == sum(stream.failures.values())  # every failure seen and counted
    assert p.stats.function_errors > 0


def test_an_error_outside_any_call_is_counted_and_the_poller_goes_on(caplog: Any) -> None:
    stream = FlakyStream(records_per_shard=40, failure_rate=0.0, seed=1)
    applied: list[str] = []
    rounds = {"n": 0}
    original_poll = StreamPoller._poll

    def poll_that_breaks(self: StreamPoller, shard: Any) -> None:
        rounds["n"] += 1
        if rounds["n"] % 3 == 0:
            raise KeyError("bug in a round")
        original_poll(self, shard)

    def invoke(event: dict) -> dict:
        applied.extend(r["kinesis"]["sequenceNumber"] for r in event["Records"])
        return {}

    p = StreamPoller(stream, "s", invoke, window_seconds=0, batch_size=10, poll_interval=0, backoff_cap=0.001)
    p._poll = poll_that_breaks.__get__(p)  # type: ignore[method-assign]
    with caplog.at_level("WARNING", logger="infra.poller"):
        p.start()
        try:
            assert wait_until(lambda: len(applied) >= 80)
        finally:
            p.stop()
            p.join(5)
    assert sorted(applied, key=int) == sorted([str(i + 1) for i in range(40)] * 2, key=int)
    assert p.stats.errors["round: KeyError"] >= 2
    assert sum("round failed" in r.getMessage() for r in caplog.records) == 1  # logged once, counted after
