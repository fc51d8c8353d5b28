"""VOD completion buckets (SPEC section 4), exact rational arithmetic.

A heartbeat at position P covering S seconds watched [max(0, P - S), P). Bucket b of
100 is [b*D/100, (b+1)*D/100); it is covered when the watched interval overlaps it.
"""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction
from math import ceil, floor

BUCKETS = 100


def _exact(value: float | int | str | Fraction) -> Fraction:
    # str() first: 0.1 means the decimal 0.1 the producer sent, not the binary float.
    return value if isinstance(value, Fraction) else Fraction(str(value))


def watched_interval(position: float, seconds: int) -> tuple[Fraction, Fraction] | None:
    end = _exact(position)
    start = max(Fraction(0), end - seconds)
    return (start, end) if end > start else None


def buckets_for_interval(start: Fraction, end: Fraction, duration: float | Fraction) -> set[int]:
    d = _exact(duration)
    if d <= 0 or end <= start:
        return set()
    # Overlap of [start, end) with [b*d/100, (b+1)*d/100):  start*100 < (b+1)*d  and  end*100 > b*d
    first = floor(start * BUCKETS / d)
    last = ceil(end * BUCKETS / d) - 1
    return set(range(max(first, 0), min(last, BUCKETS - 1) + 1))


def span_token(start: Fraction, end: Fraction) -> str:
    """A watched interval kept as text until the VOD's duration is known."""
    return f"{_decimal(start)}:{_decimal(end)}"


def _decimal(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else repr(float(value))


def parse_span(token: str) -> tuple[Fraction, Fraction]:
    start, end = token.split(":", 1)
    return Fraction(start), Fraction(end)


def covered_buckets(buckets: Iterable[int], spans: Iterable[str], duration: float | None) -> set[int] | None:
    """All covered buckets: those recorded with a known duration plus pending spans."""
    if not duration or duration <= 0:
        return None
    covered = {int(b) for b in buckets}
    for token in spans:
        covered |= buckets_for_interval(*parse_span(token), duration)
    return covered


def completion_rate(buckets: Iterable[int], spans: Iterable[str], duration: float | None) -> Fraction | None:
    covered = covered_buckets(buckets, spans, duration)
    return None if covered is None else Fraction(len(covered), BUCKETS)
