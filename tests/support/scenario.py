"""A scripted attendee whose aggregates are worked out by hand below."""

from __future__ import annotations

import json
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
        ev.vod("v1", 10, 30, 100, time="2026-11-20T10:10:00Z"),
        ev.vod("v1", 10, 30, 100, time="2026-11-20T10:11:00Z"),  # re-watch: minutes yes, completion no
        ev.vod("v1", 20, 60, time="2026-11-20T10:12:00Z"),  # duration known from the earlier beats
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
# What the scripted events leave, as readers see it: hourly viewing items summed per content item
# (``VIEWING#<kind>#<id>``), bookkeeping left out (see ``visible``).
EXPECTED: dict[tuple[str, str], dict[str, Any]] = {
    (U1, "SES#s1"): {
        "viewed": 1,
        "reactions": 2,
        "hands": 1,
        "qna": 1,
        "chat": 2,
        "poll_answers": 2,  # p1 answered twice counts once
    },
    (U1, "VIEWING#live#s1"): {"seconds": 40, "engaged": 15},
    (U1, "SES#s2"): {"viewed": 1},
    (U1, "VIEWING#recording#s2"): {"seconds": 60, "engaged": 0},
    (U1, "VOD#v1"): {"viewed": 1},
    (U1, "VIEWING#vod#v1"): {"seconds": 40, "engaged": 0, "buckets": {*range(20, 30), *range(40, 60)}},
    (U1, "ATT#a1"): {"downloads": 2, "named": '{"SES#s1":2}'},
    (U1, "ATT#a2"): {"downloads": 1},
    (U1, "EVENT"): {"chat": 1},
    (U1, "PROFILE"): {"name": "Zoë Ångström", "role": "Speaker", "company": "Acme", "country": "SE"},
    ("EVT#e1#USR#u2", "SES#s1"): {"viewed": 1},
    ("EVT#e1#USR#u2", "VIEWING#live#s1"): {"seconds": 10, "engaged": 10},
    ("EVT#e1#SES#s1", "TOTAL"): {
        "live_seconds": 50,
        "engaged_seconds": 25,
        "reactions": 2,
        "hands": 1,
        "qna": 1,
        "chat": 2,
        "poll_answers": 2,  # summed over users, as on the users' items
        "downloads": 2,
        "viewers": 2,
    },
    ("EVT#e1#SES#s2", "TOTAL"): {"recording_seconds": 60, "viewers": 1},
    ("EVT#e1#VOD#v1", "TOTAL"): {"vod_seconds": 40, "viewers": 1},
    ("EVT#e1#ATT#a2", "TOTAL"): {"downloads": 1},
    ("EVT#e1#CATALOG", "SES#s1"): {"name": "Keynote"},
    ("EVT#e1#CATALOG", "SES#s2"): {"name": "Panel"},
    ("EVT#e1#CATALOG", "VOD#v1"): {"name": "Intro", "duration": 100},
}

BOOKKEEPING = (
    "hwm_",
    "gsi1",
    "kind",
    "profile_time",
    "catalog_time",
    "version",
    "pending",
    "dedup",
    "hours",
    "open_hours",
)


def business_fields(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if not k.startswith(BOOKKEEPING)}


def readers_view(items: dict[tuple[str, str], dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    """Items as the read side rolls them up: hourly viewing summed per content item, no bookkeeping."""
    from domain.coverage import from_bytes
    from domain.keys import DEDUP_PREFIX, VIEW_PREFIX, parse_view_sk

    view: dict[tuple[str, str], dict[str, Any]] = {}
    for (pk, sk), item in sorted(items.items()):
        if sk.startswith(DEDUP_PREFIX):
            continue
        if not sk.startswith(VIEW_PREFIX):
            view[(pk, sk)] = business_fields(item)
            continue
        kind, content, _ = parse_view_sk(sk)
        summed = view.setdefault((pk, f"VIEWING#{kind}#{content}"), {"seconds": 0, "engaged": 0})
        summed["seconds"] += item.get("seconds", 0)
        summed["engaged"] += item.get("engaged", 0)
        buckets = from_bytes(bytes(item["buckets"])) if "buckets" in item else 0
        if buckets:
            summed["buckets"] = summed.get("buckets", set()) | {b for b in range(100) if buckets >> b & 1}
        if "spans" in item:
            summed["spans"] = summed.get("spans", set()) | set(json.loads(item["spans"]))
    return view
