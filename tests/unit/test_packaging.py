"""Locks and per-function packages, offline: what can be checked without the package registry.

The resolution itself (installing each lock for its Lambda target) is
tests/deploy/test_deploy_resolution.py, the one network test.
"""

from __future__ import annotations

import copy
import importlib.util
import os
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from infra.packaging import (
    DEV_LOCK,
    DEV_SOURCE,
    ROOT,
    TOOLS_LOCK,
    TOOLS_SOURCE,
    Package,
    Target,
    build_command,
    explain,
    lock_versions,
    packages,
    pip_install_command,
    read_lock,
    read_requirements_in,
)
from infra.template import load_template

REPORT_ONLY = {"fpdf2", "pillow", "fonttools", "uharfbuzz", "defusedxml"}
LOCKS = sorted({package.lock for package in packages()})


def by_name() -> dict[str, Package]:
    return {package.name: package for package in packages()}


@pytest.mark.parametrize("lock", [*LOCKS, DEV_LOCK, TOOLS_LOCK], ids=lambda path: str(path.relative_to(ROOT)))
def test_every_lock_pins_every_requirement_with_hashes(lock: Path) -> None:
    pins = read_lock(lock)  # raises on a requirement without == or without a hash
    assert pins
    assert all(pin.hashes and all(h.startswith("sha256:") for h in pin.hashes) for pin in pins)


@pytest.mark.parametrize("lock", LOCKS, ids=lambda path: str(path.relative_to(ROOT)))
def test_lambda_locks_are_resolved_for_one_platform(lock: Path) -> None:
    """Resolved for the target, not universally: no environment markers left for pip to guess."""
    pins = read_lock(lock)
    assert [pin.name for pin in pins if pin.marker] == []
    assert len({pin.name for pin in pins}) == len(pins)
    assert "uv pip compile" in lock.read_text() or "make lock" in lock.read_text()


@pytest.mark.parametrize(
    "source",
    [*sorted({p.requirements_in for p in packages()}), DEV_SOURCE, TOOLS_SOURCE],
    ids=lambda path: str(path.relative_to(ROOT)),
)
def test_every_direct_pin_is_in_its_lock_at_that_version(source: Path) -> None:
    """A requirements.in edited without `make lock` fails here."""
    lock = {DEV_SOURCE: DEV_LOCK, TOOLS_SOURCE: TOOLS_LOCK}.get(source, source.with_name("requirements.txt"))
    locked = {pin.name: pin.version for pin in read_lock(lock)}
    for name, version in read_requirements_in(source).items():
        assert locked.get(name) == version, (
            f"{source.name} pins {name}=={version}, {lock.name} has {locked.get(name)}"
        )


def test_the_tests_run_the_versions_that_deploy() -> None:
    dev = lock_versions(DEV_LOCK)
    for lock in LOCKS:
        for name, version in lock_versions(lock).items():
            assert dev.get(name) == version, (
                f"{lock.relative_to(ROOT)}: {name}=={version}, dev lock {dev.get(name)}"
            )


def test_dev_lock_pins_the_lock_tool_and_the_installers() -> None:
    dev = lock_versions(DEV_LOCK)
    assert {"uv", "pip", "setuptools"} <= set(dev)


def test_pillow_is_one_with_a_manylinux2014_aarch64_wheel() -> None:
    """13.0.0 has none (sam build failed on it); the deploy-resolution test proves the pinned one has."""
    (pin,) = (pin for pin in read_lock(ROOT / "layers/report/requirements.txt") if pin.name == "pillow")
    assert pin.version != "13.0.0"


def test_ingest_and_query_carry_none_of_the_report_dependencies() -> None:
    packages_ = by_name()
    for name in ("CollectorFunction", "AggregatorFunction", "QueryFunction"):
        package = packages_[name]
        locked = {pin.name for pin in read_lock(package.lock)}
        assert not locked & REPORT_ONLY, f"{name} would carry {locked & REPORT_ONLY}"
        assert package.layers == ()
        fonts = [
            p for p in package.source.rglob("*") if p.suffix.lower() in {".ttf", ".ttc", ".otf", ".woff"}
        ]
        assert fonts == [], f"{name}'s CodeUri holds fonts: {fonts[:3]}"
    (layer,) = packages_["ReportFunction"].layers
    assert {pin.name for pin in read_lock(packages_[layer].lock)} >= REPORT_ONLY


def test_the_report_layer_is_built_for_the_report_function_target() -> None:
    template = load_template()
    packages_ = by_name()
    report = packages_["ReportFunction"]
    for layer_name in report.layers:
        layer = packages_[layer_name]
        assert layer.kind == "layer"
        assert layer.target == report.target
        props = template["Resources"][layer_name]["Properties"]
        assert report.target.runtime in props["CompatibleRuntimes"]
        assert report.target.architecture in props["CompatibleArchitectures"]
        assert (layer.source / "report_fonts" / "__init__.py").exists()


