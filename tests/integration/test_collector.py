"""The ingest HTTP contract of SPEC section 3, through the real collector handler."""

from __future__ import annotations

import gzip
import json
from typing import Any

import pytest

from tests.conftest import Aws
from tests.support import events as ev
from tests.support.faults import PartialFailures
from tests.support.lambda_events import claims
from tests.support.pipeline import post_interactions, stream_records


def forwarded(aws: Aws) -> list[dict]:
    from tests.support.stream import decoded

    return [json.loads(decoded(r)) for r in stream_records(aws.client("kinesis"), aws.stream)]


def assert_envelope(body: dict, code: str) -> None:
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str)
    assert body["error"]["message"]


def test_valid_neighbours_of_invalid_events_are_forwarded(aws: Aws) -> None:
    bad = ev.live("s1", 61)
    status, body, _ = post_interactions([ev.live("s1", 10, 5, time=ev.BASE_TIME), bad, ev.chat("s1")])
    assert status == 202
    assert body == {
        "accepted": 2,
        "rejected": [
            {
                "index": 1,
                "id": bad["id"],
                "errors": [{"field": "data.seconds", "message": "must be between 1 and 60"}],
            }
        ],
    }
    sent = forwarded(aws)
    assert [e["type"] for e in sent] == ["view.heartbeat", "chat.message.sent"]
    assert sent[0]["time"] == "2026-11-20T10:00:00.000000Z"


def test_partition_keys(aws: Aws) -> None:
    post_interactions([ev.live("s1", user="u9"), ev.catalog_session("s1", "K")])
    keys = [r["kinesis"]["partitionKey"] for r in stream_records(aws.client("kinesis"), aws.stream)]
    assert keys == ["e1#u9", "e1#catalog"]


def test_all_invalid_is_400_with_the_same_body(aws: Aws) -> None:
    status, body, _ = post_interactions([ev.live("s1", 0), {"nonsense": True}])
    assert status == 400
    assert_envelope(body, "invalid_events")
    assert body["accepted"] == 0
    assert [r["index"] for r in body["rejected"]] == [0, 1]
    assert forwarded(aws) == []


@pytest.mark.parametrize(
    ("raw", "status", "code"),
    [
        ("{not json", 400, "invalid_json"),
        ('{"events": [1, NaN]}', 400, "invalid_json"),
        ("[" * 100_000 + "]" * 100_000, 400, "invalid_json"),
        ('{"events": []}', 400, "invalid_request"),
        ('{"events": {}}', 400, "invalid_request"),
        ("[]", 400, "invalid_request"),
        ("", 400, "invalid_json"),
    ],
)
def test_malformed_bodies(aws: Aws, raw: str, status: int, code: str) -> None:
    got_status, body, _ = post_interactions(raw_body=raw)
    assert got_status == status
    assert_envelope(body, code)


@pytest.mark.parametrize("sign", ["", "-"])
def test_an_integer_of_5000_digits_is_that_events_field_error(aws: Aws, sign: str) -> None:
    # Valid JSON that Python's int() refuses past 4,300 digits: only its event is rejected.
    good, bad = ev.chat(), ev.vod("v1", 30, position=7, duration=600)
    raw = json.dumps({"events": [good, bad]}).replace('"position": 7', f'"position": {sign}{"9" * 5000}')
    status, body, _ = post_interactions(raw_body=raw)
    assert (status, body["accepted"]) == (202, 1)
    assert [(r["index"], r["errors"]) for r in body["rejected"]] == [
        (1, [{"field": "data.position", "message": "must be between 0 and 10000000"}])
    ]
    assert [e["id"] for e in forwarded(aws)] == [good["id"]]


def test_too_many_events_is_413(aws: Aws) -> None:
    status, body, _ = post_interactions([ev.chat() for _ in range(501)])
    assert status == 413
    assert_envelope(body, "payload_too_large")


def test_body_over_one_mebibyte_is_413(aws: Aws) -> None:
    padding = "x" * (1024 * 1024)
    status, body, _ = post_interactions(raw_body=json.dumps({"events": [ev.chat()], "pad": padding}))
    assert (status, body["error"]["code"]) == (413, "payload_too_large")


def test_wrong_content_type_is_415(aws: Aws) -> None:
    status, body, _ = post_interactions([ev.chat()], headers={"Content-Type": "text/plain"})
    assert (status, body["error"]["code"]) == (415, "unsupported_media_type")


