"""The dashboard (SPEC section 2) as an A4 PDF, element by element, numbers as the web page prints them.

The input is the very model ``GET .../analytics`` returns (``models.dashboard.Dashboard``, built by
``domain.dashboard.rollup_user``), read by attribute: the API, the web page and the PDF can never
disagree on a number, and a field renamed in the model breaks this module's type check.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import TypeVar

from pydantic import BaseModel

from domain.dashboard import LIST_LIMIT, Listing
from models.dashboard import (
    AttachmentRow,
    Attachments,
    Dashboard,
    Engagement,
    Kpis,
    SessionRow,
    UserDetails,
    Viewing,
    VodRow,
)
from report.document import INK, LINE, MUTED, TILE, Color, Lines, ReportDocument
from report.table import Badge, Bar, Cell, Column, Text, draw_table, opening_height
from report.text import EMPTY, clean, count, cut, minutes, percent

AUTHOR = "Event Analytics"

LIVE: Color = (59, 91, 219)
RECORDING: Color = (18, 184, 134)
VOD: Color = (245, 159, 0)
FILE_COLORS: dict[str, Color] = {
    "pdf": (224, 49, 49),
    "document": (25, 113, 194),
    "spreadsheet": (47, 158, 68),
    "csv": (12, 133, 153),
    "presentation": (232, 89, 12),
    "image": (174, 62, 201),
    "video": (95, 61, 196),
    "audio": (95, 61, 196),
    "archive": (73, 80, 87),
}
OTHER_FILE: Color = (134, 142, 150)

SECTION_GAP = 5.0
TITLE_HEIGHT = 9.0
NOTE_HEIGHT = 7.0

ATTACHMENT_COLUMNS = (
    Column("Type", 21),  # fits the longest label, "DOCUMENT"
    Column("Attachment", 81),
    Column("Source", 58),
    Column("Downloads", 20, "R"),
)
SESSION_COLUMNS = (
    Column("Session", 42.5),
    Column("Minutes", 15, "R"),
    Column("Live min", 15.5, "R"),
    Column("Rec. min", 15.5, "R"),
    Column("Engagement", 21, "R"),
    Column("Reactions", 17, "R"),
    Column("Hands", 12.5, "R"),
    Column("Downloads", 19, "R"),
    Column("Chat", 11, "R"),
    Column("Polls", 11, "R"),
)
VOD_COLUMNS = (
    Column("Video", 90),
    Column("Minutes", 18, "R"),
    Column("Completion", 22, "R"),
    Column("", 50),
)


def render_report(board: Dashboard, generated_at: datetime, max_rows: int | None = LIST_LIMIT) -> bytes:
    """The PDF. Each table shows at most ``max_rows`` rows (the dashboard's cap, SPEC section 11
    "Lists"), then says how many more the whole list holds ("and N more — see the dashboard");
    ``None`` shows every row it is given (the render benchmark's slope)."""
    name = clean(board.user.name) or board.userId
    doc = ReportDocument(generated_at, f"{name} — analytics report", (clean(s) for s in _strings(board)))
    doc.set_title(f"{cut(name, 200)} — analytics report")
    doc.set_author(AUTHOR)
    doc.set_creator(f"{AUTHOR} report function")
    doc.set_subject(f"Attendee analytics for event {board.eventId}")
    doc.set_creation_date(generated_at)
    doc.set_lang("en")
    doc.add_page()
    _header(doc, board)
    _kpis(doc, board.kpis)
    _engagement(doc, board.engagement)
    _viewing(doc, board.viewing)
    lists = board.lists
    totals: dict[Listing, int] = {
        "sessions": lists.sessions.count,
        "vods": lists.vods.count,
        "attachments": lists.attachments.count,
    }
    cap = Cap(max_rows, totals)
    _attachments(doc, board.attachments, cap)
    _sessions(doc, board.sessions, cap)
    _vods(doc, board.vods, cap)
    return bytes(doc.output())


Row = TypeVar("Row", AttachmentRow, SessionRow, VodRow)


class Cap:
    """How many rows a table shows, and how many rows its whole list holds."""

    def __init__(self, max_rows: int | None, totals: dict[Listing, int]) -> None:
        self.max_rows = max_rows
        self.totals = totals

    def rows(self, items: Sequence[Row]) -> Sequence[Row]:
        return items if self.max_rows is None else items[: self.max_rows]

    def more(self, listing: Listing, items: Sequence[Row]) -> int:
        return max(self.totals[listing], len(items)) - len(self.rows(items))


def _strings(value: object) -> Iterator[str]:
    """Every text the document may print (the fonts it needs are chosen from them)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _strings(getattr(value, name))
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


# ---- (1), (2)


def _details(user: UserDetails) -> tuple[tuple[str, str | None], ...]:
    return (
        ("Role", user.role),
        ("Company", user.company),
        ("Industry", user.industry),
        ("Country", user.country),
    )


def _header(doc: ReportDocument, board: Dashboard) -> None:
    """The event, the name and the details, each wrapped in full (a block longer than what is left
    of the page goes on on the next)."""
    user, x = board.user, doc.l_margin
    text_width = doc.epw - 2 * doc.c_margin
    doc.style(8, color=MUTED)
    event = doc.fit_lines(f"Attendee analytics · event {board.eventId}", text_width)
    doc.flow([Lines(x, doc.epw, event, 8, color=MUTED)], 5, 3.6, doc.add_page)
    doc.style(20, bold=True)
    name = doc.fit_lines(user.name, text_width)
    doc.flow([Lines(x, doc.epw, name, 20, bold=True)], 11, 8.5, doc.add_page)
    labelled = _details(user)
    width = doc.epw / len(labelled)
    doc.style(9.5)
    details = [
        Lines(x + index * width, width, doc.fit_lines(value or EMPTY, width - 2 * doc.c_margin), 9.5)
        for index, (_, value) in enumerate(labelled)
    ]

    def labels() -> None:
        y = doc.get_y() + 2
        doc.style(7, color=MUTED)
        for index, (label, _) in enumerate(labelled):
            doc.text_at(x + index * width, y, width, 4, label)
        doc.set_y(y + 4)

    doc.keep_together(2 + 4 + 6)  # the labels stay with their values' first line
    labels()

    def new_page() -> None:
        doc.add_page()
        labels()

    doc.flow(details, 6, 4.2, new_page, reserved=6)
    bottom = doc.get_y() + 3
    doc.rule(bottom)
    doc.set_y(bottom)


# ---- (3)-(11)


def _tiles(
    doc: ReportDocument, tiles: Sequence[tuple[str, str]], height: float, value_size: float, label_size: float
) -> None:
    gap = 2.5
    y = doc.get_y()
    width = (doc.epw - gap * (len(tiles) - 1)) / len(tiles)
    for index, (value, label) in enumerate(tiles):
        x = doc.l_margin + index * (width + gap)
        doc.fill_rect(x, y, width, height, TILE, radius=2)
        doc.style(value_size, bold=True)
        doc.text_at(x + 0.5, y + 2, width - 1, height * 0.5, value)
        doc.style(label_size, color=MUTED)
        doc.text_at(x + 0.5, y + height * 0.5 + 1.5, width - 1, 4.5, label)
    doc.set_y(y + height)


def _kpis(doc: ReportDocument, kpis: Kpis) -> None:
    doc.set_y(doc.get_y() + SECTION_GAP)
    tiles = (
        (f"{minutes(kpis.minutesViewed)} min", "Total minutes viewed"),
        (count(kpis.sessionsViewed), "Sessions viewed"),
        (percent(kpis.liveEngagementRate), "Average live engagement"),
        (count(kpis.videosViewed), "Videos viewed"),
    )
    _tiles(doc, tiles, height=19, value_size=15, label_size=7)


def _engagement(doc: ReportDocument, engagement: Engagement) -> None:
    _section(doc, "Engagement", 15)
    tiles = (
        (count(engagement.reactions), "Reactions"),
        (count(engagement.groupChatMessages), "Chat messages sent"),
        (count(engagement.pollsAnswered), "Poll responses"),
        (count(engagement.qnaThreads), "Q&A threads created"),
        (count(engagement.attachmentsDownloaded), "Attachments downloaded"),
    )
    _tiles(doc, tiles, height=15, value_size=12, label_size=6.5)


# ---- (12)-(14)


def _viewing(doc: ReportDocument, viewing: Viewing) -> None:
    parts = (
        ("Live", viewing.liveSeconds, viewing.liveMinutes, LIVE),
        ("Recordings", viewing.recordingSeconds, viewing.recordingMinutes, RECORDING),
        ("Content on demand", viewing.vodSeconds, viewing.vodMinutes, VOD),
    )
    total = sum(seconds for _, seconds, _, _ in parts)
    _section(doc, "Viewing breakdown", 20)
    x, y, height = doc.l_margin, doc.get_y(), 7.0
    doc.fill_rect(x, y, doc.epw, height, LINE)
    for _, seconds, _, color in parts:
        width = doc.epw * seconds / total if total else 0.0
        doc.fill_rect(x, y, width, height, color)
        x += width
    y += height + 2.5
    width = doc.epw / len(parts)
    for index, (label, _, value, color) in enumerate(parts):
        left = doc.l_margin + index * width
        doc.fill_rect(left + 1.5, y + 1.5, 3, 3, color, radius=0.6)
        doc.style(8.5)
        doc.text_at(left + 5, y, width - 5, 6, f"{label} {minutes(value)} min")
    doc.set_y(y + 6)
    if not total:
        _note(doc, "Nothing watched yet.")


# ---- (15)-(28)


def _attachments(doc: ReportDocument, attachments: Attachments, cap: Cap) -> None:
    items = attachments.items
    rows: list[list[Cell]] = [
        [
            Badge(item.fileLabel, FILE_COLORS.get(item.fileFamily, OTHER_FILE)),
            _name(item),
            item.source.name or item.source.id or EMPTY,
            count(item.downloads),
        ]
        for item in cap.rows(items)
    ]
    _table(
        doc,
        f"Attachments ({count(attachments.count)})",
        ATTACHMENT_COLUMNS,
        rows,
        "No attachments downloaded.",
        cap.more("attachments", items),
    )


def _sessions(doc: ReportDocument, sessions: Sequence[SessionRow], cap: Cap) -> None:
    rows: list[list[Cell]] = [
        [
            _name(s),
            minutes(s.minutesViewed),
            minutes(s.liveMinutes),
            minutes(s.recordingMinutes),
            percent(s.engagementRate),
            count(s.reactions),
            count(s.raisedHands),
            count(s.attachmentsDownloaded),
            count(s.chatMessages),
            count(s.pollsAnswered),
        ]
        for s in cap.rows(sessions)
    ]
    _table(doc, "Sessions", SESSION_COLUMNS, rows, "No sessions viewed.", cap.more("sessions", sessions))


def _vods(doc: ReportDocument, vods: Sequence[VodRow], cap: Cap) -> None:
    rows: list[list[Cell]] = [
        [
            _name(v),
            minutes(v.minutesViewed),
            percent(v.completionRate),
            Bar(v.completionRate, VOD),
        ]
        for v in cap.rows(vods)
    ]
    _table(doc, "Videos on demand", VOD_COLUMNS, rows, "No videos viewed.", cap.more("vods", vods))


def _name(item: AttachmentRow | SessionRow | VodRow) -> Text:
    """Items whose catalog entry has not arrived show their id, greyed like on the web page."""
    return Text(item.name, MUTED if item.catalogMissing else INK)


# ---- building blocks


def _section(doc: ReportDocument, title: str, first_block: float) -> None:
    """A section title that never ends a page on its own."""
    doc.set_y(doc.get_y() + SECTION_GAP)
    doc.keep_together(TITLE_HEIGHT + first_block)
    doc.style(11.5, bold=True)
    doc.text_at(doc.l_margin, doc.get_y(), doc.epw, TITLE_HEIGHT, title)
    doc.set_y(doc.get_y() + TITLE_HEIGHT)


def _table(
    doc: ReportDocument,
    title: str,
    columns: Sequence[Column],
    rows: Sequence[Sequence[Cell]],
    empty: str,
    more: int = 0,
) -> None:
    _section(
        doc, title, opening_height(doc, columns, rows, SECTION_GAP + TITLE_HEIGHT) if rows else NOTE_HEIGHT
    )
    if rows:
        draw_table(doc, columns, rows)
    else:
        _note(doc, empty)
    if more > 0:
        doc.keep_together(NOTE_HEIGHT)
        _note(doc, f"and {count(more)} more — see the dashboard")


def _note(doc: ReportDocument, text: str) -> None:
    doc.style(9, color=MUTED)
    doc.text_at(doc.l_margin, doc.get_y(), doc.epw, NOTE_HEIGHT, text)
    doc.set_y(doc.get_y() + NOTE_HEIGHT)
