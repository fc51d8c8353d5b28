"""Invoke the collector once, in its own process, at a given moment (concurrency tests).

    python -m tests.support.post_once <idempotency-key> <events-json-file> <rendezvous-dir> <n>
Prints ``{"status": ..., "body": ...}``. AWS endpoint and resource names come from the environment.

Two rendezvous in ``<rendezvous-dir>``: every process waits until all ``n`` have imported the
handler (so cold start is not the race), and the process that gets to forward (PutRecords) holds
its request in flight until the other ``n - 1`` have had their answer, which proves they overlapped.
The invocation is given 10 minutes so its in-flight record outlives both waits on a busy machine.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

WAIT_SECONDS = 400  # a busy machine may take minutes to start five interpreters (seen: > 150 s)
INVOCATION_MS = 600_000  # the in-flight record expires with the invocation: longer than any wait


def wait_for(rendezvous: Path, pattern: str, count: int) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while len(list(rendezvous.glob(pattern))) < count:
        if time.monotonic() > deadline:  # said, so a failure names its cause
            (rendezvous / f"timed-out-{pattern.rstrip('-*')}-{os.getpid()}").touch()
            return
        time.sleep(0.02)


def hold_until_the_others_answered(rendezvous: Path, others: int) -> None:
    from shared.clients import client

    client("kinesis").meta.events.register(
        "before-call.kinesis.PutRecords", lambda **_: wait_for(rendezvous, "answered-*", others)
    )


def main() -> None:
    key, path, rendezvous, processes = sys.argv[1], sys.argv[2], Path(sys.argv[3]), int(sys.argv[4])
    with open(path, encoding="utf-8") as handle:
        events = json.load(handle)
    from ingest.collector import handler
    from tests.support.lambda_events import FakeContext, claims, http_event

    event = http_event(
        "POST", "/v1/interactions", body={"events": events}, headers={"Idempotency-Key": key}, jwt=claims()
    )
    hold_until_the_others_answered(rendezvous, processes - 1)
    (rendezvous / f"ready-{os.getpid()}").touch()
    wait_for(rendezvous, "ready-*", processes)
    response = handler(event, FakeContext(remaining_ms=INVOCATION_MS))
    (rendezvous / f"answered-{os.getpid()}").touch()
    print(json.dumps({"status": response["statusCode"], "body": json.loads(response["body"])}))


if __name__ == "__main__":
    main()
