"""Exactly-once application of a coalesced batch (SPEC section 4).

The store offers one primitive per item kind; everything that decides *what* to write
lives here, so it is tested against an in-memory store as well as against moto.

Invariant: for every item and shard, the records applied so far are exactly the
records up to the item's high-water mark. Each write is conditioned on the mark being
below the first record it carries and moves the mark to its last record. A condition
failure returns the old item, and only the records past its mark are written.

Failures cut the batch: records from the first failed sequence number on are handed
back to Lambda (``batchItemFailures``) and redelivered; anything past the cut that did
get written is skipped on redelivery by the high-water marks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from domain.coalesce import VIEW_SEQ, VIEWERS, BatchPlan, Contribution, CounterGroup, LatestGroup, view_token
from domain.delta import Delta, merge_all
from domain.keys import ItemKey

MAX_ATTEMPTS = 3

T = TypeVar("T")
R = TypeVar("R")
Runner = Callable[[Callable[[T], R], Iterable[T]], Iterator[R]]


def hwm_attribute(shard: str) -> str:
    return f"hwm_{shard}"


@dataclass(frozen=True, slots=True)
class Written:
    attributes: dict[str, Any]  # the item's attributes after the write (at least those written)


@dataclass(frozen=True, slots=True)
class AlreadyApplied:
    old: dict[str, Any]  # the item as it was when the condition failed


class ItemStore(Protocol):
    def add_after(
        self, key: ItemKey, shard: str, first_seq: str, last_seq: str, delta: Delta
    ) -> Written | AlreadyApplied:
        """Apply ``delta`` if the item's mark for ``shard`` is below ``first_seq``; set it to ``last_seq``."""
        ...

    def put_latest(self, group: LatestGroup) -> bool:
        """Upsert ``group.values`` unless the item holds a value at least as new. True if written."""
        ...


class ItemTooLarge(Exception):
    """DynamoDB refused the write because the item would pass 400 KB: retrying can never help."""


class StoreConflict(RuntimeError):
    """The high-water mark moved under us more often than a single consumer can explain."""


def apply_group(store: ItemStore, shard: str, group: CounterGroup) -> dict[str, Any]:
    """Write the part of ``group`` not yet applied; return the item's resulting attributes."""
    pending: list[Contribution] = group.contributions
    state: dict[str, Any] = {}
    for _ in range(MAX_ATTEMPTS):
        delta = merge_all([c.delta for c in pending])
        result = store.add_after(group.key, shard, pending[0].seq, pending[-1].seq, delta)
        if isinstance(result, Written):
            return {**state, **result.attributes}
        state = result.old
        mark = state.get(hwm_attribute(shard))
        if mark is None:
            raise StoreConflict(f"condition failed without a mark on {group.key}")
        pending = [c for c in pending if c.seq > mark]
        if not pending:
            return state
    raise StoreConflict(f"high-water mark kept moving on {group.key}")


@dataclass(slots=True)
class BatchOutcome:
    cut: str | None = None  # first sequence (order key) that must be redelivered; None = all done
    written: int = 0
    errors: list[BaseException] = field(default_factory=list)
    # Records that can never be applied (seq -> reason): they go to the dead-letter queue whole,
    # so their contributions to totals are left out too.
    quarantined: dict[str, str] = field(default_factory=dict)

    def fail_at(self, seq: str, error: BaseException) -> None:
        self.errors.append(error)
        if self.cut is None or seq < self.cut:
            self.cut = seq


def _sequential(fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
    return map(fn, items)


def apply_batch(
    store: ItemStore, shard: str, plan: BatchPlan, run: Runner[Any, Any] = _sequential
) -> BatchOutcome:
    """Stage 1: user items and upserts. Stage 2: totals, with viewer counts derived from stage 1."""
    outcome = BatchOutcome()

    def user_stage(group: CounterGroup) -> tuple[CounterGroup, dict[str, Any] | BaseException]:
        try:
            return group, apply_group(store, shard, group)
        except Exception as exc:  # any failure only delays this group: it is redelivered
            return group, exc

    def latest_stage(group: LatestGroup) -> tuple[LatestGroup, bool | BaseException]:
        try:
            return group, store.put_latest(group)
        except Exception as exc:
            return group, exc

    totals = {key: CounterGroup(key, list(g.contributions)) for key, g in plan.totals.items()}
    for group, result in run(user_stage, plan.users):
        if isinstance(result, ItemTooLarge):
            outcome.quarantined.update(dict.fromkeys((c.seq for c in group.contributions), "item_too_large"))
            continue
        if isinstance(result, BaseException):
            outcome.fail_at(group.first_seq, result)
            continue
        outcome.written += 1
        derived = _new_viewer(group, result, shard)
        if derived is not None:
            target = totals.setdefault(derived[0], CounterGroup(derived[0]))
            target.contributions.append(derived[1])
    for latest, ok in run(latest_stage, plan.latest):
        if isinstance(ok, BaseException):
            outcome.fail_at(latest.seq, ok)
        elif ok:
            outcome.written += 1

    def total_stage(group: CounterGroup) -> tuple[CounterGroup, dict[str, Any] | BaseException | None]:
        group.contributions.sort(key=lambda c: c.seq)
        pending = [c for c in group.before(cut) if c.seq not in outcome.quarantined]
        if not pending:
            return group, None
        try:
            return group, apply_group(store, shard, CounterGroup(group.key, pending))
        except Exception as exc:
            return group, exc

    cut = outcome.cut
    for group, result in run(total_stage, totals.values()):
        if isinstance(result, BaseException):
            outcome.fail_at(min(c.seq for c in group.before(cut) if c.seq not in outcome.quarantined), result)
        elif result is not None:
            outcome.written += 1
    return outcome


def _new_viewer(group: CounterGroup, item: dict[str, Any], shard: str) -> tuple[ItemKey, Contribution] | None:
    """+1 distinct viewer, tagged with the record that first gave this user viewing time.

    The tag is what makes the count exact under retries: whichever attempt finds the
    item's ``view_seq`` among its own records adds the viewer, and the totals item's
    high-water mark lets that contribution through exactly once.
    """
    if group.viewers_of is None:
        return None
    token = item.get(VIEW_SEQ)
    if not isinstance(token, str) or not token.startswith(f"{shard}:"):
        return None
    seq = token[len(shard) + 1 :]
    if not group.owns(seq) or view_token(shard, seq) != token:
        return None
    return group.viewers_of, Contribution(seq, Delta(add={VIEWERS: 1}))
