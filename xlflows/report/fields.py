"""Every Report placeholder, declared once: its name, its number format, how it is built, its help.

``compute.py`` builds the context from these declarations (nothing else names a placeholder),
``layout.py`` lays the built-in template with their names and formats, and README's tables of names
are checked against them by a test.

Two families:

* :data:`CATEGORY_FIELDS`, written ``c.<name>`` where ``c`` is a category's slug
  (``Money market`` → ``money_market.latest``); each is built from a :class:`CategoryFacts`;
* :data:`REPORT_FIELDS`, written as they stand (``as_of``, ``mmf.level``); each is built from a
  :class:`ReportFacts`.

A builder returns a :class:`~xlflows.report.plan.Value` (what a whole cell gets, its text form
inside other text, its number format) or a :class:`~xlflows.report.plan.Block` (a table).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from xlflows.core import constants as K
from xlflows.core.calendar import excel_round
from xlflows.core.flows import LookBack
from xlflows.core.periods import PeriodTotals
from xlflows.core.ranks import Rank, ZScore
from xlflows.core.runs import LongestSince
from xlflows.datasheets import RETAIL_MMF
from xlflows.report import sentences as S
from xlflows.report.plan import (
    FMT_BN,
    FMT_COUNT,
    FMT_DATE,
    FMT_GENERAL,
    FMT_INT,
    FMT_LEVEL_BN,
    FMT_MONTH,
    FMT_MONTHS,
    FMT_PCT,
    FMT_Z,
    Block,
    Value,
)
from xlflows.report.template import slug

#: A "since" date at most this many weeks before the as-of week is shown as its week
#: (``5 Nov 2025``), not its month: "since Nov 2025" in a note dated 12 Nov 2025 would mean
#: "since last week" and read as if it were months ago.
RECENT_WEEKS_PRECISION = 13
#: The label every flow sentence and the flows table carry when Flows holds sample data.
SAMPLE_LABEL = "sample data"
#: Real weekly flows beside the categories of ``Flows``: the weekly change of the retail money
#: funds' assets on the ``Retail MMF`` sheet. They take every per-category placeholder under
#: :data:`RETAIL_PREFIX` (``retail_mmf.paragraph``), and their sentences say what they are.
RETAIL_NAME = RETAIL_MMF.name
RETAIL_PREFIX = slug(RETAIL_NAME)
RETAIL_TITLE = f"{RETAIL_NAME} (weekly change in assets, FRED {RETAIL_MMF.series[0]})"

# The rules that decide when a grammar sentence says something (issue 18). A clause that would
# say nothing notable is left out, and a category with none of them has an empty ``more``.
#: A rank on record is said from the 2nd to this place (the 1st is the record the look-back
#: clause already says: "since the data began").
RANK_TOP = 10
#: A rank this year is said up to this place, when the year holds at least
#: :data:`YEAR_RANK_MIN_WINDOWS` windows of that direction ("the biggest of 3" is no news), and
#: only when the rank on record is not said (it is the stronger claim).
YEAR_RANK_TOP = 3
YEAR_RANK_MIN_WINDOWS = 10
#: A streak is compared with history from this many weeks, and said when it is the longest on
#: record or the longest since a run that ended at least :data:`STREAK_SINCE_WEEKS` weeks ago.
STREAK_MIN_WEEKS = 3
STREAK_SINCE_WEEKS = 52
#: Breadth ("inflows in 25 of the past 27 weeks"): the longest trailing stretch of weeks with
#: at most :data:`BREADTH_EXCEPTIONS` weeks the other way (or flat), starting and ending with a
#: week in the latest week's direction; said when it holds at least :data:`BREADTH_MIN_WEEKS`
#: weeks in that direction and at least one exception (else it is the streak).
BREADTH_EXCEPTIONS = 2
BREADTH_MIN_WEEKS = 10
#: Fewer weeks than this into a calendar year, "this year" would be a week or two: the sentence
#: gives the previous calendar year's total instead.
YEAR_TO_DATE_MIN_WEEKS = 4
#: The annualised pace's rank is said up to this place, from :data:`PACE_MIN_WEEKS` weeks into
#: the year and with at least :data:`PACE_MIN_YEARS` complete earlier years to rank among.
PACE_TOP = 3
PACE_MIN_WEEKS = 13
PACE_MIN_YEARS = 5
#: A z-score is said when its size reaches this (two standard deviations), against at least
#: :data:`Z_MIN_WINDOWS` earlier windows.
Z_EXTREME = 2.0
Z_MIN_WINDOWS = 52


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
    has no data up to the as-of date (it starts later); ``no_data`` then says why, when the
    default ("no data up to 12 Nov 2025") does not.

    ``title`` replaces the subject of the sentences (the fund label, with "sample data" when
    ``sample``): the retail money funds' flows say what they are and where they come from.
    ``stale`` is how long before the as-of date the data end when they end well before it
    (``three months``): the week clause then dates the week in full and says so.
    """

    name: str
    as_of: pd.Timestamp
    weeks: int
    sample: bool = False
    empty: bool = False
    no_data: str = ""
    title: str | None = None
    stale: str = ""
    start: pd.Timestamp | None = None
    week: pd.Timestamp | None = None
    latest: float = math.nan
    streak: int = 0
    first_in: int | None = None
    previous_run: tuple[int, int] | None = None
    looks: dict[int, LookBack | None] = field(default_factory=dict)
    #: window length → (rank on record, rank this year); None when too few weeks
    ranks: dict[int, tuple[Rank, Rank] | None] = field(default_factory=dict)
    #: window length → z-score of the latest window against every earlier one
    zscores: dict[int, ZScore | None] = field(default_factory=dict)
    longest: LongestSince | None = None
    #: (weeks in the direction, weeks looked at, direction) of the breadth rule, or None
    breadth: tuple[int, int, int] | None = None
    year: PeriodTotals | None = None
    #: (total, calendar year) of the previous year, when the current one has just begun
    previous_year: tuple[float, int] | None = None

    @property
    def label(self) -> str:
        return S.fund_label(self.name)

    @property
    def subject(self) -> str:
        """What the sentences are about: ``Equity funds (sample data)``, or the ``title``."""
        if self.title is not None:
            return self.title
        return f"{self.label} ({SAMPLE_LABEL})" if self.sample else self.label

    @property
    def first_week(self) -> pd.Timestamp:
        """``start``: set for a category with data, the only kind its clauses are asked of (the
        builders go through :func:`_category`)."""
        return _known(self.start, f"{self.name}: first week")

    @property
    def latest_week(self) -> pd.Timestamp:
        """``week``, on the same terms as :attr:`first_week`."""
        return _known(self.week, f"{self.name}: latest week")

    @property
    def this_year(self) -> str:
        """``this year``, or ``in 2024`` when the latest week is in an earlier year than the
        as-of date (data that end early)."""
        if self.week is None or self.week.year == self.as_of.year:
            return "this year"
        return f"in {self.week.year}"

    def recent(self, since) -> bool:
        """Whether a "since" date is recent enough to be named by its week."""
        return pd.Timestamp(since) > self.as_of - pd.Timedelta(weeks=RECENT_WEEKS_PRECISION)

    def since_text(self, since) -> str:
        """``Mar 2022``, or ``Nov 5`` for a recent date (see :data:`RECENT_WEEKS_PRECISION`)."""
        return S.day(since) if self.recent(since) else S.month(since)

    # clauses -----------------------------------------------------------------
    def week_clause(self) -> str:
        return S.week_clause(self.latest, self.latest_week, stale=self.stale)

    def first_in_clause(self) -> str:
        return S.first_in_clause(self.latest, self.first_in, self.streak, self.first_week)

    def streak_clause(self) -> str:
        return S.streak_clause(self.streak, self.previous_run)

    def look_clause(self, weeks: int) -> str:
        look = self.looks.get(weeks)
        if look is None:
            return f"fewer than {S.plural(weeks, 'week')} of data"
        since = None if look.since is None else self.since_text(look.since)
        return S.largest_since_clause(look.total, look.direction, since, weeks, self.first_week)

    def newsworthy(self, weeks: int) -> bool:
        """Whether a look-back belongs in the headline: a record, or a "since" window that does not
        overlap the latest one (a window ending last week is no news)."""
        look = self.looks.get(weeks)
        if look is None or look.direction == 0:
            return False
        if look.since is None:
            return True
        return pd.Timestamp(look.since) <= self.latest_week - pd.Timedelta(weeks=weeks)

    def sentence(self, *clauses: str) -> str:
        """``Equity funds: clause, clause``; ``Equity funds (sample data): …`` when Flows is
        marked as sample data (see :attr:`subject`)."""
        return S.join(self.subject, *clauses)

    def in_headline(self, weeks: int) -> bool:
        """Whether the look-back over ``weeks`` is in the headline: the N-week one when it is
        news, the weekly one only as a record."""
        look = self.looks.get(weeks)
        if look is None or not self.newsworthy(weeks):
            return False
        return weeks == self.weeks or look.since is None

    def rank_clause(self, weeks: int, after_look: bool) -> str:
        """The window's rank when it says something (:data:`RANK_TOP`, :data:`YEAR_RANK_TOP`),
        else ``""``. ``after_look``: it follows the look-back clause, which named the window and
        which already implies a 1st place this year."""
        ranks = self.ranks.get(weeks)
        if ranks is None:
            return ""
        record, year = ranks
        # A flat window (direction 0) has no rank (None); both ranks are of the latest window,
        # so they are flat together.
        if record.rank is None or year.rank is None or year.of is None:
            return ""
        if 2 <= record.rank <= RANK_TOP:
            return S.rank_clause(record.rank, record.direction, weeks, "on record",
                                 window=not after_look)
        if (record.rank > RANK_TOP and year.rank <= YEAR_RANK_TOP
                and year.of >= YEAR_RANK_MIN_WINDOWS and not (after_look and year.rank == 1)):
            return S.rank_clause(year.rank, year.direction, weeks, self.this_year,
                                 window=not after_look)
        return ""

    def headline(self) -> str:
        parts = [self.week_clause()]
        if self.first_in is None or self.first_in >= 2:   # a change of direction is the news
            parts.append(self.first_in_clause())
        for weeks in dict.fromkeys((self.weeks, 1)):
            if self.in_headline(weeks):
                parts.append(self.look_clause(weeks))      # the 1-week clause only as a record
                parts.append(self.rank_clause(weeks, after_look=True))
            elif weeks == 1:
                parts.append(self.rank_clause(1, after_look=False))
        return self.sentence(*parts)

    # the grammar's clauses (issue 18), each only when it says something ----------------
    def streak_record(self) -> str:
        """``an 11th straight week of inflows, the longest inflow streak on record``."""
        run = self.longest
        if run is None or run.direction == 0 or run.weeks < STREAK_MIN_WEEKS:
            return ""
        if run.since is not None and (pd.Timestamp(run.since)
                                      > self.latest_week - pd.Timedelta(weeks=STREAK_SINCE_WEEKS)):
            return ""
        since = None if run.since is None else S.month(run.since)
        return f"{self.streak_clause()}, {S.streak_record_clause(run.direction, since)}"

    def breadth_clause(self) -> str:
        if self.breadth is None:
            return ""
        return S.breadth_clause(*self.breadth)

    def window_rank(self) -> str:
        """The N-week total and its rank, when the headline has no N-week clause to carry it."""
        look = self.looks.get(self.weeks)
        if look is None or self.weeks == 1 or self.in_headline(self.weeks):
            return ""
        rank = self.rank_clause(self.weeks, after_look=False)
        if not rank:
            return ""
        return f"{S.window_total_clause(look.total, self.weeks)}, {rank}"

    def year_clause(self) -> str:
        """``+$57.4bn this year (+$30.5bn at this point last year)``, with the pace's rank when
        it is notable; the previous year's total early in a year; ``""`` when not covered."""
        y = self.year
        if y is None:
            return ""
        if y.weeks < YEAR_TO_DATE_MIN_WEEKS:                 # a year just begun (or not covered)
            if self.previous_year is None:
                return ""
            total, year = self.previous_year
            return S.last_year_clause(total, year)
        if not math.isfinite(y.to_date):
            return ""
        text = S.year_to_date_clause(y.to_date, y.last_year,
                                     None if self.this_year == "this year"
                                     else self.latest_week.year)
        if (y.pace_rank is not None and y.pace_rank <= PACE_TOP and y.weeks >= PACE_MIN_WEEKS
                and y.years >= PACE_MIN_YEARS):
            text += ", " + S.pace_clause(y.pace_rank, y.pace_direction)
        return text

    def zscore_clause(self) -> str:
        """The most extreme of the weekly and N-week z-scores, when it reaches
        :data:`Z_EXTREME` against at least :data:`Z_MIN_WINDOWS` earlier windows; else ``""``."""
        best = None
        for weeks in dict.fromkeys((1, self.weeks)):
            z = self.zscores.get(weeks)
            if (z is not None and z.windows >= Z_MIN_WINDOWS and math.isfinite(z.z)
                    and abs(z.z) >= Z_EXTREME and (best is None or abs(z.z) > abs(best[1].z))):
                best = (weeks, z)
        if best is None:
            return ""
        return S.zscore_clause(best[1].z, best[1].percentile, best[0])

    def more_clauses(self) -> list[str]:
        parts = [self.streak_record(), self.breadth_clause(), self.window_rank(),
                 self.year_clause(), self.zscore_clause()]
        return [p for p in parts if p]

    def more(self) -> str:
        """The category's second sentence, ``""`` when none of its clauses says something."""
        clauses = self.more_clauses()
        if not clauses:
            return ""
        return f"{self.subject}: " + "; ".join(clauses)


