"""Keynote: peak WCU/s of the hottest base-table partition and GSI1 partition (SPEC 11).

100,000 viewers of one session, 32 shards, a 30 s batching window, joins spread over 10 minutes,
a live heartbeat every 10 s and a profile at join. Counted per 1-second bucket.

Through the real coalescing, fold and exactly-once code, on the write-cost benchmark's billing
store (in memory). Users hash evenly over shards and every shard sees the same kind of traffic, so
one shard's share (viewers / 32) is run and its per-batch writes are laid onto the 32 shards, whose
batching windows are spread evenly over the 30 s (shard k's batches end at k x 30/32 s + 30 j).
Every write of a batch is counted in the second the batch ends (the aggregator issues them in
parallel, within ~100 ms): a pessimistic burst model.
"""

from __future__ import annotations

import random
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from benchmarks.common import header, ratio
from benchmarks.write_cost import BillingStore
from domain.apply import apply_batch
from domain.coalesce import StreamRecord, coalesce_batch
from domain.keys import session_total_key
from domain.sequence import order_key
from models.events import parse_event

SHARDS = 32
WINDOW = 30
JOIN_SPREAD = 600  # seconds
START = datetime(2026, 11, 20, 9, tzinfo=UTC)


def shard_events(viewers: int, minutes: int, seed: int = 7) -> list[tuple[float, dict[str, Any]]]:
    """One shard's share of the keynote: joins spread over 10 minutes, a beat every 10 s."""
    rng = random.Random(seed)
    out: list[tuple[float, dict[str, Any]]] = []
    for v in range(viewers):
        user = f"k{v:06d}"
        joined = rng.uniform(0, JOIN_SPREAD)
        out.append((joined, _event(f"p{v}", "user.profile", user, joined, {"name": f"Viewer {v}"})))
        at = joined + 10
        n = 0
        while at < minutes * 60:
            data = {"kind": "live", "sessionId": "keynote", "seconds": 10, "engagedSeconds": 10}
            out.append((at, _event(f"b{v}-{n}", "view.heartbeat", user, at, data)))
            at += 10
            n += 1
    out.sort(key=lambda pair: pair[0])
    return out


def _event(eid: str, kind: str, user: str, at: float, data: dict[str, Any]) -> dict[str, Any]:
    when = (START + timedelta(seconds=at)).isoformat()
    return {"id": eid, "type": kind, "time": when, "eventId": "big", "userId": user, "data": data}


def per_batch(events: list[tuple[float, dict[str, Any]]]) -> tuple[list[dict[str, Any]], BillingStore]:
    """Run one shard's batches; per batch: the WCU each base partition and index partition took."""
    store = BillingStore()
    shard = "shardId-000000000000"
    batches: defaultdict[int, list[StreamRecord]] = defaultdict(list)
    for seq, (at, raw) in enumerate(events, start=1):
        batches[int(at // WINDOW)].append(StreamRecord(order_key(str(seq)), parse_event(raw)))
    out = []
    for window in sorted(batches):
        base_before = dict(store.partition_wcu)
        index_before = dict(store.index_partition_writes)
        outcome = apply_batch(store, shard, coalesce_batch(batches[window], shard))
        assert outcome.cut is None
        out.append(
            {
                "ends": (window + 1) * WINDOW,
                "events": len(batches[window]),
                "base": {k: v - base_before.get(k, 0) for k, v in store.partition_wcu.items()},
                "index": {k: v - index_before.get(k, 0) for k, v in store.index_partition_writes.items()},
            }
        )
    return out, store


def peaks(batches: list[dict[str, Any]], part: str) -> tuple[int, str, int]:
    """(peak WCU in one second, its partition, the second) with the shards' windows spread."""
    per_second: defaultdict[tuple[int, str], int] = defaultdict(int)
    for batch in batches:
        for partition, units in batch[part].items():
            # A user's partition is written by its own shard only; shared partitions (the session
            # totals, the attendees and users index partitions) by every shard.
            for k in range(1 if "#USR#" in partition else SHARDS):
                if units:
                    per_second[(int(batch["ends"] + k * WINDOW / SHARDS), partition)] += units
    if not per_second:
        return 0, "-", 0
    (second, partition), units = max(per_second.items(), key=lambda kv: kv[1])
    return units, partition, second


def main(size: str = "full") -> dict[str, Any]:
    header("keynote")
    viewers = 100_000 if size == "full" else 3_200
    minutes = 42 if size == "full" else 20
    began = time.perf_counter()
    events = shard_events(viewers // SHARDS, minutes)
    batches, store = per_batch(events)
    base_peak, base_partition, base_second = peaks(batches, "base")
    index_peak, index_partition, index_second = peaks(batches, "index")
    total = session_total_key("big", "keynote")
    totals_peak = max(
        (
            sum(1 for b in batches for k in range(SHARDS) if int(b["ends"] + k * WINDOW / SHARDS) == s)
            for s in range(minutes * 60 + 2 * WINDOW)
        ),
        default=0,
    )
    shard_events_total = len(events)
    print(
        f"{viewers} viewers, {SHARDS} shards, {WINDOW} s window, joins over {JOIN_SPREAD // 60} min, "
        f"{minutes} min simulated; one shard run: {shard_events_total} events, {len(batches)} batches"
    )
    print(
        f"per shard: {store.wcu} WCU, {store.index_writes} index writes "
        f"({store.index_writes / shard_events_total:.4f}/event); "
        f"ALL projection would write {store.index_writes_all}"
    )
    print(f"hottest base partition: {base_partition} {base_peak} WCU in second {base_second}")
    print(f"  the session totals item ({total.pk}): at most {totals_peak} writes in one second")
    print(f"hottest index partition: {index_partition} {index_peak} writes in second {index_second}")
    print(f"took {time.perf_counter() - began:.1f} s")
    ratio("keynote_base_peak_wcu_per_s", base_peak, "<= 1000")
    ratio("keynote_index_peak_wcu_per_s", index_peak, "<= 1000")
    return {"base_peak": base_peak, "index_peak": index_peak, "index_partition": index_partition}


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "full")
