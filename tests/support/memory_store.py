"""An in-memory ItemStore with DynamoDB's conditional-write semantics, for fast exhaustive tests."""

from __future__ import annotations

import copy
import random
from collections.abc import Iterable
from typing import Any

from domain.apply import PAGE_VERSION, Conflict
from domain.coalesce import LatestGroup
from domain.fold import hwm_attribute
from domain.keys import ItemKey


class InjectedFault(RuntimeError):
    pass


class MemoryStore:
    def __init__(self, fail_rate: float = 0.0, seed: int = 0, lost_reply_rate: float = 0.0):
        self.items: dict[ItemKey, dict[str, Any]] = {}
        self.fail_rate = fail_rate
        self.lost_reply_rate = lost_reply_rate  # the write happened, the caller hears a failure
        self.random = random.Random(seed)
        self.calls = 0
        self.faults = 0

    def _maybe_fail(self) -> None:
        self.calls += 1
        if self.fail_rate and self.random.random() < self.fail_rate:
            self.faults += 1
            raise InjectedFault("injected failure")

    def _maybe_lose_reply(self) -> None:
        if self.lost_reply_rate and self.random.random() < self.lost_reply_rate:
            self.faults += 1
            raise InjectedFault("injected timeout after the write")

    def read(self, keys: Iterable[ItemKey]) -> dict[ItemKey, dict[str, Any]]:
        self._maybe_fail()
        return {k: copy.deepcopy(self.items[k]) for k in keys if k in self.items}

    def write_item(self, key: ItemKey, state: dict[str, Any], expected_version: int | None) -> None:
        self._maybe_fail()
        current = self.items.get(key)
        if expected_version != PAGE_VERSION and (
            (current is None) != (expected_version is None)
            or (current is not None and current.get("version") != expected_version)
        ):
            raise Conflict(f"version of {key} changed")
        self.items[key] = copy.deepcopy(state)
        self._maybe_lose_reply()

    def delete(self, keys: Iterable[ItemKey]) -> None:
        self._maybe_fail()
        for key in keys:
            self.items.pop(key, None)

    def add_to_total(
        self, key: ItemKey, marks: dict[str, tuple[str | None, str]], add: dict[str, int]
    ) -> None:
        self._maybe_fail()
        item = self.items.get(key, {})
        for shard, (old, _) in marks.items():
            if item.get(hwm_attribute(shard)) != old:
                raise Conflict(f"mark of {key} moved")
        item = self.items.setdefault(key, {})
        for name, amount in add.items():
            item[name] = item.get(name, 0) + amount
        for shard, (_, new) in marks.items():
            item[hwm_attribute(shard)] = new
        self._maybe_lose_reply()

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
        for link in group.links:
            self.items[link] = {group.time_attribute: group.time}
        self._maybe_lose_reply()
        return True
