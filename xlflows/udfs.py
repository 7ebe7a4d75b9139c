"""The Excel functions (xlwings UDFs): normalise the ranges -> call the core -> shape the spill.

Each function is thin: its arguments go through the one normalisation path in
:mod:`xlflows.excel.convert`, the work is done by :mod:`xlflows.core`, and the result is shaped by
:mod:`xlflows.excel.shape`. :func:`cell_errors` turns a problem into text that starts with
:data:`~xlflows.errors.CELL_PREFIX` (``=ISNUMBER(A1)`` / ``=ISTEXT(A1)`` tell the two apart);
nothing is raised into Excel, no traceback reaches a cell.

Argument names are legal VBA identifiers (Import Functions writes a VBA wrapper with these names;
``end``, ``date``, ``type``… would stop the whole module compiling). Excel shows the names in
lower case (``=flow_streak(B2:B200)``). Every range argument is read with ``err_to_str=True`` so
that error cells arrive as ``"#N/A"`` and are refused, never read as blanks.

Definitions live on the core functions; the docstrings here are the Function Wizard's one line.

Importing this module loads only the declarations (xlwings reads them to write the VBA
wrappers); the conversion and the core are imported by the first call (:func:`_lib`), so that
``import xlflows.udfs`` adds little to ``import xlwings``.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable

import xlwings as xw

from xlflows.core import constants as C
from xlflows.errors import CELL_PREFIX, InputError, XlflowsError, first_line

#: Function Wizard category of every xlflows function.
CATEGORY = "xlflows"
#: Number format xlwings Lite/Server apply to returned dates (classic xlwings ignores it).
DATE_FORMAT = "yyyy-mm-dd"

#: The dates an Excel cell can show (serial 61 .. 2958465); a result outside is refused.
EXCEL_FIRST_DATE = dt.datetime(1900, 3, 1)
EXCEL_LAST_DATE = dt.datetime(9999, 12, 31)
#: More months than separate Excel's first and last dates: such an average cannot be projected.
_MAX_MONTHS = 12 * (9999 - 1900 + 1)

#: Function-Wizard help for every argument, declared once (each ≤ 255 characters).
ARG_DOCS = {
    "flows": "Weekly net flows in $bn (+ inflow, − outflow), one row or column, oldest first unless "
             "dates are given; leading and trailing blanks are ignored.",
    "dates": "Week-ending dates of the flows, same length (dates, serial numbers or ISO text); "
             "rows are sorted by date.",
    "weeks": "Window length in weeks, a whole number of at least 1.",
    "min_weeks": "Shortest run to list, in weeks (default 1 = every run).",
    "rate_dates": "Dates of the policy-rate observations (daily, or only the change dates).",
    "rates": "Policy rate in percent (or, with kind \"change\", the change in points); rows with a "
             "blank rate are skipped.",
    "min_hikes": "Fewest hikes for a cycle to count (default 3).",
    "min_rise_bp": "Smallest rise from the level before the first hike to the peak, in basis "
                   "points (default 100).",
    "kind": "\"level\" (default): rates are levels; \"change\": rates are changes.",
    "asset_dates": "Dates of the money-fund asset observations.",
    "assets": "Money-fund assets (a level, e.g. $bn); rows with a blank value are skipped.",
    "horizon_months": "Months after the last hike to look for the peak (default 36).",
    "measure": "\"yoy\" (default): peak year-over-year growth; \"additions\": largest 12-month "
               "change.",
    "last_hike": "Date of the current cycle's last hike.",
    "months": "Months from last hike to peak in earlier cycles: a number or a range.",
    "level_dates": "Dates of the observations.",
    "values": "Levels (e.g. fund assets) on those dates; rows with a blank value are skipped.",
    "start_date": "Growth from the last observation on or before this date.",
    "end_date": "Growth to the last observation on or before this date (default: the latest).",
    "annualize": "TRUE to annualize: (v1/v0)^(365.25/days) − 1 (default FALSE).",
    "current": "The current value, e.g. this cycle's YoY growth.",
    "history": "The values to compare with, e.g. earlier cycles' peak YoY growth.",
    "method": "\"mean\" (default): high when current/mean > threshold; \"z\": by |z-score| > "
              "threshold.",
    "threshold": "Verdict threshold (default 1 for \"mean\", 2 for \"z\").",
    "rank_period": "Blank or \"all\" (default): rank among every earlier window; \"year\", "
                   "\"quarter\" or \"month\": only windows ending in the latest week's period.",
    "n": "Weeks to look at, counted back from the latest (at most the weeks of data).",
    "direction": "\"inflow\" (default): count weeks with flows > 0; \"outflow\": < 0; \"flat\": "
                 "exactly 0.",
    "which": "\"current\" (default): the run the latest week belongs to; \"previous\": the run "
             "before it (the streak that just ended).",
    "period": "\"year\" (default), \"quarter\" or \"month\": the calendar period of as_of, "
              "summed up to as_of.",
    "as_of": "Date the period runs to (default: the latest week); a date within the data.",
    "week_assets": "Assets at the end of each week, row by row with the flows and in the same "
                   "unit; blank where missing (the next week's share is then blank).",
    "pct_weeks": "1 (default): each week's share; N: the last N weeks compounded, "
                 "(1 + share) multiplied over N weeks − 1.",
    "start": "A date: the flows of the weeks dated after it; or \"trough\": since the lowest "
             "point of the cumulative flows.",
    "lookback": "Compare with the last this many earlier windows only (default: every earlier "
                "window).",
}


@functools.cache
def _lib():
    """The modules that do the work, imported on the first call of any UDF.

    Returns a namespace with the Excel layer's ``convert`` (ranges), ``args`` (single values) and
    ``shape``, and the core modules ``flows``, ``cycles``, ``growth``, ``ranks``, ``runs``,
    ``periods`` and ``assets``.
    """
    import types

    from xlflows.core import assets, cycles, flows, growth, periods, ranks, runs
    from xlflows.excel import arguments, convert, shape
    return types.SimpleNamespace(convert=convert, args=arguments, shape=shape, flows=flows,
                                 cycles=cycles, growth=growth, ranks=ranks, runs=runs,
                                 periods=periods, assets=assets)


def _arg(name: str, doc_key: str | None = None) -> Callable:
    """``@xw.arg`` with the shared help text and ``err_to_str=True`` (error cells as text)."""
    return xw.arg(name, doc=ARG_DOCS[doc_key or name], err_to_str=True)


_CLASS_REPR = re.compile(r"<class '[^']*'>,?\s*")


def _problem_text(exc: BaseException) -> str:
    """First line of an unexpected exception's message, short, without its type or traceback."""
    text = first_line(_CLASS_REPR.sub("", str(exc)).strip(" []()\n"))
    if not text:
        text = "an internal calculation failed without a description"
    return text if len(text) <= 200 else text[:197] + "..."


