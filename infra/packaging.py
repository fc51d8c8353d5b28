"""The Lambda packages template.yaml builds: their locks, and resolving them as ``sam build`` does.

``sam build`` (no container) makes one package per function from its CodeUri and one per layer
from its ContentUri, installing the ``requirements.txt`` it finds there with pip for the function's
``Runtime`` and ``Architectures``: only wheels for that platform (``python3.11`` is Amazon Linux 2,
glibc 2.26, so manylinux2014 wheels; ``python3.12`` and later are Amazon Linux 2023, glibc 2.34).
Every package here has ``Metadata: BuildMethod: makefile``: SAM runs ``make build-<LogicalId>``
from the Makefile in the CodeUri/ContentUri, which installs the lock with those same pip flags,
copies the code and compiles bytecode (functions/Makefile). Everything here reads those facts
from the template, and ``resolve`` runs that same Makefile target.

``python -m infra.packaging lock [--upgrade]`` (``make lock``): resolve every ``requirements.in``
into its hashed ``requirements.txt`` for the target platform with uv, and the dev lock for this
machine. ``python -m infra.packaging check [DIR]``: install every lock exactly for its target into
DIR (a temporary directory unless given) and print each function's unzipped size; it needs the
package registry (tests/deploy/test_deploy_resolution.py runs the same).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.template import load_template, resources_of_type

ROOT = Path(__file__).resolve().parent.parent
LOCK = "requirements.txt"  # what sam build installs from a CodeUri/ContentUri
SOURCE = "requirements.in"  # what a person edits
DEV_SOURCE, DEV_LOCK = ROOT / "requirements-dev.in", ROOT / "requirements-dev.txt"
TOOLS_SOURCE, TOOLS_LOCK = ROOT / "requirements-tools.in", ROOT / "requirements-tools.txt"  # checkov
LAMBDA_LIMIT_BYTES = 250 * 1024 * 1024  # unzipped function + layers (Lambda quota)

# glibc of each Python runtime's OS: Amazon Linux 2 up to 3.11, Amazon Linux 2023 from 3.12.
RUNTIME_GLIBC: dict[str, tuple[int, int]] = {
    "python3.9": (2, 26),
    "python3.10": (2, 26),
    "python3.11": (2, 26),
    "python3.12": (2, 34),
    "python3.13": (2, 34),
    "python3.14": (2, 34),
}
# What aws-lambda-builders (sam build's python_pip workflow, SAM CLI 1.170) asks pip for: these
# platform tags, oldest first, up to the newest official manylinux the runtime's glibc runs
# (2.26 -> manylinux_2_17, 2.34 -> manylinux_2_34).
SAM_PLATFORMS = {
    "arm64": [
        "manylinux2014_aarch64",
        "manylinux_2_17_aarch64",
        "manylinux_2_28_aarch64",
        "manylinux_2_34_aarch64",
    ],
    "x86_64": [
        "manylinux1_x86_64",
        "manylinux2010_x86_64",
        "manylinux2014_x86_64",
        "manylinux_2_17_x86_64",
        "manylinux_2_28_x86_64",
        "manylinux_2_34_x86_64",
    ],
}
MACHINE = {"arm64": "aarch64", "x86_64": "x86_64"}
# What sam build leaves out when it copies a CodeUri/ContentUri (part of aws-lambda-builders' list).
EXCLUDED = {
    "__pycache__",
    ".aws-sam",
    ".chalice",
    ".git",
    ".gitignore",
    ".mypy_cache",
    ".pytest_cache",
    ".coverage",
}
EXCLUDED_SUFFIXES = {".pyc", ".so", ".egg-info", ".egg"}
MAKEFILE = "Makefile"  # BuildMethod: makefile; SAM runs its build-<LogicalId> target


class ResolutionError(RuntimeError):
    """A lock that ``sam build`` could not install for its target; the message names what is missing."""


@dataclass(frozen=True)
class Target:
    """The platform a package is built for: a Lambda Python runtime on one architecture."""

    runtime: str  # python3.11
    architecture: str  # arm64 | x86_64

    def __post_init__(self) -> None:
        if self.runtime not in RUNTIME_GLIBC:
            raise ValueError(
                f"unknown Lambda Python runtime {self.runtime!r} (known: {sorted(RUNTIME_GLIBC)})"
            )
        if self.architecture not in MACHINE:
            raise ValueError(f"unknown Lambda architecture {self.architecture!r} (known: arm64, x86_64)")

    @property
    def python_version(self) -> str:
        return self.runtime.removeprefix("python")

    @property
    def abi(self) -> str:
        return "cp" + self.python_version.replace(".", "")

    @property
    def glibc(self) -> tuple[int, int]:
        return RUNTIME_GLIBC[self.runtime]

    @property
    def platforms(self) -> list[str]:
        """pip ``--platform`` tags, as sam build passes them (manylinux2014 up to what the glibc runs)."""
        newest = {(2, 26): "manylinux_2_17", (2, 34): "manylinux_2_34"}[self.glibc]
        tags = SAM_PLATFORMS[self.architecture]
        return tags[: tags.index(f"{newest}_{MACHINE[self.architecture]}") + 1]

    @property
    def uv_platform(self) -> str:
        """uv's ``--python-platform``: the newest manylinux uv knows that the runtime's glibc runs."""
        machine = MACHINE[self.architecture]
        return (
            f"{machine}-manylinux2014" if self.glibc < (2, 28) else f"{machine}-manylinux_2_{self.glibc[1]}"
        )

    def describe(self) -> str:
        glibc = ".".join(map(str, self.glibc))
        return f"{self.runtime} {self.architecture} ({self.abi}, {self.platforms[0]}, glibc {glibc})"


@dataclass(frozen=True)
class Package:
    """One package ``sam build`` makes: a function's CodeUri or a layer's ContentUri, for a target."""

    name: str  # logical id
    kind: str  # "function" | "layer"
    source: Path  # CodeUri / ContentUri
    target: Target
    layers: tuple[str, ...] = ()  # logical ids of the layers a function uses
    build_method: str = ""  # Metadata.BuildMethod: "makefile", a runtime, or "" (SAM's default)

    @property
    def lock(self) -> Path:
        return self.source / LOCK

    @property
    def makefile(self) -> Path | None:
        """The Makefile whose ``build-<name>`` target SAM runs (BuildMethod: makefile)."""
        return self.source / MAKEFILE if self.build_method == "makefile" else None

    @property
    def site(self) -> str:
        """Where the package's modules go inside it: a layer's ``python/`` (/opt/python)."""
        return "python" if self.kind == "layer" else ""

    @property
    def requirements_in(self) -> Path:
        return self.source / SOURCE


def _ref(value: Any) -> str:
    if isinstance(value, dict) and set(value) == {"Ref"}:
        return str(value["Ref"])
    raise ValueError(f"a layer must be a !Ref to a layer of the template, not {value!r}")


def packages(template: dict[str, Any] | None = None, root: Path = ROOT) -> list[Package]:
    """Every function and every layer of the template that SAM builds, with its target."""
    template = template if template is not None else load_template()
    globals_ = (template.get("Globals") or {}).get("Function") or {}
    found: list[Package] = []
    for name, own in resources_of_type(template, "AWS::Serverless::Function").items():
        props = {**globals_, **own}
        if props.get("PackageType", "Zip") != "Zip":
            continue
        (architecture,) = props.get("Architectures", ["x86_64"])
        layers = [*globals_.get("Layers", []), *own.get("Layers", [])]  # SAM appends a list to Globals'
        metadata = template["Resources"][name].get("Metadata") or {}
        found.append(
            Package(
                name=name,
                kind="function",
                source=root / str(props["CodeUri"]),
                target=Target(str(props["Runtime"]), str(architecture)),
                layers=tuple(_ref(layer) for layer in layers),
                build_method=str(metadata.get("BuildMethod", "")),
            )
        )
    for name, resource in (template.get("Resources") or {}).items():
        if resource.get("Type") != "AWS::Serverless::LayerVersion":
            continue
        metadata = resource.get("Metadata") or {}
        if "BuildMethod" not in metadata:
            continue  # a prebuilt layer: nothing to resolve
        method = str(metadata["BuildMethod"])
        properties = resource["Properties"]
        # A python3.x BuildMethod names the runtime; a makefile layer is built for its one
        # CompatibleRuntimes entry.
        (runtime,) = [method] if method.startswith("python") else properties["CompatibleRuntimes"]
        found.append(
            Package(
                name=name,
                kind="layer",
                source=root / str(properties["ContentUri"]),
                target=Target(str(runtime), str(metadata.get("BuildArchitecture", "x86_64"))),
                build_method=method,
            )
        )
    return found


# ---------------------------------------------------------------- lock files


@dataclass(frozen=True)
class Pin:
    """One requirement of a hashed lock."""

    name: str  # canonical
    version: str
    marker: str  # "" when it applies everywhere
    hashes: tuple[str, ...]


def read_lock(path: Path) -> list[Pin]:
    """The requirements of a hashed lock; raises when one isn't pinned with == or has no hash."""
    pins: list[Pin] = []
    text = path.read_text(encoding="utf-8").replace("\\\n", " ")
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        match = re.fullmatch(
            r"([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;]+)\s*(?:;\s*(.*?))?((?:\s+--hash=\S+)*)",
            line,
        )
        if not match:
            raise ValueError(f"{path}: not pinned with ==: {line!r}")
        name, version, marker, hashes = match.groups()
        found = tuple(re.findall(r"--hash=(\S+)", hashes))
        if not found:
            raise ValueError(f"{path}: {name}=={version} has no --hash")
        pins.append(Pin(canonical(name), version, (marker or "").strip(), found))
    return pins


