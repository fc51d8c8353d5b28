"""What one event adds to one item, and how deltas for the same item combine."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class Delta:
    """Commutative parts (``add``, sets) plus ordered ones (``put`` last wins, ``put_once`` first wins)."""

    add: dict[str, int] = field(default_factory=dict)
    strings: dict[str, set[str]] = field(default_factory=dict)
    numbers: dict[str, set[int]] = field(default_factory=dict)
    put: dict[str, Any] = field(default_factory=dict)
    put_once: dict[str, Any] = field(default_factory=dict)

    def merge(self, later: Delta) -> None:
        """Fold a delta from a later record into this one (in sequence order)."""
        for name, amount in later.add.items():
            self.add[name] = self.add.get(name, 0) + amount
        for name, values in later.strings.items():
            self.strings.setdefault(name, set()).update(values)
        for name, numbers in later.numbers.items():
            self.numbers.setdefault(name, set()).update(numbers)
        self.put.update(later.put)
        for name, value in later.put_once.items():
            self.put_once.setdefault(name, value)

    def copy(self) -> Delta:
        merged = Delta()
        merged.merge(self)
        return merged

    def is_empty(self) -> bool:
        return not (self.add or self.strings or self.numbers or self.put or self.put_once)


def merge_all(deltas: list[Delta]) -> Delta:
    merged = Delta()
    for delta in deltas:
        merged.merge(delta)
    return merged
