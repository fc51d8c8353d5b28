"""Pagination cursors are bound to exactly the listing that issued them."""

from __future__ import annotations

import pytest

from query.cursor import decode_cursor, encode_cursor, listing_scope
from shared.errors import BadRequest

SECRET = b"k" * 32
KEY = {"pk": "EVT#a#SES#b:X", "sk": "USR#u1"}


@pytest.mark.parametrize(
    ("issued", "used"),
    [
        (("attendees", "a:b", "X"), ("attendees", "a", "b:X")),
        (("users", "a:b"), ("users", "a")),
        (("users", "a"), ("attendees", "a", "")),
        (("attendees", 'a","b', "c"), ("attendees", "a", 'b","c')),
    ],
)
def test_scopes_of_different_listings_never_collide(issued: tuple[str, ...], used: tuple[str, ...]) -> None:
    assert listing_scope(*issued) != listing_scope(*used)
    cursor = encode_cursor(SECRET, listing_scope(*issued), KEY)
    assert decode_cursor(SECRET, listing_scope(*issued), cursor) == KEY
    with pytest.raises(BadRequest, match="another listing"):
        decode_cursor(SECRET, listing_scope(*used), cursor)


@pytest.mark.parametrize(
    "key",
    [
        {"pk": "EVT#e1#USR#u1", "sk": "PROFILE"},  # another listing's kind of position
        {"v": "10", "id": "s1"},
        {"v": -1, "id": "s1"},
        {"v": True, "id": "s1"},
        {"v": 10, "id": 5},
        {"v": 10, "id": "s1", "extra": 1},
    ],
)
def test_a_list_position_that_is_not_one_is_refused(key: dict) -> None:
    from query.cursor import decode_position

    with pytest.raises(BadRequest, match="another listing"):
        decode_position(key)


def test_a_list_position_round_trips() -> None:
    from query.cursor import decode_position

    scope = listing_scope("user-sessions", "e1", "u1")
    cursor = encode_cursor(SECRET, scope, {"v": 120, "id": "s:1"})
    assert decode_position(decode_cursor(SECRET, scope, cursor)) == (120, "s:1")
    assert decode_position(None) is None


@pytest.mark.parametrize("junk", ["!!", "==", "=", " ", "\n"])
def test_a_cursor_with_anything_added_is_refused(junk: str) -> None:
    scope = listing_scope("users", "e1")
    cursor = encode_cursor(SECRET, scope, KEY)
    assert cursor is not None
    assert decode_cursor(SECRET, scope, cursor) == KEY
    with pytest.raises(BadRequest, match="invalid"):
        decode_cursor(SECRET, scope, cursor + junk)


def test_the_longest_users_key_fits_the_cursor_limit() -> None:
    from domain import keys
    from query.cursor import MAX_CURSOR_CHARS

    event, user = "e" * 128, "u" * 128
    name = "\U0010fffd" * 200 + '"\\'  # astral, past the key's 100 characters, and JSON escapes
    key = {
        "pk": {"S": keys.user_pk(event, user)},
        "sk": {"S": keys.PROFILE},
        "gsi1pk": {"S": keys.users_index_pk(event)},
        "gsi1sk": {"S": keys.name_index_sk(name, user)},
    }
    scope = listing_scope("users", event, "-name", name[:100])
    cursor = encode_cursor(SECRET, scope, key)
    assert cursor is not None
    assert len(cursor) <= MAX_CURSOR_CHARS
    assert decode_cursor(SECRET, scope, cursor) == key
