"""A user past the 200-row cap, through the real pipeline and query handler: the dashboard's top
rows, exact totals, the paged full lists, and the cursors and limits they refuse."""

from __future__ import annotations

from typing import Any

import pytest

from domain import dashboard
from tests.conftest import Aws
from tests.support import events as ev
from tests.support.lambda_events import STAGE, claims
from tests.support.pipeline import apply_events, call_api

READER = claims(sub="organiser", scope="analytics:read", events=["e1", "e2"])
BASE = "/v1/events/e1/users/u1"
# moto's Query costs seconds for a partition of hundreds of items, so the handler is run with a cap
# of 6 rows here; the 200-row cap itself is tested on the rollup (tests/unit/test_bounded_dashboard.py).
CAP = 6
SESSIONS, VODS, ATTACHMENTS = 9, 3, 11


def _seed() -> None:
    raws: list[dict[str, Any]] = [ev.profile("Heavy user"), ev.profile("Other", user="u2")]
    raws += [ev.live(f"s{i:03d}", 1 + i % 5, 0) for i in range(SESSIONS)]
    raws += [ev.vod(f"v{i}", 10 + i, 10, 100) for i in range(VODS)]
    # Attachment a000..a204; each a{i} downloaded 1 + i % 3 times from session s{i % 7}.
    for i in range(ATTACHMENTS):
        raws += [ev.download(f"a{i:03d}", f"s{i % 7:03d}") for _ in range(1 + i % 3)]
    raws += [
        ev.catalog_attachment(f"a{i:03d}", f"ファイル {i:03d}.pdf", "pdf", "s000") for i in range(ATTACHMENTS)
    ]
    raws += [ev.catalog_session(f"s{i:03d}", f"Sitzung {i:03d}") for i in range(SESSIONS)]
    raws += [ev.live("s000", 10, 0, user="u2"), ev.live("s000", 10, 0, ev="e2")]
    apply_events(raws)


@pytest.fixture
def heavy(aws: Aws, monkeypatch: pytest.MonkeyPatch) -> Aws:
    monkeypatch.setattr(dashboard, "LIST_LIMIT", CAP)
    _seed()
    return aws


def _all_pages(listing: str, limit: int) -> tuple[list[dict[str, Any]], list[int]]:
    rows: list[dict[str, Any]] = []
    counts: list[int] = []
    cursor = None
    for _ in range(300):
        query = {"limit": str(limit), **({"cursor": cursor} if cursor else {})}
        status, page, _ = call_api("GET", f"{BASE}/{listing}", jwt=READER, query=query)
        assert status == 200, page
        assert len(page["items"]) <= limit
        rows += page["items"]
        counts.append(page["count"])
        cursor = page["nextCursor"]
        if cursor is None:
            return rows, counts
    raise AssertionError("pagination did not end")