def cell_errors(fn: Callable) -> Callable:
    """Return ``CELL_PREFIX + message`` instead of raising, so the cell shows a readable reason.

    ``XlflowsError`` messages are shown as they are; anything else becomes
    ``"unexpected problem, please report: <first line>"``. The wrapper keeps the signature
    (``functools.wraps``), which xlwings reads for the argument names and defaults.
    """

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except XlflowsError as exc:
            return CELL_PREFIX + str(exc)
        except Exception as exc:  # noqa: BLE001 - nothing may escape into Excel
            return CELL_PREFIX + "unexpected problem, please report: " + _problem_text(exc)

    return wrapper


def _dated_flows(flows, dates):
    """Flows whose dates are required (a single blank cell for ``dates`` is refused)."""
    if dates is None:
        raise InputError("dates: blank, expected the week-ending dates of the flows")
    return _lib().convert.flow_series(flows, dates)


# ----------------------------------------------------------------------------------- flows


@xw.func(category=CATEGORY)
@_arg("flows")
@_arg("dates")
@cell_errors
def flow_streak(flows, dates=None):
    """Weeks in the latest run: +k after k straight inflow weeks, −k after k outflow weeks, 0 when the latest week is flat."""
    lib = _lib()
    return int(lib.flows.streak(lib.convert.flow_series(flows, dates).series))


