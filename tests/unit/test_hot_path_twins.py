"""The aggregator's inlined hot paths against the helpers they duplicate (their twins)."""

from __future__ import annotations

from datetime import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.coalesce import StreamRecord, ViewGroup, coalesce_batch
from domain.coverage import heartbeat_spans
from domain.sequence import order_key
from models.events import ViewHeartbeat, parse_event
from tests.support.events import live

TIMES = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(9999, 12, 30))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            # any year the contract allows: the inline floors the seconds since the epoch itself
            st.one_of(
                st.datetimes(min_value=datetime(2026, 11, 20), max_value=datetime(2026, 11, 21)), TIMES
            ),
            st.integers(1, 60),
            st.integers(0, 60),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_a_heartbeats_gathered_spans_are_its_heartbeat_spans(beats: list[tuple[datetime, int, int]]) -> None:
    """``_gather_heartbeat``'s inline usual case (and its way through ``_beat_entries`` across an
    hour) gives each viewing item the spans ``heartbeat_spans`` gives."""
    raws = [
        live("s1", seconds, min(engaged, seconds), time=when.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
        for when, seconds, engaged in beats
    ]
    records = [StreamRecord(order_key(str(i + 1)), parse_event(raw)) for i, raw in enumerate(raws)]
    expected: dict[int, list[tuple[int, int, int]]] = {}
    for record in records:
        event = record.event
        assert isinstance(event, ViewHeartbeat)
        data = event.data
        spans = heartbeat_spans(event.time.timestamp(), data.seconds, data.engaged_seconds)
        for hour, lo, hi, share in spans:
            expected.setdefault(hour, []).append((lo, hi, share))
    groups = [g for g in coalesce_batch(records).groups.values() if type(g) is ViewGroup]
    assert {g.hour: g.spans for g in groups} == expected
