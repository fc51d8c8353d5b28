"""A user's dashboard, assembled in one place for the query API and the PDF report: the reads
(``dal.reads``) and the rollup (``domain.dashboard``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from dal import reads
from domain import dashboard as d
from models.dashboard import Dashboard
from shared.errors import NotFound

KeysWanted = Callable[[dict[str, d.CatalogEntry]], set[str]]


def _activity(event_id: str, user_id: str) -> d.UserActivity:
    activity = reads.user_activity(event_id, user_id)
    if activity.is_empty():
        raise NotFound("no analytics for this user in this event", code="user_not_found")
    return activity


def read_catalog(event_id: str, wanted: KeysWanted) -> dict[str, d.CatalogEntry]:
    """Catalog entries by key, in two reads at most: what the rows need given nothing, then what
    the rows need given the first read (sources only a catalog entry names)."""
    asked = wanted({})
    catalog = reads.catalog(event_id, asked)
    more = wanted(catalog) - asked
    if more:
        catalog |= reads.catalog(event_id, more)
    return catalog


def user_dashboard(event_id: str, user_id: str, now: datetime, api_base: str = "") -> Dashboard:
    """The dashboard (SPEC section 2), each list capped at ``LIST_LIMIT`` rows: one Query on the
    user's partition, then the catalog entries of the rows shown (two BatchGet rounds at most).

    Raises ``404 user_not_found`` when nothing is stored for the user in this event.
    """
    activity = _activity(event_id, user_id)
    catalog = read_catalog(event_id, lambda known: d.dashboard_catalog_keys(activity, known))
    return d.rollup_user(activity, catalog, now, api_base=api_base)


def user_list_page(
    event_id: str,
    user_id: str,
    listing: d.ListKind[d.Row],
    after: d.Position | None,
    limit: int,
    api_base: str = "",
) -> tuple[list[d.Row], int, d.Position | None]:
    """One page of a user's whole session, VOD or attachment list, best first (``list_page``)."""
    activity = _activity(event_id, user_id)
    catalog = read_catalog(
        event_id, lambda known: d.page_catalog_keys(activity, known, listing.name, after, limit)
    )
    return d.list_page(activity, catalog, listing, after, limit, api_base)