@pytest.mark.parametrize("encoding", ["gzip", "br", "deflate", "identity, gzip"])
def test_compressed_bodies_are_415_not_invalid_json(aws: Aws, encoding: str) -> None:
    raw = gzip.compress(json.dumps({"events": [ev.chat()]}).encode())
    status, body, _ = post_interactions(raw_body=raw, headers={"Content-Encoding": encoding})
    assert (status, body["error"]["code"]) == (415, "unsupported_media_type")
    assert "Content-Encoding" in body["error"]["message"]
    assert forwarded(aws) == []


@pytest.mark.parametrize("encoding", ["identity", "Identity", ""])
def test_identity_encoding_is_the_same_as_none(aws: Aws, encoding: str) -> None:
    status, body, _ = post_interactions([ev.chat()], headers={"Content-Encoding": encoding})
    assert (status, body["accepted"]) == (202, 1)


def test_missing_token_is_401_and_wrong_scope_403(aws: Aws) -> None:
    status, body, _ = post_interactions([ev.chat()], jwt={})
    assert (status, body["error"]["code"]) == (401, "unauthorized")
    status, body, _ = post_interactions([ev.chat()], jwt=claims(scope="analytics:read"))
    assert (status, body["error"]["code"]) == (403, "forbidden")
    assert forwarded(aws) == []


def test_events_outside_the_tokens_event_ids(aws: Aws) -> None:
    mine, theirs = ev.chat(ev="e1"), ev.chat(ev="e2")
    status, body, _ = post_interactions([mine, theirs], jwt=claims(events=["e1"]))
    assert status == 202
    assert body["rejected"] == [
        {
            "index": 1,
            "id": theirs["id"],
            "errors": [{"field": "eventId", "message": "is not permitted for this token"}],
        }
    ]
    status, body, _ = post_interactions([theirs], jwt=claims(events=["e1"]))
    assert status == 403
    assert [e["eventId"] for e in forwarded(aws)] == ["e1"]


def test_api_gateway_flattened_claims_are_understood(aws: Aws) -> None:
    flattened = {"sub": "p", "scope": "analytics:ingest", "eventIds": "[e1 e3]"}
    assert post_interactions([ev.chat(ev="e3")], jwt=flattened)[0] == 202
    assert post_interactions([ev.chat(ev="e2")], jwt=flattened)[0] == 403


def test_repeated_event_id_in_one_request_is_rejected(aws: Aws) -> None:
    first = ev.chat(id="same")
    status, body, _ = post_interactions([first, dict(first)])
    assert status == 202
    assert body["rejected"][0]["errors"] == [{"field": "id", "message": "is repeated in this request"}]


def test_one_id_for_other_users_events_or_the_catalog_is_another_event(aws: Aws) -> None:
    # Identity is (eventId, userId or catalog, id), SPEC 11: producers number ids per user or event.
    batch = [
        ev.chat(id="1", ev="e1", user="u1"),
        ev.chat(id="1", ev="e2", user="u1"),
        ev.chat(id="1", ev="e1", user="u2"),
        ev.catalog_session("s1", "Keynote", id="1", ev="e1"),
    ]
    status, body, _ = post_interactions(batch, jwt=claims(events=["*"]))
    assert (status, body["accepted"], body["rejected"]) == (202, 4, [])
    assert sorted((e["eventId"], e.get("userId", "")) for e in forwarded(aws)) == [
        ("e1", ""),
        ("e1", "u1"),
        ("e1", "u2"),
        ("e2", "u1"),
    ]


def test_idempotency_key_replays_the_first_response_and_forwards_once(aws: Aws) -> None:
    events = [ev.chat(), ev.live("s1", 99)]
    headers = {"Idempotency-Key": "batch-0001"}
    first = post_interactions(events, headers=headers)
    for _ in range(4):
        assert post_interactions(events, headers=headers)[:2] == first[:2]
    assert first[0] == 202
    assert len(forwarded(aws)) == 1


def test_idempotency_keys_are_per_caller(aws: Aws) -> None:
    headers = {"Idempotency-Key": "k"}
    post_interactions([ev.chat()], headers=headers, jwt=claims(sub="producer-a"))
    post_interactions([ev.chat()], headers=headers, jwt=claims(sub="producer-b"))
    assert len(forwarded(aws)) == 2


def test_idempotency_key_reused_with_another_body_is_422(aws: Aws) -> None:
    headers = {"Idempotency-Key": "k2"}
    assert post_interactions([ev.chat()], headers=headers)[0] == 202
    status, body, _ = post_interactions([ev.chat()], headers=headers)
    assert (status, body["error"]["code"]) == (422, "idempotency_key_reused")


@pytest.mark.parametrize("key", ["", "x" * 129, "naïve", "tab\there"])
def test_bad_idempotency_keys(aws: Aws, key: str) -> None:
    status, body, _ = post_interactions([ev.chat()], headers={"Idempotency-Key": key})
    assert (status, body["error"]["code"]) == (400, "invalid_header")


