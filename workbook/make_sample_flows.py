"""Write ``workbook/sample_flows.csv``: SAMPLE weekly fund flows (invented, not real data).

Weekly net flows in $bn (one decimal), weeks ending on Wednesdays from the first Wednesday of
2004 to 2025-11-12 (the last date of the shipped policy rate), for four categories: ``Equity``,
``Bond``, ``Money market`` and ``Multi-asset`` (which starts in 2010, to exercise a category with
leading blanks). Real weekly flow data (EPFR and the like) is proprietary; these numbers are a
seeded random walk shaped so that the latest week reproduces the sentences of a typical note:

* Equity: +$25.3bn in the latest week, whose 8-week total is the biggest 8-week inflow since a
  window ending in Mar 2022;
* Money market: −$31.0bn, the first outflow in 8 weeks (the previous outflow 8 rows earlier).

Deterministic: the same file on every run. Run ``python workbook/make_sample_flows.py``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

OUT = Path(__file__).resolve().parent / "sample_flows.csv"
FIRST_WEEK = "2004-01-07"   # first Wednesday of 2004
LAST_WEEK = "2025-11-12"    # last date of DFEDTARU in data/
SEED = 20251112
WEEKS = 8


def _rolling_max_after(values: np.ndarray, dates: pd.DatetimeIndex, after: pd.Timestamp) -> float:
    """Largest 8-week sum over windows ending after ``after`` and before the latest week."""
    sums = pd.Series(values, index=dates).rolling(WEEKS).sum()
    return float(sums[(sums.index > after)].iloc[:-1].max())


def make() -> pd.DataFrame:
    """Build the sample table (``Week ending`` + one column per category, $bn, 1 decimal)."""
    rng = np.random.default_rng(SEED)
    weeks = pd.date_range(FIRST_WEEK, LAST_WEEK, freq="W-WED")
    n = len(weeks)

    equity = np.round(rng.normal(0.8, 6.0, n), 1)
    bond = np.round(rng.normal(1.5, 4.0, n) + 1.5 * np.sin(np.arange(n) / 40.0), 1)
    money_market = np.round(rng.normal(2.0, 14.0, n), 1)
    multi = np.round(rng.normal(0.2, 1.5, n), 1)
    multi[weeks < pd.Timestamp("2010-01-06")] = np.nan

    # Equity: a strong run in March 2022 sets the bar the latest 8 weeks beat.
    march = (weeks >= pd.Timestamp("2022-02-01")) & (weeks <= pd.Timestamp("2022-03-31"))
    equity[march] = np.abs(equity[march]) + 6.0
    # ...followed by a sharp reversal, so windows ending in April 2022 fall back below it.
    april = np.flatnonzero(weeks > pd.Timestamp("2022-03-31"))[:4]
    equity[april] = [-28.4, -19.7, -22.5, -15.2]
    equity[-WEEKS:] = [3.1, 6.4, 2.2, 8.9, 4.7, 5.5, 7.0, 25.3]
    # Windows ending after Mar 2022 (before the last week) must stay below the latest total;
    # shave the weeks after March 2022 until that holds.
    target = float(equity[-WEEKS:].sum())
    after_march = weeks > pd.Timestamp("2022-03-31")
    body = after_march.copy()
    body[april] = False
    body[-WEEKS:] = False
    for _ in range(50):
        if _rolling_max_after(equity, weeks, pd.Timestamp("2022-03-31")) < target:
            break
        equity[body] = np.round(equity[body] * 0.9 - 0.1, 1)
    else:
        raise RuntimeError("could not shape the Equity sample")
    sums = pd.Series(equity, index=weeks).rolling(WEEKS).sum()
    mar_2022 = sums[(sums.index >= pd.Timestamp("2022-03-01"))
                    & (sums.index <= pd.Timestamp("2022-03-31"))]
    assert mar_2022.max() >= target, "the March 2022 run must reach the latest 8-week total"

    # Money market: an outflow 8 weeks back, seven inflows, then -31.0.
    money_market[-9] = -12.4
    money_market[-8:-1] = np.abs(money_market[-8:-1]) + 0.5
    money_market[-1] = -31.0

    return pd.DataFrame({
        "Week ending": weeks.strftime("%Y-%m-%d"),
        "Equity": equity,
        "Bond": bond,
        "Money market": money_market,
        "Multi-asset": multi,
    })


def main() -> None:
    table = make()
    table.to_csv(OUT, index=False, float_format="%.1f", lineterminator="\n")
    print(f"wrote {OUT} ({len(table)} weeks)")


if __name__ == "__main__":
    main()
