"""Erase a user (SPEC sections 5 and 11): personal data and reports go, anonymous totals stay.

Order matters: the tombstone first (events at or before it that arrive later are dropped, and the
aggregator's item-creating writes check it, so nothing written after this read survives), then a
consistent read of the user's partition and the deletes, then the user's reports in S3. The audit
log line names the user only by a keyed pseudonym.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime

from dal import reads
from models.ids import format_time
from shared.observability import logger
from shared.secret_key import secret_key
from shared.settings import get_settings, require


@dataclass(frozen=True, slots=True)
class Erasure:
    items: int  # items deleted from the user's partition
    reports: int  # report objects deleted from the bucket


def pseudonym(value: str) -> str:
    """A stable, non-reversible tag for audit logs: no user id ever reaches a log line."""
    return hmac.new(secret_key(), value.encode(), hashlib.sha256).hexdigest()[:16]


def erase_user(event_id: str, user_id: str, *, by: str, now: datetime) -> Erasure:
    """Erase one user of one event; ``by`` is the caller's subject, for the audit trail."""
    reads.write_tombstone(event_id, user_id, format_time(now))
    item_keys = reads.user_item_keys(event_id, user_id)
    reads.delete_items(item_keys)
    from shared.reports_bucket import delete_user_reports  # S3: only erase needs it (read cold starts)

    bucket = require(get_settings().reports_bucket, "REPORTS_BUCKET")
    reports = delete_user_reports(bucket, event_id, user_id)
    # Audit trail without personal data: who erased, which event, a keyed pseudonym of the user.
    logger.info(
        "user erased",
        extra={
            "audit": "erase",
            "eventId": event_id,
            "subject": pseudonym(f"{event_id}#{user_id}"),
            "by": by,
            "items": len(item_keys),
            "reports": reports,
        },
    )
    return Erasure(items=len(item_keys), reports=reports)
