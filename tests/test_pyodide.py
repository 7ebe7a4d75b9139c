"""The core, Excel-layer and report-layer tests, and xlwings' Office.js path, inside real Pyodide.

xlwings Lite runs xlflows in Pyodide (CPython compiled to WebAssembly, under the browser or Node):
32-bit, no subprocesses, its own numpy/pandas builds. Here the Pyodide 0.27.x runtime that Lite
workbooks record runs under Node with no network (``unshare -n``): the xlflows wheel built from
this checkout, numpy/pandas built for Pyodide (sha256-checked against the npm package's
pyodide-lock.json), pure wheels from PyPI (checked against ``tests/pyodide/wheels.lock``).
``tests/pyodide/run.mjs`` runs pytest or scripts there and writes the outcome as JSON, read here.

Skipped when Node or the runtime is not set up (``python tests/pyodide/setup_runtime.py``), unless
``CI`` or ``XLFLOWS_REQUIRE_PYODIDE=1`` is set: then a missing runtime fails. Slow (minutes):
deselect with ``-m "not pyodide"``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import warnings
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HERE = ROOT / "tests" / "pyodide"
CACHE = ROOT / ".pyodide"
RUNNER = HERE / "run.mjs"
OFFICEJS_SCRIPT = "tests/pyodide/officejs_udf.py"
LITE_SCRIPT = "tests/pyodide/lite_checks.py"
REFRESH_SCRIPT = "tests/pyodide/refresh_bytes.py"
LITE_WORKBOOK_SCRIPT = "tests/pyodide/lite_workbook.py"
#: Scripts run in the same Pyodide start as OFFICEJS_SCRIPT, with OFFICEJS_ENV (one start for all:
#: each costs about a minute). Add a script here and read its result from ``officejs_outcome``.
MORE_OFFICEJS_SCRIPTS: list[str] = [LITE_SCRIPT, REFRESH_SCRIPT]
README = (ROOT / "README.md").read_text(encoding="utf-8")
RUNNER_COMMAND = "unshare -n node tests/pyodide/run.mjs "
#: xlwings' Office.js path is xlwings PRO code: tests run it with the noncommercial key.
OFFICEJS_ENV = {"XLWINGS_ON_SERVER": "true", "XLWINGS_LICENSE_KEY": "noncommercial"}
#: Ample for a loaded 2-core machine (about 6 minutes measured for the tests of IN_PYODIDE).
TIMEOUT_S = 20 * 60

#: The tests that run inside Pyodide: the core, the Excel layer (what a Lite function calls) and
#: the engine-neutral report layer (what a Lite report script calls).
IN_PYODIDE = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "tests").glob("test_core_*.py")) + [
    "tests/test_excel_convert.py", "tests/test_excel_speed_paths.py",
    "tests/test_excel_boundaries.py", "tests/test_udfs.py", "tests/test_udfs_grammar.py",
    "tests/test_udf_junk.py",
    "tests/test_report_compute.py", "tests/test_report_sentences.py",
    "tests/test_report_template.py",
    # the Retail MMF row: its figures, sentences and the writers (all passed in Pyodide)
    "tests/test_report_retail.py",
    # the sheet reader is what a Lite refresh-of-a-file test reads with, and its numpy fast
    # path meets a 32-bit intp and numpy 2.0 only here
    "tests/test_ooxml_sheetread.py", "tests/test_ooxml_sheetread_properties.py",
    "tests/test_ooxml_escape.py"]

#: The other test files, and why they are not run inside Pyodide. Each was tried there once
#: (Pyodide 0.27.7, xlsxwriter added, 2026-11-30): all passed but the 7 named below.
NOT_IN_PYODIDE = {
    "tests/test_lint.py": "ruff and mypy over the repository (desktop tools; CI runs them)",
    "tests/test_benchmarks.py": "the benchmark scripts' verdicts and exit status (desktop "
        "scripts; the Pyodide benchmark is bench_lite_call.py)",
    "tests/test_cli.py": "the command line (a desktop command): "
        "test_python_dash_m_and_console_script needs a subprocess (Pyodide has none)",
    "tests/test_bad_workbooks.py": "the file engine on bad files (a desktop command)",
    "tests/test_workbook.py": "build-time checks: in Pyodide test_main_imports_the_report_lazily "
        "and test_rebuilding_gives_the_committed_bytes need subprocesses, the two VBA tests need "
        "oletools (not installable there: it needs compiled cryptography), and "
        "test_refresh_leaves_the_committed_workbook_unchanged gets other bytes: openpyxl writes "
        "<mergeCell> in hash order and hashes differ on 32-bit wasm",
    "tests/test_libreoffice.py": "drives LibreOffice and poppler (native programs, subprocesses)",
    "tests/test_readme.py": "checks README against files; nothing Lite runs (passed in Pyodide)",
    "tests/test_readme_commands.py": "checks README's shell commands (text); nothing Lite runs",
    "tests/test_xlwings_fidelity.py": "the classic xlwings path (VBA wrappers, COM conversion); "
        "Lite's Office.js path is checked by this file instead (passed in Pyodide)",
    "tests/test_pyodide.py": "this file: it starts Node",
    "tests/test_setup_script.py": "runs scripts/setup.sh (a desktop checkout's set-up) with sh "
        "and bash in subprocesses",
    "tests/test_fred_csv.py": "FRED's CSV parsed for xlflows update, a desktop command (Lite "
        "updates no file)",
    "tests/test_update_download.py": "xlflows update: a local HTTP server in a thread (Lite "
        "updates no file)",
    "tests/test_update_sheets.py": "xlflows update: the command line and the file engine (Lite "
        "updates no file)",
    "tests/test_new.py": "xlflows new (a desktop command) and README's commands in "
        "subprocesses",
    "tests/test_update_excel.py": "xlflows update from classic Excel (a fake Book) and README's "
        "commands in subprocesses",
    "tests/test_dashboard.py": "drives LibreOffice (a native program, a subprocess)",
    "tests/test_report_footing.py": "the command line on a copy of the shipped workbook (update "
        "then refresh of a file, which Lite does not do)",
    "tests/test_readme_examples.py": "README's formulas against the shipped workbook; the "
        "functions they call run in Pyodide through test_udfs.py and the Office.js script",
    "tests/test_lite_officejs.py": "starts tests/lite_officejs.py in subprocesses with Lite's "
        "environment; in Pyodide the runner runs that script itself (see below)",
    "tests/test_lite_webextension.py": "xlflows lite on workbook files (a desktop command)",
    "tests/test_lite_workbook.py": "compares the built Lite workbook with the build's output",
    "tests/test_lite_live.py": "the Lite writer on a fake Book; the real one runs in Pyodide "
        "through tests/lite_officejs.py",
    "tests/test_lite_registry.py": "the key-free registry check needs the classic registry "
        "from the fidelity harness (stubbed Windows modules); Lite's own registry is checked in "
        "Pyodide by tests/lite_officejs.py",
    "tests/test_report_live.py": "the live engine on a fake xlwings Book (the classic Refresh "
        "button); the Lite writer runs in Pyodide through tests/lite_officejs.py",
    "tests/test_readme_messages.py": "README's quoted messages, made through the UDFs and the "
        "report (both run in Pyodide through the files above)",
    "tests/test_refresh_file.py": "xlflows refresh of workbook files (a desktop command); the "
        "Lite script check runs `xlflows refresh` of a file inside Pyodide for its comparison",
    "tests/test_ooxml_cells.py": "the file engine (xlflows.ooxml, a desktop command, not in the "
        "Lite code)",
    "tests/test_ooxml_files.py": "the file engine on the file system (locks, modes, symlinks)",
    "tests/test_ooxml_limits.py": "crafted files in subprocesses under RLIMIT_AS",
    "tests/test_ooxml_cases.py": "the file engine's cases (a desktop command); two writers at "
        "once run in subprocesses",
    "tests/test_ooxml_patch.py": "the file engine's sheet patcher (not in the Lite code)",
    "tests/test_ooxml_styles.py": "the file engine's styles (not in the Lite code)",
    "tests/test_foreign_workbooks.py": "workbooks other programs wrote, refreshed by the file "
        "engine; LibreOffice opens each output (a subprocess)",
    "tests/test_lite_code.py": "builds the embedded code and runs main.py in fresh CPython "
        "interpreters (subprocesses); in Pyodide the shipped main.py itself runs through "
        "tests/pyodide/lite_workbook.py with no xlflows installed",
}

#: Single tests of the files above that cannot run in Pyodide, and why; deselected there (and
#: in the CPython count they are compared with).
DESELECTED_IN_PYODIDE = {
    "tests/test_udfs.py::test_importing_the_udfs_loads_neither_the_core_nor_the_conversion":
        "starts a fresh interpreter in a subprocess (emscripten has no processes)",
    "tests/test_core_calendar.py::test_libreoffice_still_computes_the_committed_table":
        "drives LibreOffice (a native program, a subprocess); the committed table it checks is "
        "read in Pyodide by the other ROUND tests",
}
_DESELECT = [option for nodeid in DESELECTED_IN_PYODIDE for option in ("--deselect", nodeid)]

pytestmark = pytest.mark.pyodide


def _required() -> bool:
    return bool(os.environ.get("CI")) or os.environ.get("XLFLOWS_REQUIRE_PYODIDE") == "1"


def _missing_runtime() -> str | None:
    """What is missing for a Pyodide run, or None when everything is there."""
    if shutil.which("node") is None:
        return "Node is not installed (Debian: apt-get install nodejs)"
    if not (CACHE / "npm" / "node_modules" / "pyodide" / "pyodide.mjs").is_file():
        return "the Pyodide runtime is not set up: run python tests/pyodide/setup_runtime.py"
    return None


def _network_isolation() -> list[str]:
    """``unshare -n`` (or ``-rn`` without root) when permitted, else [] with a warning.

    The runner refuses every URL fetch in any case; unshare also takes the network away from
    everything else in the process.
    """
    if shutil.which("unshare"):
        for prefix in (["unshare", "-n"], ["unshare", "-rn"]):
            if subprocess.run(prefix + ["true"], capture_output=True, check=False).returncode == 0:
                return prefix
    warnings.warn("unshare is not permitted here: the Pyodide run keeps the network, and relies "
                  "on the runner refusing every URL fetch", stacklevel=2)
    return []


def _need_runtime() -> None:
    """Skip the test when the runtime is missing; fail it instead where it is required."""
    missing = _missing_runtime()
    if missing:
        if _required():
            pytest.fail("the Pyodide runtime is required here (CI or XLFLOWS_REQUIRE_PYODIDE=1) "
                        f"but {missing}")
        pytest.skip(missing)


@pytest.fixture(scope="module")
def pyodide_run(tmp_path_factory):
    """A function that runs ``run.mjs`` with options and returns its JSON outcome."""
    _need_runtime()
    folder = tmp_path_factory.mktemp("pyodide")
    built = subprocess.run([sys.executable, str(HERE / "setup_runtime.py"), "--wheel-only",
                            "--wheel-dir", str(folder / "wheel")],
                           capture_output=True, text=True, check=False)
    assert built.returncode == 0, built.stderr
    wheel = next((folder / "wheel").glob("xlflows-*.whl"))
    isolation = _network_isolation()

    def run(*options: str, name: str) -> dict:
        result = folder / f"{name}.json"
        done = subprocess.run(isolation + ["node", str(RUNNER), "--wheel", str(wheel),
                                           "--result", str(result), *options],
                              capture_output=True, text=True, timeout=TIMEOUT_S, cwd=ROOT,
                              check=False)
        assert result.is_file(), (f"run.mjs exit {done.returncode}: "
                                  f"{done.stderr.strip()[-2000:] or done.stdout.strip()[-2000:]}")
        print(done.stdout[-3000:])
        return json.loads(result.read_text(encoding="utf-8"))

    return run


def test_every_test_file_is_either_run_in_pyodide_or_listed_with_its_reason():
    files = {str(p.relative_to(ROOT)) for p in (ROOT / "tests").glob("test_*.py")}
    assert set(IN_PYODIDE) <= files
    assert not set(IN_PYODIDE) & set(NOT_IN_PYODIDE)
    assert files - set(IN_PYODIDE) == set(NOT_IN_PYODIDE), "list the new test file above"
    # scripts for run.mjs are not CPython tests: a test_*.py there would be collected here
    assert not list(HERE.glob("test_*.py")) and not list(HERE.glob("*_test.py"))


def _collected_in_cpython(files: list[str]) -> int:
    done = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q",
                           "-p", "no:cacheprovider", *_DESELECT, *files],
                          capture_output=True, text=True, cwd=ROOT, check=False)
    found = re.search(r"^(\d+)(?:/\d+)? tests? collected", done.stdout, re.MULTILINE)
    assert found, done.stdout[-2000:]
    return int(found.group(1))


def test_core_excel_and_report_layer_tests_all_pass_in_pyodide(pyodide_run):
    outcome = pyodide_run("--", "-q", *_DESELECT, *IN_PYODIDE, name="tests")
    versions = outcome["versions"]
    assert (versions["pyodide"], versions["python"], versions["platform"]) == (
        "0.27.7", "3.12.7", "emscripten")
    assert versions["xlflows"].startswith("/lib/python3.12/site-packages/"), "not the built wheel"
    assert versions["network"].startswith("refused: "), versions["network"]
    pytest_outcome = outcome["pytest"]
    assert pytest_outcome["failed"] == [], pytest_outcome["failed"]
    assert pytest_outcome["exit_code"] == 0
    # every test CPython collects from these files passed in Pyodide: none skipped, none lost
    counts = dict(pytest_outcome["counts"])
    assert counts.pop("deselected", 0) == len(DESELECTED_IN_PYODIDE)
    assert counts == {"passed": _collected_in_cpython(IN_PYODIDE)}


#: custom_functions_call's answers, worked out by hand from the payloads in officejs_udf.py.
EXPECTED_OFFICEJS = {
    # 1.5, 2, -1, -3: the latest two weeks are outflows
    "streak of two outflows": [[-2]],
    # 1, 2 then two blank rows of an oversized range: ignored, two inflows
    "trailing blank rows ignored": [[2]],
    # rows dated 2024-01-12, 2024-01-05, 2023-12-29: sorted oldest first -3, -2, +1
    "serial dates sort the rows": [[1]],
    # an error cell arrives as {"type": "Error", ...} and is refused, naming the row
    "error cell refused": [["xlflows error: flows: row 2 is #N/A, expected a number"]],
    # 2-week sums ... 1+9 = 10 latest; the most recent earlier sum >= 10 is 9+3 = 12, ending in
    # week 2 (serial 45296 = 2024-01-05), sent back as a date-formatted number
    "largest since returns a date": [[{"type": "FormattedNumber", "basicValue": 45296,
                                       "numberFormat": "yyyy-mm-dd"}]],
    # 2-week sums of 1, 2, 3: blank, 3, 5; the blank goes out as "" (not 0, not NaN -> #NUM!)
    "rolling leaves the first rows blank": [[""], [3], [5]],
}


def _officejs_in_cpython() -> dict:
    done = subprocess.run([sys.executable, OFFICEJS_SCRIPT], capture_output=True, text=True,
                          cwd=ROOT, env={**os.environ, **OFFICEJS_ENV}, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def _readme_runner_options() -> list[list[str]]:
    """The options of every README command line that starts run.mjs (comments cut off)."""
    return [line[len(RUNNER_COMMAND):].split("#", 1)[0].split() for line in README.splitlines()
            if line.startswith(RUNNER_COMMAND)]


def _readme_officejs_options() -> list[str]:
    found = [options for options in _readme_runner_options() if OFFICEJS_SCRIPT in options]
    assert len(found) == 1, "README shows one run of " + OFFICEJS_SCRIPT
    return found[0]


def test_readme_shows_the_commands_these_tests_and_ci_run():
    # CI runs README's set-up line, whose script sets the runtime up (tests/test_setup_script.py).
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    setup = (ROOT / "scripts" / "setup.sh").read_text(encoding="utf-8")
    assert "\nsh scripts/setup.sh test\n" in ci
    assert "run .venv/bin/python tests/pyodide/setup_runtime.py\n" in setup
    assert "```sh\n.venv/bin/python tests/pyodide/setup_runtime.py\n```" in README
    env = [option for name, value in OFFICEJS_ENV.items()
           for option in ("--env", f"{name}={value}")]
    assert _readme_officejs_options() == env + ["--script", OFFICEJS_SCRIPT]
    pytest_runs = [options for options in _readme_runner_options() if options[:1] == ["--"]]
    assert pytest_runs and all(set(options[2:]) <= set(IN_PYODIDE) for options in pytest_runs)
    for options in _readme_runner_options():       # every script shown exists and has main()
        for script in (options[i + 1] for i, flag in enumerate(options) if flag == "--script"):
            assert re.search(r"^(async )?def main\(", (ROOT / script).read_text(encoding="utf-8"),
                             re.MULTILINE), script


@pytest.fixture(scope="module")
def officejs_outcome(pyodide_run) -> dict:
    """The outcome of README's Office.js run, with MORE_OFFICEJS_SCRIPTS added to it."""
    extra = [option for script in MORE_OFFICEJS_SCRIPTS for option in ("--script", script)]
    return pyodide_run(*_readme_officejs_options(), *extra, name="officejs")


