"""Deliver records to the domain the way Lambda's Kinesis event source mapping would."""

from __future__ import annotations

import random
from collections.abc import Callable

from domain.apply import BatchOutcome, ItemStore, apply_batch
from domain.coalesce import StreamRecord, coalesce_batch

SHARD = "shardId-000000000000"


def apply_once(store: ItemStore, records: list[StreamRecord], shard: str = SHARD) -> BatchOutcome:
    return apply_batch(store, shard, coalesce_batch(records, shard))


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
    """Random batch sizes, each batch delivered 1..max_deliveries times, resuming at the reported cut;
    now and then a batch is bisected (a function error) and its first half delivered alone first.

    Returns the number of deliveries made. Raises if it cannot make progress.
    """
    position = deliveries = 0
    for _ in range(max_rounds):
        if position >= len(records):
            return deliveries
        batch = records[position : position + rng.randint(1, max_batch)]
        if len(batch) > 1 and rng.random() < 0.2:
            deliveries += 1
            apply(store, batch)  # crashed after writing some of it: Lambda bisects
            batch = batch[: len(batch) // 2]
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
