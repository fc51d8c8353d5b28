"""The query API through the real handler, on aggregates built by the real pipeline."""

from __future__ import annotations

import json
import logging
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.conftest import Aws
from tests.support import events as ev
from tests.support.lambda_events import CALLERS, STAGE, claims
from tests.support.pipeline import apply_events, call_api, drain, post_interactions, table_items

READER = claims(sub="organiser", scope="analytics:read", events=["e1"])
ADMIN = claims(sub="admin", scope="analytics:admin analytics:read", events=["e1"])
DASHBOARD = "/v1/events/e1/users/u1/analytics"


def scripted_user() -> list[dict[str, Any]]:
    """Worked out by hand in test_dashboard_for_a_scripted_user."""
    return [
        ev.profile(
            "Zoë Ångström-Nakamura 中村", role="Speaker", company="Acme", industry="Media", country="SE"
        ),
        ev.catalog_session("s1", "Keynote: Вступление"),
        ev.catalog_session("s2", "Panel Ω"),
        ev.catalog_session("s3", "Workshop"),
        ev.catalog_vod("v1", "Intro", 100),
        # two live sessions with different engagement
        ev.live("s1", 60, 60),
        ev.live("s1", 60, 30),  # s1: 120 s live, 90 engaged -> 0.75
        ev.live("s2", 30, 10),  # s2: 30 s live, 10 engaged -> 1/3
        # a recording
        ev.recording("s3", 45, position=45),
        # VOD v1 (catalog duration 100): partial and re-watched
        ev.vod("v1", 10, 30, 100),
        ev.vod("v1", 10, 30, 100),  # re-watch: +10 s, no new buckets
        ev.vod("v1", 20, 60),  # duration from the catalog: buckets 40..59
        # VOD v2: catalog arrives late (below); 30 s watched from 0
        ev.vod("v2", 30, 30),
        # polls: p1 twice (counts once), p2 once
        ev.poll("s1", "p1"),
        ev.poll("s1", "p1"),
        ev.poll("s1", "p2"),
        # downloads: a1 three times (one distinct attachment, three downloads)
        ev.download("a1", "s1"),
        ev.download("a1", "s1"),
        ev.download("a1"),
        ev.catalog_attachment("a1", "Slides — résumé.pdf", "application/pdf", "s1"),
        # chat: in a session, outside any session, and a direct message that counts nowhere
        ev.chat("s1"),
        ev.chat(),
        ev.chat("s2", "direct"),
        ev.session_event("reaction.sent", "s2"),
        ev.session_event("hand.raised", "s1"),
        ev.session_event("qna.thread.created", "s1"),
        # someone else, so the session has two viewers
        ev.live("s1", 20, 20, user="u2"),
        ev.profile("Όμηρος", user="u2"),
    ]


LATE_CATALOG = [ev.catalog_vod("v2", "Deep dive — 深入", 60)]


@pytest.fixture
def pipeline(aws: Aws) -> Aws:
    for request in (scripted_user(), LATE_CATALOG):
        status, body, _ = post_interactions(request)
        assert (status, body["rejected"]) == (202, [])
        drain(aws.client("kinesis"), aws.stream)
    return aws


