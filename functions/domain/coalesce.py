"""Turn a Kinesis batch into per-item work (SPEC sections 4 and 11).

``coalesce_batch`` is pure: records in, a plan out. Each user-level item gets the list of
operations its records imply, tagged with the record's sequence number, event time and arrival
time, so the fold can skip what an earlier attempt applied (sequence <= the item's high-water
mark) and the tombstone of an erased user can drop what came before the erase.
"""

from __future__ import annotations

import bisect
import hashlib
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from operator import attrgetter
from typing import Any, NamedTuple

from domain import keys
from domain.completion import watched_interval
from domain.counters import CHAT, HANDS, POLL_ANSWERS, QNA, REACTIONS, SECONDS_OF
from domain.coverage import DAY, EPOCH, HOUR, heartbeat_spans, hour_label
from domain.keys import ItemKey
from models.events import (
    AttachmentDownloaded,
    CatalogAttachment,
    CatalogSession,
    CatalogVod,
    ChatMessageSent,
    Event,
    HandRaised,
    PollAnswered,
    QnaThreadCreated,
    ReactionSent,
    UserProfile,
    ViewHeartbeat,
)
from models.ids import format_time


class StreamRecord(NamedTuple):  # one per record: a tuple is the cheapest immutable record
    seq: str  # order key of the Kinesis sequence number (domain.sequence.order_key)
    event: Event
    arrival: float | None = None  # when the record reached the stream (epoch seconds)


def id_hash(event_id: str) -> bytes:
    """8 bytes that recognise a counter event sent again (items are per user: the id is enough)."""
    return hashlib.blake2b(event_id.encode("utf-8", "surrogatepass"), digest_size=8).digest()


def poll_hash(poll_id: str) -> bytes:
    """A poll answer's 8 bytes are its poll's, not its event's: answering again, like sending the
    answer again, counts once (SPEC 2 (9), (25)). The NUL, which no event id holds, keeps a poll's
    hash apart from the ids of the item's other counter events."""
    return id_hash("\0poll\0" + poll_id)


# --- operations on one item ------------------------------------------------------------------------


class Count(NamedTuple):
    """+1 on ``counter`` unless this event id was applied before; +1 on the totals item too."""

    counter: str  # domain.counters
    hash: bytes
    total: ItemKey | None


class Download(NamedTuple):
    source: str | None  # "SES#s" / "VOD#v" when the event named it
    hash: bytes
    total: ItemKey  # the named source's totals, else the attachment's


class Viewed(NamedTuple):
    """The user watched this session/VOD: the first time adds a distinct viewer."""

    total: ItemKey


class Cover(NamedTuple):
    """Seconds [lo, hi) of the item's hour watched; engaged seconds add at most ``engaged``."""

    lo: int
    hi: int
    engaged: int
    counter: str  # domain.counters.SECONDS_OF: live/recording/VOD seconds on the totals item
    total: ItemKey
    # VOD completion: the media interval watched and the duration the player reported.
    media: tuple[Fraction, Fraction] | None = None
    duration: float | None = None
    # A live beat across an hour has one engaged allowance for both parts (SPEC 2: min(engaged,
    # seconds it newly covered)). The first part records what it counted on its item (``carries``);
    # the second counts at most ``allowance`` minus that, read from the first part's item.
    carries: bool = False
    previous: ItemKey | None = None  # the second part: the first part's viewing item
    allowance: int = 0  # the second part: the beat's engaged seconds


Op = Count | Download | Viewed | Cover


class Entry(NamedTuple):
    seq: str
    time: float  # the event's time, epoch seconds
    arrival: float | None  # the record's arrival at the stream, epoch seconds
    op: Op


@dataclass(slots=True)
class ItemGroup:
    """Everything one batch does to one user-level item."""

    key: ItemKey
    user: ItemKey  # the user's tombstone key
    entries: list[Entry] = field(default_factory=list)
    index: dict[str, str] | None = None  # GSI1 attributes the item carries (set when created)

    @property
    def first_seq(self) -> str:
        return self.entries[0].seq