def test_same_key_while_in_flight_is_409(aws: Aws, monkeypatch: pytest.MonkeyPatch) -> None:
    from ingest import collector

    real_ingest = collector.ingest
    inner: dict[str, Any] = {}

    def ingest_with_a_concurrent_duplicate(events: list, may_ingest: Any) -> dict:
        inner["response"] = post_interactions([ev.chat(id="c1")], headers={"Idempotency-Key": "busy"})
        return real_ingest(events, may_ingest)

    monkeypatch.setattr(collector, "ingest", ingest_with_a_concurrent_duplicate)
    status, _, _ = post_interactions([ev.chat(id="c1")], headers={"Idempotency-Key": "busy"})
    assert status == 202
    assert inner["response"][0] == 409
    assert inner["response"][1]["error"]["code"] == "request_in_flight"


def test_refused_records_are_retried_until_accepted(aws: Aws) -> None:
    faults = PartialFailures(lambda attempt, i: attempt == 1 and i % 2 == 0)
    faults.install()
    events = [ev.chat(id=f"m{i}") for i in range(6)]
    status, body, _ = post_interactions(events)
    assert (status, body["accepted"]) == (202, 6)
    assert faults.injected == 3
    assert sorted(e["id"] for e in forwarded(aws)) == sorted(e["id"] for e in events)


def test_records_refused_after_all_retries_give_503_with_retry_indexes(aws: Aws) -> None:
    faults = PartialFailures(lambda attempt, i: i == 0)  # the first pending record always refused
    faults.install()
    events = [ev.chat(id="a"), ev.live("s1", 0), ev.chat(id="b"), ev.chat(id="c")]
    status, body, headers = post_interactions(events, headers={"Idempotency-Key": "k503"})
    assert status == 503
    assert headers["Retry-After"] == "2"
    assert_envelope(body, "stream_unavailable")
    # attempt 1 refuses "a", 2 refuses "a" again (it is first of what is pending) ... until attempts run out
    assert body["retryIndexes"] == [0]
    assert body["accepted"] == 2
    assert [r["index"] for r in body["rejected"]] == [1]
    assert sorted(e["id"] for e in forwarded(aws)) == ["b", "c"]
    # The same key replays the same answer and forwards nothing more.
    assert post_interactions(events, headers={"Idempotency-Key": "k503"})[:2] == (status, body)
    assert len(forwarded(aws)) == 2


def test_nothing_forwarded_is_503_and_the_key_stays_usable(aws: Aws) -> None:
    faults = PartialFailures(lambda attempt, i: attempt <= 4)
    faults.install()
    status, body, _ = post_interactions([ev.chat(id="x")], headers={"Idempotency-Key": "retry-me"})
    assert (status, body["retryIndexes"], body["accepted"]) == (503, [0], 0)
    status, body, _ = post_interactions([ev.chat(id="x")], headers={"Idempotency-Key": "retry-me"})
    assert (status, body["accepted"]) == (202, 1)


def test_unknown_route_is_404_envelope(aws: Aws) -> None:
    from ingest.collector import handler
    from tests.support.lambda_events import FakeContext, http_event

    response = handler(http_event("GET", "/v1/nope", jwt=claims()), FakeContext())
    assert response["statusCode"] == 404
    assert json.loads(response["body"])["error"]["code"] == "route_not_found"


def post_raw(aws: Aws, raw: str, headers: dict[str, str] | None = None) -> tuple[int, dict, str]:
    """POST a body verbatim; also return the response body as the gateway must send it (UTF-8)."""
    from ingest.collector import handler
    from tests.support.lambda_events import FakeContext, http_event

    event = http_event("POST", "/v1/interactions", raw_body=raw, headers=headers, jwt=claims())
    response = handler(event, FakeContext())
    sent = response["body"].encode("utf-8").decode("utf-8")  # a lone surrogate would raise here
    return response["statusCode"], json.loads(sent), sent


@pytest.mark.parametrize(
    "time", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "0999-06-01T00:00:00Z"]
)
def test_times_outside_the_year_range_are_field_errors_beside_good_events(aws: Aws, time: str) -> None:
    good, bad = ev.chat(id="good"), ev.chat(id="bad", time=time)
    status, body, _ = post_interactions([bad, good])
    assert status == 202, body
    assert body["rejected"] == [
        {
            "index": 0,
            "id": "bad",
            "errors": [{"field": "time", "message": "must be in the years 2000 to 9999 (UTC)"}],
        }
    ]
    assert [e["id"] for e in forwarded(aws)] == ["good"]