def test_dashboard_for_a_scripted_user(pipeline: Aws) -> None:
    status, board, _ = call_api("GET", DASHBOARD, jwt=READER)
    assert status == 200
    assert board["user"] == {
        "name": "Zoë Ångström-Nakamura 中村",
        "role": "Speaker",
        "company": "Acme",
        "industry": "Media",
        "country": "SE",
        "profileMissing": False,
    }
    # live 150 + recording 45 + vod 40 + 30 = 265 s = 4.4166 min -> 4.4
    assert board["kpis"] == {
        "minutesViewed": 4.4,
        "viewedSeconds": 265,
        "sessionsViewed": 3,
        "liveEngagementRate": 0.5417,  # mean(0.75, 1/3) = 0.541666...
        "videosViewed": 2,
    }
    assert board["engagement"] == {
        "reactions": 1,
        "groupChatMessages": 2,
        "pollsAnswered": 2,
        "qnaThreads": 1,
        "attachmentsDownloaded": 1,
    }
    assert board["viewing"] == {
        "liveMinutes": 2.5,
        "recordingMinutes": 0.8,  # 45 s = 0.75 -> 0.8
        "vodMinutes": 1.2,  # 70 s = 1.1666
        "liveSeconds": 150,
        "recordingSeconds": 45,
        "vodSeconds": 70,
    }
    assert board["attachments"] == {
        "count": 1,
        "items": [
            {
                "attachmentId": "a1",
                "name": "Slides — résumé.pdf",
                "catalogMissing": False,
                "fileType": "application/pdf",
                "fileLabel": "PDF",
                "fileFamily": "pdf",
                "source": {"kind": "session", "id": "s1", "name": "Keynote: Вступление"},
                "downloads": 3,
            }
        ],
    }
    s1, s3, s2 = board["sessions"]  # by seconds viewed: 120, 45, 30
    assert (s1["sessionId"], s3["sessionId"], s2["sessionId"]) == ("s1", "s3", "s2")
    assert s1 == {
        "sessionId": "s1",
        "name": "Keynote: Вступление",
        "catalogMissing": False,
        "minutesViewed": 2.0,
        "viewedSeconds": 120,
        "liveMinutes": 2.0,
        "liveSeconds": 120,
        "recordingMinutes": 0.0,
        "recordingSeconds": 0,
        "engagedSeconds": 90,
        "engagementRate": 0.75,
        "reactions": 0,
        "raisedHands": 1,
        "attachmentsDownloaded": 3,
        "chatMessages": 1,
        "pollsAnswered": 2,
        "qnaThreads": 1,
        "links": {"analytics": f"/{STAGE}/v1/events/e1/sessions/s1/analytics"},
    }
    assert (s2["engagementRate"], s2["reactions"], s2["chatMessages"]) == (0.3333, 1, 0)
    assert (s3["engagementRate"], s3["recordingMinutes"]) == (None, 0.8)
    v1, v2 = board["vods"]
    assert v1 == {
        "vodId": "v1",
        "name": "Intro",
        "catalogMissing": False,
        "minutesViewed": 0.7,
        "viewedSeconds": 40,
        "durationSeconds": 100,
        "completionRate": 0.3,  # buckets 20..29 and 40..59
        "links": {"analytics": f"/{STAGE}/v1/events/e1/vods/v1/analytics"},
    }
    # The late catalog named v2 and gave the duration that turns its span into buckets: 30/60 s = half.
    assert (v2["name"], v2["catalogMissing"], v2["completionRate"]) == ("Deep dive — 深入", False, 0.5)


def test_catalog_missing_until_the_catalog_arrives(aws: Aws) -> None:
    apply_events([ev.live("s7", 10, 5)])
    board = call_api("GET", DASHBOARD, jwt=READER)[1]
    assert (board["sessions"][0]["name"], board["sessions"][0]["catalogMissing"]) == ("s7", True)
    assert board["user"]["profileMissing"] is True
    apply_events([ev.catalog_session("s7", "Late name")], start_seq=2)
    board = call_api("GET", DASHBOARD, jwt=READER)[1]
    assert (board["sessions"][0]["name"], board["sessions"][0]["catalogMissing"]) == ("Late name", False)


def test_profile_fields_with_nothing_visible_read_as_missing(aws: Aws) -> None:
    """A zero-width or blank company prints "—" like a missing one, and such a name falls back to
    the id, on the dashboard (page and PDF alike) and in the users list."""
    apply_events([ev.profile("\u200b\u2060 ", company="\u200b", role="Speaker"), ev.live("s1", 10, 5)])
    user = call_api("GET", DASHBOARD, jwt=READER)[1]["user"]
    assert (user["name"], user["company"], user["role"]) == ("u1", None, "Speaker")
    listed = call_api("GET", "/v1/events/e1/users", jwt=READER)[1]["items"]
    assert [(u["name"], u["company"]) for u in listed] == [("u1", None)]


