"""Freshness in the local stack: POST /v1/interactions -> visible in the dashboard JSON."""

from __future__ import annotations

import json
import sys
import time
from typing import Any

from benchmarks.common import header, ratio
from benchmarks.load import _call, percentile, start_stack


def main(size: str = "full", window: float = 2.0) -> dict[str, Any]:
    from infra import tokens

    header("freshness")
    posts = 50 if size == "full" else 3
    token = tokens.issue("fresh", "analytics:ingest analytics:read", ["fresh"])
    latencies: list[float] = []
    with start_stack(window) as base:
        for n in range(posts):
            user = f"f{n}"
            event = {
                "id": f"fresh-{n}",
                "type": "view.heartbeat",
                "time": "2026-01-01T00:00:00Z",
                "eventId": "fresh",
                "userId": user,
                "data": {"kind": "live", "sessionId": "s1", "seconds": 7},
            }
            posted = time.monotonic()
            status, _, _ = _call(
                f"{base}/v1/interactions", token, "POST", json.dumps({"events": [event]}).encode()
            )
            assert status == 202
            while time.monotonic() - posted < window + 30:
                status, body, _ = _call(f"{base}/v1/events/fresh/users/{user}/analytics", token)
                if status == 200 and body["kpis"]["viewedSeconds"] == 7:
                    break
                time.sleep(0.05)
            latencies.append(time.monotonic() - posted)
    p50, p95 = percentile(latencies, 0.5), percentile(latencies, 0.95)
    print(
        f"{posts} posts, batching window {window} s: p50 {p50:.2f} s, p95 {p95:.2f} s, max {max(latencies):.2f} s"
    )
    ratio("freshness_p95_vs_window_plus_5s", p95 / (window + 5), "<= 1")
    return {"p50": p50, "p95": p95}


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "full")
