"""Roll a user's items up into the dashboard (SPEC section 2): pure, exact, no AWS.

Inputs are the items of one user partition and the catalog entries they name; the
output is the dashboard JSON. The same function feeds the API and the PDF report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction
from typing import Any

from domain.completion import completion_rate
from domain.filetypes import file_family, file_label
from domain.rounding import mean, minutes, rate, ratio


@dataclass(frozen=True, slots=True)
class Profile:
    name: str | None = None
    role: str | None = None
    company: str | None = None
    industry: str | None = None
    country: str | None = None


@dataclass(frozen=True, slots=True)
class SessionActivity:
    session_id: str
    live_seconds: int = 0
    recording_seconds: int = 0
    engaged_seconds: int = 0
    reactions: int = 0
    hands: int = 0
    chat: int = 0
    qna: int = 0
    polls: frozenset[str] = frozenset()

    @property
    def viewed_seconds(self) -> int:
        return self.live_seconds + self.recording_seconds

    @property
    def engagement(self) -> Fraction | None:
        return ratio(self.engaged_seconds, self.live_seconds)


@dataclass(frozen=True, slots=True)
class VodActivity:
    vod_id: str
    seconds: int = 0
    buckets: frozenset[int] = frozenset()
    spans: frozenset[str] = frozenset()
    duration: float | None = None


Source = tuple[str, str]  # ("session" | "vod", id)
_SOURCE_PREFIX = {"session": "SES#", "vod": "VOD#"}


def source_of(sort_key: str) -> Source:
    """("session", "s1") from a sort key ``SES#s1`` (``VOD#v1`` -> ("vod", "v1"))."""
    prefix, source_id = sort_key.split("#", 1)
    return ("session" if prefix == "SES" else "vod"), source_id


def source_sk(source: Source) -> str:
    return f"{_SOURCE_PREFIX[source[0]]}{source[1]}"


@dataclass(frozen=True, slots=True)
class AttachmentActivity:
    attachment_id: str
    downloads: int = 0
    # Downloads whose event named a source; the rest belong to the catalog's source.
    named: tuple[tuple[Source, int], ...] = ()


@dataclass(frozen=True, slots=True)
class CatalogEntry:
    name: str | None = None
    duration: float | None = None
    file_type: str | None = None
    source_kind: str | None = None
    source_id: str | None = None

    @property
    def source(self) -> Source | None:
        return (
            (self.source_kind, self.source_id)
            if self.source_kind in _SOURCE_PREFIX and self.source_id
            else None
        )

    @property
    def source_sk(self) -> str | None:
        return source_sk(self.source) if self.source else None


@dataclass(frozen=True, slots=True)
class UserActivity:
    event_id: str
    user_id: str
    profile: Profile | None = None
    sessions: tuple[SessionActivity, ...] = ()
    vods: tuple[VodActivity, ...] = ()
    attachments: tuple[AttachmentActivity, ...] = ()
    event_chat: int = 0

    def is_empty(self) -> bool:
        return self.profile is None and not (
            self.sessions or self.vods or self.attachments or self.event_chat
        )

    def catalog_keys(self) -> set[str]:
        """Catalog sort keys the dashboard needs names for (sessions, VODs, attachments, named sources)."""
        keys = {f"SES#{s.session_id}" for s in self.sessions}
        keys |= {f"VOD#{v.vod_id}" for v in self.vods}
        keys |= {f"ATT#{a.attachment_id}" for a in self.attachments}
        keys |= {source_sk(source) for a in self.attachments for source, _ in a.named}
        return keys


def source_keys(catalog: dict[str, CatalogEntry]) -> set[str]:
    """Sources that only the attachments' catalog entries name: a second read gets their names."""
    return {sk for entry in catalog.values() if (sk := entry.source_sk) is not None} - set(catalog)


@dataclass(slots=True)
class _Named:
    catalog: dict[str, CatalogEntry] = field(default_factory=dict)

    def entry(self, sk: str) -> CatalogEntry | None:
        return self.catalog.get(sk)

    def name(self, sk: str, fallback: str) -> tuple[str, bool]:
        entry = self.catalog.get(sk)
        if entry is None or not entry.name:
            return fallback, True
        return entry.name, False


