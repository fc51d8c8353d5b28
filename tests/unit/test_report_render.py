"""The PDF renderer on hand-built dashboards: every number and section, every script, long tables, pixels."""

from __future__ import annotations

import html
import io
import logging
import re
import shutil
import subprocess
import unicodedata
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from domain import dashboard as d
from models.dashboard import Dashboard
from report.render import render_report

GENERATED = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
SESSION_HEADING = "Session Minutes Live min Rec. min Engagement Reactions Hands Downloads Chat Polls"
SECTIONS = ("Engagement", "Viewing breakdown", "Attachments (3)", "Sessions", "Videos on demand")


def dashboard(
    *,
    name: str = "Zoë Ångström",
    sessions: tuple[d.SessionActivity, ...] | None = None,
    catalog: dict[str, d.CatalogEntry] | None = None,
) -> Dashboard:
    """A user worked out by hand in test_every_number_and_section_is_printed."""
    activity = d.UserActivity(
        "e1",
        "u1",
        d.Profile(name, "Speaker", "Acme", "Media", "SE"),
        sessions
        if sessions is not None
        else (
            d.SessionActivity("s1", 150, 30, 120, reactions=3, hands=1, chat=4, qna=2, polls=2),
            d.SessionActivity("s2", recording_seconds=95),
            d.SessionActivity("s3", live_seconds=45, reactions=1),
        ),
        (d.VodActivity("v1", 125, frozenset(range(45)), duration=300), d.VodActivity("v2", 20)),
        (
            d.AttachmentActivity("a1", 2, ((("session", "s1"), 2),)),
            d.AttachmentActivity("a2", 1, ((("vod", "v1"), 1),)),
            d.AttachmentActivity("a3", 1),
        ),
        event_chat=2,
    )
    names = {
        "SES#s1": d.CatalogEntry("Keynote"),
        "SES#s2": d.CatalogEntry("Panel"),
        "VOD#v1": d.CatalogEntry("Intro", duration=300),
        "ATT#a1": d.CatalogEntry(
            "Slides.pdf", file_type="application/pdf", source_kind="session", source_id="s1"
        ),
        "ATT#a2": d.CatalogEntry("Data.xlsx", file_type="xlsx"),
    }
    return d.rollup_user(activity, {**names, **(catalog or {})}, GENERATED)


def render(board: Dashboard) -> PdfReader:
    return PdfReader(io.BytesIO(render_report(board, GENERATED)))


def page_lines(reader: PdfReader) -> list[list[str]]:
    return [page.extract_text().splitlines() for page in reader.pages]


def all_text(reader: PdfReader) -> str:
    return "\n".join("\n".join(lines) for lines in page_lines(reader))


def tile(lines: list[str], label: str) -> str:
    """Tiles print their value on the line before their label."""
    return lines[lines.index(label) - 1]


def test_every_number_and_section_is_printed() -> None:
    board = dashboard()
    # The hand computation below, checked against the domain once so the PDF is checked against both.
    assert board.kpis.model_dump() == {
        "minutesViewed": 7.8,  # 195 live + 125 recording + 145 VOD = 465 s = 7.75 min
        "viewedSeconds": 465,
        "sessionsViewed": 3,
        "liveEngagementRate": 0.4,  # mean(120/150, 0/45)
        "videosViewed": 2,
    }
    reader = render(board)
    assert len(reader.pages) == 1
    lines = page_lines(reader)[0]

    # (1), (2)
    assert lines[:2] == ["Attendee analytics · event e1", "Zoë Ångström"]
    # the details' labels, then their values (each value wraps in full under its label)
    assert lines[lines.index("Role Company Industry Country") + 1] == "Speaker Acme Media SE"
    # (3)-(6)
    assert tile(lines, "Total minutes viewed") == "7.8 min"
    assert tile(lines, "Sessions viewed") == "3"
    assert tile(lines, "Average live engagement") == "40.0%"
    assert tile(lines, "Videos viewed") == "2"
    # (7)-(11)
    assert tile(lines, "Reactions") == "4"
    assert tile(lines, "Chat messages sent") == "6"  # 4 in s1 + 2 outside sessions
    assert tile(lines, "Poll responses") == "2"
    assert tile(lines, "Q&A threads created") == "2"
    assert tile(lines, "Attachments downloaded") == "3"
    # (12)-(14): 195 s, 125 s, 145 s
    assert "Live 3.3 min Recordings 2.1 min Content on demand 2.4 min" in lines
    # (15)-(17): by name; a3 has no catalog entry (its id, no source), a2's source is the VOD it came from
    assert lines[lines.index("Attachments (3)") + 1] == "Type Attachment Source Downloads"
    assert lines[lines.index("Attachments (3)") + 2 :][:3] == [
        "FILE a3 — 1",
        "XLSX Data.xlsx Intro 1",
        "PDF Slides.pdf Keynote 2",
    ]
    # (18)-(25): minutes, live, recording, engagement, reactions, hands, downloads, chat, polls
    start = lines.index(SESSION_HEADING)
    assert lines[start - 1] == "Sessions"
    assert lines[start + 1 : start + 4] == [
        "Keynote 3.0 2.5 0.5 80.0% 3 1 2 4 2",
        "Panel 1.6 0.0 1.6 — 0 0 0 0 0",
        "s3 0.8 0.8 0.0 0.0% 1 0 0 0 0",
    ]
    # (26)-(28): v2 has neither a catalog entry nor a duration, so no completion
    start = lines.index("Video Minutes Completion")
    assert lines[start - 1] == "Videos on demand"
    assert lines[start + 1 : start + 3] == ["Intro 2.1 45.0%", "v2 0.3 —"]
    # every section, in the dashboard's order
    positions = [lines.index(title) for title in SECTIONS]
    assert positions == sorted(positions)
    assert lines[-1] == "Generated 2026-11-20 10:00:00 UTC · Event Analytics Page 1 of 1"


