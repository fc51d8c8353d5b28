"""Counter names, defined once: the attributes the aggregator adds to and the readers sum.

One name is one stored attribute: ``domain.fold`` writes it on the user-level items, the totals
receive it as a delta (``domain.apply``), ``dal.items`` declares it on the PynamoDB models (a unit
test keeps those attribute names equal to these) and the readers (``dal.reads``, ``domain.views``)
sum it. Rename a constant and every use stops type-checking; change a value and every use follows.

Plain ``Final`` strings rather than a ``StrEnum``: the fold reads them per operation, and on
Python 3.11 an enum member costs ~0.2 µs per access where a module constant costs nothing.
"""

from __future__ import annotations

from typing import Final

# What a user did in a session: on the user-session item and, summed, on the session's totals.
REACTIONS: Final = "reactions"
HANDS: Final = "hands"  # hand.raised
CHAT: Final = "chat"  # group chat messages (also on the user's event-level item, outside sessions)
QNA: Final = "qna"  # Q&A threads created
POLL_ANSWERS: Final = "poll_answers"  # distinct polls a user answered in a session (again: once)

# Attachment downloads: the user-attachment item, and the source's (or attachment's) totals.
DOWNLOADS: Final = "downloads"

# Totals items only: distinct viewers and seconds watched, by kind of viewing.
VIEWERS: Final = "viewers"
LIVE_SECONDS: Final = "live_seconds"
RECORDING_SECONDS: Final = "recording_seconds"
ENGAGED_SECONDS: Final = "engaged_seconds"
VOD_SECONDS: Final = "vod_seconds"

# A viewing item (one user, one content item, one UTC hour): seconds newly covered, engaged ones.
SECONDS: Final = "seconds"
ENGAGED: Final = "engaged"

# The totals counter a heartbeat's seconds add to, by its ``kind``.
SECONDS_OF: Final = {"live": LIVE_SECONDS, "recording": RECORDING_SECONDS, "vod": VOD_SECONDS}

SESSION_COUNTERS: Final = (REACTIONS, HANDS, CHAT, QNA, POLL_ANSWERS)
# Every numeric attribute of a totals item (session, VOD, attachment).
TOTALS: Final = frozenset(
    (*SESSION_COUNTERS, DOWNLOADS, VIEWERS, LIVE_SECONDS, RECORDING_SECONDS, ENGAGED_SECONDS, VOD_SECONDS)
)
