"""Report: render time, peak RSS and file size for a 1-page and a 10-page PDF, names in 4+ scripts.

Each size renders in a fresh process, so peak RSS is the report's own (fonts and fpdf2 included).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

from benchmarks.common import ROOT, header, ratio

NAMES = ["Zoë Ångström", "Дмитрий Иванов", "Αλέξανδρος Παπαδόπουλος", "山田 太郎", "محمد الحسن", "נועה כהן"]

_CHILD = r"""
import json, sys, time
from datetime import UTC, datetime
sys.path.insert(0, "functions")
from domain.dashboard import *
sessions_n, name = int(sys.argv[1]), sys.argv[2]
titles = ["Opening keynote", "Данные в реальном времени", "Η τέχνη του API", "イベント駆動", "تحليلات الجمهور", "עיצוב"]
sessions = tuple(SessionActivity(f"s{i}", 600 + i, 60, 400, i % 5, i % 2, 3, 1, 1) for i in range(sessions_n))
catalog = {f"SES#s{i}": CatalogEntry(f"{titles[i % len(titles)]} {i}") for i in range(sessions_n)}
activity = UserActivity("e", "u", Profile(name, "Speaker", "Acme", "Media", "SE"), sessions,
    tuple(VodActivity(f"v{i}", 300, frozenset(range(i * 10)), frozenset(), 600) for i in range(6)),
    tuple(AttachmentActivity(f"a{i}", 2, ((("session", "s0"), 2),)) for i in range(8)), 3)
board = rollup_user(activity, catalog, datetime.now(UTC))
began = time.perf_counter()
from report.render import render_report
pdf = render_report(board, datetime.now(UTC))
took = time.perf_counter() - began
pages = pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")
# VmHWM, not ru_maxrss: on Linux ru_maxrss carries the parent's peak across fork+exec.
hwm = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM"))
print(json.dumps({"seconds": took, "bytes": len(pdf), "pages": pages, "rss_mb": hwm / 1024}))
"""


def render(sessions: int, name: str) -> dict[str, Any]:
    out = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", _CHILD, str(sessions), name],
        cwd=ROOT,
        env={
            **os.environ,
            "PYTHONPATH": os.pathsep.join(str(ROOT / d) for d in ("functions", "layers/report")),
        },
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(size: str = "full") -> dict[str, Any]:
    header("report render")
    results: dict[str, Any] = {}
    cases = {"1 page": 2, "10 pages": 380} if size == "full" else {"1 page": 2}
    names = NAMES if size == "full" else NAMES[:1]
    for label, sessions in cases.items():
        runs = [render(sessions, name) for name in names]
        worst = {k: max(r[k] for r in runs) for k in ("seconds", "bytes", "rss_mb", "pages")}
        results[label] = worst
        print(
            f"{label:>8} ({sessions} sessions, names in {len(names)} scripts): worst {worst['seconds'] * 1000:.0f} ms "
            f"(first render, fpdf2 import included), {worst['rss_mb']:.0f} MB peak RSS, "
            f"{worst['bytes'] / 1024:.0f} KB, {worst['pages']} pages"
        )
    big = results.get("10 pages", results["1 page"])
    ratio("report_seconds_vs_1.5s", big["seconds"] / 1.5, "<= 1")
    ratio("report_rss_vs_150MB", big["rss_mb"] / 150, "<= 1")
    ratio("report_bytes_vs_500KB", big["bytes"] / 500_000, "<= 1")
    return results


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "full")
