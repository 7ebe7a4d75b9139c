"""Lint and types in CI: ``.ci/run`` runs ruff and mypy after the set-up, pyproject pins them, and
(where the ``lint`` extra is installed) both report nothing.

README, "Lint and types", gives the same commands; ``pyproject.toml`` holds the rule set
(``[tool.ruff]``) and the type checker's settings (``[tool.mypy]``).
"""

from __future__ import annotations

import importlib.metadata
import re
import subprocess
import sys
from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib", reason="reading pyproject.toml needs Python 3.11")

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
CONFIG = tomllib.loads(PYPROJECT)
README = (ROOT / "README.md").read_text(encoding="utf-8")

#: What CI runs after ``sh scripts/setup.sh test``, in this order (and README shows).
INSTALL = '.venv/bin/pip install -q -e ".[lint]"'
RUFF = ".venv/bin/ruff check ."
MYPY = ".venv/bin/mypy"


def ci_commands() -> list[str]:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    return [line.strip() for line in ci.splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


def lint_pins() -> dict[str, str]:
    """The ``lint`` extra as {distribution: pinned version}."""
    pins = {}
    for requirement in CONFIG["project"]["optional-dependencies"]["lint"]:
        name, _, version = requirement.partition("==")
        assert version and re.fullmatch(r"[0-9][0-9A-Za-z.]*", version), \
            f"{requirement}: the lint extra pins each tool exactly (name==version)"
        pins[name] = version
    return pins


def test_ci_runs_ruff_and_mypy_right_after_the_setup_and_before_the_tests():
    commands = ci_commands()
    setup = commands.index("sh scripts/setup.sh test")
    assert commands[setup + 1:setup + 4] == [INSTALL, RUFF, MYPY]
    assert commands.index(MYPY) < commands.index(".venv/bin/python -m pytest")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "set -euo pipefail" in ci              # a finding (exit 1) stops CI


def test_pyproject_pins_the_tools_and_configures_them():
    pins = lint_pins()
    assert {"ruff", "mypy"} <= set(pins)
    assert CONFIG["tool"]["ruff"]["line-length"] == 100
    assert CONFIG["tool"]["mypy"]["files"] == ["xlflows"]
    assert CONFIG["tool"]["mypy"]["check_untyped_defs"] is True


def test_every_rule_turned_off_says_why():
    """Each entry of ``ignore`` and ``per-file-ignores`` has a comment line right above it."""
    lint = CONFIG["tool"]["ruff"]["lint"]
    assert not lint.get("select"), "extend the default rule set, do not replace it"
    lines = PYPROJECT.splitlines()
    for pattern in lint.get("per-file-ignores", {}):
        at = next(i for i, line in enumerate(lines) if line.startswith(f'"{pattern}" = '))
        assert lines[at - 1].startswith("# "), f"per-file-ignores for {pattern}: no reason"
    for code in lint.get("ignore", []):
        at = next(i for i, line in enumerate(lines) if f'"{code}"' in line)
        assert "#" in lines[at] or lines[at - 1].startswith("# "), f"ignore {code}: no reason"


def test_readme_gives_the_commands_ci_runs():
    section = README.split("\n## Lint and types", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)\n```", section, flags=re.DOTALL)
    assert blocks == [f'{INSTALL.replace(" -q", "")}\n{RUFF}\n{MYPY}']


def _installed(pins: dict[str, str]) -> None:
    """Skip unless the lint extra is installed at its pins (other versions find other things)."""
    for name, version in pins.items():
        try:
            found = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            pytest.skip(f"the lint extra is not installed ({name} missing): "
                        f"pip install -e \".[lint]\"")
        if found != version:
            pytest.skip(f"the lint extra is not installed: {name} {found}, pinned {version}")


def test_ruff_finds_nothing():
    _installed(lint_pins())
    done = subprocess.run([sys.executable, "-m", "ruff", "check", ".", "--output-format",
                           "concise", "--no-cache"], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, check=False)
    lines = [line for line in done.stdout.splitlines() if re.match(r"\S+\.py:\d+:\d+: ", line)]
    assert done.returncode in (0, 1) and (done.returncode == 0) == (lines == []), done.stderr
    assert lines == []


def test_mypy_finds_nothing():
    _installed(lint_pins())
    done = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True,
                          text=True, timeout=600, check=False)
    lines = [line for line in done.stdout.splitlines() if re.match(r"\S+\.py:\d+: error: ", line)]
    assert done.returncode in (0, 1) and (done.returncode == 0) == (lines == []), \
        done.stdout[-2000:] + done.stderr[-2000:]
    assert lines == []
