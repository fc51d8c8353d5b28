"""Response models of the query API besides the dashboard's (``models.dashboard``): they validate
what we return and document it in OpenAPI."""

from models.dashboard import Links, ResponseModel, SessionViewing


class UserListItem(ResponseModel):
    userId: str
    name: str
    role: str | None = None
    company: str | None = None
    industry: str | None = None
    country: str | None = None
    links: Links


class UserPage(ResponseModel):
    items: list[UserListItem]
    nextCursor: str | None


class Attendee(ResponseModel):
    userId: str
    name: str
    profileMissing: bool
    minutesViewed: float
    viewedSeconds: int
    liveSeconds: int
    recordingSeconds: int
    engagementRate: float | None
    links: Links


class AttendeePage(ResponseModel):
    items: list[Attendee]
    nextCursor: str | None


class SessionTotals(SessionViewing):
    viewers: int
    pollAnswers: int
    attachmentDownloads: int


class SessionAnalytics(ResponseModel):
    eventId: str
    sessionId: str
    name: str
    catalogMissing: bool
    totals: SessionTotals
    attendees: AttendeePage
    generatedAt: str


class VodTotals(ResponseModel):
    viewers: int
    minutesViewed: float
    viewedSeconds: int
    attachmentDownloads: int


class VodAnalytics(ResponseModel):
    eventId: str
    vodId: str
    name: str
    catalogMissing: bool
    durationSeconds: float | None
    totals: VodTotals
    generatedAt: str


class Erased(ResponseModel):
    eventId: str
    erased: bool
    itemsDeleted: int
    reportsDeleted: int
