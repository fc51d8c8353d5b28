"""Builders for raw interaction events (the producer's JSON) and hypothesis strategies."""

from __future__ import annotations

import itertools
from typing import Any

from hypothesis import strategies as st

_ids = itertools.count(1)
_beats = itertools.count(1)
BASE_TIME = "2026-11-20T10:00:00Z"


def next_beat_time() -> str:
    """Heartbeats are stamped a minute apart unless a test says otherwise: a player's beats
    never overlap, so each one's seconds are new viewing (as hand-worked expectations assume)."""
    minute = next(_beats) % (24 * 60)
    return f"2026-11-20T{minute // 60:02d}:{minute % 60:02d}:00Z"


def event(
    kind: str, data: dict[str, Any], *, user: str | None = "u1", ev: str = "e1", **extra: Any
) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "id": extra.pop("id", f"evt-{next(_ids)}"),
        "type": kind,
        "time": BASE_TIME,
        "eventId": ev,
    }
    if user is not None:
        raw["userId"] = user
    raw["data"] = data
    raw.update(extra)
    return raw


def live(session: str, seconds: int = 10, engaged: int = 0, **kw: Any) -> dict[str, Any]:
    kw.setdefault("time", next_beat_time())
    return event(
        "view.heartbeat",
        {"kind": "live", "sessionId": session, "seconds": seconds, "engagedSeconds": engaged},
        **kw,
    )


def recording(session: str, seconds: int = 10, position: float | None = None, **kw: Any) -> dict[str, Any]:
    kw.setdefault("time", next_beat_time())
    data: dict[str, Any] = {"kind": "recording", "sessionId": session, "seconds": seconds}
    if position is not None:
        data["position"] = position
    return event("view.heartbeat", data, **kw)


def vod(
    video: str, seconds: int, position: float | None, duration: float | None = None, **kw: Any
) -> dict[str, Any]:
    kw.setdefault("time", next_beat_time())
    data: dict[str, Any] = {"kind": "vod", "vodId": video, "seconds": seconds}
    if position is not None:
        data["position"] = position
    if duration is not None:
        data["durationSeconds"] = duration
    return event("view.heartbeat", data, **kw)


def profile(name: str, time: str = BASE_TIME, **kw: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {k: kw.pop(k) for k in ("role", "company", "industry", "country") if k in kw}
    return event("user.profile", {"name": name, **fields}, time=time, **kw)


def session_event(kind: str, session: str, **kw: Any) -> dict[str, Any]:
    data = {"sessionId": session, **kw.pop("data", {})}
    return event(kind, data, **kw)


def poll(session: str, poll_id: str, **kw: Any) -> dict[str, Any]:
    return event("poll.answered", {"sessionId": session, "pollId": poll_id}, **kw)


def chat(session: str | None = None, channel: str = "group", **kw: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"channel": channel}
    if session is not None:
        data["sessionId"] = session
    return event("chat.message.sent", data, **kw)


def download(attachment: str, session: str | None = None, **kw: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"attachmentId": attachment}
    if session is not None:
        data["sessionId"] = session
    return event("attachment.downloaded", data, **kw)


def catalog_session(session: str, name: str, **kw: Any) -> dict[str, Any]:
    return event("catalog.session", {"sessionId": session, "name": name}, user=None, **kw)


def catalog_vod(video: str, name: str, duration: float, **kw: Any) -> dict[str, Any]:
    return event("catalog.vod", {"vodId": video, "name": name, "durationSeconds": duration}, user=None, **kw)


def catalog_attachment(attachment: str, name: str, file_type: str, session: str, **kw: Any) -> dict[str, Any]:
    data = {"attachmentId": attachment, "name": name, "fileType": file_type, "sessionId": session}
    return event("catalog.attachment", data, user=None, **kw)


# --- hypothesis ------------------------------------------------------------------------------------

USERS = st.sampled_from(["u1", "u2", "u3"])
SESSIONS = st.sampled_from(["s1", "s2"])
VODS = st.sampled_from(["v1", "v2"])
TIMES = st.sampled_from([f"2026-11-20T10:0{m}:00Z" for m in range(10)])


@st.composite
def raw_events(draw: st.DrawFn) -> dict[str, Any]:
    user = draw(USERS)
    session = draw(SESSIONS)
    choice = draw(st.integers(0, 11))
    seconds = draw(st.integers(1, 60))
    if choice == 0:
        return live(session, seconds, draw(st.integers(0, seconds)), user=user)
    if choice == 1:
        return recording(session, seconds, user=user)
    if choice == 2:
        duration = draw(st.sampled_from([None, 120, 600.5]))
        position = draw(st.sampled_from([0, 5, 59.5, 300, 1000]))
        return vod(draw(VODS), seconds, position, duration, user=user)
    if choice == 3:
        return profile(draw(st.sampled_from(["Ana", "Zoë", "Дмитрий"])), draw(TIMES), user=user)
    if choice == 4:
        return poll(session, draw(st.sampled_from(["p1", "p2"])), user=user)
    if choice == 5:
        return chat(
            draw(st.sampled_from([None, session])), draw(st.sampled_from(["group", "direct"])), user=user
        )
    if choice == 6:
        return download(
            draw(st.sampled_from(["a1", "a2"])), draw(st.sampled_from([None, session])), user=user
        )
    if choice == 7:
        return catalog_session(session, draw(st.sampled_from(["Keynote", "Panel"])), time=draw(TIMES))
    kind = ["reaction.sent", "hand.raised", "qna.thread.created", "reaction.sent"][choice - 8]
    return session_event(kind, session, user=user)
