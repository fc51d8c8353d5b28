"""A user's dashboard, assembled in one place for the query API and the PDF report."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from dal import reads
from domain.dashboard import rollup_user, source_keys
from shared.errors import NotFound


def user_dashboard(event_id: str, user_id: str, now: datetime) -> dict[str, Any]:
    """The dashboard JSON (SPEC section 2): one Query on the user's partition, one read of names
    (and a second for sources only the attachment catalog names, so every name shown is one).

    Raises ``404 user_not_found`` when nothing is stored for the user in this event.
    """
    activity = reads.user_activity(event_id, user_id)
    if activity.is_empty():
        raise NotFound("no analytics for this user in this event", code="user_not_found")
    catalog = reads.catalog(event_id, activity.catalog_keys())
    catalog |= reads.catalog(event_id, source_keys(catalog))
    return rollup_user(activity, catalog, now)