@xw.func(category=CATEGORY)
@_arg("flows")
@_arg("dates")
@cell_errors
def flow_first_in(flows, dates=None):
    """Rows back to the previous week with the latest week's direction (8 = "first outflow in 8 weeks"), 1 for a continuing run, 0 if flat, or "first on record"."""
    lib = _lib()
    rows_back = lib.flows.first_in(lib.convert.flow_series(flows, dates).series)
    return C.FIRST_ON_RECORD if rows_back is None else int(rows_back)


@xw.func(category=CATEGORY)
@_arg("dates")
@_arg("flows")
@_arg("weeks")
@xw.ret(date_format=DATE_FORMAT)
@cell_errors
def flow_largest_since(dates, flows, weeks=1):
    """End date of the latest earlier window of this many weeks at least as large in the same direction, or "record" when none, "flat" when the latest sum is 0."""
    lib = _lib()
    weeks = lib.args.to_int(weeks, "weeks", default=1, minimum=1)
    look = lib.flows.largest_since(_dated_flows(flows, dates).series, weeks)
    if look.direction == 0:
        return C.FLAT
    if look.since is None:
        return C.RECORD
    return lib.shape.scalar(look.since)


@xw.func(category=CATEGORY)
@_arg("flows")
@_arg("weeks")
@_arg("dates")
@cell_errors
def flow_rolling(flows, weeks, dates=None):
    """Trailing sums over this many weeks, one per input row (in input order), blank for the first weeks − 1 weeks."""
    lib = _lib()
    weeks = lib.args.to_int(weeks, "weeks", minimum=1)
    data = lib.convert.flow_series(flows, dates)
    sums = lib.flows.rolling(data.series, weeks)
    return lib.shape.in_input_order(sums.to_numpy(dtype=float), data.positions, data.cells)


@xw.func(category=CATEGORY)
@_arg("dates")
@_arg("flows")
@_arg("min_weeks")
@xw.ret(date_format=DATE_FORMAT)
@cell_errors
def flow_streaks(dates, flows, min_weeks=1):
    """Table of runs of same-direction weeks, oldest first: Start, End, Weeks, Direction (inflow, outflow or flat), Total."""
    lib = _lib()
    min_weeks = lib.args.to_int(min_weeks, "min_weeks", default=1, minimum=1)
    runs = lib.flows.streak_columns(_dated_flows(flows, dates).series, min_weeks)
    return lib.shape.table(runs, C.STREAK_COLUMNS)


# ----------------------------------------------------------------------------------- cycles


def _cycles(rate_dates, rates, min_hikes, min_rise_bp, kind, dates_name: str):
    lib = _lib()
    levels = lib.convert.level_series(rate_dates, rates, dates_name=dates_name,
                                      values_name="rates")
    return lib.cycles.cycle_columns(
        levels,
        min_hikes=lib.args.to_int(min_hikes, "min_hikes", default=C.DEFAULT_MIN_HIKES, minimum=1),
        min_rise_bp=lib.args.to_number(min_rise_bp, "min_rise_bp",
                                       default=C.DEFAULT_MIN_RISE_BP, minimum=0),
        kind=lib.args.to_choice(kind, "kind", lib.cycles.RATE_KINDS, default="level"),
    )


