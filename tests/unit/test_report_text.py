"""Report text: cleaning, wrapping in full, labels cut with an ellipsis, number formats, the file name,
fpdf2 isolation."""

from __future__ import annotations

import email.message
import os
import subprocess
import sys
import unicodedata
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from report.disposition import content_disposition
from report.text import clean, count, cut, ellipsize, minutes, needs_shaping, percent, wrap

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("Zoë", "Zoë"),
        ("Zoe\u0308", "Zoë"),  # NFC
        ("\x00Evil\x07 Name", "Evil Name"),
        ("line\r\nbreak\ttab", "line break tab"),
        ("a\u202eb\u2066c\u200bd\u00ad", "abcd"),  # bidi overrides, isolates, zero-width space, soft hyphen
        ("می\u200cخواهم", "می\u200cخواهم"),  # Persian ZWNJ changes shaping: kept
        ("  many   spaces\u2028 ", "many spaces"),
        ("", ""),
    ],
)
def test_clean(raw: str, shown: str) -> None:
    assert clean(raw) == shown


def test_ellipsize_keeps_what_fits_and_marks_the_cut() -> None:
    # one unit of width per character
    assert ellipsize("short", 10, len) == "short"
    assert ellipsize("exactly ten", 11, len) == "exactly ten"
    assert ellipsize("a longer title", 8, len) == "a longe…"
    assert ellipsize("a b c d", 5, len) == "a b…"  # no space before the ellipsis
    assert ellipsize("anything", 0.5, len) == ""  # not even the ellipsis fits
    assert ellipsize("x" * 2000, 40, len) == "x" * 39 + "…"


def test_cut_never_separates_a_letter_from_its_marks() -> None:
    decomposed = "e\u0301\u0323x"  # e + two combining marks, then x
    assert cut(decomposed, 1) == ""
    assert cut(decomposed, 2) == ""
    assert cut(decomposed, 3) == "e\u0301\u0323"
    assert cut(decomposed, 4) == decomposed


def test_needs_shaping_only_for_complex_scripts() -> None:
    assert not needs_shaping("Zoë Ångström Дмитрий Όμηρος 中村 김민준 12.5%")
    assert needs_shaping("محمد")
    assert needs_shaping("שלום")
    assert needs_shaping("e\u0301")


def test_numbers_print_like_the_web_page() -> None:
    assert minutes(4.4) == "4.4"
    assert minutes(2.0) == "2.0"
    assert minutes(1234.5) == "1234.5"
    assert percent(None) == "—"
    assert percent(0.5417) == "54.2%"
    assert percent(1.0) == "100.0%"
    assert percent(0.0) == "0.0%"
    # JavaScript's toFixed rounds a tie up; Python's format would give "1.2%"
    assert percent(0.0125) == "1.3%"
    assert percent(0.3333) == "33.3%"
    assert count(0) == "0"
    assert count(12345) == "12345"


# ---- Content-Disposition (RFC 6266 with an RFC 5987 filename*)


def _decoded(header: str) -> str | None:
    """The filename* parameter decoded by the standard library (RFC 2231 syntax = RFC 5987's)."""
    extended = [part for part in header.split("; ") if part.startswith("filename*=")]
    assert len(extended) == 1, header
    message = email.message.Message()
    message["Content-Disposition"] = f"attachment; {extended[0]}"
    return message.get_filename()


@pytest.mark.parametrize(
    ("name", "fallback", "full"),
    [
        ("Zoë Ångström", "Zoe Angstrom - analytics.pdf", "Zoë Ångström - analytics.pdf"),
        ("Søren Łukasz", "Soren Lukasz - analytics.pdf", "Søren Łukasz - analytics.pdf"),  # NFKD keeps them
        ("中村 美咲", "report - analytics.pdf", "中村 美咲 - analytics.pdf"),
        ("محمد الأحمد", "report - analytics.pdf", "محمد الأحمد - analytics.pdf"),
        ('Bob "The Builder" O\'Neil', "Bob The Builder O'Neil - analytics.pdf", None),
        ("a/b\\c:d*e?f<g>h|i%j", "a b c d e f g h i j - analytics.pdf", None),
        ("\x00\r\n", "report - analytics.pdf", "report - analytics.pdf"),
        ("../../etc/passwd", "etc passwd - analytics.pdf", None),
    ],
)
def test_content_disposition(name: str, fallback: str, full: str | None) -> None:
    header = content_disposition(name)
    assert header.isascii()
    assert "\r" not in header
    assert "\n" not in header
    assert header.startswith(f"attachment; filename=\"{fallback}\"; filename*=UTF-8''")
    if full is not None:
        assert unquote(header.split("''", 1)[1]) == full
        assert _decoded(header) == full


def test_content_disposition_for_the_scenario_user_is_exact() -> None:
    assert content_disposition("Zoë Ångström") == (
        'attachment; filename="Zoe Angstrom - analytics.pdf"; '
        "filename*=UTF-8''Zo%C3%AB%20%C3%85ngstr%C3%B6m%20-%20analytics.pdf"
    )


