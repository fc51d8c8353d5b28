"""Validate an ingest request body (SPEC section 3): pure, no AWS."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from models.events import Event, EventRejected, FieldError, parse_event
from shared.errors import BadRequest, PayloadTooLarge, UnsupportedMediaType

MAX_BODY_BYTES = 1024 * 1024
MAX_EVENTS = 500


@dataclass(slots=True)
class Intake:
    valid: list[tuple[int, Event]] = field(default_factory=list)
    rejected: list[dict[str, Any]] = field(default_factory=list)
    forbidden: int = 0  # rejections for events outside the caller's eventIds


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not valid JSON")


def parse_body(body: bytes | str | None, content_type: str | None) -> list[Any]:
    """The ``events`` array of a request, or the 4xx that says what is wrong with it."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media != "application/json":
        raise UnsupportedMediaType("Content-Type must be application/json")
    raw = body.encode() if isinstance(body, str) else (body or b"")
    if len(raw) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"the body must be at most {MAX_BODY_BYTES} bytes")
    try:
        document = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        raise BadRequest("the body is not valid JSON (UTF-8)", code="invalid_json") from None
    events = document.get("events") if isinstance(document, dict) else None
    if not isinstance(events, list):
        raise BadRequest('the body must be an object with an "events" array', code="invalid_request")
    if not events:
        raise BadRequest(f'"events" must hold 1 to {MAX_EVENTS} events', code="invalid_request")
    if len(events) > MAX_EVENTS:
        raise PayloadTooLarge(f"at most {MAX_EVENTS} events per request (got {len(events)})")
    return events


def validate_events(events: list[Any], may_ingest: Any, now: datetime) -> Intake:
    """Split events into valid ones and per-event rejections; a bad event never sinks its neighbours."""
    intake = Intake()
    seen: set[str] = set()
    for index, raw in enumerate(events):
        event_id = raw.get("id") if isinstance(raw, dict) else None
        try:
            event = parse_event(raw, now=now)
            if event.id in seen:
                raise EventRejected([FieldError(field="id", message="is repeated in this request")])
            if not may_ingest(event.event_id):
                intake.forbidden += 1
                raise EventRejected([FieldError(field="eventId", message="is not permitted for this token")])
        except EventRejected as exc:
            intake.rejected.append(
                {
                    "index": index,
                    "id": event_id if isinstance(event_id, str) else None,
                    "errors": [e.model_dump() for e in exc.errors],
                }
            )
            continue
        seen.add(event.id)
        intake.valid.append((index, event))
    return intake