@pytest.mark.parametrize(("stage", "prefix"), [("prod", "/prod"), ("$default", "")])
def test_links_resolve_against_the_api_host_whatever_the_stage(aws: Aws, stage: str, prefix: str) -> None:
    """Each link starts with the stage the request came through (rawPath's prefix), so it works
    as an absolute path on the API's host: "/v1/..." under a "prod" stage would be a 404."""
    apply_events([ev.profile("Ana"), ev.live("s1", 10, 5), ev.vod("v1", 10, 10, 100)])
    board = call_api("GET", DASHBOARD, jwt=READER, stage=stage)[1]
    assert board["links"]["self"] == f"{prefix}{DASHBOARD}"
    assert board["lists"]["sessions"]["links"]["all"] == f"{prefix}/v1/events/e1/users/u1/sessions"
    assert board["sessions"][0]["links"]["analytics"] == f"{prefix}/v1/events/e1/sessions/s1/analytics"
    assert board["vods"][0]["links"]["analytics"] == f"{prefix}/v1/events/e1/vods/v1/analytics"
    page = call_api("GET", "/v1/events/e1/users/u1/sessions", jwt=READER, stage=stage)[1]
    assert page["items"][0]["links"]["analytics"] == f"{prefix}/v1/events/e1/sessions/s1/analytics"
    users = call_api("GET", "/v1/events/e1/users", jwt=READER, stage=stage)[1]
    assert users["items"][0]["links"]["analytics"] == f"{prefix}{DASHBOARD}"
    session = call_api("GET", "/v1/events/e1/sessions/s1/analytics", jwt=READER, stage=stage)[1]
    assert session["attendees"]["items"][0]["links"]["analytics"] == f"{prefix}{DASHBOARD}"


def test_answers_with_personal_data_are_never_cached(aws: Aws) -> None:
    apply_events([ev.profile("Ana"), ev.live("s1", 10, 5), ev.vod("v1", 10, 10, 100)])
    for method, path in [
        ("GET", DASHBOARD),
        ("GET", "/v1/events/e1/users"),
        ("GET", "/v1/events/e1/users/u1/sessions"),
        ("GET", "/v1/events/e1/sessions/s1/analytics"),
        ("GET", "/v1/events/e1/vods/v1/analytics"),
        ("GET", "/v1/events/e1/users/nobody/analytics"),  # an error too
    ]:
        headers = call_api(method, path, jwt=READER)[2]
        assert headers.get("Cache-Control") == "no-store", path
    status, _, headers = call_api("DELETE", "/v1/events/e1/users/u1", jwt=ADMIN)
    assert (status, headers.get("Cache-Control")) == (200, "no-store")
    assert call_api("GET", "/v1/openapi.json", jwt=None)[2]["Cache-Control"] == "max-age=300"  # public


def test_unknown_user_is_404(pipeline: Aws) -> None:
    status, body, _ = call_api("GET", "/v1/events/e1/users/nobody/analytics", jwt=READER)
    assert (status, body["error"]["code"]) == (404, "user_not_found")


def test_session_and_vod_analytics(pipeline: Aws) -> None:
    status, body, _ = call_api("GET", "/v1/events/e1/sessions/s1/analytics", jwt=READER)
    assert status == 200
    assert body["name"] == "Keynote: Вступление"
    totals = body["totals"]
    assert (totals["viewers"], totals["liveSeconds"], totals["engagedSeconds"]) == (2, 140, 110)
    # a1 downloaded three times: twice naming s1, once naming nothing (the catalog says s1)
    # p1 answered twice counts once, as on the user's row: totals are the users' counters summed.
    assert (totals["engagementRate"], totals["pollAnswers"], totals["attachmentDownloads"]) == (0.7857, 2, 3)
    names = {a["userId"]: a for a in body["attendees"]["items"]}
    assert names["u2"]["name"] == "Όμηρος"
    assert names["u1"]["engagementRate"] == 0.75
    assert names["u1"]["links"]["analytics"] == f"/{STAGE}{DASHBOARD}"
    status, vod, _ = call_api("GET", "/v1/events/e1/vods/v1/analytics", jwt=READER)
    assert status == 200
    assert (
        vod["name"],
        vod["durationSeconds"],
        vod["totals"]["viewers"],
        vod["totals"]["viewedSeconds"],
    ) == (
        "Intro",
        100,
        1,
        40,
    )
    assert call_api("GET", "/v1/events/e1/sessions/nope/analytics", jwt=READER)[1]["error"]["code"] == (
        "session_not_found"
    )
    assert (
        call_api("GET", "/v1/events/e1/vods/nope/analytics", jwt=READER)[1]["error"]["code"]
        == "vod_not_found"
    )


