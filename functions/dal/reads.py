"""Read paths: a user's partition, catalog names, pages of profiles and attendees, totals."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any, NamedTuple

from dal import connection
from dal.items import (
    GSI1_NAME,
    AnalyticsItem,
    AttachmentLink,
    AttachmentTotal,
    CatalogAttachment,
    CatalogSession,
    CatalogVod,
    Profile,
    SessionTotal,
    Tombstone,
    UserAttachment,
    UserEvent,
    UserSession,
    UserView,
    UserVod,
    VodTotal,
)
from domain import dashboard as d
from domain import keys, minutes
from domain.counters import (
    CHAT,
    ENGAGED_SECONDS,
    HANDS,
    LIVE_SECONDS,
    POLL_ANSWERS,
    QNA,
    REACTIONS,
    RECORDING_SECONDS,
    TOTALS,
)
from domain.coverage import from_bytes

BATCH_GET_LIMIT = 100


def _int(value: Any) -> int:
    return int(value or 0)


def _num(value: Any) -> float | None:
    if value is None:
        return None
    number = Decimal(str(value))
    return int(number) if number == number.to_integral_value() else float(number)


def _profile(item: Profile) -> d.Profile:
    return d.profile_of(item.name, item.role, item.company, item.industry, item.country)


def counters(item: SessionTotal | VodTotal | AttachmentTotal) -> dict[str, int]:
    """The numeric attributes of a totals item."""
    return {name: _int(getattr(item, name)) for name in item.get_attributes() if name in TOTALS}


class _Rollup:
    """A user's items folded into per-session, per-VOD and per-attachment activity."""

    def __init__(self) -> None:
        self.sessions: dict[str, dict[str, Any]] = {}
        self.vods: dict[str, dict[str, Any]] = {}
        self.attachments: list[d.AttachmentActivity] = []
        self.profile: d.Profile | None = None
        self.event_chat = 0

    def session(self, session_id: str) -> dict[str, Any]:
        return self.sessions.setdefault(session_id, {"session_id": session_id})

    def vod(self, vod_id: str) -> dict[str, Any]:
        return self.vods.setdefault(vod_id, {"vod_id": vod_id, "buckets": 0, "spans": set()})

    def add(self, item: AnalyticsItem) -> None:
        suffix = item.sk.split("#", 1)[-1]
        if isinstance(item, Profile):
            self.profile = _profile(item)
        elif isinstance(item, UserView):
            self._view(item)
        elif isinstance(item, UserSession):
            self.session(suffix).update(
                {
                    REACTIONS: _int(item.reactions),
                    HANDS: _int(item.hands),
                    CHAT: _int(item.chat),
                    QNA: _int(item.qna),
                    POLL_ANSWERS: _int(item.poll_answers),
                }
            )
        elif isinstance(item, UserVod):
            self.vod(suffix)
        elif isinstance(item, UserAttachment):
            named = json.loads(item.named or "{}")
            self.attachments.append(
                d.AttachmentActivity(
                    suffix,
                    _int(item.downloads),
                    tuple((d.source_of(sk), int(n)) for sk, n in sorted(named.items())),
                )
            )
        elif isinstance(item, UserEvent):
            self.event_chat = _int(item.chat)

    def _view(self, item: UserView) -> None:
        kind, content, _ = keys.parse_view_sk(item.sk)
        if kind == "vod":
            vod = self.vod(content)
            vod["seconds"] = vod.get("seconds", 0) + _int(item.seconds)
            vod["buckets"] |= from_bytes(item.buckets)
            vod["spans"] |= set(json.loads(item.spans or "[]"))
            if item.duration is not None:
                vod["duration"] = max(vod.get("duration") or 0, _num(item.duration) or 0)
            return
        session = self.session(content)
        name = LIVE_SECONDS if kind == "live" else RECORDING_SECONDS
        session[name] = session.get(name, 0) + _int(item.seconds)
        session[ENGAGED_SECONDS] = session.get(ENGAGED_SECONDS, 0) + _int(item.engaged)

    def activity(self, event_id: str, user_id: str) -> d.UserActivity:
        vods = tuple(
            d.VodActivity(
                v["vod_id"],
                v.get("seconds", 0),
                frozenset(b for b in range(100) if v["buckets"] >> b & 1),
                frozenset(v["spans"]),
                v.get("duration"),
            )
            for v in self.vods.values()
        )
        sessions = tuple(_session_activity(s) for s in self.sessions.values())
        return d.UserActivity(
            event_id, user_id, self.profile, sessions, vods, tuple(self.attachments), self.event_chat
        )


