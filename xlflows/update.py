"""Bring a workbook's FRED series up to date: ``xlflows update`` and the Excel entry point.

The ``Policy rate`` sheet holds FRED DFEDTAR (the target rate, to 2008-12-15) followed by
DFEDTARU (the target range's upper limit, from 2008-12-16), in percent; ``MMF assets`` holds FRED
MMMFFAQ027S / 1000 in $bn, each value dated at its quarter's end (FRED labels the quarter-end
level with the quarter's first day; a sheet that keeps FRED's dating is kept that way).

An update runs in named steps; each failure is one :class:`SourceError` or ``WorkbookError``
line and nothing is written:

1. ``sheets``   — :func:`read_sheet`: each sheet's layout (``Date`` and the value header in row 1,
   dates oldest first, quarterly dates all at quarter ends or all at quarter starts);
2. ``fetch``    — every series is fetched (FRED, another base URL, or ``DIR/SERIES.csv``) and
   parsed by :func:`parse_fred_csv` before any is compared with the workbook;
3. ``plan``     — :func:`plan_update` compares each series with its sheet: observations after
   the sheet's last date are appended below it, changed values of dates it holds are revised;
   the result is a list of :class:`~xlflows.report.plan.CellWrite`, engine-neutral;
4. ``write``    — the file engine (:func:`update_file`) or the open Book
   (:func:`update_book`) applies the writes; the file is replaced atomically.

Every other cell and sheet is left alone. The Report is not recomputed: ``xlflows refresh`` (or
the Refresh button) does that afterwards; :func:`update_and_refresh_caller` does both from Excel.
"""

from __future__ import annotations

import datetime as dt
import http.client
import io
import math
import os
import re
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from http.client import HTTPException, IncompleteRead
from pathlib import Path
from typing import Callable, Mapping

import pandas as pd

from xlflows.errors import WorkbookError, XlflowsError, first_line
from xlflows.excel.convert import level_series
from xlflows.report.plan import CellWrite, RefreshPlan, cell_ref

#: FRED's CSV download; called as ``FRED_URL?id=SERIES``.
FRED_URL = "https://fred.stlouisfed.org/graph/fredgraph.csv"
#: Environment variables: another base URL (a mirror, a test server), and the timeout in seconds.
URL_ENV = "XLFLOWS_FRED_URL"
TIMEOUT_ENV = "XLFLOWS_FRED_TIMEOUT"
#: Seconds a download may take in all: connect, redirects, headers and body.
DEFAULT_TIMEOUT = 30.0
#: Largest CSV accepted (FRED's longest daily series is about 0.3 MB).
MAX_BYTES = 20 * 1024 * 1024

#: Number formats of appended rows (those of the shipped workbook).
DATE_FORMAT = "yyyy-mm-dd"

Fetch = Callable[[str], str]
Progress = Callable[[str], None]


class SourceError(XlflowsError):
    """A series cannot be fetched, or what was fetched is not a usable FRED CSV."""


# --------------------------------------------------------------------------- what is updated
@dataclass(frozen=True)
class Part:
    """One FRED series and the dates it covers on its sheet (None = open end)."""

    series: str
    first: pd.Timestamp | None = None
    last: pd.Timestamp | None = None


@dataclass(frozen=True)
class Target:
    """A data sheet kept up to date from FRED.

    Attributes
    ----------
    sheet, header : str
        The sheet and its value column's header (column B; ``Date`` in column A).
    parts : tuple of Part
        The FRED series spliced into the sheet's one column, in date order.
    divisor : float
        Sheet value = FRED value / divisor (1000: millions of USD to $bn).
    unit : str
        What one observation is called in the summary (``day``, ``quarter``).
    value_format : str
        Number format of appended values.
    quarterly : bool
        FRED dates each value at its quarter's first day; the sheet may date it at the end.
    """

    sheet: str
    header: str
    parts: tuple[Part, ...]
    divisor: float
    unit: str
    value_format: str
    quarterly: bool = False


