"""Roll a user's items up into the dashboard (SPEC section 2): pure, exact, no AWS.

Inputs are the items of one user partition and the catalog entries they name; the
output is the dashboard (``models.dashboard.Dashboard``), which the API returns as its JSON and
the PDF report renders: one typed model, so the two can't disagree on a field.

Bounded (SPEC section 5, section 11 "Lists"): each list keeps its top ``LIST_LIMIT`` rows by
(seconds viewed or downloads descending, id) and shows them in section 2's order; KPIs and
totals are exact over every row, and ``list_page`` pages through a whole list in rank order
(the dashboard's rows are its first page). Only the rows shown need catalog names:
``dashboard_catalog_keys``/``page_catalog_keys`` say which (two reads at most, see there).
"""

from __future__ import annotations

import unicodedata
from bisect import bisect_right
from collections.abc import Callable
from datetime import datetime
from fractions import Fraction
from typing import Generic, Literal, NamedTuple, TypeVar

from domain.completion import completion_rate
from domain.filetypes import file_family, file_label
from domain.keys import attachment_sk, session_sk, vod_sk
from domain.rounding import mean, minutes, rate, ratio
from models.dashboard import (
    AllLink,
    AttachmentRow,
    Attachments,
    Dashboard,
    Engagement,
    Kpis,
    Links,
    ListInfo,
    Lists,
    SelfLink,
    SessionRow,
    Source,
    UserDetails,
    Viewing,
    VodRow,
)


# The read side's records are NamedTuples: immutable as frozen dataclasses are, and each about 1 ms
# cheaper to define (a frozen slotted dataclass execs six generated methods): the query's cold start.
class Profile(NamedTuple):
    name: str | None = None
    role: str | None = None
    company: str | None = None
    industry: str | None = None
    country: str | None = None


_INVISIBLE = frozenset({"Zs", "Zl", "Zp", "Cc", "Cf"})  # spaces, controls, format (zero-width) characters


def visible_or_none(text: str | None) -> str | None:
    """``text``, or None when nothing in it would show (only spaces, controls and zero-width
    characters): readers then print "—" or the id, as for a field never sent, not a blank."""
    if text and any(unicodedata.category(char) not in _INVISIBLE for char in text):
        return text
    return None


def profile_of(
    name: str | None, role: str | None, company: str | None, industry: str | None, country: str | None
) -> Profile:
    """A profile as readers show it: fields with nothing visible are missing."""
    return Profile(*map(visible_or_none, (name, role, company, industry, country)))


class SessionActivity(NamedTuple):
    session_id: str
    live_seconds: int = 0
    recording_seconds: int = 0
    engaged_seconds: int = 0
    reactions: int = 0
    hands: int = 0
    chat: int = 0
    qna: int = 0
    polls: int = 0  # distinct polls answered

    @property
    def viewed_seconds(self) -> int:
        return self.live_seconds + self.recording_seconds

    @property
    def engagement(self) -> Fraction | None:
        return ratio(self.engaged_seconds, self.live_seconds)


class VodActivity(NamedTuple):
    vod_id: str
    seconds: int = 0
    buckets: frozenset[int] = frozenset()
    spans: frozenset[str] = frozenset()
    duration: float | None = None


SourceRef = tuple[str, str]  # ("session" | "vod", id)
_SOURCE_SK: dict[str, Callable[[str], str]] = {"session": session_sk, "vod": vod_sk}


def source_of(sort_key: str) -> SourceRef:
    """("session", "s1") from a sort key ``SES#s1`` (``VOD#v1`` -> ("vod", "v1"))."""
    source_id = sort_key.split("#", 1)[1]
    return ("session" if sort_key == session_sk(source_id) else "vod"), source_id


def source_sk(source: SourceRef) -> str:
    return _SOURCE_SK[source[0]](source[1])


class AttachmentActivity(NamedTuple):
    attachment_id: str
    downloads: int = 0
    # Downloads whose event named a source; the rest belong to the catalog's source.
    named: tuple[tuple[SourceRef, int], ...] = ()


class CatalogEntry(NamedTuple):
    name: str | None = None
    duration: float | None = None
    file_type: str | None = None
    source_kind: str | None = None
    source_id: str | None = None

    @property
    def source(self) -> SourceRef | None:
        return (
            (self.source_kind, self.source_id) if self.source_kind in _SOURCE_SK and self.source_id else None
        )

    @property
    def source_sk(self) -> str | None:
        return source_sk(self.source) if self.source else None


