"""The reports bucket: report objects in S3, ``reports/{eventId}/{userId}/<generated-at>.pdf``."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

from shared.clients import client

_DELETE_BATCH = 1000
PDF = "application/pdf"


def user_prefix(event_id: str, user_id: str) -> str:
    return f"reports/{event_id}/{user_id}/"


def report_key(event_id: str, user_id: str, generated_at: datetime) -> str:
    """``reports/e1/u1/2026-11-20T10-00-00.123Z-9f3a61c2.pdf``: the time to the millisecond, then
    a random suffix, so two reports asked for at the same moment never overwrite each other; no
    colons, friendlier to tools that sync keys to files."""
    stamp = f"{generated_at:%Y-%m-%dT%H-%M-%S}.{generated_at.microsecond // 1000:03d}Z"
    return f"{user_prefix(event_id, user_id)}{stamp}-{secrets.token_hex(4)}.pdf"


def put_report(bucket: str, key: str, body: bytes) -> None:
    client("s3").put_object(Bucket=bucket, Key=key, Body=body, ContentType=PDF, ServerSideEncryption="AES256")


def download_url(bucket: str, key: str, content_disposition: str, expires_in: int) -> str:
    """A presigned GET whose response carries ``content_disposition`` (makes browsers save the file)."""
    params = {
        "Bucket": bucket,
        "Key": key,
        "ResponseContentDisposition": content_disposition,
        "ResponseContentType": PDF,
    }
    url: str = client("s3").generate_presigned_url("get_object", Params=params, ExpiresIn=expires_in)
    return url


def link_expiry(url: str) -> datetime:
    """When a presigned (SigV4) URL stops working: its signing time plus its lifetime, as S3 checks
    them (the time it was asked for is earlier by the render)."""
    query = parse_qs(urlsplit(url).query)
    signed = datetime.strptime(query["X-Amz-Date"][0], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    return signed + timedelta(seconds=int(query["X-Amz-Expires"][0]))


def delete_user_reports(bucket: str, event_id: str, user_id: str) -> int:
    """Delete every report of a user; returns how many objects went."""
    s3: Any = client("s3")
    deleted = 0
    for page in s3.get_paginator("list_objects_v2").paginate(
        Bucket=bucket, Prefix=user_prefix(event_id, user_id)
    ):
        objects = [{"Key": obj["Key"]} for obj in page.get("Contents", [])]
        for start in range(0, len(objects), _DELETE_BATCH):
            chunk = objects[start : start + _DELETE_BATCH]
            response = s3.delete_objects(Bucket=bucket, Delete={"Objects": chunk, "Quiet": True})
            if response.get("Errors"):
                raise RuntimeError(f"S3 refused to delete {len(response['Errors'])} report objects")
            deleted += len(chunk)
    return deleted
