"""Authorisation rules of SPEC section 5, on the claims alone."""

from __future__ import annotations

import pytest

from shared.auth import Caller
from shared.errors import Forbidden


def caller(sub: str, scope: str = "", events: list[str] | None = None) -> Caller:
    return Caller.from_claims({"sub": sub, "scope": scope, "eventIds": events or []})


@pytest.mark.parametrize("events", [["eA"], ["*"], ["eB", "eA"]])
def test_a_user_reads_their_own_data_in_the_events_of_their_token(events: list[str]) -> None:
    caller("alice", events=events).require_read_user("eA", "alice")


@pytest.mark.parametrize("events", [["eB"], []])
def test_self_read_does_not_cross_events(events: list[str]) -> None:
    # User ids are per event: "alice" of eA is not "alice" of eB.
    with pytest.raises(Forbidden, match="this event"):
        caller("alice", events=events).require_read_user("eA", "alice")


def test_reading_another_user_needs_the_read_scope_for_the_event() -> None:
    caller("org", "analytics:read", ["eA"]).require_read_user("eA", "bob")
    with pytest.raises(Forbidden):
        caller("alice", "", ["eA"]).require_read_user("eA", "bob")
    with pytest.raises(Forbidden):
        caller("org", "analytics:read", ["eB"]).require_read_user("eA", "bob")