def _page_through(path: str, key: str, limit: int) -> list[str]:
    seen: list[str] = []
    cursor = None
    for _ in range(20):
        query = {"limit": str(limit), **({"cursor": cursor} if cursor else {})}
        status, body, _ = call_api("GET", path, jwt=READER, query=query)
        assert status == 200, body
        page = body if "items" in body else body["attendees"]
        assert len(page["items"]) <= limit
        seen += [item[key] for item in page["items"]]
        cursor = page["nextCursor"]
        if cursor is None:
            return seen
    raise AssertionError("pagination did not end")


def test_users_and_attendees_paginate(aws: Aws) -> None:
    users = [f"user{i:02d}" for i in range(7)]
    raw = [ev.profile(f"Name {u}", user=u) for u in users] + [ev.live("s1", 5, 5, user=u) for u in users]
    apply_events([*raw, ev.catalog_session("s1", "K")])
    assert _page_through("/v1/events/e1/users", "userId", 3) == users
    assert _page_through("/v1/events/e1/sessions/s1/analytics", "userId", 2) == users
    assert _page_through("/v1/events/e1/users", "userId", 7) == users  # exactly one page: no empty extra


def test_the_longest_keys_page_through_every_user_and_attendee(aws: Aws) -> None:
    """128-character ids and names of 100 astral characters: every cursor the API hands out is
    one it accepts (a cursor once carried its key as 12-byte JSON escapes, past the 2048 limit)."""
    event = "e" * 128
    users = [f"{k}" + "u" * 127 for k in range(3)]
    name = "\U0001f600" * 100  # the name key keeps 100 characters
    raws = [ev.profile(name + str(k), user=u, ev=event) for k, u in enumerate(users)]
    apply_events([*raws, *(ev.live("s" * 128, 5, 5, user=u, ev=event) for u in users)])
    everyone = claims(sub="o", scope="analytics:read", events=["*"])
    for path, query in [
        (f"/v1/events/{event}/users", {}),
        (f"/v1/events/{event}/users", {"q": name, "sort": "-name"}),
        (f"/v1/events/{event}/sessions/{'s' * 128}/analytics", {}),
    ]:
        seen, cursor = [], None
        for _ in range(len(users) + 1):
            page_query = {"limit": "1", **query, **({"cursor": cursor} if cursor else {})}
            status, body, _ = call_api("GET", path, jwt=everyone, query=page_query)
            assert status == 200, body
            page = body if "items" in body else body["attendees"]
            seen += [item["userId"] for item in page["items"]]
            cursor = page["nextCursor"]
            if cursor is None:
                break
        assert sorted(seen) == users, path


def test_cursors_are_tamper_evident_and_bound_to_their_listing(aws: Aws) -> None:
    apply_events(
        [ev.profile(f"N{i}", user=f"u{i}") for i in range(4)]
        + [ev.profile("X", user="x", ev="e2"), ev.live("s1", 10, 5)]  # s1 exists: its listing is reached
    )
    cursor = call_api("GET", "/v1/events/e1/users", jwt=READER, query={"limit": "2"})[1]["nextCursor"]
    assert cursor
    everyone = claims(sub="o", scope="analytics:read", events=["*"])
    for path, bad in [
        ("/v1/events/e2/users", cursor),  # another event's listing
        ("/v1/events/e1/sessions/s1/analytics", cursor),  # another listing
        ("/v1/events/e1/users", cursor[:-2] + ("A" if cursor[-2] != "A" else "B") + cursor[-1]),  # tampered
        ("/v1/events/e1/users", "not-a-cursor"),
    ]:
        status, body, _ = call_api("GET", path, jwt=everyone, query={"cursor": bad})
        assert (status, body["error"]["code"]) == (400, "invalid_cursor"), path


