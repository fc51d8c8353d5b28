"""Read paths: a user's partition, catalog names, pages of profiles and attendees, totals."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from dal.items import (
    AnalyticsItem,
    CatalogAttachment,
    CatalogSession,
    CatalogVod,
    Profile,
    SessionTotal,
    UserAttachment,
    UserEvent,
    UserSession,
    UserVod,
    VodTotal,
)
from domain import dashboard as d
from domain import keys

BATCH_GET_LIMIT = 100


def _int(value: Any) -> int:
    return int(value or 0)


def _num(value: Any) -> float | None:
    if value is None:
        return None
    number = Decimal(str(value))
    return int(number) if number == number.to_integral_value() else float(number)


def profile_of(item: AnalyticsItem) -> d.Profile:
    return _profile(item) if isinstance(item, Profile) else d.Profile()


def _profile(item: Profile) -> d.Profile:
    return d.Profile(item.name, item.role, item.company, item.industry, item.country)


def session_activity(item: UserSession) -> d.SessionActivity:
    return d.SessionActivity(
        item.sk.split("#", 1)[1],
        _int(item.live_seconds),
        _int(item.recording_seconds),
        _int(item.engaged_seconds),
        _int(item.reactions),
        _int(item.hands),
        _int(item.chat),
        _int(item.qna),
        frozenset(item.polls or ()),
    )


def counters(item: SessionTotal | VodTotal) -> dict[str, int]:
    """The numeric attributes of a totals item."""
    return {name: _int(getattr(item, name)) for name in item.get_attributes() if name in _COUNTERS}


_COUNTERS = {
    "live_seconds",
    "recording_seconds",
    "engaged_seconds",
    "reactions",
    "hands",
    "chat",
    "qna",
    "poll_answers",
    "downloads",
    "viewers",
    "vod_seconds",
}


def user_activity(event_id: str, user_id: str) -> d.UserActivity:
    """Everything stored for one user: one Query on the user partition (paginated past 1 MB)."""
    profile: d.Profile | None = None
    sessions: list[d.SessionActivity] = []
    vods: list[d.VodActivity] = []
    attachments: list[d.AttachmentActivity] = []
    event_chat = 0
    for item in AnalyticsItem.query(keys.user_pk(event_id, user_id)):
        suffix = item.sk.split("#", 1)[-1]
        if isinstance(item, Profile):
            profile = _profile(item)
        elif isinstance(item, UserSession):
            sessions.append(session_activity(item))
        elif isinstance(item, UserVod):
            vods.append(
                d.VodActivity(
                    suffix,
                    _int(item.vod_seconds),
                    frozenset(int(b) for b in item.buckets or ()),
                    frozenset(item.spans or ()),
                    _num(item.duration),
                )
            )
        elif isinstance(item, UserAttachment):
            attachments.append(
                d.AttachmentActivity(suffix, _int(item.downloads), item.source_kind, item.source_id)
            )
        elif isinstance(item, UserEvent):
            event_chat = _int(item.chat)
    return d.UserActivity(
        event_id, user_id, profile, tuple(sessions), tuple(vods), tuple(attachments), event_chat
    )


def _catalog_entry(item: AnalyticsItem) -> d.CatalogEntry:
    if isinstance(item, CatalogVod):
        return d.CatalogEntry(item.name, duration=_num(item.duration))
    if isinstance(item, CatalogAttachment):
        return d.CatalogEntry(
            item.name, file_type=item.file_type, source_kind=item.source_kind, source_id=item.source_id
        )
    if isinstance(item, CatalogSession):
        return d.CatalogEntry(item.name)
    return d.CatalogEntry()


def catalog(event_id: str, sort_keys: Iterable[str]) -> dict[str, d.CatalogEntry]:
    """Catalog entries by sort key, in one round trip in the common case.

    Up to 100 names: one BatchGetItem. More than that would take several BatchGetItem
    calls (100 keys each), so read the event's catalog partition with one Query instead
    (about 5,000 entries fit in its 1 MB page).
    """
    wanted = set(sort_keys)
    if not wanted:
        return {}
    pk = keys.catalog_pk(event_id)
    if len(wanted) <= BATCH_GET_LIMIT:
        found: Iterator[AnalyticsItem] = AnalyticsItem.batch_get([(pk, sk) for sk in wanted])
    else:
        found = AnalyticsItem.query(pk)
    return {item.sk: _catalog_entry(item) for item in found if item.sk in wanted}


def catalog_entry(event_id: str, sort_key: str) -> d.CatalogEntry | None:
    try:
        return _catalog_entry(AnalyticsItem.get(keys.catalog_pk(event_id), sort_key))
    except AnalyticsItem.DoesNotExist:
        return None


def profiles(event_id: str, user_ids: Iterable[str]) -> dict[str, d.Profile]:
    wanted = {keys.profile_key(event_id, u) for u in user_ids}
    found: dict[str, d.Profile] = {}
    keys_list = [(k.pk, k.sk) for k in wanted]
    for start in range(0, len(keys_list), BATCH_GET_LIMIT):
        for item in AnalyticsItem.batch_get(keys_list[start : start + BATCH_GET_LIMIT]):
            if isinstance(item, Profile):
                found[item.pk.rsplit("#", 1)[-1]] = _profile(item)
    return found


@dataclass(frozen=True, slots=True)
class Page:
    items: list[AnalyticsItem]
    last_key: dict[str, Any] | None


def index_page(partition: str, limit: int, start: dict[str, Any] | None) -> Page:
    """One page of GSI1 (profiles of an event, attendees of a session).

    Reads one item past the page so the last page never hands out a cursor to nothing.
    """
    items = list(AnalyticsItem.gsi1.query(partition, limit=limit + 1, last_evaluated_key=start))
    if len(items) <= limit:
        return Page(items, None)
    last = items[limit - 1]
    names = ("pk", "sk", "gsi1pk", "gsi1sk")
    return Page(items[:limit], {name: {"S": getattr(last, name)} for name in names})


def total(key: keys.ItemKey) -> SessionTotal | VodTotal | None:
    try:
        item = AnalyticsItem.get(key.pk, key.sk)
    except AnalyticsItem.DoesNotExist:
        return None
    return item if isinstance(item, SessionTotal | VodTotal) else None


def user_item_keys(event_id: str, user_id: str) -> list[tuple[str, str]]:
    pk = keys.user_pk(event_id, user_id)
    return [(i.pk, i.sk) for i in AnalyticsItem.query(pk, attributes_to_get=["pk", "sk", "kind"])]


def delete_items(item_keys: list[tuple[str, str]]) -> None:
    """BatchWriteItem deletes (PynamoDB retries unprocessed items)."""
    with AnalyticsItem.batch_write() as batch:
        for pk, sk in item_keys:
            batch.delete(AnalyticsItem(pk, sk))
