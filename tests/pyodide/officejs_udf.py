"""xlflows functions called through xlwings' own Office.js path, as xlwings Lite calls them.

A script for ``tests/pyodide/run.mjs --script`` that also runs in CPython (``python
tests/pyodide/officejs_udf.py`` prints the same JSON), so the two runtimes can be compared. Both
need ``XLWINGS_ON_SERVER=true`` and ``XLWINGS_LICENSE_KEY=noncommercial`` in the environment before
xlwings is imported (the Office.js conversion is xlwings PRO code; tests may use the noncommercial
key, the shipped package never needs it).

Each case is an Office.js-shaped payload, the way the add-in sends a call: every argument a 2-D
list, dates as serial numbers, blank cells as ``None``, an error cell as an error object
(``{"type": "Error", "basicValue": "#N/A", ...}``), an omitted optional argument as ``[[None]]``.
``main()`` returns ``{case name: result}`` with each result as ``custom_functions_call`` gives it
back to Excel (dates as ``FormattedNumber`` objects, a missing value as ``""``).
"""

from __future__ import annotations

import asyncio
import json

import xlwings as xw

#: What the add-in puts beside every call (xlwings Lite, Excel custom-functions runtime 1.4).
CLIENT = {"client": "Office.js", "runtime": "1.4", "culture_info_name": "en-US",
          "date_format": "M/d/yyyy"}
#: How Office.js sends a ``#N/A`` cell inside a range argument.
NOT_AVAILABLE = {"type": "Error", "basicValue": "#N/A", "errorType": "NotAvailable"}
OMITTED = [[None]]
#: Week-ending Fridays from 2023-12-29 (serial 45289), one a week.
WEEKS = [[45289.0 + 7 * i] for i in range(10)]


def column(values):
    """An n × 1 range as Office.js sends it: ``[[v1], [v2], ...]``."""
    return [[value] for value in values]


#: case name -> (function, arguments). Expected values are worked out in tests/test_pyodide.py.
CASES = {
    "streak of two outflows": ("flow_streak", [column([1.5, 2.0, -1.0, -3.0]), OMITTED]),
    "trailing blank rows ignored": ("flow_streak", [column([1.0, 2.0, None, None]), OMITTED]),
    "serial dates sort the rows": ("flow_streak", [column([1.0, -2.0, -3.0]),
                                                   column([45303.0, 45296.0, 45289.0])]),
    "error cell refused": ("flow_streak", [column([1.0, NOT_AVAILABLE]), OMITTED]),
    "largest since returns a date": ("flow_largest_since",
                                     [WEEKS, column([9.0, 3, 1, 1, 1, 1, 1, 1, 1, 9]), [[2]]]),
    "rolling leaves the first rows blank": ("flow_rolling",
                                            [column([1.0, 2.0, 3.0]), [[2]], OMITTED]),
}


async def call(function: str, args: list):
    """One call through ``xlwings.server.custom_functions_call`` on ``xlflows.udfs``."""
    from xlwings.server import custom_functions_call

    import xlflows.udfs

    payload = {"func_name": function, "args": args, "version": xw.__version__, **CLIENT}
    return await custom_functions_call(payload, xlflows.udfs)


async def main() -> dict:
    """Every case's result, keyed by case name."""
    return {name: await call(function, args) for name, (function, args) in CASES.items()}


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main())))