def _known(date: pd.Timestamp | None, what: str) -> pd.Timestamp:
    """``date``, which the caller knows is set; an internal error names ``what`` when not."""
    if date is None:
        raise AssertionError(f"{what} asked of a category without data")
    return date


def _category(build: Callable[[CategoryFacts], Value], empty: Callable[[CategoryFacts], Value]
              ) -> Callable[[CategoryFacts], Value]:
    """A builder that gives ``empty(c)`` for a category with no data up to the as-of date."""
    return lambda c: empty(c) if c.empty else build(c)


def _no_data_sentence(c: CategoryFacts) -> Value:
    return text(c.sentence(c.no_data or f"no data up to {long_date(c.as_of)}"))


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
    """``inflow since Mar 2022``, ``outflow since Nov 5``, ``record inflow``, ``flat``: the
    look-back with its direction, as the flows table shows it."""
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


def _rank(weeks_of: Callable[[CategoryFacts], int], which: int
          ) -> Callable[[CategoryFacts], Value]:
    """The rank on record (``which`` 0) or this year (1) of the window, ``flat``, or n/a."""
    def build(c: CategoryFacts) -> Value:
        ranks = c.ranks.get(weeks_of(c))
        if ranks is None:
            return text("n/a")
        rank = ranks[which]
        if rank.rank is None:                 # a flat window (direction 0) has no rank
            return text(K.FLAT)
        return Value(int(rank.rank), S.ordinal(rank.rank), FMT_COUNT)
    return build