def _session_activity(session: dict[str, Any]) -> d.SessionActivity:
    """A session's counters as ``_Rollup`` gathered them, by counter name."""
    return d.SessionActivity(
        session["session_id"],
        live_seconds=session.get(LIVE_SECONDS, 0),
        recording_seconds=session.get(RECORDING_SECONDS, 0),
        engaged_seconds=session.get(ENGAGED_SECONDS, 0),
        reactions=session.get(REACTIONS, 0),
        hands=session.get(HANDS, 0),
        chat=session.get(CHAT, 0),
        qna=session.get(QNA, 0),
        polls=session.get(POLL_ANSWERS, 0),
    )


def user_activity(event_id: str, user_id: str) -> d.UserActivity:
    """Everything stored for one user: one Query on the user partition (paginated past 1 MB)."""
    rollup = _Rollup()
    for item in AnalyticsItem.query(keys.user_pk(event_id, user_id)):
        rollup.add(item)
    return rollup.activity(event_id, user_id)


def attendees_viewing(event_id: str, session_id: str, user_ids: list[str]) -> dict[str, d.SessionActivity]:
    """Each listed attendee's viewing of the session, read by key: one BatchGetItem for their
    user-session items, one for the hourly viewing items those list (no Query per attendee).

    An anchor past its bound (``minutes.MAX_HOURS``) lists its oldest hours only as a merged
    sum, which says neither their kind nor their engaged seconds: such an attendee's viewing
    items of the session are read by Query instead (two, live and recording; rare)."""
    anchors = [keys.user_session_key(event_id, u, session_id) for u in user_ids]
    rollups = {u: _Rollup() for u in user_ids}
    views: list[keys.ItemKey] = []
    queried: list[str] = []
    for item in _batch_get(anchors):
        if not isinstance(item, UserSession):
            continue
        hours = json.loads(item.hours or "{}")
        if minutes.MERGED in hours:
            queried.append(item.pk)
        else:
            views.extend(minutes.view_key(keys.ItemKey(item.pk, item.sk), hour) for hour in hours)
    for item in _batch_get(views):
        rollups[item.pk.rsplit("#", 1)[-1]].add(item)
    prefixes = [keys.user_view_key(event_id, "", kind, session_id, "").sk for kind in ("live", "recording")]
    for pk in queried:
        for prefix in prefixes:  # VIEW#L#<session>#, VIEW#R#<session>#
            for item in AnalyticsItem.query(pk, AnalyticsItem.sk.startswith(prefix)):
                rollups[pk.rsplit("#", 1)[-1]].add(item)
    return {user_id: _session_activity(rollup.session(session_id)) for user_id, rollup in rollups.items()}


