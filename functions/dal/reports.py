"""Report objects in S3: ``reports/{eventId}/{userId}/<generated-at>.pdf``."""

from __future__ import annotations

from typing import Any

from shared.clients import client

_DELETE_BATCH = 1000


def user_prefix(event_id: str, user_id: str) -> str:
    return f"reports/{event_id}/{user_id}/"


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
