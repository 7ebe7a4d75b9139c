"""xlflows through xlwings' Office.js code path (xlwings Lite), run in a fresh interpreter.

``tests/lite_officejs.py`` holds the checks (see its docstring); it must start before xlwings is
imported, with ``XLWINGS_ON_SERVER=true`` and the noncommercial licence key that xlwings' PRO code
asks for, so it runs here in a subprocess (and in Pyodide as a script). The key is set for that
subprocess only: nothing in the package needs it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
CHECKS = HERE / "lite_officejs.py"


@pytest.fixture(scope="module")
def lines() -> dict[str, str]:
    """``check name -> "ok" | "FAILED: reason"`` from one run of the checks."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("XLWINGS_")}
    env["XLWINGS_LICENSE_KEY"] = "noncommercial"
    run = subprocess.run([sys.executable, str(CHECKS)], capture_output=True, text=True,
                         env=env, cwd=HERE.parent, timeout=900, check=False)
    results = {}
    for line in run.stdout.splitlines():
        if line.startswith("ok "):
            results[line[3:]] = "ok"
        elif line.startswith("FAILED "):
            name, _, reason = line[7:].partition(": ")
            results[name] = "FAILED: " + reason
    assert results, f"no checks ran: {run.stderr[-2000:]}"
    assert (run.returncode == 0) == all(v == "ok" for v in results.values()), run.stderr[-2000:]
    return results


def _failures(lines: dict[str, str], prefix: str) -> dict[str, str]:
    return {k: v for k, v in lines.items() if k.startswith(prefix) and v != "ok"}


def test_lite_registry_follows_xlwings_rules_and_matches_classic(lines):
    assert lines.get("registry") == "ok", lines.get("registry")


def test_lite_functions_equal_hand_worked_and_classic_results(lines):
    ran = [k for k in lines if k.startswith("function:")]
    assert len(ran) >= 19, ran
    assert _failures(lines, "function:") == {}


def test_lite_report_script_equals_refresh(lines):
    expected = {"script:new_settings_equal_refresh", "script:dates_are_serials_with_a_date_format",
                "script:bad_data_alerts_and_writes_nothing",
                "script:creates_the_hidden_template_sheet"}
    assert expected <= set(lines), sorted(lines)
    assert _failures(lines, "script:") == {}


def test_lite_checks_fail_on_a_wrong_expectation(tmp_path):
    """The runner reports a failing check as FAILED with exit status 1 (the checks can fail)."""
    probe = tmp_path / "probe.py"
    probe.write_text(
        "import sys\n"
        f"sys.path.insert(0, {str(HERE)!r})\n"
        "import lite_officejs as L\n"
        "L.FUNCTION_CASES[:] = []\n"
        "L.CHECKS[:] = [L._function_check('wrong on purpose', 'flow_streak', "
        "[[1.0, 2.0], None], [[3]])]\n"
        "sys.exit(L.run_all())\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("XLWINGS_")}
    env["XLWINGS_LICENSE_KEY"] = "noncommercial"
    run = subprocess.run([sys.executable, str(probe)], capture_output=True, text=True, env=env,
                         timeout=300, check=False)
    assert run.returncode == 1, run.stdout + run.stderr
    assert run.stdout.startswith("FAILED function:wrong on purpose: Lite: row 1 is [2]"), run.stdout


# The classic registry: xlflows.udfs as xlwings' real Windows decorators record it (fixture from
# the fidelity harness, which stubs the Windows-only modules for the duration of the module).
from test_xlwings_fidelity import xl  # noqa: E402,F401 - the fixture, used below


def test_lite_registry_matches_the_classic_registry_name_for_name(xl):  # noqa: F811 - the fixture
    import json

    env = {k: v for k, v in os.environ.items() if not k.startswith("XLWINGS_")}
    env["XLWINGS_LICENSE_KEY"] = "noncommercial"
    run = subprocess.run([sys.executable, str(CHECKS), "--registry-json"], capture_output=True,
                         text=True, env=env, cwd=HERE.parent, timeout=300, check=False)
    assert run.returncode == 0, run.stderr[-2000:]
    lite = {f["name"]: f for f in json.loads(run.stdout)["functions"]}
    classic = {f.__xlfunc__["name"].upper(): f.__xlfunc__ for f in xl.udfs.UDFS}
    assert sorted(lite) == sorted(classic)
    for name, info in classic.items():
        entry = lite[name]
        assert entry["description"] == info["ret"]["doc"], name
        assert [p["name"] for p in entry["parameters"]] == [a["name"] for a in info["args"]], name
        for param, arg in zip(entry["parameters"], info["args"]):
            assert param["description"] == arg["doc"], (name, arg["name"])
            assert bool(param.get("optional")) == ("optional" in arg), (name, arg["name"])
