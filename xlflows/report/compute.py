"""ReportData + Settings → the placeholder context, and :func:`plan_refresh` (SPEC §3).

Order of work: read the settings cells (and apply command-line overrides, which are never
written back), read the data sheets, cut every series at the as-of date, compute every value,
then plan the writes. Nothing is written until everything has been computed.

Placeholder vocabulary (``c`` = a category's slug, ``Money market`` → ``money_market``):

* ``as_of``, ``weeks``, ``cycles``, ``settings.stamp``, ``sources``
* ``c.name``, ``c.week``, ``c.latest``, ``c.latest_sentence``, ``c.streak``, ``c.streak_sentence``,
  ``c.first_in``, ``c.first_in_sentence``, ``c.total``, ``c.largest_since``,
  ``c.largest_since_sentence``, ``c.total_1w``, ``c.largest_since_1w``,
  ``c.largest_since_1w_sentence``, ``c.sentence`` (the headline), and the bare clauses
  ``c.first_in_clause``, ``c.streak_clause``, ``c.largest_since_clause``,
  ``c.largest_since_1w_clause``
* ``mmf.level``, ``mmf.date``, ``mmf.yoy``, ``mmf.verdict``, ``mmf.sentence``, ``mmf.stale``
* ``cycles.table`` (block), ``cycles.count``, ``cycles.average_months``,
  ``cycles.average_peak_yoy``, ``cycles.last_hike``, ``cycles.first_hike``,
  ``cycles.projected_peak``, ``cycles.projection_sentence``
* ``flows.recent`` and ``mmf.chart`` (fixed-size blocks read by the charts)
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from xlflows.core import constants as K
from xlflows.core.calendar import excel_round
from xlflows.core.cycles import cycle_inflows, hike_cycles, peak_projection
from xlflows.core.flows import first_in, largest_since, streak, streaks
from xlflows.core.growth import abnormality, yoy_growth
from xlflows.errors import InputError, WorkbookError
from xlflows.excel.convert import to_date
from xlflows.report import sentences as S
from xlflows.report.data import (ASSETS_SHEET, FLOWS_SHEET, RATE_SHEET, ReportData,
                                 read_report_data)
from xlflows.report.plan import (AS_OF_NAME, ASSET_QUARTERS, CYCLES_NAME, FMT_BN, FMT_COUNT,
                                 FMT_DATE, FMT_GENERAL, FMT_INT, FMT_LEVEL_BN, FMT_MONTH,
                                 FMT_MONTHS, FMT_PCT, RECENT_WEEKS, REPORT_SHEET, TEMPLATE_SHEET,
                                 WEEKS_NAME, Block, RefreshPlan, Value)
from xlflows.report.template import cell_value, fill, read_template, slug, store_writes

#: Names that cannot be category slugs (they are taken by the report's own placeholders).
RESERVED = frozenset({"as_of", "weeks", "cycles", "settings", "sources", "mmf", "flows"})
MAX_WEEKS = 520
MAX_CYCLES = 20


# --------------------------------------------------------------------------- settings
@dataclass(frozen=True)
class Settings:
    """What a refresh uses, and where each setting came from.

    ``origin`` values: ``"the command line"``, ``"the workbook"`` (a settings cell),
    ``"the default"`` (cell blank or absent).
    """

    weeks: int = K.DEFAULT_REPORT_WEEKS
    cycles: int = K.DEFAULT_REPORT_CYCLES
    as_of: pd.Timestamp | None = None
    weeks_origin: str = "the default"
    cycles_origin: str = "the default"
    as_of_origin: str = "the default"


def _setting_cell(source, name: str) -> tuple[str | None, object]:
    """(``"Report!B6"``, value) of a defined-name settings cell; (None, None) when absent."""
    where = source.named_cell(name)
    if where is None:
        return None, None
    sheet, ref = where
    if sheet not in source.sheet_names():
        return None, None
    return f"{sheet}!{ref}", cell_value(source.rows(sheet), ref)


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _whole(value: object, where: str, label: str, maximum: int) -> int:
    shown = f"'{value}'" if isinstance(value, str) else str(value)
    if isinstance(value, bool):
        raise WorkbookError(f"{where} ({label}) is {value}, expected a whole number from 1 to "
                            f"{maximum}")
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise WorkbookError(f"{where} ({label}) is {shown}, expected a whole number from 1 "
                                f"to {maximum}") from None
    if isinstance(value, (int, float, np.integer, np.floating)) and math.isfinite(value) \
            and float(value) == int(value) and 1 <= int(value) <= maximum:
        return int(value)
    raise WorkbookError(f"{where} ({label}) is {shown}, expected a whole number from 1 to "
                        f"{maximum}")


def read_settings(source, *, weeks=None, cycles=None, as_of=None) -> Settings:
    """Settings from the marked cells, with keyword overrides taking precedence.

    Raises
    ------
    WorkbookError
        A settings cell (or override) holds something unusable; the message names the cell.
    """
    values = {}
    for key, name, override, label, maximum in (
            ("weeks", WEEKS_NAME, weeks, "look-back weeks", MAX_WEEKS),
            ("cycles", CYCLES_NAME, cycles, "previous cycles", MAX_CYCLES)):
        if override is not None:
            values[key] = (_whole(override, f"--{key}", label, maximum), "the command line")
            continue
        where, value = _setting_cell(source, name)
        if where is None or _blank(value):
            values[key] = (getattr(K, f"DEFAULT_REPORT_{key.upper()}"), "the default")
        else:
            values[key] = (_whole(value, where, label, maximum), "the workbook")
    if as_of is not None:
        try:
            stamp, origin = to_date(as_of, "--as-of"), "the command line"
        except InputError as exc:
            raise WorkbookError(str(exc)) from None
    else:
        where, value = _setting_cell(source, AS_OF_NAME)
        if where is None or _blank(value):
            stamp, origin = None, "the default"
        else:
            try:
                stamp, origin = to_date(value, where), "the workbook"
            except InputError as exc:
                raise WorkbookError(f"{str(exc)} (as-of setting; leave it blank for the latest "
                                    "week)") from None
    return Settings(values["weeks"][0], values["cycles"][0], stamp, values["weeks"][1],
                    values["cycles"][1], origin)


# --------------------------------------------------------------------------- helpers
def _bn(x: float) -> float:
    """A $bn amount as the table shows it: rounded to 0.1 (half away), never −0.0."""
    r = excel_round(float(x), 1)
    return 0.0 if r == 0 else r


def _pct(x: float) -> float | None:
    if x is None or not math.isfinite(x):
        return None
    r = excel_round(float(x), 4)
    return 0.0 if r == 0 else r


def _when(ts) -> dt.datetime | None:
    return None if ts is None or pd.isna(ts) else pd.Timestamp(ts).to_pydatetime()


def _long_date(ts) -> str:
    d = pd.Timestamp(ts)
    return f"{d.day} {d:%b %Y}"


def _month_value(ts) -> Value:
    return Value(_when(ts), S.month(ts), FMT_MONTH)


# --------------------------------------------------------------------------- flows
def category_context(name: str, flows: pd.Series, weeks: int, as_of: pd.Timestamp
                     ) -> dict[str, object]:
    """Placeholders of one category (keys without the slug prefix)."""
    ctx: dict[str, object] = {"name": Value(name, name, FMT_GENERAL)}
    label = S.fund_label(name)
    if len(flows) == 0:
        text = f"{label}: no data up to {_long_date(as_of)}"
        for key in ("week", "latest", "streak", "first_in", "total", "largest_since", "total_1w",
                    "largest_since_1w"):
            ctx[key] = Value(None, "n/a")
        for key in ("latest_sentence", "streak_sentence", "first_in_sentence",
                    "largest_since_sentence", "largest_since_1w_sentence", "sentence"):
            ctx[key] = Value(text, text, FMT_GENERAL)
        for key in ("first_in_clause", "streak_clause", "largest_since_clause",
                    "largest_since_1w_clause"):
            ctx[key] = Value("n/a", "n/a", FMT_GENERAL)
        return ctx
    week, latest = flows.index[-1], float(flows.iloc[-1])
    start = flows.index[0]
    k = streak(flows)
    fi = first_in(flows)
    runs = streaks(flows)
    previous_run = None
    if len(runs) >= 2:
        prev = runs.iloc[-2]
        sign = {K.INFLOW: 1, K.OUTFLOW: -1}.get(prev["Direction"], 0)
        previous_run = (sign, int(abs(prev["Weeks"])))

    ctx["week"] = Value(_when(week), S.day(week), FMT_DATE)
    ctx["latest"] = Value(_bn(latest), S.money(latest), FMT_BN)
    ctx["streak"] = Value(int(k), S.signed(str(abs(k)), int(np.sign(k))), FMT_INT)
    if fi is None:
        ctx["first_in"] = Value(K.FIRST_ON_RECORD, K.FIRST_ON_RECORD, FMT_GENERAL)
    else:
        ctx["first_in"] = Value(int(fi), str(fi), FMT_COUNT)
    week_clause = S.week_clause(latest, week)
    fi_clause = S.first_in_clause(latest, fi, k, start)
    st_clause = S.streak_clause(k, previous_run)
    ctx["latest_sentence"] = _text(S.join(label, week_clause))
    ctx["first_in_clause"] = _text(fi_clause)
    ctx["first_in_sentence"] = _text(S.join(label, S.money(latest), fi_clause))
    ctx["streak_clause"] = _text(st_clause)
    ctx["streak_sentence"] = _text(S.join(label, st_clause))

    headline_parts = [week_clause]
    if fi is None or fi >= 2:          # a change of direction is the news
        headline_parts.append(fi_clause)
    for w, suffix in ((weeks, ""), (1, "_1w")):
        if len(flows) < w:
            clause = f"fewer than {S.plural(w, 'week')} of data"
            ctx["total" + suffix] = Value("n/a", "n/a", FMT_GENERAL)
            ctx["largest_since" + suffix] = Value("n/a", "n/a", FMT_GENERAL)
        else:
            look = largest_since(flows, weeks=w)
            total = look.total        # the window sum the direction was taken from
            clause = S.largest_since_clause(total, look.direction, look.since, w, start)
            ctx["total" + suffix] = Value(_bn(total), S.money(total), FMT_BN)
            if look.direction == 0:
                ctx["largest_since" + suffix] = Value(K.FLAT, K.FLAT, FMT_GENERAL)
            elif look.since is None or pd.isna(look.since):
                ctx["largest_since" + suffix] = Value(K.RECORD, K.RECORD, FMT_GENERAL)
            else:
                ctx["largest_since" + suffix] = _month_value(look.since)
        ctx[f"largest_since{suffix}_clause"] = _text(clause)
        ctx[f"largest_since{suffix}_sentence"] = _text(S.join(label, week_clause, clause))
        if suffix == "" and len(flows) >= w and _newsworthy(look, week, w):
            headline_parts.append(clause)
    ctx["sentence"] = _text(S.join(label, *headline_parts))
    return ctx


def _newsworthy(look, week: pd.Timestamp, weeks: int) -> bool:
    """Whether the N-week look-back belongs in the headline: a record, or a "since" window that
    does not overlap the latest one (a window ending last week is no news)."""
    if look.direction == 0:
        return False
    if look.since is None or pd.isna(look.since):
        return True
    return pd.Timestamp(look.since) <= week - pd.Timedelta(weeks=weeks)


def _text(s: str) -> Value:
    return Value(s, s, FMT_GENERAL)


def recent_block(data: ReportData) -> Block:
    """The chart block: ``Week ending`` + categories for the last RECENT_WEEKS weeks (fixed size,
    padded with blank rows at the top when there are fewer weeks)."""
    names = list(data.flows)
    weeks = data.weeks[-RECENT_WEEKS:]
    rows: list[list[object]] = [["Week ending", *names]]
    pad = RECENT_WEEKS - len(weeks)
    rows += [[None] * (1 + len(names)) for _ in range(pad)]
    for w in weeks:
        row: list[object] = [_when(w)]
        for name in names:
            s = data.flows[name]
            row.append(_bn(s.loc[w]) if w in s.index else None)
        rows.append(row)
    return Block(rows, [FMT_DATE] + ["0.0"] * len(names))


# --------------------------------------------------------------------------- cycles and MMF
def _spacing(index: pd.DatetimeIndex) -> pd.Timedelta:
    """Median spacing of a level series' dates (a quarter when there is a single date)."""
    return pd.Series(index).diff().median() if len(index) > 1 else pd.Timedelta(days=91)