@xw.func(category=CATEGORY)
@_arg("dates", "rate_dates")
@_arg("rates")
@_arg("min_hikes")
@_arg("min_rise_bp")
@_arg("kind")
@xw.ret(date_format=DATE_FORMAT)
@cell_errors
def hike_cycles(dates, rates, min_hikes=C.DEFAULT_MIN_HIKES, min_rise_bp=C.DEFAULT_MIN_RISE_BP,
                kind="level"):
    """Table of policy-rate hiking cycles: First hike, Last hike, Hikes, Rise (bp), Peak rate, First cut (blank while open)."""
    lib = _lib()
    found = _cycles(dates, rates, min_hikes, min_rise_bp, kind, "dates")
    return lib.shape.table(found, C.CYCLE_COLUMNS)


@xw.func(category=CATEGORY)
@_arg("rate_dates")
@_arg("rates")
@_arg("asset_dates")
@_arg("assets")
@_arg("min_hikes")
@_arg("min_rise_bp")
@_arg("horizon_months")
@_arg("measure")
@xw.ret(date_format=DATE_FORMAT)
@cell_errors
def cycle_inflows(rate_dates, rates, asset_dates, assets, min_hikes=C.DEFAULT_MIN_HIKES,
                  min_rise_bp=C.DEFAULT_MIN_RISE_BP, horizon_months=C.DEFAULT_HORIZON_MONTHS,
                  measure="yoy"):
    """Per completed hiking cycle, when money-fund asset growth peaked after it and how high: First hike, Last hike, Peak date, Months after last hike, peak."""
    lib = _lib()
    found = _cycles(rate_dates, rates, min_hikes, min_rise_bp, "level", "rate_dates")
    levels = lib.convert.level_series(asset_dates, assets, dates_name="asset_dates",
                                      values_name="assets")
    horizon = lib.args.to_int(horizon_months, "horizon_months",
                                 default=C.DEFAULT_HORIZON_MONTHS, minimum=0)
    measure = lib.args.to_choice(measure, "measure", lib.cycles.INFLOW_MEASURES,
                                    default="yoy")
    return lib.shape.table(lib.cycles.cycle_inflow_columns(found, levels, horizon, measure))


@xw.func(category=CATEGORY)
@_arg("last_hike")
@_arg("months")
@xw.ret(date_format=DATE_FORMAT)
@cell_errors
def peak_projection(last_hike, months):
    """Projected peak: EDATE(last_hike, ROUND(AVERAGE(months), 0)); 2023-07-26 with 9, 13, 15, 19 gives 2024-09-26."""
    lib = _lib()
    start = lib.args.to_date(last_hike, "last_hike")
    months = lib.convert.number_list(months, "months")
    outside = InputError("months: the average moves the peak outside Excel's dates "
                         "(1900-03-01 to 9999-12-31), expected a number of months")
    if abs(sum(months.tolist()) / months.size) > _MAX_MONTHS:
        raise outside
    peak = lib.cycles.peak_projection(start, months)
    if not EXCEL_FIRST_DATE <= peak <= EXCEL_LAST_DATE:
        raise outside
    return lib.shape.scalar(peak)


# ----------------------------------------------------------------------------------- growth


@xw.func(category=CATEGORY)
@_arg("dates", "level_dates")
@_arg("values")
@_arg("start_date")
@_arg("end_date")
@_arg("annualize")
@cell_errors
def asset_growth(dates, values, start_date, end_date=None, annualize=False):
    """Growth v1/v0 − 1 between the last observations on or before start_date and end_date (default the latest), optionally annualized."""
    lib = _lib()
    levels = lib.convert.level_series(dates, values, dates_name="dates",
                                      values_name="values")
    result = lib.growth.asset_growth(
        levels,
        lib.args.to_date(start_date, "start_date"),
        lib.args.to_date(end_date, "end_date", default=None),
        annualize=lib.args.to_bool(annualize, "annualize", default=False),
    )
    return lib.shape.scalar(result)


