"""Every rule of the ingest contract (SPEC section 3), with the message a producer sees."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from models.events import EventRejected, parse_event, parse_record
from tests.support import events as ev

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


def errors_of(raw: dict) -> dict[str, str]:
    with pytest.raises(EventRejected) as info:
        parse_event(raw, now=NOW)
    return {e.field: e.message for e in info.value.errors}


VALID = [
    ev.profile("Zoë Ångström", role="Speaker", company="Acme", industry="Media", country="SE"),
    ev.profile("李小龍"),
    ev.profile("محمد"),
    ev.catalog_session("s1", "Keynote"),
    ev.event(
        "catalog.session",
        {"sessionId": "s1", "name": "K", "startsAt": "2026-11-20T09:00:00+01:00"},
        user=None,
    ),
    ev.catalog_vod("v1", "Intro", 600),
    ev.catalog_attachment("a1", "Slides", "application/pdf", "s1"),
    ev.event(
        "catalog.attachment", {"attachmentId": "a", "name": "n", "fileType": "pdf", "vodId": "v1"}, user=None
    ),
    ev.live("s1", 60, 60),
    ev.recording("s1", 1, position=0),
    ev.vod("v1", 10, 35.5, 600),
    ev.vod("v1", 10, 35),
    ev.session_event("reaction.sent", "s1", data={"reaction": "clap"}),
    ev.chat(),
    ev.chat("s1", "direct"),
    ev.poll("s1", "p1"),
    ev.session_event("qna.thread.created", "s1", data={"threadId": "t1"}),
    ev.session_event("hand.raised", "s1"),
    ev.download("a1"),
    ev.download("a1", "s1"),
    ev.event("attachment.downloaded", {"attachmentId": "a1", "vodId": "v1"}),
]


@pytest.mark.parametrize("raw", VALID, ids=lambda r: r["type"])
def test_valid_events_parse_and_survive_the_stream(raw: dict) -> None:
    event = parse_event(raw, now=NOW)
    assert parse_record(event.to_record()) == event


def test_times_are_normalised_to_utc() -> None:
    event = parse_event(ev.profile("A", time="2026-11-20T11:30:00+02:00"), now=NOW)
    assert event.time == datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
    assert json.loads(event.to_record())["time"] == "2026-11-20T09:30:00.000000Z"


@pytest.mark.parametrize(
    ("time", "message"),
    [
        ("2026-11-20T10:00:00", "must include a UTC offset (Z or +hh:mm)"),
        ("2026-11-20", "must be an RFC 3339 date-time with an offset"),
        ("yesterday", "must be an RFC 3339 date-time with an offset"),
        (1732000000, "must be an RFC 3339 date-time with an offset"),
        (
            (NOW + timedelta(minutes=5, seconds=1)).isoformat(),
            "must not be more than 5 minutes in the future",
        ),
    ],
)
def test_bad_times(time: object, message: str) -> None:
    assert errors_of(ev.profile("A", time=time)) == {"time": message}  # type: ignore[arg-type]


def test_time_up_to_five_minutes_ahead_is_fine() -> None:
    parse_event(ev.profile("A", time=(NOW + timedelta(minutes=5)).isoformat()), now=NOW)


def test_future_limit_is_the_collectors_job_only() -> None:
    far = ev.profile("A", time="2099-01-01T00:00:00Z")
    assert parse_event(far).time.year == 2099  # the aggregator re-validates without "now"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"kind": "live", "sessionId": "s1", "seconds": 61}, {"data.seconds": "must be between 1 and 60"}),
        ({"kind": "live", "sessionId": "s1", "seconds": 0}, {"data.seconds": "must be between 1 and 60"}),
        ({"kind": "live", "sessionId": "s1", "seconds": 1.5}, {"data.seconds": "must be an integer"}),
        ({"kind": "live", "sessionId": "s1", "seconds": "10"}, {"data.seconds": "must be an integer"}),
        (
            {"kind": "live", "sessionId": "s1", "seconds": 10, "engagedSeconds": 11},
            {"data": "engagedSeconds must be between 0 and seconds"},
        ),
        ({"kind": "live", "seconds": 10}, {"data": "sessionId is required when kind is live"}),
        ({"kind": "vod", "seconds": 10, "sessionId": "s1"}, {"data": "vodId is required when kind is vod"}),
        (
            {"kind": "vod", "vodId": "v", "seconds": 60, "durationSeconds": 60},
            {"data": "position is required when kind is vod"},
        ),
        (
            {"kind": "vod", "vodId": "v", "seconds": 10, "position": -1},
            {"data.position": "must be between 0 and 10000000"},
        ),
        (
            {"kind": "vod", "vodId": "v", "seconds": 10, "durationSeconds": 0},
            {"data.durationSeconds": "must be between 0.001 and 10000000"},
        ),
        (
            {"kind": "tv", "sessionId": "s1", "seconds": 10},
            {"data.kind": "must be one of: 'live', 'recording' or 'vod'"},
        ),
        (
            {"kind": "live", "sessionId": "s 1", "seconds": 10},
            {"data.sessionId": "must be 1-128 characters of A-Z a-z 0-9 . _ : -, not only dots"},
        ),
    ],
)
def test_heartbeat_rules(data: dict, expected: dict) -> None:
    assert errors_of(ev.event("view.heartbeat", data)) == expected


def test_engagement_is_ignored_outside_live() -> None:
    event = parse_event(
        ev.event(
            "view.heartbeat", {"kind": "recording", "sessionId": "s", "seconds": 5, "engagedSeconds": 50}
        )
    )
    assert event.data.engaged_seconds == 0  # type: ignore[union-attr]


def test_envelope_rules() -> None:
    assert errors_of({"type": "hand.raised"}) == {
        "id": "is required",
        "time": "is required",
        "eventId": "is required",
        "userId": "is required",
        "data": "is required",
    }
    assert errors_of(ev.event("hand.raised", {"sessionId": "s"}, ev="bad#id")) == {
        "eventId": "must be 1-128 characters of A-Z a-z 0-9 . _ : -, not only dots"
    }
    assert errors_of(ev.event("hand.raised", {"sessionId": "s"}, user="x" * 129)) == {
        "userId": "must be 1-128 characters of A-Z a-z 0-9 . _ : -, not only dots"
    }
    assert errors_of(ev.event("hand.raised", {"sessionId": "s"}, id="")) == {"id": "must not be empty"}
    assert errors_of(ev.event("nope", {}))["type"].startswith("must be one of: user.profile")
    assert errors_of(["not", "an", "object"]) == {"": "must be a JSON object"}  # type: ignore[arg-type]


def test_catalog_events_need_no_user_and_partition_by_catalog() -> None:
    event = parse_event(ev.catalog_session("s1", "Keynote"), now=NOW)
    assert event.partition_key == "e1#catalog"
    assert parse_event(ev.live("s1", user="u7"), now=NOW).partition_key == "e1#u7"


def test_names_are_any_unicode_up_to_256() -> None:
    assert parse_event(ev.profile("👩🏽‍💻 Ἀλέξανδρος"), now=NOW).data.name == "👩🏽‍💻 Ἀλέξανδρος"  # type: ignore[union-attr]
    assert errors_of(ev.profile("x" * 257)) == {"data.name": "must be at most 256 characters"}
    assert errors_of(ev.profile("")) == {"data.name": "must not be empty"}


def test_catalog_attachment_needs_exactly_one_source() -> None:
    both = {"attachmentId": "a", "name": "n", "fileType": "pdf", "sessionId": "s", "vodId": "v"}
    assert errors_of(ev.event("catalog.attachment", both, user=None)) == {
        "data": "exactly one of sessionId or vodId is required"
    }
    assert errors_of(
        ev.event("attachment.downloaded", {"attachmentId": "a", "sessionId": "s", "vodId": "v"})
    ) == {"data": "give sessionId or vodId, not both"}


def test_a_catalog_session_may_not_end_before_it_starts() -> None:
    times = {
        "sessionId": "s",
        "name": "K",
        "startsAt": "2026-11-20T10:00:00Z",
        "endsAt": "2026-11-20T09:59:59Z",
    }
    assert errors_of(ev.event("catalog.session", times, user=None)) == {
        "data": "endsAt must not be before startsAt"
    }
    same = {**times, "endsAt": "2026-11-20T10:00:00Z"}  # an instant is a session, if a short one
    assert parse_event(ev.event("catalog.session", same, user=None), now=NOW).type == "catalog.session"


def test_unknown_fields_are_ignored_and_never_forwarded() -> None:
    raw = ev.chat("s1")
    raw["data"]["text"] = "my private message"
    raw["extra"] = 1
    record = parse_event(raw, now=NOW).to_record()
    assert b"private" not in record
    assert b"extra" not in record


def test_chat_channel_defaults_to_group() -> None:
    assert parse_event(ev.event("chat.message.sent", {}), now=NOW).data.channel == "group"  # type: ignore[union-attr]


def test_numbers_must_be_finite() -> None:
    assert errors_of(ev.vod("v1", 10, float("nan"))) == {"data.position": "must be a finite number"}


# --- times: RFC 3339 date-time only, years 2000..9999 in UTC -------------------------------------------

YEAR_RANGE = "must be in the years 2000 to 9999 (UTC)"
NOT_RFC3339 = "must be an RFC 3339 date-time with an offset"


@pytest.mark.parametrize(
    "time",
    [
        "0001-01-01T00:00:00+01:00",  # UTC conversion falls before year 1
        "9999-12-31T23:59:59-01:00",  # UTC conversion falls after year 9999
        "0999-01-01T00:00:00Z",
        "1999-12-31T23:59:59Z",
        "2000-01-01T00:30:00+01:00",  # 1999 in UTC
    ],
)
def test_years_outside_2000_to_9999_in_utc_are_rejected(time: str) -> None:
    assert errors_of(ev.profile("A", time=time)) == {"time": YEAR_RANGE}
    with pytest.raises(EventRejected):
        parse_event(ev.profile("A", time=time))  # the aggregator's path (no "now") as well


def test_the_year_range_applies_after_conversion_to_utc() -> None:
    event = parse_event(ev.profile("A", time="1999-12-31T23:30:00-01:00"), now=NOW)
    assert event.time == datetime(2000, 1, 1, 0, 30, tzinfo=UTC)
    assert parse_event(ev.profile("A", time="9999-12-31T23:59:59Z")).time.year == 9999


@pytest.mark.parametrize(
    "time",
    [
        "2026-W47-5T10:00:00Z",  # ISO week date
        "2026-324T10:00:00Z",  # ordinal date
        "20261120T100000Z",  # basic format
        "2026-11-20T10+00:00",  # hour only
        "2026-11-20T10:00+00:00",  # no seconds
        "2026-11-20T10:00:00+0100",  # offset without colon
        "2026-11-20T10:00:00+01",  # offset hours only
        "2026-11-20T10:00:00,5Z",  # comma fraction
        "2026-11-20T10:00:00.Z",  # empty fraction
        "2026-11-20 10:00:00Z",  # space separator
        "2026-11-20T10:00:00 Z",
        " 2026-11-20T10:00:00Z",
        "2026-11-20T10:00:00Z\n",
        "２０２６-11-20T10:00:00Z",  # non-ASCII digits
        "2026-11-20T10:00:00.000000Z ",
        "2026-11-20T24:00:00Z",
        "2026-11-20T10:00:60Z",  # a leap second is 23:59:60 UTC...
        "2026-11-20T23:59:60Z",  # ...on a month's last day
        "2016-12-31T23:59:60+01:00",  # (22:59:60 UTC)
        "2016-12-31T23:59:61Z",
        "2026-02-30T10:00:00Z",
        "2026-11-20T10:00:00+24:00",
        "+2026-11-20T10:00:00Z",
    ],
)
def test_only_rfc3339_date_times_are_accepted(time: str) -> None:
    assert errors_of(ev.profile("A", time=time)) == {"time": NOT_RFC3339}


@pytest.mark.parametrize(
    "time",
    ["2026-11-20", "2026-11-20T10:00:00", "2026-11-20T10:00:00.5"],
)
def test_dates_and_times_without_an_offset_are_rejected(time: str) -> None:
    assert errors_of(ev.profile("A", time=time))["time"] in (
        NOT_RFC3339,
        "must include a UTC offset (Z or +hh:mm)",
    )


@pytest.mark.parametrize(
    ("time", "utc"),
    [
        ("2026-11-20T10:00:00Z", datetime(2026, 11, 20, 10, tzinfo=UTC)),
        ("2026-11-20t10:00:00z", datetime(2026, 11, 20, 10, tzinfo=UTC)),  # RFC 3339 5.6 allows lower case
        ("2026-11-20T11:00:00+01:00", datetime(2026, 11, 20, 10, tzinfo=UTC)),
        ("2026-11-20T09:30:00-00:30", datetime(2026, 11, 20, 10, tzinfo=UTC)),
        ("2026-11-20T10:00:00.5Z", datetime(2026, 11, 20, 10, 0, 0, 500000, tzinfo=UTC)),
        ("2026-11-20T10:00:00.123456789Z", datetime(2026, 11, 20, 10, 0, 0, 123456, tzinfo=UTC)),
        ("2026-11-20T10:00:00.000000Z", datetime(2026, 11, 20, 10, tzinfo=UTC)),  # the stream's own form
    ],
)
def test_rfc3339_date_times_are_accepted(time: str, utc: datetime) -> None:
    assert parse_event(ev.profile("A", time=time), now=NOW).time == utc


@pytest.mark.parametrize(
    ("time", "utc"),
    [
        ("2016-12-31T23:59:60Z", datetime(2017, 1, 1, tzinfo=UTC)),
        ("2017-01-01T00:59:60+01:00", datetime(2017, 1, 1, tzinfo=UTC)),
        ("2015-06-30T23:59:60.25Z", datetime(2015, 7, 1, 0, 0, 0, 250000, tzinfo=UTC)),
    ],
)
def test_a_leap_second_is_the_next_days_first_second_as_in_posix_time(time: str, utc: datetime) -> None:
    assert parse_event(ev.profile("A", time=time), now=NOW).time == utc


def test_a_leap_second_past_the_last_representable_day_is_out_of_range() -> None:
    assert errors_of(ev.profile("A", time="9999-12-31T23:59:60Z")) == {"time": YEAR_RANGE}


def test_future_limit_is_for_the_event_time_only() -> None:
    announced = ev.event(
        "catalog.session",
        {"sessionId": "s9", "name": "Tomorrow", "startsAt": "2026-11-21T09:00:00Z"},
        user=None,
    )
    assert parse_event(announced, now=NOW).data.starts_at == datetime(2026, 11, 21, 9, tzinfo=UTC)  # type: ignore[union-attr]


# --- numbers: every number in data has a documented range ----------------------------------------------


DURATION = "must be between 0.001 and 10000000"  # > 0; a millisecond at least, so DynamoDB can store it


@pytest.mark.parametrize(
    ("raw", "field", "message"),
    [
        (ev.catalog_vod("v1", "V", 1e200), "data.durationSeconds", DURATION),
        (ev.catalog_vod("v1", "V", 10**7 + 1), "data.durationSeconds", DURATION),
        (ev.catalog_vod("v1", "V", 0), "data.durationSeconds", DURATION),
        (ev.catalog_vod("v1", "V", 1e-300), "data.durationSeconds", DURATION),
        (ev.vod("v1", 10, 5, 1e200, time=ev.BASE_TIME), "data.durationSeconds", DURATION),
        (ev.vod("v1", 10, 1e200, time=ev.BASE_TIME), "data.position", "must be between 0 and 10000000"),
        (ev.vod("v1", 10, 10**7 + 0.5, time=ev.BASE_TIME), "data.position", "must be between 0 and 10000000"),
        (ev.vod("v1", 10, -1, time=ev.BASE_TIME), "data.position", "must be between 0 and 10000000"),
        (ev.vod("v1", 10, 10**400, time=ev.BASE_TIME), "data.position", "must be a number"),
        (ev.live("s1", 10, 2**70, time=ev.BASE_TIME), "data.engagedSeconds", "must be between 0 and 60"),
    ],
)
def test_numbers_outside_their_range_are_field_errors(raw: dict, field: str, message: str) -> None:
    assert errors_of(raw) == {field: message}


def test_numbers_at_the_ends_of_their_range_are_fine() -> None:
    for raw in (
        ev.catalog_vod("v1", "V", 10**7),
        ev.catalog_vod("v1", "V", 0.001),
        ev.vod("v1", 10, 10**7, 10**7, time=ev.BASE_TIME),
    ):
        event = parse_event(raw, now=NOW)
        assert parse_record(event.to_record()) == event
    assert parse_event(ev.vod("v1", 10, 0, time=ev.BASE_TIME), now=NOW).data.position == 0  # type: ignore[union-attr]


def _numbers_in(schema: dict, defs: dict, path: str = "") -> list[tuple[str, dict]]:
    if "$ref" in schema:
        return _numbers_in(defs[schema["$ref"].rsplit("/", 1)[-1]], defs, path)
    found = [(path, schema)] if schema.get("type") in ("number", "integer") else []
    for option in schema.get("anyOf", []) + schema.get("oneOf", []):
        found += _numbers_in(option, defs, path)
    for name, sub in schema.get("properties", {}).items():
        found += _numbers_in(sub, defs, f"{path}.{name}")
    return found


def test_every_number_in_the_contract_has_a_documented_upper_bound() -> None:
    from pydantic import TypeAdapter

    from models.events import Event

    schema = TypeAdapter(Event).json_schema(by_alias=True)
    numbers = _numbers_in(schema, schema["$defs"])
    assert {path for path, _ in numbers} >= {".data.seconds", ".data.position", ".data.durationSeconds"}
    unbounded = [
        path for path, s in numbers if "maximum" not in s or not {"minimum", "exclusiveMinimum"} & set(s)
    ]
    assert unbounded == []


# --- strings: Unicode scalar values, printable ids, ids that survive URLs --------------------------------

UNICODE = "must be valid Unicode text (no unpaired surrogates)"


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (ev.chat(id="x\ud800y"), "id"),
        (ev.chat(ev="e\udfff"), "eventId"),
        (ev.chat(user="u\ud800"), "userId"),
        (ev.profile("Zo\udc00ë"), "data.name"),
        (ev.profile("A", role="\ud83d"), "data.role"),
        (ev.session_event("reaction.sent", "s1", data={"reaction": "\ud83d"}), "data.reaction"),
        (ev.catalog_attachment("a1", "n", "pd\ud800f", "s1"), "data.fileType"),
        (ev.live("s\ud800", time=ev.BASE_TIME), "data.sessionId"),
    ],
)
def test_lone_surrogates_are_field_errors(raw: dict, field: str) -> None:
    assert errors_of(raw) == {field: UNICODE}


def test_names_are_any_unicode_scalar_values() -> None:
    name = "\U0010ffff\ufffe Zoë \u202e 中 \x7f"  # noncharacters, bidi control, DEL: still names
    event = parse_event(ev.profile(name), now=NOW)
    assert json.loads(event.to_record())["data"]["name"] == name


@pytest.mark.parametrize("bad", ["a\nb", "a\x00b", "\t", "a\u202eb", "a\u2028b", "x\x7f"])
def test_event_ids_are_printable(bad: str) -> None:
    assert errors_of(ev.chat(id=bad)) == {"id": "must be 1-128 printable characters"}


def test_printable_unicode_event_ids_are_fine() -> None:
    event = parse_event(ev.chat(id="übung 1/2 · #7"), now=NOW)
    assert parse_record(event.to_record()).id == "übung 1/2 · #7"


ALL_DOTS = "must not be only dots"


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (ev.chat(ev="."), "eventId"),
        (ev.chat(user=".."), "userId"),
        (ev.live("...", time=ev.BASE_TIME), "data.sessionId"),
        (ev.vod(".", 10, 5, time=ev.BASE_TIME), "data.vodId"),
        (ev.download(".."), "data.attachmentId"),
        (ev.download("a1", "."), "data.sessionId"),
        (ev.poll("s1", ".."), "data.pollId"),
        (ev.session_event("qna.thread.created", "s1", data={"threadId": "."}), "data.threadId"),
        (ev.catalog_session("..", "K"), "data.sessionId"),
        (ev.catalog_vod("." * 128, "V", 60), "data.vodId"),
        (ev.catalog_attachment("a1", "n", "pdf", ".."), "data.sessionId"),
    ],
)
def test_all_dot_ids_are_rejected(raw: dict, field: str) -> None:
    assert errors_of(raw) == {field: ALL_DOTS}


def test_ids_with_some_dots_are_fine() -> None:
    parse_event(ev.live(".s.", ev="e.1", user="..u", time=ev.BASE_TIME), now=NOW)


# --- the Kinesis partition key ----------------------------------------------------------------------


def test_partition_keys_never_exceed_256_characters() -> None:
    long_event, long_user = "e" * 128, "u" * 128
    key = parse_event(ev.chat(ev=long_event, user=long_user), now=NOW).partition_key
    assert len(key) <= 256
    again = parse_event(
        ev.live("s1", ev=long_event, user=long_user, time=ev.BASE_TIME), now=NOW
    ).partition_key
    assert again == key  # one user, one key: their events stay in order on one shard
    other = parse_event(ev.chat(ev=long_event, user="u" * 127 + "v"), now=NOW).partition_key
    assert other != key
    fits = parse_event(ev.chat(ev="e" * 128, user="u" * 127), now=NOW).partition_key
    assert fits == "e" * 128 + "#" + "u" * 127  # keys that fit stay readable
