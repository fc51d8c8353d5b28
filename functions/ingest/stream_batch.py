"""A Powertools partial-batch processor that applies a whole Kinesis batch at once.

Powertools' ``BatchProcessor`` calls a handler per record; exactly-once aggregation
needs the batch as a whole (coalesce, then one write per item). This processor keeps
Powertools' record types, success/failure bookkeeping and ``batchItemFailures``
response, and swaps the per-record loop for: decode all, quarantine poison, apply.
"""

from __future__ import annotations

import binascii
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from itertools import repeat
from typing import Any

from aws_lambda_powertools.utilities.batch import EventType
from aws_lambda_powertools.utilities.batch.base import BasePartialBatchProcessor
from aws_lambda_powertools.utilities.data_classes.kinesis_stream_event import KinesisStreamRecord

from domain.apply import BatchOutcome
from domain.coalesce import StreamRecord
from domain.sequence import order_key, order_keys
from models.events import EventRejected, UndecodableRecord, parse_record


@dataclass(frozen=True, slots=True)
class Poison:
    """A record that can never be applied, with the reason it goes to the dead-letter queue."""

    record: KinesisStreamRecord
    reason: str
    errors: list[dict[str, str]]

    def message(self) -> dict[str, Any]:
        k = self.record.kinesis
        return {
            "reason": self.reason,
            "errors": self.errors,
            "eventSourceARN": self.record.event_source_arn,
            "shardId": shard_of(self.record),
            "sequenceNumber": k.sequence_number,
            "partitionKey": k.partition_key,
            "approximateArrivalTimestamp": k.approximate_arrival_timestamp,
            "data": k.data,  # base64, as Kinesis gave it, so the record can be replayed once fixed
        }


def shard_of(record: KinesisStreamRecord) -> str:
    return _shard(record.raw_event)


def _shard(raw: dict[str, Any]) -> str:
    return str(raw["eventID"]).split(":", 1)[0]


def _by_shard(records: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """The records of each shard, in order. An event source mapping's batch is one shard's: that
    is checked with one prefix test per record, not a split."""
    if records:
        shard = _shard(records[0])
        prefix = shard + ":"
        try:
            if all(map(str.startswith, [raw["eventID"] for raw in records], repeat(prefix))):
                return {shard: records}
        except (KeyError, TypeError):
            pass  # a malformed record: split each one, which says what is wrong
    by_shard: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for raw in records:
        by_shard[_shard(raw)].append(raw)
    return by_shard


def decode(raw: dict[str, Any], seq: str) -> StreamRecord | Poison:
    """``seq`` is the record's order key (``domain.sequence.order_key`` of its sequence number).

    Works on the record as Lambda delivered it: Powertools' wrapper is built only for the few
    records that need it (poison, failures), not for every heartbeat.
    """
    payload = raw["kinesis"]
    try:
        # strict: only the base64 alphabet, in C (b64decode(validate=True) runs a regex over it).
        event = parse_record(binascii.a2b_base64(payload["data"], strict_mode=True))
    except UndecodableRecord:
        return _poison(raw, "undecodable", "record data is not a UTF-8 JSON document")
    except EventRejected as exc:
        return Poison(KinesisStreamRecord(raw), "invalid_event", [e.model_dump() for e in exc.errors])
    except ValueError:  # not base64 (Kinesis always encodes, so only a forged event gets here)
        return _poison(raw, "undecodable", "record data is not base64")
    return _new(StreamRecord, (seq, event, arrival_time(payload)))


def decode_shard(records: list[dict[str, Any]]) -> tuple[list[str], list[StreamRecord], list[Poison]]:
    """Each record's order key; the records decoded, and those that are poison, in record order.

    ``decode`` of each, its usual case inline (this runs per record): a record that fails any of
    it is decoded again by ``decode``, which says why.
    """
    seqs = order_keys([r["kinesis"]["sequenceNumber"] for r in records])
    decoded: list[StreamRecord] = []
    poison: list[Poison] = []
    for raw, seq in zip(records, seqs, strict=True):
        payload = raw["kinesis"]
        try:
            event = parse_record(binascii.a2b_base64(payload["data"], strict_mode=True))
            arrival = float(payload["approximateArrivalTimestamp"])
        except Exception:
            record = decode(raw, seq)
            if isinstance(record, Poison):
                poison.append(record)
            else:
                decoded.append(record)
            continue
        decoded.append(_new(StreamRecord, (seq, event, arrival)))
    return seqs, decoded, poison


def _poison(raw: dict[str, Any], reason: str, message: str) -> Poison:
    return Poison(KinesisStreamRecord(raw), reason, [{"field": "", "message": message}])


def arrival_time(payload: dict[str, Any]) -> float | None:
    """When the record reached the stream, epoch seconds (an erase compares it)."""
    try:
        return float(payload["approximateArrivalTimestamp"])
    except (TypeError, ValueError, KeyError):
        return None


_new = tuple.__new__  # builds the NamedTuple in C, skipping its Python-level __new__ (per record)

ApplyShard = Callable[[str, list[StreamRecord]], BatchOutcome]
Quarantine = Callable[[list[Poison]], None]


class CoalescingBatchProcessor(BasePartialBatchProcessor):
    def __init__(self, apply_shard: ApplyShard, quarantine: Quarantine):
        # Report failures rather than raise: the response tells Lambda where to resume.
        super().__init__(EventType.KinesisDataStreams, raise_on_entire_batch_failure=False)
        self.apply_shard = apply_shard
        self.quarantine = quarantine
        self.outcomes: dict[str, BatchOutcome] = {}
        self.poison: list[Poison] = []

    def _process_record(
        self, record: dict[str, Any]
    ) -> Any:  # pragma: no cover - process() replaces the loop
        raise NotImplementedError("records are processed as a batch")

    async def _async_process_record(self, record: dict[str, Any]) -> Any:  # pragma: no cover
        raise NotImplementedError("records are processed as a batch")

    def process(self) -> list[tuple[Any, ...]]:
        self.outcomes.clear()
        self.poison = []
        results: list[tuple[Any, ...]] = []
        for shard, shard_records in _by_shard(self.records).items():
            results += self._process_shard(shard, shard_records)
        return results

    def _process_shard(self, shard: str, records: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
        seqs, decoded, undecodable = decode_shard(records)
        outcome = self.apply_shard(shard, decoded)
        self.outcomes[shard] = outcome
        cut, error = outcome.cut, (outcome.errors[0] if outcome.errors else None)
        poison = undecodable
        if outcome.quarantined:
            poison = undecodable + [
                _poison(r, reason, "the item this record updates would pass 400 KB")
                for r, seq in zip(records, seqs, strict=True)
                if (reason := outcome.quarantined.get(seq))
            ]
        if poison:
            try:
                self.quarantine(poison)
                self.poison += poison
            except Exception as exc:  # the DLQ is unavailable: poison and all after it are retried
                first = min(
                    [order_key(p.record.kinesis.sequence_number) for p in undecodable]
                    + list(outcome.quarantined)
                )
                if cut is None or first < cut:
                    cut, error = first, exc
        if cut is None:  # the usual case: the whole batch applied
            return [self.success_handler(raw, None) for raw in records]
        assert error is not None
        failure = (type(error), error, error.__traceback__)
        return [
            self.failure_handler(KinesisStreamRecord(raw), failure)
            if seq >= cut
            else self.success_handler(raw, None)
            for raw, seq in zip(records, seqs, strict=True)
        ]