@dataclass(slots=True)
class ViewGroup:
    """Everything one batch does to one viewing item (one user, one content item, one UTC hour).

    Heartbeats are most of the stream: the group keeps their records and, beside them, the seconds
    each covers in the hour, ``spans[i] = (lo, hi, engaged)`` for ``records[i]``: enough for the
    fold of a group whose beats are all new to the item and carry no VOD completion (``plain``),
    which is nearly every group (see ``domain.fold``).

    Each record's own operation (``entries``, as an ``ItemGroup`` has them) is built only when a
    path needs it: a retry that applied part of the group, an erase, a failure, VOD completion.
    """

    key: ItemKey
    user: ItemKey  # the user's tombstone key
    hour: int  # hours since the epoch
    viewing: _Viewing
    records: list[StreamRecord] = field(default_factory=list)  # in sequence order
    spans: list[tuple[int, int, int]] = field(default_factory=list)  # seconds [lo, hi), engaged
    plain: bool = True  # no beat with a media position or a duration, nor a live beat across an hour
    _entries: list[Entry] | None = None

    index = None  # viewing items are in no index

    @property
    def entries(self) -> list[Entry]:
        if self._entries is None:
            self._entries = [
                entry
                for record in self.records
                for hour, entry in _beat_entries(record, self.viewing)
                if hour == self.hour
            ]
        return self._entries

    @property
    def first_seq(self) -> str:
        return self.records[0].seq

    @property
    def last_seq(self) -> str:
        return self.records[-1].seq


Group = ItemGroup | ViewGroup


@dataclass(slots=True)
class LatestGroup:
    """A whole-value upsert where the latest event time wins (profiles, catalog)."""

    key: ItemKey
    seq: str
    time: str
    values: dict[str, Any]
    time_attribute: str
    moment: float = 0.0  # ``time`` as epoch seconds (erase tombstones compare it)
    arrival: float | None = None
    user: ItemKey | None = None  # profiles: the tombstone that guards them
    links: tuple[ItemKey, ...] = ()  # catalog attachments: the source's link item


@dataclass(slots=True)
class BatchPlan:
    groups: dict[ItemKey, Group]
    latest: list[LatestGroup]
    duplicates: int = 0
    ignored: int = 0
    last_seq: str = ""  # the batch's last record: no delta tagged past it may reach the totals yet
    totals: set[ItemKey] = field(default_factory=set)  # every totals item an operation adds to

    def tombstones(self) -> set[ItemKey]:
        users = {g.user for g in self.groups.values()}
        return users | {g.user for g in self.latest if g.user is not None}


_LATEST_KINDS = (UserProfile, CatalogSession, CatalogVod, CatalogAttachment)


def coalesce_batch(records: list[StreamRecord], shard: str = "") -> BatchPlan:
    """Drop events already seen in this batch, then gather every item's operations in sequence order."""
    ordered = sorted(records, key=_record_seq)
    plan = BatchPlan({}, [], last_seq=ordered[-1].seq if ordered else "")
    latest: dict[ItemKey, LatestGroup] = {}
    seen: set[tuple[str, str | None, str]] = set()
    groups = plan.groups
    for record in ordered:
        event = record.event
        fields = event.__dict__  # the model's field values, read as a dict (``_gather_heartbeat``)
        # An event's identity (``Event.identity``, inlined: this runs per record). One hash of the
        # key: the set's size tells whether it was new.
        size = len(seen)
        seen.add((fields["event_id"], fields["user_id"], fields["id"]))
        if len(seen) == size:
            plan.duplicates += 1
            continue
        if type(event) is ViewHeartbeat:  # most of the stream: its own short path
            _gather_heartbeat(groups, record, fields)
        elif isinstance(event, _LATEST_KINDS):
            _keep_latest(latest, _latest_group(event, record))
        elif ops := _operations(event):
            when = event.time.timestamp()
            for key, op, index in ops:
                group = _item_group(groups, key, _tombstone(event.event_id, event.user_id or ""))
                if index is not None:
                    group.index = index
                group.entries.append(Entry(record.seq, when, record.arrival, op))
                if op.total is not None:
                    plan.totals.add(op.total)
        else:
            plan.ignored += 1
    # One "viewed" per item and batch is enough: the last heartbeat's, in its place in sequence.
    last_beats: dict[ItemKey, ViewGroup] = {}  # session/VOD anchor -> its group with the last beat
    for view in groups.values():
        if type(view) is ViewGroup:
            other = last_beats.get(anchor := view.viewing.anchor)
            if other is None or view.last_seq > other.last_seq:
                last_beats[anchor] = view
    for key, view in last_beats.items():
        record, viewing = view.records[-1], view.viewing
        group = _item_group(groups, key, viewing.user)
        group.index = viewing.attendee
        viewed = Entry(record.seq, record.event.time.timestamp(), record.arrival, viewing.viewed)
        bisect.insort(group.entries, viewed, key=_seq)
        plan.totals.add(viewing.total)  # its covers' totals too
    plan.latest = list(latest.values())
    return plan


