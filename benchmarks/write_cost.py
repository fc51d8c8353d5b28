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
from domain import keys
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
        self.index_writes = 0  # GSI1 writes, KEYS_ONLY: an entry created, deleted, or moved (2)
        self.index_writes_all = 0  # what projection ALL would write: also every write of an entry
        self.partition_wcu: defaultdict[str, int] = defaultdict(int)  # base table, per pk
        self.index_partition_writes: defaultdict[str, int] = defaultdict(int)  # GSI1, per gsi1pk
        self.dedup_bytes = 0  # applied-event ids kept to recognise resends, at the end

    def _size(self, key: ItemKey, item: dict[str, Any] | None) -> int:
        return 0 if item is None else item_size(item) + len(key.pk) + len(key.sk) + 4

    def _write(self, key: ItemKey, item: dict[str, Any]) -> None:
        old = self.items.get(key)
        before = self._size(key, old)
        self.items[key] = item
        units = wcu(max(before, self._size(key, item)))
        self.wcu += units
        self.partition_wcu[key.pk] += units
        for partition, writes in index_writes(old, item).items():
            self.index_writes += writes
            self.index_partition_writes[partition] += writes
        moved = sum(index_writes(old, item).values())
        self.index_writes_all += moved or ("gsi1pk" in item)  # ALL: every write of an entry too

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


def index_writes(old: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, int]:
    """GSI1 writes of one table write with a KEYS_ONLY projection, per index partition.

    DynamoDB writes a KEYS_ONLY index only when an item gains, loses or changes its index keys
    (a change is two writes: the old entry deleted, the new one put); a change to any other
    attribute leaves the index alone (Developer Guide, "Provisioned throughput considerations for
    global secondary indexes").
    """
    before = (old or {}).get("gsi1pk"), (old or {}).get("gsi1sk")
    after = new.get("gsi1pk"), new.get("gsi1sk")
    if before == after:
        return {}
    out: dict[str, int] = defaultdict(int)
    for pk, _ in (before, after):
        if pk is not None:
            out[pk] += 1
    return dict(out)


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
    _LAST_ITEMS[id(records)] = ours.items
    return {
        "requests": ours.requests,
        "wcu": ours.wcu,
        "read_requests": ours.read_requests,
        "reads": ours.reads,
        "rcu": ours.rcu,
        "index_writes": ours.index_writes,
        "index_writes_all": ours.index_writes_all,
        "creates": ours.creates,
        "dedup_bytes": ours.dedup_size(),
        "minimum": minimum,
        "batches": len(batches(records, window)),
    }


FINE_LADDER = (0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000)


def fine_ladder(records: list[tuple[float, int, StreamRecord]]) -> dict[str, float]:
    """The same day with SPEC 11's example ladder (0, 1, 2, 5, 10, 20, 50… min)."""
    saved = keys.MINUTES_LADDER
    keys.MINUTES_LADDER = FINE_LADDER
    try:
        return measure(records, 30)
    finally:
        keys.MINUTES_LADDER = saved


_LAST_ITEMS: dict[int, dict[ItemKey, dict[str, Any]]] = {}


def ours_items(records: list[tuple[float, int, StreamRecord]]) -> dict[ItemKey, dict[str, Any]]:
    return _LAST_ITEMS[id(records)]


def users_minutes_index(items: dict[ItemKey, dict[str, Any]], ladder: tuple[float, ...] | None = None) -> int:
    """Index writes of a per-user minutes bucket: one entry per user, two writes per bucket moved
    (a user's minutes only grow, so the moves are the final bucket's index)."""
    seconds: defaultdict[str, int] = defaultdict(int)
    for key, item in items.items():
        if key.sk.startswith(keys.VIEW_PREFIX):
            seconds[key.pk] += int(item.get("seconds", 0))
    return sum(1 + 2 * keys.minutes_bucket(s, ladder) for s in seconds.values())


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
    print(
        f"index writes @30s: {chosen['index_writes']} with KEYS_ONLY "
        f"({chosen['index_writes'] / events:.4f}/event); projection ALL would write "
        f"{chosen['index_writes_all']} ({chosen['index_writes_all'] / events:.4f}/event)"
    )
    fine = fine_ladder(records)
    print(
        f"attendees index with a 1-2-5 minutes ladder instead @30s: {fine['index_writes']} "
        f"({fine['index_writes'] / events:.4f}/event), {fine['requests'] / events:.3f} writes/event"
    )
    users = users_minutes_index(ours_items(records), FINE_LADDER), users_minutes_index(ours_items(records))
    print(
        "a per-user minutes index (All users by minutes; not built) would add, from each user's final "
        f"minutes: {users[0] / events:.4f}/event with the 1-2-5 ladder, {users[1] / events:.4f} with ours"
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
