"""Strings for the report: clean what users typed, wrap it to a width, format numbers like the web page.

Pure Python (no fpdf2): widths come from a ``measure`` callable the document supplies.
"""

from __future__ import annotations

import unicodedata
from bisect import bisect_right
from collections.abc import Callable, Sequence
from decimal import ROUND_HALF_UP, Decimal
from itertools import accumulate

ELLIPSIS = "…"
EMPTY = "—"

# Joiners change how neighbours shape (Persian, Indic, emoji sequences); every other format
# character (bidi overrides and isolates, zero-width spaces, soft hyphens) is dropped so a name
# cannot reorder or hide the text around it.
_KEPT_FORMAT = {"\u200c", "\u200d"}
_DROPPED = {"Cc", "Cs", "Cn", "Cf"}
_AS_SPACE = {"Zs", "Zl", "Zp"}
_LINE_BREAKS = "\t\n\r\v\f\x85"


# Characters ``clean`` keeps as they are, and characters that need no shaping, learnt as they are
# met: the report passes every character of every name through both several times (a C-speed set
# test instead of two ``unicodedata`` calls a character; bounded by Unicode's size).
_KEPT: set[str] = {" "}
_UNSHAPED: set[str] = set()


def clean(value: object) -> str:
    """One line of printable text: NFC, control and format characters removed, spaces collapsed."""
    text = unicodedata.normalize("NFC", str(value))
    if not _KEPT.issuperset(text):
        text = "".join(map(_cleaned, text))
    return " ".join(text.split())


def _cleaned(char: str) -> str:
    category = unicodedata.category(char)
    if char in _LINE_BREAKS or category in _AS_SPACE:
        return " "
    if category not in _DROPPED or char in _KEPT_FORMAT:
        _KEPT.add(char)
        return char
    return ""


def _joins_previous(char: str) -> bool:
    """Characters that belong to the grapheme before them (marks, joiners, variation selectors)."""
    return unicodedata.category(char).startswith("M") or char in _KEPT_FORMAT or 0xFE00 <= ord(char) <= 0xFE0F


def cut(text: str, length: int) -> str:
    """The first ``length`` characters, never splitting a base character from its marks."""
    while 0 < length < len(text) and _joins_previous(text[length]):
        length -= 1
    return text[:length].rstrip()


def _fitting(text: str, max_width: float, measure: Callable[[str], float], suffix: str = "") -> int:
    """The most characters of ``text`` that fit in ``max_width`` followed by ``suffix``.

    Galloping, then bisection: the cost follows the length of the answer, not of ``text`` (a line
    of a 5,000-character name measures a few dozen characters, never the whole name).
    """
    fits, too_long = 0, 1  # cut(text, fits) + suffix fits; cut(text, too_long) doesn't, or is all of it
    while too_long <= len(text) and measure(cut(text, too_long) + suffix) <= max_width:
        fits, too_long = too_long, 2 * too_long
    too_long = min(too_long, len(text) + 1)
    while too_long - fits > 1:
        middle = (fits + too_long) // 2
        if measure(cut(text, middle) + suffix) <= max_width:
            fits = middle
        else:
            too_long = middle
    return len(cut(text, fits))


def _first_grapheme(text: str) -> int:
    """The length of ``text``'s first character with the marks and joiners that belong to it."""
    length = 1
    while length < len(text) and _joins_previous(text[length]):
        length += 1
    return length


def ellipsize(text: str, max_width: float, measure: Callable[[str], float]) -> str:
    """``text`` if it fits in ``max_width``, else its longest prefix that fits with an ellipsis.

    For the report's own one-line labels (column titles, tile values, the footer), which fit by
    design; names and values users typed go through ``wrap`` and are never cut."""
    if measure(text) <= max_width:
        return text
    if measure(ELLIPSIS) > max_width:
        return ""
    return text[: _fitting(text, max_width, measure, ELLIPSIS)].rstrip() + ELLIPSIS


def wrap(
    text: str, max_width: float, measure: Callable[[str], float], advances: Sequence[float] | None = None
) -> list[str]:
    """All of ``text`` in lines of ``max_width``: breaks at spaces, inside a word only when the word
    is wider than a line (CJK has no spaces), and never between a character and its marks. Nothing
    is left out: a cell or block is as tall as its text needs (inputs are bounded: 256 characters
    a name, models/events.py).

    ``advances``, each character's width, when ``text`` is as wide as their sum (unshaped text):
    each line is then found by bisecting their running sums, not by measuring prefixes."""
    sums = [0.0, *accumulate(advances)] if advances is not None else None
    lines: list[str] = []
    start = 0  # where what is left of ``text`` starts
    while start < len(text):
        rest = text[start:]
        if sums is None:
            length = _fitting(rest, max_width, measure)
        else:
            length = len(cut(rest, bisect_right(sums, sums[start] + max_width + 1e-9) - 1 - start))
        if length >= len(rest):
            lines.append(rest)
            break
        space = rest.rfind(" ", 0, length + 1)
        end = space if space > 0 else max(length, _first_grapheme(rest))
        lines.append(rest[:end].rstrip())
        start += end
        while start < len(text) and text[start] == " ":
            start += 1
    return lines or [""]


def needs_shaping(text: str) -> bool:
    """Right-to-left scripts and combining marks need HarfBuzz; Latin, Greek, Cyrillic and CJK don't."""
    if _UNSHAPED.issuperset(text):
        return False
    for char in set(text).difference(_UNSHAPED):
        if ord(char) > 0x2FF and (
            unicodedata.bidirectional(char) in ("R", "AL", "AN") or unicodedata.category(char).startswith("M")
        ):
            return True
        _UNSHAPED.add(char)
    return False


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
