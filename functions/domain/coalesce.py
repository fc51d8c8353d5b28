"""Turn a Kinesis batch into one write per touched item (SPEC section 4).

``coalesce_batch`` is pure: records in, a plan out. The plan keeps every item's
contributions tagged with the sequence number of the record they came from, so the
writer can apply just the part of a group an earlier attempt has not applied yet.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from domain import keys
from domain.completion import buckets_for_interval, span_token, watched_interval
from domain.delta import Delta, merge_all
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
    format_time,
)

VIEW_SEQ = "view_seq"
VIEWERS = "viewers"


@dataclass(frozen=True, slots=True)
class StreamRecord:
    seq: str  # order key of the Kinesis sequence number (domain.sequence.order_key)
    event: Event


@dataclass(slots=True)
class Contribution:
    seq: str
    delta: Delta


@dataclass(slots=True)
class CounterGroup:
    """Additive deltas for one item, protected by the per-shard high-water mark."""

    key: ItemKey
    contributions: list[Contribution] = field(default_factory=list)
    # The totals item whose distinct-viewer count this user item drives (sessions, VODs).
    viewers_of: ItemKey | None = None

    @property
    def first_seq(self) -> str:
        return self.contributions[0].seq

    @property
    def last_seq(self) -> str:
        return self.contributions[-1].seq

    def merged(self) -> Delta:
        return merge_all([c.delta for c in self.contributions])

    def since(self, seq: str) -> list[Contribution]:
        return [c for c in self.contributions if c.seq > seq]

    def before(self, seq: str | None) -> list[Contribution]:
        return list(self.contributions) if seq is None else [c for c in self.contributions if c.seq < seq]

    def owns(self, seq: str) -> bool:
        return any(c.seq == seq for c in self.contributions)


@dataclass(slots=True)
class LatestGroup:
    """A whole-value upsert where the latest event time wins (profiles, catalog)."""

    key: ItemKey
    seq: str
    time: str
    values: dict[str, Any]
    time_attribute: str


@dataclass(slots=True)
class BatchPlan:
    users: list[CounterGroup]
    latest: list[LatestGroup]
    totals: dict[ItemKey, CounterGroup]
    duplicates: int = 0
    ignored: int = 0


_LATEST_KINDS = (UserProfile, CatalogSession, CatalogVod, CatalogAttachment)


def coalesce_batch(records: list[StreamRecord], shard: str) -> BatchPlan:
    """Drop duplicate event ids, then gather every item's deltas in sequence order."""
    users: dict[ItemKey, CounterGroup] = {}
    totals: dict[ItemKey, CounterGroup] = {}
    latest: dict[ItemKey, LatestGroup] = {}
    seen: set[str] = set()
    duplicates = ignored = 0
    for record in sorted(records, key=lambda r: r.seq):
        event = record.event
        if event.id in seen:
            duplicates += 1
            continue
        seen.add(event.id)
        if isinstance(event, _LATEST_KINDS):
            _keep_latest(latest, _latest_group(event, record.seq))
            continue
        parts = _counter_parts(event, record.seq, shard)
        if not parts:
            ignored += 1
        for target, key, delta, viewers_of in parts:
            groups = users if target == "user" else totals
            group = groups.get(key)
            if group is None:
                group = groups[key] = CounterGroup(key)
            group.viewers_of = group.viewers_of or viewers_of
            group.contributions.append(Contribution(record.seq, delta))
    return BatchPlan(list(users.values()), list(latest.values()), totals, duplicates, ignored)


def _keep_latest(latest: dict[ItemKey, LatestGroup], candidate: LatestGroup) -> None:
    # Ties on time keep the earlier record, which is what separate batches would do too.
    current = latest.get(candidate.key)
    if current is None or candidate.time > current.time:
        latest[candidate.key] = candidate


def view_token(shard: str, seq: str) -> str:
    """Which record first gave a user item viewing time; shard-qualified to survive resharding."""
    return f"{shard}:{seq}"


_Part = tuple[str, ItemKey, Delta, ItemKey | None]


def _counter_parts(event: Event, seq: str, shard: str) -> list[_Part]:
    """The user item and totals item deltas of one interaction event."""
    e, u = event.event_id, event.user_id or ""
    if isinstance(event, ViewHeartbeat):
        return _heartbeat_parts(event, seq, shard)
    if isinstance(event, ChatMessageSent):
        if event.data.channel == "direct":
            return []  # direct messages are counted nowhere (SPEC element 8)
        if event.data.session_id is None:
            return [("user", keys.user_event_key(e, u), Delta(add={"chat": 1}), None)]
        return _session_counter(e, u, event.data.session_id, "chat")
    if isinstance(event, ReactionSent):
        return _session_counter(e, u, event.data.session_id, "reactions")
    if isinstance(event, HandRaised):
        return _session_counter(e, u, event.data.session_id, "hands")
    if isinstance(event, QnaThreadCreated):
        return _session_counter(e, u, event.data.session_id, "qna")
    if isinstance(event, PollAnswered):
        s = event.data.session_id
        user = Delta(add={"poll_answers": 1}, strings={"polls": {event.data.poll_id}}, put=_attendee(e, u, s))
        return [
            ("user", keys.user_session_key(e, u, s), user, None),
            ("total", keys.session_total_key(e, s), Delta(add={"poll_answers": 1}), None),
        ]
    if isinstance(event, AttachmentDownloaded):
        d = event.data
        source: dict[str, Any] = {}
        parts: list[_Part] = []
        if d.session_id is not None:
            source = {"source_kind": "session", "source_id": d.session_id}
            parts.append(
                ("total", keys.session_total_key(e, d.session_id), Delta(add={"downloads": 1}), None)
            )
        elif d.vod_id is not None:
            source = {"source_kind": "vod", "source_id": d.vod_id}
            parts.append(("total", keys.vod_total_key(e, d.vod_id), Delta(add={"downloads": 1}), None))
        user = Delta(add={"downloads": 1}, put=source)
        return [("user", keys.user_attachment_key(e, u, d.attachment_id), user, None), *parts]
    raise TypeError(f"no aggregation rule for {event.type}")  # pragma: no cover - the union is closed


