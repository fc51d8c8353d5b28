"""Roll a user's items up into the dashboard (SPEC section 2): pure, exact, no AWS.

Inputs are the items of one user partition and the catalog entries they name; the
output is the dashboard JSON. The same function feeds the API and the PDF report.

Bounded (SPEC section 5, section 11 "Lists"): each list keeps its top ``LIST_LIMIT`` rows by
(seconds viewed or downloads descending, id) and shows them in section 2's order; KPIs and
totals are exact over every row, and ``list_page`` pages through a whole list in rank order
(the dashboard's rows are its first page). Only the rows shown need catalog names:
``dashboard_catalog_keys``/``page_catalog_keys`` say which (two reads at most, see there).
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction
from typing import Any, Literal

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


LIST_LIMIT = 200  # rows per list on the dashboard and in the report; the most a page returns
Listing = Literal["sessions", "vods", "attachments"]
LISTINGS: tuple[Listing, ...] = ("sessions", "vods", "attachments")
Position = tuple[int, str]  # a row's rank: (seconds viewed or downloads, id), larger value first


def _rank(position: Position) -> tuple[int, str]:
    return -position[0], position[1]


class _Lists:
    """The three lists of one user over every row, ranked; rows are built only for the ones shown.

    Downloads are attributed to sources once, over every attachment: a source the download event
    named wins, the rest go to the catalog's source (read-time attribution, no re-ingest), so
    element (23) and the set of session rows stay exact however few rows are shown.
    """

    def __init__(self, activity: UserActivity, catalog: dict[str, CatalogEntry]) -> None:
        self.event_id = activity.event_id
        self.named = _Named(catalog)
        self.by_session: dict[str, int] = {}
        self.shown_source: dict[str, Source | None] = {}
        self.attachments = {a.attachment_id: a for a in activity.attachments if a.downloads > 0}
        for a in self.attachments.values():
            entry = self.named.entry(f"ATT#{a.attachment_id}")
            downloads = dict(a.named)
            unnamed = a.downloads - sum(downloads.values())
            catalog_source = entry.source if entry else None
            if unnamed > 0 and catalog_source is not None:
                downloads[catalog_source] = downloads.get(catalog_source, 0) + unnamed
            for (kind, source_id), n in downloads.items():
                if kind == "session":
                    self.by_session[source_id] = self.by_session.get(source_id, 0) + n
            shown = max(a.named, key=lambda n: (n[1], n[0]))[0] if a.named else catalog_source
            self.shown_source[a.attachment_id] = shown
        self.sessions = {s.session_id: s for s in activity.sessions}
        for session_id in self.by_session:  # a session the user only downloaded from still gets a row
            self.sessions.setdefault(session_id, SessionActivity(session_id))
        self.vods = {v.vod_id: v for v in activity.vods}
        self._ranked: dict[Listing, list[Position]] = {}

    def count(self, listing: Listing) -> int:
        return len(self.ranked(listing))

    def ranked(self, listing: Listing) -> list[Position]:
        """Every row's position, best first: (value descending, id)."""
        if listing not in self._ranked:
            if listing == "sessions":
                positions = [(s.viewed_seconds, i) for i, s in self.sessions.items()]
            elif listing == "vods":
                positions = [(v.seconds, i) for i, v in self.vods.items()]
            else:
                positions = [(a.downloads, i) for i, a in self.attachments.items()]
            positions.sort(key=_rank)
            self._ranked[listing] = positions
        return self._ranked[listing]

    def window(self, listing: Listing, after: Position | None, limit: int) -> list[Position]:
        """The ``limit`` positions ranked after ``after`` (from the top without it)."""
        ranked = self.ranked(listing)
        start = 0 if after is None else bisect_right(ranked, _rank(after), key=_rank)
        return ranked[start : start + limit]

    def attribution_keys(self) -> set[str]:
        """Catalog entries that decide where downloads without a named source belong."""
        return {
            f"ATT#{a.attachment_id}"
            for a in self.attachments.values()
            if a.downloads > sum(n for _, n in a.named)
        }

    def row_keys(self, listing: Listing, ids: list[str]) -> set[str]:
        """Catalog entries the rows of ``ids`` print (their names, an attachment's source)."""
        if listing == "sessions":
            return {f"SES#{i}" for i in ids}
        if listing == "vods":
            return {f"VOD#{i}" for i in ids}
        wanted = {f"ATT#{i}" for i in ids}
        wanted |= {source_sk(s) for i in ids if (s := self.shown_source[i]) is not None}
        return wanted

    def rows(self, listing: Listing, ids: list[str]) -> list[dict[str, Any]]:
        if listing == "sessions":
            return [self._session(self.sessions[i]) for i in ids]
        if listing == "vods":
            return [self._vod(self.vods[i]) for i in ids]
        return [self._attachment(self.attachments[i]) for i in ids]

    def _attachment(self, a: AttachmentActivity) -> dict[str, Any]:
        sk = f"ATT#{a.attachment_id}"
        entry = self.named.entry(sk)
        name, missing = self.named.name(sk, a.attachment_id)
        shown = self.shown_source[a.attachment_id]
        source: dict[str, Any] = {"kind": None, "id": None, "name": None}
        if shown is not None:
            source_name = self.named.name(source_sk(shown), shown[1])[0]
            source = {"kind": shown[0], "id": shown[1], "name": source_name}
        file_type = entry.file_type if entry else None
        return {
            "attachmentId": a.attachment_id,
            "name": name,
            "catalogMissing": missing,
            "fileType": file_type,
            "fileLabel": file_label(file_type),
            "fileFamily": file_family(file_type),
            "source": source,
            "downloads": a.downloads,
        }

    def _session(self, s: SessionActivity) -> dict[str, Any]:
        name, missing = self.named.name(f"SES#{s.session_id}", s.session_id)
        return {
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
            "attachmentsDownloaded": self.by_session.get(s.session_id, 0),
            "chatMessages": s.chat,
            "pollsAnswered": len(s.polls),
            "qnaThreads": s.qna,
            "links": {"analytics": f"/v1/events/{self.event_id}/sessions/{s.session_id}/analytics"},
        }

    def _vod(self, v: VodActivity) -> dict[str, Any]:
        entry = self.named.entry(f"VOD#{v.vod_id}")
        name, missing = self.named.name(f"VOD#{v.vod_id}", v.vod_id)
        duration = v.duration or (entry.duration if entry else None)
        return {
            "vodId": v.vod_id,
            "name": name,
            "catalogMissing": missing,
            "minutesViewed": minutes(v.seconds),
            "viewedSeconds": v.seconds,
            "durationSeconds": duration,
            "completionRate": rate(completion_rate(v.buckets, v.spans, duration)),
            "links": {"analytics": f"/v1/events/{self.event_id}/vods/{v.vod_id}/analytics"},
        }


