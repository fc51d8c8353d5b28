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
