"""Invoke the collector once, in its own process, at a given moment (concurrency tests).

    python -m tests.support.post_once <start-epoch> <idempotency-key> <events-json-file> <rendezvous-dir> <n>
Prints ``{"status": ..., "body": ...}``. AWS endpoint and resource names come from the environment.

The rendezvous proves the requests overlap: the process that gets to forward (PutRecords) holds
its request in flight until the other ``n - 1`` processes have had their answer.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path


def hold_until_the_others_answered(rendezvous: Path, others: int) -> None:
    def wait(**_: object) -> None:
        deadline = time.monotonic() + 150  # a busy CI machine may take long to start the others
        while len(list(rendezvous.glob("answered-*"))) < others and time.monotonic() < deadline:
            time.sleep(0.02)

    from shared.clients import client

    client("kinesis").meta.events.register("before-call.kinesis.PutRecords", wait)


def main() -> None:
    start, key, path = float(sys.argv[1]), sys.argv[2], sys.argv[3]
    rendezvous, processes = Path(sys.argv[4]), int(sys.argv[5])
    with open(path, encoding="utf-8") as handle:
        events = json.load(handle)
    from ingest.collector import handler  # imported before the start line: cold start is not the race
    from tests.support.lambda_events import FakeContext, claims, http_event

    event = http_event(
        "POST", "/v1/interactions", body={"events": events}, headers={"Idempotency-Key": key}, jwt=claims()
    )
    hold_until_the_others_answered(rendezvous, processes - 1)
    time.sleep(max(0.0, start - time.time()))
    response = handler(event, FakeContext())
    (rendezvous / f"answered-{os.getpid()}").touch()
    print(json.dumps({"status": response["statusCode"], "body": json.loads(response["body"])}))


if __name__ == "__main__":
    main()
