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


def _beyond_int_digits(digits: str) -> int | float:
    """An integer past Python's 4,300-digit conversion limit is still JSON: it becomes a number as
    far out of range as a float goes, which its event's validation rejects (every number has a
    range, and says it), not the whole request."""
    try:
        return int(digits)
    except ValueError:
        return -1e308 if digits.startswith("-") else 1e308


def _json(text: str) -> Any:
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except ValueError:
        # Rarely valid: only a huge integer fails the C parser's own conversion. Parse once more with
        # a per-integer hook, which the usual case doesn't pay for.
        return json.loads(text, parse_constant=_reject_constant, parse_int=_beyond_int_digits)


# JSON is UTF-8 (SPEC section 3, RFC 8259); US-ASCII is UTF-8's subset, decoded strictly as itself.
_CHARSETS = {"utf-8": "utf-8", "utf8": "utf-8", "us-ascii": "ascii", "ascii": "ascii"}
_BOM = b"\xef\xbb\xbf"


def check_content_type(content_type: str | None) -> str:
    """The body's codec: ``application/json``, with no charset or a UTF-8 (or US-ASCII) one."""
    media, *params = (content_type or "").split(";")
    if media.strip().lower() != "application/json":
        raise UnsupportedMediaType("Content-Type must be application/json")
    codec = "utf-8"
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            codec = _CHARSETS.get(value.strip().strip('"').lower(), "")
            if not codec:
                raise UnsupportedMediaType(
                    "the body must be UTF-8: send Content-Type application/json with no charset or "
                    "charset=utf-8"
                )
    return codec


def check_content_encoding(content_encoding: str | None) -> None:
    """Bodies come uncompressed: a gzip body would otherwise read as invalid JSON (a 400 that hides
    the cause). ``identity`` is the same as no header."""
    codings = [c.strip().lower() for c in (content_encoding or "").split(",") if c.strip()]
    if any(coding != "identity" for coding in codings):
        raise UnsupportedMediaType("Content-Encoding must be identity: send the body uncompressed")


def parse_body(
    body: bytes | str | None, content_type: str | None, content_encoding: str | None = None
) -> list[Any]:
    """The ``events`` array of a request, or the 4xx that says what is wrong with it."""
    codec = check_content_type(content_type)
    check_content_encoding(content_encoding)
    raw = body.encode() if isinstance(body, str) else (body or b"")
    if len(raw) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"the body must be at most {MAX_BODY_BYTES} bytes")
    if raw.startswith(_BOM):  # RFC 8259 8.1: a parser may ignore it, and producers do send it
        raw = raw[len(_BOM) :]
    try:
        document = _json(raw.decode(codec))
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
    seen: set[tuple[str, str | None, str]] = set()
    for index, raw in enumerate(events):
        event_id = raw.get("id") if isinstance(raw, dict) else None
        try:
            event = parse_event(raw, now=now)
            if event.identity in seen:  # the same id for another user or event is another event
                raise EventRejected([FieldError(field="id", message="is repeated in this request")])
            if not may_ingest(event.event_id):
                intake.forbidden += 1
                raise EventRejected([FieldError(field="eventId", message="is not permitted for this token")])
        except EventRejected as exc:
            intake.rejected.append(
                {
                    "index": index,
                    "id": echoed_id(event_id),
                    "errors": [e.model_dump() for e in exc.errors],
                }
            )
            continue
        seen.add(event.identity)
        intake.valid.append((index, event))
    return intake


def echoed_id(value: Any) -> str | None:
    """The rejected event's ``id`` as the producer sent it, safe to send back as UTF-8.

    JSON's ``"\\ud800"`` escape decodes to a lone surrogate, which no UTF-8 response (or stored
    idempotent response) can hold: such code points are echoed as the text ``\\ud800``.
    """
    if not isinstance(value, str):
        return None
    return value.encode("utf-8", "backslashreplace").decode("utf-8")
