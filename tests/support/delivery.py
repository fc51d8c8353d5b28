"""Deliver records to the domain the way Lambda's Kinesis event source mapping would."""

from __future__ import annotations

import random
from collections.abc import Callable

from domain.apply import BatchOutcome, ItemStore, apply_batch
from domain.coalesce import StreamRecord, coalesce_batch

SHARD = "shardId-000000000000"


def apply_once(store: ItemStore, records: list[StreamRecord]) -> BatchOutcome:
    return apply_batch(store, SHARD, coalesce_batch(records, SHARD))


def deliver_chaotically(
    store: ItemStore,
    records: list[StreamRecord],
    rng: random.Random,
    *,
    max_batch: int = 8,
    max_deliveries: int = 3,
    apply: Callable[[ItemStore, list[StreamRecord]], BatchOutcome] = apply_once,
    max_rounds: int = 10_000,
) -> int:
    """Random batch sizes, each batch delivered 1..max_deliveries times, resuming at the reported cut.

    Returns the number of deliveries made. Raises if it cannot make progress.
    """
    position = deliveries = 0
    for _ in range(max_rounds):
        if position >= len(records):
            return deliveries
        batch = records[position : position + rng.randint(1, max_batch)]
        resume = position + len(batch)
        for _ in range(rng.randint(1, max_deliveries)):
            deliveries += 1
            outcome = apply(store, batch)
            if outcome.cut is not None:
                # Lambda resumes at the first failed record: a "bisected"/shorter redelivery.
                resume = next(i for i in range(position, len(records)) if records[i].seq >= outcome.cut)
                break
        position = resume
    raise AssertionError("delivery made no progress")