def lock_versions(path: Path) -> dict[str, str]:
    """name -> version of the lock's requirements that apply everywhere (no environment marker)."""
    return {pin.name: pin.version for pin in read_lock(path) if not pin.marker}


def read_requirements_in(path: Path) -> dict[str, str]:
    """name -> version of the ``name==version`` lines of a requirements.in (other lines skipped)."""
    pins: dict[str, str] = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        match = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?==(\S+)", line)
        if match:
            pins[canonical(match.group(1))] = match.group(3)
    return pins


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _uv() -> str:
    """The uv pinned in requirements-dev.txt, beside this interpreter (not whatever uv is on PATH)."""
    found = shutil.which("uv", path=str(Path(sys.executable).parent))
    if not found:
        raise SystemExit("no uv in this virtualenv: `make venv` installs the pinned one")
    return found


def _compile(source: Path, output: Path, platform_args: list[str], extra: Iterable[str] = ()) -> None:
    command = [
        _uv(),
        "pip",
        "compile",
        "--quiet",
        "--generate-hashes",
        *platform_args,
        *extra,
        str(source.relative_to(ROOT)),
        "-o",
        str(output.relative_to(ROOT)),
    ]
    env = {**os.environ, "UV_CUSTOM_COMPILE_COMMAND": "make lock"}
    print("+ uv", " ".join(command[1:]), flush=True)
    subprocess.run(command, cwd=ROOT, env=env, check=True)  # noqa: S603 - the pinned uv


