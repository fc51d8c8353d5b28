"""The report's page: A4, shipped fonts for every script, running header, footer, fitted text."""

from __future__ import annotations

import unicodedata
from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, Literal

import fpdf.fpdf
from fpdf import FPDF
from fpdf.fonts import TTFFont
from fpdf.unicode_script import UNICODE_RANGE_TO_SCRIPT, UnicodeScript

from report.text import ELLIPSIS, clean, ellipsize, needs_shaping, wrap
from report_fonts import DIRECTORY as FONTS  # the report-only layer (layers/report)

FAMILY = "dejavu"  # Latin, Greek, Cyrillic, Arabic, Hebrew
CJK = "wqy"  # fallback for Chinese, Japanese, Korean
REPLACEMENT = "\ufffd"
# Fallbacks in the order they are tried, each loaded only for a report that needs it: (name, file,
# the code point ranges it is asked for; None = whatever is still missing).
FALLBACKS: tuple[tuple[str, str, tuple[range, ...] | None], ...] = (
    ("deva", "NotoSansDevanagari-Regular.ttf", (range(0x0900, 0x0980), range(0xA8E0, 0xA900))),
    ("beng", "NotoSansBengali-Regular.ttf", (range(0x0980, 0x0A00),)),
    ("taml", "NotoSansTamil-Regular.ttf", (range(0x0B80, 0x0C00), range(0x11FC0, 0x12000))),
    ("thai", "NotoSansThai-Regular.ttf", (range(0x0E00, 0x0E80),)),
    ("guru", "NotoSansGurmukhi-Regular.ttf", (range(0x0A00, 0x0A80),)),
    ("gujr", "NotoSansGujarati-Regular.ttf", (range(0x0A80, 0x0B00),)),
    ("orya", "NotoSansOriya-Regular.ttf", (range(0x0B00, 0x0B80),)),
    ("telu", "NotoSansTelugu-Regular.ttf", (range(0x0C00, 0x0C80),)),
    ("knda", "NotoSansKannada-Regular.ttf", (range(0x0C80, 0x0D00),)),
    ("mlym", "NotoSansMalayalam-Regular.ttf", (range(0x0D00, 0x0D80),)),
    ("sinh", "NotoSansSinhala-Regular.ttf", (range(0x0D80, 0x0E00), range(0x111E0, 0x11200))),
    (
        "mymr",
        "NotoSansMyanmar-Regular.ttf",
        (range(0x1000, 0x10A0), range(0xA9E0, 0xAA00), range(0xAA60, 0xAA80)),
    ),
    ("khmr", "NotoSansKhmer-Regular.ttf", (range(0x1780, 0x1800), range(0x19E0, 0x1A00))),
    (
        "ethi",
        "NotoSansEthiopic-Regular.ttf",
        (range(0x1200, 0x13A0), range(0x2D80, 0x2DE0), range(0xAB00, 0xAB30)),
    ),
    (CJK, "wqy-microhei.ttc", None),
    ("emoji", "NotoEmoji-Regular.ttf", None),  # monochrome
)

MARGIN = 15.0
BOTTOM = 18.0  # the footer lives below the page-break line
RUNNING_SIZE = 7.5
RUNNING_TOP = 8.0
RUNNING_BAND = 5.0
RUNNING_STEP = 3.2
# The running header repeats page 1's name on every page, wrapped; past this many lines (a name of
# 256 very wide glyphs, the longest the models accept) it ends with an ellipsis rather than
# leave no room for the page: page 1's header block prints the name in full, whatever its length.
RUNNING_LINES = 8

Color = tuple[int, int, int]
INK: Color = (29, 35, 48)
MUTED: Color = (102, 112, 133)
LINE: Color = (228, 231, 236)
TILE: Color = (245, 246, 250)
ZEBRA: Color = (249, 250, 252)
WHITE: Color = (255, 255, 255)
Align = Literal["L", "C", "R"]


@dataclass(frozen=True, slots=True)
class Lines:
    """One column of a block drawn by ``ReportDocument.flow``: its wrapped lines and their style."""

    x: float
    width: float
    lines: Sequence[str]
    size: float
    bold: bool = False
    color: Color = INK
    align: Align = "L"