POLICY_RATE = Target(
    "Policy rate", "Rate",
    (Part("DFEDTAR", last=pd.Timestamp("2008-12-15")),
     Part("DFEDTARU", first=pd.Timestamp("2008-12-16"))),
    1.0, "day", "0.00")
MMF_ASSETS = Target("MMF assets", "Assets", (Part("MMMFFAQ027S"),), 1000.0, "quarter",
                    "#,##0.0", quarterly=True)
TARGETS = (POLICY_RATE, MMF_ASSETS)


def series_ids(targets=TARGETS) -> list[str]:
    """The FRED series behind ``targets``, in the order they are fetched."""
    return [part.series for target in targets for part in target.parts]


# --------------------------------------------------------------------------- step 1: sheets
@dataclass
class SheetData:
    """A data sheet as the update sees it.

    Attributes
    ----------
    values : Series
        The sheet's values by date (blank values dropped), oldest first.
    rows : Series
        Every date in column A -> its sheet row (1-based), blank value or not.
    next_row : int
        The first row below the data (where new observations go).
    quarter_end : bool
        Quarterly sheets: True when dated at quarter ends, False when at FRED's quarter starts.
    """

    values: pd.Series
    rows: pd.Series
    next_row: int
    quarter_end: bool = True


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _norm(text: object) -> str:
    return " ".join(str(text).split()).lower() if text is not None else ""


def read_sheet(source, target: Target) -> SheetData:
    """Step ``sheets``: read and check one data sheet's layout.

    Raises
    ------
    WorkbookError
        Naming the sheet and cell: a missing sheet or header, a bad cell, dates out of order,
        quarterly dates neither all at quarter ends nor all at quarter starts.
    """
    sheet = target.sheet
    expected = f"'Date' in A1 and '{target.header}' in B1"
    if sheet not in source.sheet_names():
        raise WorkbookError(f"the workbook has no '{sheet}' sheet; expected one with {expected}")
    grid = source.rows(sheet)
    header = list(grid[0]) + [None, None] if grid else [None, None]
    for col, wanted in (("A", "Date"), ("B", target.header)):
        found = header[0 if col == "A" else 1]
        if _norm(found) != _norm(wanted):
            shown = "blank" if _blank(found) else f"'{found}'"
            raise WorkbookError(f"{sheet}!{col}1 is {shown}, expected '{wanted}' ({expected})")
    dates = [row[0] if row else None for row in grid[1:]]
    values = [row[1] if len(row) > 1 else None for row in grid[1:]]
    used = [i for i in range(len(dates)) if not (_blank(dates[i]) and _blank(values[i]))]
    if not used:
        raise WorkbookError(f"{sheet}!A2 is blank; expected dated values under the header")
    end = used[-1] + 1
    dates, values = dates[:end], values[:end]
    names = dict(dates_name=f"{sheet} dates", values_name=f"{sheet} values")
    try:
        # Dates first (with their row numbers as values), so a bad date is named in column A ...
        row_of = level_series(dates, [i + 2 if not _blank(d) else None for i, d in enumerate(dates)],
                              locate=lambda i: f"{sheet}!A{i + 2}", **names)
        # ... then the values, named in column B.
        series = level_series(dates, values, locate=lambda i: f"{sheet}!B{i + 2}", **names)
    except XlflowsError as exc:
        raise WorkbookError(str(exc)) from None
    rows = row_of.astype(int)
    _check_order(sheet, rows)
    quarter_end = _quarter_dating(sheet, rows) if target.quarterly else True
    return SheetData(series.astype(float), rows, end + 2, quarter_end)