_record_seq = attrgetter("seq")


def _item_group(groups: dict[ItemKey, Group], key: ItemKey, user: ItemKey) -> ItemGroup:
    """The (non-viewing) item's group, created on first use; ``user`` is the user's tombstone key."""
    group = groups.get(key)
    if group is None:
        group = groups[key] = ItemGroup(key, user)
    assert type(group) is ItemGroup  # a viewing item's key (VIEW#…) is never an anchor's or a counter's
    return group


_tombstone = lru_cache(maxsize=65536)(keys.tombstone_key)


def _seq(entry: Entry) -> str:
    return entry.seq


def _keep_latest(latest: dict[ItemKey, LatestGroup], candidate: LatestGroup) -> None:
    # Ties on time keep the earlier record, which is what separate batches would do too.
    current = latest.get(candidate.key)
    if current is None or candidate.time > current.time:
        latest[candidate.key] = candidate


_Op = tuple[ItemKey, Op, dict[str, str] | None]


def _attendee(e: str, u: str, total: ItemKey) -> dict[str, str]:
    """GSI1 attributes that list a session's attendees: written when the item is created (in the
    lowest minutes bucket); the aggregator moves the entry when the user's minutes change bucket."""
    return {"gsi1pk": total.pk, "gsi1sk": keys.attendee_index_sk(0, u)}


def _session_op(e: str, u: str, s: str, op: Op) -> _Op:
    total = keys.session_total_key(e, s)
    return keys.user_session_key(e, u, s), op, _attendee(e, u, total)


def _operations(event: Event) -> list[_Op]:
    """The user-level items one interaction event changes, and how."""
    e, u = event.event_id, event.user_id or ""
    if isinstance(event, ChatMessageSent):
        if event.data.channel == "direct":
            return []  # direct messages are counted nowhere (SPEC element 8)
        if event.data.session_id is None:
            return [(keys.user_event_key(e, u), Count(CHAT, id_hash(event.id), None), None)]
        s = event.data.session_id
        return [_session_op(e, u, s, Count(CHAT, id_hash(event.id), keys.session_total_key(e, s)))]
    if isinstance(event, ReactionSent | HandRaised | QnaThreadCreated):
        counter = _COUNTER_OF[type(event)]
        s = event.data.session_id
        return [_session_op(e, u, s, Count(counter, id_hash(event.id), keys.session_total_key(e, s)))]
    if isinstance(event, PollAnswered):
        s = event.data.session_id
        answer = Count(POLL_ANSWERS, poll_hash(event.data.poll_id), keys.session_total_key(e, s))
        return [_session_op(e, u, s, answer)]
    if isinstance(event, AttachmentDownloaded):
        d = event.data
        if d.session_id is not None:
            source: str | None = keys.session_sk(d.session_id)
            total = keys.session_total_key(e, d.session_id)
        elif d.vod_id is not None:
            source, total = keys.vod_sk(d.vod_id), keys.vod_total_key(e, d.vod_id)
        else:
            source, total = None, keys.attachment_total_key(e, d.attachment_id)
        op = Download(source, id_hash(event.id), total)
        return [(keys.user_attachment_key(e, u, d.attachment_id), op, None)]
    raise TypeError(f"no aggregation rule for {event.type}")  # pragma: no cover - the union is closed