def test_officejs_calls_in_pyodide_match_cpython_and_the_hand_worked_values(officejs_outcome):
    outcome = officejs_outcome
    assert outcome["versions"]["xlwings_on_server"] is True
    script = outcome["scripts"][OFFICEJS_SCRIPT]
    assert script["ok"], script.get("error")
    assert script["result"] == EXPECTED_OFFICEJS
    assert _officejs_in_cpython() == script["result"]


def test_lite_functions_and_report_script_in_pyodide(officejs_outcome):
    """tests/lite_officejs.py inside Pyodide: the registry, every function on Office.js payloads,
    and the Lite report script on a snapshot of the shipped Lite workbook, whose Report values
    equal ``xlflows refresh`` of the same workbook run in the same runtime."""
    outcome = officejs_outcome
    assert outcome["versions"]["xlwings_on_server"] is True
    script = outcome["scripts"][LITE_SCRIPT]
    assert script["ok"], script.get("error")
    lines = script["result"]["lines"]
    # (the bad-data check's script also prints its message, as Lite shows it in the console)
    failed = [line for line in lines if line.startswith("FAILED ")]
    assert script["result"]["status"] == 0 and failed == [], failed
    names = {line[3:] for line in lines if line.startswith("ok ")}
    assert "registry" in names and any(n.startswith("script:") for n in names)
    assert sum(n.startswith("function:") for n in names) >= 10