def ends_early(index: pd.DatetimeIndex, as_of: pd.Timestamp) -> bool:
    """True when a level series' last observation is more than one median spacing before
    ``as_of`` (quarterly data ending 2020Q4 at an as-of in 2025), i.e. when the report must say
    it uses the latest data rather than "over the past year"."""
    return (pd.Timestamp(as_of) - index[-1]) > _spacing(index)


def _quarter_or_month(index: pd.DatetimeIndex, date: pd.Timestamp) -> str:
    return S.quarter(date) if _spacing(index) >= pd.Timedelta(days=80) else S.month(date)


def cycles_context(data: ReportData, settings: Settings, as_of: pd.Timestamp
                   ) -> tuple[dict[str, object], pd.DataFrame]:
    """``cycles.*`` and ``mmf.*`` placeholders (flat keys) and the hiking cycles found."""
    ctx: dict[str, object] = {}
    try:
        all_cycles = hike_cycles(data.rate)
    except InputError as exc:
        raise WorkbookError(f"{RATE_SHEET}: {exc}") from None
    assets = data.assets
    yoy = yoy_growth(assets)
    level_date = assets.index[-1]
    current_yoy = float(yoy.iloc[-1]) if pd.notna(yoy.iloc[-1]) else float("nan")
    stale = ends_early(assets.index, as_of)
    latest_label = _quarter_or_month(assets.index, level_date) if stale else None

    current = all_cycles.iloc[-1] if len(all_cycles) else None
    try:
        # All cycles go in, so the last previous cycle's window stops at the current cycle's
        # first hike; the current cycle's own row (if it is closed) is then left out.
        table = cycle_inflows(all_cycles, assets) if len(all_cycles) else pd.DataFrame(
            columns=[*K.CYCLE_INFLOW_COLUMNS, K.PEAK_YOY])
    except InputError as exc:
        raise WorkbookError(f"{ASSETS_SHEET}: {exc}") from None
    if current is not None:
        table = table[table["First hike"] != current["First hike"]]
    table = table.tail(settings.cycles).reset_index(drop=True)
    n = len(table)
    months = table["Months after last hike"].astype(float) if n else pd.Series(dtype=float)
    peaks = table[K.PEAK_YOY].astype(float) if n else pd.Series(dtype=float)
    avg_months_raw = float(months.mean()) if n else float("nan")
    avg_months = int(excel_round(avg_months_raw, 0)) if n else None
    avg_peak = float(peaks.mean()) if n else float("nan")

    projected = None
    if current is not None and n:
        projected = peak_projection(current["Last hike"], months.tolist())
    verdict = None
    if n and math.isfinite(current_yoy):
        verdict = abnormality(current_yoy, peaks.tolist(), method="mean").verdict

    rows: list[list[object]] = [[*K.CYCLE_INFLOW_COLUMNS, K.PEAK_YOY]]
    for _, r in table.iterrows():
        rows.append([_when(r["First hike"]), _when(r["Last hike"]), _when(r["Peak date"]),
                     int(r["Months after last hike"]), _pct(float(r[K.PEAK_YOY]))])
    rows.append([f"Average of {S.plural(n, 'cycle')}", None, None,
                 excel_round(avg_months_raw, 1) if n else None, _pct(avg_peak)])
    ctx["cycles.table"] = Block(rows, [FMT_DATE, FMT_DATE, FMT_DATE, '0.0;"\u2212"0.0;0',
                                       FMT_PCT])
    ctx["cycles.count"] = Value(n, str(n), FMT_COUNT)
    ctx["cycles.average_months"] = Value(avg_months, "n/a" if avg_months is None else
                                         str(avg_months), FMT_MONTHS)
    ctx["cycles.average_peak_yoy"] = Value(_pct(avg_peak), S.percent(avg_peak, plus=False),
                                           FMT_PCT)
    for key, col in (("last_hike", "Last hike"), ("first_hike", "First hike")):
        ts = None if current is None else current[col]
        ctx[f"cycles.{key}"] = Value(_when(ts), "n/a" if ts is None else _long_date(ts), FMT_DATE)
    ctx["cycles.projected_peak"] = (_month_value(projected) if projected is not None
                                    else Value(None, "n/a"))
    ctx["cycles.projection_sentence"] = _text(S.projection_sentence(avg_months or 0, projected))

    ctx["mmf.level"] = Value(excel_round(float(assets.iloc[-1]), 1),
                             S.money(float(assets.iloc[-1]), plus=False), FMT_LEVEL_BN)
    ctx["mmf.date"] = Value(_when(level_date), _long_date(level_date), FMT_DATE)
    ctx["mmf.yoy"] = Value(_pct(current_yoy), S.percent(current_yoy), FMT_PCT)
    ctx["mmf.verdict"] = _text(verdict or "n/a")
    ctx["mmf.stale"] = _text(f"latest data {latest_label}" if stale else "")
    ctx["mmf.sentence"] = _text(S.mmf_growth_sentence(current_yoy, verdict or "n/a", avg_peak, n,
                                                       latest_label=latest_label))
    ctx["mmf.chart"] = asset_block(assets, all_cycles)
    return ctx, all_cycles


