"""Write cost: DynamoDB write requests and WCU per event, ours vs naive vs the physical minimum.

Replays a synthetic conference day through the real coalescing and exactly-once code with a
store that bills like DynamoDB (an UpdateItem costs ceil(max(size before, after) / 1 KB) WCU).
"""

from __future__ import annotations

import sys
import time
from collections import defaultdict
from typing import Any

from benchmarks.common import header, item_size, ratio, shard_of, synthetic_event, wcu
from domain.apply import AlreadyApplied, Written, apply_batch, hwm_attribute
from domain.coalesce import StreamRecord, coalesce_batch
from domain.delta import Delta
from domain.keys import ItemKey
from domain.sequence import order_key
from models.events import parse_event

SHARDS = 4
BATCH_LIMIT = 1000  # the event source mapping's BatchSize in template.yaml


class BillingStore:
    """DynamoDB semantics for one clean pass, counting requests and consumed WCU."""

    def __init__(self) -> None:
        self.items: dict[ItemKey, dict[str, Any]] = {}
        self.requests = 0
        self.wcu = 0

    def _bill(self, key: ItemKey, before: int, item: dict[str, Any]) -> None:
        after = item_size(item) + len(key.pk) + 2 + len(key.sk) + 2
        self.requests += 1
        self.wcu += wcu(max(before, after))

    def _size(self, key: ItemKey) -> int:
        item = self.items.get(key)
        return 0 if item is None else item_size(item) + len(key.pk) + len(key.sk) + 4

    def add_after(
        self, key: ItemKey, shard: str, first: str, last: str, delta: Delta
    ) -> Written | AlreadyApplied:
        before = self._size(key)
        item = self.items.setdefault(key, {})
        for name, amount in delta.add.items():
            item[name] = item.get(name, 0) + amount
        for name, values in [*delta.strings.items(), *delta.numbers.items()]:
            item[name] = set(item.get(name, ())) | values
        item.update(delta.put)
        for name, value in delta.put_once.items():
            item.setdefault(name, value)
        item[hwm_attribute(shard)] = last
        self._bill(key, before, item)
        return Written({"view_seq": item.get("view_seq")})

    def put_latest(self, group: Any) -> bool:
        before = self._size(group.key)
        item = self.items.setdefault(group.key, {})
        item.update({k: v for k, v in group.values.items() if v is not None})
        item[group.time_attribute] = group.time
        self._bill(group.key, before, item)
        return True


def load(attendees: int) -> list[tuple[float, int, StreamRecord]]:
    """(arrival second, shard, record) for the whole day, with Kinesis-like sequence numbers."""
    out = []
    sequence = defaultdict(int)
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
        minimum += (
            len(plan.users)
            + len(plan.latest)
            + len({*plan.totals, *(g.viewers_of for g in plan.users if g.viewers_of)})
        )
        outcome = apply_batch(ours, shard, plan)
        assert outcome.cut is None
    return {
        "requests": ours.requests,
        "wcu": ours.wcu,
        "minimum": minimum,
        "batches": len(batches(records, window)),
    }


def naive(records: list[tuple[float, int, StreamRecord]]) -> dict[str, float]:
    """One UpdateItem per event per item it touches (no coalescing)."""
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
    print("window_s  batches  requests  req/event  WCU/event  minimum  ours/minimum")
    for window, r in results.items():
        print(
            f"{window:>8}  {r['batches']:>7}  {r['requests']:>8}  {r['requests'] / events:>9.3f}  "
            f"{r['wcu'] / events:>9.3f}  {r['minimum']:>7}  {r['requests'] / r['minimum']:>12.3f}"
        )
    naive_requests, naive_wcu = baseline["requests"], baseline["wcu"]
    print(
        f"naive     requests {naive_requests}  req/event {naive_requests / events:.3f}  "
        f"WCU/event {naive_wcu / events:.3f}"
    )
    print(f"took {time.perf_counter() - began:.1f} s")
    chosen = results[30]
    ratio("write_requests_per_event@30s", chosen["requests"] / events, "<= 0.5")
    ratio("ours_vs_minimum@30s", chosen["requests"] / chosen["minimum"], "<= 1.05")
    ratio("naive_vs_ours@30s", baseline["requests"] / chosen["requests"], ">= 4")
    ratio("wcu_per_event@30s", chosen["wcu"] / events, "(no target)")
    return {"events": events, "windows": results, "naive": baseline}


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "full")
