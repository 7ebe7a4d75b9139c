"""What the core's test files share: weekly flows from the first Friday of 2024, and the dates
of their rows (hand-worked tables count weeks from there)."""

from __future__ import annotations

import pandas as pd

#: Row 0 of :func:`weekly`: the first Friday of 2024.
FIRST_FRIDAY = "2024-01-05"


def weekly(values, start=FIRST_FRIDAY, freq="W-FRI") -> pd.Series:
    """Weekly flows in $bn, one a week (Fridays unless ``freq`` says otherwise) from ``start``."""
    values = [float(v) for v in values]
    return pd.Series(values, index=pd.date_range(start, periods=len(values), freq=freq))


def friday(k: int) -> pd.Timestamp:
    """The date of row k (0-based) of :func:`weekly` from :data:`FIRST_FRIDAY`."""
    return pd.Timestamp(FIRST_FRIDAY) + pd.Timedelta(weeks=k)
