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


# ----------------------------------------------------------------------------- claims as AWS sends them
# API Gateway's JWT authorizer hands every claim to the function as a string: lists as "[a b]".


@pytest.mark.parametrize(
    ("claim", "events"),
    [
        ("[e1 e2]", {"e1", "e2"}),
        ("[*]", {"*"}),
        ("[e1]", {"e1"}),
        ("[]", set()),
        ("e1", {"e1"}),
        ('["e1","e2"]', {"e1", "e2"}),  # a string claim holding JSON (some providers issue these)
        # Ids that read as JSON numbers or literals stay the ids they are, not 1.5, 1000.0, True.
        ("[1.50]", {"1.50"}),
        ("[1e3]", {"1e3"}),
        ("[true]", {"true"}),
        ("[null]", {"null"}),
        ("[2026 1.0]", {"2026", "1.0"}),
    ],
)
def test_flattened_event_ids(claim: str, events: set[str]) -> None:
    assert Caller.from_claims({"sub": "x", "scope": "analytics:read", "eventIds": claim}).event_ids == events


def test_flattened_token_reads_its_events_only() -> None:
    from tests.support.lambda_events import flatten_claims, token_claims

    claims = flatten_claims(
        token_claims({"sub": "org", "scope": "analytics:read analytics:admin", "eventIds": ["1.50"]})
    )
    assert claims["eventIds"] == "[1.50]"
    assert claims["exp"].isdigit()
    who = Caller.from_claims(claims)
    assert who.scopes == {"analytics:read", "analytics:admin"}
    who.require_event("analytics:read", "1.50")
    with pytest.raises(Forbidden):
        who.require_event("analytics:read", "1.5")


@pytest.mark.parametrize(
    "scope", ["[analytics:read analytics:ingest]", '["analytics:read","analytics:ingest"]']
)
def test_a_scope_list_claim_is_read_like_the_space_separated_one(scope: str) -> None:
    assert Caller.from_claims({"sub": "x", "scope": scope}).scopes == {"analytics:read", "analytics:ingest"}
