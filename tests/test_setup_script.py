"""``scripts/setup.sh`` (README's set-up commands) decides right in every shell it may meet.

Each case copies the script into an empty folder (no ``.venv``) and runs it with ``sh`` (dash on
Debian) and with ``bash --posix``, its PATH holding nothing but stub commands: ``id`` says who
runs it, ``python3`` whether venv/ensurepip are there, ``fc-list`` which fonts, ``dpkg-query``
whether Debian's nodejs is installed; ``sudo``, ``node``, ``soffice``... are there or not. With
``XLFLOWS_SETUP_DRY_RUN=1`` it prints the commands it would run; without it the stubs log their
calls, so that what really runs is checked too.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "setup.sh"
SHELLS = [[path] for path in [shutil.which("dash") or "/bin/sh"]]
if shutil.which("bash"):
    SHELLS.append([shutil.which("bash"), "--posix"])

TEST_PACKAGES = "libreoffice-calc-nogui poppler-utils fonts-crosextra-carlito"
CARLITO = "/usr/share/fonts/truetype/crosextra/Carlito-Regular.ttf: Carlito:style=Regular"
# Logs a stub's name, its arguments and DEBIAN_FRONTEND, then exits with 0.
LOGGING = '#!/bin/sh\necho "${0##*/} $* [${DEBIAN_FRONTEND:-}]" >> "$STUB_LOG"\n'


@pytest.fixture(params=SHELLS, ids=lambda shell: Path(shell[0]).name)
def machine(request, tmp_path):
    return Machine(tmp_path, request.param)


class Machine:
    """A folder holding a copy of the script, and a PATH of stub commands to run it with."""

    def __init__(self, tmp_path: Path, shell: list[str]):
        self.shell = shell
        self.checkout = tmp_path / "checkout"
        (self.checkout / "scripts").mkdir(parents=True)
        shutil.copy(SCRIPT, self.checkout / "scripts" / "setup.sh")
        self.bin = tmp_path / "bin"
        self.bin.mkdir()
        self.log = tmp_path / "calls.log"
        (tmp_path / "logging").write_text(LOGGING)          # what python3 copies into .venv

    def stub(self, name: str, body: str = LOGGING) -> None:
        path = self.bin / name
        path.write_text(body if body.startswith("#!") else f"#!/bin/sh\n{body}\n")
        path.chmod(0o755)

    def give(self, *, uid: int = 1000, venv: bool = True, apt: bool = True, sudo: bool = False,
             have: tuple[str, ...] = (), fonts: str = "", debian_node: bool = False) -> None:
        """Stub what the machine has: who runs, python3 (with or without venv), apt-get, sudo,
        each command of ``have``, the fonts fc-list lists, Debian's nodejs package or not."""
        self.stub("id", f'[ "$1" = -u ] && echo {uid}')
        self.stub("python3", _python3(venv, self.bin.parent / "logging"))
        self.stub("fc-list", f"echo '{fonts}'")
        status = "install ok installed" if debian_node else "unknown ok not-installed"
        self.stub("dpkg-query", f"echo '{status}'")
        for name in ("apt-get",) * apt + ("sudo",) * sudo + have:
            self.stub(name)

    def run(self, mode: str, *, dry: bool = True) -> subprocess.CompletedProcess:
        env = {"PATH": str(self.bin), "STUB_LOG": str(self.log)}
        if dry:
            env["XLFLOWS_SETUP_DRY_RUN"] = "1"
        return subprocess.run([*self.shell, "scripts/setup.sh", mode], cwd=self.checkout,
                              env=env, capture_output=True, text=True, timeout=60, check=False)

    def calls(self) -> list[str]:
        return self.log.read_text().splitlines() if self.log.exists() else []


def _python3(venv: bool, logging: Path) -> str:
    """python3: ``-c`` answers the venv/ensurepip check; ``-m venv .venv`` makes a .venv whose
    pip and python log their calls (copies of ``logging``)."""
    maker = "\n".join([f'{shutil.which("mkdir")} -p .venv/bin',
                       *(f'{shutil.which("install")} -m 755 "{logging}" .venv/bin/{name}'
                         for name in ("pip", "python"))])
    return "\n".join([
        '#!/bin/sh',
        'if [ "$1" = -c ]; then exit ' + ("0" if venv else "1") + '; fi',
        'echo "python3 $* [${DEBIAN_FRONTEND:-}]" >> "$STUB_LOG"',
        'if [ "$1 $2 $3" = "-m venv .venv" ]; then',
        maker,
        'fi',
        ''])


EVERYTHING = ("soffice", "pdftoppm", "node", "npm")


# ============================================================================ decisions (dry run)
def test_root_with_nothing_installs_everything_with_apt_get_directly(machine):
    machine.give(uid=0, venv=False)
    done = machine.run("test")
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.splitlines() == [
        "apt-get update",
        f"apt-get install -y python3-venv {TEST_PACKAGES} nodejs npm",
        "python3 -m venv .venv",
        ".venv/bin/pip install -e .[test]",
        ".venv/bin/python tests/pyodide/setup_runtime.py"]
    assert machine.calls() == []                      # a dry run runs nothing


def test_refresh_installs_only_what_running_xlflows_needs(machine):
    machine.give(uid=0, venv=False)
    done = machine.run("refresh")
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.splitlines() == ["apt-get update", "apt-get install -y python3-venv",
                                        "python3 -m venv .venv", ".venv/bin/pip install -e ."]


def test_without_python3_both_python_packages_are_installed(machine):
    machine.give(uid=0)
    (machine.bin / "python3").unlink()
    done = machine.run("refresh")
    assert done.stdout.splitlines()[:2] == ["apt-get update",
                                            "apt-get install -y python3 python3-venv"]


