"""Every integration test records the AWS calls the handlers make and fails on one their role refuses.

moto checks no IAM: a handler that starts calling a new API, or an existing one on another
resource, passes every test here and fails in AWS with AccessDenied. So each test's calls are
checked against the function's policy as ``sam deploy`` would create it (tests.support.iam).
``test_policy_covers_calls.py`` drives every handler down all its paths and shows the check fails
when a policy lacks an action.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.aws_calls import Recorder, describe, install


@pytest.fixture(autouse=True)
def aws_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[Recorder]:
    recorder = install(monkeypatch)
    yield recorder
    denied = recorder.denied()
    if denied:
        pytest.fail(
            "a handler made AWS calls its function's policy in template.yaml does not allow "
            f"(AccessDenied in AWS):\n{describe(denied)}",
            pytrace=False,
        )