def _check_order(sheet: str, rows: pd.Series) -> None:
    """Dates must run oldest first down the sheet: new rows go at the bottom."""
    going_back = rows.to_numpy()[1:] < rows.to_numpy()[:-1]
    if going_back.any():
        # In date order, the row of the date at i+1 is above the row of the earlier date at i.
        i = int(going_back.argmax())
        lower, upper = rows.iloc[i], rows.iloc[i + 1]
        raise WorkbookError(
            f"{sheet}!A{lower} ({rows.index[i]:%Y-%m-%d}) is earlier than {sheet}!A{upper} "
            f"({rows.index[i + 1]:%Y-%m-%d}) above it; expected dates oldest first, so that new "
            "observations can go below the last row")


def _quarter_dating(sheet: str, rows: pd.Series) -> bool:
    """True when every date is a quarter's last day, False when every one is its first day."""
    index = rows.index
    ends = (index + pd.offsets.QuarterEnd(0)) == index
    starts = (index.day == 1) & index.month.isin([1, 4, 7, 10])
    if ends.all():
        return True
    if starts.all():
        return False
    odd = int((~ends).argmax()) if ends.sum() >= starts.sum() else int((~starts).argmax())
    raise WorkbookError(
        f"{sheet}!A{rows.iloc[odd]} is {index[odd]:%Y-%m-%d}; expected quarterly dates, every one "
        "at its quarter's end (as the workbook dates them) or every one at its first day (as FRED "
        "does)")


# --------------------------------------------------------------------------- step 2: fetch
_DATE_HEADERS = ("date", "observation_date")
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_fred_csv(text: str, series: str, where: str) -> pd.Series:
    """A FRED CSV download -> its observations (missing ones dropped) on a DatetimeIndex.

    Both FRED layouts are read: a header ``DATE,SERIES`` or ``observation_date,SERIES``; a
    missing value is ``.`` or empty.

    Parameters
    ----------
    text : str
        The whole file.
    series : str
        The FRED series id the second header must name.
    where : str
        Names the file or address in messages.

    Raises
    ------
    SourceError
        A web page instead of CSV, an empty or truncated file, a header or line that is not
        FRED's, dates that do not increase (the series went backwards in time), no observation.
    """
    if text.lstrip().startswith("<"):
        raise SourceError(f"{where} is a web page, not a CSV file; expected FRED's CSV download "
                          f"(a date column and {series})")
    if not text.strip():
        raise SourceError(f"{where} is empty; expected FRED's CSV download of {series}")
    lines = text.split("\n")
    if lines[-1] != "":
        raise SourceError(f"{where} ends in the middle of line {len(lines)} "
                          f"('{_shown(lines[-1])}'); the file is truncated, download it again")
    lines = [line.rstrip("\r") for line in lines[:-1]]
    header = [field.strip().lower() for field in lines[0].split(",")]
    if len(header) != 2 or header[0] not in _DATE_HEADERS or header[1] != series.lower():
        raise SourceError(f"{where} line 1 is '{_shown(lines[0])}', expected "
                          f"'observation_date,{series}' or 'DATE,{series}'")
    dates: list[pd.Timestamp] = []
    values: list[float] = []
    previous: pd.Timestamp | None = None
    for number, line in enumerate(lines[1:], start=2):
        day, value = _parse_line(line, number, where)
        if previous is not None and day <= previous:
            raise SourceError(f"{where} line {number}: {day:%Y-%m-%d} comes after "
                              f"{previous:%Y-%m-%d}; expected dates that only increase (the "
                              "series went backwards in time)")
        previous = day
        if value is not None:
            dates.append(day)
            values.append(value)
    if not values:
        raise SourceError(f"{where} holds no observations of {series}; expected dated values "
                          "under the header")
    return pd.Series(values, index=pd.DatetimeIndex(dates), name=series, dtype=float)