@xw.func(category=CATEGORY)
@_arg("current")
@_arg("history")
@_arg("method")
@_arg("threshold")
@cell_errors
def abnormality(current, history, method="mean", threshold=None):
    """Is current abnormal against history? A 7 × 2 block: Verdict, Current, Historical mean, Ratio, Z-score, Percentile, Cycles."""
    lib = _lib()
    verdict = lib.growth.abnormality(
        lib.args.to_number(current, "current"),
        lib.convert.number_list(history, "history"),
        method=lib.args.to_choice(method, "method", lib.growth.ABNORMALITY_METHODS,
                                     default="mean"),
        threshold=lib.args.to_number(threshold, "threshold", default=None),
    )
    return lib.shape.label_block(verdict.rows())


# ----------------------------------------------------------------------------------- the grammar


def _flat_or(direction: int, value: object) -> object:
    """``value``, or the text ``flat`` when the latest window (or run) has no direction."""
    return C.FLAT if direction == 0 else value


@xw.func(category=CATEGORY)
@_arg("dates")
@_arg("flows")
@_arg("weeks")
@_arg("period", "rank_period")
@cell_errors
def flow_rank(dates, flows, weeks=1, period=C.ALL):
    """Rank of the latest weeks-week sum among earlier windows of its direction (1 = largest on record) and how many there are: a 2 × 2 block Rank, Of; Rank is "flat" when the sum is 0."""
    lib = _lib()
    weeks = lib.args.to_int(weeks, "weeks", default=1, minimum=1)
    period = lib.args.to_choice(period, "period", lib.ranks.RANK_PERIODS, default=C.ALL)
    found = lib.ranks.flow_rank(_dated_flows(flows, dates).series, weeks, period)
    return lib.shape.label_block(zip(C.RANK_LABELS, (_flat_or(found.direction, found.rank),
                                                     found.of)))


@xw.func(category=CATEGORY)
@_arg("flows")
@_arg("n")
@_arg("direction")
@_arg("dates")
@cell_errors
def flow_count(flows, n, direction=C.INFLOW, dates=None):
    """How many of the last n weeks had inflows (or outflows, or were flat): 25 with n = 27 reads "inflows in 25 of the past 27 weeks"."""
    lib = _lib()
    n = lib.args.to_int(n, "n", minimum=1)
    direction = lib.args.to_choice(direction, "direction", lib.runs.DIRECTIONS,
                                      default=C.INFLOW)
    return lib.runs.flow_count(lib.convert.flow_series(flows, dates).series, n, direction)


@xw.func(category=CATEGORY)
@_arg("dates")
@_arg("flows")
@_arg("which")
@xw.ret(date_format=DATE_FORMAT)
@cell_errors
def streak_longest_since(dates, flows, which=C.CURRENT):
    """End date of the latest earlier run in the same direction at least as long as the current (or previous) run, or "record" when none, "flat" for a run of flat weeks."""
    lib = _lib()
    which = lib.args.to_choice(which, "which", lib.runs.WHICH_RUNS, default=C.CURRENT)
    found = lib.runs.streak_longest_since(_dated_flows(flows, dates).series, which)
    if found.direction == 0:
        return C.FLAT
    return C.RECORD if found.since is None else lib.shape.scalar(found.since)


@xw.func(category=CATEGORY)
@_arg("dates")
@_arg("flows")
@_arg("period")
@_arg("as_of")
@cell_errors
def flow_period(dates, flows, period=C.YEAR, as_of=None):
    """Flows this year (quarter, month) to date, at the same point last year, the annualised pace and its rank among complete years: a 4 × 2 block."""
    lib = _lib()
    period = lib.args.to_choice(period, "period", lib.periods.PERIODS, default=C.YEAR)
    as_of = lib.args.to_date(as_of, "as_of", default=None)
    found = lib.periods.flow_period(_dated_flows(flows, dates).series, period, as_of)
    flat = found.years > 0 and found.pace_direction == 0 and found.weeks > 0   # a pace of 0
    rank = C.FLAT if flat else found.pace_rank
    return lib.shape.label_block(zip(C.PERIOD_LABELS, (found.to_date, found.last_year,
                                                       found.pace, rank)))


