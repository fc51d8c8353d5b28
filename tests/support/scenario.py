"""A scripted attendee whose aggregates are worked out by hand below."""

from __future__ import annotations

from typing import Any

from tests.support import events as ev


def scripted_events() -> list[dict[str, Any]]:
    return [
        ev.profile("Zoë Ångström", role="Speaker", company="Acme", country="SE"),
        ev.catalog_session("s1", "Keynote"),
        ev.catalog_session("s2", "Panel"),
        ev.catalog_vod("v1", "Intro", 100),
        ev.live("s1", 10, 10),
        ev.live("s1", 10, 5),
        ev.live("s1", 20, 0),
        ev.live("s1", 10, 10, user="u2"),
        ev.recording("s2", 30, position=30),
        ev.recording("s2", 30, position=60),
        ev.vod("v1", 10, 30, 100),
        ev.vod("v1", 10, 30, 100),  # re-watch: minutes yes, completion no
        ev.vod("v1", 20, 60),  # no duration on the heartbeat: kept as a span
        ev.session_event("reaction.sent", "s1"),
        ev.session_event("reaction.sent", "s1"),
        ev.session_event("hand.raised", "s1"),
        ev.session_event("qna.thread.created", "s1"),
        ev.poll("s1", "p1"),
        ev.poll("s1", "p1"),
        ev.poll("s1", "p2"),
        ev.chat("s1"),
        ev.chat("s1"),
        ev.chat(),
        ev.chat("s1", "direct"),
        ev.download("a1", "s1"),
        ev.download("a1", "s1"),
        ev.download("a2"),
    ]


U1 = "EVT#e1#USR#u1"
EXPECTED: dict[tuple[str, str], dict[str, Any]] = {
    (U1, "SES#s1"): {
        "live_seconds": 40,
        "engaged_seconds": 15,
        "reactions": 2,
        "hands": 1,
        "qna": 1,
        "chat": 2,
        "polls": {"p1", "p2"},
        "poll_answers": 3,
    },
    (U1, "SES#s2"): {"recording_seconds": 60},
    (U1, "VOD#v1"): {"vod_seconds": 40, "buckets": set(range(20, 30)), "spans": {"40:60"}, "duration": 100},
    (U1, "ATT#a1"): {"downloads": 2, "source_kind": "session", "source_id": "s1"},
    (U1, "ATT#a2"): {"downloads": 1},
    (U1, "EVENT"): {"chat": 1},
    (U1, "PROFILE"): {"name": "Zoë Ångström", "role": "Speaker", "company": "Acme", "country": "SE"},
    ("EVT#e1#USR#u2", "SES#s1"): {"live_seconds": 10, "engaged_seconds": 10},
    ("EVT#e1#SES#s1", "TOTAL"): {
        "live_seconds": 50,
        "engaged_seconds": 25,
        "reactions": 2,
        "hands": 1,
        "qna": 1,
        "chat": 2,
        "poll_answers": 3,
        "downloads": 2,
        "viewers": 2,
    },
    ("EVT#e1#SES#s2", "TOTAL"): {"recording_seconds": 60, "viewers": 1},
    ("EVT#e1#VOD#v1", "TOTAL"): {"vod_seconds": 40, "viewers": 1},
    ("EVT#e1#CATALOG", "SES#s1"): {"name": "Keynote"},
    ("EVT#e1#CATALOG", "SES#s2"): {"name": "Panel"},
    ("EVT#e1#CATALOG", "VOD#v1"): {"name": "Intro", "duration": 100},
}

BOOKKEEPING = ("hwm_", "gsi1", "kind", "view_seq", "profile_time", "catalog_time")


def business_fields(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if not k.startswith(BOOKKEEPING)}