def asset_block(assets: pd.Series, cycles: pd.DataFrame) -> Block:
    """The chart block: the last ASSET_QUARTERS observations (fixed size, blank rows on top when
    fewer), ``Assets`` and ``Hiking cycle`` (the level when the observation's period overlaps a
    hiking cycle, first to last hike; blank otherwise)."""
    tail = assets.iloc[-ASSET_QUARTERS:]
    spacing = _spacing(assets.index)
    rows: list[list[object]] = [["Date", "Assets", "Hiking cycle"]]
    rows += [[None, None, None] for _ in range(ASSET_QUARTERS - len(tail))]
    firsts = list(cycles["First hike"]) if len(cycles) else []
    lasts = list(cycles["Last hike"]) if len(cycles) else []
    for date, level in tail.items():
        period_start = date - spacing
        inside = any(period_start < last and date >= first for first, last in zip(firsts, lasts))
        value = excel_round(float(level), 1)
        rows.append([_when(date), value, value if inside else None])
    return Block(rows, [FMT_MONTH, FMT_LEVEL_BN, FMT_LEVEL_BN])


# --------------------------------------------------------------------------- the whole context
def build_context(data: ReportData, settings: Settings, as_of: pd.Timestamp
                  ) -> dict[str, object]:
    """Every placeholder name → :class:`Value` / :class:`Block` for data already cut at ``as_of``."""
    ctx: dict[str, object] = {
        "as_of": Value(_when(as_of), _long_date(as_of), FMT_DATE),
        "weeks": Value(settings.weeks, str(settings.weeks), FMT_COUNT),
        "cycles": Value(settings.cycles, str(settings.cycles), FMT_COUNT),
    }
    seen: dict[str, str] = {}
    for name, series in data.flows.items():
        key = slug(name)
        where = f"{FLOWS_SHEET}!{data.columns.get(name, '?')}1"
        if not key.strip("_") or key in RESERVED:
            raise WorkbookError(f"{where} is '{name}', whose placeholder prefix '{key}' is "
                                "reserved or empty; rename the category")
        if key in seen:
            raise WorkbookError(f"{where} is '{name}', whose placeholder prefix '{key}' is also "
                                f"that of '{seen[key]}'; rename one of them")
        seen[key] = name
        for field_name, item in category_context(name, series, settings.weeks, as_of).items():
            ctx[f"{key}.{field_name}"] = item
    ctx["flows.recent"] = recent_block(data)
    cyc, _ = cycles_context(data, settings, as_of)
    ctx.update(cyc)
    return ctx


