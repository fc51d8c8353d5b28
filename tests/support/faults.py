"""Fault injection with botocore event hooks: what AWS does on a bad day."""

from __future__ import annotations

import random
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
    """Fail a share of the aggregator's calls the ways DynamoDB does: throttling, capacity, timeouts."""

    CODES = ("ProvisionedThroughputExceededException", "ThrottlingException", "InternalServerError")

    def __init__(
        self,
        rate: float,
        seed: int,
        operations: tuple[str, ...] = ("BatchGetItem", "PutItem", "UpdateItem", "DeleteItem"),
    ):
        self.rate = rate
        self.random = random.Random(seed)
        self.operations = operations
        self.injected: dict[str, int] = {}
        self.client: Any = None

    def _before_call(self, model: Any, **_: Any) -> Any:
        if self.random.random() >= self.rate:
            return None
        kind = self.random.choice([*self.CODES, "timeout"])
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
