from __future__ import annotations

from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from domain.completion import (
    buckets_for_interval,
    completion_rate,
    covered_buckets,
    parse_span,
    span_token,
    watched_interval,
)
from domain.sequence import order_key, sequence_number


def brute_force(start: Fraction, end: Fraction, duration: Fraction) -> set[int]:
    """Straight from SPEC: bucket b is [b*D/100, (b+1)*D/100); covered when it overlaps [start, end)."""
    return {
        b for b in range(100) if start < (b + 1) * duration / 100 and end > b * duration / 100 and end > start
    }


positions = st.one_of(st.integers(0, 5000), st.floats(0, 5000, allow_nan=False).map(lambda f: round(f, 3)))
durations = st.one_of(st.integers(1, 4000), st.floats(0.5, 4000, allow_nan=False).map(lambda f: round(f, 2)))


@given(positions, st.integers(1, 60), durations)
def test_buckets_match_the_definition(position: float, seconds: int, duration: float) -> None:
    interval = watched_interval(position, seconds)
    expected = set() if interval is None else brute_force(*interval, Fraction(str(duration)))
    got = set() if interval is None else buckets_for_interval(*interval, duration)
    assert got == expected


def interval(position: float, seconds: int) -> tuple[Fraction, Fraction]:
    watched = watched_interval(position, seconds)
    assert watched is not None
    return watched


def test_examples_from_the_spec() -> None:
    # D = 100 s: bucket b is [b, b+1). Heartbeat at P=30 covering 10 s watched [20, 30): buckets 20..29.
    assert buckets_for_interval(*interval(30, 10), 100) == set(range(20, 30))
    # Start clamps at 0.
    assert buckets_for_interval(*interval(5, 10), 100) == set(range(5))
    # Position 0 watched nothing.
    assert watched_interval(0, 10) is None
    # Past the end of the media: nothing beyond bucket 99.
    assert buckets_for_interval(*interval(130, 60), 100) == set(range(70, 100))
    # A 1-second video: one heartbeat covers everything.
    assert len(buckets_for_interval(*interval(1, 1), 1)) == 100


def test_rewatching_adds_no_completion() -> None:
    spans = [span_token(*interval(30, 10)), span_token(*interval(30, 10))]
    assert completion_rate([], spans, 100) == Fraction(10, 100)
    assert completion_rate(range(20, 30), spans, 100) == Fraction(10, 100)


def test_unknown_duration_means_no_completion() -> None:
    assert completion_rate([1, 2], [], None) is None
    assert covered_buckets([], ["0:10"], 0) is None


@given(positions, st.integers(1, 60))
def test_span_tokens_round_trip(position: float, seconds: int) -> None:
    interval = watched_interval(position, seconds)
    if interval is not None:
        start, end = parse_span(span_token(*interval))
        assert (float(start), float(end)) == (float(interval[0]), float(interval[1]))


@given(st.integers(0, 10**60), st.integers(0, 10**60))
def test_sequence_order_keys_sort_numerically(a: int, b: int) -> None:
    assert (order_key(str(a)) < order_key(str(b))) == (a < b)
    assert sequence_number(order_key(str(a))) == str(a)
