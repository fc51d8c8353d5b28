"""Exactly-once application of a coalesced batch (SPEC sections 4 and 11).

The store offers a few primitives; everything that decides *what* to write lives here, so it is
tested against an in-memory store as well as against moto. Per batch:

1. one consistent batched read of every touched user-level item, its totals items and the users'
   tombstones (a second read only for totals named by older pending deltas, or spilled id pages);
2. drop what an erase tombstone covers (event time or arrival at or before the erase);
3. fold each item (``domain.fold``) and write it with one conditional write (on its version, so
   a concurrent erase or a second writer fails it);
4. add to each totals item the pending deltas tagged past its high-water mark for the shard (and
   before the batch's cut), moving the mark in the same conditional update;
5. close the erase's read-then-write race: for users this batch created items or a profile for,
   read the tombstones again; where one appeared since step 1, delete what the batch created.
   (An erase writes its tombstone before it deletes, so either its delete sees our item or we
   see its tombstone.) A DynamoDB transaction with a tombstone check would do the same at twice
   the write cost per created item, and moto copies the whole table for each one. If this step
   fails, the batch is cut where those users' records start, and the redelivery finds what the
   race left (below); so does the redelivery of a batch stopped before it (a timeout).

Leftovers: every item a batch writes for an erased user records the erase it saw
(``erase_seen``), and the erase deleted every item there was. So an erased user's item without the
current erase's mark was written by a batch that raced it: the erase missed it. The batch that
finds one deletes it once the totals deltas it owes have reached the totals (they stay, as
anonymous totals do), with its id pages; only records past the item's mark are folded afresh.
Records after the erase that the racing batch itself held go with it: rare (the same batch as the
erase, give or take a window), and an erase errs on the side of forgetting. A profile no newer
than the erase goes too.

Failures cut the batch: records from the first failed sequence number on are handed back to
Lambda (``batchItemFailures``) and redelivered; the high-water marks make that harmless.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, Protocol, TypeVar

from domain import minutes
from domain.coalesce import (
    BatchPlan,
    Count,
    Cover,
    Download,
    Group,
    ItemGroup,
    LatestGroup,
    ViewGroup,
)
from domain.counters import SECONDS
from domain.fold import (
    Folded,
    Pending,
    carried_by,
    fold_item,
    hashes_of,
    hwm_attribute,
    pending_of,
    pending_totals,
    split_tag,
    viewed_again,
)
from domain.keys import ItemKey, dedup_page_key, from_target_token
from models.events import TIME_FORMAT

PAGE_VERSION = 0  # id pages are written whatever is there: every attempt writes the same page

T = TypeVar("T")
R = TypeVar("R")
Runner = Callable[[Callable[[T], R], Iterable[T]], Iterator[R]]


class ItemTooLarge(Exception):
    """DynamoDB refused the write because the item would pass 400 KB: retrying can never help."""


class Conflict(RuntimeError):
    """A condition failed: the item changed since it was read (an erase, or a second writer)."""


class ItemStore(Protocol):
    def read(self, keys: Iterable[ItemKey]) -> dict[ItemKey, dict[str, Any]]:
        """Strongly consistent; items that don't exist are left out."""
        ...

    def write_item(self, key: ItemKey, state: dict[str, Any], expected_version: int | None) -> None:
        """Replace the item if its version is ``expected_version`` (None: it must not exist yet;
        0: whatever is there, for id pages whose content is the same on every attempt).
        Raises Conflict or ItemTooLarge."""
        ...

    def delete(self, keys: Iterable[ItemKey]) -> None:
        """Delete the items (those that don't exist are fine)."""
        ...

    def add_to_total(
        self, key: ItemKey, marks: dict[str, tuple[str | None, str]], add: dict[str, int]
    ) -> None:
        """ADD counters if every shard's mark is as read (old), and move each to its new value."""
        ...

    def put_latest(self, group: LatestGroup) -> bool:
        """Upsert ``group.values`` unless the item holds a value at least as new. True if written."""
        ...