def attachment_downloads(event_id: str, source: keys.ItemKey) -> int:
    """Downloads whose event named no source, of the attachments the catalog puts in ``source``.

    The source's partition lists its attachments (link items the catalog writes); the catalog
    entry confirms each one still belongs here (a later catalog event may have moved it).
    """
    links = [
        i.sk
        for i in AnalyticsItem.query(source.pk, AnalyticsItem.sk.startswith("ATT#"))
        if isinstance(i, AttachmentLink)
    ]
    if not links:
        return 0
    source_sk = source.pk.split("#", 2)[2]  # "SES#s" / "VOD#v"
    entries = catalog(event_id, links)
    mine = [sk for sk in links if (e := entries.get(sk)) and e.source_sk == source_sk]
    wanted = (keys.attachment_total_key(event_id, sk.split("#", 1)[1]) for sk in mine)
    return sum(
        _int(item.downloads)
        for item in _batch_get((k.pk, k.sk) for k in wanted)
        if isinstance(item, AttachmentTotal)
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
    """Catalog entries by sort key: exactly the keys wanted, never a read of the event's whole catalog."""
    pk = keys.catalog_pk(event_id)
    return {item.sk: _catalog_entry(item) for item in _batch_get((pk, sk) for sk in sort_keys)}


def _batch_get(item_keys: Iterable[tuple[str, str]]) -> Iterator[AnalyticsItem]:
    """The items that exist: BatchGetItem, 100 keys a request, past 100 side by side (one round trip)."""
    wanted = sorted(set(item_keys))
    chunks = [wanted[i : i + BATCH_GET_LIMIT] for i in range(0, len(wanted), BATCH_GET_LIMIT)]
    if len(chunks) <= 1:
        for chunk in chunks:
            yield from AnalyticsItem.batch_get(chunk)
        return
    with ThreadPoolExecutor(max_workers=min(len(chunks), 8), thread_name_prefix="batch-get") as pool:
        for items in pool.map(lambda chunk: list(AnalyticsItem.batch_get(chunk)), chunks):
            yield from items


def catalog_entry(event_id: str, sort_key: str) -> d.CatalogEntry | None:
    try:
        return _catalog_entry(AnalyticsItem.get(keys.catalog_pk(event_id), sort_key))
    except AnalyticsItem.DoesNotExist:
        return None


def profiles(event_id: str, user_ids: Iterable[str]) -> dict[str, d.Profile]:
    """Profiles by key, one BatchGetItem (missing ones are left out)."""
    wanted = (keys.profile_key(event_id, u) for u in user_ids)
    return {
        item.pk.rsplit("#", 1)[-1]: _profile(item)
        for item in _batch_get((k.pk, k.sk) for k in wanted)
        if isinstance(item, Profile)
    }


class Page(NamedTuple):
    items: list[keys.ItemKey]  # table keys, in index order
    last_key: dict[str, Any] | None


_INDEX_KEYS = ("pk", "sk", "gsi1pk", "gsi1sk")


def index_page(
    partition: str,
    limit: int,
    start: dict[str, Any] | None,
    *,
    prefix: str | None = None,
    descending: bool = False,
) -> Page:
    """One page of GSI1's keys (profiles of an event, attendees of a session); the index is
    KEYS_ONLY, so callers read the items by key.

    Reads one entry past the page so the last page never hands out a cursor to nothing.
    """
    condition = "gsi1pk = :pk"
    values: dict[str, Any] = {":pk": {"S": partition}}
    if prefix:
        condition += " AND begins_with(gsi1sk, :prefix)"
        values[":prefix"] = {"S": prefix}
    request: dict[str, Any] = {
        "TableName": AnalyticsItem.Meta.table_name,
        "IndexName": GSI1_NAME,
        "KeyConditionExpression": condition,
        "ExpressionAttributeValues": values,
        "ScanIndexForward": not descending,
        "Limit": limit + 1,
    }
    if start:
        request["ExclusiveStartKey"] = start
    entries: list[dict[str, Any]] = []
    while len(entries) <= limit:
        response = connection.dispatch(AnalyticsItem, "Query", request)
        entries += response.get("Items", [])
        if "LastEvaluatedKey" not in response:
            break
        request["ExclusiveStartKey"] = response["LastEvaluatedKey"]
    found = [keys.ItemKey(e["pk"]["S"], e["sk"]["S"]) for e in entries[:limit]]
    if len(entries) <= limit:
        return Page(found, None)
    last = entries[limit - 1]
    return Page(found, {name: {"S": last[name]["S"]} for name in _INDEX_KEYS})


def total(key: keys.ItemKey) -> SessionTotal | VodTotal | None:
    try:
        item = AnalyticsItem.get(key.pk, key.sk)
    except AnalyticsItem.DoesNotExist:
        return None
    return item if isinstance(item, SessionTotal | VodTotal) else None


def write_tombstone(event_id: str, user_id: str, erased_at: str) -> None:
    """Left by an erase before anything is deleted: the aggregator drops what it covers."""
    key = keys.tombstone_key(event_id, user_id)
    Tombstone(key.pk, key.sk, erased_at=erased_at).save()


def user_item_keys(event_id: str, user_id: str) -> list[tuple[str, str]]:
    """Every item of the user's partition (a consistent read: nothing written before it is missed)."""
    pk = keys.user_pk(event_id, user_id)
    found = AnalyticsItem.query(pk, consistent_read=True, attributes_to_get=["pk", "sk", "kind"])
    return [(i.pk, i.sk) for i in found]


def delete_items(item_keys: list[tuple[str, str]]) -> None:
    """BatchWriteItem deletes (PynamoDB retries unprocessed items)."""
    with AnalyticsItem.batch_write() as batch:
        for pk, sk in item_keys:
            batch.delete(AnalyticsItem(pk, sk))
