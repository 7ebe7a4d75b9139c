"""Every Report placeholder, declared once: its name, its number format, how it is built, its help.

``compute.py`` builds the context from these declarations (nothing else names a placeholder),
``layout.py`` lays the built-in template with their names and formats, and README's tables of names
are checked against them by a test.

Two families:

* :data:`CATEGORY_FIELDS`, written ``c.<name>`` where ``c`` is a category's slug
  (``Money market`` → ``money_market.latest``); each is built from a :class:`CategoryFacts`;
* :data:`REPORT_FIELDS`, written as they stand (``as_of``, ``mmf.level``); each is built from a
  :class:`ReportFacts`.

A builder returns a :class:`~xlflows.report.plan.Value` (what a whole cell gets, its text form inside
other text, its number format) or a :class:`~xlflows.report.plan.Block` (a table).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any, Callable

import pandas as pd

from xlflows.core import constants as K
from xlflows.core.calendar import excel_round
from xlflows.core.flows import LookBack
from xlflows.report import sentences as S
from xlflows.report.plan import (FMT_BN, FMT_COUNT, FMT_DATE, FMT_GENERAL, FMT_INT, FMT_LEVEL_BN,
                                 FMT_MONTH, FMT_MONTHS, FMT_PCT, Block, Value)

#: A "since" date at most this many weeks before the as-of week is shown as its week
#: (``5 Nov 2025``), not its month: "since Nov 2025" in a note dated 12 Nov 2025 would mean
#: "since last week" and read as if it were months ago.
RECENT_WEEKS_PRECISION = 13
#: The label every flow sentence and the flows table carry when Flows holds sample data.
SAMPLE_LABEL = "sample data"


@dataclass(frozen=True)
class Field:
    """One placeholder: ``name`` (per category without the ``c.`` prefix), ``number_format`` of a
    whole-cell value (None: text, the cell keeps its own format), ``doc`` for README, and ``build``,
    which turns the facts into a Value or Block."""

    name: str
    number_format: str | None
    doc: str
    build: Callable[[Any], Value | Block]
    table: bool = False


# --------------------------------------------------------------------------- small helpers
def when(ts) -> dt.datetime | None:
    """A Timestamp (or None/NaT) as the naive ``datetime`` both engines write."""
    return None if ts is None or pd.isna(ts) else pd.Timestamp(ts).to_pydatetime()


def long_date(ts) -> str:
    """``12 Nov 2025``."""
    d = pd.Timestamp(ts)
    return f"{d.day} {d:%b %Y}"


def bn(x: float) -> float:
    """A $bn amount as a table shows it: rounded to 0.1 (half away from zero), never −0.0."""
    r = excel_round(float(x), 1)
    return 0.0 if r == 0 else r


def pct(x: float | None) -> float | None:
    """A growth rate rounded to 0.01% (a fraction to 4 decimals); None when missing."""
    if x is None or not math.isfinite(x):
        return None
    r = excel_round(float(x), 4)
    return 0.0 if r == 0 else r


def text(s: str) -> Value:
    """A text value (General format)."""
    return Value(s, s, FMT_GENERAL)


NA = Value(None, "n/a")


# --------------------------------------------------------------------------- per category
@dataclass
class CategoryFacts:
    """What the report knows of one category at the as-of week (computed in ``compute.py``).

    ``looks`` maps a window length (the N weeks setting, and 1) to its :class:`LookBack`, or None
    when the category has fewer weeks of data than the window. ``empty`` is True when the category
    has no data up to the as-of date (it starts later).
    """

    name: str
    as_of: pd.Timestamp
    weeks: int
    sample: bool = False
    empty: bool = False
    start: pd.Timestamp | None = None
    week: pd.Timestamp | None = None
    latest: float = math.nan
    streak: int = 0
    first_in: int | None = None
    previous_run: tuple[int, int] | None = None
    looks: dict[int, LookBack | None] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return S.fund_label(self.name)

    def recent(self, since) -> bool:
        """Whether a "since" date is recent enough to be named by its week."""
        return pd.Timestamp(since) > self.as_of - pd.Timedelta(weeks=RECENT_WEEKS_PRECISION)

    def since_text(self, since) -> str:
        """``Mar 2022``, or ``Nov 5`` for a recent date (see :data:`RECENT_WEEKS_PRECISION`)."""
        return S.day(since) if self.recent(since) else S.month(since)

    # clauses -----------------------------------------------------------------
    def week_clause(self) -> str:
        return S.week_clause(self.latest, self.week)

    def first_in_clause(self) -> str:
        return S.first_in_clause(self.latest, self.first_in, self.streak, self.start)

    def streak_clause(self) -> str:
        return S.streak_clause(self.streak, self.previous_run)

    def look_clause(self, weeks: int) -> str:
        look = self.looks.get(weeks)
        if look is None:
            return f"fewer than {S.plural(weeks, 'week')} of data"
        since = None if look.since is None else self.since_text(look.since)
        return S.largest_since_clause(look.total, look.direction, since, weeks, self.start)

    def newsworthy(self, weeks: int) -> bool:
        """Whether a look-back belongs in the headline: a record, or a "since" window that does not
        overlap the latest one (a window ending last week is no news)."""
        look = self.looks.get(weeks)
        if look is None or look.direction == 0:
            return False
        if look.since is None:
            return True
        return pd.Timestamp(look.since) <= self.week - pd.Timedelta(weeks=weeks)

    def sentence(self, *clauses: str) -> str:
        """``Equity funds: clause, clause``; ``Equity funds (sample data): …`` when Flows is
        marked as sample data."""
        subject = f"{self.label} ({SAMPLE_LABEL})" if self.sample else self.label
        return S.join(subject, *clauses)

    def headline(self) -> str:
        parts = [self.week_clause()]
        if self.first_in is None or self.first_in >= 2:   # a change of direction is the news
            parts.append(self.first_in_clause())
        for weeks in dict.fromkeys((self.weeks, 1)):
            if self.newsworthy(weeks) and (weeks == self.weeks or self.looks[weeks].since is None):
                parts.append(self.look_clause(weeks))      # the 1-week clause only as a record
        return self.sentence(*parts)


def _category(build: Callable[[CategoryFacts], Value], empty: Callable[[CategoryFacts], Value]
              ) -> Callable[[CategoryFacts], Value]:
    """A builder that gives ``empty(c)`` for a category with no data up to the as-of date."""
    return lambda c: empty(c) if c.empty else build(c)


def _no_data_sentence(c: CategoryFacts) -> Value:
    return text(c.sentence(f"no data up to {long_date(c.as_of)}"))


def _na(c: CategoryFacts) -> Value:
    return NA


def _na_text(c: CategoryFacts) -> Value:
    return text("n/a")


def _total(weeks_of: Callable[[CategoryFacts], int]) -> Callable[[CategoryFacts], Value]:
    def build(c: CategoryFacts) -> Value:
        look = c.looks.get(weeks_of(c))
        if look is None:
            return Value("n/a", "n/a", FMT_GENERAL)
        return Value(bn(look.total), S.money(look.total), FMT_BN)
    return build


def _since(weeks_of: Callable[[CategoryFacts], int]) -> Callable[[CategoryFacts], Value]:
    def build(c: CategoryFacts) -> Value:
        look = c.looks.get(weeks_of(c))
        if look is None:
            return Value("n/a", "n/a", FMT_GENERAL)
        if look.direction == 0:
            return text(K.FLAT)
        if look.since is None:
            return text(K.RECORD)
        fmt = FMT_DATE if c.recent(look.since) else FMT_MONTH
        return Value(when(look.since), c.since_text(look.since), fmt)
    return build


def _since_text(weeks_of: Callable[[CategoryFacts], int]) -> Callable[[CategoryFacts], Value]:
    """``inflow since Mar 2022``, ``outflow since Nov 5``, ``record inflow``, ``flat``: the look-back
    with its direction, as the flows table shows it."""
    def build(c: CategoryFacts) -> Value:
        look = c.looks.get(weeks_of(c))
        if look is None:
            return text("n/a")
        if look.direction == 0:
            return text(K.FLAT)
        word = S.direction_word(look.direction)
        if look.since is None:
            return text(f"{K.RECORD} {word}")
        since = look.since
        shown = long_date(since) if c.recent(since) else S.month(since)
        return text(f"{word} since {shown}")
    return build


def _n(c: CategoryFacts) -> int:
    return c.weeks


def _one(c: CategoryFacts) -> int:
    return 1


def _first_in_value(c: CategoryFacts) -> Value:
    if c.first_in is None:
        return text(K.FIRST_ON_RECORD)
    return Value(int(c.first_in), str(c.first_in), FMT_COUNT)


def _look_sentence(weeks_of: Callable[[CategoryFacts], int]) -> Callable[[CategoryFacts], Value]:
    return lambda c: text(c.sentence(c.week_clause(), c.look_clause(weeks_of(c))))


CATEGORY_FIELDS: tuple[Field, ...] = (
    Field("name", FMT_GENERAL, "the `Flows` header",
          lambda c: Value(c.name, c.name, FMT_GENERAL)),
    Field("week", FMT_DATE, "latest week (date)",
          _category(lambda c: Value(when(c.week), S.day(c.week), FMT_DATE), _na)),
    Field("latest", FMT_BN, "latest week's flow",
          _category(lambda c: Value(bn(c.latest), S.money(c.latest), FMT_BN), _na)),
    Field("streak", FMT_INT, "`FLOW_STREAK` (+k / −k / 0)",
          _category(lambda c: Value(int(c.streak), S.signed(str(abs(c.streak)),
                                                            (c.streak > 0) - (c.streak < 0)),
                                    FMT_INT), _na)),
    Field("first_in", FMT_COUNT, "`FLOW_FIRST_IN` (number, or `first on record`)",
          _category(_first_in_value, _na)),
    Field("total", FMT_BN, "N-week total", _category(_total(_n), _na)),
    Field("largest_since", FMT_MONTH,
          "`FLOW_LARGEST_SINCE` over N weeks: the date (its month, or its week when within "
          f"{RECENT_WEEKS_PRECISION} weeks), `record` or `flat`",
          _category(_since(_n), _na)),
    Field("largest_since_text", FMT_GENERAL,
          "the same with its direction: `inflow since Mar 2022`, `outflow since 5 Nov 2025`, "
          "`record inflow`, `flat`", _category(_since_text(_n), _na_text)),
    Field("total_1w", FMT_BN, "the latest week's total (as `total` over 1 week)",
          _category(_total(_one), _na)),
    Field("largest_since_1w", FMT_MONTH, "`FLOW_LARGEST_SINCE` over 1 week",
          _category(_since(_one), _na)),
    Field("largest_since_1w_text", FMT_GENERAL, "the same with its direction",
          _category(_since_text(_one), _na_text)),
    Field("latest_sentence", FMT_GENERAL, "`Equity funds: +$25.3bn in the week to Nov 12`",
          _category(lambda c: text(c.sentence(c.week_clause())), _no_data_sentence)),
    Field("streak_sentence", FMT_GENERAL, "`Equity funds: an 11th straight week of inflows`",
          _category(lambda c: text(c.sentence(c.streak_clause())), _no_data_sentence)),
    Field("first_in_sentence", FMT_GENERAL,
          "`Money market funds: −$31.0bn, the first outflow in 8 weeks`",
          _category(lambda c: text(c.sentence(S.money(c.latest), c.first_in_clause())),
                    _no_data_sentence)),
    Field("largest_since_sentence", FMT_GENERAL,
          "`Equity funds: +$25.3bn in the week to Nov 12, the biggest 8-week inflow since Mar 2022`",
          _category(_look_sentence(_n), _no_data_sentence)),
    Field("largest_since_1w_sentence", FMT_GENERAL, "the same over 1 week",
          _category(_look_sentence(_one), _no_data_sentence)),
    Field("sentence", FMT_GENERAL,
          "the headline: the week, the first-in clause when the direction changed, the N-week "
          "clause when it is news (a record, or a window that does not overlap the latest), and "
          "the weekly clause when the week itself is a record",
          _category(lambda c: text(c.headline()), _no_data_sentence)),
    Field("first_in_clause", FMT_GENERAL, "`the first outflow in 8 weeks`",
          _category(lambda c: text(c.first_in_clause()), _na_text)),
    Field("streak_clause", FMT_GENERAL, "`an 11th straight week of inflows`",
          _category(lambda c: text(c.streak_clause()), _na_text)),
    Field("largest_since_clause", FMT_GENERAL, "`the biggest 8-week inflow since Mar 2022`",
          _category(lambda c: text(c.look_clause(c.weeks)), _na_text)),
    Field("largest_since_1w_clause", FMT_GENERAL, "`the biggest weekly outflow since Jun 2024`",
          _category(lambda c: text(c.look_clause(1)), _na_text)),
)


# --------------------------------------------------------------------------- report-wide
@dataclass
class ReportFacts:
    """What the report knows as a whole (computed in ``compute.py``); see the builders below."""

    as_of: pd.Timestamp | None = None
    weeks: int = K.DEFAULT_REPORT_WEEKS
    cycles: int = K.DEFAULT_REPORT_CYCLES
    stamp: str = ""
    used: dict[str, str] = field(default_factory=dict)
    sources: str = ""
    sample: bool = False
    recent: Block | None = None
    # money-market cash and cycles
    level: float = math.nan
    level_date: pd.Timestamp | None = None
    yoy: float = math.nan
    verdict: str | None = None
    mmf_sentence: str = ""
    stale: str = ""
    asset_chart: Block | None = None
    table: Block | None = None
    count: int = 0
    average_months: int | None = None
    average_peak: float = math.nan
    first_hike: pd.Timestamp | None = None
    last_hike: pd.Timestamp | None = None
    projected: pd.Timestamp | None = None
    projection_sentence: str = ""


def _date_value(ts) -> Value:
    return NA if ts is None or pd.isna(ts) else Value(when(ts), long_date(ts), FMT_DATE)


REPORT_FIELDS: tuple[Field, ...] = (
    Field("as_of", FMT_DATE, "the as-of week (date)", lambda r: _date_value(r.as_of)),
    Field("weeks", FMT_COUNT, "the look-back weeks used (number)",
          lambda r: Value(r.weeks, str(r.weeks), FMT_COUNT)),
    Field("cycles", FMT_COUNT, "the previous cycles compared (number)",
          lambda r: Value(r.cycles, str(r.cycles), FMT_COUNT)),
    Field("settings.stamp", FMT_GENERAL, "what was used, and from where, in one line",
          lambda r: text(r.stamp)),
    Field("settings.weeks_used", FMT_GENERAL,
          "`used: 4, from the command line` (beside the weeks setting)",
          lambda r: text(r.used.get("weeks", ""))),
    Field("settings.cycles_used", FMT_GENERAL, "the same for the cycles setting",
          lambda r: text(r.used.get("cycles", ""))),
    Field("settings.as_of_used", FMT_GENERAL, "the same for the as-of setting",
          lambda r: text(r.used.get("as_of", ""))),
    Field("sources", FMT_GENERAL,
          "`Sources: Flows (sample data) to 12 Nov 2025; Policy rate to …; MMF assets to … "
          "(latest data, …).`", lambda r: text(r.sources)),
    Field("flows.label", FMT_GENERAL,
          "` — SAMPLE DATA, not real fund flows` when `Flows` is marked as sample data, else empty",
          lambda r: text(f" \u2014 {SAMPLE_LABEL.upper()}, not real fund flows" if r.sample
                         else "")),
    Field("flows.recent", None,
          "chart block: week ending + one column per category, the last 26 weeks",
          lambda r: r.recent, table=True),
    Field("mmf.level", FMT_LEVEL_BN, "latest MMF assets ($bn) on or before the as-of date",
          lambda r: Value(excel_round(float(r.level), 1), S.money(float(r.level), plus=False),
                          FMT_LEVEL_BN)),
    Field("mmf.date", FMT_DATE, "the date of that observation", lambda r: _date_value(r.level_date)),
    Field("mmf.yoy", FMT_PCT, "its year-over-year growth (a fraction, shown as %)",
          lambda r: Value(pct(r.yoy), S.percent(r.yoy), FMT_PCT)),
    Field("mmf.verdict", FMT_GENERAL,
          "`ABNORMALITY` (method mean) of `mmf.yoy` against the previous cycles' peak YoY",
          lambda r: text(r.verdict or "n/a")),
    Field("mmf.sentence", FMT_GENERAL,
          "`MMF assets +19% in the year to Q4 2020: latest data Q4 2020, five years before the "
          "as-of date; not abnormally high vs the 35% average peak rise of the previous 4 cycles`",
          lambda r: text(r.mmf_sentence)),
    Field("mmf.stale", FMT_GENERAL,
          "`latest data Q4 2020, five years before the as-of date` when the assets end well before "
          "the as-of date, else empty", lambda r: text(r.stale)),
    Field("mmf.chart", None,
          "chart block: date, assets, and the assets again inside hiking cycles (the shading), "
          "120 observations", lambda r: r.asset_chart, table=True),
    Field("cycles.table", None,
          "table: `CYCLE_INFLOWS` for the previous K completed cycles with asset data, and an "
          "average row", lambda r: r.table, table=True),
    Field("cycles.count", FMT_COUNT, "how many cycles the table holds (≤ K)",
          lambda r: Value(r.count, str(r.count), FMT_COUNT)),
    Field("cycles.average_months", FMT_MONTHS,
          "their average months from last hike to peak, in whole months (Excel's ROUND)",
          lambda r: Value(r.average_months, "n/a" if r.average_months is None
                          else str(r.average_months), FMT_MONTHS)),
    Field("cycles.average_peak_yoy", FMT_PCT, "their average peak YoY growth",
          lambda r: Value(pct(r.average_peak), S.percent(r.average_peak, plus=False), FMT_PCT)),
    Field("cycles.first_hike", FMT_DATE,
          "the current cycle's first hike (the most recent cycle up to the as-of date)",
          lambda r: _date_value(r.first_hike)),
    Field("cycles.last_hike", FMT_DATE, "the current cycle's last hike",
          lambda r: _date_value(r.last_hike)),
    Field("cycles.projected_peak", FMT_MONTH, "`PEAK_PROJECTION(last hike, months)`",
          lambda r: NA if r.projected is None else Value(when(r.projected), S.month(r.projected),
                                                         FMT_MONTH)),
    Field("cycles.projection_sentence", FMT_GENERAL,
          "`inflows peaked 17 months after the last hike on average → peak projected Dec 2024, "
          "assuming the last hike was 27 Jul 2023; that month is past …`",
          lambda r: text(r.projection_sentence)),
)

#: Every report-wide name (category prefixes may not take these first parts).
RESERVED_PREFIXES = frozenset(f.name.split(".")[0] for f in REPORT_FIELDS)


def field_named(name: str) -> Field:
    """The declaration of a placeholder name (``equity.latest`` → the ``latest`` field)."""
    for f in REPORT_FIELDS:
        if f.name == name:
            return f
    _, _, rest = name.partition(".")
    for f in CATEGORY_FIELDS:
        if f.name == rest:
            return f
    raise KeyError(name)


def placeholder(name: str, category: str | None = None) -> str:
    """``{{ name }}``, or ``{{ <slug>.name }}`` for a category field."""
    from xlflows.report.template import slug

    return "{{ " + (f"{slug(category)}.{name}" if category is not None else name) + " }}"


def markdown_tables() -> str:
    """README's tables of placeholder names, made from the declarations (a test keeps README's
    copy equal to this): one for the report-wide names, one for the per-category ones."""
    def row(name: str, f: Field) -> str:
        doc = f.doc.replace("|", "\\|")
        return f"| `{name}` | {doc} |"

    lines = ["**Report-wide**", "", "| placeholder | value |", "|---|---|"]
    lines += [row(f.name, f) for f in REPORT_FIELDS]
    lines += ["", "**Per category** (`c.` is the category's slug; `Equity` shown; $bn, positive = "
              "inflow)", "", "| placeholder | value |", "|---|---|"]
    lines += [row(f"c.{f.name}", f) for f in CATEGORY_FIELDS]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(markdown_tables(), end="")
