"""xlflows in xlwings Lite (Excel for Mac, Excel on the web): what a Lite workbook's code imports.

A Lite workbook's ``main.py`` carries xlflows in a block (:mod:`xlflows.litecode`, written by
``xlflows lite``) that ends with::

    from xlflows.lite import *

That brings in every function of :mod:`xlflows.udfs` (``udfs.UDFS``) under its own name (the
add-in registers them as ``FLOW_STREAK`` … ``FLOWS_FROM_LEVELS`` and dispatches a call by the
Python name, so they must never be imported under another name) and the script
:func:`refresh_report` (shown as *Refresh report*), the Lite counterpart of the Refresh button.

There is one registration: the functions are declared once, in :mod:`xlflows.udfs`, with
``xw.func``/``xw.arg``/``xw.ret``. In classic xlwings (Windows) those are the decorators that
Import Functions reads; inside xlwings Lite the add-in sets ``XLWINGS_ON_SERVER=true`` before
anything is imported, so the very same lines are xlwings' Office.js decorators. Names, argument
order, defaults, the one-sentence description and each argument's help are therefore the same in
both, and nothing here repeats them.

Behaviour in Lite (see README, "Use it in Excel for Mac or the web"):

* dates arrive as serial numbers, blanks as empty, error cells as their text (every range argument
  asks for ``err_to_str``), so an error cell is refused with a message, never read as a blank;
* a problem shows as text starting with ``xlflows error:`` (the same text as on Windows, so
  ``ISNUMBER``/``ISTEXT`` tell results from messages everywhere) rather than ``#VALUE!``;
* missing values in a spilled table are empty text, dates come back as dates (``yyyy-mm-dd``).
"""

from __future__ import annotations

import sys

import xlwings as xw

from xlflows.udfs import (
    abnormality,
    asset_growth,
    cycle_inflows,
    flow_count,
    flow_first_in,
    flow_largest_since,
    flow_pct,
    flow_period,
    flow_rank,
    flow_rolling,
    flow_since,
    flow_streak,
    flow_streaks,
    flow_zscore,
    flows_from_levels,
    hike_cycles,
    level_record,
    peak_projection,
    streak_longest_since,
)


def _spare_the_jsnull_import() -> None:
    """Give Pyodide < 0.28 a ``pyodide.ffi.JsNull`` that nothing is an instance of.

    xlwings 0.37.8 runs ``from pyodide.ffi import JsNull`` for every cell of every argument and
    treats an ImportError as "no JsNull, not null". Pyodide 0.27 (what Lite workbooks record) has no
    ``JsNull``, so each cell paid for a failed import: a call on 30 years of weekly data took
    150-330 times a ``pd.DataFrame`` of its rows. With this class the import succeeds and
    ``isinstance`` answers False — exactly what the failed import meant — at no cost. Pyodide 0.28+
    (which has the real ``JsNull``) and CPython are left alone.
    """
    if sys.platform != "emscripten":
        return
    try:
        from pyodide import ffi
    except ImportError:
        return
    if not hasattr(ffi, "JsNull"):
        class JsNull:
            """No value is ever this: Pyodide < 0.28 passes JavaScript ``null`` as None."""

        ffi.JsNull = JsNull


_spare_the_jsnull_import()

__all__ = [  # noqa: RUF022 - udfs.UDFS's order, which Lite's registry keeps (test_lite_live)
    "flow_streak", "flow_first_in", "flow_largest_since", "flow_rolling", "flow_streaks",
    "hike_cycles", "cycle_inflows", "peak_projection", "asset_growth", "abnormality",
    "flow_rank", "flow_count", "streak_longest_since", "flow_period", "flow_pct", "flow_since",
    "level_record", "flow_zscore", "flows_from_levels",
    "refresh_report",
]


@xw.script(name="Refresh report")
def refresh_report(book: xw.Book):
    """Refresh the Report sheet from the data sheets: Flows, Policy rate, MMF assets and Retail
    MMF (the Refresh button)."""
    from xlflows.report.live import refresh_lite

    refresh_lite(book)
