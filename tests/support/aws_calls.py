"""Record every AWS call each function's handler makes, as IAM sees it (action and resource).

Two patches, both undone when the test ends:

- every botocore client, whenever and by whom it was made (boto3's in ``shared.clients``,
  PynamoDB's own, Powertools' parameter and idempotency clients), passes each request's parameters
  through ``BaseClient._emit_api_params`` before it fires the ``provide-client-params`` and
  ``before-parameter-build`` hooks. API calls and presigned URLs both go through it, so one wrapper
  there sees both (a presigned GET is signed with the function's credentials: its role needs
  ``s3:GetObject``);
- each handler of template.yaml is wrapped so a call is attributed to the function that was
  running: the handler's own thread, or, for calls from the handler's worker threads (the
  aggregator writes in parallel), whichever functions are running at the time.
"""

from __future__ import annotations

import importlib
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache, wraps
from typing import Any

import pytest

from tests.support import iam


@dataclass(frozen=True, order=True)
class Call:
    function: str  # the function's logical id in template.yaml
    action: str  # the IAM action, e.g. "sqs:SendMessage" for SendMessageBatch
    resource: str  # the ARN IAM checks, with logical ids for names (see tests.support.iam)
    operation: str  # the API operation, e.g. "SendMessageBatch" ("GetObject (presigned)")


# Operations whose IAM action has another name.
_ACTIONS = {
    ("s3", "ListObjectsV2"): "s3:ListBucket",
    ("s3", "ListObjects"): "s3:ListBucket",
    ("s3", "HeadBucket"): "s3:ListBucket",
    ("s3", "HeadObject"): "s3:GetObject",
    ("s3", "DeleteObjects"): "s3:DeleteObject",
    ("s3", "ListObjectVersions"): "s3:ListBucketVersions",
    ("sqs", "SendMessageBatch"): "sqs:SendMessage",
    ("sqs", "DeleteMessageBatch"): "sqs:DeleteMessage",
    ("sqs", "ChangeMessageVisibilityBatch"): "sqs:ChangeMessageVisibility",
}
_TRANSACT = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
}