def test_metadata() -> None:
    meta = render(dashboard()).metadata
    assert meta is not None
    assert meta.title == "Zoë Ångström — analytics report"
    assert meta.author == "Event Analytics"
    assert meta.creation_date == GENERATED


def test_empty_sections_say_so() -> None:
    activity = d.UserActivity("e1", "u1", d.Profile("Only A. Profile"))
    lines = page_lines(render(d.rollup_user(activity, {}, GENERATED)))[0]
    for note in (
        "Nothing watched yet.",
        "No attachments downloaded.",
        "No sessions viewed.",
        "No videos viewed.",
    ):
        assert note in lines
    assert "Attachments (0)" in lines
    assert tile(lines, "Average live engagement") == "—"
    assert tile(lines, "Total minutes viewed") == "0.0 min"


def test_long_tables_break_across_pages_with_the_heading_repeated_and_stop_at_the_cap() -> None:
    sessions = tuple(
        d.SessionActivity(f"s{i:03d}", live_seconds=600 - i, engaged_seconds=i, reactions=i % 5)
        for i in range(300)
    )
    catalog = {f"SES#s{i:03d}": d.CatalogEntry(f"Session {i:03d}") for i in range(300)}
    reader = render(dashboard(sessions=sessions, catalog=catalog))
    pages = page_lines(reader)
    assert len(pages) > 3
    row = re.compile(r"^Session \d{3} ")
    seen: list[str] = []
    for number, lines in enumerate(pages, start=1):
        assert lines[-1].endswith(f"Page {number} of {len(pages)}")
        rows = [i for i, line in enumerate(lines) if row.match(line)]
        if rows:
            assert SESSION_HEADING in lines[: rows[0]], f"page {number} has session rows without the heading"
        seen += [lines[i].split()[1] for i in rows]
    # The top 200 rows once each, in order, none lost at a break; then what the cap left out.
    assert seen == [f"{i:03d}" for i in range(200)]
    flat = [line for lines in pages for line in lines]
    last_row = max(i for i, line in enumerate(flat) if row.match(line))
    # 301 session rows: the helper's attachment a1 was downloaded from s1, which gets a row too.
    assert flat[last_row + 1] == "and 101 more — see the dashboard"
    assert sum("more — see the dashboard" in line for line in flat) == 1  # the short tables say nothing
    assert pages[1][0] == "Zoë Ångström — analytics report Event Analytics report"  # running header


SCRIPTS = {
    "latin": "Zoë Ångström-Nakamura Çağlar",
    "cyrillic": "Дмитрий Шостакович",
    "greek": "Όμηρος Παπαδόπουλος",
    "chinese": "中村美咲 深入讨论",
    "japanese": "さくら カタカナ 東京",
    "korean": "김민준 한국어 세션",
    "arabic": "محمد الأحمد",
    "hebrew": "שלום עליכם",
}
RIGHT_TO_LEFT = {"arabic", "hebrew"}