def test_dashboard_caps_each_list_and_pages_serve_the_rest(heavy: Aws) -> None:
    status, board, _ = call_api("GET", f"{BASE}/analytics", jwt=READER)
    assert status == 200, board
    assert len(board["sessions"]) == len(board["attachments"]["items"]) == CAP
    assert board["lists"]["sessions"] == {
        "count": SESSIONS,
        "shown": CAP,
        "hasMore": True,
        "links": {"all": f"/{STAGE}{BASE}/sessions"},
    }
    assert board["lists"]["attachments"]["count"] == board["attachments"]["count"] == ATTACHMENTS
    assert board["lists"]["vods"] == {
        "count": VODS,
        "shown": VODS,
        "hasMore": False,
        "links": {"all": f"/{STAGE}{BASE}/vods"},
    }
    assert board["engagement"]["attachmentsDownloaded"] == ATTACHMENTS
    assert board["kpis"]["sessionsViewed"] == SESSIONS  # exact over every row

    sessions, counts = _all_pages("sessions", 4)
    assert set(counts) == {SESSIONS}
    ranked = sorted(range(SESSIONS), key=lambda i: (-(1 + i % 5), f"s{i:03d}"))
    assert [s["sessionId"] for s in sessions] == [f"s{i:03d}" for i in ranked]  # best first, once each
    assert {s["sessionId"] for s in board["sessions"]} == {f"s{i:03d}" for i in ranked[:CAP]}
    assert sum(s["attachmentsDownloaded"] for s in sessions) == sum(1 + i % 3 for i in range(ATTACHMENTS))
    assert sessions[0]["name"].startswith("Sitzung ")

    attachments, _ = _all_pages("attachments", 200)  # one page
    ranked_a = sorted(range(ATTACHMENTS), key=lambda i: (-(1 + i % 3), f"a{i:03d}"))
    assert [a["attachmentId"] for a in attachments] == [f"a{i:03d}" for i in ranked_a]
    assert all(a["name"] == f"ファイル {a['attachmentId'][1:]}.pdf" for a in attachments)
    assert {a["attachmentId"] for a in board["attachments"]["items"]} == {f"a{i:03d}" for i in ranked_a[:CAP]}

    vods, _ = _all_pages("vods", 1)
    assert [v["vodId"] for v in vods] == ["v2", "v1", "v0"]


def test_list_cursors_are_refused_on_another_user_event_or_list(heavy: Aws) -> None:
    cursor = call_api("GET", f"{BASE}/sessions", jwt=READER, query={"limit": "2"})[1]["nextCursor"]
    assert cursor
    for path in (
        "/v1/events/e1/users/u2/sessions",  # another user
        "/v1/events/e2/users/u1/sessions",  # another event
        f"{BASE}/attachments",  # another list of the same user
        f"{BASE}/vods",
        "/v1/events/e1/users",  # another listing altogether
        "/v1/events/e1/sessions/s000/analytics",
    ):
        status, body, _ = call_api("GET", path, jwt=READER, query={"cursor": cursor})
        assert (status, body["error"]["code"]) == (400, "invalid_cursor"), path
        assert set(body["error"]) >= {"code", "message"}
    # The user listing's cursor is no list cursor either.
    users_cursor = call_api("GET", "/v1/events/e1/users", jwt=READER, query={"limit": "1"})[1]["nextCursor"]
    status, body, _ = call_api("GET", f"{BASE}/sessions", jwt=READER, query={"cursor": users_cursor})
    assert (status, body["error"]["code"]) == (400, "invalid_cursor")
    # The same cursor on its own list works.
    status, page, _ = call_api("GET", f"{BASE}/sessions", jwt=READER, query={"limit": "2", "cursor": cursor})
    assert status == 200
    assert len(page["items"]) == 2


@pytest.mark.parametrize("listing", ["sessions", "vods", "attachments"])
@pytest.mark.parametrize("limit", ["0", "201", "-1", "many"])
def test_list_limit_outside_1_to_200_is_400(aws: Aws, listing: str, limit: str) -> None:
    apply_events([ev.live("s1", 10, 0)])
    status, body, _ = call_api("GET", f"{BASE}/{listing}", jwt=READER, query={"limit": limit})
    assert (status, body["error"]["code"]) == (400, "invalid_request")
    assert any(d["field"] == "limit" for d in body["error"]["details"]), body


def test_lists_of_an_unknown_user_are_404_and_need_read_access(aws: Aws) -> None:
    apply_events([ev.live("s1", 10, 0)])
    status, body, _ = call_api("GET", "/v1/events/e1/users/nobody/attachments", jwt=READER)
    assert (status, body["error"]["code"]) == (404, "user_not_found")
    status, _, _ = call_api("GET", f"{BASE}/sessions", jwt=claims(sub="u2", scope="", events=["e1"]))
    assert status == 403
    status, page, _ = call_api("GET", f"{BASE}/sessions", jwt=claims(sub="u1", scope="", events=["e1"]))
    assert status == 200
    assert page["count"] == 1
    assert page["nextCursor"] is None
