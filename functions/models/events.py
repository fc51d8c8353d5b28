"""The ingest contract (SPEC section 3): one pydantic model per interaction type.

Validation is strict about what producers send and forgiving about what they add:
unknown fields inside ``data`` are ignored and dropped when the event is re-serialised
for the stream, so nothing we did not ask for (message text, say) travels further.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    PlainSerializer,
    PlainValidator,
    StrictInt,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
    model_validator,
)
from pydantic.alias_generators import to_camel
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, core_schema

from models.ids import ID_PATTERN, format_time
from models.ids import TIME_FORMAT as TIME_FORMAT  # re-exported: the aggregator formats with it
from models.messages import message_of

# Ids may not be only dots, because URL clients normalise "." and ".." out of paths: events check
# it on its own, to say so ("must not be only dots"); path parameters in their pattern
# (models.ids.PATH_ID_PATTERN).
MAX_FUTURE = timedelta(minutes=5)
MAX_PARTITION_KEY = 256  # Kinesis refuses longer partition keys (the whole PutRecords call)
MAX_SECONDS = 10**7  # positions and durations: about 115 days of media

NOT_RFC3339 = "must be an RFC 3339 date-time with an offset"
NO_OFFSET = "must include a UTC offset (Z or +hh:mm)"
YEAR_RANGE = "must be in the years 2000 to 9999 (UTC)"
ALL_DOTS = "must not be only dots"
NOT_PRINTABLE = "must be 1-128 printable characters"


@dataclass(frozen=True, slots=True)
class Between:
    """An inclusive range with the message a producer can act on, documented in the JSON schema
    (so the OpenAPI document states every number's range)."""

    low: int | float
    high: int | float

    def check(self, value: float) -> float:
        if not self.low <= value <= self.high:
            raise ValueError(f"must be between {self.low} and {self.high}")
        return value

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_after_validator_function(self.check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {**handler(schema), "minimum": self.low, "maximum": self.high}


def _not_all_dots(value: str) -> str:
    if value.strip(".") == "":
        raise ValueError(ALL_DOTS)
    return value


def _printable(value: str) -> str:
    # str.isprintable: no control, format (bidi overrides, zero-width), separator (but " "),
    # private-use, unassigned or surrogate code points.
    if not value.isprintable():
        raise ValueError(NOT_PRINTABLE)
    return value


# Every string below has a length or pattern constraint: pydantic then refuses lone surrogates
# ("string_unicode"), so a validated event always serialises as UTF-8.
Id = Annotated[
    str,
    Field(pattern=ID_PATTERN, json_schema_extra={"not": {"pattern": r"^\.+$"}}),
    AfterValidator(_not_all_dots),
]
EventKey = Annotated[
    str,
    Field(min_length=1, max_length=128, description="1..128 printable characters"),
    AfterValidator(_printable),
]
Name = Annotated[str, Field(min_length=1, max_length=256)]
OptionalText = Annotated[str | None, Field(default=None, max_length=256)]
Seconds = Annotated[StrictInt, Between(1, 60)]
# Strict: a JSON number, never a numeric string; NaN and infinity are not media positions.
Number = Annotated[float, Field(strict=True, allow_inf_nan=False)]
Position = Annotated[Number, Between(0, MAX_SECONDS)]
# Greater than 0; the floor of a millisecond keeps durations storable (DynamoDB numbers stop at 1e-130).
Duration = Annotated[Number, Between(0.001, MAX_SECONDS)]


class _Model(BaseModel):
    # defer_build: no model builds its validator and serializer when this module is imported (~2/3
    # of its import time). The collector and the aggregator validate through EVENT_ADAPTER (one
    # validator for the whole union, built on the first event); a model's own serializer is built
    # the first time one of its events is written to the stream (to_record).
    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="ignore",
        frozen=True,
        str_strip_whitespace=False,
        defer_build=True,
    )


# --- data payloads -------------------------------------------------------------------------------


class ProfileData(_Model):
    name: Name
    role: OptionalText
    company: OptionalText
    industry: OptionalText
    country: OptionalText


class CatalogSessionData(_Model):
    session_id: Id
    name: Name
    starts_at: UtcTime | None = None
    ends_at: UtcTime | None = None

    @model_validator(mode="after")
    def _ends_after_it_starts(self) -> CatalogSessionData:
        if self.starts_at is not None and self.ends_at is not None and self.ends_at < self.starts_at:
            raise ValueError("endsAt must not be before startsAt")
        return self


class CatalogVodData(_Model):
    vod_id: Id
    name: Name
    duration_seconds: Duration


class CatalogAttachmentData(_Model):
    attachment_id: Id
    name: Name
    file_type: Annotated[str, Field(min_length=1, max_length=128)]
    session_id: Id | None = None
    vod_id: Id | None = None

    @model_validator(mode="after")
    def _one_source(self) -> CatalogAttachmentData:
        if (self.session_id is None) == (self.vod_id is None):
            raise ValueError("exactly one of sessionId or vodId is required")
        return self


class HeartbeatData(_Model):
    kind: Literal["live", "recording", "vod"]
    session_id: Id | None = None
    vod_id: Id | None = None
    seconds: Seconds
    engaged_seconds: Annotated[StrictInt, Between(0, 60)] = 0  # and at most seconds (below)
    position: Position | None = None
    duration_seconds: Duration | None = None

    @model_validator(mode="before")
    @classmethod
    def _engagement_is_live_only(cls, raw: Any) -> Any:
        # Engagement is defined for live viewing only; ignore it elsewhere.
        if isinstance(raw, dict) and raw.get("kind") != "live":
            return {k: v for k, v in raw.items() if k not in ("engagedSeconds", "engaged_seconds")}
        return raw

    @model_validator(mode="after")
    def _kind_rules(self) -> HeartbeatData:
        if self.kind == "vod":
            if self.vod_id is None:
                raise ValueError("vodId is required when kind is vod")
            if self.position is None:  # completion (28) is which part was watched: it needs this
                raise ValueError("position is required when kind is vod")
        elif self.session_id is None:
            raise ValueError(f"sessionId is required when kind is {self.kind}")
        if self.engaged_seconds > self.seconds:
            raise ValueError("engagedSeconds must be between 0 and seconds")
        return self


class SessionRef(_Model):
    session_id: Id


class ReactionData(SessionRef):
    reaction: Annotated[str | None, Field(default=None, max_length=64)]


class ChatData(_Model):
    session_id: Id | None = None
    channel: Literal["group", "direct"] = "group"


class PollData(SessionRef):
    poll_id: Id


class QnaData(SessionRef):
    thread_id: Id | None = None


class AttachmentDownloadData(_Model):
    attachment_id: Id
    session_id: Id | None = None
    vod_id: Id | None = None

    @model_validator(mode="after")
    def _at_most_one_source(self) -> AttachmentDownloadData:
        if self.session_id is not None and self.vod_id is not None:
            raise ValueError("give sessionId or vodId, not both")
        return self


# --- envelopes -------------------------------------------------------------------------------------


# RFC 3339 ``date-time`` exactly (ASCII digits; "T" and "Z" may be lower case, RFC 3339 section 5.6).
_DATE_TIME = re.compile(
    r"(?P<year>[0-9]{4})-(?P<month>[0-9]{2})-(?P<day>[0-9]{2})[Tt]"
    r"(?P<hour>[0-9]{2}):(?P<minute>[0-9]{2}):(?P<second>[0-9]{2})(?:\.(?P<fraction>[0-9]+))?"
    r"(?P<offset>[Zz]|[+-][0-9]{2}:[0-9]{2})"
)
_WITHOUT_OFFSET = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?")
# The collector's own UTC form, which every stream record carries: the aggregator's hot path.
_STREAM_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z")
_MAX_TIME_LENGTH = 64


def _to_utc(match: re.Match[str]) -> datetime:
    year = int(match["year"])
    if year < 1999:  # no offset brings it to 2000 (and datetime has no year 0)
        raise ValueError(YEAR_RANGE)
    micro = int((match["fraction"] or "0")[:6].ljust(6, "0"))  # finer than microseconds: truncated
    second = int(match["second"])
    leap = second == 60  # RFC 3339 5.7; no datetime has one: read as :59, then moved below
    try:
        local = datetime(
            year,
            int(match["month"]),
            int(match["day"]),
            int(match["hour"]),
            int(match["minute"]),
            59 if leap else second,
            micro,
        )
    except ValueError:
        raise ValueError(NOT_RFC3339) from None
    offset = match["offset"]
    minutes = 0
    if offset not in ("Z", "z"):
        hours, mins = int(offset[1:3]), int(offset[4:6])
        if hours > 23 or mins > 59:
            raise ValueError(NOT_RFC3339)
        minutes = (hours * 60 + mins) * (-1 if offset[0] == "-" else 1)
    try:
        utc = local - timedelta(minutes=minutes)
        if leap:
            utc = _after_leap_second(utc)
    except OverflowError:  # past 9999-12-31 (or before year 1) in UTC
        raise ValueError(YEAR_RANGE) from None
    if not 2000 <= utc.year <= 9999:
        raise ValueError(YEAR_RANGE)
    return utc.replace(tzinfo=UTC)


def _after_leap_second(utc: datetime) -> datetime:
    """A leap second, ``23:59:60`` UTC on a month's last day (read as ``:59``), is where POSIX time
    puts it: the next day's first second. Any other ``:60`` is not a time."""
    if (utc.hour, utc.minute) != (23, 59) or (utc + timedelta(days=1)).day != 1:
        raise ValueError(NOT_RFC3339)
    return utc + timedelta(seconds=1)


def _from_datetime(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError(NO_OFFSET)
    try:
        utc = value.astimezone(UTC)
    except OverflowError:
        raise ValueError(YEAR_RANGE) from None
    if not 2000 <= utc.year <= 9999:
        raise ValueError(YEAR_RANGE)
    return utc


def _parse_time(value: Any, info: ValidationInfo) -> datetime:
    if isinstance(value, str) and _STREAM_TIME.fullmatch(value):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(NOT_RFC3339) from None
        if value < "2000":
            raise ValueError(YEAR_RANGE)
    elif isinstance(value, datetime):
        parsed = _from_datetime(value)
    elif isinstance(value, str) and len(value) <= _MAX_TIME_LENGTH:
        match = _DATE_TIME.fullmatch(value)
        if match is None:
            raise ValueError(NO_OFFSET if _WITHOUT_OFFSET.fullmatch(value) else NOT_RFC3339)
        parsed = _to_utc(match)
    else:
        raise ValueError(NOT_RFC3339)
    # The future limit is the collector's (it passes "now"), and only for when the event happened:
    # a catalog session may well start tomorrow.
    now = (info.context or {}).get("now")
    if now is not None and info.field_name == "time" and parsed > now + MAX_FUTURE:
        raise ValueError("must not be more than 5 minutes in the future")
    return parsed


UtcTime = Annotated[
    datetime,
    PlainValidator(_parse_time),
    PlainSerializer(format_time, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date-time",
            "description": "RFC 3339 date-time with an offset (Z or +hh:mm); years 2000..9999 in UTC",
        },
        mode="validation",
    ),
]


def partition_key(event_id: str, group: str) -> str:
    """``{eventId}#{group}``, or a digest of it past Kinesis's 256 characters.

    One user always gets the same key. A digest key holds a second ``#``, which no id may contain,
    so it can never equal the plain key of another user.
    """
    key = f"{event_id}#{group}"
    if len(key) <= MAX_PARTITION_KEY:
        return key
    return f"{event_id}#sha256#{hashlib.sha256(key.encode()).hexdigest()}"


class _Envelope(_Model):
    id: EventKey
    time: UtcTime
    event_id: Id
    user_id: Id | None = None

    @property
    def time_key(self) -> str:
        return format_time(self.time)

    @property
    def identity(self) -> tuple[str, str | None, str]:
        """(eventId, userId, id), SPEC 11; a catalog event's ``None`` user stands for ``catalog``."""
        return self.event_id, self.user_id, self.id

    @property
    def partition_key(self) -> str:
        return partition_key(self.event_id, str(self.user_id))

    def to_record(self) -> bytes:
        """The normalised event as it travels on the stream."""
        return self.model_dump_json(by_alias=True, exclude_none=True).encode()


class _UserEnvelope(_Envelope):
    user_id: Id

    @property
    def user(self) -> str:
        return self.user_id


class _CatalogEnvelope(_Envelope):
    @property
    def partition_key(self) -> str:
        return partition_key(self.event_id, "catalog")


class UserProfile(_UserEnvelope):
    type: Literal["user.profile"]
    data: ProfileData


class CatalogSession(_CatalogEnvelope):
    type: Literal["catalog.session"]
    data: CatalogSessionData


class CatalogVod(_CatalogEnvelope):
    type: Literal["catalog.vod"]
    data: CatalogVodData


class CatalogAttachment(_CatalogEnvelope):
    type: Literal["catalog.attachment"]
    data: CatalogAttachmentData


class ViewHeartbeat(_UserEnvelope):
    type: Literal["view.heartbeat"]
    data: HeartbeatData


class ReactionSent(_UserEnvelope):
    type: Literal["reaction.sent"]
    data: ReactionData


class ChatMessageSent(_UserEnvelope):
    type: Literal["chat.message.sent"]
    # The default as data, validated into ChatData when used: a ChatData() here would build that
    # model's validator at import (defer_build).
    data: ChatData = Field(default={"sessionId": None, "channel": "group"}, validate_default=True)


class PollAnswered(_UserEnvelope):
    type: Literal["poll.answered"]
    data: PollData


class QnaThreadCreated(_UserEnvelope):
    type: Literal["qna.thread.created"]
    data: QnaData


class HandRaised(_UserEnvelope):
    type: Literal["hand.raised"]
    data: SessionRef


class AttachmentDownloaded(_UserEnvelope):
    type: Literal["attachment.downloaded"]
    data: AttachmentDownloadData


Event = Annotated[
    UserProfile
    | CatalogSession
    | CatalogVod
    | CatalogAttachment
    | ViewHeartbeat
    | ReactionSent
    | ChatMessageSent
    | PollAnswered
    | QnaThreadCreated
    | HandRaised
    | AttachmentDownloaded,
    Field(discriminator="type"),
]
EVENT_TYPES: tuple[str, ...] = (
    "user.profile",
    "catalog.session",
    "catalog.vod",
    "catalog.attachment",
    "view.heartbeat",
    "reaction.sent",
    "chat.message.sent",
    "poll.answered",
    "qna.thread.created",
    "hand.raised",
    "attachment.downloaded",
)
CatalogEvent = CatalogSession | CatalogVod | CatalogAttachment
# Built on first use too (defer_build), once for every event type: the first event pays for it.
EVENT_ADAPTER: TypeAdapter[Event] = TypeAdapter(Event, config=ConfigDict(defer_build=True))


class FieldError(_Model):
    field: str
    message: str


class EventRejected(Exception):
    """An event that breaks the contract, with producer-actionable field errors."""

    def __init__(self, errors: list[FieldError]):
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = errors


def parse_event(raw: Any, now: datetime | None = None) -> Event:
    """Validate one event. ``now`` enables the future-time limit (the collector's job)."""
    if not isinstance(raw, dict):
        raise EventRejected([FieldError(field="", message="must be a JSON object")])
    kind = raw.get("type")
    if kind not in EVENT_TYPES:
        message = "is required" if kind is None else "must be one of: " + ", ".join(EVENT_TYPES)
        raise EventRejected([FieldError(field="type", message=message)])
    try:
        return EVENT_ADAPTER.validate_python(raw, context={"now": now})
    except ValidationError as exc:
        raise EventRejected(field_errors(exc)) from None


class UndecodableRecord(EventRejected):
    """Stream data that is not a UTF-8 JSON document at all."""


def parse_record(data: bytes) -> Event:
    """Validate an event read back from the stream (already normalised by the collector)."""
    try:
        return EVENT_ADAPTER.validate_json(data)
    except ValidationError as exc:
        errors = field_errors(exc)
        if any(e["type"] in ("json_invalid", "json_type") for e in exc.errors()):
            raise UndecodableRecord(errors) from None
        raise EventRejected(errors) from None


def field_errors(exc: ValidationError) -> list[FieldError]:
    """Turn pydantic errors into ``data.seconds: must be between 1 and 60`` pairs."""
    out: list[FieldError] = []
    seen: set[tuple[str, str]] = set()
    for err in exc.errors(include_url=False, include_input=False):
        loc = [str(part) for part in err["loc"]]
        if loc and loc[0] in EVENT_TYPES:
            loc = loc[1:]  # the discriminator tag pydantic puts first
        field = ".".join(loc)
        kind = err["type"]
        if kind in ("union_tag_invalid", "union_tag_not_found"):
            field = "type"
            message = (
                "is required"
                if kind == "union_tag_not_found"
                else "must be one of: " + ", ".join(EVENT_TYPES)
            )
        else:
            message = message_of(err)
        if (field, message) not in seen:
            seen.add((field, message))
            out.append(FieldError(field=field, message=message))
    return out
