"""tests/conftest.py's session check: a run where a collected test never reports fails, even if
every test that ran passed (two tests sharing one node id once hid seven schemathesis operations)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).parents[2]

CONFTEST = f"""
import sys
sys.path.insert(0, {str(REPO)!r})
import pytest
from tests.conftest import pytest_sessionfinish  # the check under test

@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item, nextitem):
    if item.name == "test_swallowed":
        return True  # taken over and never reported, as a plugin bug or a shared node id would
    return None
"""


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["in-process", "xdist"])
@pytest.mark.parametrize("swallow", [False, True], ids=["all-run", "one-never-runs"])
def test_the_session_fails_when_a_collected_test_never_reports(
    tmp_path: Path, workers: list[str], swallow: bool
) -> None:
    (tmp_path / "conftest.py").write_text(CONFTEST)
    name = "test_swallowed" if swallow else "test_also_runs"
    (tmp_path / "test_sample.py").write_text(f"def test_runs():\n    pass\n\n\ndef {name}():\n    pass\n")
    run = subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *workers, str(tmp_path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if swallow:
        assert run.returncode == pytest.ExitCode.TESTS_FAILED, run.stdout + run.stderr
        assert "2 tests collected but 1 reported" in run.stdout
    else:
        assert run.returncode == pytest.ExitCode.OK, run.stdout + run.stderr
