"""cfn-lint (with cfn-lint-serverless and the informational rules) and checkov over template.yaml and
the CloudFormation the SAM transform makes of it: any finding not listed, with its reason, in
template-skips.yaml fails; so does a listed skip that no longer matches a finding.

checkov lives in its own venv (`make tools`: its pins clash with ours); `make test` passes its path
in CHECKOV. Without it the checkov test fails and says how to get it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from infra.template import TEMPLATE
from tests.support.sam import transformed

ROOT = TEMPLATE.parent
SKIPS = ROOT / "template-skips.yaml"
TOOLS_CHECKOV = ROOT / ".venv-tools" / "bin" / "checkov"


@dataclass(frozen=True)
class Finding:
    tool: str  # "checkov" or "cfn-lint"
    check: str
    resource: str  # logical id ("" for template-level findings)
    form: str  # "template.yaml" or "transformed"
    message: str = ""

    def __str__(self) -> str:
        return f"{self.tool} {self.check} {self.resource or '(template)'} in {self.form}: {self.message}"


@cache
def skips() -> dict[str, list[dict[str, Any]]]:
    return yaml.safe_load(SKIPS.read_text(encoding="utf-8"))


def unlisted(findings: Iterable[Finding], tool: str) -> tuple[list[Finding], list[str]]:
    """Findings no skip covers, and skips (check, resource) that no finding needs."""
    key = "check" if tool == "checkov" else "rule"
    listed = {(s[key], r) for s in skips()[tool] for r in s["resources"]}
    findings = list(findings)
    new = [f for f in findings if (f.check, f.resource) not in listed]
    used = {(f.check, f.resource) for f in findings}
    stale = sorted(f"{check} {resource}" for check, resource in listed - used)
    return new, stale


@pytest.fixture(scope="module")
def transformed_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sam") / "transformed.json"
    path.write_text(json.dumps(transformed(), indent=1), encoding="utf-8")
    return path


# ----------------------------------------------------------------------------- the skip list


def test_every_skip_says_why_and_names_its_resources() -> None:
    assert set(skips()) == {"checkov", "cfn-lint"}
    for tool, entries in skips().items():
        key = "check" if tool == "checkov" else "rule"
        seen = set()
        for entry in entries:
            assert set(entry) == {key, "resources", "reason"}, entry
            assert entry[key] not in seen, f"{entry[key]} is listed twice: one entry per check"
            seen.add(entry[key])
            assert entry["resources"], entry[key]
            assert len(entry["reason"].split()) >= 12, f"{entry[key]}: say why, in a sentence or two"


def test_the_comparison_catches_new_findings_and_stale_skips() -> None:
    """The check itself can fail: an unlisted finding and an unused skip are both reported."""
    listed = skips()["cfn-lint"][0]
    findings = [
        Finding("cfn-lint", "E9999", "Somewhere", "template.yaml"),
        *(Finding("cfn-lint", listed["rule"], r, "template.yaml") for r in listed["resources"][1:]),
    ]
    new, stale = unlisted(findings, "cfn-lint")
    assert [f.check for f in new] == ["E9999"]
    assert f"{listed['rule']} {listed['resources'][0]}" in stale


# ----------------------------------------------------------------------------- cfn-lint


def cfn_lint(path: Path, form: str) -> list[Finding]:
    from cfnlint.api import ManualArgs, lint_file

    config = ManualArgs(append_rules=["cfn_lint_serverless.rules"], include_checks=["I"])
    return [
        Finding(
            "cfn-lint",
            match.rule.id,
            str(match.path[1]) if len(match.path) > 1 and match.path[0] == "Resources" else "",
            form,
            f"{match.message} (line {match.linenumber})",
        )
        for match in lint_file(path, config=config)
    ]


def test_cfn_lint_with_the_serverless_rules_finds_only_what_is_listed(transformed_file: Path) -> None:
    findings = cfn_lint(TEMPLATE, "template.yaml") + cfn_lint(transformed_file, "transformed")
    assert {f.check for f in findings if f.check.startswith(("E", "W"))}, "the serverless rules did not load"
    new, stale = unlisted(findings, "cfn-lint")
    assert [str(f) for f in new] == [], "fix them, or list them with a reason in template-skips.yaml"
    assert stale == [], "these skips match nothing any more: remove them from template-skips.yaml"


# ----------------------------------------------------------------------------- checkov


def checkov_binary() -> str:
    for candidate in (os.environ.get("CHECKOV"), str(TOOLS_CHECKOV), shutil.which("checkov")):
        if candidate and Path(candidate).is_file():
            return candidate
    pytest.fail("checkov not found: run `make tools` (it installs requirements-tools.txt into .venv-tools)")


def test_checkov_finds_only_what_is_listed(transformed_file: Path) -> None:
    env = {
        **os.environ,
        "BC_SKIP_MAPPING": "TRUE",  # no Prisma Cloud look-ups: the tests stay offline
        "CKV_SKIP_PACKAGE_UPDATE_CHECK": "TRUE",
    }
    command = [checkov_binary(), "--framework", "cloudformation", "--output", "json", "--compact", "--quiet"]
    command += ["--skip-download", "--file", str(TEMPLATE), "--file", str(transformed_file)]
    run = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300, check=False)  # noqa: S603
    assert run.returncode in (0, 1), run.stderr[-2000:]  # 1: there were failed checks
    report = json.loads(run.stdout)
    assert report["summary"]["parsing_errors"] == 0, report["summary"]
    assert report["summary"]["passed"] > 50, report["summary"]  # it really checked both forms
    findings = [
        Finding(
            "checkov",
            check["check_id"],
            check["resource"].rsplit(".", 1)[-1],
            "transformed" if check["file_path"].endswith(transformed_file.name) else "template.yaml",
            check["check_name"],
        )
        for check in report["results"]["failed_checks"]
    ]
    assert {f.form for f in findings} == {"template.yaml", "transformed"}
    new, stale = unlisted(findings, "checkov")
    assert [str(f) for f in new] == [], "fix them, or list them with a reason in template-skips.yaml"
    assert stale == [], "these skips match nothing any more: remove them from template-skips.yaml"
