"""A realistic, deterministic demo event, sent through ``POST /v1/interactions``.

~200 attendees with names in several scripts, 12 live sessions (with recordings), 6
VODs, 20 attachments, heartbeats every 30 s with varied engagement, chat, polls, Q&A,
reactions, raised hands and downloads. One player's beats never overlap; about one viewer in
six has a second tab or device open for part of a session, whose beats overlap the first's
(viewing counts the union, so it adds no minutes). Same seed, same event.
"""

from __future__ import annotations

import json
import random
import urllib.request
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

EVENT_ID = "demo-2026"
HEARTBEAT = 30
SECOND_TAB = 0.15  # share of live viewers with a second tab or device for a while

FIRST = {
    "latin": [
        "Zoë",
        "José",
        "Ana",
        "François",
        "Björn",
        "Łucja",
        "Søren",
        "Inês",
        "Mateo",
        "Chloé",
        "Liam",
        "Emma",
    ],
    "cyrillic": ["Дмитрий", "Анна", "Ольга", "Сергей", "Мария", "Иван"],
    "greek": ["Αλέξανδρος", "Ελένη", "Νίκος", "Σοφία"],
    "cjk": ["太郎", "花子", "伟", "静", "민준", "서연"],
    "arabic": ["محمد", "فاطمة", "أحمد", "ليلى"],
    "hebrew": ["נועה", "דוד", "מיכל", "יוסף"],
}
LAST = {
    "latin": ["García", "Müller", "Dubois", "Nowak", "Østergaard", "Silva", "Rossi", "O'Brien", "Núñez"],
    "cyrillic": ["Иванов", "Смирнова", "Петров", "Кузнецова"],
    "greek": ["Παπαδόπουλος", "Γεωργίου", "Οικονόμου"],
    "cjk": ["山田", "佐藤", "王", "李", "김", "박"],
    "arabic": ["الحسن", "العلي", "منصور"],
    "hebrew": ["כהן", "לוי", "מזרחי"],
}
SCRIPT_WEIGHTS = {"latin": 50, "cyrillic": 14, "greek": 8, "cjk": 14, "arabic": 7, "hebrew": 7}
ROLES = ["Attendee", "Speaker", "Sponsor", "Organizer", "Press"]
COMPANIES = ["Acme Corp", "Globex", "Initech", "Umbrella", "Stark Industries", "Wayne Enterprises", "Hooli"]
INDUSTRIES = ["Software", "Media", "Finance", "Healthcare", "Education", "Retail"]
COUNTRIES = ["US", "DE", "FR", "JP", "BR", "IL", "EG", "GR", "UA", "KR", "ES", "PL"]
SESSIONS = [
    "Opening keynote",
    "Serverless at scale",
    "Данные в реальном времени",
    "Η τέχνη του API",
    "イベント駆動アーキテクチャ",
    "Designing for résumé-driven teams",
    "Security by default",
    "تحليلات الجمهور",
    "עיצוב חוויית משתמש",
    "Cost-aware architecture",
    "Panel: the future of events",
    "Closing keynote",
]
VODS = [
    ("Getting started", 420),
    ("Deep dive: Kinesis", 1260),
    ("DynamoDB single-table design", 1800),
    ("Observability 101", 600),
    ("Case study: 100k attendees", 900),
    ("Q&A highlights", 300),
]
FILE_TYPES = ["pdf", "pptx", "xlsx", "docx", "zip", "png", "application/pdf", "mp4", "csv", "txt"]


def _name(rng: random.Random) -> str:
    script = rng.choices(list(SCRIPT_WEIGHTS), weights=list(SCRIPT_WEIGHTS.values()))[0]
    return f"{rng.choice(FIRST[script])} {rng.choice(LAST[script])}"


class _Ids:
    def __init__(self) -> None:
        self.n = 0

    def __call__(self) -> str:
        self.n += 1
        return f"demo-{self.n:07d}"