def _zscore(weeks_of: Callable[[CategoryFacts], int]) -> Callable[[CategoryFacts], Value]:
    def build(c: CategoryFacts) -> Value:
        z = c.zscores.get(weeks_of(c))
        if z is None or not math.isfinite(z.z):
            return text("n/a")
        r = excel_round(float(z.z), 1)
        return Value(0.0 if r == 0 else r, S.signed(f"{abs(r):.1f}", (r > 0) - (r < 0)), FMT_Z)
    return build


def _amount(get: Callable[[CategoryFacts], float]) -> Callable[[CategoryFacts], Value]:
    def build(c: CategoryFacts) -> Value:
        x = get(c)
        if x is None or not math.isfinite(x):
            return text("n/a")
        return Value(bn(x), S.money(x), FMT_BN)
    return build


def _longest_since(c: CategoryFacts) -> Value:
    run = c.longest
    if run is None or run.direction == 0:
        return text(K.FLAT)
    if run.since is None:
        return text(K.RECORD)
    return Value(when(run.since), S.month(run.since), FMT_MONTH)


def _year_to_date(c: CategoryFacts) -> float:
    return math.nan if c.year is None else c.year.to_date


def _same_point_last_year(c: CategoryFacts) -> float:
    return math.nan if c.year is None else c.year.last_year


