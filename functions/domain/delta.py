"""What one event adds to one item, and how deltas for the same item combine."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

# Most deltas touch one or two of the five parts; the rest share this empty, read-only mapping
# (the aggregator creates two deltas per event, so five fresh dicts each were its top cost).
_NONE: Any = MappingProxyType({})


def _none() -> Any:
    return _NONE


@dataclass(slots=True)
class Delta:
    """Commutative parts (``add``, sets) plus ordered ones (``put`` last wins, ``put_once`` first wins).

    Deltas built for one event are read-only; ``merge`` folds them into an accumulator that
    owns its dicts (``Delta.accumulator()``).
    """

    add: dict[str, int] = field(default_factory=_none)
    strings: dict[str, set[str]] = field(default_factory=_none)
    numbers: dict[str, set[int]] = field(default_factory=_none)
    put: dict[str, Any] = field(default_factory=_none)
    put_once: dict[str, Any] = field(default_factory=_none)

    @classmethod
    def accumulator(cls) -> Delta:
        return cls({}, {}, {}, {}, {})

    def merge(self, later: Delta) -> None:
        """Fold a delta from a later record into this accumulator (in sequence order)."""
        for name, amount in later.add.items():
            self.add[name] = self.add.get(name, 0) + amount
        for name, values in later.strings.items():
            self.strings.setdefault(name, set()).update(values)
        for name, numbers in later.numbers.items():
            self.numbers.setdefault(name, set()).update(numbers)
        if later.put:
            self.put.update(later.put)
        for name, value in later.put_once.items():
            self.put_once.setdefault(name, value)


def merge_all(deltas: list[Delta]) -> Delta:
    if len(deltas) == 1:
        return deltas[0]  # nothing to fold: deltas are read-only once built
    merged = Delta.accumulator()
    for delta in deltas:
        merged.merge(delta)
    return merged