def test_targets_are_read_from_the_template() -> None:
    template = copy.deepcopy(load_template())
    template["Globals"]["Function"]["Runtime"] = "python3.12"
    template["Resources"]["QueryFunction"]["Properties"]["Architectures"] = ["x86_64"]
    found = {package.name: package.target for package in packages(template)}
    assert found["CollectorFunction"] == Target("python3.12", "arm64")
    assert found["QueryFunction"] == Target("python3.12", "x86_64")
    assert found["ReportLayer"] == Target("python3.11", "arm64")  # its Metadata, not the Globals


def test_target_platform_tags_are_what_sam_build_asks_pip_for() -> None:
    al2 = Target("python3.11", "arm64")
    assert (al2.abi, al2.python_version, al2.glibc) == ("cp311", "3.11", (2, 26))
    assert al2.platforms == ["manylinux2014_aarch64", "manylinux_2_17_aarch64"]
    assert al2.uv_platform == "aarch64-manylinux2014"
    al2023 = Target("python3.13", "x86_64")
    assert al2023.platforms[-1] == "manylinux_2_34_x86_64"
    assert al2023.uv_platform == "x86_64-manylinux_2_34"
    with pytest.raises(ValueError, match="unknown Lambda Python runtime"):
        Target("nodejs22.x", "arm64")


def test_the_resolution_command_is_binary_only_for_the_target_with_hashes(tmp_path: Path) -> None:
    command = pip_install_command(by_name()["ReportLayer"], tmp_path)
    assert command[:4] == [sys.executable, "-m", "pip", "install"]
    for flag in ("--only-binary=:all:", "--require-hashes", "--python-version=3.11", "--abi=cp311"):
        assert flag in command
    assert command[command.index("--platform") + 1] == "manylinux2014_aarch64"
    assert "--no-deps" not in command  # an incomplete lock must fail


def test_a_missing_wheel_is_explained_by_name() -> None:
    stderr = (
        "ERROR: Could not find a version that satisfies the requirement pillow==13.0.0 "
        "(from versions: 12.1.1, 12.2.0)\nERROR: No matching distribution found for pillow==13.0.0\n"
    )
    message = explain(by_name()["ReportLayer"], stderr)
    assert message.startswith(
        "ReportLayer (layer, layers/report/requirements.txt): no wheel of pillow==13.0.0"
    )
    assert "python3.11 arm64 (cp311, manylinux2014_aarch64, glibc 2.26)" in message
    assert "releases of pillow that have one: 12.1.1, 12.2.0" in message
    other = explain(
        by_name()["QueryFunction"], "ERROR: THESE PACKAGES DO NOT MATCH THE HASHES\n    pydantic\n"
    )
    assert "DO NOT MATCH THE HASHES" in other


def test_pyproject_dependencies_are_the_requirements_in_files() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    files = pyproject["tool"]["setuptools"]["dynamic"]["dependencies"]["file"]
    assert sorted(ROOT / f for f in files) == sorted({p.requirements_in for p in packages()})


def test_the_report_finds_its_fonts_in_the_layer_package() -> None:
    code = "import report.document as d, report_fonts; print(d.FONTS == report_fonts.DIRECTORY, d.FONTS)"
    env = {"PYTHONPATH": f"{ROOT / 'functions'}:{ROOT / 'layers' / 'report'}", "PATH": "/usr/bin:/bin"}
    out = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout
    assert out.startswith("True "), out
    directory = Path(out.split(" ", 1)[1].strip())
    assert directory == ROOT / "layers" / "report" / "report_fonts"
    assert (directory / "DejaVuSans.ttf").exists()


# ---------------------------------------------------------------- the build: BuildMethod makefile


