"""The demo event, second tabs and all, aggregates to the totals worked out from its raw events."""

from __future__ import annotations

from infra import demo
from tests.conftest import Aws
from tests.support.pipeline import apply_events, call_api
from tests.support.viewing import watched_seconds

READER = {"sub": "check", "scope": "analytics:read", "eventIds": ["*"]}


def test_demo_viewing_is_the_union_of_each_viewers_heartbeats(aws: Aws) -> None:
    events = demo.generate(seed=3, attendees=20)
    overlapping = sum(1 for e in events if e["type"] == "view.heartbeat") - sum(
        len(s) // demo.HEARTBEAT
        for kind in ("live", "recording", "vod")
        for s in watched_seconds(events, kind).values()
    )
    assert overlapping > 0  # some viewers had a second tab: their extra beats add no seconds
    apply_events(events)
    live = watched_seconds(events, "live")
    recorded = watched_seconds(events, "recording")
    for session in sorted({s for _, s in live}):
        status, body, _ = call_api(
            "GET", f"/v1/events/{demo.EVENT_ID}/sessions/{session}/analytics", jwt=READER
        )
        assert status == 200
        totals = body["totals"]
        assert totals["liveSeconds"] == sum(len(v) for (_, s), v in live.items() if s == session)
        assert totals["recordingSeconds"] == sum(len(v) for (_, s), v in recorded.items() if s == session)
        assert totals["viewers"] == len({u for (u, s) in (*live, *recorded) if s == session})
    vod = watched_seconds(events, "vod")
    for user in sorted({u for u, _ in live})[:10]:
        status, board, _ = call_api("GET", f"/v1/events/{demo.EVENT_ID}/users/{user}/analytics", jwt=READER)
        assert status == 200
        assert board["viewing"]["liveSeconds"] == sum(len(v) for (u, _), v in live.items() if u == user)
        assert board["viewing"]["vodSeconds"] == sum(len(v) for (u, _), v in vod.items() if u == user)
        sources = [a["source"] for a in board["attachments"]["items"]]
        assert all(s["name"] and s["name"] != s["id"] for s in sources)  # names, never ids
        assert not any(row["catalogMissing"] for row in board["sessions"])