@given(st.text(max_size=3000))
@settings(max_examples=300, deadline=None)
def test_content_disposition_is_safe_for_any_name(name: str) -> None:
    header = content_disposition(name)
    assert header.isascii()
    assert header.isprintable()
    assert len(header) < 1200
    fallback = header.split('"')[1]
    assert header.count('"') == 2
    assert fallback.endswith(" - analytics.pdf")
    decoded = _decoded(header)
    assert decoded is not None
    assert decoded.endswith(" - analytics.pdf")
    assert not any(c in decoded for c in '"\\/')
    # printable, except the joiners Persian or Indic names need (ZWNJ, ZWJ)
    assert decoded.replace("\u200c", "").replace("\u200d", "").isprintable()


# ---- fitting real text in the real fonts


@pytest.fixture(scope="module")
def document() -> Any:
    from report.document import ReportDocument

    cjk_and_hangul = "".join(map(chr, range(0x2E80, 0xD7A4)))  # load the CJK fallback for all of them
    doc = ReportDocument(datetime(2026, 11, 20, tzinfo=UTC), "t", [cjk_and_hangul])
    doc.add_page()
    doc.style(8)
    return doc


@given(text=st.text(max_size=400), width=st.floats(min_value=0, max_value=180))
@settings(max_examples=200, deadline=None)
def test_fitted_text_never_exceeds_its_cell(document: Any, text: str, width: float) -> None:
    shown = document.fit(text, width)
    assert document.get_string_width(shown) <= width + 1e-6
    assert not [c for c in shown if unicodedata.category(c) in ("Cc", "Cs", "Zl", "Zp")]
    if shown != document.displayable(clean(text)):
        assert shown.endswith("…") or shown == ""


def test_a_2000_character_title_is_cut_to_its_cell(document: Any) -> None:
    for title in ("x" * 2000, "深" * 2000, "م" * 2000, "Ä\u0308" * 1000):
        shown = document.fit(title, 40)
        assert shown.endswith("…")
        assert 0 < len(shown) < 60
        assert document.get_string_width(shown) <= 40


# ---- fpdf2 belongs to the report function, and only loads when a report renders


def _modules_after(imports: str) -> set[str]:
    code = f"import sys\n{imports}\nprint(' '.join(sorted(sys.modules)))"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "functions")}
    result = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env, timeout=60
    )
    return set(result.stdout.split())


def test_no_handler_imports_fpdf_at_import_time() -> None:
    loaded = _modules_after(
        "import ingest.collector, ingest.aggregator, query.api, report.api, logic.dashboard"
    )
    assert "report.api" in loaded
    assert not {m for m in loaded if m == "fpdf" or m.startswith(("fpdf.", "uharfbuzz", "fontTools"))}


def test_only_the_report_package_imports_fpdf() -> None:
    importers = {
        path.relative_to(ROOT / "functions").parts[0]
        for path in (ROOT / "functions").rglob("*.py")
        if "import fpdf" in path.read_text(encoding="utf-8")
        or "from fpdf" in path.read_text(encoding="utf-8")
    }
    assert importers == {"report"}


def test_wrap_keeps_every_character_and_breaks_inside_a_word_only_when_it_is_wider_than_a_line() -> None:
    assert wrap("short", 10, len) == ["short"]
    assert wrap("Breakout room 12: observability in practice", 14, len) == [
        "Breakout room",
        "12:",
        "observability",
        "in practice",
    ]
    assert wrap("a supercalifragilistic word", 8, len) == ["a", "supercal", "ifragili", "stic", "word"]
    assert wrap("中村美咲深入讨论会议", 4, len) == [
        "中村美咲",
        "深入讨论",
        "会议",
    ]  # no spaces: any character
    assert wrap("x" * 50, 7, len) == ["x" * 7] * 7 + ["x"]
    assert wrap("", 10, len) == [""]
    # Nothing fits: one whole character (with its marks) a line, never a mark on its own.
    assert wrap("e\u0301\u0323xy", 0.5, len) == ["e\u0301\u0323", "x", "y"]
    assert wrap("Ä\u0308" * 3, 1, len) == ["Ä\u0308"] * 3


@given(text=st.text(alphabet=st.characters(codec="utf-8"), max_size=300), width=st.integers(1, 40))
@settings(max_examples=300, deadline=None)
def test_wrap_loses_nothing(text: str, width: int) -> None:
    shown = clean(text)
    lines = wrap(shown, width, len)
    assert "".join("".join(lines).split()) == "".join(shown.split())  # only the spaces at breaks go
    assert wrap(shown, width, len, [1.0] * len(shown)) == lines  # running sums: the same lines
    for line in lines:
        assert line == line.strip()
        assert len(line) <= width or cut(line, len(line) - 1) == ""  # or one character and its marks


def test_wrap_measures_about_each_line_not_the_whole_text() -> None:
    """A 5,000-character name: galloping then bisection per line measures ~the line, not the rest."""
    measured = 0

    def measure(text: str) -> float:
        nonlocal measured
        measured += len(text)
        return len(text)

    text = "深" * 5000
    assert wrap(text, 40, measure) == ["深" * 40] * 125
    assert measured < 20 * len(text)


@given(text=st.text(max_size=400), width=st.floats(min_value=2, max_value=180))
@settings(max_examples=150, deadline=None)
def test_wrapped_lines_fit_their_cell_in_the_real_fonts_and_keep_every_character(
    document: Any, text: str, width: float
) -> None:
    shown = document.displayable(clean(text))
    lines = document.fit_lines(text, width)
    assert "".join("".join(lines).split()) == "".join(shown.split())
    for line in lines:
        assert document.get_string_width(line) <= width + 1e-6 or cut(line, len(line) - 1) == ""
