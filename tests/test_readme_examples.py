"""Every example formula in README.md runs against the shipped workbook and gives what README says.

README's examples are formulas in backticks, ``=FLOW_FIRST_IN(Flows!D2:D1200)``, optionally followed
by `` → `8` ``. Each is evaluated here: ranges are read from ``workbook/xlflows.xlsm`` (the values
Excel would pass), ``DATE``, ``INDEX`` and array constants ``{9,13,15,19}`` are evaluated as Excel
does, and the xlflows functions are called as xlwings would call them. A formula with a stated
result must give it (numbers compared at the precision README shows); one without must not give an
``xlflows error:`` text. So README cannot drift from the product again.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils.cell import range_boundaries

from xlflows import udfs
from xlflows.errors import CELL_PREFIX

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
WORKBOOK = ROOT / "workbook" / "xlflows.xlsm"
UDF = {f.__name__.upper(): f for f in udfs.UDFS}

#: ``=FORMULA`` in backticks, then optionally `` → `result` `` (the arrow with spaces).
EXAMPLE = re.compile(r"`(=[A-Z_]+\(.*?\))`(?:\s*→\s*`([^`]+)`)?")


def examples() -> list[tuple[str, str | None]]:
    """README's formulas that call an xlflows function (``=ISNUMBER(A1)`` is Excel's own)."""
    found = [(m.group(1), m.group(2)) for m in EXAMPLE.finditer(README)
             if any(f"{name}(" in m.group(1) for name in UDF)]
    return list(dict.fromkeys(found))


@lru_cache(maxsize=1)
def _book():
    return openpyxl.load_workbook(WORKBOOK, data_only=True, read_only=False)


# --------------------------------------------------------------------------- a tiny evaluator
_TOKEN = re.compile(r"""
    (?P<ref>(?:'[^']+'|[A-Za-z_][\w.]*)!\$?[A-Z]{1,3}\$?\d+(?::\$?[A-Z]{1,3}\$?\d+)?)
  | (?P<number>-?\d+(?:\.\d+)?)
  | (?P<string>"[^"]*")
  | (?P<bool>TRUE|FALSE)
  | (?P<name>[A-Z_][A-Z0-9_]*)\(
  | (?P<punct>[(),{};])
  | (?P<space>\s+)
""", re.VERBOSE)


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            raise ValueError(f"cannot read {text[pos:]!r}")
        kind = m.lastgroup
        if kind != "space":
            out.append((kind, m.group(kind)))
        pos = m.end()
    return out


def _range(ref: str):
    sheet, _, cells = ref.rpartition("!")
    sheet = sheet.strip("'")
    ws = _book()[sheet]
    c0, r0, c1, r1 = range_boundaries(cells.replace("$", ""))
    rows = [[ws.cell(row=r, column=c).value for c in range(c0, c1 + 1)]
            for r in range(r0, r1 + 1)]
    if len(rows) == 1 and len(rows[0]) == 1:
        return rows[0][0]
    return rows


def _call(name: str, args: list):
    if name == "DATE":
        return dt.datetime(*(int(a) for a in args))
    if name == "INDEX":
        table, row = args[0], int(args[1])
        column = int(args[2]) if len(args) > 2 else 1
        return table[row - 1][column - 1]
    return UDF[name](*args)


def evaluate(formula: str):
    tokens = _tokens(formula.lstrip("="))
    pos = 0

    def expr():
        nonlocal pos
        kind, text = tokens[pos]
        pos += 1
        if kind == "ref":
            return _range(text)
        if kind == "number":
            return float(text)
        if kind == "string":
            return text[1:-1]
        if kind == "bool":
            return text == "TRUE"
        if kind == "name":
            args = []
            while tokens[pos] != ("punct", ")"):
                args.append(expr())
                if tokens[pos] == ("punct", ","):
                    pos += 1
            pos += 1
            return _call(text, args)
        if (kind, text) == ("punct", "{"):
            row, rows = [], []
            while tokens[pos] != ("punct", "}"):
                row.append(expr())
                if tokens[pos] in (("punct", ","), ("punct", ";")):
                    if tokens[pos][1] == ";":
                        rows.append(row)
                        row = []
                    pos += 1
            pos += 1
            rows.append(row)
            return rows[0] if len(rows) == 1 else rows
        raise ValueError(f"unexpected {text!r} in {formula}")

    return expr()


def _matches(result, shown: str) -> bool:
    shown = shown.replace("\u2212", "-")
    if isinstance(result, dt.datetime):
        return result.strftime("%Y-%m-%d") == shown
    if isinstance(result, (int, float)) and not isinstance(result, bool):
        decimals = len(shown.split(".")[1]) if "." in shown else 0
        return round(float(result), decimals) == float(shown)
    return str(result) == shown


# --------------------------------------------------------------------------- the tests
def test_readme_has_examples_with_results():
    found = examples()
    assert len(found) >= 12
    assert sum(result is not None for _, result in found) >= 8


@pytest.mark.parametrize("formula, shown", examples(), ids=[f for f, _ in examples()])
def test_readme_example_runs_on_the_shipped_workbook(formula, shown):
    result = evaluate(formula)
    if isinstance(result, list):                       # a spilled table: its first cell
        assert not (isinstance(result[0][0], str) and result[0][0].startswith(CELL_PREFIX)), \
            result[0][0]
        return
    assert not (isinstance(result, str) and result.startswith(CELL_PREFIX)), result
    if shown is not None:
        assert _matches(result, shown), f"{formula} gives {result!r}; README says {shown}"


#: The flow-note grammar's functions (SPEC §2b): each has an example with its result in README.
GRAMMAR = ("FLOW_RANK", "FLOW_COUNT", "STREAK_LONGEST_SINCE", "FLOW_PERIOD", "FLOW_PCT",
           "FLOW_SINCE", "LEVEL_RECORD", "FLOW_ZSCORE", "FLOWS_FROM_LEVELS")


def test_no_example_is_broken_across_lines():
    """A formula wrapped onto a second line is not found by :data:`EXAMPLE`, so it would not run."""
    assert re.findall(r"`=[A-Z_]+\([^`]*\n[^`]*`", README) == []


def test_every_function_is_called_by_an_example_that_runs():
    """Each function in ``udfs.UDFS`` appears in at least one README formula, which the test
    above runs on the shipped workbook."""
    called = {name for name in UDF for formula, _ in examples() if f"{name}(" in formula}
    assert sorted(set(UDF) - called) == []


@pytest.mark.parametrize("name", GRAMMAR)
def test_each_grammar_function_has_an_example_with_its_result(name):
    assert set(GRAMMAR) <= set(UDF)
    assert any(f"{name}(" in formula and shown is not None for formula, shown in examples()), \
        f"README has no example of {name} with its result"
