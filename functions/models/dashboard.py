"""The dashboard (SPEC sections 2 and 5), one typed model from the domain to the JSON and the PDF.

``domain.dashboard`` builds these, the query API returns them as they are (they are its response
models and its OpenAPI schemas), and the report renders them: a field renamed here breaks the type
check of all three. Field names are the JSON contract's own camelCase names, so one name for a
number serves the Python, the JSON, the web page and the docs alike (no aliases to keep in step).

The domain builds them with their constructors, which the pydantic mypy plugin checks field by
field (``init_typed``); measured here, a validated row (~5 µs) costs less than ``model_construct``
(~9 µs), so nothing is skipped.
Class docstrings would become OpenAPI descriptions: the models carry comments instead.
Annotations are evaluated as the classes are made (no ``from __future__ import annotations``):
pydantic would otherwise evaluate each string itself, ~2 ms more of the query's cold start.
"""

from pydantic import BaseModel, ConfigDict, Field


class ResponseModel(BaseModel):
    # Built on first use (the query function's cold start): most requests need a few of them.
    model_config = ConfigDict(extra="forbid", defer_build=True)


LINK = "a path on the API's host, the stage included (/prod/v1/...; /v1/... on the $default stage)"


class Links(ResponseModel):
    analytics: str = Field(description=LINK)


class UserDetails(ResponseModel):
    name: str = Field(description="(1) latest profile name; the user id until a profile arrives")
    role: str | None = None
    company: str | None = None
    industry: str | None = None
    country: str | None = None
    profileMissing: bool


class Kpis(ResponseModel):
    minutesViewed: float = Field(description="(3) live + recording + VOD, round_half_up(seconds / 60, 1)")
    viewedSeconds: int
    sessionsViewed: int = Field(description="(4) sessions with > 0 s of live or recording viewing")
    liveEngagementRate: float | None = Field(description="(5) mean of (20) over sessions attended live")
    videosViewed: int = Field(description="(6) VODs with > 0 s viewing")


class Engagement(ResponseModel):
    reactions: int
    groupChatMessages: int
    pollsAnswered: int
    qnaThreads: int
    attachmentsDownloaded: int


class Viewing(ResponseModel):
    liveMinutes: float
    recordingMinutes: float
    vodMinutes: float
    liveSeconds: int
    recordingSeconds: int
    vodSeconds: int


class Source(ResponseModel):
    kind: str | None
    id: str | None
    name: str | None


class AttachmentRow(ResponseModel):
    attachmentId: str
    name: str
    catalogMissing: bool
    fileType: str | None
    fileLabel: str
    fileFamily: str
    source: Source
    downloads: int


class Attachments(ResponseModel):
    count: int
    items: list[AttachmentRow]


class SessionViewing(ResponseModel):
    # What one user (a session row), or all users together (session totals), did in a session.
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


class SessionRow(SessionViewing):
    sessionId: str
    name: str
    catalogMissing: bool
    attachmentsDownloaded: int
    pollsAnswered: int
    links: Links


class VodRow(ResponseModel):
    vodId: str
    name: str
    catalogMissing: bool
    minutesViewed: float
    viewedSeconds: int
    durationSeconds: float | None
    completionRate: float | None
    links: Links


class SelfLink(ResponseModel):
    self: str = Field(description=LINK)


class AllLink(ResponseModel):
    all: str = Field(
        description="the whole list, page by page, most-viewed or most-downloaded first; " + LINK
    )


class ListInfo(ResponseModel):
    count: int = Field(description="rows in the whole list (exact)")
    shown: int = Field(description="rows in this response: the top rows, at most 200")
    hasMore: bool = Field(description="true when the whole list has rows this response leaves out")
    links: AllLink


class Lists(ResponseModel):
    sessions: ListInfo
    vods: ListInfo
    attachments: ListInfo


class Dashboard(ResponseModel):
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


class SessionPage(ResponseModel):
    items: list[SessionRow]
    count: int = Field(description="sessions in the whole list")
    nextCursor: str | None = Field(description=_PAGE_CURSOR)


class VodPage(ResponseModel):
    items: list[VodRow]
    count: int = Field(description="VODs in the whole list")
    nextCursor: str | None = Field(description=_PAGE_CURSOR)


class AttachmentPage(ResponseModel):
    items: list[AttachmentRow]
    count: int = Field(description="distinct attachments downloaded, (11)")
    nextCursor: str | None = Field(description=_PAGE_CURSOR)