def test_cursor_scopes_do_not_collide_when_ids_contain_colons(aws: Aws) -> None:
    # Event "a:b" session "X" and event "a" session "b:X": "attendees:a:b:X" both, when joined with ":".
    viewers = [ev.live("X", 5, 5, ev="a:b", user=f"u{i}") for i in range(3)]
    viewers += [ev.live("b:X", 5, 5, ev="a", user=f"u{i}") for i in range(3)]
    apply_events(viewers)
    everyone = claims(sub="o", scope="analytics:read", events=["*"])
    first = call_api("GET", "/v1/events/a:b/sessions/X/analytics", jwt=everyone, query={"limit": "1"})[1]
    cursor = first["attendees"]["nextCursor"]
    assert cursor
    status, body, _ = call_api(
        "GET", "/v1/events/a/sessions/b:X/analytics", jwt=everyone, query={"limit": "1", "cursor": cursor}
    )
    assert (status, body["error"]["code"]) == (400, "invalid_cursor")


ID_CHARS = "must be 1-128 characters of A-Z a-z 0-9 . _ : -, not only dots"  # the ingest contract's wording


@pytest.mark.parametrize(
    ("path", "query", "field", "message"),
    [
        ("/v1/events/bad*id/users", {}, "eventId", ID_CHARS),
        ("/v1/events/e1/sessions/s(1)/analytics", {}, "sessionId", ID_CHARS),
        ("/v1/events/e1/users", {"limit": "0"}, "limit", "must be greater than or equal to 1"),
        ("/v1/events/e1/users", {"limit": "201"}, "limit", "must be less than or equal to 200"),
        ("/v1/events/e1/users", {"limit": "ten"}, "limit", "must be an integer"),
        ("/v1/events/e1/users", {"sort": "minutes"}, "sort", "must be one of: 'name' or '-name'"),
        ("/v1/events/e1/users", {"cursor": "c" * 2049}, "cursor", "must be at most 2048 characters"),
        ("/v1/events/e1/users/" + "x" * 129 + "/analytics", {}, "userId", "must be at most 128 characters"),
        ("/v1/events/e1/users/../analytics", {}, "userId", ID_CHARS),  # not only dots, as in events
        ("/v1/events/./users", {}, "eventId", ID_CHARS),
    ],
)
def test_bad_ids_and_parameters_are_400(aws: Aws, path: str, query: dict, field: str, message: str) -> None:
    status, body, _ = call_api("GET", path, jwt=READER, query=query)
    assert status == 400
    assert body["error"]["code"] == "invalid_request"
    assert {"field": field, "message": message} in body["error"]["details"], body


def test_unknown_route_404_and_wrong_method_405(aws: Aws) -> None:
    status, body, _ = call_api("GET", "/v1/nothing/here", jwt=READER)
    assert (status, body["error"]["code"]) == (404, "route_not_found")
    status, body, headers = call_api("PUT", DASHBOARD, jwt=READER)
    assert (status, body["error"]["code"]) == (405, "method_not_allowed")
    assert headers["Allow"] == "GET, OPTIONS"


