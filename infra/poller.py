"""Invoke the aggregator from the stream the way Lambda's event source mapping does.

Per shard, in order: gather records for the batching window (or until the batch is
full), invoke, and on ``batchItemFailures`` resume from the first failed record. When
the function raises, bisect the batch and retry the halves. Retries back off; after
``max_retries`` the batch's shard and sequence range go to the dead-letter queue, as
the on-failure destination would. Nothing is dropped silently.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger("infra.poller")

Invoke = Callable[[dict[str, Any]], Any]


@dataclass
class ShardState:
    shard_id: str
    iterator: str | None
    buffer: list[dict[str, Any]] = field(default_factory=list)
    first_buffered_at: float | None = None


@dataclass
class PollerStats:
    records: int = 0
    batches: int = 0
    retries: int = 0
    function_errors: int = 0
    sent_to_dlq: int = 0
    last_batch_at: float | None = None


class StreamPoller(threading.Thread):
    def __init__(
        self,
        kinesis: Any,
        stream: str,
        invoke: Invoke,
        *,
        window_seconds: float = 2.0,
        batch_size: int = 1000,
        max_retries: int = 10,
        sqs: Any = None,
        dlq_url: str | None = None,
        poll_interval: float = 0.2,
        backoff_cap: float = 5.0,
    ):
        super().__init__(name="stream-poller", daemon=True)
        self.kinesis, self.stream, self.invoke = kinesis, stream, invoke
        self.window, self.batch_size, self.max_retries = window_seconds, batch_size, max_retries
        self.sqs, self.dlq_url = sqs, dlq_url
        self.poll_interval, self.backoff_cap = poll_interval, backoff_cap
        self.stats = PollerStats()
        self._stop_event = threading.Event()
        self.arn = kinesis.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"]["StreamARN"]

    def stop(self) -> None:
        self._stop_event.set()

    def run(self) -> None:
        shards = [
            ShardState(s["ShardId"], self._iterator(s["ShardId"]))
            for s in self.kinesis.list_shards(StreamName=self.stream)["Shards"]
        ]
        while not self._stop_event.is_set():
            for shard in shards:
                self._poll(shard)
            self._stop_event.wait(self.poll_interval)

    def _iterator(self, shard_id: str) -> str:
        return self.kinesis.get_shard_iterator(
            StreamName=self.stream, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]

    def _poll(self, shard: ShardState) -> None:
        if shard.iterator and len(shard.buffer) < self.batch_size:
            page = self.kinesis.get_records(ShardIterator=shard.iterator, Limit=self.batch_size)
            shard.iterator = page.get("NextShardIterator")
            for record in page["Records"]:
                shard.buffer.append(self._lambda_record(shard.shard_id, record))
            if shard.buffer and shard.first_buffered_at is None:
                shard.first_buffered_at = time.monotonic()
        if not shard.buffer or shard.first_buffered_at is None:
            return
        if len(shard.buffer) >= self.batch_size or time.monotonic() - shard.first_buffered_at >= self.window:
            batch, shard.buffer = shard.buffer[: self.batch_size], shard.buffer[self.batch_size :]
            shard.first_buffered_at = time.monotonic() if shard.buffer else None
            self.deliver(batch)

    def _lambda_record(self, shard_id: str, record: dict[str, Any]) -> dict[str, Any]:
        arrival = record.get("ApproximateArrivalTimestamp")
        return {
            "eventID": f"{shard_id}:{record['SequenceNumber']}",
            "eventSource": "aws:kinesis",
            "eventSourceARN": self.arn,
            "eventName": "aws:kinesis:record",
            "eventVersion": "1.0",
            "invokeIdentityArn": "arn:aws:iam::000000000000:role/local",
            "awsRegion": "us-east-1",
            "kinesis": {
                "kinesisSchemaVersion": "1.0",
                "sequenceNumber": record["SequenceNumber"],
                "partitionKey": record["PartitionKey"],
                "data": base64.b64encode(record["Data"]).decode(),
                "approximateArrivalTimestamp": arrival.timestamp() if arrival else time.time(),
            },
        }

    def deliver(self, batch: list[dict[str, Any]], attempt: int = 0) -> None:
        """Deliver one batch until every record is applied or handed to the DLQ."""
        pending = batch
        while pending and not self._stop_event.is_set():
            try:
                response = self.invoke({"Records": pending})
            except Exception:
                self.stats.function_errors += 1
                log.warning("aggregator raised on %d records; bisecting", len(pending), exc_info=True)
                if len(pending) > 1:
                    half = len(pending) // 2
                    self.deliver(pending[:half], attempt + 1)
                    self.deliver(pending[half:], attempt + 1)
                    return
                failed_from: str | None = pending[0]["kinesis"]["sequenceNumber"]
            else:
                failures = (response or {}).get("batchItemFailures") or []
                failed_from = min((f["itemIdentifier"] for f in failures), key=int, default=None)
            if failed_from is None:
                self.stats.batches += 1
                self.stats.records += len(pending)
                self.stats.last_batch_at = time.time()
                return
            done = [r for r in pending if int(r["kinesis"]["sequenceNumber"]) < int(failed_from)]
            self.stats.records += len(done)
            pending = pending[len(done) :]
            attempt += 1
            if attempt > self.max_retries:
                self._to_dead_letter_queue(pending)
                return
            self.stats.retries += 1
            self._stop_event.wait(min(self.backoff_cap, 0.1 * 2**attempt))

    def _to_dead_letter_queue(self, records: list[dict[str, Any]]) -> None:
        """What the on-failure destination receives: where the records are, not their data."""
        first, last = records[0], records[-1]
        message = {
            "requestContext": {"condition": "RetryAttemptsExhausted"},
            "KinesisBatchInfo": {
                "shardId": first["eventID"].split(":", 1)[0],
                "startSequenceNumber": first["kinesis"]["sequenceNumber"],
                "endSequenceNumber": last["kinesis"]["sequenceNumber"],
                "batchSize": len(records),
                "streamArn": self.arn,
            },
        }
        log.error("retries exhausted: %d records to the dead-letter queue", len(records))
        if self.sqs is not None and self.dlq_url:
            self.sqs.send_message(QueueUrl=self.dlq_url, MessageBody=json.dumps(message))
        self.stats.sent_to_dlq += len(records)