def _attendee(event_id: str, user_id: str, session_id: str) -> dict[str, Any]:
    """GSI1 attributes that list a session's attendees."""
    return {"gsi1pk": keys.session_total_key(event_id, session_id).pk, "gsi1sk": keys.user_index_sk(user_id)}


def _session_counter(e: str, u: str, s: str, counter: str) -> list[_Part]:
    return [
        ("user", keys.user_session_key(e, u, s), Delta(add={counter: 1}, put=_attendee(e, u, s)), None),
        ("total", keys.session_total_key(e, s), Delta(add={counter: 1}), None),
    ]


def _heartbeat_parts(event: ViewHeartbeat, seq: str, shard: str) -> list[_Part]:
    e, u, d = event.event_id, event.user, event.data
    once = {VIEW_SEQ: view_token(shard, seq)}
    if d.kind == "vod":
        assert d.vod_id is not None
        put: dict[str, Any] = {"gsi1pk": keys.vod_total_key(e, d.vod_id).pk, "gsi1sk": keys.user_index_sk(u)}
        numbers: dict[str, set[int]] = {}
        strings: dict[str, set[str]] = {}
        if d.duration_seconds is not None:
            put["duration"] = d.duration_seconds
        interval = watched_interval(d.position, d.seconds) if d.position is not None else None
        if interval is not None:
            if d.duration_seconds is not None:
                covered = buckets_for_interval(*interval, d.duration_seconds)
                if covered:
                    numbers["buckets"] = covered
            else:
                # Duration unknown yet: keep the interval; the read side maps it once known.
                strings["spans"] = {span_token(*interval)}
        user = Delta(add={"vod_seconds": d.seconds}, strings=strings, numbers=numbers, put=put, put_once=once)
        total_key = keys.vod_total_key(e, d.vod_id)
        return [
            ("user", keys.user_vod_key(e, u, d.vod_id), user, total_key),
            ("total", total_key, Delta(add={"vod_seconds": d.seconds}), None),
        ]
    assert d.session_id is not None
    seconds = {"live_seconds" if d.kind == "live" else "recording_seconds": d.seconds}
    if d.kind == "live":
        seconds["engaged_seconds"] = d.engaged_seconds
    total_key = keys.session_total_key(e, d.session_id)
    attendee = {"gsi1pk": total_key.pk, "gsi1sk": keys.user_index_sk(u)}  # as _attendee(), key reused
    user = Delta(add=dict(seconds), put_once=once, put=attendee)
    return [
        ("user", keys.user_session_key(e, u, d.session_id), user, total_key),
        ("total", total_key, Delta(add=dict(seconds)), None),
    ]


def _latest_group(
    event: UserProfile | CatalogSession | CatalogVod | CatalogAttachment, seq: str
) -> LatestGroup:
    e, when = event.event_id, event.time_key
    if isinstance(event, UserProfile):
        p = event.data
        values: dict[str, Any] = {
            "name": p.name,
            "role": p.role,
            "company": p.company,
            "industry": p.industry,
            "country": p.country,
            "gsi1pk": keys.users_index_pk(e),
            "gsi1sk": keys.user_index_sk(event.user),
        }
        return LatestGroup(keys.profile_key(e, event.user), seq, when, values, "profile_time")
    if isinstance(event, CatalogSession):
        s = event.data
        values = {
            "name": s.name,
            "starts_at": format_time(s.starts_at) if s.starts_at else None,
            "ends_at": format_time(s.ends_at) if s.ends_at else None,
        }
        return LatestGroup(
            keys.catalog_key(e, keys.session_sk(s.session_id)), seq, when, values, "catalog_time"
        )
    if isinstance(event, CatalogVod):
        v = event.data
        values = {"name": v.name, "duration": v.duration_seconds}
        return LatestGroup(keys.catalog_key(e, keys.vod_sk(v.vod_id)), seq, when, values, "catalog_time")
    a = event.data
    values = {
        "name": a.name,
        "file_type": a.file_type,
        "source_kind": "session" if a.session_id else "vod",
        "source_id": a.session_id or a.vod_id,
    }
    return LatestGroup(
        keys.catalog_key(e, keys.attachment_sk(a.attachment_id)), seq, when, values, "catalog_time"
    )
