"""Refresh the Report of a workbook file (``xlflows refresh``) with the file engine.

A refresh touches only what it owns. It is a chain of named steps, each timed for the benchmark:

1. ``open``    — the workbook locked and checked by :mod:`xlflows.ooxml` (zip and XML safety,
   structure); a workbook without a Report sheet, or with an empty one, gets the built-in
   template grafted in (:mod:`xlflows.report.graft`);
2. ``read``    — the sheets the planner asks for, read column by column (never a whole workbook);
3. ``compute`` — :func:`xlflows.report.compute.plan_refresh`, which computes everything first;
4. ``write``   — every write checked, the Report and template store patched at the cell level,
   styles appended to, every other part copied as stored, the new file synced and moved into
   place while the workbook is still locked.

Any failure raises :class:`~xlflows.errors.WorkbookError` (or ``InputError``) before the target
is touched; a temporary file is never left behind.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from xlflows import ooxml
from xlflows.a1 import MAX_COL, MAX_ROW, split_ref
from xlflows.errors import WorkbookError
from xlflows.excel.arguments import to_date
from xlflows.report import graft
from xlflows.report.compute import plan_refresh
from xlflows.report.data import FLOWS_SHEET
from xlflows.report.plan import TEMPLATE_COLUMNS, TEMPLATE_SHEET, RefreshPlan

#: The most cells one template-store row may say its placeholder last wrote (a crafted
#: ``A1:XFD1048576`` would otherwise make the refresh clear 17 billion cells).
MAX_EXTENT_CELLS = 100_000
#: The file name the workbook's Refresh button needs (xlwings' SampleCall imports it).
BUTTON_NAME = "xlflows.xlsm"
#: Kept for callers of the old module: the engine's entry point.
write_cells = ooxml.write_cells
#: What lays the built-in Report on a workbook without one (None:
#: :func:`xlflows.report.layout.install_template`, imported only when needed); tests stand in.
install_template = None

Warn = Callable[[str], None]


@dataclass
class Timings:
    """Seconds spent per step of a refresh (see the module docstring for the steps)."""

    steps: dict[str, float] = field(default_factory=dict)

    @contextlib.contextmanager
    def step(self, name: str) -> Iterator[None]:
        """Add the time spent in the ``with`` block to ``name``."""
        start = time.perf_counter()
        try:
            yield
        finally:
            self.steps[name] = self.steps.get(name, 0.0) + time.perf_counter() - start

    @property
    def total(self) -> float:
        """Seconds over all steps."""
        return sum(self.steps.values())


@dataclass
class RefreshResult:
    """What a file refresh did."""

    output: Path
    summary: list[str]
    cells_written: int
    timings: Timings


class _TimedSource:
    """The book as the planner's sheet source: the time of each read goes to the ``read``
    step, and the template store is read in its own columns only."""

    def __init__(self, book: ooxml.BookFile, timings: Timings):
        self._book = book
        self._timings = timings

    def sheet_names(self) -> list[str]:
        return self._book.sheet_names()

    def rows(self, sheet: str) -> list[list[object]]:
        with self._timings.step("read"):
            if sheet == TEMPLATE_SHEET:
                return self._book.rows(sheet, last_column=TEMPLATE_COLUMNS)
            return self._book.rows(sheet)

    def columns(self, sheet: str):
        with self._timings.step("read"):
            return self._book.columns(sheet)

    def named_cell(self, name: str) -> tuple[str, str] | None:
        return self._book.named_cell(name)


def refresh_file(path: str | os.PathLike, *, output: str | os.PathLike | None = None,
                 weeks: int | None = None, cycles: int | None = None, as_of: object = None,
                 warn: Warn | None = None,
                 planner: Callable[..., RefreshPlan] | None = None) -> RefreshResult:
    """Refresh the Report of a workbook file, in place or into ``output``.

    Parameters
    ----------
    path : path-like
        An ``.xlsx``/``.xlsm`` workbook with ``Flows``, ``Policy rate`` and ``MMF assets`` sheets.
    output : path-like, optional
        Write here instead of over ``path``; must keep the input's extension.
    weeks, cycles : int, optional
        Override the settings cells for this run (not written into them).
    as_of : date-like, optional
        Cut every series at this date (default: the latest week of ``Flows``).
    warn : callable, optional
        Receives one line per warning (default: ignore).
    planner : callable, optional
        Default :func:`xlflows.report.compute.plan_refresh`:
        ``planner(source, weeks=, cycles=, as_of=) -> RefreshPlan``; tests pass a stand-in.

    Raises
    ------
    XlflowsError
        Anything wrong with the file, its sheets or the settings; nothing is written then.
    """
    timings = Timings()
    source_path, target = ooxml.target_paths(path, output)
    with ooxml.Transaction(source_path, target) as transaction:
        with timings.step("open"):
            book = ooxml.open_book(source_path)
        try:
            with timings.step("open"):
                ooxml.check_content_type(book, source_path)
                graft.ensure_report(book, install_template)
            reader = _TimedSource(book, timings)
            _check_template_store(reader)
            start = time.perf_counter()
            read_before = timings.steps.get("read", 0.0)
            plan = (planner or plan_refresh)(reader, weeks=weeks, cycles=cycles, as_of=as_of)
            spent = time.perf_counter() - start - (timings.steps.get("read", 0.0) - read_before)
            timings.steps["compute"] = timings.steps.get("compute", 0.0) + spent
            stamp = _modified_stamp(plan, as_of, reader)
            with timings.step("write"):
                written = book.write(transaction, plan.writes, hidden_sheets=plan.hidden_sheets,
                                     modified=stamp)
        finally:
            book.close()
    if warn is not None and output is not None:
        _warn_button_name(Path(output), book, warn)
    return RefreshResult(Path(output) if output is not None else source_path,
                         list(plan.summary), written.cells, timings)


def _check_template_store(source) -> None:
    """Refuse a template store naming cells outside the grid or an implausibly large extent,
    before the planner expands them (quickly, without building the cells)."""
    if TEMPLATE_SHEET not in source.sheet_names():
        return
    for i, row in enumerate(source.rows(TEMPLATE_SHEET)[1:], start=2):
        row = list(row[:3]) + [None] * (3 - len(row[:3]))
        ref, extent = row[0], row[2]
        if isinstance(ref, str) and _beyond_grid(ref.strip()):
            raise WorkbookError(f"{TEMPLATE_SHEET}!A{i} is '{ref.strip()}', beyond Excel's last "
                                "cell XFD1048576; expected a Report cell such as B7")
        if isinstance(extent, str) and extent:
            first, _, last = extent.partition(":")
            if _beyond_grid(first) or _beyond_grid(last or first):
                raise WorkbookError(f"{TEMPLATE_SHEET}!C{i} is '{extent}', beyond Excel's last "
                                    "cell XFD1048576; expected the cells last written, such as "
                                    "B7:D9 (or blank)")
            size = _area_size(first, last or first)
            if size is not None and size > MAX_EXTENT_CELLS:
                raise WorkbookError(f"{TEMPLATE_SHEET}!C{i} is '{extent}' ({size:,} cells); "
                                    f"expected the cells last written, at most "
                                    f"{MAX_EXTENT_CELLS:,} (delete the row or fix it)")


def _beyond_grid(ref: str) -> bool:
    cell = split_ref(ref)
    return cell is not None and (cell[0] > MAX_ROW or cell[1] > MAX_COL or cell[0] < 1)


def _area_size(first: str, last: str) -> int | None:
    a, b = split_ref(first), split_ref(last)
    if a is None or b is None:
        return None
    return (abs(b[0] - a[0]) + 1) * (abs(b[1] - a[1]) + 1)


def _modified_stamp(plan: RefreshPlan, as_of: object, source) -> dt.datetime:
    """The as-of date of the report, as a datetime at midnight."""
    value: object = plan.as_of
    if value is None and as_of is not None:
        value = as_of
    if value is None and FLOWS_SHEET in source.sheet_names():
        dates = [row[0] for row in source.rows(FLOWS_SHEET)[1:] if row and row[0] is not None]
        value = max((d for d in dates if isinstance(d, (dt.date, dt.datetime))), default=None)
    if value is None:
        return dt.datetime(2000, 1, 1)
    stamp = to_date(value, "as_of")
    return dt.datetime(stamp.year, stamp.month, stamp.day)


def _warn_button_name(output: Path, book: ooxml.BookFile, warn: Warn) -> None:
    if output.suffix.lower() == ".xlsm" and book.has_vba and output.name.lower() != BUTTON_NAME:
        stem = output.name[: -len(output.suffix)]
        warn(f"{output.name}: its Refresh button runs `import {stem}` (xlwings imports a module "
             f"named after the workbook) and works only in a file named {BUTTON_NAME}; the "
             "command line refreshes it under any name")