def lock(upgrade: bool = False) -> None:
    """Resolve every requirements.in of the template's packages for its target, then the dev lock."""
    extra = ["--upgrade"] if upgrade else []
    done: list[Path] = []
    # Functions first: the layers are resolved with the function lock as constraints, so a
    # package both carry has one version.
    for package in sorted(packages(), key=lambda p: p.kind != "function"):
        if package.lock in done or not package.requirements_in.exists():
            continue
        target = package.target
        constraints = [f"--constraint={path.relative_to(ROOT)}" for path in done]
        platform_args = [
            f"--python-version={target.python_version}",
            f"--python-platform={target.uv_platform}",
            "--only-binary=:all:",
        ]
        _compile(package.requirements_in, package.lock, platform_args, [*extra, *constraints])
        done.append(package.lock)
    # The dev lock: this machine's kind (CI is Linux x86_64 on Python 3.11) and any other, with
    # the runtime pins as constraints (the -c lines of requirements-dev.in).
    _compile(DEV_SOURCE, DEV_LOCK, ["--universal", "--python-version=3.11"], extra)
    _compile(TOOLS_SOURCE, TOOLS_LOCK, ["--universal", "--python-version=3.11"], extra)


# ---------------------------------------------------------------- resolution, as sam build does it


def pip_install_command(package: Package, destination: Path) -> list[str]:
    """``pip install`` of a package's lock for its target: that platform's wheels only, hashes checked.

    Dependencies are resolved too (no ``--no-deps``), so a transitive requirement missing from
    the lock fails here, as ``--require-hashes`` demands every requirement pinned and hashed.
    """
    target = package.target
    platforms = [arg for tag in target.platforms for arg in ("--platform", tag)]
    return [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--no-compile",
        "--only-binary=:all:",
        *platforms,
        f"--python-version={target.python_version}",
        "--implementation=cp",
        f"--abi={target.abi}",
        "--require-hashes",
        "--target",
        str(destination),
        "-r",
        str(package.lock),
    ]