@pytest.mark.parametrize("key", [None, "surrogates-1"])
def test_lone_surrogates_are_field_errors_and_the_response_is_utf8(aws: Aws, key: str | None) -> None:
    # JSON's "\ud800" escape decodes to a lone surrogate: no UTF-8 response (or stored replay) can hold one.
    good = json.dumps(ev.chat(id="good"))
    bad_id = json.dumps(ev.chat(id="PLACEHOLDER")).replace("PLACEHOLDER", "x\\ud800y")
    bad_name = json.dumps(ev.profile("PLACEHOLDER", id="n1")).replace("PLACEHOLDER", "Zo\\udc00")
    raw = f'{{"events": [{good}, {bad_id}, {bad_name}]}}'
    headers = {"Idempotency-Key": key} if key else None
    status, body, _ = post_raw(aws, raw, headers)
    assert status == 202, body
    assert body["accepted"] == 1
    unicode = "must be valid Unicode text (no unpaired surrogates)"
    assert body["rejected"] == [
        {"index": 1, "id": "x\\ud800y", "errors": [{"field": "id", "message": unicode}]},
        {"index": 2, "id": "n1", "errors": [{"field": "data.name", "message": unicode}]},
    ]
    if key:
        assert post_raw(aws, raw, headers)[:2] == (status, body)  # the stored replay is UTF-8 too
    assert [e["id"] for e in forwarded(aws)] == ["good"]


def test_long_ids_get_a_partition_key_kinesis_accepts(aws: Aws) -> None:
    long_event, long_user = "e" * 128, "u" * 128
    events = [ev.chat(ev=long_event, user=long_user), ev.live("s1", ev=long_event, user=long_user), ev.chat()]
    status, body, _ = post_interactions(events)
    assert (status, body) == (202, {"accepted": 3, "rejected": []})
    keys = [r["kinesis"]["partitionKey"] for r in stream_records(aws.client("kinesis"), aws.stream)]
    assert all(len(k) <= 256 for k in keys)
    assert keys[0] == keys[1]
    assert keys[2] == "e1#u1"


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json; charset=latin-1",
        "application/json; charset=ISO-8859-1",
        "application/json;charset=utf-16",
    ],
)
def test_charsets_other_than_utf8_are_415(aws: Aws, content_type: str) -> None:
    status, body, _ = post_interactions([ev.profile("Zoë")], headers={"Content-Type": content_type})
    assert (status, body["error"]["code"]) == (415, "unsupported_media_type")
    assert "UTF-8" in body["error"]["message"]
    assert forwarded(aws) == []


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "application/json; charset=utf-8",
        "Application/JSON;Charset=UTF-8",
        'application/json; charset="utf-8"',
        "application/json; charset=utf8",
    ],
)
def test_json_with_or_without_a_utf8_charset_is_accepted(aws: Aws, content_type: str) -> None:
    status, body, _ = post_interactions([ev.profile("Zoë")], headers={"Content-Type": content_type})
    assert (status, body["accepted"]) == (202, 1)
    assert forwarded(aws)[0]["data"]["name"] == "Zoë"


def test_a_us_ascii_body_is_accepted_and_decoded_strictly(aws: Aws) -> None:
    ascii_json = {"Content-Type": "application/json; charset=us-ascii"}
    assert post_interactions([ev.profile("Zoe")], headers=ascii_json)[:1] == (202,)
    assert post_interactions([ev.profile("Zoë")], headers=ascii_json)[:1] == (202,)  # "Zo\u00eb"
    raw = json.dumps({"events": [ev.profile("Zoë")]}, ensure_ascii=False)  # a byte past ASCII
    status, body, _ = post_interactions(raw_body=raw, headers=ascii_json)
    assert (status, body["error"]["code"]) == (400, "invalid_json")
    assert [e["data"]["name"] for e in forwarded(aws)] == ["Zoe", "Zoë"]


def test_a_leading_byte_order_mark_is_ignored(aws: Aws) -> None:
    raw = "\ufeff" + json.dumps({"events": [ev.profile("Zoë")]}, ensure_ascii=False)
    status, body, _ = post_interactions(raw_body=raw)
    assert (status, body["accepted"]) == (202, 1)
    assert forwarded(aws)[0]["data"]["name"] == "Zoë"


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/jsonx", "application/x-www-form-urlencoded", ""]
)
def test_other_media_types_are_415(aws: Aws, content_type: str) -> None:
    status, body, _ = post_interactions([ev.chat()], headers={"Content-Type": content_type})
    assert (status, body["error"]["code"]) == (415, "unsupported_media_type")