def _stamp(settings: Settings, as_of: pd.Timestamp) -> str:
    if settings.as_of is None:
        as_of_text = f"as of = {as_of:%Y-%m-%d}, the latest week of {FLOWS_SHEET}"
    else:
        as_of_text = f"as of = {settings.as_of:%Y-%m-%d}, from {settings.as_of_origin}"
        if as_of != settings.as_of:
            as_of_text += f" (latest week on or before it: {as_of:%Y-%m-%d})"
    return (f"weeks = {settings.weeks}, from {settings.weeks_origin}; "
            f"cycles = {settings.cycles}, from {settings.cycles_origin}; {as_of_text}")


def plan_refresh(source, *, weeks=None, cycles=None, as_of=None) -> RefreshPlan:
    """Compute the whole report from a SheetSource and plan its writes (nothing is written).

    Parameters
    ----------
    source : SheetSource
        ``sheet_names``, ``rows``, ``named_cell`` (openpyxl or xlwings engine, or a fake).
    weeks, cycles : int, optional
        Override the settings cells for this run; the cells are not rewritten, the stamp says
        ``weeks = 4, from the command line``.
    as_of : date-like, optional
        Override the as-of cell. Every series is cut at this date (default: the latest week of
        ``Flows``); the report's as-of is the latest week on or before it.

    Returns
    -------
    RefreshPlan

    Raises
    ------
    WorkbookError
        Missing sheet or header, bad cell, bad setting (the message names the cell), or a table
        placeholder that would overwrite another template cell.
    """
    if REPORT_SHEET not in source.sheet_names():
        raise WorkbookError(f"the workbook has no '{REPORT_SHEET}' sheet to refresh; "
                            "`xlflows refresh` adds the built-in one to a workbook without it")
    settings = read_settings(source, weeks=weeks, cycles=cycles, as_of=as_of)
    raw = read_report_data(source)
    target = settings.as_of if settings.as_of is not None else raw.weeks[-1]
    data = raw.cut(target)
    as_of_used = data.weeks[-1]
    context = build_context(data, settings, as_of_used)

    last = data.last_dates
    stale = ends_early(data.assets.index, as_of_used)
    stamp = _stamp(settings, as_of_used)
    sources = (f"Sources: {FLOWS_SHEET} to {_long_date(last[FLOWS_SHEET])}; "
               f"{RATE_SHEET} to {_long_date(last[RATE_SHEET])}; "
               f"{ASSETS_SHEET} to {_long_date(last[ASSETS_SHEET])}"
               + (" (latest data, before the as-of date)" if stale else "") + ".")
    context["settings.stamp"] = Value(stamp, stamp, FMT_GENERAL)
    context["sources"] = Value(sources, sources, FMT_GENERAL)

    report_rows = source.rows(REPORT_SHEET)
    stored_rows = (source.rows(TEMPLATE_SHEET) if TEMPLATE_SHEET in source.sheet_names()
                   else None)
    template, captured, released = read_template(report_rows, stored_rows)
    protected = {}
    for name, label in ((WEEKS_NAME, "the weeks setting"), (CYCLES_NAME, "the cycles setting"),
                        (AS_OF_NAME, "the as-of setting")):
        where = source.named_cell(name)
        if where is not None and where[0] == REPORT_SHEET:
            protected[where[1]] = label
            template.pop(where[1], None)   # a settings cell is an input, never a template
    writes, problems = fill(template, context, protected=protected)
    writes += store_writes(template, len(stored_rows or []))

    summary = [
        f"settings: {stamp}",
        f"{FLOWS_SHEET}: {len(data.flows)} categories, last week used {last[FLOWS_SHEET]:%Y-%m-%d}",
        f"{RATE_SHEET}: last date used {last[RATE_SHEET]:%Y-%m-%d}",
        f"{ASSETS_SHEET}: last date used {last[ASSETS_SHEET]:%Y-%m-%d}"
        + (" (ends before the as-of date: the report uses its latest observation)"
           if stale else ""),
    ]
    if captured:
        summary.append(f"{REPORT_SHEET}: template text captured from " + ", ".join(captured))
    if released:
        summary.append(f"{REPORT_SHEET}: placeholders released (cells emptied): "
                       + ", ".join(released))
    summary += problems
    return RefreshPlan(writes, [TEMPLATE_SHEET], summary, as_of=_when(as_of_used))
