"""Property: any split into sub-batches, any replays, any write failures == one clean pass."""

from __future__ import annotations

import itertools
import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.coalesce import StreamRecord
from domain.sequence import order_key
from models.events import parse_event
from tests.support.delivery import apply_once, deliver_chaotically
from tests.support.events import live, poll, profile, raw_events
from tests.support.memory_store import MemoryStore


def stream(raws: list[dict]) -> list[StreamRecord]:
    return [StreamRecord(order_key(str(i + 1)), parse_event(raw)) for i, raw in enumerate(raws)]


def clean(records: list[StreamRecord]) -> dict:
    store = MemoryStore()
    assert apply_once(store, records).cut is None
    return store.items


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(raw_events(), min_size=1, max_size=60), st.integers(0, 2**32), st.sampled_from([0.0, 0.05, 0.3])
)
def test_chaotic_delivery_equals_clean_pass(raws: list[dict], seed: int, fail_rate: float) -> None:
    records = stream(raws)
    store = MemoryStore(fail_rate=fail_rate, seed=seed)
    deliver_chaotically(store, records, random.Random(seed))
    assert store.items == clean(records)


@settings(max_examples=100, deadline=None)
@given(st.lists(raw_events(), min_size=1, max_size=40), st.data())
def test_any_split_any_replays_equals_clean_pass(raws: list[dict], data: st.DataObject) -> None:
    records = stream(raws)
    cuts = sorted(data.draw(st.sets(st.integers(1, max(1, len(records) - 1)))))
    store = MemoryStore()
    bounds = [0, *cuts, len(records)]
    for start, end in itertools.pairwise(bounds):
        for _ in range(data.draw(st.integers(1, 3))):
            assert apply_once(store, records[start:end]).cut is None
    assert store.items == clean(records)


def test_replaying_an_older_prefix_changes_nothing() -> None:
    records = stream([live("s1", 10, 5), poll("s1", "p1"), live("s1", 20, 20), poll("s1", "p1")])
    store = MemoryStore()
    apply_once(store, records)
    before = {k: dict(v) for k, v in store.items.items()}
    apply_once(store, records[:2])  # a bisected first half arriving late
    apply_once(store, records[1:3])
    assert store.items == before


def test_distinct_viewers_counted_once_under_replays() -> None:
    records = stream([live("s1", user="u1"), live("s1", user="u1"), live("s1", user="u2")])
    store = MemoryStore()
    for _ in range(3):
        apply_once(store, records)
        apply_once(store, records[1:])
    totals = [v for k, v in store.items.items() if k.pk == "EVT#e1#SES#s1"]
    assert totals[0]["viewers"] == 2
    assert totals[0]["live_seconds"] == 30


def test_viewer_counted_when_user_item_written_but_totals_failed() -> None:
    """The user item was updated, the totals write failed: the retry must still add the viewer."""
    records = stream([live("s1", user="u1")])

    class FailTotalsOnce(MemoryStore):
        failed = False

        def add_after(self, key, shard, first_seq, last_seq, delta):  # type: ignore[no-untyped-def]
            if key.sk == "TOTAL" and not self.failed:
                self.failed = True
                raise RuntimeError("totals unavailable")
            return super().add_after(key, shard, first_seq, last_seq, delta)

    store = FailTotalsOnce()
    assert apply_once(store, records).cut == records[0].seq
    assert apply_once(store, records).cut is None
    assert store.items == clean(records)


def test_latest_profile_wins_whatever_the_arrival_order() -> None:
    newer = profile("New Name", "2026-11-20T12:00:00Z", company="Acme")
    older = profile("Old Name", "2026-11-20T09:00:00+01:00", company="Old Co")  # 08:00Z
    store = MemoryStore()
    apply_once(store, stream([newer]))
    apply_once(store, stream([older]))
    (item,) = store.items.values()
    assert item["name"] == "New Name"
    assert item["company"] == "Acme"
    assert store.items == clean(stream([older, newer]))


def test_duplicate_event_ids_in_one_batch_count_once() -> None:
    first = live("s1", 10, 10, id="dup")
    records = stream([first, dict(first), poll("s1", "p9", id="p"), poll("s1", "p9", id="p")])
    store = MemoryStore()
    apply_once(store, records)
    user_item = store.items[next(k for k in store.items if k.sk == "SES#s1" and "USR" in k.pk)]
    assert user_item["live_seconds"] == 10
    assert user_item["poll_answers"] == 1


def test_viewer_counted_when_first_activity_in_batch_is_not_viewing() -> None:
    records = stream([poll("s1", "p1", user="u1"), live("s1", user="u1")])
    store = MemoryStore()
    apply_once(store, records)
    assert store.items[next(k for k in store.items if k.sk == "TOTAL")]["viewers"] == 1


def test_item_too_large_quarantines_the_groups_records_whole() -> None:
    from domain.apply import ItemTooLarge

    class FullItem(MemoryStore):
        def add_after(self, key, shard, first_seq, last_seq, delta):  # type: ignore[no-untyped-def]
            if key.pk.endswith("#USR#hoarder"):
                raise ItemTooLarge(str(key))
            return super().add_after(key, shard, first_seq, last_seq, delta)

    records = stream([live("s1", 10, 10, user="u1"), live("s1", 20, 20, user="hoarder"), live("s1", 5, 0)])
    store = FullItem()
    outcome = apply_once(store, records)
    assert outcome.cut is None
    assert outcome.quarantined == {records[1].seq: "item_too_large"}
    total = store.items[next(k for k in store.items if k.sk == "TOTAL")]
    assert (total["live_seconds"], total["viewers"]) == (15, 1)