def _shown(path: Path) -> Path:
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path


def explain(package: Package, stderr: str) -> str:
    """A clear message for a failed resolution: which wheel is missing, for which target."""
    where = f"{package.name} ({package.kind}, {_shown(package.lock)})"
    missing = re.findall(r"No matching distribution found for (\S+)", stderr)
    if missing:
        versions = re.findall(r"satisfies the requirement (\S+) \(from versions: ([^)]*)\)", stderr)
        known = "".join(
            f"\n  releases of {re.split('[=<>!~]', name)[0]} that have one: {listed or 'none'}"
            for name, listed in versions
        )
        return (
            f"{where}: no wheel of {', '.join(missing)} for {package.target.describe()}; "
            f"`sam build` would stop at PythonPipBuilder:ResolveDependencies. Pin a release that "
            f"has one in {_shown(package.requirements_in)}, then `make lock`.{known}"
        )
    lines = [line for line in stderr.strip().splitlines() if line.strip() and "WARNING: Location" not in line]
    body = "\n".join(lines[-15:])
    return f"{where}: pip could not install the lock for {package.target.describe()}:\n{body}"


def build_command(package: Package, destination: Path) -> list[str]:
    """What ``sam build`` runs for a ``BuildMethod: makefile`` package (in a copy of its source):
    ``make build-<LogicalId>`` with ARTIFACTS_DIR, and this interpreter as the runtime's Python."""
    assert package.makefile is not None, package
    return [
        "make",
        "--makefile",
        str(package.makefile),
        f"build-{package.name}",
        f"ARTIFACTS_DIR={destination}",
        f"LAMBDA_PYTHON={sys.executable}",
    ]


def resolve(package: Package, destination: Path) -> None:
    """Build the package into ``destination`` as sam build would (ResolutionError: what failed).

    A ``BuildMethod: makefile`` package runs its Makefile's ``build-<LogicalId>`` in a scratch copy
    of its source, as SAM does (the lock, the code, bytecode); any other installs its lock with pip.
    """
    if not package.lock.exists():
        raise ResolutionError(
            f"{package.name}: {package.lock} is missing (sam build installs nothing; run `make lock`)"
        )
    if package.makefile is None:
        command, cwd = pip_install_command(package, destination), None
    else:
        scratch = Path(tempfile.mkdtemp(prefix=f"{package.name}-source-"))
        shutil.copytree(
            package.source, scratch, dirs_exist_ok=True, ignore=shutil.ignore_patterns(".git", ".aws-sam")
        )
        destination.mkdir(parents=True, exist_ok=True)
        command, cwd = build_command(package, destination), scratch
    try:
        result = subprocess.run(  # noqa: S603 - make and our own interpreter's pip
            command, cwd=cwd, capture_output=True, text=True, check=False
        )
    finally:
        if cwd is not None:
            shutil.rmtree(cwd, ignore_errors=True)
    if result.returncode != 0:
        raise ResolutionError(explain(package, result.stderr))


def tree_bytes(path: Path, source: bool = False) -> int:
    """Apparent size of the files under ``path``, as the zip holds them unzipped.

    ``source``: a CodeUri/ContentUri as sam build copies it, without what it excludes (caches,
    compiled files); installed dependencies count whole.
    """
    return sum(f.stat().st_size for f in _files(path, source))