def _parse_line(line: str, number: int, where: str) -> tuple[pd.Timestamp, float | None]:
    """One ``date,value`` line; ``.`` or empty value = missing (None)."""
    fields = line.split(",")
    expected = "expected a date (YYYY-MM-DD) and a number, '.' or nothing when missing"
    if len(fields) != 2 or not _ISO.fullmatch(fields[0].strip()):
        raise SourceError(f"{where} line {number} is '{_shown(line)}', {expected}")
    try:
        day = pd.Timestamp(dt.date.fromisoformat(fields[0].strip()))
    except ValueError:
        raise SourceError(f"{where} line {number} has the date '{fields[0].strip()}', which is "
                          "not a day of the calendar; expected YYYY-MM-DD") from None
    text = fields[1].strip()
    if text in ("", "."):
        return day, None
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise SourceError(f"{where} line {number} has the value '{_shown(text)}', {expected}")
    return day, value


def _shown(text: str, limit: int = 40) -> str:
    text = text.replace("\r", "").strip()
    return text if len(text) <= limit else text[:limit] + "…"


def folder_reader(folder: str | os.PathLike) -> Fetch:
    """``fetch(series)``: the text of ``folder/SERIES.csv`` (files saved from FRED by hand)."""
    base = Path(folder)
    if not base.is_dir():
        raise SourceError(f"--from-dir {base} is not a folder; expected one holding "
                          + ", ".join(f"{s}.csv" for s in series_ids()))

    def fetch(series: str) -> str:
        path = base / f"{series}.csv"
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise SourceError(f"{path} not found; expected FRED's CSV of {series} there "
                              f"(download {FRED_URL}?id={series})") from None
        except OSError as exc:
            raise SourceError(f"{path} cannot be read ({exc.strerror or 'unreadable'})") from None
        return _decode(data, str(path))

    return fetch


def fred_downloader(base_url: str = FRED_URL, *, timeout: float = DEFAULT_TIMEOUT,
                    progress: Progress | None = None) -> Fetch:
    """``fetch(series)``: download ``base_url?id=SERIES`` with ``urllib``.

    The usual proxy variables (``https_proxy``, ``http_proxy``, ``no_proxy``) are honoured, as
    ``urllib`` does. ``timeout`` seconds is a deadline for the whole answer (connect, TLS,
    redirects, headers and body), however slowly the server sends it. Redirects are followed
    (``urllib``'s limits) to http(s) addresses only, and never from https down to plain http.
    """
    _check_url(base_url)

    def fetch(series: str) -> str:
        url = series_url(base_url, series)
        if progress is not None:
            progress(f"downloading {series} from {urllib.parse.urlsplit(url).netloc}")
        return _decode(_download(url, timeout, series), f"{series} from {url}")

    return fetch


def series_url(base_url: str, series: str) -> str:
    """``base_url?id=SERIES`` (``&id=`` when the base already has a query)."""
    joiner = "&" if "?" in base_url else "?"
    return f"{base_url}{joiner}id={urllib.parse.quote(series)}"


def _check_url(base_url: str) -> None:
    parts = urllib.parse.urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SourceError(f"the FRED address '{_shown(base_url, 60)}' is not an http(s) URL; "
                          f"expected one like {FRED_URL}")


