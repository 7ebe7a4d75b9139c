"""ReportData + Settings → the placeholder context, and :func:`plan_refresh` (SPEC §3).

Order of work: read the settings cells (and apply command-line overrides, which are never
written back), read the data sheets, cut every series at the as-of date, compute every value,
then plan the writes. Nothing is written until everything has been computed.

The placeholders are declared, with their formats and help, in :mod:`xlflows.report.fields`
(README's tables are made from it); this module computes the facts they are built from: per
category the look-backs, streaks, ranks, z-scores, breadth and calendar-year totals (the core's
flow functions), the same for the retail money funds' weekly change in assets (``Retail MMF``,
through the core's ``flows_from_levels``), and report-wide the hiking cycles, the MMF growth and
verdict, the projection and the sources line.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from xlflows.core import constants as K
from xlflows.core.assets import flows_from_levels
from xlflows.core.calendar import excel_round
from xlflows.core.cycles import cycle_inflows, hike_cycles, peak_projection
from xlflows.core.flows import first_in, largest_since, streak, streaks
from xlflows.core.growth import abnormality, median_spacing, yoy_growth
from xlflows.core.periods import flow_period
from xlflows.core.ranks import flow_rank, flow_zscore
from xlflows.core.runs import flow_count, streak_longest_since
from xlflows.core.validate import whole_number
from xlflows.datasheets import blank
from xlflows.errors import InputError, WorkbookError
from xlflows.excel.arguments import to_date
from xlflows.report import sentences as S
from xlflows.report.data import (
    ASSETS_SHEET,
    FLOWS_SHEET,
    FLOWS_SOURCE,
    RATE_SHEET,
    RETAIL_SHEET,
    SAMPLE_SOURCE,
    SERIES_SOURCES,
    ReportData,
    dates_of,
    read_report_data,
)
from xlflows.report.fields import (
    BREADTH_EXCEPTIONS,
    BREADTH_MIN_WEEKS,
    CATEGORY_FIELDS,
    REPORT_FIELDS,
    RESERVED_PREFIXES,
    RETAIL_NAME,
    RETAIL_PREFIX,
    RETAIL_TITLE,
    YEAR_TO_DATE_MIN_WEEKS,
    CategoryFacts,
    ReportFacts,
    bn,
    long_date,
    pct,
    when,
)
from xlflows.report.plan import (
    AS_OF_NAME,
    ASSET_QUARTERS,
    CYCLES_NAME,
    FMT_DATE,
    FMT_GENERAL,
    FMT_LEVEL_BN,
    FMT_MONTH,
    FMT_MONTHS,
    FMT_PCT,
    RECENT_WEEKS,
    REPORT_SHEET,
    TEMPLATE_SHEET,
    WEEKS_NAME,
    Block,
    RefreshPlan,
    SheetSource,
)
from xlflows.report.template import cell_value, fill, read_template, slug, store_writes

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


def _setting_cell(source: SheetSource, name: str) -> tuple[str | None, object]:
    """(``"Report!K5"``, value) of a defined-name settings cell; (None, None) when absent."""
    where = source.named_cell(name)
    if where is None:
        return None, None
    sheet, ref = where
    if sheet not in source.sheet_names():
        return None, None
    return f"{sheet}!{ref}", cell_value(source.rows(sheet), ref)


def _whole(value: object, where: str, label: str, maximum: int) -> int:
    """A settings cell (or override) as a whole number from 1 to ``maximum``: the core's check,
    its message naming the cell (``Report!K6 (previous cycles): text 'abc', expected a whole
    number from 1 to 20``)."""
    try:
        return whole_number(value, f"{where} ({label})", minimum=1, maximum=maximum)
    except InputError as exc:
        raise WorkbookError(str(exc)) from None


def read_settings(source: SheetSource, *, weeks=None, cycles=None, as_of=None) -> Settings:
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
        if where is None or blank(value):
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
        if where is None or blank(value):
            stamp, origin = None, "the default"
        else:
            try:
                stamp, origin = to_date(value, where), "the workbook"
            except InputError as exc:
                raise WorkbookError(f"{exc!s} (as-of setting; leave it blank for the latest "
                                    "week)") from None
    return Settings(values["weeks"][0], values["cycles"][0], stamp, values["weeks"][1],
                    values["cycles"][1], origin)


# --------------------------------------------------------------------------- flows
def category_facts(name: str, flows: pd.Series, weeks: int, as_of: pd.Timestamp,
                   sample: bool = False) -> CategoryFacts:
    """Everything the report says of one category at the as-of week."""
    facts = CategoryFacts(name, pd.Timestamp(as_of), weeks, sample=sample)
    if len(flows) == 0:
        facts.empty = True
        return facts
    facts.start, facts.week = flows.index[0], flows.index[-1]
    facts.latest = float(flows.iloc[-1])
    facts.streak = int(streak(flows))
    facts.first_in = first_in(flows)
    runs = streaks(flows)
    if len(runs) >= 2:
        prev = runs.iloc[-2]
        sign = {K.INFLOW: 1, K.OUTFLOW: -1}.get(prev["Direction"], 0)
        facts.previous_run = (sign, int(abs(prev["Weeks"])))
    for w in dict.fromkeys((weeks, 1)):
        enough = len(flows) >= w
        facts.looks[w] = largest_since(flows, weeks=w) if enough else None
        facts.ranks[w] = ((flow_rank(flows, w), flow_rank(flows, w, K.YEAR)) if enough
                          else None)
        facts.zscores[w] = flow_zscore(flows, w) if enough else None
    facts.longest = streak_longest_since(flows)
    facts.breadth = breadth(flows)
    facts.year = flow_period(flows, K.YEAR)
    if facts.year.weeks < YEAR_TO_DATE_MIN_WEEKS:
        facts.previous_year = previous_year(flows)
    return facts


def breadth(flows: pd.Series) -> tuple[int, int, int] | None:
    """(weeks in the latest week's direction, weeks looked at, direction) by the breadth rule of
    :data:`~xlflows.report.fields.BREADTH_MIN_WEEKS`, or None when it says nothing.

    The stretch looked at is the longest trailing one with at most
    :data:`~xlflows.report.fields.BREADTH_EXCEPTIONS` weeks not in the latest week's direction,
    cut back so that its oldest week is in that direction; the count is ``FLOW_COUNT``'s.
    """
    values = flows.to_numpy(dtype=float)
    direction = int(np.sign(values[-1]))
    if direction == 0:
        return None
    back = np.sign(values[::-1]) != direction                # True for the other way (or flat)
    exceptions = np.flatnonzero(back)
    limit = int(exceptions[BREADTH_EXCEPTIONS]) if exceptions.size > BREADTH_EXCEPTIONS \
        else values.size
    ours = np.flatnonzero(~back[:limit])
    weeks = int(ours[-1]) + 1                                # ends on a week of the direction
    count = flow_count(flows, weeks, K.INFLOW if direction > 0 else K.OUTFLOW)
    if count < BREADTH_MIN_WEEKS or count == weeks:
        return None
    return count, weeks, direction


def previous_year(flows: pd.Series) -> tuple[float, int] | None:
    """(total, year) of the calendar year before the latest week's (``FLOW_PERIOD`` at its last
    week), or None when the data do not cover that year from its start."""
    dates = dates_of(flows)
    year = dates[-1].year - 1
    before = dates[dates.year == year]
    if len(before) == 0:
        return None
    total = flow_period(flows, K.YEAR, as_of=before[-1]).to_date
    return (total, year) if math.isfinite(total) else None


def retail_facts(data: ReportData, weeks: int, as_of: pd.Timestamp) -> CategoryFacts:
    """The retail money funds at the as-of week, as a category: their flows are the weekly
    changes of the ``Retail MMF`` assets ($bn; the core's ``flows_from_levels``) since the last
    gap in the weeks (a change over a gap is no week's flow), their sentences titled
    :data:`~xlflows.report.fields.RETAIL_TITLE` and dated when the levels end more than
    :data:`PUBLICATION_LAG` after a week before the as-of date.

    Empty, with the reason in its sentences, when the workbook has no ``Retail MMF`` sheet, when
    the sheet has no level up to the as-of date, or when the latest level has no week before it.
    """
    def nothing(reason: str) -> CategoryFacts:
        return CategoryFacts(RETAIL_NAME, pd.Timestamp(as_of), weeks, empty=True, no_data=reason,
                             title=RETAIL_TITLE)

    levels = data.retail
    if levels is None:
        return nothing(f"no {RETAIL_SHEET} sheet in this workbook")
    if len(levels) == 0:
        return nothing(f"the {RETAIL_SHEET} sheet has no data up to {long_date(as_of)} "
                       "(xlflows update fills it from FRED)")
    last = levels.index[-1]
    if len(levels) == 1:
        return nothing(f"one week of assets ({long_date(last)}), no weekly change yet")
    flows = flows_from_levels(levels)
    gaps = np.flatnonzero(np.isnan(flows.to_numpy()))          # the first row, and after gaps
    since_gap = flows.iloc[gaps[-1] + 1:]
    if len(since_gap) == 0:
        apart = S.plural(round((last - levels.index[-2]).days / 7), "week")
        return nothing(f"the latest assets ({long_date(last)}) come {apart} after the ones "
                       "before, so there is no weekly change to report")
    facts = category_facts(RETAIL_NAME, since_gap, weeks, as_of)
    facts.title = RETAIL_TITLE
    facts.stale = stale_by(RETAIL_SHEET, dates_of(levels), as_of) or ""
    return facts


def category_context(name: str, flows: pd.Series, weeks: int, as_of: pd.Timestamp,
                     sample: bool = False) -> dict[str, object]:
    """Placeholders of one category (keys without the slug prefix), from :data:`CATEGORY_FIELDS`."""
    facts = category_facts(name, flows, weeks, as_of, sample)
    return {f.name: f.build(facts) for f in CATEGORY_FIELDS}


def recent_block(data: ReportData) -> Block:
    """The chart block: ``Week ending`` + categories for the last RECENT_WEEKS weeks (fixed size,
    padded with blank rows at the top when there are fewer weeks)."""
    names = list(data.flows)
    weeks = data.weeks[-RECENT_WEEKS:]
    rows: list[list[object]] = [["Week ending", *names]]
    pad = RECENT_WEEKS - len(weeks)
    rows += [[None] * (1 + len(names)) for _ in range(pad)]
    for w in weeks:
        row: list[object] = [when(w)]
        for name in names:
            s = data.flows[name]
            row.append(bn(s.loc[w]) if w in s.index else None)
        rows.append(row)
    return Block(rows, [FMT_DATE] + ["0.0"] * len(names))


# --------------------------------------------------------------------------- staleness
#: How long after its last date a series' next value is normally published: Z.1 quarterly data
#: (dated at the quarter's end here) about ten weeks later, a daily policy rate the next day.
#: Retail money-fund assets (the H.6, weeks ending Monday) a week later: a latest week more than
#: two weeks before the as-of date is stale.
PUBLICATION_LAG = {ASSETS_SHEET: pd.Timedelta(days=75), RATE_SHEET: pd.Timedelta(days=7),
                   FLOWS_SHEET: pd.Timedelta(days=7), RETAIL_SHEET: pd.Timedelta(days=7)}


def _spacing(index: pd.DatetimeIndex) -> pd.Timedelta:
    """Median spacing of a series' dates (a quarter when there is a single date)."""
    return pd.Timedelta(median_spacing(index)) if len(index) > 1 else pd.Timedelta(days=91)


def ends_early(index: pd.DatetimeIndex, as_of: pd.Timestamp) -> bool:
    """True when a level series' last observation is more than one median spacing before
    ``as_of``: the report then says it uses the latest data rather than "over the past year"."""
    return (pd.Timestamp(as_of) - index[-1]) > _spacing(index)


def stale_by(sheet: str, index: pd.DatetimeIndex, as_of: pd.Timestamp) -> str | None:
    """How long before ``as_of`` a series ended, when that is more than one of its usual spacings
    plus its publication lag (``five years``); None when the series is current."""
    gap = pd.Timestamp(as_of) - index[-1]
    if gap <= _spacing(index) + PUBLICATION_LAG.get(sheet, pd.Timedelta(0)):
        return None
    return S.duration(index[-1], as_of)


def _quarter_or_month(index: pd.DatetimeIndex, date: pd.Timestamp) -> str:
    return S.quarter(date) if _spacing(index) >= pd.Timedelta(days=80) else S.month(date)


# --------------------------------------------------------------------------- cycles and MMF
def quarter_dating(index: pd.DatetimeIndex) -> str | None:
    """``"end"`` when a quarterly series is dated at its quarters' last days, ``"start"`` at
    their first days, None otherwise (not quarterly, or dated either way)."""
    if len(index) < 2 or _spacing(index) < pd.Timedelta(days=80):
        return None
    quarters = index.to_period("Q")
    if (index == quarters.end_time.normalize()).all():
        return "end"
    if (index == quarters.start_time).all():
        return "start"
    return None


def redated(assets: pd.Series, dated_at: str) -> pd.Series:
    """The quarterly ``assets`` dated the other way: at each quarter's first day when they are
    dated at its end (as FRED labels them), at its last day when dated at its start."""
    quarters = dates_of(assets).to_period("Q")
    other = quarters.start_time if dated_at == "end" else quarters.end_time.normalize()
    return pd.Series(assets.to_numpy(), index=pd.DatetimeIndex(other))


def previous_cycles(all_cycles: pd.DataFrame, assets: pd.Series, k: int) -> pd.DataFrame:
    """``CYCLE_INFLOWS`` of the last ``k`` cycles with asset data before the latest cycle.

    All cycles go in, so the last previous cycle's window stops at the latest cycle's first
    hike; the latest cycle's own row (if it is closed and has asset data) is then left out."""
    if not len(all_cycles):
        return pd.DataFrame(columns=[*K.CYCLE_INFLOW_COLUMNS, K.PEAK_YOY])
    try:
        table = cycle_inflows(all_cycles, assets)
    except InputError as exc:
        raise WorkbookError(f"{ASSETS_SHEET}: {exc}") from None
    table = table[table["First hike"] != all_cycles.iloc[-1]["First hike"]]
    return table.tail(k).reset_index(drop=True)


def _average_months(table: pd.DataFrame) -> int | None:
    """ROUND(AVERAGE(months after the last hike), 0); None for no cycle."""
    if not len(table):
        return None
    return int(excel_round(float(table["Months after last hike"].astype(float).mean()), 0))


def cycle_facts(data: ReportData, settings: Settings, as_of: pd.Timestamp
                ) -> tuple[ReportFacts, pd.DataFrame]:
    """The money-market and cycle part of the report, and the hiking cycles found."""
    r = ReportFacts(as_of=pd.Timestamp(as_of), weeks=settings.weeks, cycles=settings.cycles)
    try:
        all_cycles = hike_cycles(data.rate)
    except InputError as exc:
        raise WorkbookError(f"{RATE_SHEET}: {exc}") from None
    assets = data.assets
    asset_dates = dates_of(assets)
    yoy = yoy_growth(assets)
    r.level, r.level_date = float(assets.iloc[-1]), asset_dates[-1]
    r.yoy = float(yoy.iloc[-1]) if pd.notna(yoy.iloc[-1]) else float("nan")
    latest_label = (_quarter_or_month(asset_dates, r.level_date)
                    if ends_early(asset_dates, as_of) else None)
    stale = stale_by(ASSETS_SHEET, asset_dates, as_of)
    r.stale = f"latest data {latest_label}, {stale} before the as-of date" if stale else ""

    latest = all_cycles.iloc[-1] if len(all_cycles) else None
    table = previous_cycles(all_cycles, assets, settings.cycles)
    n = r.count = len(table)
    months = table["Months after last hike"].astype(float) if n else pd.Series(dtype=float)
    peaks = table[K.PEAK_YOY].astype(float) if n else pd.Series(dtype=float)
    r.average_months = _average_months(table)
    r.average_peak = float(peaks.mean()) if n else float("nan")
    if latest is not None:
        r.first_hike, r.last_hike = latest["First hike"], latest["Last hike"]
        r.first_cut = None if pd.isna(latest["First cut"]) else latest["First cut"]
        if n:
            r.projected = peak_projection(latest["Last hike"], months.tolist())
    if n and math.isfinite(r.yoy):
        r.verdict = abnormality(r.yoy, peaks.tolist(), method="mean").verdict
        r.verdict_as_of = latest_label if stale else None

    rows: list[list[object]] = [[*K.CYCLE_INFLOW_COLUMNS, K.PEAK_YOY]]
    for _, row in table.iterrows():
        rows.append([when(row["First hike"]), when(row["Last hike"]), when(row["Peak date"]),
                     int(row["Months after last hike"]), pct(float(row[K.PEAK_YOY]))])
    rows.append([f"Average of {S.plural(n, 'cycle')}", None, None, r.average_months,
                 pct(r.average_peak)])
    r.table = Block(rows, [FMT_DATE, FMT_DATE, FMT_DATE, FMT_MONTHS, FMT_PCT])
    r.mmf_sentence = S.mmf_growth_sentence(
        r.yoy, r.verdict or "n/a", r.average_peak, n, latest_label=latest_label,
        stale=stale or "", as_of_month=S.month(as_of))
    r.projection_sentence = _projection_sentence(r, latest, all_cycles, assets, yoy, data,
                                                 settings, as_of)
    r.asset_chart = asset_block(assets, all_cycles)
    return r, all_cycles


def _dating(all_cycles: pd.DataFrame, assets: pd.Series, settings: Settings, latest,
            mine: int | None) -> str | None:
    """The dating clause when the assets are quarterly and the other dating changes the
    average lag ``mine`` (quarter-end vs quarter-start labels move every peak by a quarter)."""
    dated_at = quarter_dating(dates_of(assets))
    if dated_at is None or latest is None:
        return None
    other = previous_cycles(all_cycles, redated(assets, dated_at), settings.cycles)
    months = _average_months(other)
    if months is None or months == mine:
        return None
    projected = peak_projection(latest["Last hike"],
                                other["Months after last hike"].astype(float).tolist())
    return S.dating_clause(dated_at, months, projected)


def _projection_sentence(r: ReportFacts, latest, all_cycles: pd.DataFrame, assets: pd.Series,
                         yoy: pd.Series, data: ReportData, settings: Settings,
                         as_of: pd.Timestamp) -> str:
    """The projection with its footing: the latest cycle open (the last hike an assumption) or
    over (the projection against what happened), a past peak, the dating of the assets."""
    if r.projected is None:
        return S.projection_sentence(r.average_months or 0, None)
    past = r.projected.to_period("M") < pd.Timestamp(as_of).to_period("M")
    realised = None
    if assets.index[-1] >= r.projected:
        window = yoy[(yoy.index >= r.first_hike) & (yoy.index <= assets.index[-1])].dropna()
        if len(window):
            at = window.idxmax()
            realised = (at, float(window.loc[at]))
    closed = r.first_cut is not None
    rate_stale = stale_by(RATE_SHEET, dates_of(data.rate), as_of)
    assets_end = None
    if realised is None and (past or closed):
        assets_end = _quarter_or_month(dates_of(assets), assets.index[-1])
    return S.projection_sentence(
        r.average_months or 0, r.projected, last_hike=r.last_hike, open_cycle=not closed,
        first_hike=r.first_hike, first_cut=r.first_cut, past=past, realised=realised,
        assets_end=assets_end,
        dating=_dating(all_cycles, assets, settings, latest, r.average_months),
        rate_stale=None if rate_stale is None else (S.day(data.rate.index[-1]) + " "
                                                    + str(data.rate.index[-1].year), rate_stale))


def cycles_context(data: ReportData, settings: Settings, as_of: pd.Timestamp
                   ) -> tuple[dict[str, object], pd.DataFrame]:
    """``cycles.*`` and ``mmf.*`` placeholders (flat keys) and the hiking cycles found."""
    facts, all_cycles = cycle_facts(data, settings, as_of)
    return ({f.name: f.build(facts) for f in REPORT_FIELDS
             if f.name.startswith(("mmf.", "cycles."))}, all_cycles)


#: The MMF chart labels its axis with a year every this many years (the first observation of a
#: year divisible by it), so the labels never crowd at print size.
YEAR_LABEL_EVERY = 5


def asset_block(assets: pd.Series, cycles: pd.DataFrame) -> Block:
    """The chart block: the last ASSET_QUARTERS observations (fixed size, blank rows on top when
    fewer): ``Date``, ``Assets``, ``Hiking cycle`` (the level when the observation's period
    overlaps a hiking cycle, first to last hike; blank otherwise) and ``Year`` (the axis label:
    the year at the first observation of every :data:`YEAR_LABEL_EVERY`-th year, else blank)."""
    tail = assets.iloc[-ASSET_QUARTERS:]
    spacing = _spacing(dates_of(assets))
    rows: list[list[object]] = [["Date", "Assets", "Hiking cycle", "Year"]]
    rows += [[None, None, None, None] for _ in range(ASSET_QUARTERS - len(tail))]
    firsts = list(cycles["First hike"]) if len(cycles) else []
    lasts = list(cycles["Last hike"]) if len(cycles) else []
    labelled: set[int] = set()
    for date, level in zip(dates_of(tail), tail):
        period_start = date - spacing
        inside = any(period_start < last and date >= first for first, last in zip(firsts, lasts))
        value = excel_round(float(level), 1)
        label = None
        if date.year % YEAR_LABEL_EVERY == 0 and date.year not in labelled:
            labelled.add(date.year)
            label = str(date.year)
        rows.append([when(date), value, value if inside else None, label])
    return Block(rows, [FMT_MONTH, FMT_LEVEL_BN, FMT_LEVEL_BN, FMT_GENERAL])


# --------------------------------------------------------------------------- the whole context
def build_context(data: ReportData, settings: Settings, as_of: pd.Timestamp, *,
                  stamp: str = "", used: dict[str, str] | None = None, sources: str = ""
                  ) -> dict[str, object]:
    """Every placeholder name → :class:`Value` / :class:`Block`, for data already cut at
    ``as_of``, built from the declarations in :mod:`xlflows.report.fields`: the report-wide
    names, every category's, and the retail money funds' (``retail_mmf.*``, whether or not the
    workbook has their sheet: without it, their sentences say so)."""
    seen: dict[str, str] = {}
    ctx: dict[str, object] = {}
    for name, series in data.flows.items():
        key = slug(name)
        where = f"{FLOWS_SHEET}!{data.columns.get(name, '?')}1"
        if not key.strip("_") or key in RESERVED_PREFIXES:
            raise WorkbookError(f"{where} is '{name}', whose placeholder prefix '{key}' is "
                                "reserved or empty; rename the category")
        if key in seen:
            raise WorkbookError(f"{where} is '{name}', whose placeholder prefix '{key}' is also "
                                f"that of '{seen[key]}'; rename one of them")
        seen[key] = name
        facts = category_facts(name, series, settings.weeks, as_of, data.sample)
        for f in CATEGORY_FIELDS:
            ctx[f"{key}.{f.name}"] = f.build(facts)
    retail = retail_facts(data, settings.weeks, as_of)
    for f in CATEGORY_FIELDS:
        ctx[f"{RETAIL_PREFIX}.{f.name}"] = f.build(retail)
    report, _ = cycle_facts(data, settings, as_of)
    report.stamp, report.used, report.sources = stamp, dict(used or {}), sources
    report.sample = data.sample
    report.recent = recent_block(data)
    for f in REPORT_FIELDS:
        ctx[f.name] = f.build(report)
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


def _used(settings: Settings, as_of: pd.Timestamp) -> dict[str, str]:
    """What each setting was in this refresh, shown beside its cell (overrides are not written
    into the cells, so the page must say what was used)."""
    def origin(where: str) -> str:
        return "the default" if where == "the default" else f"from {where}"

    if settings.as_of is None:
        as_of_text = f"used: {long_date(as_of)}, the latest week of {FLOWS_SHEET}"
    elif pd.Timestamp(settings.as_of) == as_of:
        as_of_text = f"used: {long_date(as_of)}, {origin(settings.as_of_origin)}"
    else:
        as_of_text = (f"used: {long_date(as_of)}, the latest week on or before "
                      f"{long_date(settings.as_of)} ({origin(settings.as_of_origin)})")
    return {"weeks": f"used: {settings.weeks}, {origin(settings.weeks_origin)}",
            "cycles": f"used: {settings.cycles}, {origin(settings.cycles_origin)}",
            "as_of": as_of_text}


def _sources(data: ReportData, as_of: pd.Timestamp) -> str:
    """The sources line: each series, its publisher, its span and its staleness::

        Sources: Flows — sample data, not real fund flows, Jan 2004 to 12 Nov 2025; Policy rate —
        FRED DFEDTAR, then DFEDTARU (…) from 16 Dec 2008, Board of Governors of the Federal Reserve
        System, Sep 1982 to 12 Nov 2025; MMF assets — FRED MMMFFAQ027S, Board of Governors …, Z.1
        Financial Accounts, quarterly, dated at the quarter's end, Mar 1974 to 31 Dec 2020 (latest
        data, five years before the as-of date); Retail MMF — FRED WRMFNS, the Board's H.6, Jan
        1985 to 10 Nov 2025.

    ``Retail MMF`` is named when it has a level up to the as-of date.
    """
    last = data.last_dates
    parts = []
    series = [(FLOWS_SHEET, data.weeks), (RATE_SHEET, dates_of(data.rate)),
              (ASSETS_SHEET, dates_of(data.assets))]
    if data.retail is not None and len(data.retail):
        series.append((RETAIL_SHEET, dates_of(data.retail)))
    for sheet, series_index in series:
        what = (SAMPLE_SOURCE if data.sample else FLOWS_SOURCE) if sheet == FLOWS_SHEET \
            else SERIES_SOURCES.get(sheet)
        dated_at = quarter_dating(series_index) if sheet == ASSETS_SHEET else None
        if dated_at:
            what = (what + ", " if what else "") + f"quarterly, dated at the quarter's {dated_at}"
        part = f"{sheet} \u2014 {what}, " if what else f"{sheet} "
        part += f"{S.month(series_index[0])} to {long_date(last[sheet])}"
        stale = stale_by(sheet, series_index, as_of)
        if stale:
            part += f" (latest data, {stale} before the as-of date)"
        parts.append(part)
    return "Sources: " + "; ".join(parts) + "."


def plan_refresh(source: SheetSource, *, weeks=None, cycles=None, as_of=None) -> RefreshPlan:
    """Compute the whole report from a SheetSource and plan its writes (nothing is written).

    Parameters
    ----------
    source : SheetSource
        ``sheet_names``, ``rows``, ``named_cell`` (openpyxl or xlwings engine, or a fake).
    weeks, cycles : int, optional
        Override the settings cells for this run; the cells are not rewritten, the page says
        ``used: 4, from the command line`` beside them.
    as_of : date-like, optional
        Override the as-of cell. Every series is cut at this date (default: the latest week of
        ``Flows``); the report's as-of is the latest week on or before it.

    Returns
    -------
    RefreshPlan
        ``summary`` lines starting with ``warning:`` are warnings (an as-of date after the data).

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
    stamp = _stamp(settings, as_of_used)
    context = build_context(data, settings, as_of_used, stamp=stamp,
                            used=_used(settings, as_of_used), sources=_sources(data, as_of_used))

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

    last = data.last_dates
    stale = ends_early(dates_of(data.assets), as_of_used)
    summary = [
        f"settings: {stamp}",
        f"{FLOWS_SHEET}: {len(data.flows)} categories, last week used {last[FLOWS_SHEET]:%Y-%m-%d}"
        + (" (sample data)" if data.sample else ""),
        f"{RATE_SHEET}: last date used {last[RATE_SHEET]:%Y-%m-%d}",
        f"{ASSETS_SHEET}: last date used {last[ASSETS_SHEET]:%Y-%m-%d}"
        + (" (ends before the as-of date: the report uses its latest observation)"
           if stale else ""),
    ]
    if data.retail is not None:
        summary.append(f"{RETAIL_SHEET}: " + (
            f"last date used {last[RETAIL_SHEET]:%Y-%m-%d} (weekly changes in assets, beside the "
            "categories)" if RETAIL_SHEET in last else "no data up to the as-of date"))
    if settings.as_of is not None and pd.Timestamp(settings.as_of) > raw.weeks[-1]:
        summary.append(f"warning: as of {settings.as_of:%Y-%m-%d} ({settings.as_of_origin}) is "
                       f"after the latest week of {FLOWS_SHEET} ({raw.weeks[-1]:%Y-%m-%d}); "
                       f"the report is as of {as_of_used:%Y-%m-%d}")
    if captured:
        summary.append(f"{REPORT_SHEET}: template text captured from " + ", ".join(captured))
    if released:
        summary.append(f"{REPORT_SHEET}: placeholders released (cells emptied): "
                       + ", ".join(released))
    summary += problems
    return RefreshPlan(writes, [TEMPLATE_SHEET], summary, as_of=when(as_of_used))