def _files(path: Path, source: bool) -> Iterator[Path]:
    for child in path.iterdir():
        if source and (child.name in EXCLUDED or child.suffix in EXCLUDED_SUFFIXES):
            continue
        if child.is_dir() and not child.is_symlink():
            yield from _files(child, source)
        elif child.is_file():
            yield child


@dataclass(frozen=True)
class Size:
    name: str
    kind: str
    code: int  # bytes of the CodeUri/ContentUri as copied (with its bytecode when the build makes it)
    dependencies: int  # bytes pip installed from the lock (and their bytecode)
    layers: int  # bytes of the layers a function uses
    installed: Path  # its modules (shared by packages of one source and target; a layer's python/)
    bytecode: int = 0  # bytes of .pyc among code and dependencies

    @property
    def total(self) -> int:
        return self.code + self.dependencies + self.layers


def _own_bytes(package: Package, built: Path) -> tuple[int, int, int]:
    """(code, dependencies, bytecode) bytes of a package's build output."""
    if package.makefile is None:  # pip installed the lock only; sam build adds the source as is
        return tree_bytes(package.source, source=True), tree_bytes(built), 0
    site = built / package.site
    ours = {child.name for child in package.source.iterdir()}
    code = dependencies = bytecode = 0
    for path in _files(built, source=False):
        size = path.stat().st_size
        top = path.relative_to(site).parts[0] if path.is_relative_to(site) else ""
        if top in ours:
            code += size
        else:
            dependencies += size
        bytecode += size if path.suffix == ".pyc" else 0
    return code, dependencies, bytecode


def measure(workdir: Path, template: dict[str, Any] | None = None) -> list[Size]:
    """Build every package of the template into ``workdir`` and size each as deployed (function +
    layers), bytecode included. Packages sharing a source and a target are built once (their
    Makefile targets are one recipe). Raises ResolutionError.
    """
    all_packages = packages(template)
    built: dict[tuple[Path, Target], Path] = {}
    own: dict[tuple[Path, Target], tuple[int, int, int]] = {}
    for package in all_packages:
        key = (package.source, package.target)
        if key not in built:
            built[key] = workdir / f"{package.name}-deps"
            resolve(package, built[key])
            own[key] = _own_bytes(package, built[key])
    sizes: dict[str, Size] = {}
    for package in sorted(all_packages, key=lambda p: p.kind != "layer"):
        key = (package.source, package.target)
        layer_bytes = sum(sizes[layer].total for layer in package.layers)
        code, dependencies, bytecode = own[key]
        sizes[package.name] = Size(
            package.name, package.kind, code, dependencies, layer_bytes, built[key] / package.site, bytecode
        )
    return [sizes[p.name] for p in all_packages]


def _check(directory: str | None) -> int:
    with tempfile.TemporaryDirectory(prefix="lambda-packages-") as scratch:
        workdir = Path(directory) if directory else Path(scratch)
        workdir.mkdir(parents=True, exist_ok=True)
        try:
            sizes = measure(workdir)
        except ResolutionError as error:
            print(error, file=sys.stderr)
            return 1
    for size in sizes:
        print(
            f"{size.name:<22} {size.kind:<8} {size.total / 1e6:7.1f} MB unzipped "
            f"(code {size.code / 1e6:.1f}, dependencies {size.dependencies / 1e6:.1f}, "
            f"layers {size.layers / 1e6:.1f}; bytecode {size.bytecode / 1e6:.1f} of code and dependencies)"
        )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.packaging", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    locking = commands.add_parser("lock", help="resolve every requirements.in into its hashed lock (uv)")
    locking.add_argument("--upgrade", action="store_true", help="take the newest allowed versions")
    checking = commands.add_parser("check", help="install every lock for its target, as sam build does")
    checking.add_argument("directory", nargs="?", help="where to install (default: a temporary directory)")
    args = parser.parse_args(argv)
    if args.command == "lock":
        lock(upgrade=args.upgrade)
        return 0
    return _check(args.directory)


if __name__ == "__main__":
    sys.exit(main())
