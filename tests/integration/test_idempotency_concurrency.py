"""The same Idempotency-Key from five Lambda containers at once: forwarded once, one answer."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from tests.support import events as ev
from tests.support.stream import read_stream

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def moto_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    from infra.moto_server import AtomicMotoServer
    from infra.provision import provision

    server = AtomicMotoServer()
    server.start()
    host, port = server.get_host_and_port()
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://{host}:{port}")
    env = provision(prefix="conc", shard_count=1).environment()
    yield {
        **os.environ,
        **env,
        "PYTHONPATH": f"{ROOT / 'functions'}:{ROOT}",
        "PUT_RECORDS_BACKOFF_SECONDS": "0",
    }
    server.stop()


def test_five_concurrent_requests_with_one_key(moto_server: dict[str, str], tmp_path: Path) -> None:
    events = [ev.chat("s1"), ev.live("s1", 10, 5), ev.live("s1", 99)]
    body = tmp_path / "events.json"
    body.write_text(json.dumps(events), encoding="utf-8")
    processes = [
        subprocess.Popen(  # noqa: S603 - our own module
            [
                sys.executable,
                "-m",
                "tests.support.post_once",
                "same-key",
                str(body),
                str(tmp_path),
                "5",
            ],
            cwd=ROOT,
            env=moto_server,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(5)
    ]
    results = []
    for process in processes:
        out, err = process.communicate(timeout=900)
        assert process.returncode == 0, err.decode()[-2000:]
        results.append(json.loads(out.decode().strip().splitlines()[-1]))
    timeouts = sorted(p.name for p in tmp_path.glob("timed-out-*"))
    assert not timeouts, f"a rendezvous timed out, the overlap is unproven: {timeouts}"
    statuses = sorted(r["status"] for r in results)
    # The one that forwards holds its request in flight until the other four were answered
    # (tests/support/post_once.py): so they overlapped, and each of them saw it in flight.
    assert statuses == [202, 409, 409, 409, 409], results
    first = next(r for r in results if r["status"] == 202)
    assert first["body"]["accepted"] == 2
    for r in results:
        if r["status"] == 409:
            assert r["body"]["error"]["code"] == "request_in_flight"
    kinesis = boto3.client("kinesis", region_name="us-east-1")
    forwarded = [r for records in read_stream(kinesis, moto_server["STREAM_NAME"]).values() for r in records]
    assert len(forwarded) == 2  # forwarded once, whatever the interleaving
