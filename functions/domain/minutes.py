"""Attendees sorted by minutes (SPEC 11): a coarse minutes bucket in the session anchor's index key.

A user's minutes in a session are the seconds of their hourly viewing items (``VIEW#L|R#s#hour``),
which change every batch; the anchor (``SES#s``) and its index entry must not. So the anchor keeps:

- ``hours``: seconds per viewing item (``L#2026-11-20T10`` → seconds) as of the anchor's last write;
- ``open_hours``: the viewing items whose seconds may have grown since. Every other entry of
  ``hours`` is exact (the invariant).

After a batch has written its viewing items, the anchor's exact total is the sum of ``hours`` with
the items this batch touched (their values as persisted) and the still-open items it did not touch
(read by key, rare: a user watching live and recording at once, or the first batch of a new hour).
The anchor is rewritten only when that total changes bucket, or when the batch touched an item
that is not open (a new hour, or a late heartbeat for an old one); a rewrite makes every entry
exact and opens only the items this batch touched. A failed write of a viewing item leaves it
open, so the next batch that touches the content heals the bucket.

Pure: the caller reads and writes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from domain import keys
from domain.keys import ItemKey

MAX_HOURS = 96  # entries kept on the anchor; older closed hours are merged into one (bounded item)
MERGED = "*"

_compact_json = json.JSONEncoder(separators=(",", ":"), sort_keys=True).encode


def hour_id(view_sk: str) -> str:
    """``VIEW#L#s1#2026-11-20T10`` → ``L#2026-11-20T10`` (the kind code and the hour)."""
    _, code, _, hour = view_sk.split("#", 3)
    return f"{code}#{hour}"


def view_key(anchor: ItemKey, hid: str) -> ItemKey:
    code, hour = hid.split("#", 1)
    content = anchor.sk.split("#", 1)[1]
    return ItemKey(anchor.pk, f"{keys.VIEW_PREFIX}{code}#{content}#{hour}")


def session_anchor_of(view: ItemKey) -> ItemKey | None:
    """The user-session item a live/recording viewing item belongs to (None for VODs)."""
    _, code, content, _ = view.sk.split("#", 3)
    if code not in ("L", "R"):
        return None
    return ItemKey(view.pk, keys.session_sk(content))


def anchors_of(item_keys: Iterable[ItemKey]) -> dict[ItemKey, dict[str, ItemKey]]:
    """Session anchor → {hour id: viewing item key} for the viewing items among a batch's items."""
    out: dict[ItemKey, dict[str, ItemKey]] = {}
    for key in item_keys:
        if (place := _anchor_and_hour(key)) is not None:
            anchor, hid = place
            out.setdefault(anchor, {})[hid] = key
    return out


@lru_cache(maxsize=65536)  # a user's items come back batch after batch: split each key once
def _anchor_and_hour(key: ItemKey) -> tuple[ItemKey, str] | None:
    """(session anchor, hour id) of a live/recording viewing item; None for any other item."""
    if not key.sk.startswith(keys.VIEW_PREFIX) or (anchor := session_anchor_of(key)) is None:
        return None
    return anchor, hour_id(key.sk)


def stored_hours(anchor: Mapping[str, Any] | None) -> tuple[Mapping[str, int], frozenset[str]]:
    """The anchor's seconds per hour and its open hours (shared between calls: read-only)."""
    anchor = anchor or {}
    return _stored_hours(anchor.get("hours") or "{}", anchor.get("open_hours") or "[]")


@lru_cache(maxsize=16384)  # the same anchor is read batch after batch: parse each text once
def _stored_hours(hours: str, open_hours: str) -> tuple[Mapping[str, int], frozenset[str]]:
    return {k: int(v) for k, v in json.loads(hours).items()}, frozenset(json.loads(open_hours))


def to_read(anchor: Mapping[str, Any] | None, touched: Iterable[str]) -> frozenset[str]:
    """Open hours this batch did not touch: their seconds must be read to know the total."""
    _, open_hours = stored_hours(anchor)
    return open_hours.difference(touched)


def anchor_sync(
    anchor: Mapping[str, Any] | None,
    touched: Mapping[str, int],
    read: Mapping[str, int],
    user_id: str,
) -> dict[str, Any] | None:
    """What to set on the anchor, or None when it need not be written.

    ``touched``: exact seconds of the hours this batch touched (as persisted); ``read``: of the
    open hours it did not touch.
    """
    hours, open_hours = stored_hours(anchor)
    merged = {**hours, **read, **touched}
    sk = keys.attendee_index_sk(keys.minutes_bucket(sum(merged.values())), user_id)
    if sk == (anchor or {}).get("gsi1sk") and open_hours.issuperset(touched):
        return None  # same bucket, and only open hours moved: the invariant still holds
    if len(merged) > MAX_HOURS:
        closed = sorted((h for h in merged if h not in touched and h != MERGED), key=_hour_order)
        excess = len(merged) - MAX_HOURS + (MERGED not in merged)  # the merged entry counts too
        for h in closed[:excess]:
            merged[MERGED] = merged.get(MERGED, 0) + merged.pop(h)
    return {
        "hours": _compact_json(merged),
        "open_hours": _compact_json(sorted(touched)),
        "gsi1sk": sk,
    }


def _hour_order(hid: str) -> str:
    return hid.split("#", 1)[1]
