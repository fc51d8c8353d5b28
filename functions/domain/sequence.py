"""Kinesis sequence numbers as strings whose string order is numeric order.

Sequence numbers are decimal strings of up to 129 digits. Prefixing the digit count
(3 digits) instead of zero-padding to a fixed width keeps the property DynamoDB's
string ``<`` needs, costs 3 bytes instead of up to 129, and can never overflow.
"""

from __future__ import annotations

MAX_DIGITS = 999
_PREFIXES = [f"{n:03d}" for n in range(MAX_DIGITS + 1)]  # formatted once: this runs per record


def order_key(sequence_number: str) -> str:
    digits = sequence_number.lstrip("0") or "0"
    if not (digits.isascii() and digits.isdigit()) or len(digits) > MAX_DIGITS:
        raise ValueError(f"not a Kinesis sequence number: {sequence_number[:40]!r}")
    return _PREFIXES[len(digits)] + digits


def order_keys(sequence_numbers: list[str]) -> list[str]:
    """``order_key`` of each, the digits checked for the whole batch at once (it runs per record)."""
    digits = [n.lstrip("0") or "0" for n in sequence_numbers]
    every = "".join(digits)
    if digits and not (every.isascii() and every.isdigit() and max(map(len, digits)) <= MAX_DIGITS):
        return [order_key(n) for n in sequence_numbers]  # raises for the first that is not one
    return [_PREFIXES[len(d)] + d for d in digits]


def sequence_number(key: str) -> str:
    """Inverse of ``order_key``: the sequence number Lambda expects in batchItemFailures."""
    return key[3:]