ROUTES = [
    ("GET", "/v1/events/e1/users/u1/analytics"),
    ("GET", "/v1/events/e1/users"),
    ("GET", "/v1/events/e1/sessions/s1/analytics"),
    ("GET", "/v1/events/e1/vods/v1/analytics"),
    ("DELETE", "/v1/events/e1/users/u1"),
    ("GET", "/v1/events/e1/users/u1/attachments"),  # a user's lists: the dashboard's access rules
    ("GET", "/v1/events/e1/users/u1/sessions"),
]
TOKENS = {
    **CALLERS,
    # Self-read is per event (user ids are per event): the token must still list the event.
    "self": claims(sub="u1", scope="", events=["e1"]),
    "self-other-event": claims(sub="u1", scope="", events=["e2"]),
    "self-no-events": claims(sub="u1", scope="", events=[]),
}
# Expected status per (route, token): reading needs read + event; self reads own dashboard of a listed
# event; erase needs admin.
EXPECTED = {
    "none": [401, 401, 401, 401, 401, 401, 401],
    "no-scope": [403, 403, 403, 403, 403, 403, 403],
    "ingest-only": [403, 403, 403, 403, 403, 403, 403],
    "read-other-event": [403, 403, 403, 403, 403, 403, 403],
    "read-event": [200, 200, 200, 200, 403, 200, 200],
    "read-star": [200, 200, 200, 200, 403, 200, 200],
    "self": [200, 403, 403, 403, 403, 200, 200],
    "self-other-event": [403, 403, 403, 403, 403, 403, 403],
    "self-no-events": [403, 403, 403, 403, 403, 403, 403],
    "other-user": [403, 403, 403, 403, 403, 403, 403],
    "admin-event": [403, 403, 403, 403, 200, 403, 403],
    "admin-other-event": [403, 403, 403, 403, 403, 403, 403],
}


@pytest.mark.parametrize("token", list(TOKENS))
def test_authorization_matrix(pipeline: Aws, token: str) -> None:
    got = []
    for method, path in ROUTES:
        status, body, _ = call_api(method, path, jwt=TOKENS[token])
        if status >= 400:
            assert body["error"]["code"] in {"unauthorized", "forbidden"}, body
        got.append(status)
    assert got == EXPECTED[token]


def test_dashboard_round_trips_for_a_big_user(aws: Aws) -> None:
    from dal.items import botocore_client

    raw: list[dict[str, Any]] = [ev.profile("Big User")]
    raw += [ev.live(f"s{i}", 30, 15) for i in range(100)]
    raw += [ev.vod(f"v{i}", 20, 20, 100) for i in range(50)]
    raw += [ev.download(f"a{i}", f"s{i}") for i in range(100)]
    raw += [ev.catalog_session(f"s{i}", f"Session {i}") for i in range(100)]
    raw += [ev.catalog_vod(f"v{i}", f"Video {i}", 100) for i in range(50)]
    raw += [ev.catalog_attachment(f"a{i}", f"File {i}", "pdf", f"s{i}") for i in range(100)]
    apply_events(raw)
    calls: list[tuple[str, int]] = []
    client = botocore_client()

    def count(model: Any, **_: Any) -> None:
        calls.append((model.name, threading.get_ident()))

    client.meta.events.register("before-call.dynamodb", count)
    try:
        status, board, _ = call_api("GET", DASHBOARD, jwt=READER)
    finally:
        client.meta.events.unregister("before-call.dynamodb", count)
    assert status == 200
    assert (len(board["sessions"]), len(board["vods"]), board["attachments"]["count"]) == (100, 50, 100)
    assert all(not s["catalogMissing"] for s in board["sessions"])
    print("dashboard round trips:", calls)
    # One Query, then the 250 catalog names in BatchGetItems of 100 sent side by side: 2 round trips.
    assert [c for c, _ in calls] == ["Query", "BatchGetItem", "BatchGetItem", "BatchGetItem"], calls
    assert len({thread for c, thread in calls if c == "BatchGetItem"}) > 1  # issued in parallel


