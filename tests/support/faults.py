"""Fault injection with botocore event hooks: what AWS does on a bad day."""

from __future__ import annotations

import hashlib
import random
import threading
from typing import Any

from botocore.awsrequest import AWSResponse
from botocore.exceptions import ReadTimeoutError


class PartialFailures:
    """Make Kinesis refuse chosen records: drop them from the request, then report them failed."""

    def __init__(self, refuse: Any):
        self.refuse = refuse  # (attempt, index in call) -> bool
        self.attempt = 0
        self.dropped: list[int] = []
        self.injected = 0

    def before_params(self, params: dict, **_: Any) -> None:
        self.attempt += 1
        keep, self.dropped = [], []
        for i, record in enumerate(params["Records"]):
            if self.refuse(self.attempt, i):
                self.dropped.append(i)
            else:
                keep.append(record)
        self.injected += len(self.dropped)
        self.total = len(params["Records"])
        params["Records"] = keep

    def after_call(self, parsed: dict, **_: Any) -> None:
        written = iter(parsed["Records"])
        failed = {"ErrorCode": "ProvisionedThroughputExceededException", "ErrorMessage": "injected"}
        parsed["Records"] = [failed if i in self.dropped else next(written) for i in range(self.total)]
        parsed["FailedRecordCount"] = len(self.dropped)

    def install(self) -> None:
        from shared.clients import client

        events = client("kinesis").meta.events
        events.register("provide-client-params.kinesis.PutRecords", self.before_params)
        events.register("after-call.kinesis.PutRecords", self.after_call)


def error_response(code: str, message: str = "injected", status: int = 400) -> tuple[AWSResponse, dict]:
    """What a before-call hook returns to short-circuit a call with an AWS error."""
    parsed = {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}}
    return AWSResponse("https://localhost/", status, {}, None), parsed


class DynamoFaults:
    """Fail a share of the aggregator's calls the ways DynamoDB does: throttling, capacity, timeouts.

    Whether a call fails is a function of the seed, the request and how often that same request was
    made before, not of the order threads run in: a run with the same seed injects the same faults.
    """

    CODES = ("ProvisionedThroughputExceededException", "ThrottlingException", "InternalServerError")

    def __init__(
        self,
        rate: float,
        seed: int,
        operations: tuple[str, ...] = ("BatchGetItem", "PutItem", "UpdateItem", "DeleteItem"),
    ):
        self.rate = rate
        self.seed = seed
        self.operations = operations
        self.injected: dict[str, int] = {}
        self.client: Any = None
        self._seen: dict[bytes, int] = {}
        self._lock = threading.Lock()
        self.calls = 0  # calls the hook saw, faulted or not

    def _before_call(self, model: Any, params: dict[str, Any], **_: Any) -> Any:
        body = model.name.encode() + bytes(params.get("body") or b"")
        with self._lock:
            attempt = self._seen[body] = self._seen.get(body, 0) + 1
            self.calls += 1
        draw = random.Random(hashlib.sha256(b"%d:%d:" % (self.seed, attempt) + body).digest())
        if draw.random() >= self.rate:
            return None
        kind = draw.choice([*self.CODES, "timeout"])
        with self._lock:
            self.injected[kind] = self.injected.get(kind, 0) + 1
        if kind == "timeout":
            raise ReadTimeoutError(endpoint_url="https://dynamodb.us-east-1.amazonaws.com")
        return error_response(kind)

    def install(self) -> DynamoFaults:
        from dal.items import botocore_client

        self.client = botocore_client()
        for operation in self.operations:
            self.client.meta.events.register(f"before-call.dynamodb.{operation}", self._before_call)
        return self

    def uninstall(self) -> None:
        for operation in self.operations:
            self.client.meta.events.unregister(f"before-call.dynamodb.{operation}", self._before_call)

    @property
    def total(self) -> int:
        return sum(self.injected.values())

    def explain(self) -> str:
        """Why no fault may have been injected: the hook saw no call, or the client changed."""
        from dal.items import botocore_client

        same = botocore_client() is self.client
        return f"{self.calls} calls hooked, {self.injected} injected; hooked client still in use: {same}"
