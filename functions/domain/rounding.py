"""The arithmetic rules every client must agree on (SPEC section 2), in exact fractions."""

from __future__ import annotations

from fractions import Fraction
from math import floor


def round_half_up(value: Fraction, places: int) -> Fraction:
    scale = 10**places
    return Fraction(floor(value * scale + Fraction(1, 2)), scale)


def minutes(seconds: int) -> float:
    """``round_half_up(seconds / 60, 1)``, from the seconds sum, never a sum of rounded values.

    In integers, the same floor: ``floor(seconds / 60 * 10 + 1 / 2) = (10 * seconds + 30) // 60``
    tenths (a dashboard rounds ~1,000 of these; ``Fraction`` made them most of the rollup's time).
    """
    return ((10 * seconds + 30) // 60) / 10


def rate(value: Fraction | None) -> float | None:
    """A fraction in [0, 1] rounded half-up to 4 decimals; ``None`` stays undefined."""
    return None if value is None else float(round_half_up(value, 4))


def ratio(part: int, whole: int) -> Fraction | None:
    return Fraction(part, whole) if whole else None


def mean(values: list[Fraction]) -> Fraction | None:
    return sum(values, Fraction(0)) / len(values) if values else None
