"""Issue 12's "registration without a licence key": our own check that what a Lite workbook
registers follows xlwings Lite's rules, run on CPython without xlwings' PRO code or any key.

xlwings Lite registers the members of ``main`` that carry ``__xlfunc__``/``__xlscript__``; with
``from xlflows.lite import *`` those are exactly ``xlflows.lite.__all__``. Its rules (LITE-NOTES,
from xlwings' ``udfs_officejs.py``): positional parameters only (no keyword-only, no ``**kwargs``,
no defaults together with ``*args``), unique upper-case Excel names matching
``[^\\W\\d_][\\w.]*`` of at most 128 characters, a description and a help text for every argument
(Excel keeps 255 characters), and a script takes exactly one ``xw.Book``. The descriptions and the
argument help are what the classic decorators record — the fidelity harness's real
``xlwings.udfs`` — so the two registries agree name for name without the Office.js code.
"""

from __future__ import annotations

import inspect
import re

import xlwings as xw

from test_xlwings_fidelity import xl  # noqa: F401  (the classic registry, real decorators)
from xlflows import lite

EXCEL_NAME = re.compile(r"[^\W\d_][\w.]*")


def _functions():
    return [getattr(lite, name) for name in lite.__all__ if name != "refresh_report"]


def test_every_exported_name_is_the_function_itself():
    """No alias: Lite dispatches a call by ``getattr(main, python_name)``."""
    for name in lite.__all__:
        assert getattr(lite, name).__name__ == name


def test_functions_take_positional_parameters_only_with_unique_upper_case_names():
    names = [f.__name__.upper() for f in _functions()]
    assert len(names) == len(set(names)) == 19
    for func in _functions():
        assert EXCEL_NAME.fullmatch(func.__name__.upper()) and len(func.__name__) <= 128
        params = inspect.signature(func).parameters.values()
        kinds = {p.kind for p in params}
        assert kinds <= {inspect.Parameter.POSITIONAL_OR_KEYWORD,
                         inspect.Parameter.POSITIONAL_ONLY}, func.__name__


def test_every_function_and_argument_is_documented_as_the_classic_registry_records(xl):  # noqa: F811 - the fixture imported above
    classic = {f.__name__: f.__xlfunc__ for f in xl.udfs.UDFS}
    assert sorted(classic) == sorted(f.__name__ for f in _functions())
    for func in _functions():
        info = classic[func.__name__]
        doc = (func.__doc__ or "").strip()
        assert doc and len(doc) <= 255 and info["ret"]["doc"].strip() == doc, func.__name__
        params = [p.name for p in inspect.signature(func).parameters.values()]
        assert [a["name"] for a in info["args"]] == params, func.__name__
        for arg in info["args"]:
            assert arg["doc"] and len(arg["doc"]) <= 255, (func.__name__, arg["name"])
            assert not arg["doc"].startswith("Positional argument"), (func.__name__, arg["name"])
            assert arg["options"].get("err_to_str") is True, (func.__name__, arg["name"])


def test_the_report_script_takes_one_book():
    params = list(inspect.signature(lite.refresh_report).parameters.values())
    assert len(params) == 1 and params[0].annotation in (xw.Book, "xw.Book")
    assert (lite.refresh_report.__doc__ or "").strip()