class UserActivity(NamedTuple):
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


class _Named(NamedTuple):
    catalog: dict[str, CatalogEntry]

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

    def __init__(self, activity: UserActivity, catalog: dict[str, CatalogEntry], api_base: str = "") -> None:
        self.event_path = f"{api_base}/v1/events/{activity.event_id}"  # what rows link under
        self.named = _Named(catalog)
        self.by_session: dict[str, int] = {}
        self.shown_source: dict[str, SourceRef | None] = {}
        self.attachments = {a.attachment_id: a for a in activity.attachments if a.downloads > 0}
        for a in self.attachments.values():
            entry = self.named.entry(attachment_sk(a.attachment_id))
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
            attachment_sk(a.attachment_id)
            for a in self.attachments.values()
            if a.downloads > sum(n for _, n in a.named)
        }

    def row_keys(self, listing: Listing, ids: list[str]) -> set[str]:
        """Catalog entries the rows of ``ids`` print (their names, an attachment's source)."""
        if listing == "sessions":
            return {session_sk(i) for i in ids}
        if listing == "vods":
            return {vod_sk(i) for i in ids}
        wanted = {attachment_sk(i) for i in ids}
        wanted |= {source_sk(s) for i in ids if (s := self.shown_source[i]) is not None}
        return wanted

    def session_row(self, session_id: str) -> SessionRow:
        s = self.sessions[session_id]
        name, missing = self.named.name(session_sk(session_id), session_id)
        return SessionRow(
            sessionId=session_id,
            name=name,
            catalogMissing=missing,
            minutesViewed=minutes(s.viewed_seconds),
            viewedSeconds=s.viewed_seconds,
            liveMinutes=minutes(s.live_seconds),
            liveSeconds=s.live_seconds,
            recordingMinutes=minutes(s.recording_seconds),
            recordingSeconds=s.recording_seconds,
            engagedSeconds=s.engaged_seconds,
            engagementRate=rate(s.engagement),
            reactions=s.reactions,
            raisedHands=s.hands,
            attachmentsDownloaded=self.by_session.get(session_id, 0),
            chatMessages=s.chat,
            pollsAnswered=s.polls,
            qnaThreads=s.qna,
            links=Links(analytics=f"{self.event_path}/sessions/{session_id}/analytics"),
        )

    def vod_row(self, vod_id: str) -> VodRow:
        v = self.vods[vod_id]
        entry = self.named.entry(vod_sk(vod_id))
        name, missing = self.named.name(vod_sk(vod_id), vod_id)
        duration = v.duration or (entry.duration if entry else None)
        return VodRow(
            vodId=vod_id,
            name=name,
            catalogMissing=missing,
            minutesViewed=minutes(v.seconds),
            viewedSeconds=v.seconds,
            durationSeconds=None if duration is None else float(duration),
            completionRate=rate(completion_rate(v.buckets, v.spans, duration)),
            links=Links(analytics=f"{self.event_path}/vods/{vod_id}/analytics"),
        )

    def attachment_row(self, attachment_id: str) -> AttachmentRow:
        a = self.attachments[attachment_id]
        sk = attachment_sk(attachment_id)
        entry = self.named.entry(sk)
        name, missing = self.named.name(sk, attachment_id)
        shown = self.shown_source[attachment_id]
        source = Source(kind=None, id=None, name=None)
        if shown is not None:
            source_name = self.named.name(source_sk(shown), shown[1])[0]
            source = Source(kind=shown[0], id=shown[1], name=source_name)
        file_type = entry.file_type if entry else None
        return AttachmentRow(
            attachmentId=attachment_id,
            name=name,
            catalogMissing=missing,
            fileType=file_type,
            fileLabel=file_label(file_type),
            fileFamily=file_family(file_type),
            source=source,
            downloads=a.downloads,
        )


Row = TypeVar("Row", SessionRow, VodRow, AttachmentRow)


class ListKind(NamedTuple, Generic[Row]):
    """One of a user's three lists, and the row model it shows (so a page's rows are typed)."""

    name: Listing
    row: Callable[[_Lists, str], Row]