def generate(seed: int = 7, attendees: int = 200, start: datetime | None = None) -> list[dict[str, Any]]:
    """Every event of the demo, in time order (times in the past so none is rejected)."""
    rng = random.Random(seed)
    new_id = _Ids()
    begin = start or (datetime.now(UTC) - timedelta(hours=8)).replace(minute=0, second=0, microsecond=0)
    events: list[dict[str, Any]] = []

    def add(kind: str, when: datetime, data: dict[str, Any], user: str | None = None) -> None:
        event: dict[str, Any] = {"id": new_id(), "type": kind, "time": when.isoformat(), "eventId": EVENT_ID}
        if user is not None:
            event["userId"] = user
        event["data"] = data
        events.append(event)

    slots = [begin + timedelta(minutes=25 * i) for i in range(len(SESSIONS))]
    for i, name in enumerate(SESSIONS):
        add(
            "catalog.session",
            begin,
            {"sessionId": f"s{i + 1:02d}", "name": name, "startsAt": slots[i].isoformat()},
        )
    for i, (name, duration) in enumerate(VODS):
        add("catalog.vod", begin, {"vodId": f"v{i + 1}", "name": name, "durationSeconds": duration})
    for i in range(20):
        source = {"sessionId": f"s{rng.randint(1, 12):02d}"} if i < 15 else {"vodId": f"v{rng.randint(1, 6)}"}
        file_type = FILE_TYPES[i % len(FILE_TYPES)]
        extension = file_type.rsplit("/", 1)[-1]
        name = (
            f"{rng.choice(['Slides', 'Handout', 'Workbook', 'Dataset', 'Checklist'])} {i + 1:02d}.{extension}"
        )
        add(
            "catalog.attachment",
            begin,
            {"attachmentId": f"a{i + 1:02d}", "name": name, "fileType": file_type, **source},
        )

    for n in range(attendees):
        user = f"user-{n + 1:04d}"
        add(
            "user.profile",
            begin,
            {
                "name": _name(rng),
                "role": rng.choice(ROLES),
                "company": rng.choice(COMPANIES),
                "industry": rng.choice(INDUSTRIES),
                "country": rng.choice(COUNTRIES),
            },
            user,
        )
        focus = rng.uniform(0.2, 1.0)  # how engaged this person tends to be
        for s in rng.sample(range(12), rng.randint(2, 4)):
            events.extend(_live_session(rng, new_id, user, s, slots[s], focus))
        for s in rng.sample(range(12), rng.randint(0, 2)):
            events.extend(_recording(rng, new_id, user, s, begin + timedelta(hours=5)))
        for v in rng.sample(range(6), rng.randint(0, 3)):
            events.extend(_vod(rng, new_id, user, v, begin + timedelta(hours=5, minutes=30)))
        if rng.random() < 0.3:
            add(
                "chat.message.sent",
                begin + timedelta(minutes=rng.randint(0, 300)),
                {"channel": "group"},
                user,
            )
        for _ in range(rng.randint(0, 3)):
            attachment = rng.randint(1, 20)
            add(
                "attachment.downloaded",
                begin + timedelta(minutes=rng.randint(0, 330)),
                {"attachmentId": f"a{attachment:02d}"},
                user,
            )
    events.sort(key=lambda e: e["time"])
    return events


def _event(new_id: _Ids, kind: str, when: datetime, user: str, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": new_id(),
        "type": kind,
        "time": when.isoformat(),
        "eventId": EVENT_ID,
        "userId": user,
        "data": data,
    }


