"""The openpyxl engine: refresh the Report of a workbook file (``xlflows refresh``).

One refresh is a chain of named steps, each timed for the benchmark:

1. ``safety``  — the zip and XML checks of :mod:`xlflows.report.safety` and the inventory of
   :mod:`xlflows.report.ooxml` (what openpyxl would drop), before openpyxl parses anything;
2. ``load``    — ``openpyxl.load_workbook`` (``keep_vba`` for ``.xlsm``);
3. ``read``    — the data sheets through :class:`WorkbookSource` (a ``SheetSource``);
4. ``compute`` — :func:`xlflows.report.compute.plan_refresh`, which computes everything first;
5. ``write``   — :func:`apply_plan` sets the planned cell values and number formats;
6. ``save``    — openpyxl serialises the workbook into memory;
7. ``post-process`` — dynamic-array metadata and cached formula values put back, entries written
   in a stable order with fixed times to a temporary file beside the target, then
   ``os.replace``.

Any failure raises :class:`~xlflows.errors.WorkbookError` (or ``InputError``) before the target
is touched, and the temporary file is removed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import tempfile
import time
import warnings
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import openpyxl
from openpyxl.cell.cell import MergedCell
from openpyxl.styles.cell_style import StyleArray
from openpyxl.styles.numbers import BUILTIN_FORMATS_MAX_SIZE, BUILTIN_FORMATS_REVERSE
from openpyxl.utils.indexed_list import IndexedList
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula
from openpyxl.writer.excel import ExcelWriter

from xlflows.errors import WorkbookError, XlflowsError, first_line
from xlflows.excel.convert import to_date
from xlflows.report import ooxml, safety
from xlflows.report.compute import plan_refresh
from xlflows.report.data import FLOWS_SHEET
from xlflows.report.layout import install_template
from xlflows.report.plan import REPORT_SHEET

#: Extensions the engine reads and writes; ``.xlsm`` is loaded with its VBA kept.
EXTENSIONS = (".xlsx", ".xlsm")

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
    losses: list[str]          # what openpyxl dropped (only non-empty when written to --output)
    timings: Timings


class WorkbookSource:
    """A ``SheetSource`` over a workbook loaded with openpyxl.

    Formula cells are read through the value Excel cached when it last saved the file. That needs a
    second, ``data_only`` load, made only when a sheet being read holds formulas.

    Parameters
    ----------
    wb : openpyxl.Workbook
        Loaded with formulas (the workbook that will be written).
    path : Path
        The file it came from (for the ``data_only`` load).
    scan : ooxml.PackageScan
        The file's inventory (which sheets hold formulas).
    timings : Timings, optional
        ``rows`` adds its time to the ``read`` step.
    """

    def __init__(self, wb, path: Path, scan: ooxml.PackageScan, timings: Timings | None = None):
        self._wb = wb
        self._path = path
        self._scan = scan
        self._cached = None
        self._timings = timings or Timings()
        self._names = {name.lower(): name for name in wb.sheetnames}

    def sheet_names(self) -> list[str]:
        """Sheet titles in workbook order."""
        return list(self._wb.sheetnames)

    def rows(self, sheet: str) -> list[list[object]]:
        """Cell values from A1 to the end of the used range (see the SheetSource contract)."""
        with self._timings.step("read"):
            if sheet not in self._wb.sheetnames:
                raise WorkbookError(f"the workbook has no sheet named '{sheet}'; sheets are "
                                    + ", ".join(f"'{n}'" for n in self._wb.sheetnames))
            ws = self._wb[sheet]
            bounds = dict(min_row=1, min_col=1, max_row=ws.max_row, max_col=ws.max_column)
            if not self._scan.has_formulas(sheet) and sheet in self._scan.cells:
                return [list(row) for row in ws.iter_rows(values_only=True, **bounds)]
            return [[self._value(sheet, cell) for cell in row] for row in ws.iter_rows(**bounds)]

    def named_cell(self, name: str) -> tuple[str, str] | None:
        """The ``(sheet, "B4")`` a workbook-level defined name points at, or None."""
        wanted = name.lower()
        for key, defined in self._wb.defined_names.items():
            if key.lower() != wanted:
                continue
            try:
                destinations = list(defined.destinations)
            except Exception:  # a name holding a formula or constant, not a cell
                return None
            if len(destinations) != 1:
                return None
            sheet, ref = destinations[0]
            ref = ref.replace("$", "")
            if ":" in ref:
                first, last = ref.split(":", 1)
                if first != last:
                    return None
                ref = first
            return sheet, ref
        return None

    def _value(self, sheet: str, cell) -> object:
        value = cell.value
        is_formula = cell.data_type == "f" or isinstance(value, (ArrayFormula, DataTableFormula))
        if not is_formula:
            return value
        cached = self._cached_workbook()[sheet][cell.coordinate].value
        saved = self._scan.cells.get(sheet)
        if cached is None and saved and saved.cached.get(cell.coordinate) == (b"str", b""):
            return None  # the formula's saved result is an empty text: a blank cell
        if cached is None:
            raise WorkbookError(
                f"{sheet}!{cell.coordinate} is a formula with no saved value; open and save the "
                "workbook in Excel, or replace it with its value")
        return cached

    def _cached_workbook(self):
        if self._cached is None:
            self._cached = _load(self._path, keep_vba=False, data_only=True)
        return self._cached


def refresh_file(path: str | os.PathLike, *, output: str | os.PathLike | None = None,
                 weeks: int | None = None, cycles: int | None = None, as_of: object = None,
                 warn: Warn | None = None, lay_template: bool = False,
                 planner: Callable[..., object] | None = None) -> RefreshResult:
    """Refresh the Report of a workbook file, in place or into ``output``.

    Parameters
    ----------
    path : path-like
        An ``.xlsx``/``.xlsm`` workbook with ``Flows``, ``Policy rate`` and ``MMF assets`` sheets.
    output : path-like, optional
        Write here instead of over ``path``; must keep the input's extension. Content openpyxl
        cannot keep (see :func:`xlflows.report.ooxml.scan_package`) is then only warned about.
    weeks, cycles : int, optional
        Override the settings cells for this run (not written into them).
    as_of : date-like, optional
        Cut every series at this date (default: the latest week of ``Flows``).
    warn : callable, optional
        Receives one line per warning (default: ignore).
    lay_template : bool, default False
        Lay the built-in template on the existing (empty) Report sheet first; the workbook build
        uses it. Without it the template is laid only when the workbook has no Report sheet.
    planner : callable, optional
        Default :func:`xlflows.report.compute.plan_refresh`:
        ``planner(source, weeks=, cycles=, as_of=) -> RefreshPlan``; tests pass a stand-in.

    Returns
    -------
    RefreshResult

    Raises
    ------
    XlflowsError
        Anything wrong with the file, its sheets or the settings; nothing is written then.
    """
    timings = Timings()
    source_path = Path(path)
    target = Path(output) if output is not None else source_path
    _check_extensions(source_path, target)
    in_place = output is None or _same_file(source_path, target)

    with timings.step("safety"):
        package = safety.open_package(source_path)
        try:
            scan = ooxml.scan_package(package)
        except XlflowsError:
            raise
        except Exception as exc:
            raise WorkbookError(f"{source_path.name} cannot be read ({_first_line(exc)}); "
                                "the file is damaged") from None
        finally:
            package.close()
    if scan.losses and in_place:
        raise WorkbookError(_loss_message(source_path.name, scan.losses))

    keep_vba = source_path.suffix.lower() == ".xlsm"
    with timings.step("load"):
        wb = _load(source_path, keep_vba=keep_vba, data_only=False)
    try:
        source = WorkbookSource(wb, source_path, scan, timings)
        if REPORT_SHEET not in wb.sheetnames or lay_template:
            with timings.step("write"):
                _add_report(wb, source)
        start = time.perf_counter()
        read_before = timings.steps.get("read", 0.0)
        plan = (planner or plan_refresh)(source, weeks=weeks, cycles=cycles, as_of=as_of)
        spent = time.perf_counter() - start - (timings.steps.get("read", 0.0) - read_before)
        timings.steps["compute"] = timings.steps.get("compute", 0.0) + spent
        with timings.step("write"):
            apply_plan(wb, plan)
        stamp = _modified_stamp(plan, as_of, source)
        touched = ({write.sheet for write in plan.writes} | set(plan.hidden_sheets)
                   | {REPORT_SHEET} | (set(wb.sheetnames) - set(scan.sheet_parts)))
        losses = save_workbook(wb, scan, target, modified=stamp, allow_losses=not in_place,
                               timings=timings, touched=touched)
    finally:
        _close(wb)
    if losses and warn is not None:
        warn(f"{target.name} was written without " + ", ".join(losses)
             + " (openpyxl cannot keep them); the input is unchanged")
    return RefreshResult(target, list(plan.summary), len(plan.writes), losses, timings)


def apply_plan(wb, plan) -> None:
    """Create the plan's hidden sheets, then write its values and number formats.

    Parameters
    ----------
    wb : openpyxl.Workbook
    plan : RefreshPlan
        ``writes`` (CellWrite: sheet, cell, value, number_format) and ``hidden_sheets``.

    Raises
    ------
    WorkbookError
        A write aimed at a missing sheet or inside merged cells.
    """
    for name in plan.hidden_sheets:
        if name not in wb.sheetnames:
            wb.create_sheet(name).sheet_state = "hidden"
    for write in plan.writes:
        if write.sheet not in wb.sheetnames:
            raise WorkbookError(f"{write.sheet}!{write.cell}: the workbook has no sheet "
                                f"'{write.sheet}' to write the report into")
        ws = wb[write.sheet]
        try:
            cell = ws[write.cell]
        except (ValueError, KeyError, IndexError):
            raise WorkbookError(f"{write.sheet}!{write.cell} is not a cell reference; "
                                "expected one cell such as B7") from None
        if isinstance(cell, tuple):
            raise WorkbookError(f"{write.sheet}!{write.cell} is a range; expected one cell")
        if isinstance(cell, MergedCell):
            raise WorkbookError(f"{write.sheet}!{write.cell} is inside merged cells; unmerge "
                                "them or move the report cell")
        # The value first: assigning a date to a cell without a date format sets openpyxl's
        # default date format, which the plan's format (even "General") then replaces.
        cell.value = write.value
        if isinstance(write.value, str) and write.value.startswith("="):
            cell.data_type = "s"  # report text, never a formula
        if write.number_format is not None:
            cell.number_format = write.number_format


def save_workbook(wb, scan: ooxml.PackageScan, target: Path, *, modified: dt.datetime,
                  allow_losses: bool, timings: Timings | None = None,
                  touched: set[str] | None = None) -> list[str]:
    """Save atomically and deterministically, restoring what openpyxl drops.

    Parameters
    ----------
    wb : openpyxl.Workbook
    scan : ooxml.PackageScan
        Inventory of the file ``wb`` was loaded from.
    target : Path
        Replaced only once the new file is complete.
    modified : datetime
        Written as ``docProps/core.xml`` modified date (the report's as-of date).
    allow_losses : bool
        False: refuse (WorkbookError) when the input had content openpyxl did not write back.
    timings : Timings, optional
        Receives ``save`` and ``post-process``.
    touched : set of str, optional
        Sheets written since loading (default: all; knowing them saves a pass over every cell).

    Returns
    -------
    list of str
        What was lost (empty unless ``allow_losses``).
    """
    timings = timings or Timings()
    with timings.step("save"):
        _reload_stable(wb, touched)
        wb.properties.modified = modified
        if wb.properties.creator is None:
            # openpyxl reads a missing creator as "openpyxl": write that now, so that the next
            # refresh writes the same bytes.
            wb.properties.creator = "openpyxl"
        collector = ooxml.PartCollector()
        try:
            ExcelWriter(wb, collector).save()
        except XlflowsError:
            raise
        except Exception as exc:
            raise WorkbookError(f"{target.name} cannot be written ({_first_line(exc)})") from None
    with timings.step("post-process"):
        parts = collector.parts
        out_sheets = {ws.path.lstrip("/"): ws.title for ws in wb.worksheets}
        ooxml.restore_parts(parts, scan, out_sheets)
        ooxml.canonical_content_types(parts)
        ooxml.core_modified(parts, modified.strftime("%Y-%m-%dT%H:%M:%SZ"))
        losses = list(scan.losses) + ooxml.dropped_parts(scan, parts)
        if losses and not allow_losses:
            raise WorkbookError(_loss_message(target.name, losses))
        _write_atomically(parts, target)
    return losses


def _reload_stable(wb, touched: set[str] | None = None) -> None:
    """Put the workbook in the form openpyxl gives when it reads the file back.

    Saving that form, loading it and saving again gives the same bytes, so a refresh of a file
    xlflows wrote changes nothing. openpyxl reorders custom number formats by first use when it
    reads a file (and re-indexes cell formats in place, which makes it append duplicate cell
    formats on the next save), and it does not read back a chart's ``style``. Here the number
    formats are put in first-use order now, unused ones dropped, duplicate cell formats merged,
    and chart styles cleared. ``touched``: the sheets written since loading (None: all).
    """
    for ws in wb.worksheets:
        for chart in getattr(ws, "_charts", []):
            chart.style = None

    old_formats = list(wb._number_formats)
    formats = IndexedList()

    def new_id(old: int) -> int:
        if old < BUILTIN_FORMATS_MAX_SIZE:
            return old
        code = old_formats[old - BUILTIN_FORMATS_MAX_SIZE]
        if code in BUILTIN_FORMATS_REVERSE:
            return BUILTIN_FORMATS_REVERSE[code]
        return formats.add(code) + BUILTIN_FORMATS_MAX_SIZE

    # Cells of sheets read from the file hold formats already registered; only sheets written
    # since (the Report, new sheets) can hold new ones.
    sheets = [ws for ws in wb.worksheets if touched is None or ws.title in touched]
    fresh = [cell._style for ws in sheets for cell in ws._cells.values() if cell._style is not None]
    remap: dict[int, int] = {}
    styles = IndexedList()
    for array in list(wb._cell_styles) + fresh:
        if array.numFmtId not in remap:
            remap[array.numFmtId] = new_id(array.numFmtId)
        copy = StyleArray(array)
        copy.numFmtId = remap[array.numFmtId]
        styles.add(copy)
    if any(old != new for old, new in remap.items()):
        for ws in wb.worksheets:
            for cell in ws._cells.values():
                style = cell._style
                if style is not None and remap.get(style.numFmtId, style.numFmtId) != style.numFmtId:
                    copy = StyleArray(style)
                    copy.numFmtId = remap[style.numFmtId]
                    cell._style = copy
    wb._number_formats = formats
    wb._cell_styles = styles


def _write_atomically(parts: dict[str, bytes], target: Path) -> None:
    folder = target.parent if str(target.parent) else Path(".")
    try:
        handle, temp_name = tempfile.mkstemp(prefix=".~xlflows-", suffix=target.suffix, dir=folder)
    except OSError as exc:
        raise WorkbookError(f"cannot write in {folder} ({exc.strerror or 'permission denied'})"
                            ) from None
    os.close(handle)
    temp = Path(temp_name)
    try:
        ooxml.write_zip(parts, temp)
        try:
            os.chmod(temp, target.stat().st_mode & 0o7777)
        except FileNotFoundError:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(temp, 0o666 & ~umask)
        os.replace(temp, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            temp.unlink()
        if isinstance(exc, PermissionError):
            raise WorkbookError(f"cannot replace {target} ({exc.strerror or 'permission denied'}); "
                                "if it is open in Excel, close it and try again") from None
        if isinstance(exc, OSError):
            raise WorkbookError(f"cannot write {target} ({exc.strerror or exc})") from None
        raise


def _load(path: Path, *, keep_vba: bool, data_only: bool):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return openpyxl.load_workbook(path, keep_vba=keep_vba, data_only=data_only)
    except XlflowsError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise WorkbookError(f"{path.name} is damaged ({_first_line(exc)}); "
                            "expected a complete .xlsx/.xlsm file") from None
    except Exception as exc:
        raise WorkbookError(f"{path.name} cannot be read as a workbook ({_first_line(exc)})"
                            ) from None


def _add_report(wb, source: WorkbookSource) -> None:
    """Lay the built-in template on the Report sheet (added first when missing)."""
    if FLOWS_SHEET not in wb.sheetnames:
        raise WorkbookError(f"the workbook has no '{FLOWS_SHEET}' sheet; expected weekly flows "
                            "with 'Week ending' in A1 and one column per category")
    header = source.rows(FLOWS_SHEET)[0]
    categories = [str(v).strip() for v in header[1:] if v is not None and str(v).strip()]
    if REPORT_SHEET in wb.sheetnames:
        ws = wb[REPORT_SHEET]
    else:
        ws = wb.create_sheet(REPORT_SHEET, 0)
    install_template(wb, ws, categories)


def _modified_stamp(plan, as_of: object, source: WorkbookSource) -> dt.datetime:
    """The as-of date of the report, as a datetime at midnight."""
    value = getattr(plan, "as_of", None)
    if value is None and as_of is not None:
        value = as_of
    if value is None:
        dates = [row[0] for row in source.rows(FLOWS_SHEET)[1:] if row and row[0] is not None]
        value = max((d for d in dates if isinstance(d, (dt.date, dt.datetime))), default=None)
    if value is None:
        return dt.datetime(2000, 1, 1)
    stamp = to_date(value, "as_of")
    return dt.datetime(stamp.year, stamp.month, stamp.day)


def _check_extensions(source: Path, target: Path) -> None:
    suffix = source.suffix.lower()
    if suffix not in EXTENSIONS:
        raise WorkbookError(f"{source.name} has extension '{source.suffix}'; expected .xlsx or "
                            ".xlsm")
    if target.suffix.lower() != suffix:
        raise WorkbookError(f"--output {target.name} has extension '{target.suffix}'; expected "
                            f"'{source.suffix}' like the input (an .xlsm must stay macro-enabled)")


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (b.exists() and os.path.samefile(a, b))
    except OSError:
        return False


def _loss_message(name: str, losses: list[str]) -> str:
    return (f"{name}: refreshing would lose " + "; ".join(losses)
            + " (openpyxl cannot keep them); nothing was written. Write a copy with --output")


def _close(wb) -> None:
    archive = getattr(wb, "vba_archive", None)
    if archive is not None:
        with contextlib.suppress(Exception):
            archive.close()


def _first_line(exc: BaseException) -> str:
    return first_line(exc) or "unreadable data"
