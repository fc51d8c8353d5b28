"""The report's shortcuts around fpdf2's per-character costs give fpdf2's own answers."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest
from fpdf import unicode_script as fpdf_scripts

from report.document import ReportDocument, unicode_script

SAMPLES = [
    "Zoë Ångström-Nakamura Çağlar",
    "Дмитрий Иванов",
    "Αλέξανδρος Παπαδόπουλος",
    "山田 太郎 中村 イベント駆動アーキテクチャ 데이터 분석",
    "Emoji 😀🎉🚀 mixed with 漢字 and Latin",
    "x" * 300,
]


def test_script_lookup_by_bisection_matches_fpdf2_at_every_range_boundary() -> None:
    codes = {0, 0x10FFFF, 0xE0080}
    for start, end, _ in fpdf_scripts.UNICODE_RANGE_TO_SCRIPT:
        codes |= {start - 1, start, end, end + 1}
    rng = random.Random(7)
    codes |= {rng.randrange(0x110000) for _ in range(500)}
    for code in sorted(c for c in codes if 0 <= c <= 0x10FFFF and not 0xD800 <= c <= 0xDFFF):
        char = chr(code)
        assert unicode_script(char) == fpdf_scripts.get_unicode_script.__wrapped__(char), hex(code)


def test_linear_measure_equals_fpdf2s_string_width() -> None:
    doc = ReportDocument(datetime(2026, 11, 20, tzinfo=UTC), "t", SAMPLES)
    doc.add_page()
    for size, bold in ((7.0, False), (8.0, True), (20.0, True)):
        doc.style(size, bold=bold)
        for text in SAMPLES:
            for prefix in (text, text[:7], text[:1], ""):
                expected = doc.get_string_width(prefix)
                assert doc.measure(prefix) == pytest.approx(expected, rel=1e-9, abs=1e-9), prefix