@dataclass
class Recorder:
    logical_ids: list[str]
    calls: list[Call] = field(default_factory=list)
    _running: Counter[str] = field(default_factory=Counter)
    _local: threading.local = field(default_factory=threading.local)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # -------------------------------------------------------------- which function is running

    @contextmanager
    def running(self, function: str) -> Iterator[None]:
        outer = getattr(self._local, "function", None)
        self._local.function = function
        with self._lock:
            self._running[function] += 1
        try:
            yield
        finally:
            self._local.function = outer
            with self._lock:
                self._running[function] -= 1

    def _callers(self) -> list[str]:
        own = getattr(self._local, "function", None)
        if own is not None:
            return [own]
        with self._lock:
            return [f for f, n in self._running.items() if n > 0]

    # -------------------------------------------------------------- what a call touches

    def record(self, service: str, operation: str, params: dict[str, Any], presigned: bool) -> None:
        callers = self._callers()
        if not callers:
            return  # the test's own setup or checks, not a function
        label = f"{operation} (presigned)" if presigned else operation
        found = [Call(f, a, r, label) for f in callers for a, r in self.targets(service, operation, params)]
        with self._lock:
            self.calls += found

    def logical(self, physical: str) -> str:
        """``test-AnalyticsTable`` -> ``AnalyticsTable``; a secret's random suffix is dropped."""
        for name in sorted(self.logical_ids, key=len, reverse=True):
            if re.search(rf"(?:^|-){re.escape(name)}(?:-[A-Za-z0-9]{{6}})?$", physical, re.IGNORECASE):
                return name
        return physical  # not something the template made: no policy names it

    def targets(self, service: str, operation: str, params: dict[str, Any]) -> list[tuple[str, str]]:
        action = _ACTIONS.get((service, operation), f"{service}:{operation}")
        region, account = iam.REGION, iam.ACCOUNT
        if service == "dynamodb":

            def table(name: str, index: str | None = None) -> str:
                arn = f"arn:aws:dynamodb:{region}:{account}:table/{self.logical(name)}"
                return f"{arn}/index/{index}" if index else arn

            if operation in ("BatchGetItem", "BatchWriteItem"):
                return [(action, table(name)) for name in params.get("RequestItems", {})]
            if operation in ("TransactWriteItems", "TransactGetItems"):
                return [
                    (f"dynamodb:{_TRANSACT.get(kind, 'GetItem')}", table(body["TableName"]))
                    for item in params.get("TransactItems", [])
                    for kind, body in item.items()
                ]
            if "TableName" in params:
                return [(action, table(params["TableName"], params.get("IndexName")))]
        if service == "kinesis":
            stream = params.get("StreamARN", "").rsplit("/", 1)[-1] or params.get("StreamName")
            if stream:
                return [(action, f"arn:aws:kinesis:{region}:{account}:stream/{self.logical(stream)}")]
        if service == "sqs" and "QueueUrl" in params:
            queue = self.logical(params["QueueUrl"].rstrip("/").rsplit("/", 1)[-1])
            return [(action, f"arn:aws:sqs:{region}:{account}:{queue}")]
        if service == "s3" and "Bucket" in params:
            bucket = f"arn:aws:s3:::{self.logical(params['Bucket'])}"
            if operation == "DeleteObjects":
                return [(action, f"{bucket}/{o['Key']}") for o in params["Delete"]["Objects"]]
            if "Key" in params:
                return [(action, f"{bucket}/{params['Key']}")]
            return [(action, bucket)]
        if service == "secretsmanager" and "SecretId" in params:
            secret = str(params["SecretId"]).split(":secret:", 1)[-1]
            return [(action, f"arn:aws:secretsmanager:{region}:{account}:secret:{self.logical(secret)}")]
        if service == "sns" and "TopicArn" in params:
            topic = self.logical(params["TopicArn"].rsplit(":", 1)[-1])
            return [(action, f"arn:aws:sns:{region}:{account}:{topic}")]
        return [(action, "*")]

    # -------------------------------------------------------------- checking

    def by_function(self) -> dict[str, set[Call]]:
        found: dict[str, set[Call]] = {}
        for call in self.calls:
            found.setdefault(call.function, set()).add(call)
        return found

    def denied(self, policies: dict[str, iam.Policy] | None = None) -> list[Call]:
        """Calls the function's role would refuse with AccessDenied."""
        effective = policies if policies is not None else iam.policies()
        return sorted(
            {
                c
                for c in self.calls
                if c.function not in effective or not effective[c.function].allows(c.action, c.resource)
            }
        )


def describe(calls: list[Call]) -> str:
    return "\n".join(f"  {c.function}: {c.action} on {c.resource} ({c.operation})" for c in calls)


def install(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    """Record AWS calls and which function makes them until the test ends."""
    from botocore.client import BaseClient

    functions, logical_ids = _template_facts()
    recorder = Recorder(list(logical_ids))
    original = BaseClient._emit_api_params

    def emit_api_params(client: Any, api_params: Any, operation_model: Any, context: Any) -> Any:
        service = client.meta.service_model.service_name
        recorder.record(
            service,
            operation_model.name,
            dict(api_params or {}),
            bool((context or {}).get("is_presign_request")),
        )
        return original(client, api_params=api_params, operation_model=operation_model, context=context)

    monkeypatch.setattr(BaseClient, "_emit_api_params", emit_api_params)
    for handler, function in functions.items():
        module_name, attribute = handler.rsplit(".", 1)
        module = importlib.import_module(module_name)
        monkeypatch.setattr(module, attribute, _attributed(recorder, function, getattr(module, attribute)))
    return recorder


@cache
def _template_facts() -> tuple[dict[str, str], tuple[str, ...]]:
    """Handler -> function, and every logical id (read once: every integration test installs)."""
    from infra.template import load_template

    template = load_template()
    return iam.handlers(template), tuple(template["Resources"])


def _attributed(recorder: Recorder, function: str, handler: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(handler)
    def run(event: Any, context: Any) -> Any:
        with recorder.running(function):
            return handler(event, context)

    return run