def test_root_with_a_node_from_elsewhere_gets_no_nodejs_or_npm(machine):
    # Debian's npm conflicts with a Node from another source (apt-get exit 100): not asked for.
    machine.give(uid=0, venv=False, have=("node", "npm"))
    done = machine.run("test")
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.splitlines()[:2] == ["apt-get update",
                                            f"apt-get install -y python3-venv {TEST_PACKAGES}"]


def test_a_node_from_elsewhere_without_npm_stops_before_installing_anything(machine):
    machine.give(uid=0, have=("node",))
    done = machine.run("test")
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr == (
        f"scripts/setup.sh: node is installed ({machine.bin}/node) but npm is not, and Debian's "
        "npm only goes with Debian's nodejs: install npm from where this node came from, then run "
        "this again\n")


def test_debians_node_without_npm_gets_debians_npm(machine):
    machine.give(uid=0, have=("node", "soffice", "pdftoppm"), fonts=CARLITO, debian_node=True)
    done = machine.run("test")
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.splitlines()[:2] == ["apt-get update", "apt-get install -y npm"]


def test_an_npm_without_node_gets_only_nodejs(machine):
    machine.give(uid=0, have=("npm", "soffice", "pdftoppm"), fonts=CARLITO)
    done = machine.run("test")
    assert done.stdout.splitlines()[:2] == ["apt-get update", "apt-get install -y nodejs"]


def test_not_root_with_sudo_installs_through_sudo(machine):
    machine.give(uid=1000, venv=False, sudo=True, have=("node", "npm"))
    done = machine.run("test")
    assert (done.returncode, done.stderr) == (0, "")
    sudo = "sudo DEBIAN_FRONTEND=noninteractive apt-get"
    assert done.stdout.splitlines()[:3] == [
        f"{sudo} update", f"{sudo} install -y python3-venv {TEST_PACKAGES}",
        "python3 -m venv .venv"]


def test_not_root_without_sudo_stops_with_one_line_saying_what_to_install(machine):
    machine.give(uid=1000, venv=False)
    done = machine.run("test")
    assert done.returncode == 1 and done.stdout == ""
    missing = f"python3-venv {TEST_PACKAGES} nodejs npm"
    assert done.stderr == (
        f"scripts/setup.sh: needs {missing}, which only root can install, and there is no sudo "
        f"here: run 'apt-get install -y {missing}' as root, then this again\n")


def test_without_apt_get_it_stops_naming_the_packages(machine):
    machine.give(uid=0, apt=False, have=EVERYTHING, fonts=CARLITO, venv=False)
    done = machine.run("test")
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.startswith("scripts/setup.sh: needs python3-venv (Debian's names) and "
                                  "there is no apt-get here")


@pytest.mark.parametrize("uid, sudo", [(0, False), (1000, True), (1000, False)],
                         ids=["root", "sudo", "no sudo"])
def test_everything_present_runs_no_apt_get_at_all(machine, uid, sudo):
    machine.give(uid=uid, sudo=sudo, have=EVERYTHING, fonts=CARLITO)
    (machine.checkout / ".venv" / "bin").mkdir(parents=True)
    (machine.checkout / ".venv" / "bin" / "python").write_text("")
    (machine.checkout / ".venv" / "bin" / "python").chmod(0o755)
    done = machine.run("test")
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.splitlines() == [".venv/bin/pip install -e .[test]",
                                        ".venv/bin/python tests/pyodide/setup_runtime.py"]


@pytest.mark.parametrize("argument", [[], ["install"]], ids=["none", "unknown"])
def test_a_mode_is_required(machine, argument):
    machine.give()
    done = subprocess.run([*machine.shell, "scripts/setup.sh", *argument], cwd=machine.checkout,
                          env={"PATH": str(machine.bin)}, capture_output=True, text=True,
                          check=False)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("usage: sh scripts/setup.sh refresh|test")


# ============================================================================ what really runs
def test_root_really_runs_apt_get_once_then_the_venv_noninteractively(machine):
    machine.give(uid=0, venv=False, have=("node", "npm", "pdftoppm"), fonts=CARLITO)
    done = machine.run("test", dry=False)
    assert (done.returncode, done.stderr) == (0, "")
    assert machine.calls() == [
        "apt-get update [noninteractive]",
        "apt-get install -y python3-venv libreoffice-calc-nogui [noninteractive]",
        "python3 -m venv .venv [noninteractive]",
        "pip install -e .[test] [noninteractive]",
        "python tests/pyodide/setup_runtime.py [noninteractive]"]
    assert done.stdout.splitlines()[0] == "+ apt-get update"


def test_sudo_is_given_the_noninteractive_setting(machine):
    machine.give(uid=1000, sudo=True, venv=False)
    done = machine.run("refresh", dry=False)
    assert (done.returncode, done.stderr) == (0, "")
    assert machine.calls()[:2] == [
        "sudo DEBIAN_FRONTEND=noninteractive apt-get update [noninteractive]",
        "sudo DEBIAN_FRONTEND=noninteractive apt-get install -y python3-venv [noninteractive]"]


def test_a_failing_step_stops_the_script(machine):
    machine.give(uid=0, venv=False)
    machine.stub("apt-get", '#!/bin/sh\necho "E: Unable to locate package" >&2\nexit 100\n')
    done = machine.run("refresh", dry=False)
    assert done.returncode == 100 and "Unable to locate package" in done.stderr
    assert machine.calls() == []                      # no venv after a failed apt-get


def test_the_script_is_posix_sh():
    for shell in SHELLS:
        done = subprocess.run([*shell, "-n", str(SCRIPT)], capture_output=True, text=True,
                              check=False)
        assert (done.returncode, done.stderr) == (0, "")
    assert SCRIPT.read_text().startswith("#!/bin/sh\n")
