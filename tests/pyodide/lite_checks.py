"""xlwings Lite inside Pyodide: ``tests/lite_officejs.py``'s checks, run by ``run.mjs --script``.

The registry, the ten functions through ``custom_functions_call`` on Office.js payloads, and the
``refresh_report`` script through ``custom_scripts_call`` on a snapshot of the shipped Lite
workbook, whose queued Report values must equal ``xlflows refresh`` of the same workbook — all in
the Pyodide runtime. Needs ``--env XLWINGS_ON_SERVER=true --env XLWINGS_LICENSE_KEY=noncommercial``
(set before xlwings is imported, as the Lite add-in does). ``main()`` returns the exit status and
one line per check (``ok <name>`` / ``FAILED <name>: <reason>``).
"""

from __future__ import annotations

import contextlib
import io
import sys
from pathlib import Path


def main() -> dict:
    tests = Path(__file__).resolve().parents[1]
    sys.path.insert(0, str(tests))
    import lite_officejs

    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        status = lite_officejs.run_all()
    return {"status": status, "lines": printed.getvalue().splitlines()}