SESSIONS: ListKind[SessionRow] = ListKind("sessions", _Lists.session_row)
VODS: ListKind[VodRow] = ListKind("vods", _Lists.vod_row)
ATTACHMENTS: ListKind[AttachmentRow] = ListKind("attachments", _Lists.attachment_row)


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
    listing: ListKind[Row],
    after: Position | None,
    limit: int,
    api_base: str = "",
) -> tuple[list[Row], int, Position | None]:
    """One page of a whole list, best first: (rows, rows in the whole list, the position of the
    page's last row when more rows follow, else None)."""
    lists = _Lists(activity, catalog, api_base)
    window = lists.window(listing.name, after, limit + 1)
    last = window[limit - 1] if len(window) > limit else None
    rows = [listing.row(lists, row_id) for row_id in _ids(window[:limit])]
    return rows, lists.count(listing.name), last


def _top(lists: _Lists, listing: ListKind[Row], limit: int) -> list[Row]:
    return [listing.row(lists, row_id) for row_id in _ids(lists.window(listing.name, None, limit))]


def _list_info(lists: _Lists, listing: Listing, shown: int, base: str) -> ListInfo:
    count = lists.count(listing)
    return ListInfo(
        count=count,
        shown=shown,
        hasMore=count > shown,
        links=AllLink(all=f"{base}/{listing}"),
    )


def rollup_user(
    activity: UserActivity,
    catalog: dict[str, CatalogEntry],
    generated_at: datetime,
    limit: int | None = None,
    api_base: str = "",
) -> Dashboard:
    """The dashboard; each list shows its top ``limit`` rows (default ``LIST_LIMIT``). Links are
    paths under ``api_base``: the stage the request came through (``/prod``), or nothing."""
    limit = limit or LIST_LIMIT
    lists = _Lists(activity, catalog, api_base)
    e, u = activity.event_id, activity.user_id
    # The top rows, in section 2's order: attachments by name, sessions and VODs by seconds then name.
    attachment_rows = sorted(
        _top(lists, ATTACHMENTS, limit), key=lambda r: (r.name.casefold(), r.attachmentId)
    )
    session_rows = sorted(
        _top(lists, SESSIONS, limit), key=lambda r: (-r.viewedSeconds, r.name.casefold(), r.sessionId)
    )
    vod_rows = sorted(_top(lists, VODS, limit), key=lambda r: (-r.viewedSeconds, r.name.casefold(), r.vodId))

    live = sum(s.live_seconds for s in activity.sessions)
    recorded = sum(s.recording_seconds for s in activity.sessions)
    vod_seconds = sum(v.seconds for v in activity.vods)
    viewed = live + recorded + vod_seconds
    live_rates = [s.engagement for s in activity.sessions if s.live_seconds > 0]
    profile = activity.profile or Profile()
    attachments = lists.count("attachments")
    base = f"{lists.event_path}/users/{u}"
    return Dashboard(
        eventId=e,
        userId=u,
        user=UserDetails(
            name=profile.name if profile.name else u,
            role=profile.role,
            company=profile.company,
            industry=profile.industry,
            country=profile.country,
            profileMissing=activity.profile is None,
        ),
        kpis=Kpis(
            minutesViewed=minutes(viewed),
            viewedSeconds=viewed,
            sessionsViewed=sum(1 for s in activity.sessions if s.viewed_seconds > 0),
            liveEngagementRate=rate(mean([r for r in live_rates if r is not None])),
            videosViewed=sum(1 for v in activity.vods if v.seconds > 0),
        ),
        engagement=Engagement(
            reactions=sum(s.reactions for s in activity.sessions),
            groupChatMessages=sum(s.chat for s in activity.sessions) + activity.event_chat,
            # Distinct polls: a poll is identified within its session.
            pollsAnswered=sum(s.polls for s in activity.sessions),
            qnaThreads=sum(s.qna for s in activity.sessions),
            attachmentsDownloaded=attachments,
        ),
        viewing=Viewing(
            liveMinutes=minutes(live),
            recordingMinutes=minutes(recorded),
            vodMinutes=minutes(vod_seconds),
            liveSeconds=live,
            recordingSeconds=recorded,
            vodSeconds=vod_seconds,
        ),
        attachments=Attachments(count=attachments, items=attachment_rows),
        sessions=session_rows,
        vods=vod_rows,
        # Each list's size over every row, and where to page through all of it.
        lists=Lists(
            sessions=_list_info(lists, "sessions", len(session_rows), base),
            vods=_list_info(lists, "vods", len(vod_rows), base),
            attachments=_list_info(lists, "attachments", len(attachment_rows), base),
        ),
        links=SelfLink(self=f"{base}/analytics"),
        generatedAt=generated_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
