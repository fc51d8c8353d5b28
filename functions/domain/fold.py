"""Fold one batch's operations into one user-level item (read-modify-write, SPEC sections 4 and 11).

Pure: the item as read, the operations, out comes the item to write and the deltas it owes its
totals items. Three rules make a batch, or any part of it, safe to apply again:

- an operation whose record sequence is at or below the item's high-water mark for the shard was
  applied by an earlier attempt (a Lambda retry), and is skipped;
- a counter event whose id hash the item already holds was sent again (a resend), and is dropped;
- viewing is a union of seconds, so covering a second twice changes nothing.

What the totals are owed is not applied here: each write records its delta on the item, tagged
with the shard and the last sequence it covers, until the totals item's own high-water mark
shows it applied (``Pending``). A retried or bisected batch recovers the delta from the item.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from typing import Any

from pydantic_core import from_json, to_json

from domain.coalesce import Count, Cover, Download, Entry, Group, Viewed, ViewGroup
from domain.completion import buckets_for_interval, parse_span, span_token
from domain.counters import (
    DOWNLOADS,
    ENGAGED,
    ENGAGED_SECONDS,
    LIVE_SECONDS,
    SECONDS,
    VIEWERS,
)
from domain.coverage import from_bytes, to_bytes
from domain.keys import ItemKey, dedup_page_key, from_target_token, target_token

HASH_BYTES = 8
DEDUP_CAP = 128  # ids kept on the item itself (1 KB); older ones spill to DEDUP# pages
MAX_SPANS = 64  # media intervals kept while a VOD's duration is unknown

# Stored JSON of named downloads and VOD spans: compact, keys sorted (same state, same text), one
# encoder made once (json.dumps with options builds a new one per call). Pending deltas have their
# own, faster encoder (``_pending_text``): they are written with every item.
_compact_json = json.JSONEncoder(separators=(",", ":"), sort_keys=True).encode

Deltas = dict[str, dict[str, int]]  # totals item token -> counter -> amount
Pending = dict[str, Deltas]  # "shard/seq" tag -> deltas not yet confirmed by the totals item
Applied = Callable[[str, str], bool]  # (tag, totals token) -> already added to that totals item?
# (viewing item, sequence) -> the engaged seconds that item counted for the first part of that
# live beat across an hour (``Cover.carries``); None while that part is not applied.
Carried = Callable[[ItemKey, str], int | None]
# First parts remembered per item: a second part is applied in the same batch as its first, or in
# the retries right after it, so the few newest are enough.
CARRY_KEPT = 8


class EarlierHourPending(Exception):
    """A live beat's second part waits for its first part's item (written in this batch or before)."""


@lru_cache(maxsize=1024)  # asked for twice per item folded, and per totals item
def hwm_attribute(shard: str) -> str:
    return f"hwm_{shard}"


@lru_cache(maxsize=16384)
def split_tag(tag: str) -> tuple[str, str]:
    shard, seq = tag.rsplit("/", 1)
    return shard, seq


def pending_of(item: dict[str, Any] | None) -> Pending:
    """The item's pending deltas (parsed once per distinct text: treat the result as read-only)."""
    raw = (item or {}).get("pending")
    return _parse_pending(raw) if raw else {}


# Pending texts and their deltas: the fold adds each text it writes, so the next batch, which reads
# the item back, finds it parsed (a viewing item's text is new with every write). A cache, bounded.
_PARSED: dict[str, Pending] = {}
PARSED_LIMIT = 16384


def _parse_pending(raw: str) -> Pending:
    parsed = _PARSED.get(raw)
    if parsed is None:
        parsed = _remember(raw, from_json(raw))
    return parsed


def _remember(raw: str, pending: Pending) -> Pending:
    if len(_PARSED) >= PARSED_LIMIT:
        _PARSED.clear()
    _PARSED[raw] = pending
    return pending


@lru_cache(maxsize=16384)
def pending_totals(raw: str) -> frozenset[ItemKey]:
    """The totals items an item's pending deltas (its stored text) name."""
    return frozenset(from_target_token(t) for deltas in _parse_pending(raw).values() for t in deltas)