_COUNTER_OF: dict[type, str] = {ReactionSent: REACTIONS, HandRaised: HANDS, QnaThreadCreated: QNA}


class _Viewing(NamedTuple):
    anchor: ItemKey  # the user's session/VOD item: its first viewing adds a distinct viewer
    viewed: Viewed
    attendee: dict[str, str] | None  # the anchor's GSI1 attributes (sessions; VODs are not listed)
    total: ItemKey
    counter: str
    user: ItemKey  # the user's tombstone
    hours: dict[int, ItemKey]  # the viewing item of each UTC hour seen so far
    content: tuple[str, str, str, str]  # (event id, user id, kind, content id): its viewing items' keys


@lru_cache(maxsize=65536)
def _viewing(e: str, u: str, kind: str, content: str) -> _Viewing:
    """What every heartbeat of one user for one content item shares.

    Cached: heartbeats are most of the stream, and a user sends many for the same item.
    """
    attendee: dict[str, str] | None = None
    if kind == "vod":
        total, anchor = keys.vod_total_key(e, content), keys.user_vod_key(e, u, content)
    else:
        total, anchor = keys.session_total_key(e, content), keys.user_session_key(e, u, content)
        attendee = _attendee(e, u, total)
    content_ = (e, u, kind, content)
    return _Viewing(anchor, Viewed(total), attendee, total, SECONDS_OF[kind], _tombstone(e, u), {}, content_)


def _gather_heartbeat(groups: dict[ItemKey, Group], record: StreamRecord, fields: dict[str, Any]) -> None:
    """The heartbeat's seconds, per UTC hour it touches (the content's "viewed" comes from its groups).

    ``fields``: the event's ``__dict__``. pydantic's ``BaseModel`` defines ``__getattr__``, which
    sends every attribute read down CPython's generic path (~50 ns more than a dict lookup, and a
    heartbeat reads a dozen); its field values are plain entries of the instance dict.
    """
    d = fields["data"].__dict__  # HeartbeatData's fields
    kind = d["kind"]
    content = d["vod_id"] if kind == "vod" else d["session_id"]
    assert content is not None
    viewing = _viewing(fields["event_id"], fields["user_id"], kind, content)
    seconds = d["seconds"]
    # ``heartbeat_spans`` for the usual beat, inline (per heartbeat): within one hour, no VOD
    # completion. The whole seconds since the epoch, floored as ``int(time.timestamp())`` would,
    # without the float (tests/unit/test_hot_path_twins.py compares the spans with the twin's).
    since = fields["time"] - EPOCH
    start = since.days * DAY + since.seconds - seconds
    hour = start // HOUR
    lo = start - hour * HOUR
    if lo + seconds <= HOUR and (kind != "vod" or (d["position"] is None and d["duration_seconds"] is None)):
        engaged = d["engaged_seconds"] if kind == "live" else 0
        group = groups.get(viewing.hours.get(hour))  # type: ignore[arg-type]  # None: not found
        if type(group) is not ViewGroup:  # the first beat of the batch for this item
            group = _view_group(groups, viewing, hour)
        group.records.append(record)
        group.spans.append((lo, lo + seconds, engaged if engaged < seconds else seconds))
    else:  # across an hour boundary, or a VOD beat with completion: each part as an entry says
        for part_hour, entry in _beat_entries(record, viewing):
            group = _view_group(groups, viewing, part_hour)
            cover = entry.op
            assert type(cover) is Cover
            group.records.append(record)
            group.spans.append((cover.lo, cover.hi, cover.engaged))
            shared = cover.carries or cover.previous is not None  # a live beat across the hour
            if shared or cover.media is not None or cover.duration is not None:
                group.plain = False


