"""Aggregator CPU time: µs per event for decode + validate + coalesce + fold + build the write requests.

Runs the real Powertools batch processor and exactly-once code; DynamoDB is the billing store of
the write-cost benchmark, and every write's request is built exactly as the real store builds it.
"""

from __future__ import annotations

import base64
import itertools
import os
import sys
import time
from collections.abc import Iterable
from typing import Any

from benchmarks.common import header, lambda_record, ratio, synthetic_event
from benchmarks.write_cost import BillingStore

os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")

from dal.items import bind_table
from dal.writes import item_request
from domain.apply import apply_batch
from domain.coalesce import StreamRecord, coalesce_batch
from domain.keys import ItemKey
from ingest.aggregator import calm_collector
from ingest.stream_batch import CoalescingBatchProcessor, decode_shard
from models.events import parse_event, parse_record


class RequestBuildingStore(BillingStore):
    """Builds every item write's request as the real store does; sends nothing, bills nothing."""

    def _write(self, key: ItemKey, item: dict[str, Any]) -> None:
        self.items[key] = item

    def read(self, keys: Iterable[ItemKey]) -> dict[ItemKey, dict[str, Any]]:
        return {k: dict(self.items[k]) for k in keys if k in self.items}

    def write_item(self, key: ItemKey, state: dict[str, Any], expected_version: int | None) -> None:
        item_request(key, state)
        super().write_item(key, state, expected_version)


def build_batches(attendees: int, per_batch: int = 750) -> list[list[dict[str, Any]]]:
    records = []
    for seq, raw in enumerate(synthetic_event(attendees=attendees), start=1):
        raw.pop("_at")
        event = parse_event(raw)
        records.append(lambda_record(seq, event.to_record(), event.partition_key, 0))
    return [records[i : i + per_batch] for i in range(0, len(records), per_batch)]


def run(batches: list[list[dict[str, Any]]]) -> tuple[float, int]:
    store = RequestBuildingStore()

    def apply_shard(shard: str, records: list) -> Any:
        return apply_batch(store, shard, coalesce_batch(records, shard))

    began = time.process_time()
    for batch in batches:
        processor = CoalescingBatchProcessor(apply_shard, lambda poison: None)
        with processor(batch, handler=lambda record: None):
            processor.process()
    return time.process_time() - began, store.requests


def decode_floor(batches: list[list[dict[str, Any]]]) -> float:
    """The physical minimum of any aggregator: base64 + JSON + pydantic of the same records."""
    began = time.process_time()
    for batch in batches:
        for raw in batch:
            parse_record(base64.b64decode(raw["kinesis"]["data"]))
    return time.process_time() - began


def phases(batches: list[list[dict[str, Any]]], warm: int, repeats: int) -> None:
    """Decode, coalescing and apply of the same batches, each against the floor of the same batch
    measured right after it: the best of ``repeats`` passes (a shared machine's load rarely spares
    a whole run, but it spares some of many short passes). One batch is alive at a time, as in
    the function; each pass starts from the store that ``warm`` batches left."""
    shard = "shardId-000000000000"
    store = RequestBuildingStore()
    for batch in batches[:warm]:
        apply_batch(store, shard, coalesce_batch(stream_records(batch), shard))
    state, chosen = dict(store.items), batches[warm:]
    best = [float("inf")] * 4
    for _ in range(repeats):
        store.items = dict(state)
        spent = [0.0] * 4
        for batch in chosen:
            marks = [time.process_time()]
            records = stream_records(batch)
            marks.append(time.process_time())
            plan = coalesce_batch(records, shard)
            marks.append(time.process_time())
            apply_batch(store, shard, plan)
            marks.append(time.process_time())
            decode_floor([batch])
            marks.append(time.process_time())
            spent = [
                s + end - start for s, (start, end) in zip(spent, itertools.pairwise(marks), strict=True)
            ]
        best = [min(b, s) for b, s in zip(best, spent, strict=True)]
    floor = best[3]
    print(f"phases, best of {repeats} passes over {sum(len(b) for b in chosen)} events (x the floor):")
    for name, seconds in zip(("decode", "coalesce", "apply"), best, strict=False):
        print(
            f"  {name:<8} {seconds / floor:.2f} x  ({seconds / sum(len(b) for b in chosen) * 1e6:.1f} us/event)"
        )
    ratio("aggregator_phases_vs_decode_floor", sum(best[:3]) / floor, "<= 2.5")


def by_phase(size: str = "full") -> None:
    header("aggregator CPU by phase")
    bind_table("bench")
    calm_collector()
    if size == "full":
        phases(build_batches(200), warm=40, repeats=10)
    else:
        phases(build_batches(5), warm=1, repeats=1)


def stream_records(batch: list[dict[str, Any]]) -> list[StreamRecord]:
    """The batch decoded as the processor does it (poison, which this day has none of, left out)."""
    return decode_shard(batch)[1]


def main(size: str = "full", profile: bool = False) -> dict[str, Any]:
    header("aggregator CPU")
    bind_table("bench")
    batches = build_batches(200 if size == "full" else 5)
    events = sum(len(b) for b in batches)
    run(batches[:2])  # warm up (imports, PynamoDB schema)
    calm_collector()  # as the handler does on its first invocation
    if profile:
        from pyinstrument import Profiler

        profiler = Profiler()
        profiler.start()
    # CPU time (not wall time) of this process, the two measured in turn: a shared machine's
    # other work then moves both alike, and the ratio stays put.
    timings, floors = [], []
    for _ in range(3 if size == "full" else 1):
        timings.append(run(batches))
        floors.append(decode_floor(batches))
    if profile:
        profiler.stop()
        print(profiler.output_text(unicode=False, color=False, show_all=False)[:6000])
    seconds, floor = min(t for t, _ in timings), min(floors)
    requests = timings[0][1]
    per_event = seconds / events * 1e6
    print(f"events: {events} in {len(batches)} batches of <= 750; write requests: {requests}")
    print(
        f"best of {len(timings)}: {seconds:.3f} s = {per_event:.1f} us/event, "
        f"{seconds / requests * 1e6:.1f} us/request"
    )
    print(f"decode + validate floor: {floor / events * 1e6:.1f} us/event (same run)")
    ratio("aggregator_us_per_event", per_event, "<= 30 (machine-dependent)")
    ratio("aggregator_vs_decode_floor", seconds / floor, "<= 2.5")
    return {"events": events, "us_per_event": per_event}


if __name__ == "__main__":
    if "--phases" in sys.argv:  # the per-phase split: decode / coalescing / apply vs the floor
        by_phase(sys.argv[1] if sys.argv[1] in ("full", "tiny") else "full")
    else:
        main(sys.argv[1] if len(sys.argv) > 1 else "full", profile="--profile" in sys.argv)
