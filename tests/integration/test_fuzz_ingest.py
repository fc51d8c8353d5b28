"""Fuzzing the ingest API: whatever a producer sends, no 5xx, envelopes on 4xx, good events kept."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import Aws
from tests.support import events as ev
from tests.support.pipeline import post_interactions

JSON_LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=300),
)
JSON = st.recursive(
    JSON_LEAVES,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=20,
)
BOUNDARY_NUMBERS = st.sampled_from(
    [-1, 0, 1, 59, 60, 61, 2**31, 2**63, -(2**63), 1e308, 0.5, 59.999, "10", True]
)
FIELDS = ["id", "type", "time", "eventId", "userId", "data"]
DATA_FIELDS = [
    "kind",
    "sessionId",
    "vodId",
    "seconds",
    "engagedSeconds",
    "position",
    "durationSeconds",
    "name",
]


@st.composite
def mutated_event(draw: st.DrawFn) -> Any:
    """A valid heartbeat with one part broken in a way producers actually break things."""
    event: dict[str, Any] = ev.vod("v1", 10, 30, 100, id=f"fz-{draw(st.integers(0, 10**9))}")
    how = draw(st.integers(0, 8))
    if how == 0:
        event[draw(st.sampled_from(FIELDS))] = draw(JSON)
    elif how == 1:
        event["data"][draw(st.sampled_from(DATA_FIELDS))] = draw(BOUNDARY_NUMBERS)
    elif how == 2:
        event[draw(st.sampled_from(["id", "userId", "eventId"]))] = "x" * draw(st.integers(120, 5000))
    elif how == 3:
        event["type"] = draw(st.text(max_size=40))
    elif how == 4:
        event["time"] = draw(
            st.sampled_from(["2099-01-01T00:00:00Z", "2026-13-45T99:00:00Z", "now", "", None, 0])
        )
    elif how == 5:
        nested: Any = 1
        for _ in range(draw(st.integers(10, 200))):
            nested = {"a": nested}
        event["data"]["deep"] = nested
    elif how == 6:
        del event[draw(st.sampled_from(FIELDS))]
    elif how == 7:
        event["data"] = draw(JSON)
    else:
        return draw(JSON)
    return event


def assert_envelope(body: dict) -> None:
    assert set(body["error"]) <= {"code", "message", "details"}
    assert body["error"]["code"].replace("_", "").isalpha()
    assert "Traceback" not in json.dumps(body)


@pytest.fixture
def forwarded(aws: Aws, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Ids of the events the collector hands to Kinesis (cheaper than reading the stream back)."""
    from ingest import collector

    sent: list[str] = []
    real_forward = vars(collector)["forward"]  # imported by the collector, not exported

    def spy(kinesis: Any, stream: str, records: list, attempts: int, backoff: float) -> list:
        sent.extend(json.loads(r.data)["id"] for r in records)
        return real_forward(kinesis, stream, records, attempts, backoff)

    monkeypatch.setattr(collector, "forward", spy)
    return sent


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(bad=st.lists(mutated_event(), min_size=1, max_size=6), good_count=st.integers(0, 3))
def test_mixed_batches_never_5xx_and_keep_the_good_events(
    forwarded: list[str], bad: list[Any], good_count: int
) -> None:
    good = [ev.chat("s1") for _ in range(good_count)]
    forwarded.clear()
    status, body, _ = post_interactions([*good, *bad])
    assert status < 500, body
    if status >= 400:
        assert_envelope(body)
    if good:
        assert status == 202, body
        assert {e["id"] for e in good} <= set(forwarded)
    assert body.get("accepted", 0) == len(forwarded)
    assert all(r["index"] < len(good) + len(bad) for r in body.get("rejected", []))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.one_of(st.binary(max_size=2000), st.text(max_size=2000), JSON.map(json.dumps)))
def test_arbitrary_bodies_get_a_4xx_envelope_or_a_202(forwarded: list[str], raw: Any) -> None:
    text = raw.decode("utf-8", errors="surrogateescape") if isinstance(raw, bytes) else raw
    status, body, _ = post_interactions(raw_body=text)
    assert status < 500, body
    assert status == 202 or status >= 400
    if status >= 400:
        assert_envelope(body)


def test_invalid_utf8_is_a_400(aws: Aws) -> None:
    from ingest.collector import handler
    from tests.support.lambda_events import FakeContext, claims, http_event

    event = http_event(
        "POST", "/v1/interactions", jwt=claims(), raw_body=b'{"events": ["\xff"]}', base64_body=True
    )
    assert event["body"] == "eyJldmVudHMiOiBbIv8iXX0="
    response = handler(event, FakeContext())
    assert response["statusCode"] == 400
    assert json.loads(response["body"])["error"]["code"] == "invalid_json"
