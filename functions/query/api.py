"""Query API (SPEC section 5): the dashboard, lists, session and VOD analytics, erase."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from functools import lru_cache
from typing import Annotated, Any, Literal

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from dal import bind_table
from domain import dashboard as d
from domain import keys
from logic import event_views
from logic.dashboard import user_dashboard, user_list_page
from models.dashboard import AttachmentPage, Dashboard, SessionPage, VodPage
from query import models
from query.cursor import MAX_CURSOR_CHARS, decode_cursor, decode_position, encode_cursor, listing_scope
from shared.auth import ADMIN, READ
from shared.errors import ApiError, BadRequest, NotFound
from shared.http import (
    JSON_HEADERS,
    api_base,
    caller,
    error_response,
    is_preflight,
    options_response,
    register_error_handlers,
    to_json,
)
from shared.observability import logger, metrics
from shared.resolver import APIGatewayHttpResolver, Query, Response, content_types
from shared.routes import EventId, SessionId, UserId, VodId, register_validation_errors
from shared.secret_key import secret_key
from shared.settings import get_settings

app = APIGatewayHttpResolver(enable_validation=True, serializer=to_json)
register_error_handlers(app)
register_validation_errors(app)

Limit = Annotated[int, Query(ge=1, le=200, description="page size, 1..200")]
Cursor = Annotated[
    str | None, Query(max_length=MAX_CURSOR_CHARS, description="nextCursor of the previous page")
]


def _now() -> datetime:
    return datetime.now(UTC)


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@app.get("/v1/events/<eventId>/users/<userId>/analytics", summary="A user's dashboard (all 28 elements)")
def get_dashboard(eventId: EventId, userId: UserId) -> Dashboard:
    caller(app).require_read_user(eventId, userId)
    return user_dashboard(eventId, userId, _now(), api_base(app))


_LIST_ORDER = (
    "Best first: by {by} descending, then id. The dashboard shows the first 200 of these rows "
    "(in section 2's order); this route pages through all of them. A cursor is only valid for the "
    "list, user and event it came from (else 400 invalid_cursor)."
)


def _user_list(
    eventId: str, userId: str, listing: d.ListKind[d.Row], limit: int, cursor: str | None
) -> tuple[list[d.Row], int, str | None]:
    """The page's rows, the whole list's size, and the next page's cursor."""
    caller(app).require_read_user(eventId, userId)
    scope = listing_scope(f"user-{listing.name}", eventId, userId)
    after = decode_position(decode_cursor(_secret_if(cursor), scope, cursor))
    rows, count, last = user_list_page(eventId, userId, listing, after, limit, api_base(app))
    position = {"v": last[0], "id": last[1]} if last else None
    return rows, count, _next(scope, position)


@app.get(
    "/v1/events/<eventId>/users/<userId>/sessions",
    summary="A page of all the user's sessions",
    description=_LIST_ORDER.format(by="seconds viewed"),
)
def list_user_sessions(
    eventId: EventId, userId: UserId, limit: Limit = 50, cursor: Cursor = None
) -> SessionPage:
    rows, count, next_cursor = _user_list(eventId, userId, d.SESSIONS, limit, cursor)
    return SessionPage(items=rows, count=count, nextCursor=next_cursor)


@app.get(
    "/v1/events/<eventId>/users/<userId>/vods",
    summary="A page of all the user's VODs",
    description=_LIST_ORDER.format(by="seconds viewed"),
)
def list_user_vods(eventId: EventId, userId: UserId, limit: Limit = 50, cursor: Cursor = None) -> VodPage:
    rows, count, next_cursor = _user_list(eventId, userId, d.VODS, limit, cursor)
    return VodPage(items=rows, count=count, nextCursor=next_cursor)


@app.get(
    "/v1/events/<eventId>/users/<userId>/attachments",
    summary="A page of all the attachments the user downloaded",
    description=_LIST_ORDER.format(by="downloads"),
)
def list_user_attachments(
    eventId: EventId, userId: UserId, limit: Limit = 50, cursor: Cursor = None
) -> AttachmentPage:
    rows, count, next_cursor = _user_list(eventId, userId, d.ATTACHMENTS, limit, cursor)
    return AttachmentPage(items=rows, count=count, nextCursor=next_cursor)


UserSort = Annotated[
    Literal["name", "-name"],
    Query(description="name (A→Z, the default) or -name (Z→A); case-, width- and accent-insensitive"),
]
NamePrefix = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=keys.NAME_KEY_CHARS,
        description="only users whose name starts with this (case-insensitive)",
    ),
]


@app.get("/v1/events/<eventId>/users", summary="A page of the event's attendee profiles")
def list_users(
    eventId: EventId,
    limit: Limit = 25,
    cursor: Cursor = None,
    sort: UserSort = "name",
    q: NamePrefix = None,
) -> models.UserPage:
    caller(app).require_event(READ, eventId)
    if q is not None and not keys.normalized_name(q):
        raise BadRequest("the name prefix is empty once normalised", code="invalid_prefix")
    scope = listing_scope("users", eventId, sort, q or "")
    start = decode_cursor(_secret_if(cursor), scope, cursor)
    page = event_views.users_page(
        eventId, start, limit, prefix=q, descending=sort == "-name", api_base=api_base(app)
    )
    return models.UserPage.model_validate({"items": page.items, "nextCursor": _next(scope, page.last_key)})