def _comparable(text: str) -> str:
    """NFKC folds Arabic presentation forms (what shaped glyphs may extract as) back to letters."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


def test_names_in_every_script_render_and_extract(caplog: pytest.LogCaptureFixture) -> None:
    sessions = tuple(d.SessionActivity(script, live_seconds=60) for script in SCRIPTS)
    catalog = {f"SES#{script}": d.CatalogEntry(name) for script, name in SCRIPTS.items()}
    with caplog.at_level(logging.WARNING, logger="fpdf"):
        reader = render(dashboard(name=SCRIPTS["latin"], sessions=sessions, catalog=catalog))
    assert not [r.message for r in caplog.records if "missing" in r.message], "a glyph is missing (tofu)"
    text = _comparable(all_text(reader))
    assert "\ufffd" not in text
    for script, name in SCRIPTS.items():
        expected = _comparable(name)
        if script in RIGHT_TO_LEFT:
            # Shaped right-to-left text is drawn in visual order; extractors give it back in logical
            # order (pypdf does, from fpdf2's ToUnicode maps) or in visual order, whole words
            # reversed. Either proves the glyphs are the right letters and not tofu.
            assert expected in text or expected[::-1] in text, script
        else:
            assert expected in text, script
    fonts = {str(font["/BaseFont"]).split("+")[-1] for font in _fonts(reader)}
    assert fonts == {"DejaVuSansBook", "DejaVuSansBold", "WenQuanYiMicroHei"}


@pytest.mark.parametrize("script", ["chinese", "japanese", "korean"])
def test_cells_after_a_fallback_font_cell_keep_their_font(script: str, tmp_path: Path) -> None:
    """fpdf2#1772: a cell that starts in the CJK fallback font left the cells after it drawn in
    the wrong font (garbled glyphs, or none: poppler's "No font in show")."""
    name = SCRIPTS[script]
    sessions = tuple(d.SessionActivity(f"x{i}", live_seconds=60 * (10 - i)) for i in range(6))
    titles = [name if i % 2 == 0 else f"Session {i}" for i in range(6)]
    catalog = {f"SES#x{i}": d.CatalogEntry(title) for i, title in enumerate(titles)}
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(render_report(dashboard(name=name, sessions=sessions, catalog=catalog), GENERATED))
    lines = page_lines(PdfReader(pdf))[0]
    assert lines[1] == name
    first_row = lines.index(SESSION_HEADING) + 1
    want = [f"{title} {10 - i}.0 {10 - i}.0 0.0 0.0% 0 0 0 0 0" for i, title in enumerate(titles)]
    assert lines[first_row : first_row + 6] == want
    rendered = subprocess.run(  # noqa: S603
        [_poppler("pdftoppm"), "-r", "20", str(pdf), str(tmp_path / "page")], capture_output=True, text=True
    )
    assert rendered.returncode == 0
    assert rendered.stderr == ""


def test_the_cjk_font_is_embedded_only_when_needed() -> None:
    reader = render(dashboard())
    assert {str(font["/BaseFont"]).split("+")[-1] for font in _fonts(reader)} == {
        "DejaVuSansBook",
        "DejaVuSansBold",
    }


def _fonts(reader: PdfReader) -> list[Any]:
    resources: list[Any] = [page["/Resources"] for page in reader.pages]
    return [font.get_object() for resource in resources for font in resource["/Font"].values()]


def _squashed(text: str) -> str:
    """Text without whitespace: a name is found whole whatever lines it was wrapped into."""
    return "".join(text.split())


# The longest names the models accept (models/events.py: 256 characters), none cut.
UNBROKEN = ("Averyveryverylongname" * 8)[:160]  # one word, 160 characters: breaks inside it
LONG_SESSION = ("Long session name, observability in practice: " * 6)[:255] + "Z"
LONG_VIDEO = ("Очень длинное название видео о наблюдаемости " * 6)[:255] + "Ж"
LONG_CJK = "".join(chr(0x4E00 + (i * 37) % 20_000) for i in range(256))
LONG_COMPANY = "Bigcorporationincorporated" * 9 + "Ltd"


def test_long_names_and_values_wrap_in_full_and_nothing_is_cut() -> None:
    assert len(UNBROKEN) == 160
    assert {len(LONG_SESSION), len(LONG_VIDEO), len(LONG_CJK)} == {256}
    activity = d.UserActivity(
        "e1",
        "u1",
        d.Profile(UNBROKEN, LONG_CJK, LONG_COMPANY[:256], "Media", "SE"),
        (d.SessionActivity("s1", 150), d.SessionActivity("s2", 95)),
        (d.VodActivity("v1", 125, duration=300),),
        (d.AttachmentActivity("a1", 2, ((("session", "s1"), 2),)),),
    )
    catalog = {
        "SES#s1": d.CatalogEntry(LONG_SESSION),
        "SES#s2": d.CatalogEntry("Panel"),
        "VOD#v1": d.CatalogEntry(LONG_VIDEO, duration=300),
        "ATT#a1": d.CatalogEntry(LONG_CJK, file_type="pdf", source_kind="session", source_id="s1"),
    }
    reader = render(d.rollup_user(activity, catalog, GENERATED))
    text = all_text(reader)
    assert "…" not in text
    squashed = _squashed(text)
    for value in (UNBROKEN, LONG_SESSION, LONG_VIDEO, LONG_CJK, LONG_COMPANY[:256]):
        assert _squashed(value) in squashed, value[:40]
    # Each wrapped over several lines, and every line of the unbroken name is a piece of it in order.
    lines = [line for page in page_lines(reader) for line in page]
    first = lines.index(UNBROKEN[: len(lines[1])])
    pieces = lines[first : first + 10]
    assert len(pieces[0]) < 160
    assert "".join(pieces)[:160] == UNBROKEN
    session = lines.index(SESSION_HEADING) + 1
    assert lines[session].startswith("Long session name,")
    assert len(lines[session]) < 60


def _boxes(pdf: Path) -> list[list[tuple[float, float, float, str]]]:
    """Each page's words as (xMin, yMin, xMax, text), from poppler."""
    out = subprocess.run(  # noqa: S603
        [_poppler("pdftotext"), "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return [
        [(float(a), float(b), float(c), html.unescape(w)) for a, b, c, w in BOX.findall(page)]
        for page in out.split("<page ")[1:]
    ]


BOX = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>')


def test_a_tall_row_keeps_its_cells_aligned_and_the_heading_repeats(tmp_path: Path) -> None:
    """Rows of 256-character names among short ones, over several pages: each row's numbers sit on its
    first line, right-aligned at the same x as every other row's, the name's further lines stay in
    their column, and every page of rows starts with the heading."""
    sessions = tuple(d.SessionActivity(f"s{i:03d}", live_seconds=6000 - i, reactions=i) for i in range(60))
    catalog = {
        f"SES#s{i:03d}": d.CatalogEntry(LONG_SESSION if i % 4 == 1 else f"Row{i:03d}") for i in range(60)
    }
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(render_report(dashboard(name=UNBROKEN, sessions=sessions, catalog=catalog), GENERATED))
    assert _squashed(all_text(PdfReader(pdf))).count(_squashed(LONG_SESSION)) == 15  # every one whole
    pages = _boxes(pdf)
    assert len(pages) >= 3
    columns: list[float] | None = None  # where the nine number columns end (right-aligned)
    seen: list[str] = []
    for number, words in enumerate(pages, start=1):
        headings = [y for _, y, _, w in words if w == "Session"]
        if not headings:
            assert not [w for *_, w in words if re.fullmatch(r"Row\d{3}", w)], (
                f"page {number}: rows, no heading"
            )
            continue
        (top,) = headings
        assert [w for _, y, _, w in sorted(words) if y == top] == SESSION_HEADING.split()
        name_column_ends = min(x for x, y, _, w in words if w == "Minutes" and y == top)
        # the next section's title ("Videos on demand") or the footer
        end = min(y for _, y, _, w in words if (w == "demand" and y > top) or w == "Generated")
        lines: dict[float, list[tuple[float, float, str]]] = {}
        for x0, y, x1, w in words:
            if top < y < end:
                lines.setdefault(round(y, 1), []).append((x0, x1, w))
        assert min(lines) > top
        for y in sorted(lines):
            row = sorted(lines[y])
            numbers = [(x1, w) for x0, x1, w in row if x0 > name_column_ends - 5]
            if not numbers:
                continue  # a wrapped name's further line: nothing beside it
            assert len(numbers) == 9, (number, row)  # all on the row's first line
            columns = columns or [x1 for x1, _ in numbers]
            assert [x1 for x1, _ in numbers] == pytest.approx(columns, abs=0.2), (number, row)
            if row[0][2] != "Keynote":  # the helper's download source, last
                seen.append(numbers[4][1])  # reactions: the session's index
    assert seen == [str(i) for i in range(60)]


def test_names_past_the_models_limit_wrap_in_full_across_pages() -> None:
    """2,000 characters (ten times what events may carry): the header's name and a table row taller
    than a page go on on the next pages, the row under its repeated heading, nothing left out."""
    long_title = "Ω" + "x" * 1999
    hostile = "\x00Evil\x07 Name\u202e\ttab\r\nnext\x1b[31m"
    sessions = (d.SessionActivity("s1", live_seconds=60), d.SessionActivity("s2", live_seconds=30))
    catalog = {"SES#s1": d.CatalogEntry(long_title), "SES#s2": d.CatalogEntry(hostile)}
    reader = render(dashboard(name="Ä" * 2000, sessions=sessions, catalog=catalog))
    pages = page_lines(reader)
    text = "\n".join("\n".join(lines) for lines in pages)
    assert not [c for c in text if unicodedata.category(c) in ("Cc", "Cf") and c != "\n"]
    # Between each page's running header (past 8 lines, reached only by names past the models'
    # limit, it ends with an ellipsis) and its footer, everything is there.
    body = [
        lines[lines.index("Event Analytics report") + 1 if number else 0 : -1]
        for number, lines in enumerate(pages)
    ]
    flat = [line for lines in body for line in lines]
    assert not [line for line in flat if "…" in line]
    assert "Ä" * 2000 in _squashed("\n".join(flat))
    assert long_title in _squashed("\n".join(flat))
    assert "Evil Name tab next[31m 0.5 0.5 0.0 0.0% 0 0 0 0 0" in flat
    # The row starts under the heading and, past the page's end, goes on under the heading again.
    # The session row (a column of 23 characters a line) starts under the heading and, past the
    # page's end, goes on under the heading again.
    with_row = [lines for lines in body if any(len(line) == 23 and set(line) <= {"x", "Ω"} for line in lines)]
    assert len(with_row) >= 2
    for lines in with_row:
        heading = lines.index(SESSION_HEADING)
        assert lines[:heading] in ([], ["Sessions"])
        assert set(lines[heading + 1]) <= {"x", "Ω"}
    assert len(pages) >= 4


def test_the_longest_file_label_fits_its_badge() -> None:
    docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    board = dashboard(catalog={"ATT#a3": d.CatalogEntry("Notes", file_type=docx)})
    assert board.attachments.items[1].fileLabel == "DOCUMENT"
    assert "DOCUMENT Notes — 1" in page_lines(render(board))[0]


def test_characters_no_font_has_show_as_a_replacement_mark() -> None:
    catalog = {"SES#s1": d.CatalogEntry("Demo \U00013000 hieroglyph")}  # no shipped font has it
    lines = page_lines(render(dashboard(sessions=(d.SessionActivity("s1", 60),), catalog=catalog)))[0]
    assert any(line.startswith("Demo \ufffd hieroglyph") for line in lines)


# Shaped scripts and emoji, each with the shipped font that draws it.
SHAPED = {
    "devanagari": ("अनन्या शर्मा नमस्ते", "NotoSansDevanagari"),
    "bengali": ("সুমন চক্রবর্তী", "NotoSansBengali"),
    "tamil": ("கார்த்திக் சுப்பிரமணியம்", "NotoSansTamil"),
    "thai": ("สมชาย ใจดี", "NotoSansThai"),
    "gurmukhi": ("ਹਰਪ੍ਰੀਤ ਸਿੰਘ", "NotoSansGurmukhi"),
    "gujarati": ("અમિત પટેલ", "NotoSansGujarati"),
    "oriya": ("ସୁବ୍ରତ ଦାସ", "NotoSansOriya"),
    "telugu": ("వెంకట రావు", "NotoSansTelugu"),
    "kannada": ("ಕಿರಣ್ ಕುಮಾರ್", "NotoSansKannada"),
    "malayalam": ("അനിൽ കുമാർ", "NotoSansMalayalam"),
    "sinhala": ("සුනිල් පෙරේරා", "NotoSansSinhala"),
    "myanmar": ("အောင် ကျော်", "NotoSansMyanmar"),
    "khmer": ("សុខ ចាន់", "NotoSansKhmer"),
    "ethiopic": ("አበበ በቀለ", "NotoSansEthiopic"),
    "emoji": ("Demo 🎉👏😀🚀❤", "NotoEmoji"),
}


@pytest.mark.parametrize("script", sorted(SHAPED))
def test_every_script_renders_with_its_font_and_no_missing_glyph(script: str, tmp_path: Path) -> None:
    """The name in the header and a session row: poppler extracts the same text back, the script's
    font is embedded, and rendering the page reports nothing missing."""
    name, font = SHAPED[script]
    catalog = {"SES#s1": d.CatalogEntry(name)}
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(
        render_report(
            dashboard(name=name, sessions=(d.SessionActivity("s1", 60),), catalog=catalog), GENERATED
        )
    )
    text = subprocess.run(  # noqa: S603
        [_poppler("pdftotext"), "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "\ufffd" not in text
    # Header and session row, characters in order (poppler may break a shaped word with a space
    # or, for Oriya's stacked marks, a line).
    assert "".join(text.split()).count("".join(name.split())) >= 2, text[:400]
    assert font in {str(f["/BaseFont"]).split("+")[-1] for f in _fonts(PdfReader(pdf))}
    rendered = subprocess.run(  # noqa: S603
        [_poppler("pdftoppm"), "-r", "20", str(pdf), str(tmp_path / "page")], capture_output=True, text=True
    )
    assert (rendered.returncode, rendered.stderr) == (0, "")


# ---- poppler: where glyphs land, and that pages really draw something


def _poppler(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.fail(f"{tool} is missing: install poppler-utils (apt-get install poppler-utils)")
    return path


WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)"[^>]*>([^<]*)</word>')


def test_right_to_left_names_are_laid_out_right_to_left(tmp_path: Path) -> None:
    """With shaping, the first word of an Arabic or Hebrew name sits to the right of the second.

    Poppler reports the words of shaped right-to-left text in visual order with their letters
    reversed, and a lam-alef ligature extracts as its two letters, so words are matched by their
    letters (as a multiset) rather than spelling; their x positions prove the direction.
    """
    names = {"s7": "محمد الأحمد", "s8": "שלום עליכם"}
    sessions = tuple(d.SessionActivity(sid, live_seconds=60) for sid in names)
    catalog = {f"SES#{sid}": d.CatalogEntry(name) for sid, name in names.items()}
    pdf = tmp_path / "rtl.pdf"
    pdf.write_bytes(render_report(dashboard(sessions=sessions, catalog=catalog), GENERATED))
    out = subprocess.run(  # noqa: S603
        [_poppler("pdftotext"), "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    words = [(float(x), float(y), html.unescape(w)) for x, y, w in WORD.findall(out)]

    def where(word: str) -> tuple[float, float]:
        letters = sorted(_comparable(word))
        (found,) = [(x, y) for x, y, w in words if sorted(_comparable(w)) == letters]
        return found

    for name in names.values():
        first, second = name.split()
        (x1, y1), (x2, y2) = where(first), where(second)
        assert y1 == y2
        assert x1 > x2, f"{name!r} is laid out left to right"


def _pgm_dark_share(path: Path) -> float:
    """Share of pixels darker than near-white in a binary PGM (P5) file."""
    data = path.read_bytes()
    fields: list[bytes] = []
    position = 0
    while len(fields) < 4:  # magic, width, height, maxval (comments start with #)
        while data[position : position + 1].isspace():
            position += 1
        if data[position : position + 1] == b"#":
            position = data.index(b"\n", position) + 1
            continue
        end = position
        while not data[end : end + 1].isspace():
            end += 1
        fields.append(data[position:end])
        position = end
    assert fields[0] == b"P5", fields[0]
    width, height, maxval = (int(f) for f in fields[1:])
    pixels = data[position + 1 : position + 1 + width * height]
    assert len(pixels) == width * height
    assert maxval == 255
    return sum(1 for p in pixels if p < 230) / len(pixels)


def test_rendered_pages_are_not_blank(tmp_path: Path) -> None:
    pdftoppm = _poppler("pdftoppm")
    sessions = tuple(d.SessionActivity(f"s{i}", live_seconds=60 + i) for i in range(80))
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(render_report(dashboard(sessions=sessions), GENERATED))
    subprocess.run([pdftoppm, "-gray", "-r", "40", str(pdf), str(tmp_path / "page")], check=True)  # noqa: S603
    images = sorted(tmp_path.glob("page-*.pgm"))
    assert len(images) == len(PdfReader(pdf).pages) >= 2
    shares = [_pgm_dark_share(image) for image in images]
    assert all(share > 0.02 for share in shares), shares  # text, tiles and bars: a few percent of ink
    assert all(share < 0.6 for share in shares), shares  # and not a page painted over