@dataclass(slots=True)
class BatchOutcome:
    cut: str | None = None  # first sequence (order key) that must be redelivered; None = all done
    written: int = 0
    erased: int = 0  # operations dropped by an erase tombstone
    errors: list[BaseException] = field(default_factory=list)
    # Records that can never be applied (seq -> reason): they go to the dead-letter queue whole.
    quarantined: dict[str, str] = field(default_factory=dict)

    def fail_at(self, seq: str, error: BaseException) -> None:
        self.errors.append(error)
        if self.cut is None or seq < self.cut:
            self.cut = seq


def _sequential(fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
    return map(fn, items)


def _erased_at(items: dict[ItemKey, dict[str, Any]], tombstone: ItemKey) -> float | None:
    """The erase time of a user's tombstone, epoch seconds (None: not erased)."""
    value = items.get(tombstone, {}).get("erased_at")
    return _epoch(str(value)) if value else None


@lru_cache(maxsize=1024)
def _epoch(stamp: str) -> float:
    return datetime.strptime(stamp, TIME_FORMAT).replace(tzinfo=UTC).timestamp()


def _survives(moment: float, arrival: float | None, erased_at: float | None) -> bool:
    return erased_at is None or (moment > erased_at and (arrival is None or arrival > erased_at))


class _Totals:
    """The totals items as read: which pending deltas they have applied already."""

    def __init__(self, items: dict[ItemKey, dict[str, Any]]):
        self.items = items
        self._marks: dict[tuple[str, str], str | None] = {}  # asked for once per pending delta

    def mark(self, token: str, shard: str) -> str | None:
        try:
            return self._marks[token, shard]
        except KeyError:
            mark = self.items.get(from_target_token(token), {}).get(hwm_attribute(shard))
            found = self._marks[token, shard] = str(mark) if mark is not None else None
            return found

    def applied(self, tag: str, token: str) -> bool:
        shard, seq = split_tag(tag)
        mark = self.mark(token, shard)
        return mark is not None and seq <= mark


def _read(store: ItemStore, plan: BatchPlan, tombstones: set[ItemKey]) -> dict[ItemKey, dict[str, Any]]:
    wanted = set(plan.groups) | tombstones | plan.totals
    items = store.read(wanted)
    # Second read, rarely needed: totals that older pending deltas name, and spilled id pages.
    more: set[ItemKey] = set()
    for key, group in plan.groups.items():
        # A viewing item owes only its content's totals, which the plan names, and keeps no ids.
        if type(group) is ViewGroup or (item := items.get(key)) is None:
            continue
        if raw := item.get("pending"):
            more |= pending_totals(raw)
        if item.get("dedup_pages") and any(isinstance(e.op, Count | Download) for e in group.entries):
            more |= {dedup_page_key(key, n) for n in range(1, int(item["dedup_pages"]) + 1)}
    more -= wanted
    more.difference_update(items)
    if more:
        items.update(store.read(more))
    return items


def apply_batch(
    store: ItemStore, shard: str, plan: BatchPlan, run: Runner[Any, Any] = _sequential
) -> BatchOutcome:
    outcome = BatchOutcome()
    tombstones = plan.tombstones()
    try:
        items = _read(store, plan, tombstones)
    except Exception as exc:  # nothing written: the whole batch is redelivered
        firsts = [g.first_seq for g in plan.groups.values()] + [g.seq for g in plan.latest]
        if firsts:
            outcome.fail_at(min(firsts), exc)
        return outcome
    totals = _Totals(items)

    groups: list[Group] = list(plan.groups.values())
    leftovers: dict[ItemKey, dict[str, Any]] = {}
    seen: dict[ItemKey, str] = {}  # erased user -> the erase every item written for them records
    if erased := {t: at for t in tombstones if (at := _erased_at(items, t)) is not None}:
        seen = {t: str(items[t]["erased_at"]) for t in erased}
        leftovers = _leftovers(groups, seen, items)
        for key, item in leftovers.items():  # what it owes the totals stays; the rest goes
            items[key] = {k: item[k] for k in ("version", "pending") if k in item}
        groups = _past_leftovers(_unerased(groups, erased, outcome), leftovers, shard)

    syncs: dict[ItemKey, dict[str, Any] | None] = {}

    def carried(key: ItemKey, seq: str) -> int | None:
        written = persisted.get(key)
        return carried_by(items.get(key) if written is None else written[0]).get(seq)

    pages_written: list[tuple[Group, ItemKey]] = []  # an erase racing the batch must find these too

    def user_stage(group: Group) -> tuple[Group, Folded | BaseException]:
        old = items.get(group.key)
        try:
            spilled = _spilled(items, group.key, old)
            folded = fold_item(group, old, shard, totals.applied, spilled, syncs.get(group.key), carried)
            if folded.state is not None:
                if seen and (erase := seen.get(group.user)):
                    folded.state["erase_seen"] = erase
                for page_key, page in folded.pages:  # before the item that counts them
                    store.write_item(page_key, page, PAGE_VERSION)
                    pages_written.append((group, page_key))
                expected = None if old is None else int(old.get("version", 0))
                store.write_item(group.key, folded.state, expected)
            return group, folded
        except Exception as exc:  # any failure only delays this group: it is redelivered
            return group, exc

    persisted: dict[ItemKey, _Persisted] = {}
    created: dict[ItemKey, _Created] = {}  # tombstone -> what this batch created for the user

    def collect(stage: list[Group], first_of: Callable[[Group], str]) -> None:
        for group, result in run(user_stage, stage):
            if type(result) is not Folded:
                if isinstance(result, ItemTooLarge):
                    outcome.quarantined.update(
                        dict.fromkeys((e.seq for e in group.entries), "item_too_large")
                    )
                    continue
                assert isinstance(result, BaseException)
                outcome.fail_at(first_of(group), result)
                persisted[group.key] = _as_read(items, group)
                continue
            if result.state is None:
                persisted[group.key] = _as_read(items, group)
                continue
            outcome.written += 1
            if result.created:
                made = _created(created, group.user, group.first_seq)
                made.keys += [group.key, *(k for k, _ in result.pages)]
            persisted[group.key] = (result.state, result.pending or {}, group.first_seq)

    # Viewing items first, then the session anchors whose minutes bucket they may move. An item
    # with the second part of a live beat across an hour waits for the first part's item.
    anchors = minutes.anchors_of(g.key for g in groups)
    items_first = [g for g in groups if g.key not in anchors]
    waits = {g.key: earlier for g in items_first if (earlier := _earlier_parts(g))}
    collect([g for g in items_first if g.key not in waits], _first_seq)
    waiting = [g for g in items_first if g.key in waits]
    while waiting:  # in hour order: each round's items wait on none of the items still waiting
        still = {g.key for g in waiting}
        ready = [g for g in waiting if waits[g.key].isdisjoint(still)]
        collect(ready, _first_seq)
        waiting = [g for g in waiting if g not in ready]
    later = [g for g in groups if g.key in anchors]
    if later:
        by_key: dict[ItemKey, Group] = {}  # filled on the first failure only, not per batch

        def anchor_first(group: Group) -> str:
            # Its viewing records must come again too: the anchor is recomputed from their items.
            if not by_key:
                by_key.update((g.key, g) for g in groups)
            views = [by_key[k].first_seq for k in anchors[group.key].values() if k in by_key]
            return min([group.first_seq, *views])

        try:
            _sync_anchors(store, later, anchors, items, persisted, syncs)
        except Exception as exc:  # the open hours could not be read: the anchors wait
            for group in later:
                outcome.fail_at(anchor_first(group), exc)
                persisted[group.key] = _as_read(items, group)
            later = []
        # An anchor whose batch only views it again and whose minutes need no sync: its fold
        # would change nothing (``fold_item``'s own first test), so it is kept as read.
        for group in later:
            old = items.get(group.key)
            if syncs[group.key] is None and old and viewed_again(old, group.entries):
                persisted[group.key] = _as_read(items, group)
        collect([g for g in later if g.key not in persisted], anchor_first)

    for profile in _apply_latest(store, plan.latest, items, outcome, run):
        _created(created, profile.user or profile.key, profile.seq).keys.append(profile.key)
    for group, page_key in pages_written:  # whether or not the item's own write then succeeded
        _created(created, group.user, group.first_seq).keys.append(page_key)
    for key in leftovers.keys() - persisted.keys():  # nothing to fold: its deltas still count
        persisted[key] = (None, pending_of(items[key]), plan.groups[key].first_seq)
    _apply_totals(store, shard, plan.last_seq, persisted, totals, outcome, run)
    if leftovers or erased:
        _remove_leftovers(store, shard, plan, leftovers, erased, persisted, outcome)
    _undo_if_erased_meanwhile(store, items, created, outcome)
    return outcome


def _unerased(groups: list[Group], erased: dict[ItemKey, float], outcome: BatchOutcome) -> list[Group]:
    """The groups without the operations an erase tombstone covers (``erased``: tombstone -> time)."""
    kept_groups: list[Group] = []
    for group in groups:
        erased_at = erased.get(group.user)
        if erased_at is None:
            kept_groups.append(group)
            continue
        kept = [e for e in group.entries if _survives(e.time, e.arrival, erased_at)]
        outcome.erased += len(group.entries) - len(kept)
        if kept:
            kept_groups.append(ItemGroup(group.key, group.user, kept, group.index))
    return kept_groups


def _first_seq(group: Group) -> str:
    return group.first_seq


def _earlier_parts(group: Group) -> set[ItemKey]:
    """The viewing items holding the first parts of this item's second parts (``Cover.previous``)."""
    if type(group) is ViewGroup and group.plain:
        return set()  # most items: no live beat across an hour
    return {e.op.previous for e in group.entries if type(e.op) is Cover and e.op.previous is not None}


# Each user item after the batch: (its state, its pending deltas, the group's first sequence).
_Persisted = tuple[dict[str, Any] | None, Pending, str]


def _as_read(items: dict[ItemKey, dict[str, Any]], group: Group) -> _Persisted:
    """A user item the batch did not write (nothing new, or its write failed)."""
    item = items.get(group.key)
    return item, pending_of(item), group.first_seq


def _sync_anchors(
    store: ItemStore,
    anchors: list[Group],
    hours: dict[ItemKey, dict[str, ItemKey]],
    items: dict[ItemKey, dict[str, Any]],
    persisted: dict[ItemKey, _Persisted],
    syncs: dict[ItemKey, dict[str, Any] | None],
) -> None:
    """Each session anchor's minutes bucket and hours from its viewing items as written
    (``domain.minutes``); open hours the batch did not touch are read by key first (rare)."""
    wanted: dict[ItemKey, dict[str, ItemKey]] = {}  # only anchors with open hours to read (rare)
    touched_of: dict[ItemKey, dict[str, int]] = {}
    for group in anchors:
        key = group.key
        anchor = items.get(key)
        touched = {}
        for h, view in hours[key].items():  # each viewing item's seconds as the batch left it
            written = persisted.get(view)
            state = items.get(view) if written is None else written[0]
            touched[h] = int(state.get(SECONDS, 0)) if state else 0
        if missing := minutes.to_read(anchor, touched):
            wanted[key] = {h: minutes.view_key(key, h) for h in missing}
            touched_of[key] = touched
        else:  # most anchors: every open hour was touched, nothing to read
            syncs[key] = minutes.anchor_sync(anchor, touched, {}, _user_id(key))
    if not wanted:
        return
    keys_to_read = {k for by_hour in wanted.values() for k in by_hour.values()}
    read = store.read(keys_to_read)  # a failure fails the anchors' stage
    for key, by_hour in wanted.items():
        others = {h: int(read.get(k, {}).get(SECONDS, 0)) for h, k in by_hour.items()}
        syncs[key] = minutes.anchor_sync(items.get(key), touched_of[key], others, _user_id(key))


def _user_id(anchor: ItemKey) -> str:
    return anchor.pk.rsplit("#", 1)[1]


@dataclass(slots=True)
class _Created:
    """What the batch created for one user, and where that user's records start."""

    first: str
    keys: list[ItemKey] = field(default_factory=list)


def _created(created: dict[ItemKey, _Created], user: ItemKey, seq: str) -> _Created:
    entry = created.get(user)
    if entry is None:
        entry = created[user] = _Created(seq)
    elif seq < entry.first:
        entry.first = seq
    return entry


def _undo_if_erased_meanwhile(
    store: ItemStore,
    items: dict[ItemKey, dict[str, Any]],
    created: dict[ItemKey, _Created],
    outcome: BatchOutcome,
) -> None:
    if not created:
        return
    try:
        now = store.read(created)
        erased = [t for t in created if _erased_at(now, t) != _erased_at(items, t)]
        if erased:
            store.delete([key for t in erased for key in created[t].keys])
            outcome.erased += len(erased)
    except Exception as exc:
        # Not known to be safe: those users' records come again, and if an erase raced this batch
        # the redelivery finds what it left (``_leftovers``).
        outcome.fail_at(min(c.first for c in created.values()), exc)


def _leftovers(
    groups: list[Group], seen: dict[ItemKey, str], items: dict[ItemKey, dict[str, Any]]
) -> dict[ItemKey, dict[str, Any]]:
    """Erased users' items that don't record the current erase: a batch that raced the erase wrote
    them after its delete (see the module's docstring)."""
    found = {}
    for group in groups:
        erase = seen.get(group.user)
        item = items.get(group.key) if erase is not None else None
        if item is not None and item.get("erase_seen") != erase:
            found[group.key] = item
    return found


def _past_leftovers(groups: list[Group], leftovers: dict[ItemKey, dict[str, Any]], shard: str) -> list[Group]:
    """A leftover's records up to its mark went with it (its pending deltas still count them);
    only later ones are folded afresh."""
    if not leftovers:
        return groups
    hwm = hwm_attribute(shard)
    kept_groups: list[Group] = []
    for group in groups:
        item = leftovers.get(group.key)
        mark = str(item[hwm]) if item is not None and hwm in item else None
        if mark is None:
            kept_groups.append(group)
        elif later := [e for e in group.entries if e.seq > mark]:
            kept_groups.append(ItemGroup(group.key, group.user, later, group.index))
    return kept_groups


def _remove_leftovers(
    store: ItemStore,
    shard: str,
    plan: BatchPlan,
    leftovers: dict[ItemKey, dict[str, Any]],
    erased: dict[ItemKey, float],
    persisted: dict[ItemKey, _Persisted],
    outcome: BatchOutcome,
) -> None:
    """Delete leftovers nothing survived in (once every delta they owe has reached the totals),
    every leftover's id pages, and erased users' profiles older than their erase."""
    doomed: list[ItemKey] = []
    firsts: list[str] = []
    for key, item in leftovers.items():
        state, pending, first = persisted[key]
        firsts.append(first)
        rewritten = state is not None and "erase_seen" in state  # folded afresh from later records
        kept_pages = int(state.get("dedup_pages", 0)) if state and rewritten else 0  # new ids
        old_pages = int(item.get("dedup_pages", 0))
        doomed += [dedup_page_key(key, n) for n in range(kept_pages + 1, old_pages + 1)]
        if not rewritten and _owes_nothing_later(pending, shard, plan.last_seq, outcome.cut, first):
            doomed.append(key)
            outcome.erased += 1
    stale: list[tuple[LatestGroup, float]] = [
        (g, at)
        for g in plan.latest
        if g.user is not None
        and (at := erased.get(g.user)) is not None
        and not _survives(g.moment, g.arrival, at)
    ]
    firsts += [g.seq for g, _ in stale]
    try:
        if stale:
            found = store.read(g.key for g, _ in stale)
            for group, erased_at in stale:
                stamp = found.get(group.key, {}).get(group.time_attribute)
                # No newer than the erase, or than this dropped profile (which a raced attempt
                # may have written): a profile the erase missed.
                if stamp and _epoch(str(stamp)) <= max(erased_at, group.moment):
                    doomed.append(group.key)
        if doomed:
            store.delete(doomed)
    except Exception as exc:  # they stay until the redelivery finds them again
        outcome.fail_at(min(firsts), exc)


def _owes_nothing_later(pending: Pending, shard: str, last_seq: str, cut: str | None, first: str) -> bool:
    """True when the batch applied every delta the item owes the totals (``_apply_totals`` leaves
    those tagged past the batch's last record or cut; a failed totals write cuts at ``first``)."""
    if cut is not None and cut <= first:
        return False
    for tag in pending:
        tag_shard, seq = split_tag(tag)
        if tag_shard == shard and (seq > last_seq or (cut is not None and seq >= cut)):
            return False
    return True


_NOTHING_SPILLED: frozenset[bytes] = frozenset()


def _spilled(
    items: dict[ItemKey, dict[str, Any]], key: ItemKey, old: dict[str, Any] | None
) -> frozenset[bytes]:
    pages = int((old or {}).get("dedup_pages", 0))
    if not pages:  # most items
        return _NOTHING_SPILLED
    found: set[bytes] = set()
    for n in range(1, pages + 1):
        found.update(hashes_of(items.get(dedup_page_key(key, n), {}).get("hashes")))
    return frozenset(found)


def _apply_latest(
    store: ItemStore,
    latest: list[LatestGroup],
    items: dict[ItemKey, dict[str, Any]],
    outcome: BatchOutcome,
    run: Runner[Any, Any],
) -> list[LatestGroup]:
    """Profiles and catalog entries; returns the profiles written (the erase re-check needs them)."""

    def latest_stage(group: LatestGroup) -> tuple[LatestGroup, bool | BaseException]:
        if group.user is not None and not _survives(
            group.moment, group.arrival, _erased_at(items, group.user)
        ):
            outcome.erased += 1
            return group, False
        try:
            return group, store.put_latest(group)
        except Exception as exc:
            return group, exc

    written = []
    for group, ok in run(latest_stage, latest):
        if isinstance(ok, BaseException):
            outcome.fail_at(group.seq, ok)
        elif ok:
            outcome.written += 1
            if group.user is not None:
                written.append(group)
    return written


@dataclass(slots=True)
class _Owed:
    """What one totals item is owed by the batch's user items."""

    marks: dict[str, tuple[str | None, str]]  # shard -> (its mark as read, the mark it moves to)
    add: dict[str, int]  # counter -> amount
    first: str  # the lowest first sequence of the groups that owe it: a failed write cuts there


def _apply_totals(
    store: ItemStore,
    shard: str,
    last_seq: str,
    persisted: dict[ItemKey, _Persisted],
    totals: _Totals,
    outcome: BatchOutcome,
    run: Runner[Any, Any],
) -> None:
    """Each totals item gets the stored deltas past its marks, in one conditional update.

    A mark may only move to M when every record of the shard up to M is in its user items: so
    only deltas tagged up to this batch's last record and before its cut go now. (A bisected
    batch's first half may find deltas an earlier, crashed attempt tagged further on.)
    """
    cut = outcome.cut
    work: dict[str, _Owed] = {}  # totals token -> what it is owed
    for _, pending, first_seq in persisted.values():
        for tag, by_total in pending.items():
            tag_shard, seq = split_tag(tag)
            if tag_shard == shard and (seq > last_seq or (cut is not None and seq >= cut)):
                continue  # its records are redelivered; the delta waits on the item until then
            for token, amounts in by_total.items():
                mark = totals.mark(token, tag_shard)
                if mark is not None and seq <= mark:
                    continue  # applied already
                owed = work.get(token)
                if owed is None:
                    owed = work[token] = _Owed({}, {}, first_seq)
                elif first_seq < owed.first:
                    owed.first = first_seq
                moved = owed.marks.get(tag_shard)
                if moved is None or seq > moved[1]:
                    owed.marks[tag_shard] = (mark, seq)
                add = owed.add
                for name, amount in amounts.items():
                    add[name] = add.get(name, 0) + amount

    def total_stage(item: tuple[str, _Owed]) -> BaseException | None:
        token, owed = item
        try:
            store.add_to_total(from_target_token(token), owed.marks, owed.add)
        except Exception as exc:
            return exc
        return None

    for owed, error in zip(work.values(), run(total_stage, work.items()), strict=True):
        if error is not None:
            outcome.fail_at(owed.first, error)
        else:
            outcome.written += 1
