"""Session and VOD analytics views (pure): totals items and attendee rows to API shapes.

Links are paths under ``api_base``: the stage the request came through (``/prod``), or nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from domain import counters as c
from domain.dashboard import Profile, SessionActivity
from domain.rounding import minutes, rate, ratio


def session_totals(counters: Mapping[str, int]) -> dict[str, Any]:
    live = counters.get(c.LIVE_SECONDS, 0)
    recorded = counters.get(c.RECORDING_SECONDS, 0)
    engaged = counters.get(c.ENGAGED_SECONDS, 0)
    return {
        "viewers": counters.get(c.VIEWERS, 0),
        "minutesViewed": minutes(live + recorded),
        "viewedSeconds": live + recorded,
        "liveMinutes": minutes(live),
        "liveSeconds": live,
        "recordingMinutes": minutes(recorded),
        "recordingSeconds": recorded,
        "engagedSeconds": engaged,
        "engagementRate": rate(ratio(engaged, live)),
        "reactions": counters.get(c.REACTIONS, 0),
        "raisedHands": counters.get(c.HANDS, 0),
        "chatMessages": counters.get(c.CHAT, 0),
        "qnaThreads": counters.get(c.QNA, 0),
        "pollAnswers": counters.get(c.POLL_ANSWERS, 0),
        "attachmentDownloads": counters.get(c.DOWNLOADS, 0),
    }


def vod_totals(counters: Mapping[str, int]) -> dict[str, Any]:
    seconds = counters.get(c.VOD_SECONDS, 0)
    return {
        "viewers": counters.get(c.VIEWERS, 0),
        "minutesViewed": minutes(seconds),
        "viewedSeconds": seconds,
        "attachmentDownloads": counters.get(c.DOWNLOADS, 0),
    }


def attendee_row(
    event_id: str, user_id: str, profile: Profile | None, activity: SessionActivity, api_base: str = ""
) -> dict[str, Any]:
    return {
        "userId": user_id,
        "name": profile.name if profile and profile.name else user_id,
        "profileMissing": profile is None,
        "minutesViewed": minutes(activity.viewed_seconds),
        "viewedSeconds": activity.viewed_seconds,
        "liveSeconds": activity.live_seconds,
        "recordingSeconds": activity.recording_seconds,
        "engagementRate": rate(activity.engagement),
        "links": {"analytics": f"{api_base}/v1/events/{event_id}/users/{user_id}/analytics"},
    }


def user_list_item(event_id: str, user_id: str, profile: Profile, api_base: str = "") -> dict[str, Any]:
    return {
        "userId": user_id,
        "name": profile.name or user_id,
        "role": profile.role,
        "company": profile.company,
        "industry": profile.industry,
        "country": profile.country,
        "links": {"analytics": f"{api_base}/v1/events/{event_id}/users/{user_id}/analytics"},
    }
