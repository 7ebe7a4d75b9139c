"""FRED's CSV downloads: fetched safely and parsed into dated observations.

Owns the network side of ``xlflows update`` and the reading of what it brings back:

* :func:`fred_downloader` — ``fetch(series)`` over ``urllib`` from FRED (or a mirror,
  :data:`URL_ENV`): one deadline for the whole answer (connect, TLS, redirects, headers and body,
  however slowly a server sends them), redirects followed to http(s) only and never from https
  down to plain http, the usual proxy variables honoured, at most :data:`MAX_BYTES`;
* :func:`folder_reader` — ``fetch(series)`` from ``DIR/SERIES.csv`` files saved by hand;
* :func:`parse_fred_csv` — either of FRED's layouts into a Series, or one line naming the line
  that is wrong;
* :func:`fetch_all` — every series an update needs, fetched and parsed before anything is
  compared with a workbook.

Every failure is one :class:`SourceError` line: where (the file or address, the line), what was
found, what was expected.
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
from collections.abc import Callable, Iterable
from http.client import HTTPException, IncompleteRead
from pathlib import Path

import pandas as pd

from xlflows.datasheets import FRED_SHEETS
from xlflows.errors import XlflowsError, first_line

#: FRED's CSV download; called as ``FRED_URL?id=SERIES``.
FRED_URL = "https://fred.stlouisfed.org/graph/fredgraph.csv"
#: Environment variables: another base URL (a mirror, a test server), and the timeout in seconds.
URL_ENV = "XLFLOWS_FRED_URL"
TIMEOUT_ENV = "XLFLOWS_FRED_TIMEOUT"
#: Seconds a download may take in all: connect, redirects, headers and body.
DEFAULT_TIMEOUT = 30.0
#: Largest CSV accepted (FRED's longest daily series is about 0.3 MB).
MAX_BYTES = 20 * 1024 * 1024

Fetch = Callable[[str], str]
Progress = Callable[[str], None]


class SourceError(XlflowsError):
    """A series cannot be fetched, or what was fetched is not a usable FRED CSV."""


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


def _saved_files() -> str:
    """The files ``--from-dir`` reads, in words: those of the optional sheets said as such."""
    def files(sheets) -> str:
        names = [f"{series}.csv" for sheet in sheets for series in sheet.series]
        return ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else names[0]

    needed = [sheet for sheet in FRED_SHEETS if sheet.required]
    text = files(needed)
    for sheet in FRED_SHEETS:
        if not sheet.required:
            text += f" ({files([sheet])} for a {sheet.name} sheet)"
    return text


def folder_reader(folder: str | os.PathLike) -> Fetch:
    """``fetch(series)``: the text of ``folder/SERIES.csv`` (files saved from FRED by hand)."""
    base = Path(folder)
    if not base.is_dir():
        raise SourceError(f"--from-dir {base} is not a folder; expected one holding "
                          f"{_saved_files()}")

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
    if not _HAS_TLS and urllib.parse.urlsplit(url).scheme.lower() == "https":
        raise SourceError(f"{failed}: this Python has no ssl module, which https needs; use a "
                          "Python built with ssl, or save the CSV files by hand and use "
                          "--from-dir DIR")
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
    except TimeoutError:
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

    if not _HAS_TLS:
        return urllib.request.build_opener(Redirects, HTTP)

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
        self.sock.settimeout(self.deadline.left())   # a TLS handshake (one deadline), the request

    # typeshed declares the attribute a class; http.client only calls it, as it calls a method
    def response_class(  # type: ignore[override]
            self, sock, *args, **kwargs) -> http.client.HTTPResponse:
        """``http.client`` makes each response (and a proxy tunnel's) with
        ``self.response_class(sock, ...)``: here one whose reads keep the deadline."""
        response = http.client.HTTPResponse(sock, *args, **kwargs)
        reader = _DeadlineReader(sock, response.fp.detach(), self.deadline)
        response.fp = io.BufferedReader(reader)
        return response


#: Whether this Python has TLS: without the ssl module (a build without it, Pyodide) http.client
#: has no HTTPSConnection; the module still imports and https addresses are refused by name.
_HAS_TLS = hasattr(http.client, "HTTPSConnection")

if _HAS_TLS:
    class _DeadlineHTTPSConnection(http.client.HTTPSConnection, _DeadlineConnection):
        """HTTPS: ``HTTPSConnection.connect`` runs ``_DeadlineConnection.connect`` (the TCP
        connect), then the TLS handshake within the time left."""


def _decode(data: bytes, where: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SourceError(f"{where} is not text (not UTF-8); expected FRED's CSV download"
                          ) from None


def fetch_all(fetch: Fetch, where: Callable[[str], str], series: Iterable[str],
              progress: Progress | None = None) -> dict[str, pd.Series]:
    """Every one of ``series``, fetched and parsed, before anything is compared with a workbook.

    Parameters
    ----------
    fetch : callable
        ``fetch(series) -> CSV text`` (:func:`fred_downloader`, :func:`folder_reader`).
    where : callable
        ``where(series)`` names the file or address in messages.
    series : iterable of str
        FRED series ids, fetched in this order.
    progress : callable, optional
        Receives ``SERIES (i of n)`` before each fetch.

    Raises
    ------
    SourceError
        The first series that cannot be fetched or parsed.
    """
    ids = list(series)
    out = {}
    for number, series_id in enumerate(ids, start=1):
        if progress is not None:
            progress(f"{series_id} ({number} of {len(ids)})")
        out[series_id] = parse_fred_csv(fetch(series_id), series_id, where(series_id))
    return out


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
