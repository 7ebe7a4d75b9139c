"""README's shell commands name the virtual environment README's set-up makes (issue 19).

README's set-up (``sh scripts/setup.sh ...``) makes ``.venv`` and does not activate it, so a
command written ``xlflows ...``, ``python ...`` or ``pip ...`` would run whatever is on the
PATH (or nothing) in a new user's shell. Every command in a ``sh`` block therefore starts with
``.venv/bin/`` or is one that needs no Python (the set-up script, Node, curl). The Windows steps
(``bat`` blocks) activate their environment first and are not checked here. The commands
themselves are run as written by the tests of their sections (tests/test_readme.py,
tests/test_new.py, tests/test_update_excel.py, tests/test_lite_webextension.py,
tests/test_benchmarks.py).
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")

#: Programs a command may start with: the venv's, and those that need no Python environment.
ALLOWED = (".venv/bin/", "sh scripts/setup.sh ", "scripts/", "node ", "unshare ", "curl ")
#: Programs that must come from the venv.
PYTHON_PROGRAMS = {"python", "python3", "pip", "pip3", "xlflows", "mutmut", "pytest", "ruff",
                   "mypy"}


def shell_commands(text: str) -> list[str]:
    """Every command of the ``sh`` blocks: comments dropped, ``&&``/``;`` chains split."""
    commands = []
    for block in re.findall(r"^```sh\n(.*?)^```", text, flags=re.DOTALL | re.MULTILINE):
        for line in block.splitlines():
            code = line.split(" #", 1)[0].strip()
            if code and not code.startswith("#"):
                commands += [part.strip() for part in re.split(r"&&|;|\|", code) if part.strip()]
    return commands


def test_the_sh_blocks_are_found():
    commands = shell_commands(README)
    assert "sh scripts/setup.sh refresh" in commands
    assert ".venv/bin/xlflows refresh workbook/xlflows.xlsm" in commands
    assert len(commands) >= 20


@pytest.mark.parametrize("command", shell_commands(README))
def test_every_readme_command_runs_from_the_venv_or_needs_no_python(command):
    words = shlex.split(command)
    while words and re.fullmatch(r"[A-Z_]+=\S*", words[0]):      # VAR=value before a program
        words = words[1:]
    assert words, command
    program = words[0]
    if program in ("unshare",):                                  # unshare -n node ...
        program = next(w for w in words[1:] if not w.startswith("-"))
    assert Path(program).name not in PYTHON_PROGRAMS or program.startswith(".venv/bin/"), (
        f"README runs {program!r} outside .venv: write .venv/bin/{program}")
    assert command.startswith(ALLOWED) or Path(program).name == "grep", command


@pytest.mark.parametrize("bad, found", [
    ("xlflows refresh book.xlsm", "'xlflows'"),
    ("python benchmarks/bench_core.py", "'python'"),
    ("FOO=1 pip install .", "'pip'"),
    ("sh scripts/setup.sh test && python -m pytest", "'python'"),
])
def test_the_check_would_catch_a_bare_command(bad, found):
    """The check above on made-up README text: each bare program is reported."""
    with pytest.raises(AssertionError, match=found):
        for command in shell_commands(f"```sh\n{bad}\n```\n"):
            test_every_readme_command_runs_from_the_venv_or_needs_no_python(command)
