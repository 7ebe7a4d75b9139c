"""Shared fixtures: Excel-shaped inputs as xlwings and COM hand them to a UDF.

Classic xlwings (COM) gives a one-column range as a flat list by default, or as a list of
one-item rows with ``ndim=2``; a one-row range as a flat list or ``[[a, b, c]]``; dates as
``datetime.datetime``; xlwings Lite gives dates as serial numbers. The helpers below build every
shape from one list of values so a test can run the same data through each.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

#: The public series kept in the repository (data/SOURCES.md says where each comes from).
DATA_DIR = Path(__file__).resolve().parents[1] / "data"


def vertical(values):
    """An n × 1 range as COM gives it with ndim=2: ``[[v1], [v2], ...]``."""
    return [[v] for v in values]


def horizontal(values):
    """A 1 × n range as COM gives it with ndim=2: ``[[v1, v2, ...]]``."""
    return [list(values)]


def flat(values):
    """A 1-D range as xlwings gives it by default (``ndim=None``): ``[v1, v2, ...]``."""
    return list(values)


def as_tuples(values):
    """A column range as raw COM gives it: a tuple of 1-tuples."""
    return tuple((v,) for v in values)


SHAPES = {"vertical": vertical, "horizontal": horizontal, "flat": flat, "com tuples": as_tuples}


def serial(day: dt.date) -> int:
    """Excel 1900-system serial of a date on or after 1900-03-01 (what xlwings Lite passes)."""
    return (day - dt.date(1899, 12, 30)).days


DATE_FORMS = {
    "datetime": lambda d: dt.datetime(d.year, d.month, d.day),
    "serial": serial,
    "ISO text": lambda d: d.isoformat(),
    "date": lambda d: d,
}


@pytest.fixture(params=list(SHAPES), ids=list(SHAPES))
def shape_of(request):
    """Parametrised: a function that lays a list of values out in one Excel shape."""
    return SHAPES[request.param]


@pytest.fixture(params=list(DATE_FORMS), ids=list(DATE_FORMS))
def date_form(request):
    """Parametrised: a function that writes a date the way one runtime passes it."""
    return DATE_FORMS[request.param]


def weekly(start: dt.date, n: int) -> list[dt.date]:
    """``n`` week-ending dates, 7 days apart, from ``start``."""
    return [start + dt.timedelta(weeks=i) for i in range(n)]
