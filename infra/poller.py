"""Invoke the aggregator from the stream the way Lambda's event source mapping does.

Per shard, in order: gather records for the batching window (or until the batch is
full), invoke, and on ``batchItemFailures`` resume from the first failed record. When
the function raises, bisect the batch and retry the halves. Retries back off; after
``max_retries`` the batch's shard and sequence range go to the dead-letter queue, as
the on-failure destination would. Nothing is dropped silently.

The poller itself never dies: moto's Kinesis answers 500 now and then under load, so every
stream and queue call is retried with capped exponential backoff (tenacity) until it works or
the poller is stopped, and any other error in a round is counted and logged once per kind.
A record is taken off the buffer only after it was delivered, and a lost or expired shard
iterator is re-derived from the last record buffered (``AFTER_SEQUENCE_NUMBER``), so a
failure neither loses nor repeats a record.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from tenacity import RetryCallState, Retrying, retry_if_exception_type, wait_exponential_jitter

log = logging.getLogger("infra.poller")

Invoke = Callable[[dict[str, Any]], Any]
T = TypeVar("T")


class Stopping(Exception):
    """The poller was asked to stop while it waited to retry a call."""


@dataclass
class ShardState:
    shard_id: str
    iterator: str | None = None
    last_seq: str | None = None  # the last record buffered: where a new iterator starts
    closed: bool = False
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
    # Calls that failed and were retried, and rounds that raised, by kind ("GetRecords: ClientError").
    errors: dict[str, int] = field(default_factory=dict)


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
        self.arn: str | None = None

    def stop(self) -> None:
        self._stop_event.set()

    def run(self) -> None:
        try:
            self.arn = self._call(
                "DescribeStreamSummary", lambda: self.kinesis.describe_stream_summary(StreamName=self.stream)
            )["StreamDescriptionSummary"]["StreamARN"]
            listed = self._call("ListShards", lambda: self.kinesis.list_shards(StreamName=self.stream))
            shards = [ShardState(s["ShardId"]) for s in listed["Shards"]]
            while not self._stop_event.is_set():
                for shard in shards:
                    self._round(shard)
                self._stop_event.wait(self.poll_interval)
        except Stopping:
            return

    def _round(self, shard: ShardState) -> None:
        """One poll of one shard; whatever goes wrong, the next round starts from the same place."""
        try:
            self._poll(shard)
        except Stopping:
            raise
        except Exception as exc:
            self._note_error("round", exc)
            self._stop_event.wait(self.backoff_cap)

    def _note_error(self, where: str, exc: BaseException) -> None:
        """Count every error; log the first of each kind with its traceback, later ones quietly."""
        kind = f"{where}: {type(exc).__name__}"
        count = self.stats.errors.get(kind, 0) + 1
        self.stats.errors[kind] = count
        if count == 1:
            log.warning("%s failed (retrying; later ones are counted, not logged)", where, exc_info=exc)
        else:
            log.debug("%s failed (%d times so far): %s", where, count, exc)

    def _call(self, name: str, call: Callable[[], T]) -> T:
        """``call`` until it works, backing off; only stopping the poller ends the retries."""
        retrying = Retrying(
            retry=retry_if_exception_type(Exception),
            wait=wait_exponential_jitter(multiplier=0.05, max=self.backoff_cap),
            stop=self._stopping,
            sleep=self._pause,
            reraise=True,
        )

        def counted() -> T:
            try:
                return call()
            except Exception as exc:
                self._note_error(name, exc)
                raise

        try:
            return retrying(counted)
        except Exception:
            if self._stop_event.is_set():
                raise Stopping from None
            raise  # pragma: no cover - the stop condition is the only one

    def _stopping(self, _: RetryCallState) -> bool:
        return self._stop_event.is_set()

    def _pause(self, seconds: float) -> None:
        self._stop_event.wait(seconds)  # a stop ends the wait at once

    def _iterator(self, shard: ShardState) -> str:
        """A fresh iterator just past the last record buffered (the shard's start before any)."""
        position: dict[str, str] = (
            {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "StartingSequenceNumber": shard.last_seq}
            if shard.last_seq
            else {"ShardIteratorType": "TRIM_HORIZON"}
        )
        return self.kinesis.get_shard_iterator(StreamName=self.stream, ShardId=shard.shard_id, **position)[
            "ShardIterator"
        ]

    def _get_records(self, shard: ShardState) -> dict[str, Any]:
        if shard.iterator is None:
            shard.iterator = self._iterator(shard)
        try:
            return self.kinesis.get_records(ShardIterator=shard.iterator, Limit=self.batch_size)
        except Exception:
            shard.iterator = None  # expired or unknown: the retry starts after the last record we hold
            raise

    def _poll(self, shard: ShardState) -> None:
        if not shard.closed and len(shard.buffer) < self.batch_size:
            page = self._call("GetRecords", lambda: self._get_records(shard))
            shard.iterator = page.get("NextShardIterator")
            shard.closed = shard.iterator is None  # only a resharded (closed) shard has no next iterator
            for record in page["Records"]:
                shard.buffer.append(self._lambda_record(shard.shard_id, record))
                shard.last_seq = record["SequenceNumber"]
            if shard.buffer and shard.first_buffered_at is None:
                shard.first_buffered_at = time.monotonic()
        if not shard.buffer or shard.first_buffered_at is None:
            return
        if len(shard.buffer) >= self.batch_size or time.monotonic() - shard.first_buffered_at >= self.window:
            batch = shard.buffer[: self.batch_size]
            self.deliver(batch)
            # Only now off the buffer: a delivery cut short by an error is delivered again, and the
            # aggregator's high-water marks make that redelivery harmless.
            shard.buffer = shard.buffer[len(batch) :]
            shard.first_buffered_at = time.monotonic() if shard.buffer else None

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
            body = json.dumps(message)
            self._call("SendMessage", lambda: self.sqs.send_message(QueueUrl=self.dlq_url, MessageBody=body))
        self.stats.sent_to_dlq += len(records)