def _live_session(
    rng: random.Random, new_id: _Ids, user: str, s: int, starts: datetime, focus: float
) -> Iterator[dict[str, Any]]:
    session = f"s{s + 1:02d}"
    joined = starts + timedelta(seconds=rng.randint(0, 300))
    beats = rng.randint(6, 24)  # 3 to 12 minutes
    for b in range(beats):
        engaged = HEARTBEAT if rng.random() < focus else rng.randint(0, HEARTBEAT)
        data = {"kind": "live", "sessionId": session, "seconds": HEARTBEAT, "engagedSeconds": engaged}
        yield _event(new_id, "view.heartbeat", joined + timedelta(seconds=HEARTBEAT * (b + 1)), user, data)
    if rng.random() < SECOND_TAB:  # a second tab, offset by a few seconds, for part of the session
        offset = rng.randint(1, HEARTBEAT - 1)
        first = rng.randint(0, beats // 2)
        for b in range(first, min(beats, first + rng.randint(2, 8))):
            data = {"kind": "live", "sessionId": session, "seconds": HEARTBEAT, "engagedSeconds": 0}
            when = joined + timedelta(seconds=HEARTBEAT * (b + 1) + offset)
            yield _event(new_id, "view.heartbeat", when, user, data)
    during = [joined + timedelta(seconds=rng.randint(10, beats * HEARTBEAT)) for _ in range(8)]
    if rng.random() < focus:
        for _ in range(rng.randint(1, 4)):
            yield _event(
                new_id,
                "reaction.sent",
                during[0],
                user,
                {"sessionId": session, "reaction": rng.choice(["👏", "❤️", "😂", "🎉"])},
            )
    for _ in range(rng.randint(0, 3)):
        channel = "direct" if rng.random() < 0.2 else "group"
        yield _event(new_id, "chat.message.sent", during[1], user, {"sessionId": session, "channel": channel})
    for poll in range(rng.randint(0, 3)):
        answers = 2 if rng.random() < 0.1 else 1  # some people answer twice: counts once
        for _ in range(answers):
            yield _event(
                new_id,
                "poll.answered",
                during[2],
                user,
                {"sessionId": session, "pollId": f"{session}-p{poll + 1}"},
            )
    if rng.random() < 0.15:
        yield _event(new_id, "qna.thread.created", during[3], user, {"sessionId": session})
    if rng.random() < 0.1:
        yield _event(new_id, "hand.raised", during[4], user, {"sessionId": session})


def _recording(
    rng: random.Random, new_id: _Ids, user: str, s: int, after: datetime
) -> Iterator[dict[str, Any]]:
    session = f"s{s + 1:02d}"
    position = rng.randint(0, 600)
    when = after + timedelta(minutes=rng.randint(0, 30))
    for b in range(rng.randint(4, 16)):
        position += HEARTBEAT
        data = {"kind": "recording", "sessionId": session, "seconds": HEARTBEAT, "position": position}
        yield _event(new_id, "view.heartbeat", when + timedelta(seconds=HEARTBEAT * b), user, data)


def _vod(rng: random.Random, new_id: _Ids, user: str, v: int, after: datetime) -> Iterator[dict[str, Any]]:
    video, duration = f"v{v + 1}", VODS[v][1]
    position = rng.choice([0, 0, rng.randint(0, duration // 2)])
    when = after + timedelta(minutes=rng.randint(0, 20))
    for b in range(rng.randint(6, duration // HEARTBEAT)):
        if position >= duration:
            break
        position = min(duration, position + HEARTBEAT)
        data: dict[str, Any] = {"kind": "vod", "vodId": video, "seconds": HEARTBEAT, "position": position}
        if b % 3 == 0:
            data["durationSeconds"] = duration
        yield _event(new_id, "view.heartbeat", when + timedelta(seconds=HEARTBEAT * b), user, data)
    if rng.random() < 0.3:  # re-watch the start: minutes but no new completion
        for b in range(3):
            data = {"kind": "vod", "vodId": video, "seconds": HEARTBEAT, "position": HEARTBEAT * (b + 1)}
            yield _event(
                new_id, "view.heartbeat", when + timedelta(minutes=30, seconds=HEARTBEAT * b), user, data
            )


def send(
    base_url: str,
    token: str,
    events: list[dict[str, Any]],
    batch: int = 500,
    on_batch: Callable[[int], None] | None = None,
) -> int:
    """POST the events in batches with idempotency keys; returns how many were accepted.

    ``on_batch`` is told how many events each request carried (for a progress display).
    """
    accepted = 0
    for start in range(0, len(events), batch):
        chunk = events[start : start + batch]
        body = json.dumps({"events": chunk}).encode()
        request = urllib.request.Request(  # noqa: S310 - loopback URL built by the local stack
            f"{base_url}/v1/interactions",
            data=body,
            method="POST",
            headers={
                "Authorization": f"Bearer {token}",
                "Content-Type": "application/json",
                "Idempotency-Key": f"demo-{start // batch:05d}",
            },
        )
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            accepted += json.loads(response.read())["accepted"]
        if on_batch is not None:
            on_batch(len(chunk))
    return accepted