def _make(package: Package, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    assert package.makefile is not None
    command = ["make", "--no-print-directory", "--makefile", str(package.makefile), *args]
    return subprocess.run(  # noqa: S603 - make, on our own Makefiles
        command, cwd=cwd or package.source, capture_output=True, text=True, check=True, timeout=120
    )


def _pyc_flags(pyc: Path) -> int:
    """PEP 552: the header's second word; 0b01 = hash-based, 0b10 = check the source's hash."""
    header = pyc.read_bytes()[:16]
    assert header[:4] == importlib.util.MAGIC_NUMBER, pyc
    return int.from_bytes(header[4:8], "little")


@pytest.mark.parametrize("package", packages(), ids=lambda package: package.name)
def test_sam_builds_every_package_with_its_makefile_installing_the_lock_as_the_deploy_test_does(
    package: Package, tmp_path: Path
) -> None:
    """Dry run of the target SAM calls: the same pip install as infra.packaging's (which the
    deploy-resolution test runs for real), then the bytecode step, for the template's target."""
    assert package.build_method == "makefile"
    assert package.makefile is not None
    assert package.makefile.exists()
    out = tmp_path / "artifacts"
    dry = _make(package, "-n", *build_command(package, out)[3:]).stdout.splitlines()
    (pip,) = [shlex.split(line) for line in dry if " -m pip install " in line]
    expected = pip_install_command(package, out / package.site)
    assert pip[0] == sys.executable
    assert pip[1:-1] == expected[1:-1]  # every flag, in order: platform tags, ABI, hashes, --target
    assert (package.source / pip[-1]).resolve() == package.lock
    (compile_,) = [shlex.split(line) for line in dry if " -m compileall " in line]
    assert compile_[0] == sys.executable
    assert compile_[compile_.index("--invalidation-mode") + 1] == "unchecked-hash"
    assert compile_[-1] == str(out / package.site).rstrip("/")


@pytest.mark.parametrize("package", packages(), ids=lambda package: package.name)
def test_the_makefiles_refuse_a_python_other_than_the_runtimes(package: Package, tmp_path: Path) -> None:
    """.pyc files are per CPython minor version: compiling with another would ship dead bytecode."""
    other = tmp_path / "python"
    other.write_text('#!/bin/sh\necho "Python 3.12 says: refused" >&2\nexit 1\n')
    other.chmod(0o755)
    assert package.makefile is not None
    refused = ["make", "--makefile", str(package.makefile), "check-python", f"LAMBDA_PYTHON={other}"]
    failed = subprocess.run(  # noqa: S603 - make, on our own Makefile
        refused,
        cwd=package.source,
        capture_output=True,
        text=True,
        check=False,
    )
    assert failed.returncode != 0
    ok = _make(package, "check-python", f"LAMBDA_PYTHON={sys.executable}")
    assert ok.returncode == 0
    make_vars = _make(package, "-pn", "check-python").stdout
    assert f"RUNTIME_VERSION := {package.target.python_version}" in make_vars


def test_the_functions_keep_the_botocore_models_of_every_client_they_make() -> None:
    (function,) = [p for p in packages() if p.name == "QueryFunction"]
    make_vars = _make(function, "-pn", "check-python").stdout
    (line,) = [line for line in make_vars.splitlines() if line.startswith("BOTOCORE_SERVICES :=")]
    kept = set(line.split(":=", 1)[1].split())
    code = "\n".join(path.read_text(encoding="utf-8") for path in (ROOT / "functions").rglob("*.py"))
    called = set(re.findall(r"\bclient\(\"([a-z0-9-]+)\"\)", code))
    assert called, "no client(...) call found: the pattern is stale"
    # PynamoDB and Powertools' idempotency talk to DynamoDB; parameters.get_secret to Secrets Manager.
    used = called | {"dynamodb"} | ({"secretsmanager"} if "get_secret(" in code else set())
    assert used <= kept, f"botocore models the build drops but the code needs: {used - kept}"


@pytest.mark.parametrize("name", ["QueryFunction", "ReportLayer"])
def test_the_build_copies_the_code_and_compiles_unchecked_hash_bytecode(name: str, tmp_path: Path) -> None:
    """The whole recipe offline, pip aside (PIP_INSTALL=:): what lands in the package, and its .pyc."""
    (package,) = [p for p in packages() if p.name == name]
    out = tmp_path / "artifacts"
    (out / package.site).mkdir(parents=True)
    _make(package, *build_command(package, out)[3:], "PIP_INSTALL=:")
    site = out / package.site
    shipped = {child.name for child in site.iterdir()}
    assert "Makefile" not in shipped
    tracked = {
        c.name for c in package.source.iterdir() if not c.name.startswith(".") and c.suffix != ".egg-info"
    }
    assert shipped >= tracked - {"Makefile", "__pycache__"}
    assert not {name for name in shipped if name.startswith(".") or name.endswith(".egg-info")}
    sources = list(site.rglob("*.py"))
    assert sources
    for source in sources:
        (pyc,) = (source.parent / "__pycache__").glob(f"{source.stem}.cpython-311.pyc")
        assert _pyc_flags(pyc) == 0b01, pyc  # hash-based, never checked against the source


def test_unchecked_hash_bytecode_is_used_whatever_the_sources_timestamp(tmp_path: Path) -> None:
    """What Lambda sees: a read-only tree whose files all carry the zip's date. A timestamp-checked
    .pyc would be recompiled in memory on every cold start; these are loaded as they are."""
    (package,) = [p for p in packages() if p.name == "QueryFunction"]
    tree = tmp_path / "task"
    (tree / "probe").mkdir(parents=True)
    (tree / "probe" / "__init__.py").write_text("WHERE = 'source'\n")
    _make(package, "bytecode", f"DIR={tree}", f"LAMBDA_PYTHON={sys.executable}")
    (tree / "probe" / "__init__.py").write_text("WHERE = 'changed source'\n")  # new mtime and hash
    os.utime(tree / "probe" / "__init__.py", (315532800, 315532800))  # 1980-01-01, a zip's date
    probe = "import probe; print(probe.WHERE, probe.__cached__ is not None)"
    env = {"PYTHONPATH": str(tree), "PYTHONDONTWRITEBYTECODE": "1", "PATH": "/usr/bin:/bin"}
    out = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-S", "-c", probe], env=env, capture_output=True, text=True, check=True
    ).stdout
    assert out.split() == ["source", "True"]  # the .pyc, not the edited source
