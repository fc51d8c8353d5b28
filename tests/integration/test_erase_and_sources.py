"""Erase sticks; downloads reach their source's totals however the source is known."""

from __future__ import annotations

from tests.conftest import Aws
from tests.support import events as ev
from tests.support.pipeline import call_api, drain, post_interactions, table_items

ADMIN = {"sub": "admin", "scope": "analytics:admin analytics:read", "eventIds": ["e1"]}


def test_an_erase_before_the_batching_window_closes_sticks(aws: Aws) -> None:
    """Profile posted, erased at once (nothing aggregated yet), then the batch arrives: nothing comes back."""
    status, body, _ = post_interactions(
        [ev.profile("Zoë Secret", company="Hidden Co"), ev.live("s1", 30, 30), ev.download("a1")]
    )
    assert (status, body["accepted"]) == (202, 3)
    status, body, _ = call_api("DELETE", "/v1/events/e1/users/u1", jwt=ADMIN)
    assert (status, body["itemsDeleted"]) == (200, 0)
    drain(aws.client("kinesis"), aws.stream)  # the in-flight events reach the aggregator after the erase
    assert call_api("GET", "/v1/events/e1/users/u1/analytics", jwt=ADMIN)[0] == 404
    items = table_items(aws.client("dynamodb"), aws.table)
    assert not [k for k in items if k[0] == "EVT#e1#USR#u1"]
    assert "Zoë Secret" not in repr(items)
    assert "Hidden Co" not in repr(items)


def test_downloads_count_for_their_source_even_when_only_a_late_catalog_names_it(aws: Aws) -> None:
    downloads = [ev.download("a1", "s1"), ev.download("a2"), ev.download("a2", user="u2"), ev.download("a3")]
    assert post_interactions(downloads)[0] == 202
    drain(aws.client("kinesis"), aws.stream)
    before = call_api("GET", "/v1/events/e1/sessions/s1/analytics", jwt=ADMIN)[1]
    assert before["totals"]["attachmentDownloads"] == 1  # only the download that named s1, so far
    late = [
        ev.catalog_session("s1", "Keynote"),
        ev.catalog_attachment("a2", "Slides.pdf", "pdf", "s1"),
        ev.catalog_attachment("a3", "Other.pdf", "pdf", "s2"),
    ]
    assert post_interactions(late)[0] == 202
    drain(aws.client("kinesis"), aws.stream)
    status, body, _ = call_api("GET", "/v1/events/e1/sessions/s1/analytics", jwt=ADMIN)
    assert status == 200
    assert body["totals"]["attachmentDownloads"] == 3  # a1 named s1; a2 twice via the late catalog
    board = call_api("GET", "/v1/events/e1/users/u1/analytics", jwt=ADMIN)[1]
    sources = {a["attachmentId"]: a["source"] for a in board["attachments"]["items"]}
    assert sources["a2"] == {"kind": "session", "id": "s1", "name": "Keynote"}
    assert (sources["a3"]["id"], sources["a3"]["name"]) == ("s2", "s2")  # s2 has no catalog entry yet
    rows = {r["sessionId"]: r for r in board["sessions"]}
    assert (rows["s1"]["name"], rows["s1"]["attachmentsDownloaded"]) == ("Keynote", 2)