def _download(url: str, timeout: float, series: str) -> bytes:
    """The body at ``url`` within ``timeout`` seconds, or one SourceError line saying why not."""
    host = urllib.parse.urlsplit(url).netloc
    request = urllib.request.Request(url, headers={"User-Agent": "xlflows-update",
                                                   "Accept": "text/csv, */*;q=0.5"})
    deadline = _Deadline(timeout)
    failed = f"cannot download {series} from {url}"
    try:
        with _opener(deadline, failed).open(request, timeout=timeout) as response:
            chunks, size = [], 0
            while chunk := response.read(64 * 1024):
                size += len(chunk)
                if size > MAX_BYTES:
                    raise SourceError(f"{failed}: the answer is larger than "
                                      f"{MAX_BYTES // 2**20} MB; expected a CSV file")
                chunks.append(chunk)
            promised = response.headers.get("Content-Length", "").strip()
            if promised.isdigit() and int(promised) != size:
                raise IncompleteRead(b"", int(promised) - size)
            return b"".join(chunks)
    except urllib.error.HTTPError as exc:
        raise SourceError(f"{failed}: HTTP error {exc.code} ({exc.reason}); expected the CSV "
                          "file") from None
    except (TimeoutError, socket.timeout):
        raise SourceError(f"{failed}: no complete answer within {timeout:g} s; try again later, "
                          "or save the CSV files by hand and use --from-dir DIR") from None
    except IncompleteRead:
        raise SourceError(f"{failed}: the connection closed before the end of the file (truncated "
                          "download); try again") from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, (TimeoutError, socket.timeout)):
            raise SourceError(f"{failed}: no complete answer within {timeout:g} s; try again "
                              "later, or save the CSV files by hand and use --from-dir DIR"
                              ) from None
        detail = getattr(reason, "strerror", None) or first_line(reason) or "no detail"
        raise SourceError(f"cannot reach {host} for {series} ({detail}); behind a proxy, set "
                          "https_proxy (and http_proxy); offline, save the CSV files by hand and "
                          "use --from-dir DIR") from None
    except (HTTPException, OSError) as exc:
        detail = getattr(exc, "strerror", None) or first_line(exc) or "connection failed"
        raise SourceError(f"{failed}: {detail}; try again") from None


def _opener(deadline: _Deadline, failed: str) -> urllib.request.OpenerDirector:
    """A ``urllib`` opener whose connections keep ``deadline`` and whose redirects are checked.

    A new opener per download also reads the proxy variables now (``urlopen``'s keeps the
    first). ``failed`` begins the message of a refused redirect.
    """

    class Redirects(urllib.request.HTTPRedirectHandler):
        # Checked before urllib's own check (which lets ftp through), for every redirect code.
        def http_error_302(self, req, fp, code, msg, headers):
            location = headers.get("location") or headers.get("uri")
            if location:
                try:
                    _check_redirect(req.full_url, urllib.parse.urljoin(req.full_url, location),
                                    failed)
                except SourceError:
                    fp.close()
                    raise
            return super().http_error_302(req, fp, code, msg, headers)

        http_error_301 = http_error_303 = http_error_307 = http_error_308 = http_error_302

    class HTTP(urllib.request.HTTPHandler):
        def http_open(self, req):
            return self.do_open(_DeadlineConnection.maker(deadline), req)

    class HTTPS(urllib.request.HTTPSHandler):
        def https_open(self, req):
            return self.do_open(_DeadlineHTTPSConnection.maker(deadline), req)

    return urllib.request.build_opener(Redirects, HTTP, HTTPS)


def _check_redirect(old_url: str, new_url: str, failed: str) -> None:
    """Refuse a redirect to anything but http(s), or from https down to plain http."""
    old = urllib.parse.urlsplit(old_url).scheme.lower()
    new = urllib.parse.urlsplit(new_url).scheme.lower()
    if new not in ("http", "https"):
        raise SourceError(f"{failed}: the server redirects to {_shown(new_url, 80)}, which is not "
                          "an http(s) address; expected the CSV file")
    if old == "https" and new == "http":
        raise SourceError(f"{failed}: the server redirects to {_shown(new_url, 80)}, plain http "
                          "after https; expected the CSV file over https")


class _Deadline:
    """The moment by which a whole download must be done (a monotonic clock)."""

    def __init__(self, seconds: float):
        self._end = time.monotonic() + seconds

    def left(self) -> float:
        """Seconds left, above 0.

        Raises
        ------
        TimeoutError
            None is left.
        """
        left = self._end - time.monotonic()
        if left <= 0:
            raise TimeoutError
        return left


class _DeadlineReader(io.RawIOBase):
    """A socket's reading side where each read may wait only the time left."""

    def __init__(self, sock: socket.socket, raw: io.RawIOBase, deadline: _Deadline):
        super().__init__()
        self._sock, self._raw, self._deadline = sock, raw, deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int | None:
        self._sock.settimeout(self._deadline.left())
        return self._raw.readinto(buffer)

    def close(self) -> None:
        if not self.closed:
            self._raw.close()
        super().close()


