"""Invoke the collector once, in its own process, at a given moment (concurrency tests).

    python -m tests.support.post_once <start-epoch> <idempotency-key> <events-json-file>
Prints ``{"status": ..., "body": ...}``. AWS endpoint and resource names come from the environment.
"""

from __future__ import annotations

import json
import sys
import time


def main() -> None:
    start, key, path = float(sys.argv[1]), sys.argv[2], sys.argv[3]
    with open(path, encoding="utf-8") as handle:
        events = json.load(handle)
    from ingest.collector import handler  # imported before the start line: cold start is not the race
    from tests.support.lambda_events import FakeContext, claims, http_event

    event = http_event(
        "POST", "/v1/interactions", body={"events": events}, headers={"Idempotency-Key": key}, jwt=claims()
    )
    time.sleep(max(0.0, start - time.time()))
    response = handler(event, FakeContext())
    print(json.dumps({"status": response["statusCode"], "body": json.loads(response["body"])}))


if __name__ == "__main__":
    main()