def _view_key(viewing: _Viewing, hour: int) -> ItemKey:
    key = viewing.hours.get(hour)
    if key is None:
        key = viewing.hours[hour] = keys.user_view_key(*viewing.content, hour_label(hour))
    return key


def _view_group(groups: dict[ItemKey, Group], viewing: _Viewing, hour: int) -> ViewGroup:
    key = _view_key(viewing, hour)
    group = groups.get(key)
    if group is None:
        group = groups[key] = ViewGroup(key, viewing.user, hour, viewing)
    assert type(group) is ViewGroup
    return group


def _beat_entries(record: StreamRecord, viewing: _Viewing) -> list[tuple[int, Entry]]:
    """A heartbeat's operation on each UTC hour it touches, as (hour since the epoch, entry)."""
    event = record.event
    assert type(event) is ViewHeartbeat
    d = event.data
    when = event.time.timestamp()
    media = watched_interval(d.position, d.seconds) if d.kind == "vod" and d.position is not None else None
    engaged = d.engaged_seconds if d.kind == "live" else 0
    out = []
    spans = heartbeat_spans(when, d.seconds, engaged)
    shared = engaged > 0 and len(spans) == 2  # across an hour: one allowance for both parts
    for i, (hour, lo, hi, share) in enumerate(spans):
        cover = Cover(lo, hi, share, viewing.counter, viewing.total, media, d.duration_seconds)
        if shared:
            cover = (
                cover._replace(carries=True)
                if i == 0
                else cover._replace(previous=_view_key(viewing, spans[0][0]), allowance=engaged)
            )
        out.append((hour, Entry(record.seq, when, record.arrival, cover)))
        media = None  # completion is recorded once, on the first part
    return out


def _latest_group(
    event: UserProfile | CatalogSession | CatalogVod | CatalogAttachment, record: StreamRecord
) -> LatestGroup:
    e, when, seq = event.event_id, event.time_key, record.seq
    at = (event.time.timestamp(), record.arrival)
    if isinstance(event, UserProfile):
        p = event.data
        values: dict[str, Any] = {
            "name": p.name,
            "role": p.role,
            "company": p.company,
            "industry": p.industry,
            "country": p.country,
            "gsi1pk": keys.users_index_pk(e),
            "gsi1sk": keys.name_index_sk(p.name, event.user),
        }
        tombstone = keys.tombstone_key(e, event.user)
        return LatestGroup(keys.profile_key(e, event.user), seq, when, values, "profile_time", *at, tombstone)
    if isinstance(event, CatalogSession):
        s = event.data
        values = {
            "name": s.name,
            "starts_at": format_time(s.starts_at) if s.starts_at else None,
            "ends_at": format_time(s.ends_at) if s.ends_at else None,
        }
        key = keys.catalog_key(e, keys.session_sk(s.session_id))
        return LatestGroup(key, seq, when, values, "catalog_time", *at)
    if isinstance(event, CatalogVod):
        v = event.data
        values = {"name": v.name, "duration": v.duration_seconds}
        return LatestGroup(keys.catalog_key(e, keys.vod_sk(v.vod_id)), seq, when, values, "catalog_time", *at)
    a = event.data
    source = (
        keys.session_total_key(e, a.session_id) if a.session_id else keys.vod_total_key(e, a.vod_id or "")
    )
    values = {
        "name": a.name,
        "file_type": a.file_type,
        "source_kind": "session" if a.session_id else "vod",
        "source_id": a.session_id or a.vod_id,
    }
    link = keys.ItemKey(source.pk, keys.attachment_sk(a.attachment_id))
    key = keys.catalog_key(e, keys.attachment_sk(a.attachment_id))
    return LatestGroup(key, seq, when, values, "catalog_time", *at, None, (link,))