@app.get("/v1/events/<eventId>/sessions/<sessionId>/analytics", summary="Session totals and attendees")
def get_session(
    eventId: EventId,
    sessionId: SessionId,
    limit: Limit = 25,
    cursor: Cursor = None,
) -> models.SessionAnalytics:
    caller(app).require_event(READ, eventId)
    scope = listing_scope("attendees", eventId, sessionId)
    start = decode_cursor(_secret_if(cursor), scope, cursor)
    found = event_views.session_analytics(eventId, sessionId, start, limit, api_base(app))
    attendees = found.attendees
    return models.SessionAnalytics.model_validate(
        {
            "eventId": eventId,
            "sessionId": sessionId,
            "name": found.named.name,
            "catalogMissing": found.named.catalog_missing,
            "totals": found.totals,
            "attendees": {"items": attendees.items, "nextCursor": _next(scope, attendees.last_key)},
            "generatedAt": _stamp(_now()),
        }
    )


@app.get("/v1/events/<eventId>/vods/<vodId>/analytics", summary="VOD totals")
def get_vod(eventId: EventId, vodId: VodId) -> models.VodAnalytics:
    caller(app).require_event(READ, eventId)
    found = event_views.vod_analytics(eventId, vodId)
    return models.VodAnalytics.model_validate(
        {
            "eventId": eventId,
            "vodId": vodId,
            "name": found.named.name,
            "catalogMissing": found.named.catalog_missing,
            "durationSeconds": found.named.duration,
            "totals": found.totals,
            "generatedAt": _stamp(_now()),
        }
    )


@app.delete("/v1/events/<eventId>/users/<userId>", summary="Erase a user's personal data and reports")
def erase_user(eventId: EventId, userId: UserId) -> models.Erased:
    who = caller(app)
    who.require_event(ADMIN, eventId)
    from logic import erase  # an admin's rare call: S3 and SQS code, not on a dashboard's cold start

    done = erase.erase_user(eventId, userId, by=who.subject, now=_now())
    return models.Erased(eventId=eventId, erased=True, itemsDeleted=done.items, reportsDeleted=done.reports)


@app.get("/v1/openapi.json", summary="This API's OpenAPI document")
def openapi_document() -> Response[dict[str, Any]]:
    return Response(200, content_types.APPLICATION_JSON, _openapi(), {"Cache-Control": "max-age=300"})


@lru_cache(maxsize=1)
def _openapi() -> dict[str, Any]:
    # Generated at build time from every function's routes (infra/openapi.py); a test keeps it current.
    from importlib import resources

    document: dict[str, Any] = json.loads(
        resources.files("query").joinpath("openapi.json").read_text(encoding="utf-8")
    )
    return document


@lru_cache(maxsize=1)
def _route_table() -> list[tuple[re.Pattern[str], list[str]]]:
    """Every route of the API (all functions), from the OpenAPI document: this function answers
    the catch-all route, so it tells a wrong method (405) from a path that doesn't exist (404)."""
    table = []
    for path, operations in _openapi()["paths"].items():
        pattern = re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(path))
        table.append((re.compile(f"^{pattern}$"), list(operations)))
    return table


def _secret_if(cursor: str | None) -> bytes:
    return secret_key() if cursor else b""


def _next(scope: str, last_key: dict[str, Any] | None) -> str | None:
    return encode_cursor(secret_key(), scope, last_key) if last_key else None


@app.not_found
def _route_not_found(_: Exception) -> Response[Any]:
    event = app.current_event
    path, method = event.path, event.http_method.upper()
    allowed = sorted(
        {m.upper() for pattern, methods in _route_table() if pattern.match(path) for m in methods}
    )
    # OPTIONS: a known path, or a browser's preflight for any path (so the browser goes on to send
    # the real request and can read its 404).
    if method == "OPTIONS" and (allowed or is_preflight(event)):
        return options_response(event, allowed)
    if allowed and method not in allowed:
        error = ApiError("method not allowed on this route", code="method_not_allowed", status=405)
        error.headers = {"Allow": ", ".join(sorted({*allowed, "OPTIONS"}))}  # as OPTIONS answers
        return error_response(error)
    return error_response(NotFound("no such route", code="route_not_found"))


@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    bind_table(get_settings().table_name)
    response = app.resolve(event, context)
    # Answers hold personal data: no browser or proxy may keep them (routes that may be cached,
    # the OpenAPI document, say so themselves).
    headers = response.setdefault("headers", {})
    if not any(name.lower() == "cache-control" for name in headers):
        headers["Cache-Control"] = JSON_HEADERS["Cache-Control"]
    return response
