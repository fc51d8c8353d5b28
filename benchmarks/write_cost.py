"""Write cost: DynamoDB requests and capacity per event, ours vs naive vs the physical minimum.

Replays a synthetic conference day through the real coalescing, fold and exactly-once code with
a store that bills like DynamoDB: a write costs ceil(max(size before, after) / 1 KB) WCU; a
consistent read 1 RCU per 4 KB per item asked for, found or not; BatchGetItem takes 100 keys a
request.
"""

from __future__ import annotations

import copy
import sys
import time
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from benchmarks.common import header, item_size, ratio, rcu, shard_of, synthetic_event, wcu
from domain.apply import apply_batch
from domain.coalesce import LatestGroup, StreamRecord, coalesce_batch
from domain.fold import hwm_attribute
from domain.keys import ItemKey
from domain.sequence import order_key
from models.events import parse_event

SHARDS = 4
BATCH_LIMIT = 1000  # the event source mapping's BatchSize in template.yaml


class BillingStore:
    """DynamoDB semantics for one clean pass, counting requests and consumed capacity."""

    def __init__(self) -> None:
        self.items: dict[ItemKey, dict[str, Any]] = {}
        self.requests = self.reads = self.read_requests = self.creates = 0
        self.wcu = self.rcu = 0
        self.index_writes = 0  # writes of items that carry GSI1 keys (each also writes the index)
        self.dedup_bytes = 0  # applied-event ids kept to recognise resends, at the end

    def _size(self, key: ItemKey, item: dict[str, Any] | None) -> int:
        return 0 if item is None else item_size(item) + len(key.pk) + len(key.sk) + 4

    def _write(self, key: ItemKey, item: dict[str, Any]) -> None:
        before = self._size(key, self.items.get(key))
        self.items[key] = item
        self.wcu += wcu(max(before, self._size(key, item)))
        self.index_writes += "gsi1pk" in item

    def read(self, keys: Iterable[ItemKey]) -> dict[ItemKey, dict[str, Any]]:
        wanted = list(keys)
        self.read_requests += -(-len(wanted) // 100)
        self.reads += len(wanted)
        self.rcu += sum(rcu(self._size(k, self.items.get(k))) for k in wanted)
        return {k: copy.copy(self.items[k]) for k in wanted if k in self.items}

    def write_item(self, key: ItemKey, state: dict[str, Any], expected_version: int | None) -> None:
        self.requests += 1
        self.creates += expected_version is None
        self._write(key, state)

    def delete(self, keys: Iterable[ItemKey]) -> None:
        for key in keys:
            self.requests += 1
            self.items.pop(key, None)

    def add_to_total(
        self, key: ItemKey, marks: dict[str, tuple[str | None, str]], add: dict[str, int]
    ) -> None:
        self.requests += 1
        item = dict(self.items.get(key, {}))
        for name, amount in add.items():
            item[name] = item.get(name, 0) + amount
        for shard, (_, new) in marks.items():
            item[hwm_attribute(shard)] = new
        self._write(key, item)

    def put_latest(self, group: LatestGroup) -> bool:
        self.requests += 1 + len(group.links)
        item = dict(self.items.get(group.key, {}))
        item.update({k: v for k, v in group.values.items() if v is not None})
        item[group.time_attribute] = group.time
        self._write(group.key, item)
        for link in group.links:
            self._write(link, {group.time_attribute: group.time})
        return True

    def dedup_size(self) -> int:
        return sum(len(i.get("dedup") or b"") + len(i.get("hashes") or b"") for i in self.items.values())


def load(attendees: int) -> list[tuple[float, int, StreamRecord]]:
    """(arrival second, shard, record) for the whole day, with Kinesis-like sequence numbers."""
    out = []
    sequence: defaultdict[int, int] = defaultdict(int)
    for raw in synthetic_event(attendees=attendees, minutes_per_session=13):
        at = raw.pop("_at")
        event = parse_event(raw)
        shard = shard_of(event.partition_key, SHARDS)
        sequence[shard] += 1
        out.append((at, shard, StreamRecord(order_key(str(sequence[shard])), event)))
    return out


def batches(
    records: list[tuple[float, int, StreamRecord]], window: float
) -> list[tuple[str, list[StreamRecord]]]:
    """What the event source mapping hands the function: per shard, per window, at most BATCH_LIMIT."""
    grouped: dict[tuple[int, int], list[StreamRecord]] = defaultdict(list)
    for at, shard, record in records:
        grouped[(shard, int(at // window))].append(record)
    out = []
    for (shard, _), group in sorted(grouped.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        for start in range(0, len(group), BATCH_LIMIT):
            out.append((f"shardId-{shard:012d}", group[start : start + BATCH_LIMIT]))
    return out


def measure(records: list[tuple[float, int, StreamRecord]], window: float) -> dict[str, float]:
    ours, minimum = BillingStore(), 0
    for shard, batch in batches(records, window):
        plan = coalesce_batch(batch, shard)
        before = dict(ours.items)
        outcome = apply_batch(ours, shard, plan)
        assert outcome.cut is None
        # The floor: one write per item whose stored value had to change.
        minimum += sum(1 for k, v in ours.items.items() if before.get(k) is not v)
    return {
        "requests": ours.requests,
        "wcu": ours.wcu,
        "read_requests": ours.read_requests,
        "reads": ours.reads,
        "rcu": ours.rcu,
        "index_writes": ours.index_writes,
        "creates": ours.creates,
        "dedup_bytes": ours.dedup_size(),
        "minimum": minimum,
        "batches": len(batches(records, window)),
    }


def naive(records: list[tuple[float, int, StreamRecord]]) -> dict[str, float]:
    """One batch per event (no coalescing): what a per-record handler would write."""
    store = BillingStore()
    for _, shard, record in records:
        shard_id = f"shardId-{shard:012d}"
        apply_batch(store, shard_id, coalesce_batch([record], shard_id))
    return {"requests": store.requests, "wcu": store.wcu}


def main(size: str = "full") -> dict[str, Any]:
    header("write cost")
    attendees = 1000 if size == "full" else 20
    began = time.perf_counter()
    records = load(attendees)
    events = len(records)
    print(f"events: {events} ({attendees} attendees, 8 sessions, heartbeat every 10 s), {SHARDS} shards")
    results = {window: measure(records, window) for window in (1, 5, 30, 60)}
    baseline = naive(records)
    print(
        "window_s  batches  writes  wr/event  WCU/event  reads/event  RCU/event  idx/event  minimum  ours/min"
    )
    for window, r in results.items():
        print(
            f"{window:>8}  {r['batches']:>7}  {r['requests']:>6}  {r['requests'] / events:>8.3f}  "
            f"{r['wcu'] / events:>9.3f}  {r['read_requests'] / events:>11.3f}  {r['rcu'] / events:>9.3f}  "
            f"{r['index_writes'] / events:>9.4f}  {r['minimum']:>7}  {r['requests'] / r['minimum']:>8.3f}"
        )
    naive_requests, naive_wcu = baseline["requests"], baseline["wcu"]
    print(
        f"naive     requests {naive_requests}  req/event {naive_requests / events:.3f}  "
        f"WCU/event {naive_wcu / events:.3f}"
    )
    chosen = results[30]
    print(
        f"resend recognition @30s: {chosen['dedup_bytes']} bytes of ids kept "
        f"({chosen['dedup_bytes'] / events:.2f} B/event); {chosen['creates']} items created"
    )
    print(f"took {time.perf_counter() - began:.1f} s")
    ratio("write_requests_per_event@30s", chosen["requests"] / events, "<= 0.5")
    ratio("ours_vs_minimum@30s", chosen["requests"] / chosen["minimum"], "<= 1.0")
    ratio("naive_vs_ours@30s", baseline["requests"] / chosen["requests"], ">= 4")
    ratio("wcu_per_event@30s", chosen["wcu"] / events, "(no target)")
    ratio("read_requests_per_event@30s", chosen["read_requests"] / events, "(no target)")
    ratio("rcu_per_event@30s", chosen["rcu"] / events, "(no target)")
    ratio("index_writes_per_event@30s", chosen["index_writes"] / events, "<= 0.02")
    return {"events": events, "windows": results, "naive": baseline}


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "full")
