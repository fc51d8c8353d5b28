"""Response models of the query API: they validate what we return and document it in OpenAPI."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)


class Links(_Out):
    analytics: str


class UserDetails(_Out):
    name: str = Field(description="(1) latest profile name; the user id until a profile arrives")
    role: str | None = None
    company: str | None = None
    industry: str | None = None
    country: str | None = None
    profileMissing: bool


class Kpis(_Out):
    minutesViewed: float = Field(description="(3) live + recording + VOD, round_half_up(seconds / 60, 1)")
    viewedSeconds: int
    sessionsViewed: int = Field(description="(4) sessions with > 0 s of live or recording viewing")
    liveEngagementRate: float | None = Field(description="(5) mean of (20) over sessions attended live")
    videosViewed: int = Field(description="(6) VODs with > 0 s viewing")


class Engagement(_Out):
    reactions: int
    groupChatMessages: int
    pollsAnswered: int
    qnaThreads: int
    attachmentsDownloaded: int


class Viewing(_Out):
    liveMinutes: float
    recordingMinutes: float
    vodMinutes: float
    liveSeconds: int
    recordingSeconds: int
    vodSeconds: int


class Source(_Out):
    kind: str | None
    id: str | None
    name: str | None


class AttachmentRow(_Out):
    attachmentId: str
    name: str
    catalogMissing: bool
    fileType: str | None
    fileLabel: str
    fileFamily: str
    source: Source
    downloads: int


class Attachments(_Out):
    count: int
    items: list[AttachmentRow]


class _SessionViewing(_Out):
    """What one user, or all users together, did in a session."""

    minutesViewed: float
    viewedSeconds: int
    liveMinutes: float
    liveSeconds: int
    recordingMinutes: float
    recordingSeconds: int
    engagedSeconds: int
    engagementRate: float | None
    reactions: int
    raisedHands: int
    chatMessages: int
    qnaThreads: int


class SessionRow(_SessionViewing):
    sessionId: str
    name: str
    catalogMissing: bool
    attachmentsDownloaded: int
    pollsAnswered: int
    links: Links


class VodRow(_Out):
    vodId: str
    name: str
    catalogMissing: bool
    minutesViewed: float
    viewedSeconds: int
    durationSeconds: float | None
    completionRate: float | None
    links: Links


class SelfLink(_Out):
    self: str


class AllLink(_Out):
    all: str = Field(description="the whole list, page by page, most-viewed or most-downloaded first")


class ListInfo(_Out):
    count: int = Field(description="rows in the whole list (exact)")
    shown: int = Field(description="rows in this response: the top rows, at most 200")
    hasMore: bool = Field(description="true when the whole list has rows this response leaves out")
    links: AllLink


class Lists(_Out):
    sessions: ListInfo
    vods: ListInfo
    attachments: ListInfo


class Dashboard(_Out):
    eventId: str
    userId: str
    user: UserDetails
    kpis: Kpis
    engagement: Engagement
    viewing: Viewing
    attachments: Attachments
    sessions: list[SessionRow]
    vods: list[VodRow]
    lists: Lists = Field(
        description="each list holds its top 200 rows by (seconds viewed or downloads desc, id), shown in "
        "section 2's order; KPIs and totals are exact over every row"
    )
    links: SelfLink
    generatedAt: str


_PAGE_CURSOR = "cursor for the next page; null on the last page"


class SessionPage(_Out):
    items: list[SessionRow]
    count: int = Field(description="sessions in the whole list")
    nextCursor: str | None = Field(description=_PAGE_CURSOR)


class VodPage(_Out):
    items: list[VodRow]
    count: int = Field(description="VODs in the whole list")
    nextCursor: str | None = Field(description=_PAGE_CURSOR)


class AttachmentPage(_Out):
    items: list[AttachmentRow]
    count: int = Field(description="distinct attachments downloaded, (11)")
    nextCursor: str | None = Field(description=_PAGE_CURSOR)


class UserListItem(_Out):
    userId: str
    name: str
    role: str | None = None
    company: str | None = None
    industry: str | None = None
    country: str | None = None
    links: Links


class UserPage(_Out):
    items: list[UserListItem]
    nextCursor: str | None


class Attendee(_Out):
    userId: str
    name: str
    profileMissing: bool
    minutesViewed: float
    viewedSeconds: int
    liveSeconds: int
    recordingSeconds: int
    engagementRate: float | None
    links: Links


class AttendeePage(_Out):
    items: list[Attendee]
    nextCursor: str | None


class SessionTotals(_SessionViewing):
    viewers: int
    pollAnswers: int
    attachmentDownloads: int


class SessionAnalytics(_Out):
    eventId: str
    sessionId: str
    name: str
    catalogMissing: bool
    totals: SessionTotals
    attendees: AttendeePage
    generatedAt: str


class VodTotals(_Out):
    viewers: int
    minutesViewed: float
    viewedSeconds: int
    attachmentDownloads: int


class VodAnalytics(_Out):
    eventId: str
    vodId: str
    name: str
    catalogMissing: bool
    durationSeconds: float | None
    totals: VodTotals
    generatedAt: str


class Erased(_Out):
    eventId: str
    erased: bool
    itemsDeleted: int
    reportsDeleted: int
