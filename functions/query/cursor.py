"""Opaque, tamper-evident pagination cursors bound to the event and listing they came from."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from shared.errors import BadRequest

_MAC_BYTES = 16


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def listing_scope(listing: str, *ids: str) -> str:
    """The name of one listing, e.g. the attendees of session ``s1`` of event ``e1``.

    Ids may hold any separator (``:`` is a valid id character), so the parts are a JSON list:
    ``("a:b", "X")`` and ``("a", "b:X")`` never name the same listing.
    """
    return json.dumps([listing, *ids], separators=(",", ":"))


MAX_CURSOR_CHARS = 2048  # the query parameter's bound: every cursor we issue fits in it


def _mac(secret: bytes, scope: str, payload: bytes) -> bytes:
    # The scope is signed, not carried: it can't contain a raw newline (it is JSON), so
    # scope + "\n" + payload is unambiguous, and a cursor of another listing fails the MAC.
    return hmac.new(secret, scope.encode() + b"\n" + payload, hashlib.sha256).digest()[:_MAC_BYTES]


def encode_cursor(secret: bytes, scope: str, last_key: dict[str, Any] | None) -> str | None:
    """``scope`` names the listing (``listing_scope``); a cursor is only valid for that listing.

    The key is UTF-8 JSON (a name's character costs at most 4 bytes, not a 12-byte escape pair),
    so the longest key (128-character ids, a 100-character name of astral characters) stays
    well inside ``MAX_CURSOR_CHARS``.
    """
    if last_key is None:
        return None
    payload = json.dumps(last_key, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()
    return _b64(_mac(secret, scope, payload) + payload)


def decode_cursor(secret: bytes, scope: str, cursor: str | None) -> dict[str, Any] | None:
    if not cursor:
        return None
    invalid = BadRequest("the cursor is invalid or belongs to another listing", code="invalid_cursor")
    if len(cursor) > MAX_CURSOR_CHARS:
        raise invalid
    try:
        raw = _unb64(cursor)
        if _b64(raw) != cursor:  # only the form we issue: no padding, nothing the decoder skips
            raise invalid
        mac, payload = raw[:_MAC_BYTES], raw[_MAC_BYTES:]
        if not hmac.compare_digest(mac, _mac(secret, scope, payload)):
            raise invalid
        position = json.loads(payload)
    except (ValueError, TypeError):
        raise invalid from None
    if not isinstance(position, dict):
        raise invalid
    return position


def decode_position(key: dict[str, Any] | None) -> tuple[int, str] | None:
    """A ranked list's position, ``{"v": seconds or downloads, "id": row id}``, from a decoded cursor."""
    if key is None:
        return None
    value, row_id = key.get("v"), key.get("id")
    if type(value) is not int or value < 0 or not isinstance(row_id, str) or set(key) != {"v", "id"}:
        raise BadRequest("the cursor is invalid or belongs to another listing", code="invalid_cursor")
    return value, row_id