def rollup_user(
    activity: UserActivity, catalog: dict[str, CatalogEntry], generated_at: datetime
) -> dict[str, Any]:
    named = _Named(catalog)
    e = activity.event_id
    downloads_by_session: dict[str, int] = {}
    attachments = _attachments(activity, named, downloads_by_session)
    sessions = _sessions(activity, named, downloads_by_session)
    vods = _vods(activity, named)

    live = sum(s.live_seconds for s in activity.sessions)
    recorded = sum(s.recording_seconds for s in activity.sessions)
    vod_seconds = sum(v.seconds for v in activity.vods)
    viewed = live + recorded + vod_seconds
    live_rates = [s.engagement for s in activity.sessions if s.live_seconds > 0]
    profile = activity.profile or Profile()
    return {
        "eventId": e,
        "userId": activity.user_id,
        "user": {
            "name": profile.name if profile.name else activity.user_id,
            "role": profile.role,
            "company": profile.company,
            "industry": profile.industry,
            "country": profile.country,
            "profileMissing": activity.profile is None,
        },
        "kpis": {
            "minutesViewed": minutes(viewed),
            "viewedSeconds": viewed,
            "sessionsViewed": sum(1 for s in activity.sessions if s.viewed_seconds > 0),
            "liveEngagementRate": rate(mean([r for r in live_rates if r is not None])),
            "videosViewed": sum(1 for v in activity.vods if v.seconds > 0),
        },
        "engagement": {
            "reactions": sum(s.reactions for s in activity.sessions),
            "groupChatMessages": sum(s.chat for s in activity.sessions) + activity.event_chat,
            # Distinct polls: a poll is identified within its session.
            "pollsAnswered": sum(len(s.polls) for s in activity.sessions),
            "qnaThreads": sum(s.qna for s in activity.sessions),
            "attachmentsDownloaded": len(attachments),
        },
        "viewing": {
            "liveMinutes": minutes(live),
            "recordingMinutes": minutes(recorded),
            "vodMinutes": minutes(vod_seconds),
            "liveSeconds": live,
            "recordingSeconds": recorded,
            "vodSeconds": vod_seconds,
        },
        "attachments": {"count": len(attachments), "items": attachments},
        "sessions": sessions,
        "vods": vods,
        "links": {"self": f"/v1/events/{e}/users/{activity.user_id}/analytics"},
        "generatedAt": generated_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def _attachments(activity: UserActivity, named: _Named, by_session: dict[str, int]) -> list[dict[str, Any]]:
    """Attachment rows; ``by_session`` gets each session's downloads (element 23).

    A source the download event named wins; the other downloads go to the catalog's source,
    which may arrive after the downloads (read-time attribution, no re-ingest).
    """
    items: list[dict[str, Any]] = []
    for a in activity.attachments:
        if a.downloads <= 0:
            continue
        sk = f"ATT#{a.attachment_id}"
        entry = named.entry(sk)
        name, missing = named.name(sk, a.attachment_id)
        downloads = dict(a.named)
        unnamed = a.downloads - sum(downloads.values())
        catalog_source = entry.source if entry else None
        if unnamed > 0 and catalog_source is not None:
            downloads[catalog_source] = downloads.get(catalog_source, 0) + unnamed
        for (kind, source_id), count in downloads.items():
            if kind == "session":
                by_session[source_id] = by_session.get(source_id, 0) + count
        shown = max(a.named, key=lambda n: (n[1], n[0]))[0] if a.named else catalog_source
        source: dict[str, Any] = {"kind": None, "id": None, "name": None}
        if shown is not None:
            source = {"kind": shown[0], "id": shown[1], "name": named.name(source_sk(shown), shown[1])[0]}
        file_type = entry.file_type if entry else None
        items.append(
            {
                "attachmentId": a.attachment_id,
                "name": name,
                "catalogMissing": missing,
                "fileType": file_type,
                "fileLabel": file_label(file_type),
                "fileFamily": file_family(file_type),
                "source": source,
                "downloads": a.downloads,
            }
        )
    items.sort(key=lambda i: (i["name"].casefold(), i["attachmentId"]))
    return items


def _sessions(activity: UserActivity, named: _Named, downloads: dict[str, int]) -> list[dict[str, Any]]:
    by_id = {s.session_id: s for s in activity.sessions}
    for session_id in downloads:  # a session the user only downloaded from still gets a row
        by_id.setdefault(session_id, SessionActivity(session_id))
    e = activity.event_id
    rows: list[dict[str, Any]] = []
    for s in by_id.values():
        name, missing = named.name(f"SES#{s.session_id}", s.session_id)
        rows.append(
            {
                "sessionId": s.session_id,
                "name": name,
                "catalogMissing": missing,
                "minutesViewed": minutes(s.viewed_seconds),
                "viewedSeconds": s.viewed_seconds,
                "liveMinutes": minutes(s.live_seconds),
                "liveSeconds": s.live_seconds,
                "recordingMinutes": minutes(s.recording_seconds),
                "recordingSeconds": s.recording_seconds,
                "engagedSeconds": s.engaged_seconds,
                "engagementRate": rate(s.engagement),
                "reactions": s.reactions,
                "raisedHands": s.hands,
                "attachmentsDownloaded": downloads.get(s.session_id, 0),
                "chatMessages": s.chat,
                "pollsAnswered": len(s.polls),
                "qnaThreads": s.qna,
                "links": {"analytics": f"/v1/events/{e}/sessions/{s.session_id}/analytics"},
            }
        )
    rows.sort(key=lambda r: (-r["viewedSeconds"], r["name"].casefold(), r["sessionId"]))
    return rows


def _vods(activity: UserActivity, named: _Named) -> list[dict[str, Any]]:
    e = activity.event_id
    rows: list[dict[str, Any]] = []
    for v in activity.vods:
        entry = named.entry(f"VOD#{v.vod_id}")
        name, missing = named.name(f"VOD#{v.vod_id}", v.vod_id)
        duration = v.duration or (entry.duration if entry else None)
        rows.append(
            {
                "vodId": v.vod_id,
                "name": name,
                "catalogMissing": missing,
                "minutesViewed": minutes(v.seconds),
                "viewedSeconds": v.seconds,
                "durationSeconds": duration,
                "completionRate": rate(completion_rate(v.buckets, v.spans, duration)),
                "links": {"analytics": f"/v1/events/{e}/vods/{v.vod_id}/analytics"},
            }
        )
    rows.sort(key=lambda r: (-r["viewedSeconds"], r["name"].casefold(), r["vodId"]))
    return rows
