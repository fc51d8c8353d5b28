"""The dashboard arithmetic of SPEC section 2, worked out by hand and by property."""

from __future__ import annotations

from datetime import UTC, datetime
from fractions import Fraction
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from domain.dashboard import (
    AttachmentActivity,
    CatalogEntry,
    Profile,
    SessionActivity,
    UserActivity,
    VodActivity,
    profile_of,
    rollup_user,
    visible_or_none,
)
from domain.filetypes import file_family, file_label
from domain.rounding import minutes, rate, round_half_up

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def rollup(activity: UserActivity, catalog: dict[str, CatalogEntry] | None = None) -> dict[str, Any]:
    """The dashboard as the API's JSON has it (the names are the contract)."""
    return rollup_user(activity, catalog or {}, NOW).model_dump(mode="json")


def test_minutes_round_half_up_from_the_seconds_sum() -> None:
    assert minutes(3) == 0.1  # 0.05 -> 0.1 (half up, not banker's)
    assert minutes(9) == 0.2  # 0.15 -> 0.2
    assert minutes(2) == 0.0
    assert minutes(57) == 1.0  # 0.95
    assert minutes(0) == 0.0
    # Two sessions of 3 s each: 6 s = 0.1 min, not 0.1 + 0.1.
    activity = UserActivity("e", "u", sessions=(SessionActivity("a", 3), SessionActivity("b", 3)))
    assert rollup(activity)["kpis"]["minutesViewed"] == 0.1


@given(st.integers(-(10**12), 10**12))
def test_minutes_in_integers_are_the_exact_rounding(seconds: int) -> None:
    assert minutes(seconds) == float(round_half_up(Fraction(seconds, 60), 1))


def test_rates_round_half_up_to_four_places() -> None:
    assert rate(Fraction(1, 8)) == 0.125
    assert rate(Fraction(123455, 1000000)) == 0.1235
    assert rate(Fraction(2, 3)) == 0.6667
    assert rate(None) is None


@given(st.fractions(min_value=0, max_value=1000), st.integers(0, 6))
def test_round_half_up_is_within_half_a_unit(value: Fraction, places: int) -> None:
    rounded = round_half_up(value, places)
    unit = Fraction(1, 10**places)
    assert -unit / 2 < rounded - value <= unit / 2


def test_average_live_engagement_is_the_mean_of_unrounded_session_rates() -> None:
    sessions = (
        SessionActivity("a", live_seconds=3, engaged_seconds=1),  # 1/3
        SessionActivity("b", live_seconds=3, engaged_seconds=2),  # 2/3
        SessionActivity("c", live_seconds=8, engaged_seconds=1),  # 1/8
        SessionActivity("d", recording_seconds=50),  # not attended live: not in the mean
    )
    kpis = rollup(UserActivity("e", "u", sessions=sessions))["kpis"]
    assert kpis["liveEngagementRate"] == rate((Fraction(1, 3) + Fraction(2, 3) + Fraction(1, 8)) / 3) == 0.375
    assert kpis["sessionsViewed"] == 4


def test_no_live_viewing_means_null_rates() -> None:
    board = rollup(UserActivity("e", "u", sessions=(SessionActivity("a", recording_seconds=10),)))
    assert board["kpis"]["liveEngagementRate"] is None
    assert board["sessions"][0]["engagementRate"] is None


def test_polls_and_attachments_distinct_versus_downloads() -> None:
    activity = UserActivity(
        "e",
        "u",
        sessions=(
            SessionActivity("s1", polls=2),
            SessionActivity("s2", polls=1),
        ),
        attachments=(AttachmentActivity("a1", 3, ((("session", "s1"), 3),)), AttachmentActivity("a2", 1)),
    )
    catalog = {"ATT#a2": CatalogEntry("Agenda", file_type="pdf", source_kind="session", source_id="s1")}
    board = rollup(activity, catalog)
    assert board["engagement"]["pollsAnswered"] == 3
    assert board["engagement"]["attachmentsDownloaded"] == 2
    assert board["attachments"]["count"] == 2
    s1 = next(s for s in board["sessions"] if s["sessionId"] == "s1")
    assert s1["attachmentsDownloaded"] == 4  # downloads, not distinct; a2's source came from the catalog
    assert s1["pollsAnswered"] == 2


def test_catalog_missing_items_show_their_id() -> None:
    activity = UserActivity("e", "u", sessions=(SessionActivity("s9", 60),), vods=(VodActivity("v9", 30),))
    board = rollup(activity)
    assert (board["sessions"][0]["name"], board["sessions"][0]["catalogMissing"]) == ("s9", True)
    assert (board["vods"][0]["name"], board["vods"][0]["catalogMissing"]) == ("v9", True)
    named = rollup(
        activity, {"SES#s9": CatalogEntry("Keynote"), "VOD#v9": CatalogEntry("Intro", duration=60)}
    )
    assert (named["sessions"][0]["name"], named["sessions"][0]["catalogMissing"]) == ("Keynote", False)


