"""Single-table key layout (SPEC section 4). Pure string building, no AWS."""

from __future__ import annotations

from dataclasses import dataclass

PROFILE = "PROFILE"
EVENT_LEVEL = "EVENT"
TOTAL = "TOTAL"


@dataclass(frozen=True, slots=True, order=True)
class ItemKey:
    pk: str
    sk: str


def user_pk(event_id: str, user_id: str) -> str:
    return f"EVT#{event_id}#USR#{user_id}"


def catalog_pk(event_id: str) -> str:
    return f"EVT#{event_id}#CATALOG"


def session_sk(session_id: str) -> str:
    return f"SES#{session_id}"


def vod_sk(vod_id: str) -> str:
    return f"VOD#{vod_id}"


def attachment_sk(attachment_id: str) -> str:
    return f"ATT#{attachment_id}"


def profile_key(event_id: str, user_id: str) -> ItemKey:
    return ItemKey(user_pk(event_id, user_id), PROFILE)


def user_event_key(event_id: str, user_id: str) -> ItemKey:
    return ItemKey(user_pk(event_id, user_id), EVENT_LEVEL)


def user_session_key(event_id: str, user_id: str, session_id: str) -> ItemKey:
    return ItemKey(user_pk(event_id, user_id), session_sk(session_id))


def user_vod_key(event_id: str, user_id: str, vod_id: str) -> ItemKey:
    return ItemKey(user_pk(event_id, user_id), vod_sk(vod_id))


def user_attachment_key(event_id: str, user_id: str, attachment_id: str) -> ItemKey:
    return ItemKey(user_pk(event_id, user_id), attachment_sk(attachment_id))


def session_total_key(event_id: str, session_id: str) -> ItemKey:
    return ItemKey(f"EVT#{event_id}#SES#{session_id}", TOTAL)


def vod_total_key(event_id: str, vod_id: str) -> ItemKey:
    return ItemKey(f"EVT#{event_id}#VOD#{vod_id}", TOTAL)


def catalog_key(event_id: str, sk: str) -> ItemKey:
    return ItemKey(catalog_pk(event_id), sk)


def users_index_pk(event_id: str) -> str:
    """GSI1 partition listing an event's profiles."""
    return f"EVT#{event_id}#USERS"


def user_index_sk(user_id: str) -> str:
    return f"USR#{user_id}"
