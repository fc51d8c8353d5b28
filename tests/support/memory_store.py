"""An in-memory ItemStore with DynamoDB's update semantics, for fast exhaustive tests."""

from __future__ import annotations

import copy
import random
from typing import Any

from domain.apply import AlreadyApplied, Written, hwm_attribute
from domain.coalesce import LatestGroup
from domain.delta import Delta
from domain.keys import ItemKey


class InjectedFault(RuntimeError):
    pass


class MemoryStore:
    def __init__(self, fail_rate: float = 0.0, seed: int = 0):
        self.items: dict[ItemKey, dict[str, Any]] = {}
        self.fail_rate = fail_rate
        self.random = random.Random(seed)
        self.calls = 0
        self.faults = 0

    def _maybe_fail(self) -> None:
        self.calls += 1
        if self.fail_rate and self.random.random() < self.fail_rate:
            self.faults += 1
            raise InjectedFault("injected write failure")

    def add_after(
        self, key: ItemKey, shard: str, first_seq: str, last_seq: str, delta: Delta
    ) -> Written | AlreadyApplied:
        self._maybe_fail()
        item = self.items.get(key, {})
        mark = item.get(hwm_attribute(shard))
        if mark is not None and not mark < first_seq:
            return AlreadyApplied(copy.deepcopy(item))
        item = self.items.setdefault(key, {})
        for name, amount in delta.add.items():
            item[name] = item.get(name, 0) + amount
        for name, values in [*delta.strings.items(), *delta.numbers.items()]:
            item[name] = set(item.get(name, set())) | set(values)
        for name, value in delta.put.items():
            if value is None:
                item.pop(name, None)
            else:
                item[name] = value
        for name, value in delta.put_once.items():
            item.setdefault(name, value)
        item[hwm_attribute(shard)] = last_seq
        return Written(copy.deepcopy(item))

    def put_latest(self, group: LatestGroup) -> bool:
        self._maybe_fail()
        item = self.items.get(group.key, {})
        stamp = item.get(group.time_attribute)
        if stamp is not None and not stamp < group.time:
            return False
        item = self.items.setdefault(group.key, {})
        for name, value in group.values.items():
            if value is None:
                item.pop(name, None)
            else:
                item[name] = value
        item[group.time_attribute] = group.time
        return True