def _pending_text(pending: Pending) -> str:
    """Compact JSON in the dict's own order, which is deterministic (the old text's order, then
    this batch's tag). pydantic_core's encoder: ~0.5 µs where ``json``'s takes ~3 µs, and every
    item written stores one (its parser likewise, for every item read)."""
    return to_json(pending).decode()


def hashes_of(data: bytes | None) -> list[bytes]:
    data = data or b""
    return [data[i : i + HASH_BYTES] for i in range(0, len(data), HASH_BYTES)]


@dataclass(slots=True)
class Folded:
    state: dict[str, Any] | None  # the item to write; None when the batch changes nothing
    pages: list[tuple[ItemKey, dict[str, Any]]] = field(default_factory=list)
    created: bool = False
    pending: Pending | None = None  # the written item's pending deltas (saves parsing them back)


def _add(deltas: Deltas, total: ItemKey, counter: str, amount: int) -> None:
    if amount:
        counters = deltas.setdefault(target_token(total), {})
        counters[counter] = counters.get(counter, 0) + amount


def viewed_again(old: dict[str, Any], entries: list[Entry]) -> bool:
    """The item is viewed already and these operations only view it again: nothing to write."""
    return bool(old.get("viewed")) and all(type(e.op) is Viewed for e in entries)


def fold_item(
    group: Group,
    old: dict[str, Any] | None,
    shard: str,
    applied: Applied,
    spilled: frozenset[bytes] = frozenset(),
    sync: dict[str, Any] | None = None,
    carried: Carried | None = None,
) -> Folded:
    """``sync``: attributes to set whatever the operations (an anchor's minutes bucket and hours,
    derived from its viewing items after they were written; see ``domain.minutes``)."""
    old = old or {}
    hwm = hwm_attribute(shard)
    mark = old.get(hwm)
    hashes: list[bytes] = []
    deltas: Deltas = {}
    if type(group) is ViewGroup and group.plain and (mark is None or mark < group.first_seq):
        # Most items of a batch: a viewing item whose records are all new to it. Its runs say
        # what its records do, at a fraction of the work.
        state = dict(old)
        changed = _cover_runs(state, group, deltas)
        last: str | None = group.last_seq
    else:
        entries = group.entries if mark is None else [e for e in group.entries if e.seq > mark]
        if not sync and (not entries or viewed_again(old, entries)):
            return Folded(None)  # nothing new; the second case is most batches' "viewed" for a content
        state = dict(old)
        if entries and type(entries[0].op) is Cover:  # a viewing item (VIEW#…): all its operations are covers
            changed = _cover_all(state, entries, deltas, carried)
        else:
            hashes = hashes_of(state.get("dedup"))
            known = set(hashes) | spilled
            changed = False
            for entry in entries:
                op = entry.op
                if isinstance(op, Count | Download):
                    if op.hash in known:
                        continue  # sent again: applied once already
                    known.add(op.hash)
                    hashes.append(op.hash)
                changed |= _APPLY[type(op)](state, op, deltas)
        last = entries[-1].seq if entries else None
    if sync:
        changed = True
    if not changed:
        return Folded(None)
    created = not old
    if group.index and "gsi1pk" not in state:
        state.update(group.index)  # index keys only when created: later writes don't touch the index
    if sync:
        state.update(sync)
    state["version"] = int(state.get("version", 0)) + 1
    if last is not None:
        state[hwm] = last
    pending = {
        tag: kept
        for tag, by_total in pending_of(old).items()
        if (kept := {t: d for t, d in by_total.items() if not applied(tag, t)})
    }
    if deltas:
        pending[f"{shard}/{last}"] = deltas
    if pending:
        state["pending"] = text = _pending_text(pending)
        _remember(text, pending)  # the next batch reads it back
    else:
        state.pop("pending", None)
    pages = _spill(group.key, state, hashes) if hashes else []  # a viewing item has no ids
    return Folded(state, pages, created, pending)