class _DeadlineConnection(http.client.HTTPConnection):
    """An HTTP connection whose connect and every read get only the time left before
    ``deadline`` (a dripping server cannot hold it past the deadline)."""

    deadline: _Deadline

    @classmethod
    def maker(cls, deadline: _Deadline) -> Callable[..., http.client.HTTPConnection]:
        """What ``urllib``'s ``do_open`` calls to make a connection: ``cls`` keeping
        ``deadline``."""
        def make(*args, **kwargs) -> http.client.HTTPConnection:
            connection = cls(*args, **kwargs)
            connection.deadline = deadline
            return connection

        return make

    def connect(self) -> None:
        self.timeout = self.deadline.left()          # the TCP connect (and a proxy's CONNECT)
        super().connect()
        self.sock.settimeout(self.deadline.left())   # a TLS handshake (one deadline) and the request

    def response_class(self, sock, *args, **kwargs) -> http.client.HTTPResponse:
        """``http.client`` makes each response (and a proxy tunnel's) with
        ``self.response_class(sock, ...)``: here one whose reads keep the deadline."""
        response = http.client.HTTPResponse(sock, *args, **kwargs)
        reader = _DeadlineReader(sock, response.fp.detach(), self.deadline)
        response.fp = io.BufferedReader(reader)
        return response


class _DeadlineHTTPSConnection(http.client.HTTPSConnection, _DeadlineConnection):
    """HTTPS: ``HTTPSConnection.connect`` runs ``_DeadlineConnection.connect`` (the TCP
    connect), then the TLS handshake within the time left."""