def test_erase_removes_personal_data_and_reports_but_keeps_totals(pipeline: Aws, caplog: Any) -> None:
    s3 = pipeline.client("s3")
    bucket = pipeline.env["REPORTS_BUCKET"]
    s3.put_object(Bucket=bucket, Key="reports/e1/u1/2026-11-20T10-00-00Z.pdf", Body=b"%PDF")
    s3.put_object(Bucket=bucket, Key="reports/e1/u2/keep.pdf", Body=b"%PDF")
    dynamodb = pipeline.client("dynamodb")
    before = table_items(dynamodb, pipeline.table)
    caplog.set_level(logging.INFO)
    status, body, _ = call_api("DELETE", "/v1/events/e1/users/u1", jwt=ADMIN)
    assert status == 200
    assert body["erased"] is True
    assert body["reportsDeleted"] == 1
    after = table_items(dynamodb, pipeline.table)
    assert not [key for key in after if key[0] == "EVT#e1#USR#u1"]
    (tombstone,) = [item for key, item in after.items() if "#ERASED#" in key[0]]
    assert set(tombstone) == {"kind", "erased_at"}  # when, and nothing about whom
    assert body["itemsDeleted"] == len([key for key in before if key[0] == "EVT#e1#USR#u1"])
    assert after[("EVT#e1#SES#s1", "TOTAL")] == before[("EVT#e1#SES#s1", "TOTAL")]
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["reports/e1/u2/keep.pdf"]
    dump = json.dumps(list(after.items()), default=str, ensure_ascii=False) + caplog.text
    assert "Zoë" not in dump
    assert "EVT#e1#USR#u1" not in dump
    assert '"u1"' not in caplog.text
    assert call_api("GET", DASHBOARD, jwt=READER)[0] == 404
    again = call_api("DELETE", "/v1/events/e1/users/u1", jwt=ADMIN)
    assert (again[0], again[1]["itemsDeleted"]) == (200, 0)


def test_openapi_document_is_served_without_a_token(aws: Aws) -> None:
    from infra.openapi import DOCUMENT

    status, body, _headers = call_api("GET", "/v1/openapi.json", jwt=None)
    assert status == 200
    assert body == json.loads(DOCUMENT.read_text(encoding="utf-8"))


def test_new_events_after_erase_start_a_fresh_record(pipeline: Aws) -> None:
    assert call_api("DELETE", "/v1/events/e1/users/u1", jwt=ADMIN)[0] == 200
    totals_before = call_api("GET", "/v1/events/e1/sessions/s1/analytics", jwt=READER)[1]["totals"]
    later = datetime.now(UTC) + timedelta(seconds=1)
    apply_events([ev.live("s1", 30, 30, time=later.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))], start_seq=10_000)
    status, board, _ = call_api("GET", DASHBOARD, jwt=READER)
    assert status == 200
    assert board["user"]["profileMissing"] is True  # the erased name does not come back
    assert (board["kpis"]["viewedSeconds"], board["engagement"]["pollsAnswered"]) == (30, 0)
    totals = call_api("GET", "/v1/events/e1/sessions/s1/analytics", jwt=READER)[1]["totals"]
    # Anonymous totals kept their counts; the returning user counts as a viewer again (a new person to us).
    assert totals["liveSeconds"] == totals_before["liveSeconds"] + 30
    assert totals["viewers"] == totals_before["viewers"] + 1


def test_responses_are_utf8_json_without_escapes(pipeline: Aws) -> None:
    """A CJK name is 3 bytes a character in UTF-8 and 6 as a \\u escape: the dashboard sends UTF-8."""
    from query.api import handler
    from tests.support.lambda_events import FakeContext, http_event

    for path in (DASHBOARD, "/v1/events/e1/users/nobody/analytics"):  # a body and an error envelope
        response = handler(http_event("GET", path, jwt=READER), FakeContext())
        assert "\\u" not in response["body"], path
    body = handler(http_event("GET", DASHBOARD, jwt=READER), FakeContext())["body"]
    assert "Zoë Ångström-Nakamura 中村" in body


@pytest.mark.parametrize("limit", ["1", "200"])
def test_page_sizes_up_to_200_are_served(pipeline: Aws, limit: str) -> None:
    status, body, _ = call_api("GET", "/v1/events/e1/users", jwt=READER, query={"limit": limit})
    assert (status, len(body["items"]) <= int(limit)) == (200, True), body
