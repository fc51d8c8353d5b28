"""PynamoDB models for every item of the single table (SPEC section 4).

The table name is bound at run time (``bind_table``), never at import, so handlers
read their settings when they first run and tests can point the models anywhere.
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import (
    BinaryAttribute,
    DiscriminatorAttribute,
    NumberAttribute,
    UnicodeAttribute,
)
from pynamodb.connection import TableConnection
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

from dal import connection
from domain.keys import DEDUP_PREFIX, ERASED, EVENT_LEVEL, PROFILE, TOTAL, VIEW_PREFIX, ItemKey

GSI1_NAME = "GSI1"


class Gsi1(GlobalSecondaryIndex["AnalyticsItem"]):  # type: ignore[no-untyped-call]  # PynamoDB's __init_subclass__
    """Session attendees (``EVT#e#SES#s``, by minutes bucket then id) and profiles (``EVT#e#USERS``,
    by normalised name then id). Keys only: readers fetch the items by key (BatchGetItem)."""

    class Meta:
        index_name = GSI1_NAME
        projection = KeysOnlyProjection()

    gsi1pk = UnicodeAttribute(hash_key=True)
    gsi1sk = UnicodeAttribute(range_key=True)


class AnalyticsItem(Model):
    class Meta:
        table_name = "unbound"  # replaced by bind_table() before first use
        max_pool_connections = 32  # the aggregator writes items in parallel

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    kind = DiscriminatorAttribute()

    @classmethod
    def _get_connection(cls) -> TableConnection:
        # PynamoDB caches a connection per class; every item kind lives in one table, so share
        # one (one HTTP pool, one botocore client to instrument).
        return connection.shared_connection(AnalyticsItem)

    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    gsi1 = Gsi1()


def botocore_client() -> Any:
    """The client behind every model (for event hooks in tests and benchmarks)."""
    return connection.botocore_client(AnalyticsItem)


def bind_table(table_name: str, host: str | None = None) -> None:
    """Point every model at the table; PynamoDB reconnects when the name changes."""
    AnalyticsItem.Meta.table_name = table_name
    AnalyticsItem.Meta.host = host  # type: ignore[attr-defined]
    Gsi1.Meta.model = AnalyticsItem  # type: ignore[attr-defined]


class Profile(AnalyticsItem, discriminator="profile"):
    name = UnicodeAttribute(null=True)
    role = UnicodeAttribute(null=True)
    company = UnicodeAttribute(null=True)
    industry = UnicodeAttribute(null=True)
    country = UnicodeAttribute(null=True)
    profile_time = UnicodeAttribute(null=True)


class _Folded(AnalyticsItem):
    """Bookkeeping of an item the aggregator folds (``domain.fold``): never shown to readers."""

    version = NumberAttribute(default=0)
    pending = UnicodeAttribute(null=True)  # JSON: deltas its totals items have not confirmed yet
    dedup = BinaryAttribute(null=True, legacy_encoding=False)  # 8-byte hashes of applied event ids
    dedup_pages = NumberAttribute(null=True)
    erase_seen = UnicodeAttribute(null=True)  # the user's erase this write knew of (domain.apply)


class _SessionCounters(AnalyticsItem):
    reactions = NumberAttribute(default=0)
    hands = NumberAttribute(default=0)
    chat = NumberAttribute(default=0)
    qna = NumberAttribute(default=0)
    poll_answers = NumberAttribute(default=0)


class UserSession(_SessionCounters, _Folded, discriminator="user_session"):
    viewed = NumberAttribute(null=True)
    # The minutes bucket's bookkeeping (domain.minutes): seconds per viewing item, and the items
    # whose seconds may have grown since (JSON).
    hours = UnicodeAttribute(null=True)
    open_hours = UnicodeAttribute(null=True)


class UserVod(_Folded, discriminator="user_vod"):
    viewed = NumberAttribute(null=True)


class UserView(_Folded, discriminator="user_view"):
    """One UTC hour of one user's viewing of one content item (``VIEW#<L|R|V>#<id>#<hour>``)."""

    bits = BinaryAttribute(null=True, legacy_encoding=False)  # 3,600 seconds watched
    seconds = NumberAttribute(default=0)
    engaged = NumberAttribute(default=0)
    buckets = BinaryAttribute(null=True, legacy_encoding=False)  # VOD completion, 100 bits
    spans = UnicodeAttribute(null=True)  # JSON: media intervals while the duration is unknown
    duration = NumberAttribute(null=True)


