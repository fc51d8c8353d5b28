"""Load on the local stack (loopback only, bounded): 50 producers and 20 dashboard readers.

    python -m benchmarks.load [--duration 60] [--producers 50] [--readers 20]

Producers post 500-heartbeat batches (1 s each, over a fixed set of users and sessions) for
``--duration`` seconds; readers fetch dashboards meanwhile. Afterwards it waits for the
stream to drain and checks that the live seconds in the session totals equal the
heartbeats accepted: nothing lost, nothing doubled. Prints latency percentiles and the
check last.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import statistics
import sys
import threading
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
EVENT = "load-test"
SESSIONS = [f"s{i}" for i in range(4)]
USERS = [f"u{i:03d}" for i in range(50)]
BATCH = 500


START = datetime(2026, 1, 1, tzinfo=UTC)


def _call(url: str, token: str, method: str = "GET", body: bytes | None = None) -> tuple[int, Any, float]:
    request = urllib.request.Request(  # noqa: S310 - loopback only
        url,
        data=body,
        method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    began = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
            payload = json.loads(response.read() or b"null")
            status = response.status
    except urllib.error.HTTPError as error:
        payload, status = json.loads(error.read() or b"null"), error.code
    return status, payload, time.perf_counter() - began


def start_stack(window: float) -> contextlib.AbstractContextManager[str]:
    import tempfile

    from tests.support.local_stack import running_stack

    # A log, so a stack that won't stop shows its threads in the error (tests/support/local_stack.py).
    log = Path(tempfile.gettempdir()) / f"event-analytics-stack-{os.getpid()}.log"
    return running_stack(window, log)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def run(duration: float, producers: int, readers: int, window: float, size: str = "full") -> dict[str, Any]:
    from benchmarks.common import header
    from infra import tokens

    header(f"load ({producers} producers x {BATCH}-event batches, {readers} readers, {duration:.0f} s)")
    ingest = tokens.issue("load-producer", "analytics:ingest", [EVENT])
    read = tokens.issue("load-reader", "analytics:read", [EVENT])
    with start_stack(window) as base:
        counter = itertools.count()
        lock = threading.Lock()
        post_latency: list[float] = []
        get_latency: list[float] = []
        errors: list[str] = []
        accepted = [0]
        stop_at = time.monotonic() + duration

        def producer(n: int) -> None:
            while time.monotonic() < stop_at:
                first = next(counter) * BATCH
                events = [
                    {
                        "id": f"load-{first + i}",
                        "type": "view.heartbeat",
                        # One second of its own per event: viewing counts each second once.
                        "time": (START + timedelta(seconds=first + i + 1)).isoformat(),
                        "eventId": EVENT,
                        "userId": USERS[(first + i) % len(USERS)],
                        "data": {
                            "kind": "live",
                            "sessionId": SESSIONS[(first + i) % len(SESSIONS)],
                            "seconds": 1,
                        },
                    }
                    for i in range(BATCH)
                ]
                status, body, took = _call(
                    f"{base}/v1/interactions", ingest, "POST", json.dumps({"events": events}).encode()
                )
                with lock:
                    post_latency.append(took)
                    if status == 202:
                        accepted[0] += body["accepted"]
                    else:
                        errors.append(f"POST {status}: {str(body)[:120]}")

        def reader(n: int) -> None:
            while time.monotonic() < stop_at:
                status, _, took = _call(
                    f"{base}/v1/events/{EVENT}/users/{USERS[n % len(USERS)]}/analytics", read
                )
                with lock:
                    get_latency.append(took)
                    if status not in (200, 404):  # 404 until the user's first batch is aggregated
                        errors.append(f"GET {status}")
                time.sleep(0.05)

        threads = [threading.Thread(target=producer, args=(i,)) for i in range(producers)]
        threads += [threading.Thread(target=reader, args=(i,)) for i in range(readers)]
        began = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        sent_for = time.monotonic() - began

        aggregated, drain_started = 0, time.monotonic()
        while time.monotonic() - drain_started < (600 if size == "full" else 120):
            aggregated = 0
            for session in SESSIONS:
                status, body, _ = _call(
                    f"{base}/v1/events/{EVENT}/sessions/{session}/analytics?limit=1", read
                )
                aggregated += body["totals"]["liveSeconds"] if status == 200 else 0
            if aggregated >= accepted[0]:
                break
            time.sleep(1)
        drained_in = time.monotonic() - drain_started
    result = {
        "producers": producers,
        "readers": readers,
        "seconds": round(sent_for, 1),
        "events_accepted": accepted[0],
        "events_aggregated": aggregated,
        "ingest_events_per_s": round(accepted[0] / sent_for),
        "post_p50_ms": round(1000 * percentile(post_latency, 0.5)),
        "post_p95_ms": round(1000 * percentile(post_latency, 0.95)),
        "post_p99_ms": round(1000 * percentile(post_latency, 0.99)),
        "get_p50_ms": round(1000 * percentile(get_latency, 0.5)),
        "get_p95_ms": round(1000 * percentile(get_latency, 0.95)),
        "get_p99_ms": round(1000 * percentile(get_latency, 0.99)),
        "requests": len(post_latency) + len(get_latency),
        "errors": len(errors),
        "drain_s": round(drained_in, 1),
        "mean_post_ms": round(1000 * statistics.fmean(post_latency)) if post_latency else None,
    }
    for name, value in result.items():
        print(f"{name}: {value}")
    print(f"ratio lost_events: {accepted[0] - aggregated} (must be 0)")
    print(f"ratio errors: {len(errors)} (must be 0){' first: ' + errors[0] if errors else ''}")
    return result


def main(size: str = "full", argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=60 if size == "full" else 3)
    parser.add_argument("--producers", type=int, default=50 if size == "full" else 2)
    parser.add_argument("--readers", type=int, default=20 if size == "full" else 2)
    parser.add_argument("--window", type=float, default=2.0)
    args = parser.parse_args(argv if argv is not None else [])
    return run(args.duration, args.producers, args.readers, args.window, size)


if __name__ == "__main__":
    outcome = main("full", sys.argv[1:])
    sys.exit(0 if outcome["events_accepted"] == outcome["events_aggregated"] and not outcome["errors"] else 1)