def test_ordering_by_seconds_then_name() -> None:
    sessions = (SessionActivity("x", 10), SessionActivity("y", 30), SessionActivity("z", 10))
    catalog = {"SES#x": CatalogEntry("Beta"), "SES#z": CatalogEntry("alpha"), "SES#y": CatalogEntry("Zed")}
    board = rollup(UserActivity("e", "u", sessions=sessions), catalog)
    assert [s["name"] for s in board["sessions"]] == ["Zed", "alpha", "Beta"]
    attachments = (AttachmentActivity("1", 1), AttachmentActivity("2", 1))
    names = {"ATT#1": CatalogEntry("b.pdf"), "ATT#2": CatalogEntry("A.pdf")}
    assert [
        a["name"]
        for a in rollup(UserActivity("e", "u", attachments=attachments), names)["attachments"]["items"]
    ] == [
        "A.pdf",
        "b.pdf",
    ]


def test_vod_completion_uses_catalog_duration_for_pending_spans() -> None:
    vod = VodActivity("v1", 40, frozenset(range(20, 30)), frozenset({"40:60"}), None)
    without = rollup(UserActivity("e", "u", vods=(vod,)))["vods"][0]
    assert without["completionRate"] is None
    board = rollup(UserActivity("e", "u", vods=(vod,)), {"VOD#v1": CatalogEntry("Intro", duration=100)})
    assert board["vods"][0]["completionRate"] == 0.3
    assert board["vods"][0]["minutesViewed"] == 0.7


def test_totals_add_up_across_kinds() -> None:
    activity = UserActivity(
        "e",
        "u",
        profile=Profile("Ana", "Speaker", "Acme", "Media", "PT"),
        sessions=(SessionActivity("s1", 100, 50, 60, 2, 1, 3, 1),),
        vods=(VodActivity("v1", 30),),
        event_chat=2,
    )
    board = rollup(activity)
    assert board["kpis"]["viewedSeconds"] == 180
    assert board["viewing"] == {
        "liveMinutes": 1.7,
        "recordingMinutes": 0.8,
        "vodMinutes": 0.5,
        "liveSeconds": 100,
        "recordingSeconds": 50,
        "vodSeconds": 30,
    }
    assert board["engagement"]["groupChatMessages"] == 5
    assert board["user"] == {
        "name": "Ana",
        "role": "Speaker",
        "company": "Acme",
        "industry": "Media",
        "country": "PT",
        "profileMissing": False,
    }
    assert board["generatedAt"] == "2026-11-20T12:00:00Z"


def test_file_types_map_to_icons_and_labels() -> None:
    assert (file_family("pdf"), file_label("pdf")) == ("pdf", "PDF")
    assert (file_family("application/pdf"), file_label("application/pdf")) == ("pdf", "PDF")
    assert file_family("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet") == "spreadsheet"
    assert file_label("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet") == "SHEET"
    assert file_family(".PPTX") == "presentation"
    assert file_family("csv") == file_family("text/csv") == "csv"
    assert file_family("image/png") == "image"
    assert file_family("weird") == "other"
    assert file_family(None) == "other"


def test_a_download_without_a_source_takes_the_catalogs_and_every_name_comes_from_the_catalog() -> None:
    """A source the event named wins; the rest follow the catalog; names, never ids, when known."""
    activity = UserActivity(
        "e",
        "u",
        attachments=(AttachmentActivity("a1", 3, ((("session", "s1"), 1),)), AttachmentActivity("a2", 2)),
    )
    catalog = {
        "ATT#a1": CatalogEntry("Slides", file_type="pdf", source_kind="session", source_id="s2"),
        "ATT#a2": CatalogEntry("Sheet", file_type="xlsx", source_kind="session", source_id="s2"),
        "SES#s1": CatalogEntry("Opening keynote"),
        "SES#s2": CatalogEntry("Panel"),
    }
    board = rollup(activity, catalog)
    by_id = {a["attachmentId"]: a for a in board["attachments"]["items"]}
    assert by_id["a1"]["source"] == {"kind": "session", "id": "s1", "name": "Opening keynote"}
    assert by_id["a2"]["source"] == {"kind": "session", "id": "s2", "name": "Panel"}
    rows = {s["sessionId"]: s for s in board["sessions"]}
    assert (rows["s1"]["name"], rows["s1"]["attachmentsDownloaded"]) == ("Opening keynote", 1)
    assert (rows["s2"]["name"], rows["s2"]["attachmentsDownloaded"]) == ("Panel", 4)  # 2 of a1 + 2 of a2
    assert not any(s["catalogMissing"] for s in board["sessions"])


INVISIBLE = st.text(st.characters(categories=["Zs", "Zl", "Zp", "Cc", "Cf"]), max_size=8)


@given(INVISIBLE)
def test_text_with_nothing_visible_reads_as_missing(text: str) -> None:
    assert visible_or_none(text) is None


@given(INVISIBLE, st.characters(exclude_categories=["Zs", "Zl", "Zp", "Cc", "Cf"]), INVISIBLE)
def test_text_with_anything_visible_is_kept_whole(before: str, shown: str, after: str) -> None:
    text = before + shown + after
    assert visible_or_none(text) == text


def test_a_profile_of_zero_width_and_blank_fields_has_those_fields_missing() -> None:
    profile = profile_of("\u200b \u2060", "Speaker", "\u200b", "\u00a0\t", None)
    assert profile == Profile(None, "Speaker", None, None, None)
