"""Bounded dashboard (SPEC section 5 "Bounded responses", section 11 "Lists"): top 200 rows per
list, exact totals over every row, pages through the rest, catalog reads only for rows shown."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from domain import dashboard as d
from models.dashboard import AttachmentRow, Dashboard, SessionRow, VodRow
from shared.http import to_json

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
ONE_MB = 1_000_000


def _cjk_name(rng: random.Random) -> str:
    return "".join(chr(rng.randint(0x4E00, 0x9FFF)) for _ in range(rng.randint(100, 230)))


def worst_case() -> tuple[d.UserActivity, dict[str, d.CatalogEntry]]:
    """Issue 13's worst case: 10,000 distinct attachments and 1,000 sessions, CJK names of
    100 to 230 characters everywhere (and 1,000 VODs on top)."""
    rng = random.Random(13)
    sessions = tuple(
        d.SessionActivity(f"s{i:04d}", 60 + i, 30, 45, reactions=i % 7, polls=1) for i in range(1000)
    )
    vods = tuple(
        d.VodActivity(f"v{i:04d}", 10 + i, frozenset(range(i % 100)), duration=600) for i in range(1000)
    )
    attachments = tuple(
        d.AttachmentActivity(f"a{i:05d}", 1 + i % 3, ((("session", f"s{i % 1000:04d}"), 1 + i % 3),))
        for i in range(10_000)
    )
    catalog = {f"SES#s{i:04d}": d.CatalogEntry(_cjk_name(rng)) for i in range(1000)}
    catalog |= {f"VOD#v{i:04d}": d.CatalogEntry(_cjk_name(rng), duration=600) for i in range(1000)}
    catalog |= {
        f"ATT#a{i:05d}": d.CatalogEntry(
            _cjk_name(rng), file_type="pdf", source_kind="session", source_id=f"s{i % 1000:04d}"
        )
        for i in range(10_000)
    }
    profile = d.Profile(_cjk_name(rng), "Speaker", "Acme", "Media", "JP")
    return d.UserActivity("e1", "u1", profile, sessions, vods, attachments, event_chat=5), catalog


def _json_bytes(board: Dashboard) -> int:
    """Exactly what the query handler sends: the response model as compact UTF-8 JSON."""
    return len(to_json(board.model_dump(mode="json")).encode())


def test_the_worst_case_dashboard_stays_under_one_megabyte_with_exact_totals() -> None:
    activity, catalog = worst_case()
    board = d.rollup_user(activity, catalog, NOW)
    size = _json_bytes(board)
    assert size <= ONE_MB, size
    uncapped = _json_bytes(d.rollup_user(activity, catalog, NOW, limit=20_000))
    assert uncapped > 6 * ONE_MB  # without the cap it would not fit Lambda's 6 MB response

    assert [len(board.sessions), len(board.vods), len(board.attachments.items)] == [200, 200, 200]
    assert board.lists.model_dump() == {
        listing: {
            "count": total,
            "shown": 200,
            "hasMore": True,
            "links": {"all": f"/v1/events/e1/users/u1/{listing}"},
        }
        for listing, total in (("sessions", 1000), ("vods", 1000), ("attachments", 10_000))
    }
    # KPIs and totals are over every row, not the rows shown.
    assert board.attachments.count == board.engagement.attachmentsDownloaded == 10_000
    assert board.kpis.sessionsViewed == 1000
    assert board.kpis.videosViewed == 1000
    assert board.engagement.reactions == sum(i % 7 for i in range(1000))
    assert board.viewing.liveSeconds == sum(60 + i for i in range(1000))
    assert board.kpis.viewedSeconds == sum(90 + i for i in range(1000)) + sum(10 + i for i in range(1000))


def test_each_list_keeps_its_top_rows_by_value_then_id_and_shows_them_in_section_2_order() -> None:
    sessions = tuple(d.SessionActivity(f"s{i:03d}", live_seconds=i % 50) for i in range(300))
    attachments = tuple(d.AttachmentActivity(f"a{i:03d}", 1 + i % 4) for i in range(300))
    catalog = {f"ATT#a{i:03d}": d.CatalogEntry(f"{299 - i:03d}.pdf") for i in range(300)}
    catalog |= {f"SES#s{i:03d}": d.CatalogEntry(f"name {299 - i:03d}") for i in range(300)}
    board = d.rollup_user(d.UserActivity("e", "u", sessions=sessions, attachments=attachments), catalog, NOW)

    ranked = sorted(range(300), key=lambda i: (-(i % 50), f"s{i:03d}"))[:200]
    assert {s.sessionId for s in board.sessions} == {f"s{i:03d}" for i in ranked}
    assert board.sessions == sorted(board.sessions, key=lambda r: (-r.viewedSeconds, r.name))
    top = sorted(range(300), key=lambda i: (-(1 + i % 4), f"a{i:03d}"))[:200]
    items = board.attachments.items
    assert {a.attachmentId for a in items} == {f"a{i:03d}" for i in top}
    assert [a.name for a in items] == sorted(a.name for a in items)  # by name
    assert board.lists.sessions.hasMore
    assert board.lists.attachments.count == 300
    assert board.lists.vods.model_dump() == {
        "count": 0,
        "shown": 0,
        "hasMore": False,
        "links": {"all": "/v1/events/e/users/u/vods"},
    }


@settings(max_examples=40, deadline=None)
@given(
    values=st.lists(st.integers(0, 5), min_size=0, max_size=40),
    limit=st.integers(1, 7),
    kind=st.sampled_from([d.SESSIONS, d.VODS, d.ATTACHMENTS]),
)
def test_pages_cover_the_whole_list_once_in_rank_order(
    values: list[int], limit: int, kind: d.ListKind[Any]
) -> None:
    listing = kind.name
    activity = d.UserActivity(
        "e",
        "u",
        sessions=tuple(d.SessionActivity(f"x{i}", live_seconds=v) for i, v in enumerate(values)),
        vods=tuple(d.VodActivity(f"x{i}", v) for i, v in enumerate(values)),
        attachments=tuple(d.AttachmentActivity(f"x{i}", v + 1) for i, v in enumerate(values)),
    )
    seen: list[tuple[int, str]] = []
    after = None
    for _ in range(len(values) + 2):
        rows, total, after = d.list_page(activity, {}, kind, after, limit)
        assert total == len(values)
        assert len(rows) <= limit
        seen += [_position(r) for r in rows]
        if after is None:
            break
        assert after == seen[-1]
    assert after is None
    expected = sorted(
        ((v + 1 if listing == "attachments" else v, f"x{i}") for i, v in enumerate(values)),
        key=lambda p: (-p[0], p[1]),
    )
    assert seen == expected
    # The dashboard's rows are the first page's rows.
    board = d.rollup_user(activity, {}, NOW, limit=limit)
    shown: dict[d.Listing, list[Any]] = {
        "sessions": board.sessions,
        "vods": board.vods,
        "attachments": board.attachments.items,
    }
    assert sorted(_position(r)[1] for r in shown[listing]) == sorted(i for _, i in expected[:limit])


def _position(row: SessionRow | VodRow | AttachmentRow) -> tuple[int, str]:
    if isinstance(row, SessionRow):
        return row.viewedSeconds, row.sessionId
    if isinstance(row, VodRow):
        return row.viewedSeconds, row.vodId
    return row.downloads, row.attachmentId


def test_catalog_keys_are_only_the_rows_shown_plus_what_decides_download_sources() -> None:
    activity, catalog = worst_case()
    first = d.dashboard_catalog_keys(activity, {})
    # Every download named its session: no attribution reads. 200 rows per list + their sources.
    assert {k[:4] for k in first} == {"SES#", "VOD#", "ATT#"}
    assert len([k for k in first if k.startswith("ATT#")]) == 200
    assert len([k for k in first if k.startswith("VOD#")]) == 200
    assert len(first) <= 200 * 3 + 200  # names of the rows shown and of their sources
    known = {k: catalog[k] for k in first}
    assert d.dashboard_catalog_keys(activity, known) - first == set()  # no second read needed


def test_downloads_without_a_named_source_are_attributed_over_every_attachment() -> None:
    """Session (23) and the session list's membership stay exact though only 2 attachments show."""
    attachments = tuple(d.AttachmentActivity(f"a{i}", 1) for i in range(5))
    activity = d.UserActivity("e", "u", attachments=attachments)
    catalog = {
        f"ATT#a{i}": d.CatalogEntry(f"A{i}", source_kind="session", source_id="s9" if i < 4 else "s1")
        for i in range(5)
    }
    catalog["SES#s9"] = d.CatalogEntry("Late session")
    first = d.dashboard_catalog_keys(activity, {}, limit=2)
    assert {f"ATT#a{i}" for i in range(5)} <= first  # the entries that decide where downloads belong
    second = d.dashboard_catalog_keys(activity, {k: v for k, v in catalog.items() if k in first}, limit=2)
    assert "SES#s9" in second - first  # a download-only session's name: the second read
    board = d.rollup_user(activity, catalog, NOW, limit=2)
    rows = {s.sessionId: s for s in board.sessions}
    assert rows["s9"].attachmentsDownloaded == 4
    assert rows["s9"].name == "Late session"
    assert board.lists.sessions.count == 2
    assert board.lists.attachments.model_dump() == {
        "count": 5,
        "shown": 2,
        "hasMore": True,
        "links": {"all": "/v1/events/e/users/u/attachments"},
    }