@xw.func(category=CATEGORY)
@_arg("flows")
@_arg("assets", "week_assets")
@_arg("weeks", "pct_weeks")
@_arg("dates")
@cell_errors
def flow_pct(flows, assets, weeks=1, dates=None):
    """Each week's flow as a share of the previous row's (start-of-week) assets, one per input row, blank for the first; with weeks = N the last N weeks compounded."""
    lib = _lib()
    weeks = lib.args.to_int(weeks, "weeks", default=1, minimum=1)
    data = lib.convert.flow_series(flows, dates)
    by_row = lib.convert.numbers_by_row(assets, "assets", data.cells, "flows")
    shares = lib.assets.flow_pct(data.series, by_row[data.positions], weeks)
    return lib.shape.in_input_order(shares.to_numpy(), data.positions, data.cells)


@xw.func(category=CATEGORY)
@_arg("dates")
@_arg("flows")
@_arg("start")
@cell_errors
def flow_since(dates, flows, start):
    """Sum of the flows of the weeks dated after start (a date), or, with start "trough", since the lowest point of the cumulative flows."""
    lib = _lib()
    start = lib.args.to_date_or_choice(start, "start", (C.TROUGH,))
    return lib.shape.scalar(lib.periods.flow_since(_dated_flows(flows, dates).series,
                                                   start).total)


@xw.func(category=CATEGORY)
@_arg("dates", "level_dates")
@_arg("levels", "values")
@xw.ret(date_format=DATE_FORMAT)
@cell_errors
def level_record(dates, levels):
    """Is the latest level a record? A 3 × 2 block: Record (TRUE/FALSE), Last higher (date of the latest earlier level above it), From peak (latest ÷ highest − 1)."""
    lib = _lib()
    levels = lib.convert.level_series(dates, levels, dates_name="dates", values_name="levels")
    found = lib.assets.level_record(levels)
    return lib.shape.label_block(zip(C.LEVEL_RECORD_LABELS,
                                     (found.record, found.last_higher, found.from_peak)))


@xw.func(category=CATEGORY)
@_arg("flows")
@_arg("weeks")
@_arg("lookback")
@_arg("dates")
@cell_errors
def flow_zscore(flows, weeks=1, lookback=None, dates=None):
    """z-score and percentile of the latest weeks-week sum against all (or the last lookback) earlier windows: a 2 × 2 block Z-score, Percentile."""
    lib = _lib()
    weeks = lib.args.to_int(weeks, "weeks", default=1, minimum=1)
    lookback = lib.args.to_int(lookback, "lookback", default=None, minimum=1)
    found = lib.ranks.flow_zscore(lib.convert.flow_series(flows, dates).series, weeks, lookback)
    return lib.shape.label_block(zip(C.ZSCORE_LABELS, (found.z, found.percentile)))


@xw.func(category=CATEGORY)
@_arg("dates", "level_dates")
@_arg("levels", "values")
@cell_errors
def flows_from_levels(dates, levels):
    """Weekly changes of a level (e.g. money-fund assets) as flows, one per input row: blank for the first and after a gap of more than 1.5 typical spacings."""
    lib = _lib()
    found = lib.convert.level_input(dates, levels, dates_name="dates", values_name="levels")
    changes = lib.assets.flows_from_levels(found.series)
    return lib.shape.in_input_order(changes.to_numpy(), found.positions, found.cells)


#: The UDFs, in SPEC order: the ten of §2, then the flow-note grammar of §2b (used by tests,
#: docs, the Lite registry and the workbook build).
UDFS = (flow_streak, flow_first_in, flow_largest_since, flow_rolling, flow_streaks, hike_cycles,
        cycle_inflows, peak_projection, asset_growth, abnormality, flow_rank, flow_count,
        streak_longest_since, flow_period, flow_pct, flow_since, level_record, flow_zscore,
        flows_from_levels)