def _decode(data: bytes, where: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SourceError(f"{where} is not text (not UTF-8); expected FRED's CSV download"
                          ) from None


def fetch_all(fetch: Fetch, where: Callable[[str], str], targets=TARGETS,
              progress: Progress | None = None) -> dict[str, pd.Series]:
    """Step ``fetch``: every series behind ``targets``, parsed, before anything is compared."""
    ids = series_ids(targets)
    out = {}
    for number, series in enumerate(ids, start=1):
        if progress is not None:
            progress(f"{series} ({number} of {len(ids)})")
        out[series] = parse_fred_csv(fetch(series), series, where(series))
    return out


# --------------------------------------------------------------------------- step 3: plan
@dataclass
class UpdatePlan:
    """What an update writes and says.

    Attributes
    ----------
    writes : list of CellWrite
        New rows (date and value) and revised values, sheet by sheet.
    summary : list of str
        One line per sheet: ``MMF assets: 12 new quarters to 2023-12-31, 3 revised``.
    """

    writes: list[CellWrite]
    summary: list[str]


def plan_update(source, observations: Mapping[str, pd.Series],
                targets=TARGETS) -> UpdatePlan:
    """Compare fetched FRED series with the workbook's sheets and plan the cell writes.

    Parameters
    ----------
    source : SheetSource
        ``sheet_names()`` and ``rows(sheet)`` (a file, the open Book, a fake).
    observations : mapping of str -> Series
        FRED series id -> its observations as FRED dates and units (:func:`parse_fred_csv`).
    targets : tuple of Target
        The sheets to update (default: ``Policy rate`` and ``MMF assets``).

    Returns
    -------
    UpdatePlan

    Raises
    ------
    WorkbookError
        A sheet whose layout the update does not recognise.
    SourceError
        A series that ends before the sheet does, or lacks a date inside the sheet's range.
    """
    sheets = [(target, read_sheet(source, target)) for target in targets]
    writes: list[CellWrite] = []
    summary: list[str] = []
    for target, sheet in sheets:
        wanted = sheet_series(target, observations, sheet.quarter_end)
        new, revised = _compare(target, sheet, wanted)
        writes += _new_rows(target, sheet, new) + revised
        summary.append(_summary_line(target, sheet, new, revised))
    return UpdatePlan(writes, summary)


def sheet_series(target: Target, observations: Mapping[str, pd.Series],
                 quarter_end: bool = True) -> pd.Series:
    """The target sheet's series built from FRED's: parts spliced, units and dates converted."""
    pieces = []
    for part in target.parts:
        series = observations[part.series]
        keep = pd.Series(True, index=series.index)
        if part.first is not None:
            keep &= series.index >= part.first
        if part.last is not None:
            keep &= series.index <= part.last
        pieces.append(series[keep.to_numpy()])
    combined = pd.concat(pieces) / target.divisor
    if target.quarterly:
        _check_quarter_starts(target, combined)
        if quarter_end:
            combined.index = combined.index + pd.offsets.QuarterEnd(0)
    return combined


def _check_quarter_starts(target: Target, series: pd.Series) -> None:
    index = series.index
    starts = (index.day == 1) & index.month.isin([1, 4, 7, 10])
    if not starts.all():
        odd = index[int((~starts).argmax())]
        raise SourceError(f"{target.parts[0].series} has an observation dated {odd:%Y-%m-%d}; "
                          "expected quarterly data dated at each quarter's first day, as FRED "
                          "dates it")


def _compare(target: Target, sheet: SheetData, wanted: pd.Series
             ) -> tuple[pd.Series, list[CellWrite]]:
    """(observations after the sheet's last date, value writes for the changed ones it holds)."""
    last_date = sheet.rows.index[-1]
    first_date = sheet.rows.index[0]
    if wanted.index[-1] < last_date:
        part = target.parts[-1].series
        raise SourceError(f"{part} ends {wanted.index[-1]:%Y-%m-%d}, before the last date of "
                          f"{target.sheet} ({last_date:%Y-%m-%d}, {target.sheet}!A"
                          f"{sheet.rows.iloc[-1]}); the series went backwards in time, expected "
                          "a download at least as recent as the workbook")
    inside = wanted[(wanted.index >= first_date) & (wanted.index <= last_date)]
    lacking = inside.index.difference(sheet.rows.index)
    if len(lacking):
        day = lacking[0]
        below = int(sheet.rows[sheet.rows.index > day].iloc[0])
        raise WorkbookError(
            f"{target.sheet} lacks {day:%Y-%m-%d} (before {target.sheet}!A{below}), which FRED "
            f"has; expected every FRED observation from the sheet's first date to its last "
            f"({len(lacking)} missing), since an update only appends rows and revises values")
    held = sheet.values.reindex(inside.index)
    changed = inside[(held.isna() | (held.round(9) != inside.round(9))).to_numpy()]
    revised = [CellWrite(target.sheet, cell_ref(int(sheet.rows[day]), 2), float(value))
               for day, value in changed.items()]
    return wanted[wanted.index > last_date], revised


def _new_rows(target: Target, sheet: SheetData, new: pd.Series) -> list[CellWrite]:
    writes = []
    for offset, (day, value) in enumerate(new.items()):
        row = sheet.next_row + offset
        writes.append(CellWrite(target.sheet, cell_ref(row, 1), day.to_pydatetime(), DATE_FORMAT))
        writes.append(CellWrite(target.sheet, cell_ref(row, 2), float(value), target.value_format))
    return writes


def _summary_line(target: Target, sheet: SheetData, new: pd.Series,
                  revised: list[CellWrite]) -> str:
    if len(new):
        unit = target.unit if len(new) == 1 else target.unit + "s"
        head = f"{len(new)} new {unit} to {new.index[-1]:%Y-%m-%d}"
    else:
        head = f"no new {target.unit}s (latest {sheet.rows.index[-1]:%Y-%m-%d})"
    return f"{target.sheet}: {head}, {len(revised)} revised"


# --------------------------------------------------------------------------- step 4: write
@dataclass
class UpdateResult:
    """What a file update did: where, the summary lines, and how many cells were written."""

    output: Path
    summary: list[str]
    cells_written: int


def update_file(path: str | os.PathLike, fetch: Fetch, where: Callable[[str], str], *,
                output: str | os.PathLike | None = None,
                progress: Progress | None = None) -> UpdateResult:
    """Update a workbook file (``xlflows update``): check the sheets, fetch, plan, then write.

    Parameters
    ----------
    path : path-like
        ``.xlsx``/``.xlsm`` with ``Policy rate`` and ``MMF assets`` sheets.
    fetch : callable
        ``fetch(series) -> CSV text`` (:func:`fred_downloader`, :func:`folder_reader`).
    where : callable
        ``where(series)`` names the file or address in messages.
    output : path-like, optional
        Write here instead (same extension); the input is not changed.
    progress : callable, optional
        Receives a short line before each download.

    Raises
    ------
    XlflowsError
        Any problem; nothing is written then.
    """
    from xlflows import ooxml

    source_path, target = ooxml.target_paths(path, output)
    ooxml.files.check_writable(target)          # before anything is downloaded
    with ooxml.open_book(source_path) as book:
        for sheet in TARGETS:
            read_sheet(book, sheet)            # layout first: no download for a bad workbook
    observations = fetch_all(fetch, where, progress=progress)
    with ooxml.Transaction(source_path, target) as transaction:
        book = ooxml.open_book(source_path)    # again, locked: the file as it is now
        try:
            ooxml.check_content_type(book, source_path)
            plan = plan_update(book, observations)
            if plan.writes:
                # no modified date: the same update gives the same bytes
                book.write(transaction, plan.writes)
            elif source_path.resolve() != target.resolve():
                data = source_path.read_bytes()
                transaction.replace(lambda out: out.write(data))
        finally:
            book.close()
    return UpdateResult(target, plan.summary, len(plan.writes))


# --------------------------------------------------------------------------- Excel
def update_book(book, observations: Mapping[str, pd.Series]) -> UpdatePlan:
    """Plan and apply an update to an open xlwings ``Book`` (nothing written on failure)."""
    from xlflows.report import live

    plan = plan_update(live.BookSource(book), observations)
    live.apply_plan(book, RefreshPlan(plan.writes, [], plan.summary))
    return plan


def update_and_refresh_caller() -> None:
    """From Excel: update the FRED series of the calling workbook, then refresh its Report.

    Downloads from FRED (or ``XLFLOWS_FRED_URL``). A problem is shown in a message box with its
    one-line reason and nothing is changed; the update's summary goes to the status bar.
    """
    import xlwings as xw

    from xlflows.report import live

    book = xw.Book.caller()
    try:
        fetch = fred_downloader(os.environ.get(URL_ENV) or FRED_URL, timeout=env_timeout())
        source = live.BookSource(book)
        for target in TARGETS:
            read_sheet(source, target)          # layout first: no download for a bad workbook
        observations = fetch_all(fetch, lambda series: f"{series} from FRED")
        plan = update_book(book, observations)
    except XlflowsError as exc:
        book.app.alert(str(exc), title="xlflows: nothing was updated")
        return
    book.app.status_bar = "xlflows: " + "; ".join(plan.summary)
    try:
        live.refresh_book(book)
    except XlflowsError as exc:
        book.app.alert(f"the data sheets were updated ({'; '.join(plan.summary)}), but the "
                       f"Report was not refreshed: {exc}", title="xlflows: nothing was refreshed")


def env_timeout() -> float:
    """The download timeout: ``XLFLOWS_FRED_TIMEOUT`` seconds, else :data:`DEFAULT_TIMEOUT`."""
    text = os.environ.get(TIMEOUT_ENV, "").strip()
    if not text:
        return DEFAULT_TIMEOUT
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise SourceError(f"{TIMEOUT_ENV} is '{_shown(text)}', expected a number of seconds "
                          "above 0")
    return value
