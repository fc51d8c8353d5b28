"""Collector: events/s on one core through validation and PutRecords (fake Kinesis client)."""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import time
from typing import Any
from unittest.mock import patch

from benchmarks.common import header, ratio, synthetic_event

os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ.setdefault("TABLE_NAME", "bench")
os.environ.setdefault("STREAM_NAME", "bench")
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")


class FakeKinesis:
    def __init__(self) -> None:
        self.records = 0

    def put_records(self, StreamName: str, Records: list[dict[str, Any]]) -> dict[str, Any]:
        self.records += len(Records)
        return {"FailedRecordCount": 0, "Records": [{"SequenceNumber": "1", "ShardId": "s"} for _ in Records]}


def request(events: list[dict[str, Any]]) -> dict[str, Any]:
    from tests.support.lambda_events import claims, http_event

    return http_event("POST", "/v1/interactions", body={"events": events}, jwt=claims())


def main(size: str = "full") -> dict[int, float]:
    import warnings

    from ingest import collector
    from shared import settings

    settings.get_settings.cache_clear()
    warnings.filterwarnings("ignore")
    header("collector throughput")
    kinesis = FakeKinesis()
    # The only AWS call on this path. (patch.object: the collector imports ``client``, it doesn't export it.)
    with patch.object(collector, "client", lambda service: kinesis):
        return _measure(collector, size)


def _measure(collector: Any, size: str) -> dict[int, float]:
    from tests.support.lambda_events import FakeContext

    pool = [e for e in synthetic_event(attendees=10) if not e.pop("_at", None) or True][:5000]
    total = 60_000 if size == "full" else 2_000
    results = {}
    for per_request in (1, 100, 500):
        batches = [pool[i % len(pool) : i % len(pool) + per_request] for i in range(0, total, per_request)]
        events = [request(b) for b in batches if len(b) == per_request]
        with contextlib.redirect_stdout(io.StringIO()):  # the handler's EMF metrics, as in Lambda
            collector.handler(events[0], FakeContext())  # warm
            began = time.process_time()
            for event in events:
                response = collector.handler(event, FakeContext())
                assert response["statusCode"] == 202, response["body"]
            cpu = time.process_time() - began
        sent = len(events) * per_request
        results[per_request] = sent / cpu
        print(
            f"{per_request:>3} events/request: {sent} events in {cpu:.2f} CPU s = {sent / cpu:,.0f} events/s per core"
        )
    assert json.dumps(results)
    ratio("collector_events_per_s_per_core@500", results[500], ">= 20000")
    return results


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "full")
