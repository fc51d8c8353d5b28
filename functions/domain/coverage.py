"""Viewing as watched wall-clock time (SPEC section 2): unions of whole seconds, one bitmap per hour.

A heartbeat with ``time`` T and ``seconds`` S covers [floor(T) - S, floor(T)). A user's viewing of
one content item is the size of the union of those intervals. The union is kept per UTC hour as a
3,600-bit map (450 bytes), so an item stays small and bounded whatever a producer sends, and a
second can only ever be counted once: re-sent beats, overlapping beats and a second tab or device
cover seconds that are already set.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache

HOUR = 3600
DAY = 24 * HOUR
BITMAP_BYTES = HOUR // 8
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


# The part of a heartbeat inside one UTC hour: (hour since the epoch, lo, hi, engaged), seconds
# [lo, hi) of that hour and the engaged seconds the part may add at most. A plain tuple: one is
# made per heartbeat, the hottest path of the aggregator.
HourSpan = tuple[int, int, int, int]


def heartbeat_spans(moment: float, seconds: int, engaged: int = 0) -> list[HourSpan]:
    """Split [floor(T) - S, floor(T)) at hour boundaries; engaged seconds go to the earlier part first.

    A heartbeat that straddles an hour boundary sets seconds in two hours' maps, which keeps each
    map independent of the others. Its engaged seconds stay one allowance: the later part may use
    what the earlier part did not count (``Cover.carries`` / ``Cover.previous`` in the fold).
    """
    end = int(moment // 1)  # ``moment``: the heartbeat's time, epoch seconds
    start = end - seconds
    hour = start // HOUR
    if end <= (hour + 1) * HOUR:  # the common case: within one hour
        return [(hour, start - hour * HOUR, end - hour * HOUR, min(engaged, seconds))]
    spans = []
    while start < end:
        hour = start // HOUR
        stop = min(end, (hour + 1) * HOUR)
        part = stop - start
        share = min(engaged, part)
        engaged -= share
        spans.append((hour, start - hour * HOUR, stop - hour * HOUR, share))
        start = stop
    return spans


@lru_cache(maxsize=4096)
def hour_label(hour: int) -> str:
    """Sort-key fragment for an hour: ``2026-11-20T10`` (string order is time order)."""
    return datetime.fromtimestamp(hour * HOUR, UTC).strftime("%Y-%m-%dT%H")


def to_bytes(bits: int) -> bytes:
    return bits.to_bytes(BITMAP_BYTES, "little")


def from_bytes(data: bytes | None) -> int:
    return int.from_bytes(data, "little") if data else 0