def _spill(key: ItemKey, state: dict[str, Any], hashes: list[bytes]) -> list[tuple[ItemKey, dict[str, Any]]]:
    """Keep the newest ids on the item; a full page of the oldest moves to a sibling item."""
    pages = []
    while len(hashes) > DEDUP_CAP:
        page = int(state.get("dedup_pages", 0)) + 1
        pages.append((dedup_page_key(key, page), {"hashes": b"".join(hashes[:DEDUP_CAP])}))
        hashes = hashes[DEDUP_CAP:]
        state["dedup_pages"] = page
    if hashes:
        state["dedup"] = b"".join(hashes)
    return pages


def _count(state: dict[str, Any], op: Count, deltas: Deltas) -> bool:
    state[op.counter] = int(state.get(op.counter, 0)) + 1
    if op.total is not None:
        _add(deltas, op.total, op.counter, 1)
    return True


def _download(state: dict[str, Any], op: Download, deltas: Deltas) -> bool:
    state[DOWNLOADS] = int(state.get(DOWNLOADS, 0)) + 1
    if op.source is not None:
        named = json.loads(state.get("named") or "{}")
        named[op.source] = named.get(op.source, 0) + 1
        state["named"] = _compact_json(named)
    _add(deltas, op.total, DOWNLOADS, 1)
    return True


def _viewed(state: dict[str, Any], op: Viewed, deltas: Deltas) -> bool:
    if state.get("viewed"):
        return False
    state["viewed"] = 1
    _add(deltas, op.total, VIEWERS, 1)
    return True


def _cover_all(state: dict[str, Any], entries: list[Entry], deltas: Deltas, carried: Carried | None) -> bool:
    """Set each cover's seconds in the hour's map; engaged seconds count only on new seconds.

    The map stays one int for the whole batch: it is decoded and encoded once per item.
    """
    before = bits = from_bytes(state.get("bits"))
    seconds = engaged = 0
    changed = False
    carry: dict[str, int] | None = None
    for entry in entries:
        op = entry.op
        assert type(op) is Cover
        bits, new = _cover(bits, op.lo, op.hi)
        seconds += new
        allowance = op.engaged
        if op.previous is not None:  # what the beat's first part left of its allowance
            first = carried(op.previous, entry.seq) if carried else None
            if first is None:
                raise EarlierHourPending(f"{op.previous.sk} has not applied {entry.seq}")
            allowance = op.allowance - first
        counted = allowance if allowance < new else new
        engaged += counted
        if op.carries:
            carry = carry if carry is not None else carried_by(state)
            carry[entry.seq] = counted
        if op.duration is not None and state.get("duration") != op.duration:
            state["duration"] = op.duration
            changed = True
        if op.media is not None:
            changed |= _watched_media(state, op.media)
    if carry is not None:
        state["carry"] = _compact_json(dict(sorted(carry.items())[-CARRY_KEPT:]))
        changed = True
    first_op = entries[0].op
    assert type(first_op) is Cover
    counted_any = _counted(state, before, bits, seconds, engaged, first_op.total, first_op.counter, deltas)
    return counted_any or changed


def carried_by(item: dict[str, Any] | None) -> dict[str, int]:
    """An item's remembered first parts: sequence -> engaged seconds counted (``Cover.carries``)."""
    raw = (item or {}).get("carry")
    return dict(json.loads(raw)) if raw else {}