class UserAttachment(_Folded, discriminator="user_attachment"):
    downloads = NumberAttribute(default=0)
    named = UnicodeAttribute(null=True)  # JSON: downloads per source the download event named


class UserEvent(_Folded, discriminator="user_event"):
    chat = NumberAttribute(default=0)


class DedupPage(AnalyticsItem, discriminator="dedup_page"):
    hashes = BinaryAttribute(null=True, legacy_encoding=False)


class Tombstone(AnalyticsItem, discriminator="tombstone"):
    erased_at = UnicodeAttribute(null=True)


class SessionTotal(_SessionCounters, discriminator="session_total"):
    live_seconds = NumberAttribute(default=0)
    recording_seconds = NumberAttribute(default=0)
    engaged_seconds = NumberAttribute(default=0)
    downloads = NumberAttribute(default=0)
    viewers = NumberAttribute(default=0)


class VodTotal(AnalyticsItem, discriminator="vod_total"):
    vod_seconds = NumberAttribute(default=0)
    downloads = NumberAttribute(default=0)
    viewers = NumberAttribute(default=0)


class AttachmentTotal(AnalyticsItem, discriminator="attachment_total"):
    """Downloads whose event named no source; read-time attribution follows the catalog."""

    downloads = NumberAttribute(default=0)


class AttachmentLink(AnalyticsItem, discriminator="attachment_link"):
    """``EVT#e#SES#s`` / ``ATT#a``: the catalog says attachment a belongs to s (checked when read)."""

    catalog_time = UnicodeAttribute(null=True)


class _Catalog(AnalyticsItem):
    name = UnicodeAttribute(null=True)
    catalog_time = UnicodeAttribute(null=True)


class CatalogSession(_Catalog, discriminator="catalog_session"):
    starts_at = UnicodeAttribute(null=True)
    ends_at = UnicodeAttribute(null=True)


class CatalogVod(_Catalog, discriminator="catalog_vod"):
    duration = NumberAttribute(null=True)


class CatalogAttachment(_Catalog, discriminator="catalog_attachment"):
    file_type = UnicodeAttribute(null=True)
    source_kind = UnicodeAttribute(null=True)
    source_id = UnicodeAttribute(null=True)


_BY_PREFIX: dict[str, type[AnalyticsItem]] = {"SES#": UserSession, "VOD#": UserVod, "ATT#": UserAttachment}
_CATALOG_BY_PREFIX: dict[str, type[AnalyticsItem]] = {
    "SES#": CatalogSession,
    "VOD#": CatalogVod,
    "ATT#": CatalogAttachment,
}


def model_for(key: ItemKey) -> type[AnalyticsItem]:
    """The model of an item, from the shape of its key (ids never contain ``#`` or ``|``)."""
    if key.sk == PROFILE:
        return Profile
    if key.sk == EVENT_LEVEL:
        return UserEvent
    if f"#{ERASED}#" in key.pk:
        return Tombstone
    if key.sk.startswith(VIEW_PREFIX):
        return UserView
    if key.sk.startswith(DEDUP_PREFIX):
        return DedupPage
    if key.sk == TOTAL:
        for marker, total in _TOTALS:
            if marker in key.pk:
                return total
    if key.pk.endswith("#CATALOG"):
        table = _CATALOG_BY_PREFIX
    elif "#USR#" in key.pk:
        table = _BY_PREFIX
    else:
        table = {"ATT#": AttachmentLink}
    model = table.get(key.sk[:4])
    if model is None:
        raise ValueError(f"no model for key {key}")
    return model


_TOTALS: tuple[tuple[str, type[AnalyticsItem]], ...] = (
    ("#SES#", SessionTotal),
    ("#VOD#", VodTotal),
    ("#ATT#", AttachmentTotal),
)


def attribute(model: type[AnalyticsItem], name: str) -> Any:
    attrs = model.get_attributes()
    if name not in attrs:
        raise KeyError(f"{model.__name__} has no attribute {name}")
    return attrs[name]