def _ids(positions: list[Position]) -> list[str]:
    return [row_id for _, row_id in positions]


def dashboard_catalog_keys(
    activity: UserActivity, catalog: dict[str, CatalogEntry], limit: int | None = None
) -> set[str]:
    """Catalog sort keys the dashboard needs, given the entries read so far.

    Call it with ``{}``, read those keys, call it again and read what is new: the first read
    holds every entry that decides where downloads belong, so the rows shown are settled and the
    second read only adds names (of download-only sessions and catalog-named sources). Never more
    than two reads, and never the entries of rows that are not shown.
    """
    lists = _Lists(activity, catalog)
    wanted = lists.attribution_keys()
    for listing in LISTINGS:
        wanted |= lists.row_keys(listing, _ids(lists.window(listing, None, limit or LIST_LIMIT)))
    return wanted


def page_catalog_keys(
    activity: UserActivity,
    catalog: dict[str, CatalogEntry],
    listing: Listing,
    after: Position | None,
    limit: int,
) -> set[str]:
    """Like ``dashboard_catalog_keys`` for one page of one list."""
    lists = _Lists(activity, catalog)
    wanted = lists.attribution_keys() if listing == "sessions" else set()
    return wanted | lists.row_keys(listing, _ids(lists.window(listing, after, limit)))


def list_page(
    activity: UserActivity,
    catalog: dict[str, CatalogEntry],
    listing: Listing,
    after: Position | None,
    limit: int,
) -> tuple[list[dict[str, Any]], int, Position | None]:
    """One page of a whole list, best first: (rows, rows in the whole list, the position of the
    page's last row when more rows follow, else None)."""
    lists = _Lists(activity, catalog)
    window = lists.window(listing, after, limit + 1)
    last = window[limit - 1] if len(window) > limit else None
    return lists.rows(listing, _ids(window[:limit])), lists.count(listing), last


def rollup_user(
    activity: UserActivity,
    catalog: dict[str, CatalogEntry],
    generated_at: datetime,
    limit: int | None = None,
) -> dict[str, Any]:
    """The dashboard JSON; each list shows its top ``limit`` rows (default ``LIST_LIMIT``)."""
    limit = limit or LIST_LIMIT
    lists = _Lists(activity, catalog)
    e, u = activity.event_id, activity.user_id
    shown = {listing: lists.rows(listing, _ids(lists.window(listing, None, limit))) for listing in LISTINGS}
    # The top rows, in section 2's order: attachments by name, sessions and VODs by seconds then name.
    shown["attachments"].sort(key=lambda r: (r["name"].casefold(), r["attachmentId"]))
    shown["sessions"].sort(key=lambda r: (-r["viewedSeconds"], r["name"].casefold(), r["sessionId"]))
    shown["vods"].sort(key=lambda r: (-r["viewedSeconds"], r["name"].casefold(), r["vodId"]))

    live = sum(s.live_seconds for s in activity.sessions)
    recorded = sum(s.recording_seconds for s in activity.sessions)
    vod_seconds = sum(v.seconds for v in activity.vods)
    viewed = live + recorded + vod_seconds
    live_rates = [s.engagement for s in activity.sessions if s.live_seconds > 0]
    profile = activity.profile or Profile()
    attachments = lists.count("attachments")
    return {
        "eventId": e,
        "userId": u,
        "user": {
            "name": profile.name if profile.name else u,
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
            "attachmentsDownloaded": attachments,
        },
        "viewing": {
            "liveMinutes": minutes(live),
            "recordingMinutes": minutes(recorded),
            "vodMinutes": minutes(vod_seconds),
            "liveSeconds": live,
            "recordingSeconds": recorded,
            "vodSeconds": vod_seconds,
        },
        "attachments": {"count": attachments, "items": shown["attachments"]},
        "sessions": shown["sessions"],
        "vods": shown["vods"],
        # Each list's size over every row, and where to page through all of it.
        "lists": {
            listing: {
                "count": lists.count(listing),
                "shown": len(rows),
                "hasMore": lists.count(listing) > len(rows),
                "links": {"all": f"/v1/events/{e}/users/{u}/{listing}"},
            }
            for listing, rows in shown.items()
        },
        "links": {"self": f"/v1/events/{e}/users/{u}/analytics"},
        "generatedAt": generated_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
