"""Authorisation from verified JWT claims (SPEC section 5).

Signature, expiry, issuer and audience are checked before the handler runs (API
Gateway's JWT authorizer in AWS, the local gateway here); handlers only read claims.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, NamedTuple

from shared.errors import Forbidden, Unauthorized

INGEST = "analytics:ingest"
READ = "analytics:read"
ADMIN = "analytics:admin"
ALL_EVENTS = "*"


def _as_list(value: Any) -> list[str]:
    """Claims arrive as lists locally, and flattened by API Gateway's JWT authorizer as ``"[a b]"``.

    A flattened list is not JSON, though one may parse as JSON: ``"[1.50]"`` (the event ``1.50``)
    would become ``[1.5]`` and ``"[true]"`` ``[True]``. JSON is only believed when it is a list of
    strings (a string claim holding a JSON array, as some identity providers issue one).
    """
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    text = str(value).strip()
    if text.startswith("[") and text.endswith("]"):
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = None
        if isinstance(parsed, list) and all(isinstance(v, str) for v in parsed):
            return parsed
        text = text[1:-1]
    return [part.strip("\"'") for part in text.replace(",", " ").split() if part.strip("\"'")]


class Caller(NamedTuple):
    subject: str
    scopes: frozenset[str]
    event_ids: frozenset[str]

    @classmethod
    def from_claims(cls, claims: Mapping[str, Any] | None) -> Caller:
        if not claims or not claims.get("sub"):
            raise Unauthorized("a valid bearer token is required")
        scope = claims.get("scope", claims.get("scp"))
        scopes = scope.split() if isinstance(scope, str) and not scope.startswith("[") else _as_list(scope)
        return cls(str(claims["sub"]), frozenset(scopes), frozenset(_as_list(claims.get("eventIds"))))

    def has(self, scope: str) -> bool:
        return scope in self.scopes

    def covers(self, event_id: str) -> bool:
        return ALL_EVENTS in self.event_ids or event_id in self.event_ids

    def require(self, scope: str) -> None:
        if not self.has(scope):
            raise Forbidden(f"this token lacks the {scope} scope")

    def require_covers(self, event_id: str) -> None:
        if not self.covers(event_id):
            raise Forbidden("this token does not grant access to this event")

    def require_event(self, scope: str, event_id: str) -> None:
        self.require(scope)
        self.require_covers(event_id)

    def require_read_user(self, event_id: str, user_id: str) -> None:
        """Organisers read any attendee of their events; an attendee reads their own dashboard.

        User ids are per event, so self-read still needs the event in the token's ``eventIds``.
        """
        if self.subject != user_id:
            self.require(READ)
        self.require_covers(event_id)