def test_refresh_in_pyodide_gives_the_committed_bytes_and_a_readable_file(officejs_outcome):
    """Issue 12's two Pyodide differences, fixed in the product: the refreshed file keeps a
    readable mode although os.umask() reads 0o777 there, and its bytes equal CPython's (refresh
    no longer writes through openpyxl, whose merged-cell order follows 32-bit hashes there)."""
    outcome = officejs_outcome
    script = outcome["scripts"][REFRESH_SCRIPT]
    assert script["ok"], script.get("error")
    result = script["result"]
    for name in ("xlflows.xlsm", "xlflows-lite.xlsx"):
        assert result[name]["status"] == 0, result
        assert result[name]["same"], f"{name}: Pyodide's refresh differs from the committed bytes"
        assert int(result[name]["mode"], 8) & 0o600 == 0o600, result


#: What the shipped Lite workbook's functions give on its own data (README's examples): Money
#: market's latest week is an outflow after seven inflows; Equity's 8-week sum is the largest
#: since the window ending 2022-03-30 (serial 44650); 2023-07-26 + round(mean(9, 13, 15, 19)) =
#: 14 months -> 2024-09-26 (serial 45561); 25% against a 33% mean is not abnormally high.
EXPECTED_LITE_VALUES = {
    "streak of money market": [[-1]],
    "first-in of money market": [[8]],
    "largest 8-week equity since": [[{"type": "FormattedNumber", "basicValue": 44650.0,
                                      "numberFormat": "yyyy-mm-dd"}]],
    "projection": [[{"type": "FormattedNumber", "basicValue": 45561.0,
                     "numberFormat": "yyyy-mm-dd"}]],
}


