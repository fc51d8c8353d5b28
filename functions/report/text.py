"""Strings for the report: clean what users typed, fit it to a width, format numbers like the web page.

Pure Python (no fpdf2): widths come from a ``measure`` callable the document supplies.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal

ELLIPSIS = "…"
EMPTY = "—"

# Joiners change how neighbours shape (Persian, Indic, emoji sequences); every other format
# character (bidi overrides and isolates, zero-width spaces, soft hyphens) is dropped so a name
# cannot reorder or hide the text around it.
_KEPT_FORMAT = {"\u200c", "\u200d"}
_DROPPED = {"Cc", "Cs", "Cn", "Cf"}
_AS_SPACE = {"Zs", "Zl", "Zp"}
_LINE_BREAKS = "\t\n\r\v\f\x85"


def clean(value: object) -> str:
    """One line of printable text: NFC, control and format characters removed, spaces collapsed."""
    text = unicodedata.normalize("NFC", str(value))
    out: list[str] = []
    for char in text:
        category = unicodedata.category(char)
        if char in _LINE_BREAKS or category in _AS_SPACE:
            out.append(" ")
        elif category not in _DROPPED or char in _KEPT_FORMAT:
            out.append(char)
    return " ".join("".join(out).split())


def _joins_previous(char: str) -> bool:
    """Characters that belong to the grapheme before them (marks, joiners, variation selectors)."""
    return unicodedata.category(char).startswith("M") or char in _KEPT_FORMAT or 0xFE00 <= ord(char) <= 0xFE0F


def cut(text: str, length: int) -> str:
    """The first ``length`` characters, never splitting a base character from its marks."""
    while 0 < length < len(text) and _joins_previous(text[length]):
        length -= 1
    return text[:length].rstrip()


def _fitting(text: str, max_width: float, measure: Callable[[str], float], suffix: str = "") -> int:
    """The most characters of ``text`` that fit in ``max_width`` followed by ``suffix`` (binary search)."""
    fits, too_long = 0, len(text) + 1  # cut(text, fits) + suffix fits; cut(text, too_long) doesn't
    while too_long - fits > 1:
        middle = (fits + too_long) // 2
        if measure(cut(text, middle) + suffix) <= max_width:
            fits = middle
        else:
            too_long = middle
    return len(cut(text, fits))


def ellipsize(text: str, max_width: float, measure: Callable[[str], float]) -> str:
    """``text`` if it fits in ``max_width``, else its longest prefix that fits with an ellipsis."""
    if measure(text) <= max_width:
        return text
    if measure(ELLIPSIS) > max_width:
        return ""
    return text[: _fitting(text, max_width, measure, ELLIPSIS)].rstrip() + ELLIPSIS


def wrap(text: str, max_width: float, measure: Callable[[str], float], max_lines: int) -> list[str]:
    """``text`` in at most ``max_lines`` lines of ``max_width``: breaks at spaces, inside a word only
    when it is longer than a line (CJK has no spaces); the last line ends with an ellipsis when
    text is left over."""
    lines: list[str] = []
    rest = text
    while rest:
        if len(lines) == max_lines - 1 or measure(rest) <= max_width:
            lines.append(ellipsize(rest, max_width, measure))
            break
        length = max(1, _fitting(rest, max_width, measure))
        space = rest.rfind(" ", 0, length + 1)
        end = space if space > 0 else length
        lines.append(rest[:end].rstrip())
        rest = rest[end:].lstrip()
    return lines or [""]


def needs_shaping(text: str) -> bool:
    """Right-to-left scripts and combining marks need HarfBuzz; Latin, Greek, Cyrillic and CJK don't."""
    return any(
        unicodedata.bidirectional(char) in ("R", "AL", "AN") or unicodedata.category(char).startswith("M")
        for char in text
        if ord(char) > 0x2FF
    )


# ---- numbers, exactly as the reference dashboard prints them (web/app.js `fmt`)


def minutes(value: float) -> str:
    return f"{value:.1f}"


def percent(rate: float | None) -> str:
    """``(rate * 100).toFixed(1) + "%"``: half-up on the exact binary value, like JavaScript."""
    if rate is None:
        return EMPTY
    return f"{Decimal(rate * 100).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"


def count(value: int) -> str:
    return str(value)
