"""An event's views for organisers, assembled for the query API: a page of its users, a session's
totals and attendees, a VOD's totals. The reads (``dal.reads``) and the shaping (``domain.views``).

Pages take and give DynamoDB start keys; the handler wraps them in signed cursors. Links are
paths under ``api_base``: the stage the request came through (``/prod``), or nothing.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from dal import reads
from domain import counters as c
from domain import keys
from domain.views import attendee_row, session_totals, user_list_item, vod_totals
from shared.errors import NotFound


class Listed(NamedTuple):
    items: list[dict[str, Any]]
    last_key: dict[str, Any] | None  # where the next page starts; None on the last page


class Named(NamedTuple):
    name: str  # the catalog's name, or the id when the catalog has none
    catalog_missing: bool
    duration: float | None  # a VOD's, from the catalog


class SessionFigures(NamedTuple):
    named: Named
    totals: dict[str, Any]
    attendees: Listed


class VodFigures(NamedTuple):
    named: Named
    totals: dict[str, Any]


def users_page(
    event_id: str,
    start: dict[str, Any] | None,
    limit: int,
    *,
    prefix: str | None,
    descending: bool,
    api_base: str = "",
) -> Listed:
    """Profiles by name (GSI1), optionally only names starting with ``prefix``."""
    page = reads.index_page(
        keys.users_index_pk(event_id),
        limit,
        start,
        prefix=keys.name_prefix_sk(prefix) if prefix else None,
        descending=descending,
    )
    user_ids = _users_of(page)
    found = reads.profiles(event_id, user_ids)  # the index holds keys only: profiles by key
    items = [user_list_item(event_id, u, found[u], api_base) for u in user_ids if u in found]
    return Listed(items, page.last_key)


def session_analytics(
    event_id: str, session_id: str, start: dict[str, Any] | None, limit: int, api_base: str = ""
) -> SessionFigures:
    """Totals, and a page of attendees by minutes bucket then id (the index); their exact figures
    read by key, no Query each. ``404 session_not_found`` when neither totals nor catalog know it."""
    total_key = keys.session_total_key(event_id, session_id)
    named, counts = _totals(event_id, session_id, total_key, keys.session_sk(session_id), "session")
    page = reads.index_page(total_key.pk, limit, start)
    user_ids = _users_of(page)
    profiles = reads.profiles(event_id, user_ids)
    viewing = reads.attendees_viewing(event_id, session_id, user_ids)
    rows = [attendee_row(event_id, uid, profiles.get(uid), viewing[uid], api_base) for uid in user_ids]
    return SessionFigures(named, session_totals(counts), Listed(rows, page.last_key))


def vod_analytics(event_id: str, vod_id: str) -> VodFigures:
    """``404 vod_not_found`` when neither totals nor catalog know it."""
    total_key = keys.vod_total_key(event_id, vod_id)
    named, counts = _totals(event_id, vod_id, total_key, keys.vod_sk(vod_id), "VOD")
    return VodFigures(named, vod_totals(counts))


def _totals(
    event_id: str, content_id: str, total_key: keys.ItemKey, catalog_sk: str, kind: str
) -> tuple[Named, dict[str, int]]:
    """The content's name and counters, downloads of attachments the catalog puts in it included."""
    total = reads.total(total_key)
    entry = reads.catalog_entry(event_id, catalog_sk)
    if total is None and entry is None:
        raise NotFound(f"no such {kind} in this event", code=f"{kind.lower()}_not_found")
    counts = reads.counters(total) if total is not None else {}
    counts[c.DOWNLOADS] = counts.get(c.DOWNLOADS, 0) + reads.attachment_downloads(event_id, total_key)
    name = entry.name if entry else None
    return Named(name or content_id, not name, entry.duration if entry else None), counts


def _users_of(page: reads.Page) -> list[str]:
    return [key.pk.rsplit("#", 1)[-1] for key in page.items]
