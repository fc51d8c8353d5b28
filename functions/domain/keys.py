"""Single-table key layout (SPEC section 4). Pure string building, no AWS."""

from __future__ import annotations

import bisect
import hashlib
import unicodedata
from functools import lru_cache
from typing import NamedTuple

PROFILE = "PROFILE"
EVENT_LEVEL = "EVENT"
TOTAL = "TOTAL"


class ItemKey(NamedTuple):
    """A table key. A tuple: built for every operation of every record, so it must be cheap."""

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


ERASED = "ERASED"
VIEW_PREFIX = "VIEW#"
DEDUP_PREFIX = "DEDUP#"
_VIEW_KIND = {"live": "L", "recording": "R", "vod": "V"}
VIEW_KINDS = {code: kind for kind, code in _VIEW_KIND.items()}


@lru_cache(maxsize=65536)
def tombstone_key(event_id: str, user_id: str) -> ItemKey:
    """Left by an erase: events of the user at or before its time are dropped when they arrive.

    Keyed by a hash of the user id, outside the user's partition, so no item keeps the erased
    id in the clear; 256 partitions per event spread the aggregator's reads of tombstones.
    """
    digest = hashlib.sha256(f"{event_id}#{user_id}".encode()).hexdigest()
    return ItemKey(f"EVT#{event_id}#{ERASED}#{digest[:2]}", digest)


@lru_cache(maxsize=65536)
def user_view_key(event_id: str, user_id: str, kind: str, content_id: str, hour: str) -> ItemKey:
    """One UTC hour of a user's viewing of one content item: ``VIEW#L#s1#2026-11-20T10``."""
    return ItemKey(user_pk(event_id, user_id), f"{VIEW_PREFIX}{_VIEW_KIND[kind]}#{content_id}#{hour}")


def parse_view_sk(sk: str) -> tuple[str, str, str]:
    """(kind, content id, hour) of a viewing item's sort key."""
    _, code, content, hour = sk.split("#", 3)
    return VIEW_KINDS[code], content, hour


def dedup_page_key(item: ItemKey, page: int) -> ItemKey:
    """Where an item's older applied-event hashes spill (the dashboard's Query skips the prefix)."""
    return ItemKey(item.pk, f"{DEDUP_PREFIX}{item.sk}#{page}")


def attachment_total_key(event_id: str, attachment_id: str) -> ItemKey:
    """Downloads whose event named no source: attributed to the catalog's source when read."""
    return ItemKey(f"EVT#{event_id}#ATT#{attachment_id}", TOTAL)


def target_token(key: ItemKey) -> str:
    return f"{key.pk}|{key.sk}"


@lru_cache(maxsize=16384)
def from_target_token(token: str) -> ItemKey:
    pk, sk = token.split("|", 1)
    return ItemKey(pk, sk)


# --- index sort keys (GSI1, KEYS_ONLY: written when an item is created or its key changes) ---------

# Minutes ladder of the attendees index (SPEC 11): coarse, so that a 12-minute session moves no
# attendee between buckets and a keynote hour moves each at most three times (two index writes a
# move: DynamoDB deletes the old index entry and puts the new one). Exact minutes are read by key.
MINUTES_LADDER: tuple[float, ...] = (0, 15, 30, 60, 120, 240, 480, 960, 1920, 3840, 7680)


def minutes_bucket(seconds: int, ladder: tuple[float, ...] | None = None) -> int:
    """Index of the highest ladder step (minutes) that ``seconds`` reaches."""
    return bisect.bisect_right(ladder or MINUTES_LADDER, seconds / 60) - 1


def attendee_index_sk(bucket: int, user_id: str) -> str:
    """``M<99 - bucket>#USR#<u>``: string order is minutes descending, then user id."""
    return f"M{99 - bucket:02d}#USR#{user_id}"


NAME_KEY_CHARS = 100  # the indexed part of a name; a search prefix may not be longer
_NAME_SEPARATOR = "\x01"  # below every character a normalised name keeps


# Latin letters that are not a base letter plus a mark, so NFKD leaves them whole: their base
# letters, so that "Søren" is found as "soren" and downloads as "Soren - analytics.pdf".
_BASE_LETTERS = {
    "ø": "o",
    "đ": "d",
    "ð": "d",
    "ł": "l",
    "ħ": "h",
    "ŧ": "t",
    "\u0131": "i",  # dotless i
    "ŋ": "n",
    "æ": "ae",
    "œ": "oe",
    "þ": "th",
}
LATIN_FOLDS: dict[int, str] = {
    ord(case(letter)): case(base) for letter, base in _BASE_LETTERS.items() for case in (str.lower, str.upper)
}


def normalized_name(name: str | None) -> str:
    """Case-, width- and accent-insensitive form of a name, control characters removed: NFKD and
    casefold, without the combining diacritical marks of Latin, Greek and Cyrillic letters (U+0300
    to U+036F: "José" is "jose"), recomposed (NFC). Other scripts' marks stay: in Devanagari or
    Thai they are vowels and tones, part of the word."""
    # Decomposed before casefolding too: U+1D518 (Fraktur U) and U+2122 (TM) become capitals only then.
    text = unicodedata.normalize(
        "NFKD", unicodedata.normalize("NFKD", name or "").casefold().translate(LATIN_FOLDS)
    )
    kept = "".join(c for c in text if not _dropped(c))
    return unicodedata.normalize("NFC", kept).strip()[:NAME_KEY_CHARS]


def _dropped(c: str) -> bool:
    """C0 and C1 controls, DEL, the Latin/Greek/Cyrillic combining marks, and format characters
    (zero-width space and joiners, bidi marks, soft hyphen): nothing a reader sees or types."""
    return (
        c < " "
        or "\x7f" <= c <= "\x9f"
        or "\u0300" <= c <= "\u036f"
        or (c >= "\xad" and unicodedata.category(c) == "Cf")
    )


def name_index_sk(name: str | None, user_id: str) -> str:
    """Profiles in GSI1: normalised name, then user id (name order; a name prefix is a key prefix).
    A name with nothing visible is shown as the user id, so it sorts and is found as that."""
    return f"N{normalized_name(name) or normalized_name(user_id)}{_NAME_SEPARATOR}{user_id}"


def name_prefix_sk(prefix: str) -> str:
    return f"N{normalized_name(prefix)}"