_SCRIPT_STARTS = [start for start, _, _ in UNICODE_RANGE_TO_SCRIPT]


@cache
def unicode_script(char: str) -> UnicodeScript:
    """fpdf2's ``get_unicode_script`` by bisection: fpdf2 2.8.9 scans its ~2,000 script ranges in
    order for every new character (~0.2 ms each: 4 s for a report using 20,000 distinct CJK
    characters). Same table, same answers (tests/unit/test_report_text.py checks every boundary)."""
    code = ord(char)
    index = bisect_right(_SCRIPT_STARTS, code) - 1
    if index >= 0:
        start, end, script = UNICODE_RANGE_TO_SCRIPT[index]
        if start <= code <= end:
            return UnicodeScript(script)
    return UnicodeScript(999)  # Unknown, as fpdf2 says


# fpdf2 calls it by this module-level name in _parse_chars (and clears its cache between documents).
fpdf.fpdf.get_unicode_script = unicode_script


class ReportDocument(FPDF):
    """FPDF with the report's fonts and page furniture.

    ``texts`` are the strings the report will print: the CJK fallback font (5 MB) is only
    loaded when one of them needs it, and only for the characters they use.
    """

    def __init__(self, generated_at: datetime, running_title: str, texts: Iterable[str]):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.generated_at = generated_at
        self.running_title = running_title
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=BOTTOM)
        self.c_margin = 1.5
        # Per-character caches: fpdf2 looks up the fallback font of every character of every string it
        # measures or draws (~20 µs each), and measuring a 5,000-character name by bisection would
        # do that thousands of times per line (issue 13: 30 s for one such report).
        self._fallback_of: dict[tuple[str, str], str | None] = {}
        self._units: dict[str, dict[str, int]] = {}
        self._covered = self._load_fonts(texts)
        self._shaping = False
        self._running_lines = self._running(running_title)

    def _running(self, title: str) -> list[str]:
        """The running header's lines, the same on every page: wrapped once."""
        self.style(RUNNING_SIZE, color=MUTED)
        width = self.epw * 0.7 - 2 * self.c_margin
        lines = self.fit_lines(title, width)
        if len(lines) <= RUNNING_LINES:
            return lines
        last = lines[RUNNING_LINES - 1] + " " + lines[RUNNING_LINES] + ELLIPSIS  # never fits: cut
        return [*lines[: RUNNING_LINES - 1], ellipsize(last, width, self.measure)]

    @property
    def body_top(self) -> float:
        """Where a page's content starts, below the running header."""
        return MARGIN + 2 + RUNNING_STEP * (len(self._running_lines) - 1)

    def _load_fonts(self, texts: Iterable[str]) -> frozenset[int]:
        self._add_font(FAMILY, "", "DejaVuSans.ttf")
        self._add_font(FAMILY, "B", "DejaVuSans-Bold.ttf")
        covered = self._cmap(FAMILY) & self._cmap(FAMILY + "B")
        self._main_font_covers = frozenset(covered)
        missing = {ord(char) for text in texts for char in text} - covered
        fallbacks = []
        for name, filename, ranges in FALLBACKS:
            asked = missing if ranges is None else {c for c in missing if any(c in r for r in ranges)}
            if not asked:
                continue
            # Only the code points the report needs (mapping all of a CJK font costs a third more),
            # plus the space: fpdf2 fails on a font left with no characters.
            self._add_font(name, "", filename, collection_font_number=0, unicode_range=sorted(asked | {0x20}))
            fallbacks.append(name)
            found = asked & self._cmap(name)
            covered |= found
            missing -= found
        if fallbacks:
            self.set_fallback_fonts(fallbacks, exact_match=False)  # bold falls back to the regular faces
        return frozenset(covered)

    def set_fallback_fonts(self, fallback_fonts: Sequence[str], exact_match: bool = True) -> None:
        super().set_fallback_fonts(fallback_fonts, exact_match)
        self._fallback_of.clear()

    def get_fallback_font(self, char: str, style: str = "") -> str | None:
        """fpdf2's choice, remembered per character (fpdf2 documents this method as the override point)."""
        key = (char, style)
        if key not in self._fallback_of:
            self._fallback_of[key] = super().get_fallback_font(char, style)
        return self._fallback_of[key]

    def measure(self, text: str) -> float:
        """``get_string_width`` in linear time, from per-character advances cached per font.

        Unshaped text (Latin, Greek, Cyrillic, CJK, emoji) is as wide as the sum of its glyphs'
        advances in the font fpdf2 picks for each (the current one, else the first fallback that
        has the glyph), which is how fpdf2 measures it; shaped text (Arabic, Hebrew, Indic) goes
        to fpdf2, whose HarfBuzz run decides.
        """
        if self._shaping:
            return self.get_string_width(text)
        units = self._units.setdefault(self.font_family + self.font_style, {})
        total = 0
        for char in text:
            advance = units.get(char)
            if advance is None:
                advance = units[char] = self._advance(char)
            total += advance
        return total * self.font_size_pt * 0.001 / self.k

    def _advances(self, text: str) -> list[float]:
        """Each character's width, for unshaped text (``measure`` is their sum)."""
        units = self._units.setdefault(self.font_family + self.font_style, {})
        scale = self.font_size_pt * 0.001 / self.k
        out = []
        for char in text:
            advance = units.get(char)
            if advance is None:
                advance = units[char] = self._advance(char)
            out.append(advance * scale)
        return out

    def _advance(self, char: str) -> int:
        font = self.current_font
        assert isinstance(font, TTFFont)
        if ord(char) not in font.cmap:
            fallback = self.get_fallback_font(char, self.font_style)
            if fallback:
                font = self.fonts[fallback]
                assert isinstance(font, TTFFont)
        return int(font.cw[ord(char)])

    def _add_font(self, family: str, style: str, filename: str, **options: Any) -> None:
        self.add_font(family, style, FONTS / filename, **options)
        font = self.fonts[family + style]
        if isinstance(font, TTFFont):
            # The subset keeps each glyph's own bounding box: recomputing them all on output
            # decompiles every glyph (~0.5 ms each, 10 s for 20,000 CJK glyphs) and changes nothing.
            font.ttfont.recalcBBoxes = False

    def _cmap(self, key: str) -> set[int]:
        font = self.fonts[key]
        assert isinstance(font, TTFFont)
        return set(font.cmap)

    # ---- text

    def style(self, size: float, *, bold: bool = False, color: Color = INK) -> None:
        self.set_font(FAMILY, "B" if bold else "", size)
        self.set_text_color(*color)

    def displayable(self, text: str) -> str:
        """Characters no shipped font has become U+FFFD (visible), or go if they are invisible marks."""
        out = []
        for char in text:
            if ord(char) in self._covered:
                out.append(char)
            elif not unicodedata.category(char).startswith(("M", "C")):
                out.append(REPLACEMENT)
        return "".join(out)

    def fit(self, text: str, width: float) -> str:
        """``text`` cleaned, shaped if its script needs it, and cut with an ellipsis to ``width``:
        for the report's own labels, which fit by design. What users typed goes to ``fit_lines``."""
        shown = self.displayable(clean(text))
        self._shape(needs_shaping(shown))
        return ellipsize(shown, width, self.measure)

    def fit_lines(self, text: str, width: float) -> list[str]:
        """``text`` cleaned, shaped if its script needs it, and wrapped to ``width``: all of it."""
        shown = self.displayable(clean(text))
        shaped = needs_shaping(shown)
        self._shape(shaped)
        return wrap(shown, width, self.measure, None if shaped else self._advances(shown))

    def _shape(self, on: bool) -> None:
        if on != self._shaping:
            self.set_text_shaping(on)
            self._shaping = on

    def text_cell(self, width: float, height: float, text: str, align: Align = "L") -> None:
        """One line of text that never leaves its cell; the cursor moves right by ``width``."""
        self.fitted_cell(width, height, self.fit(text, width - 2 * self.c_margin), align)

    def flow(
        self,
        columns: Sequence[Lines],
        band: float,
        step: float,
        new_page: Callable[[], None],
        reserved: float = 0.0,
        paint: Callable[[float, float, bool], None] | None = None,
    ) -> None:
        """Columns of lines side by side from the cursor, each line centred in a band of ``band``,
        ``step`` below the one before; the cursor ends below the block.

        A block that does not fit on this page goes to the next whole (``new_page`` starts it and
        draws ``reserved`` millimetres of headings) when it fits there, else it fills this page and
        goes on on the next ones: no line is ever left out. ``paint(y, height, first)`` draws what
        lies under each part (backgrounds; ``first``: the part holding the first lines).
        """
        count = max((len(column.lines) for column in columns), default=1)
        if self._lines_fitting(self.page_break_trigger - self.get_y(), band, step) < count:
            fresh = self._lines_fitting(self.page_break_trigger - self.body_top - reserved, band, step)
            if count <= fresh or self._lines_fitting(self.page_break_trigger - self.get_y(), band, step) == 0:
                new_page()
        start = 0
        while True:
            room = max(1, self._lines_fitting(self.page_break_trigger - self.get_y(), band, step))
            part = min(count - start, room)
            y, height = self.get_y(), band + step * (part - 1)
            if paint is not None:
                paint(y, height, start == 0)
            for column in columns:
                self.style(column.size, bold=column.bold, color=column.color)
                for index, line in enumerate(column.lines[start : start + part]):
                    self.set_xy(column.x, y + index * step)
                    self.fitted_cell(column.width, band, line, column.align)
            self.set_y(y + height)
            start += part
            if start >= count:
                return
            new_page()

    @staticmethod
    def _lines_fitting(free: float, band: float, step: float) -> int:
        """How many lines of a block fit in ``free`` millimetres."""
        return 0 if free < band else 1 + int((free - band) / step + 1e-9)

    def fitted_cell(self, width: float, height: float, shown: str, align: Align = "L") -> None:
        """Text already fitted to the cell (``fit``/``fit_lines``)."""
        self._shape(needs_shaping(shown))
        self.cell(width, height, shown, align=align)
        if not self._main_font_covers.issuperset(map(ord, shown)):
            # fpdf2 2.8.9 (py-pdf/fpdf2#1772): when a cell starts in a fallback font (in visual
            # order, which shaping decides, so any fallback character counts), fpdf2 selects
            # the main font inside the cell's q...Q, where it does not survive, yet records it as
            # selected; the next cells would be drawn with whatever font the page had before.
            self.current_font_is_set_on_page = False

    def text_at(self, x: float, y: float, width: float, height: float, text: str, align: Align = "L") -> None:
        self.set_xy(x, y)
        self.text_cell(width, height, text, align)

    # ---- drawing

    def fill_rect(self, x: float, y: float, w: float, h: float, color: Color, radius: float = 0) -> None:
        if w <= 0 or h <= 0:
            return
        self.set_fill_color(*color)
        radius = min(radius, w / 2, h / 2)
        self.rect(x, y, w, h, style="F", round_corners=radius > 0, corner_radius=radius)

    def rule(self, y: float, color: Color = LINE, width: float = 0.3) -> None:
        self.set_draw_color(*color)
        self.set_line_width(width)
        self.line(self.l_margin, y, self.w - self.r_margin, y)

    def keep_together(self, height: float) -> None:
        """Start a new page unless ``height`` more millimetres fit on this one."""
        if self.will_page_break(height):
            self.add_page()

    # ---- page furniture (fpdf2 calls these on every page)

    def header(self) -> None:
        if self.page_no() == 1:
            return
        self.style(RUNNING_SIZE, color=MUTED)
        for index, line in enumerate(self._running_lines):
            self.set_xy(self.l_margin, RUNNING_TOP + index * RUNNING_STEP)
            self.fitted_cell(self.epw * 0.7, RUNNING_BAND, line)
        self.set_xy(self.l_margin + self.epw * 0.7, RUNNING_TOP)
        self.text_cell(self.epw * 0.3, RUNNING_BAND, "Event Analytics report", align="R")
        extra = RUNNING_STEP * (len(self._running_lines) - 1)
        self.rule(13.5 + extra)
        self.set_y(self.body_top)

    def footer(self) -> None:
        self.rule(self.h - 13)
        self.style(7.5, color=MUTED)
        stamp = f"{self.generated_at:%Y-%m-%d %H:%M:%S} UTC"
        self.text_at(self.l_margin, self.h - 12, self.epw * 0.7, 5, f"Generated {stamp} · Event Analytics")
        self.text_cell(self.epw * 0.3, 5, f"Page {self.page_no()} of {self.str_alias_nb_pages}", align="R")