def _cover_runs(state: dict[str, Any], group: ViewGroup, deltas: Deltas) -> bool:
    """``_cover_all`` of a plain group's covers (``ViewGroup.spans``), a run at a time.

    One user's beats for one content item follow one another end to end: such a run of beats
    covers one range of the hour. Its beats are disjoint, so where all its seconds are new each
    beat's are, and each adds all its engaged seconds: one range is set in the map for the run,
    where setting each beat's would shift the 3,600-bit map once per beat. Where only some of
    its seconds are new, its beats are taken one by one, as they come.
    """
    before = bits = from_bytes(state.get("bits"))
    seconds = engaged = 0
    for lo, hi, share, first, stop in _runs(group.spans):
        covered, new = _cover(bits, lo, hi)
        if new == hi - lo or (new and stop - first == 1):
            bits = covered
            seconds += new
            engaged += min(share, new)
        elif new:
            for beat_lo, beat_hi, beat_engaged in group.spans[first:stop]:
                bits, fresh = _cover(bits, beat_lo, beat_hi)
                seconds += fresh
                engaged += min(beat_engaged, fresh)
    viewing = group.viewing
    return _counted(state, before, bits, seconds, engaged, viewing.total, viewing.counter, deltas)


def _runs(spans: list[tuple[int, int, int]]) -> list[tuple[int, int, int, int, int]]:
    """The spans that follow one another end to end, merged: ``(lo, hi, engaged, first, stop)``
    covers ``spans[first:stop]``."""
    runs = []
    first = 0
    lo, hi, engaged = spans[0]
    for i, (next_lo, next_hi, next_engaged) in enumerate(spans[1:], 1):
        if next_lo == hi:
            hi = next_hi
            engaged += next_engaged
        else:
            runs.append((lo, hi, engaged, first, i))
            first, lo, hi, engaged = i, next_lo, next_hi, next_engaged
    runs.append((lo, hi, engaged, first, len(spans)))
    return runs


def _cover(bits: int, lo: int, hi: int) -> tuple[int, int]:
    """The map with seconds [lo, hi) set, and how many of them were new."""
    width = hi - lo
    ones = (1 << width) - 1
    new = width - ((bits >> lo) & ones).bit_count()  # shifting the map: no 3,600-bit mask
    return (bits | ones << lo, new) if new else (bits, 0)


def _counted(
    state: dict[str, Any],
    before: int,
    bits: int,
    seconds: int,
    engaged: int,
    total: ItemKey,
    counter: str,
    deltas: Deltas,
) -> bool:
    """The new map and the seconds it added, on the item and owed to its totals; False: no change."""
    if bits == before:
        return False
    state["bits"] = to_bytes(bits)
    state[SECONDS] = int(state.get(SECONDS, 0)) + seconds
    _add(deltas, total, counter, seconds)
    if counter == LIVE_SECONDS:
        state[ENGAGED] = int(state.get(ENGAGED, 0)) + engaged
        _add(deltas, total, ENGAGED_SECONDS, engaged)
    return True


def _watched_media(state: dict[str, Any], media: tuple[Fraction, Fraction]) -> bool:
    """VOD completion: buckets when the duration is known, else the interval until it is."""
    duration = state.get("duration")
    if duration:
        old = from_bytes(state.get("buckets"))
        buckets = old
        for b in buckets_for_interval(*media, duration):
            buckets |= 1 << b
        if buckets == old:
            return False
        state["buckets"] = buckets.to_bytes(13, "little")
        return True
    spans = json.loads(state.get("spans") or "[]")
    token = span_token(*media)
    if token in spans:
        return False
    state["spans"] = _compact_json(_bounded([*spans, token]))
    return True


# Each operation's rule; True when it changed the item.
_APPLY: dict[type, Callable[[dict[str, Any], Any, Deltas], bool]] = {
    Count: _count,
    Download: _download,
    Viewed: _viewed,
}


def _bounded(tokens: list[str]) -> list[str]:
    """At most MAX_SPANS intervals: overlapping ones merge, then the closest neighbours (a small
    over-estimate of completion, only for a hostile producer that never sends the duration)."""
    spans = sorted(parse_span(t) for t in tokens)
    merged: list[list[Fraction]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    while len(merged) > MAX_SPANS:
        gaps = [merged[i + 1][0] - merged[i][1] for i in range(len(merged) - 1)]
        i = gaps.index(min(gaps))
        merged[i : i + 2] = [[merged[i][0], merged[i + 1][1]]]
    return [span_token(start, end) for start, end in merged]