def _look_sentence(weeks_of: Callable[[CategoryFacts], int]) -> Callable[[CategoryFacts], Value]:
    return lambda c: text(c.sentence(c.week_clause(), c.look_clause(weeks_of(c))))


CATEGORY_FIELDS: tuple[Field, ...] = (
    Field("name", FMT_GENERAL, "the `Flows` header",
          lambda c: Value(c.name, c.name, FMT_GENERAL)),
    Field("week", FMT_DATE, "latest week (date)",
          _category(lambda c: Value(when(c.week), S.day(c.latest_week), FMT_DATE), _na)),
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
          "`Equity funds: +$25.3bn in the week to Nov 12, the biggest 8-week inflow since "
          "Mar 2022`",
          _category(_look_sentence(_n), _no_data_sentence)),
    Field("largest_since_1w_sentence", FMT_GENERAL, "the same over 1 week",
          _category(_look_sentence(_one), _no_data_sentence)),
    Field("paragraph", FMT_GENERAL,
          "the headline and, after `; `, the clauses of `more_sentence` (the built-in layout's "
          "text per category)",
          _category(lambda c: text("; ".join([c.headline(), *c.more_clauses()])),
                    _no_data_sentence)),
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
    Field("rank", FMT_COUNT,
          "`FLOW_RANK` of the N-week total on record: 1 + the earlier windows of its direction "
          "that were larger (`flat` when it is 0)", _category(_rank(_n, 0), _na_text)),
    Field("rank_year", FMT_COUNT, "the same among the windows ending this calendar year",
          _category(_rank(_n, 1), _na_text)),
    Field("rank_1w", FMT_COUNT, "`FLOW_RANK` of the latest week on record",
          _category(_rank(_one, 0), _na_text)),
    Field("rank_year_1w", FMT_COUNT, "the same among this calendar year's weeks",
          _category(_rank(_one, 1), _na_text)),
    Field("rank_clause", FMT_GENERAL,
          f"`the 4th largest 8-week inflow on record` (places 2 to {RANK_TOP}), or `the 3rd "
          f"largest … this year` (places 1 to {YEAR_RANK_TOP} among at least "
          f"{YEAR_RANK_MIN_WINDOWS} windows of its direction this year); else empty",
          _category(lambda c: text(c.rank_clause(c.weeks, after_look=False)), _na_text)),
    Field("rank_1w_clause", FMT_GENERAL, "the same for the latest week",
          _category(lambda c: text(c.rank_clause(1, after_look=False)), _na_text)),
    Field("streak_longest_since", FMT_MONTH,
          "`STREAK_LONGEST_SINCE` of the current run: the end of the last run of its direction "
          "at least as long (its month), `record` or `flat`", _category(_longest_since, _na)),
    Field("streak_record_clause", FMT_GENERAL,
          f"`an 11th straight week of inflows, the longest inflow streak on record`: runs of "
          f"{STREAK_MIN_WEEKS} weeks or more that are a record or the longest in at least "
          f"{STREAK_SINCE_WEEKS} weeks; else empty",
          _category(lambda c: text(c.streak_record()), _na_text)),
    Field("breadth_clause", FMT_GENERAL,
          f"`inflows in 25 of the past 27 weeks` (`FLOW_COUNT`): the longest recent stretch with "
          f"at most {BREADTH_EXCEPTIONS} weeks the other way, when it holds at least "
          f"{BREADTH_MIN_WEEKS} weeks of the latest direction and reaches past the streak; "
          "else empty", _category(lambda c: text(c.breadth_clause()), _na_text)),
    Field("year_to_date", FMT_BN, "`FLOW_PERIOD`: this calendar year's flows to date",
          _category(_amount(_year_to_date), _na_text)),
    Field("same_point_last_year", FMT_BN, "last year's flows to the same date",
          _category(_amount(_same_point_last_year), _na_text)),
    Field("year_clause", FMT_GENERAL,
          "`+$57.4bn this year (+$30.5bn at this point last year)`, with `on pace for the 2nd "
          f"largest annual inflow on record` (places 1 to {PACE_TOP}, from {PACE_MIN_WEEKS} "
          f"weeks into the year, {PACE_MIN_YEARS} complete years or more); in the first "
          f"{YEAR_TO_DATE_MIN_WEEKS - 1} weeks of a year the previous year's total "
          "(`+$612.0bn in 2024`)", _category(lambda c: text(c.year_clause()), _na_text)),
    Field("zscore", FMT_Z, "`FLOW_ZSCORE` of the N-week total against every earlier window",
          _category(_zscore(_n), _na_text)),
    Field("zscore_1w", FMT_Z, "the same for the latest week", _category(_zscore(_one), _na_text)),
    Field("zscore_clause", FMT_GENERAL,
          "`weekly flows 4.0 standard deviations above average (99th percentile)`: the larger of "
          f"the weekly and N-week z-scores when its size is {Z_EXTREME:g} or more against at "
          f"least {Z_MIN_WINDOWS} earlier windows; else empty",
          _category(lambda c: text(c.zscore_clause()), _na_text)),
    Field("more_clauses", FMT_GENERAL,
          "the clauses above that say something, and the N-week total with its rank when the "
          "headline does not carry it, joined by `; `",
          _category(lambda c: text("; ".join(c.more_clauses())), _na_text)),
    Field("more_sentence", FMT_GENERAL,
          "`Equity funds: an 11th straight week of inflows, the longest inflow streak on record; "
          "…`, empty when none of them says something",
          _category(lambda c: text(c.more()), lambda c: text(""))),
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
    #: the period of the observation the verdict is on, when the assets are stale (``Q4 2020``)
    verdict_as_of: str | None = None
    mmf_sentence: str = ""
    stale: str = ""
    asset_chart: Block | None = None
    table: Block | None = None
    count: int = 0
    average_months: int | None = None
    average_peak: float = math.nan
    first_hike: pd.Timestamp | None = None
    last_hike: pd.Timestamp | None = None
    first_cut: pd.Timestamp | None = None
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
          "`Sources: Flows — sample data, not real fund flows, Jan 2004 to 12 Nov 2025; Policy "
          "rate — FRED DFEDTAR, then DFEDTARU …, Board of Governors of the Federal Reserve System, "
          "Sep 1982 to 12 Nov 2025; MMF assets — FRED MMMFFAQ027S, …, Z.1 Financial Accounts, "
          "quarterly, dated at the quarter's end, Mar 1974 to 31 Dec 2020 (latest data, five "
          "years before the as-of date).`", lambda r: text(r.sources)),
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
    Field("mmf.date", FMT_DATE, "the date of that observation",
          lambda r: _date_value(r.level_date)),
    Field("mmf.yoy", FMT_PCT, "its year-over-year growth (a fraction, shown as %)",
          lambda r: Value(pct(r.yoy), S.percent(r.yoy), FMT_PCT)),
    Field("mmf.verdict", FMT_GENERAL,
          "`ABNORMALITY` (method mean) of `mmf.yoy` against the previous cycles' peak YoY; dated "
          "when the assets are stale (`not abnormally high (Q4 2020)`)",
          lambda r: text(r.verdict + (f" ({r.verdict_as_of})" if r.verdict_as_of else "")
                         if r.verdict else "n/a")),
    Field("mmf.sentence", FMT_GENERAL,
          "`MMF assets +19% in the year to Q4 2020 (latest data, five years before the as-of "
          "date): as of Q4 2020, not abnormally high vs the 35% average peak rise of the "
          "previous 4 cycles; no reading for Nov 2025` (with current data: `… over the past "
          "year: not abnormally high vs …`)",
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
          "the latest cycle's first hike (the most recent cycle up to the as-of date, open or "
          "over)",
          lambda r: _date_value(r.first_hike)),
    Field("cycles.last_hike", FMT_DATE, "the latest cycle's last hike",
          lambda r: _date_value(r.last_hike)),
    Field("cycles.first_cut", FMT_DATE,
          "the latest cycle's first cut (the end of the cycle), or `none yet` while it is open",
          lambda r: (text("none yet") if r.first_cut is None and r.last_hike is not None
                     else _date_value(r.first_cut))),
    Field("cycles.projected_peak", FMT_MONTH, "`PEAK_PROJECTION(last hike, months)`",
          lambda r: NA if r.projected is None else Value(when(r.projected), S.month(r.projected),
                                                         FMT_MONTH)),
    Field("cycles.projection_sentence", FMT_GENERAL,
          "`the 2022–23 hiking cycle ended with a cut on 19 Sep 2024 (last hike 27 Jul 2023); "
          "inflows peaked 17 months after the last hike on average → peak projected Dec 2024 "
          "(quarterly assets dated at the quarter's end; at its start, as FRED labels them: 14 "
          "months → Sep 2024); no asset data yet to compare: MMF assets end Q4 2020`; for an open "
          "cycle `…, assuming the last hike was …`; with asset data past the projected month, the "
          "observed peak",
          lambda r: text(r.projection_sentence)),
)

#: Every report-wide name and the retail flows' prefix (category prefixes may not take these).
RESERVED_PREFIXES = frozenset(f.name.split(".")[0] for f in REPORT_FIELDS) | {RETAIL_PREFIX}


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
    return "{{ " + (f"{slug(category)}.{name}" if category is not None else name) + " }}"


def markdown_tables() -> str:
    """README's tables of placeholder names, made from the declarations (a test keeps README's
    copy equal to this): one for the report-wide names, one for the per-category ones."""
    def row(name: str, f: Field) -> str:
        doc = f.doc.replace("|", "\\|")
        return f"| `{name}` | {doc} |"

    lines = ["**Report-wide**", "", "| placeholder | value |", "|---|---|"]
    lines += [row(f.name, f) for f in REPORT_FIELDS]
    lines += ["", (f"**Per category** (`c.` is the category's slug; `Equity` shown; $bn, "
              "positive = inflow; the retail money funds' weekly change in assets takes every "
              f"one of them as `{RETAIL_PREFIX}.`)"), "", "| placeholder | value |", "|---|---|"]
    lines += [row(f"c.{f.name}", f) for f in CATEGORY_FIELDS]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(markdown_tables(), end="")