def test_the_shipped_lite_workbook_runs_its_own_code_with_no_xlflows_installed(pyodide_run):
    """Issue 17's proof: the Lite workbook's main.py and requirements.txt, read exactly as
    stored, in Pyodide with no xlflows installed and no network (Pyodide's own packages and the
    pinned pure wheels only): the functions and the report script register and give the
    workbook's values, as in CPython."""
    env = [option for name, value in OFFICEJS_ENV.items()
           for option in ("--env", f"{name}={value}")]
    outcome = pyodide_run("--no-app", *env, "--script", LITE_WORKBOOK_SCRIPT, name="lite-workbook")
    assert outcome["versions"]["xlflows"] is None
    assert outcome["versions"]["network"].startswith("refused: ")
    script = outcome["scripts"][LITE_WORKBOOK_SCRIPT]
    assert script["ok"], script.get("error")
    result = script["result"]
    print("Lite workbook in Pyodide:", {k: v for k, v in result.items() if k != "values"})
    assert result["xlflows_before"] is None
    assert "xlflows" not in result["requirements"]
    assert result["installed"]["xlwings"] == result["xlwings_pin"].split("==")[1].split()[0]
    assert "/xlflows-" in result["xlflows_from"] and ".zip/xlflows/" in result["xlflows_from"]
    assert len(result["functions"]) == 19 and result["scripts"] == ["Refresh report"]
    values = result["values"]
    assert {k: values[k] for k in EXPECTED_LITE_VALUES} == EXPECTED_LITE_VALUES
    assert values["abnormality"][0] == ["Verdict", "not abnormally high"]
    assert "Money market funds" in result["script_headline"]
    done = subprocess.run([sys.executable, "-c", ("import json, runpy; print(json.dumps(runpy."
                                                  f"run_path({LITE_WORKBOOK_SCRIPT!r})['main']()))")],
                          capture_output=True, text=True, cwd=ROOT, timeout=300,
                          env={**os.environ, **OFFICEJS_ENV}, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    cpython = json.loads(done.stdout.strip().splitlines()[-1])
    print("the same in CPython:", {k: v for k, v in cpython.items() if k != "values"})
    assert cpython["values"] == values
    assert cpython["script_headline"] == result["script_headline"]


# --- the set-up and the runner refuse files that do not match their pinned sha256 -------------

def _setup_module():
    import importlib.util

    spec = importlib.util.spec_from_file_location("setup_runtime", HERE / "setup_runtime.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _fake_distribution(tmp_path, setup, *, tamper: str | None = None):
    """A pyodide-lock.json for the seven packages and a carrier zip holding their files."""
    runtime, packages = tmp_path / "runtime", {}
    runtime.mkdir()
    carrier = tmp_path / "carrier.whl"
    with zipfile.ZipFile(carrier, "w") as archive:
        for name in setup.PYODIDE_PACKAGES:
            file_name, body = f"{name}-1.0-py3-none-any.whl", f"wheel of {name}".encode()
            packages[name] = {"file_name": file_name, "sha256": hashlib.sha256(body).hexdigest()}
            archive.writestr(setup.CARRIER_FOLDER + file_name,
                             body + (b"!" if name == tamper else b""))
    (runtime / "pyodide-lock.json").write_text(json.dumps({"packages": packages}), encoding="utf-8")
    return runtime, carrier


def test_setup_takes_the_pyodide_wheels_whose_sha256_match_pyodide_lock(tmp_path):
    setup = _setup_module()
    runtime, carrier = _fake_distribution(tmp_path, setup)
    folder = setup.extract_pyodide_wheels(tmp_path / "cache", runtime, carrier)
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        f"{name}-1.0-py3-none-any.whl" for name in setup.PYODIDE_PACKAGES)
    assert (folder / "pandas-1.0-py3-none-any.whl").read_bytes() == b"wheel of pandas"


def test_setup_refuses_a_pyodide_wheel_whose_sha256_differs_and_keeps_nothing_of_it(tmp_path):
    setup = _setup_module()
    runtime, carrier = _fake_distribution(tmp_path, setup, tamper="numpy")
    with pytest.raises(setup.SetupError, match=r"^numpy-1\.0-py3-none-any\.whl: sha256 "
                       r"[0-9a-f]{64} does not match [0-9a-f]{64} in pyodide-lock\.json of "
                       r"pyodide@0\.27\.7; the file was not used$"):
        setup.extract_pyodide_wheels(tmp_path / "cache", runtime, carrier)
    assert not list((tmp_path / "cache" / "pyodide-wheels").glob("numpy-*"))


def test_runner_refuses_a_pyodide_wheel_changed_after_set_up(tmp_path):
    _need_runtime()
    cache = tmp_path / "cache"
    (cache / "npm").mkdir(parents=True)
    (cache / "npm" / "node_modules").symlink_to(CACHE / "npm" / "node_modules")
    shutil.copytree(CACHE / "pyodide-wheels", cache / "pyodide-wheels")
    (cache / "downloads").symlink_to(CACHE / "downloads")
    pandas = next((cache / "pyodide-wheels").glob("pandas-*.whl"))
    with pandas.open("ab") as stream:
        stream.write(b"\0")
    done = subprocess.run(["node", str(RUNNER), "--cache", str(cache), "--", "-q"],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 2
    assert re.fullmatch(rf"pyodide run: {re.escape(pandas.name)}: sha256 [0-9a-f]{{64}} does not "
                        r"match [0-9a-f]{64} in pyodide-lock\.json of pyodide@0\.27\.7; refusing "
                        r"to use it\n", done.stderr)
