"""All users: name prefix search and name order; session attendees by minutes (SPEC 11, issue 12)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Aws
from tests.support import events as ev
from tests.support.lambda_events import claims
from tests.support.pipeline import apply_events, call_api

READER = claims(sub="organiser", scope="analytics:read", events=["e1", "e2"])


def _users(query: dict[str, str] | None = None, event: str = "e1") -> tuple[int, dict[str, Any]]:
    status, body, _ = call_api("GET", f"/v1/events/{event}/users", jwt=READER, query=query or {})
    return status, body


def _seed_profiles() -> None:
    apply_events(
        [
            ev.profile("anabel", user="u1"),
            ev.profile("Zoë", user="u2"),
            ev.profile("Ana Müller", user="u3", company="Acme"),
            ev.profile("Ana Müller", user="u5", company="Globex"),
            ev.profile("Bob", user="u4"),
        ]
    )


def test_users_sort_by_name_both_ways_and_search_by_prefix(aws: Aws) -> None:
    _seed_profiles()
    names = lambda body: [(i["name"], i["userId"]) for i in body["items"]]  # noqa: E731
    ascending = [("Ana Müller", "u3"), ("Ana Müller", "u5"), ("anabel", "u1"), ("Bob", "u4"), ("Zoë", "u2")]
    assert names(_users()[1]) == ascending  # name order is the default
    assert names(_users({"sort": "-name"})[1]) == ascending[::-1]
    assert names(_users({"q": "ANA"})[1]) == ascending[:3]  # case-insensitive prefix
    assert names(_users({"q": "ana m"})[1]) == ascending[:2]
    assert names(_users({"q": "ＺＯ"})[1]) == [("Zoë", "u2")]  # full-width letters normalise (NFKC)
    assert names(_users({"q": "zoe"})[1]) == [("Zoë", "u2")]  # and accents don't count
    assert names(_users({"q": "ana mu"})[1]) == ascending[:2]
    assert _users({"q": "nobody"})[1] == {"items": [], "nextCursor": None}


def test_a_user_whose_name_shows_nothing_is_listed_and_found_under_the_id_shown(aws: Aws) -> None:
    blank = ev.profile("\u200b", user="zz-blank")
    apply_events([blank, ev.profile("Zed", user="aa-user"), ev.profile("ud", user="u1")])
    listed = [(i["name"], i["userId"]) for i in _users()[1]["items"]]
    assert listed == [("ud", "u1"), ("Zed", "aa-user"), ("zz-blank", "zz-blank")]
    assert [i["userId"] for i in _users({"q": "zz-"})[1]["items"]] == ["zz-blank"]
    assert _users({"q": "\u200b"})[0] == 400  # empty once normalised


def test_users_search_pages_with_cursors_bound_to_the_query(aws: Aws) -> None:
    apply_events(
        [ev.profile(f"Ana {i:02d}", user=f"a{i:02d}") for i in range(5)] + [ev.profile("Bo", user="b")]
    )
    seen, cursor = [], None
    for _ in range(5):
        status, body = _users({"q": "ana", "limit": "2", **({"cursor": cursor} if cursor else {})})
        assert status == 200, body
        seen += [i["userId"] for i in body["items"]]
        cursor = body["nextCursor"]
        if cursor is None:
            break
    assert seen == [f"a{i:02d}" for i in range(5)]
    first = _users({"q": "ana", "limit": "2"})[1]["nextCursor"]
    for other in ({"q": "an"}, {"sort": "-name", "q": "ana"}, {}):  # another listing: refused
        status, body = _users({**other, "cursor": first})
        assert (status, body["error"]["code"]) == (400, "invalid_cursor"), other


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ({"sort": "minutes"}, "invalid_request"),
        ({"sort": "NAME"}, "invalid_request"),
        ({"q": ""}, "invalid_request"),
        ({"q": "x" * 101}, "invalid_request"),
        ({"q": "   "}, "invalid_prefix"),
        ({"q": "\u0007"}, "invalid_prefix"),
    ],
)
def test_bad_sort_and_prefix_are_400_with_the_envelope(aws: Aws, query: dict[str, str], code: str) -> None:
    status, body = _users(query)
    assert status == 400, body
    assert body["error"]["code"] == code
    assert body["error"]["message"]


def _minutes(user: str, minutes: int, start_minute: int = 0) -> list[dict[str, Any]]:
    """``minutes`` one-minute live heartbeats from 10:00 plus ``start_minute`` (crossing 11:00)."""
    out = []
    for m in range(start_minute + 1, start_minute + minutes + 1):
        hh, mm = divmod(m, 60)
        out.append(ev.live("s1", 60, 30, user=user, time=f"2026-11-20T{10 + hh:02d}:{mm:02d}:00Z"))
    return out


def test_attendees_are_sorted_by_minutes_bucket_then_id_with_exact_minutes(aws: Aws) -> None:
    beats = _minutes("u1", 3) + _minutes("u2", 40, start_minute=40) + _minutes("u3", 20) + _minutes("u4", 16)
    apply_events([*beats, ev.session_event("reaction.sent", "s1", user="u0"), ev.catalog_session("s1", "K")])
    status, body, _ = call_api("GET", "/v1/events/e1/sessions/s1/analytics", jwt=READER, query={"limit": "3"})
    assert status == 200, body
    rows = body["attendees"]["items"]
    # u2: 40 min (bucket 30+), u3 and u4: 15..30 min, by id; then u0 (no viewing) and u1 (3 min).
    assert [(r["userId"], r["viewedSeconds"]) for r in rows] == [("u2", 2400), ("u3", 1200), ("u4", 960)]
    assert rows[0]["minutesViewed"] == 40.0
    assert rows[0]["engagementRate"] == 0.5
    cursor = body["attendees"]["nextCursor"]
    rest = call_api(
        "GET", "/v1/events/e1/sessions/s1/analytics", jwt=READER, query={"limit": "3", "cursor": cursor}
    )[1]["attendees"]
    assert [(r["userId"], r["viewedSeconds"]) for r in rest["items"]] == [("u0", 0), ("u1", 180)]
    assert rest["nextCursor"] is None


def test_an_attendee_with_more_hours_than_the_anchor_lists_shows_the_dashboards_figures(aws: Aws) -> None:
    """98 hours of live viewing: the anchor merges its oldest hours into one entry (minutes.MERGED).
    The attendee row must still read live seconds as live, keep their engaged seconds, and count
    a late beat for a merged hour once."""
    times = [f"2026-11-{20 + h // 24:02d}T{h % 24:02d}:30:00Z" for h in range(98)]  # one beat an hour
    hours = [ev.live("s1", 60, 30, user="u1", time=when) for when in times]
    late = ev.live("s1", 60, 60, user="u1", time="2026-11-20T00:10:00Z")  # new seconds in the first hour
    apply_events(hours[:97])
    apply_events(hours[97:], start_seq=1000)
    apply_events([late], start_seq=2000)
    status, body, _ = call_api("GET", "/v1/events/e1/sessions/s1/analytics", jwt=READER)
    assert status == 200, body
    (row,) = body["attendees"]["items"]
    status, board, _ = call_api("GET", "/v1/events/e1/users/u1/analytics", jwt=READER)
    assert status == 200, board
    (session,) = board["sessions"]
    assert row["viewedSeconds"] == session["viewedSeconds"] == 99 * 60
    assert row["engagementRate"] == session["engagementRate"] == round((98 * 30 + 60) / (99 * 60), 4)
