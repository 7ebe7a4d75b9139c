"""The data sheets of an xlflows workbook, declared once: names, headers, contents and sources.

One table (:data:`DATA_SHEETS`) is read by every part that knows a data sheet: the report's reader
(:mod:`xlflows.report.data`), the FRED update (:mod:`xlflows.update`), the empty workbook of
``xlflows new`` (:mod:`xlflows.newbook`) and the build of the shipped workbook
(``workbook/build.py``). Each sheet has its dates in column A under ``date_header`` and, but for
``Flows`` (one column per category), its values in column B under ``value_header``; headers are in
row 1 and compared case- and space-insensitively (:func:`same_header`).

This module imports nothing but the standard library: the command line and the Lite code may
import it cheaply.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

#: Number format of the date column of every data sheet (and of the dates an update appends).
DATE_FORMAT = "yyyy-mm-dd"


@dataclass(frozen=True)
class FredPart:
    """One FRED series and the dates it covers on its sheet (None = an open end).

    Attributes
    ----------
    series : str
        The FRED series id (``DFEDTARU``), downloaded as ``fredgraph.csv?id=SERIES``.
    first, last : datetime.date, optional
        The first and last dates taken from this series (both included).
    """

    series: str
    first: dt.date | None = None
    last: dt.date | None = None


@dataclass(frozen=True)
class DataSheet:
    """A data sheet: where its dates and values are, what they are and where they come from.

    Attributes
    ----------
    name : str
        The sheet's title.
    date_header : str
        Header of column A (the dates).
    value_header : str or None
        Header of column B (the values); None for ``Flows``, whose headers after column A name
        one category each.
    holds : str
        What the values are, in a few words (notes, help and messages).
    units : str
        Their units as they stand in the sheet (``$bn``, ``percent``).
    value_format : str
        Number format of the values (of appended rows, and of a new workbook's value columns).
    unit : str
        What one observation is called (``day``, ``week``, ``quarter``).
    parts : tuple of FredPart
        The FRED series spliced into the value column, in date order (empty: not from FRED).
    divisor : float
        Sheet value = FRED value / divisor (1000: millions of USD to $bn).
    quarterly : bool
        FRED dates each value at its quarter's first day; the sheet may date it at the quarter's
        end (as the shipped workbook does) or keep FRED's dating.
    required : bool
        Whether the report and the update need the sheet (an optional sheet is updated only
        when the workbook has it).
    """

    name: str
    date_header: str
    value_header: str | None
    holds: str
    units: str
    value_format: str
    unit: str
    parts: tuple[FredPart, ...] = ()
    divisor: float = 1.0
    quarterly: bool = False
    required: bool = True

    @property
    def headers(self) -> tuple[str, ...]:
        """The headers row 1 starts with (``Flows``: only the date header)."""
        return (self.date_header,) if self.value_header is None else (
            self.date_header, self.value_header)

    @property
    def expected_headers(self) -> str:
        """Row 1 in words, for messages: ``'Date' and 'Rate'``."""
        if self.value_header is None:
            return f"'{self.date_header}' and one column per category"
        return f"'{self.date_header}' and '{self.value_header}'"

    @property
    def expected_cells(self) -> str:
        """Row 1 cell by cell, for messages: ``'Date' in A1 and 'Rate' in B1``."""
        if self.value_header is None:
            return f"'{self.date_header}' in A1 and one category per column from B1"
        return f"'{self.date_header}' in A1 and '{self.value_header}' in B1"

    @property
    def series(self) -> list[str]:
        """The FRED series behind the sheet, in the order they are fetched."""
        return [part.series for part in self.parts]

    @property
    def source(self) -> str:
        """Where the values come from, in words (a sheet's source note)."""
        if not self.parts:
            return "your own data"
        if len(self.parts) == 1:
            text = f"FRED {self.parts[0].series}"
        else:
            pieces = []
            for part in self.parts:
                span = (f" to {part.last:%Y-%m-%d}" if part.last is not None
                        else f" from {part.first:%Y-%m-%d}" if part.first is not None else "")
                pieces.append(f"{part.series}{span}")
            text = "FRED " + ", then ".join(pieces)
        return text + (f" / {self.divisor:,.0f}" if self.divisor != 1 else "")


FLOWS = DataSheet(
    "Flows", "Week ending", None,
    holds="weekly net flows per fund category (positive = inflow)", units="$bn",
    value_format="0.0", unit="week")
POLICY_RATE = DataSheet(
    "Policy rate", "Date", "Rate",
    holds="the federal funds target rate (upper limit of the target range from 2008-12-16)",
    units="percent", value_format="0.00", unit="day",
    parts=(FredPart("DFEDTAR", last=dt.date(2008, 12, 15)),
           FredPart("DFEDTARU", first=dt.date(2008, 12, 16))))
MMF_ASSETS = DataSheet(
    "MMF assets", "Date", "Assets",
    holds="money market funds' total financial assets (the Fed's Z.1), quarterly, each dated "
          "at its quarter's end",
    units="$bn", value_format="#,##0.0", unit="quarter",
    parts=(FredPart("MMMFFAQ027S"),), divisor=1000.0, quarterly=True)
RETAIL_MMF = DataSheet(
    "Retail MMF", "Date", "Assets",
    holds="retail money market funds' assets (the Fed's H.6), weekly, not seasonally adjusted, "
          "dated at each week's end (a Monday)",
    units="$bn", value_format="#,##0.0", unit="week",
    parts=(FredPart("WRMFNS"),), required=False)

#: Every data sheet, in the order a workbook holds them.
DATA_SHEETS = (FLOWS, POLICY_RATE, MMF_ASSETS, RETAIL_MMF)
#: The data sheets ``xlflows update`` keeps up to date from FRED.
FRED_SHEETS = tuple(sheet for sheet in DATA_SHEETS if sheet.parts)


def fred_series(sheets=FRED_SHEETS) -> list[str]:
    """The FRED series behind ``sheets``, in the order they are fetched."""
    return [series for sheet in sheets for series in sheet.series]


def blank(value: object) -> bool:
    """Whether a cell holds nothing: empty, or text of spaces only (a data sheet's, a settings
    cell, the template store's)."""
    return value is None or (isinstance(value, str) and not value.strip())


def normal_header(text: object) -> str:
    """A header as compared: spaces collapsed, lower case; "" for a blank cell."""
    return " ".join(str(text).split()).lower() if text is not None else ""


def same_header(found: object, wanted: str) -> bool:
    """Whether a header cell reads ``wanted`` (case and spacing aside)."""
    return normal_header(found) == normal_header(wanted)
