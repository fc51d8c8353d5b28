"""Tables whose rows break across pages with their heading repeated.

fpdf2's ``table()`` repeats headings too, but it lays every cell out as a multi-line
paragraph (twice: measure, then draw) and only holds text or images. These tables hold
wrapped text (every name and value in full: a row is as tall as its longest cell, and a row
taller than a page goes on on the next with the heading repeated), file-type badges and drawn
progress bars, and render 300 rows in a fraction of the time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from report.document import INK, LINE, MUTED, WHITE, ZEBRA, Align, Color, Lines, ReportDocument

HEADING_HEIGHT = 7.0
ROW_HEIGHT = 6.0
LINE_STEP = 3.6  # each further line of a wrapped cell
HEADING_SIZE = 7.0
BODY_SIZE = 8.0


@dataclass(frozen=True, slots=True)
class Column:
    title: str
    share: float  # of the page width
    align: Align = "L"


@dataclass(frozen=True, slots=True)
class Text:
    text: str
    color: Color = INK
    bold: bool = False


@dataclass(frozen=True, slots=True)
class Badge:
    text: str
    color: Color


@dataclass(frozen=True, slots=True)
class Bar:
    fraction: float | None
    color: Color


Cell = str | Text | Badge | Bar


def opening_height(
    doc: ReportDocument, columns: Sequence[Column], rows: Sequence[Sequence[Cell]], above: float
) -> float:
    """The heading and the first row: what a section needs on the page, below ``above`` millimetres
    of title, before it starts its table (so neither is left alone at the bottom of a page). A
    first row taller than a whole page starts anywhere one of its lines fits."""
    if not rows:
        return HEADING_HEIGHT + ROW_HEIGHT
    widths, lefts = _geometry(doc, columns)
    lines = max(len(text.lines) for text in _texts(doc, columns, widths, lefts, rows[0]))
    height = ROW_HEIGHT + LINE_STEP * (lines - 1)
    fresh = doc.page_break_trigger - doc.body_top - above - HEADING_HEIGHT
    return HEADING_HEIGHT + (height if height <= fresh else ROW_HEIGHT)


def draw_table(doc: ReportDocument, columns: Sequence[Column], rows: Sequence[Sequence[Cell]]) -> None:
    widths, lefts = _geometry(doc, columns)

    def new_page() -> None:
        doc.add_page()
        _heading(doc, columns, widths)

    _heading(doc, columns, widths)
    for index, row in enumerate(rows):
        texts = _texts(doc, columns, widths, lefts, row)
        paint = _painter(doc, row, lefts, widths, odd=index % 2 == 1)
        doc.flow(texts, ROW_HEIGHT, LINE_STEP, new_page, HEADING_HEIGHT, paint)
    doc.rule(doc.get_y())


def _geometry(doc: ReportDocument, columns: Sequence[Column]) -> tuple[list[float], list[float]]:
    """The columns' widths and left edges."""
    total = sum(c.share for c in columns)
    widths = [doc.epw * c.share / total for c in columns]
    return widths, [doc.l_margin + sum(widths[:index]) for index in range(len(widths))]


def _texts(
    doc: ReportDocument,
    columns: Sequence[Column],
    widths: Sequence[float],
    lefts: Sequence[float],
    row: Sequence[Cell],
) -> list[Lines]:
    """A row's text cells, wrapped (bars and badges are painted under the row)."""
    return [
        _lines(doc, cell, x, width, column)
        for cell, x, width, column in zip(row, lefts, widths, columns, strict=True)
        if not isinstance(cell, Bar | Badge)
    ]


def _painter(
    doc: ReportDocument, row: Sequence[Cell], lefts: Sequence[float], widths: Sequence[float], *, odd: bool
) -> Callable[[float, float, bool], None]:
    """What lies under a row's text: the zebra stripe, and its bars and badges (in its first part)."""

    def paint(y: float, height: float, first: bool) -> None:
        if odd:
            doc.fill_rect(doc.l_margin, y, doc.epw, height, ZEBRA)
        if first:
            for cell, x, width in zip(row, lefts, widths, strict=True):
                if isinstance(cell, Bar | Badge):
                    _drawn(doc, x, y, width, cell)

    return paint


def _heading(doc: ReportDocument, columns: Sequence[Column], widths: Sequence[float]) -> None:
    y = doc.get_y()
    doc.style(HEADING_SIZE, bold=True, color=MUTED)
    doc.set_xy(doc.l_margin, y)
    for column, width in zip(columns, widths, strict=True):
        doc.text_cell(width, HEADING_HEIGHT, column.title, column.align)
    doc.rule(y + HEADING_HEIGHT, color=MUTED, width=0.4)
    doc.set_y(y + HEADING_HEIGHT)


def _lines(doc: ReportDocument, cell: str | Text, x: float, width: float, column: Column) -> Lines:
    """A text cell's lines, wrapped in full to its column (style set first: widths depend on it)."""
    text = cell if isinstance(cell, Text) else Text(cell)
    doc.style(BODY_SIZE, bold=text.bold, color=text.color)
    lines = doc.fit_lines(text.text, width - 2 * doc.c_margin)
    return Lines(x, width, lines, BODY_SIZE, text.bold, text.color, column.align)


def _drawn(doc: ReportDocument, x: float, y: float, width: float, cell: Bar | Badge) -> None:
    """A progress bar or a file-type badge, in its row's first line."""
    if isinstance(cell, Bar):
        inset = doc.c_margin
        bar_width, bar_height = width - 2 * inset, 2.4
        top = y + (ROW_HEIGHT - bar_height) / 2
        doc.fill_rect(x + inset, top, bar_width, bar_height, LINE, radius=bar_height / 2)
        fraction = min(max(cell.fraction or 0.0, 0.0), 1.0)
        doc.fill_rect(x + inset, top, bar_width * fraction, bar_height, cell.color, radius=bar_height / 2)
    else:
        doc.fill_rect(x + doc.c_margin, y + 1.1, width - 2 * doc.c_margin, ROW_HEIGHT - 2.2, cell.color, 0.8)
        doc.style(6.5, bold=True, color=WHITE)
        doc.text_at(x + doc.c_margin, y, width - 2 * doc.c_margin, ROW_HEIGHT, cell.text, "C")
