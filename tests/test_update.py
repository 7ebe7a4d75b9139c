"""``xlflows update``: FRED series brought up to date, against a local HTTP server and saved files.

The server (127.0.0.1, a free port, started per test, stopped by the test or by its own watchdog)
serves the fixtures of ``tests/fixtures/fred`` (see its README: real rows up to the end of
``data/``, invented ones after), over plain HTTP or, for FRED's own scheme, over HTTPS with the
test certificate of ``tests/fixtures/tls``. Small workbooks are written with XlsxWriter, as Excel would write
them; the shipped workbook shows that only the two data sheets' parts change.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import http.server
import io
import os
import re
import shlex
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.parse
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import xlsxwriter
from hypothesis import given, settings
from hypothesis import strategies as st

from xlflows import cli, update
from xlflows.errors import WorkbookError
from xlflows.report.plan import CellWrite

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "fred"
TLS = ROOT / "tests" / "fixtures" / "tls"
DATA = ROOT / "data"
SHIPPED = ROOT / "workbook" / "xlflows.xlsm"
PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy",
                   "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")
T = pd.Timestamp


# ============================================================================ the local server
class FredStandIn:
    """What the server answers per series: (status, body, extra headers, delay, drip).

    ``delay`` seconds pass before the answer; ``drip`` > 0 sends it one byte at a time, ``drip``
    seconds apart: from its status line (``drip_from="status"``) or, the status line and headers
    sent at once, from its body (``drip_from="body"``).
    """

    def __init__(self) -> None:
        self.answers = {path.stem: (200, path.read_bytes(), {}, 0.0, None)
                        for path in FIXTURES.glob("*.csv")}
        self.requests: list[str] = []

    def answer(self, series: str, body: bytes | str, *, status: int = 200,
               headers: dict | None = None, delay: float = 0.0, drip: float = 0.0,
               drip_from: str = "status") -> None:
        data = body.encode() if isinstance(body, str) else body
        self.answers[series] = (status, data, headers or {}, delay,
                                (drip, drip_from) if drip else None)

    def redirect(self, series: str, location: str, status: int = 302) -> None:
        self.answer(series, b"", status=status, headers={"Location": location})


def _handler(stand_in: FredStandIn):
    class Handler(http.server.BaseHTTPRequestHandler):
        timeout = 10

        def do_GET(self):  # noqa: N802 - http.server's hook
            stand_in.requests.append(self.path)
            query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
            series = (query.get("id") or [""])[0]
            status, body, headers, delay, drip = stand_in.answers.get(
                series, (404, b"<html>no such series</html>", {}, 0.0, None))
            time.sleep(delay)
            headers = {"Content-Type": "text/csv", "Content-Length": str(len(body)), **headers}
            if drip is not None:
                self._drip(status, headers, body, *drip)
                return
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)

        def _drip(self, status, headers, body, seconds, start):
            head = "".join([f"HTTP/1.0 {status} Dripping\r\n",
                            *(f"{key}: {value}\r\n" for key, value in headers.items()),
                            "\r\n"]).encode()
            at_once = head if start == "body" else b""
            self.wfile.write(at_once)
            for byte in (head + body)[len(at_once):]:
                time.sleep(seconds)
                self.wfile.write(bytes([byte]))   # fails once the client has given up

        def log_message(self, *args):
            pass

    return Handler


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # a client that gave up (the timeout test) is not a failure of the server


@contextlib.contextmanager
def _serving(stand_in: FredStandIn, tls: bool = False):
    """A server for ``stand_in`` on 127.0.0.1 (HTTPS with the test certificate when ``tls``);
    yields its port."""
    server = _Server(("127.0.0.1", 0), _handler(stand_in))
    if tls:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(TLS / "localhost.pem", TLS / "localhost.key")
        server.socket = context.wrap_socket(server.socket, server_side=True,
                                            do_handshake_on_connect=False)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    watchdog = threading.Timer(120, server.shutdown)       # stops by itself if a test hangs
    watchdog.daemon = True
    watchdog.start()
    try:
        yield server.server_address[1]
    finally:
        watchdog.cancel()
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def fred(monkeypatch):
    """A FRED stand-in on 127.0.0.1; ``fred.url`` is the base for ``--fred-url``."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv(update.URL_ENV, raising=False)
    monkeypatch.setenv(update.TIMEOUT_ENV, "5")
    stand_in = FredStandIn()
    with _serving(stand_in) as port:
        stand_in.port = port
        stand_in.url = f"http://127.0.0.1:{port}/graph/fredgraph.csv"
        yield stand_in


@pytest.fixture
def fred_tls(fred, monkeypatch):
    """``fred``'s answers over HTTPS as well: ``fred_tls`` is that base URL, trusted through
    ``SSL_CERT_FILE`` (the test CA of ``tests/fixtures/tls``), as FRED's certificate is."""
    monkeypatch.setenv("SSL_CERT_FILE", str(TLS / "ca.pem"))
    with _serving(fred, tls=True) as port:
        yield f"https://127.0.0.1:{port}/graph/fredgraph.csv"


# ============================================================================ workbooks
RATE_ROWS = ([(T(d), 1.0) for d in pd.date_range("2008-12-01", "2008-12-15")]
             + [(T(d), 4.25 if d < T("2025-10-30") else 4.0)
                for d in pd.date_range("2025-10-01", "2025-11-12")])
ASSET_ROWS = [(T("2019-03-31"), 3079.366), (T("2019-06-30"), 3205.889),
              (T("2019-09-30"), 3442.541), (T("2019-12-31"), 3634.335),
              (T("2020-03-31"), 4338.008), (T("2020-06-30"), 4635.927),
              (T("2020-09-30"), 4410.117), (T("2020-12-31"), 4336.003)]


def make_workbook(path: Path, *, rate_rows=RATE_ROWS, asset_rows=ASSET_ROWS,
                  asset_header: str = "Assets", quarter_start: bool = False) -> Path:
    """An analyst's workbook written with XlsxWriter: the two FRED sheets (with a source note in
    column D and a formula with its saved value in C2), and a sheet of the analyst's own."""
    wb = xlsxwriter.Workbook(str(path))
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    bn = wb.add_format({"num_format": "#,##0.0"})
    own = wb.add_worksheet("Notes")
    own.write("A1", "my own notes")
    own.write_number("B2", 42.5, wb.add_format({"num_format": "0.000"}))
    own.write_comment("A1", "keep me")
    rates = wb.add_worksheet("Policy rate")
    rates.write_row(0, 0, ["Date", "Rate"])
    rates.write(0, 3, "Source: FRED DFEDTAR, then DFEDTARU")
    for i, (day, value) in enumerate(rate_rows, start=1):
        rates.write_datetime(i, 0, day.to_pydatetime(), date)
        rates.write_number(i, 1, value)
    assets = wb.add_worksheet("MMF assets")
    assets.write_row(0, 0, ["Date", asset_header])
    assets.write(1, 3, "Source: FRED MMMFFAQ027S / 1000")
    assets.write_formula(1, 2, "=B2*2", None, asset_rows[0][1] * 2)
    for i, (day, value) in enumerate(asset_rows, start=1):
        if quarter_start:
            day = day - pd.offsets.QuarterBegin(1, startingMonth=1)
        assets.write_datetime(i, 0, day.to_pydatetime(), date)
        if isinstance(value, str):
            assets.write_string(i, 1, value)
        else:
            assets.write_number(i, 1, value, bn)
    wb.close()
    return path


def cells(path: Path) -> dict[str, dict[str, tuple[object, str]]]:
    """Every cell of every sheet: value (formulas as text) and number format."""
    wb = openpyxl.load_workbook(path)
    return {ws.title: {c.coordinate: (c.value, c.number_format)
                       for row in ws.iter_rows() for c in row if c.value is not None}
            for ws in wb.worksheets}


def run(argv: list[str], capsys) -> tuple[int, str, str]:
    status = cli.main(argv)
    out, err = capsys.readouterr()
    return status, out, err


def folder_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# ============================================================================ appended, revised
def test_update_appends_new_observations_and_applies_revisions(tmp_path, fred, capsys):
    book = make_workbook(tmp_path / "mine.xlsx")
    before = cells(book)
    status, out, err = run(["update", str(book), "--fred-url", fred.url], capsys)
    assert (status, err) == (0, "")
    assert out.splitlines()[1:] == ["  Policy rate: 49 new days to 2025-12-31, 0 revised",
                                    "  MMF assets: 12 new quarters to 2023-12-31, 3 revised"]
    after = cells(book)
    # Policy rate: 58 rows before (15 + 43), then 2025-11-13 .. 2025-12-31 below them
    rate = after["Policy rate"]
    assert rate["A60"] == (dt.datetime(2025, 11, 13), "yyyy-mm-dd") and rate["B60"][0] == 4.0
    assert rate["A88"] == (dt.datetime(2025, 12, 11), "yyyy-mm-dd") and rate["B88"][0] == 3.75
    assert rate["A108"][0] == dt.datetime(2025, 12, 31) and "A109" not in rate
    # MMF assets: 2020Q2..Q4 revised (4640112 / 1000 ...); 2021Q1 .. 2023Q4 at quarter ends
    assets = after["MMF assets"]
    assert [assets[f"B{r}"] for r in (7, 8, 9)] == [(4640.112, "#,##0.0"), (4412.8, "#,##0.0"),
                                                    (4339.5, "#,##0.0")]
    assert assets["A10"] == (dt.datetime(2021, 3, 31), "yyyy-mm-dd")
    assert assets["B10"] == (4530.0, "#,##0.0")
    assert assets["A21"][0] == dt.datetime(2023, 12, 31) and assets["B21"][0] == 6000.0
    # ... every other cell of every sheet unchanged
    changed = {(sheet, ref) for sheet in after for ref in after[sheet]
               if before.get(sheet, {}).get(ref) != after[sheet][ref]}
    assert {s for s, _ in changed} == {"Policy rate", "MMF assets"}
    assert all(int(ref[1:]) > 58 for s, ref in changed if s == "Policy rate")
    assert {ref for s, ref in changed if s == "MMF assets"} == (
        {"B7", "B8", "B9"} | {f"{c}{r}" for c in "AB" for r in range(10, 22)})
    assert set(before) == set(after)


def test_the_fixture_revises_three_quarters_of_the_shipped_series(tmp_path):
    # Hand check of the fixture against data/: 2020Q2, Q3 and Q4 differ, nothing else before 2021.
    old = update.parse_fred_csv((DATA / "MMMFFAQ027S.csv").read_text(), "MMMFFAQ027S", "data")
    new = update.parse_fred_csv((FIXTURES / "MMMFFAQ027S.csv").read_text(), "MMMFFAQ027S", "fx")
    common = new[new.index.isin(old.index)]
    assert list(common.index[common != old[common.index]]) == [
        T("2020-04-01"), T("2020-07-01"), T("2020-10-01")]
    assert new.index[0] == T("1973-10-01") and new.iloc[0] == 0.0    # "." on 1973-07-01 dropped
    assert len(new[new.index > old.index[-1]]) == 12


def test_shipped_workbook_changes_only_its_two_data_sheets(tmp_path, fred, capsys):
    book = tmp_path / "xlflows.xlsm"
    book.write_bytes(SHIPPED.read_bytes())
    status, out, err = run(["update", str(book), "--fred-url", fred.url], capsys)
    assert (status, err) == (0, "")
    assert out.splitlines()[1:] == ["  Policy rate: 49 new days to 2025-12-31, 0 revised",
                                    "  MMF assets: 12 new quarters to 2023-12-31, 3 revised"]
    with zipfile.ZipFile(SHIPPED) as a, zipfile.ZipFile(book) as b:
        assert a.namelist() == b.namelist()
        differ = [n for n in a.namelist() if a.read(n) != b.read(n)]
    # the two data sheets, and the styles their new rows need (appended: the old ones stay)
    assert differ == ["xl/styles.xml", "xl/worksheets/sheet4.xml", "xl/worksheets/sheet5.xml"]
    with zipfile.ZipFile(SHIPPED) as a, zipfile.ZipFile(book) as b:
        old, new = a.read("xl/styles.xml"), b.read("xl/styles.xml")
    old_xfs = old[old.index(b"<cellXfs"):old.index(b"</cellXfs>")]
    new_xfs = new[new.index(b"<cellXfs"):new.index(b"</cellXfs>")]
    assert new_xfs.split(b">", 1)[1].startswith(old_xfs.split(b">", 1)[1])
    wb = openpyxl.load_workbook(book, read_only=True)
    mmf = [row for row in wb["MMF assets"].iter_rows(min_row=186, max_col=2, values_only=True)]
    assert mmf[:4] == [(dt.datetime(2020, 3, 31), 4338.008), (dt.datetime(2020, 6, 30), 4640.112),
                       (dt.datetime(2020, 9, 30), 4412.8), (dt.datetime(2020, 12, 31), 4339.5)]
    assert mmf[-1] == (dt.datetime(2023, 12, 31), 6000)
    wb.close()
    # the same update again: nothing new, nothing written
    data = book.read_bytes()
    status, out, _ = run(["update", str(book), "--fred-url", fred.url], capsys)
    assert status == 0 and "is up to date" in out and book.read_bytes() == data


def test_output_is_deterministic_and_leaves_the_input_alone(tmp_path, fred, capsys):
    book = make_workbook(tmp_path / "mine.xlsx")
    data = book.read_bytes()
    outputs = []
    for name in ("one.xlsx", "two.xlsx"):
        status, _, err = run(["update", str(book), "--fred-url", fred.url,
                              "--output", str(tmp_path / name)], capsys)
        assert (status, err) == (0, "")
        outputs.append((tmp_path / name).read_bytes())
    assert outputs[0] == outputs[1]
    assert book.read_bytes() == data
    assert folder_files(tmp_path) == ["mine.xlsx", "one.xlsx", "two.xlsx"]


def test_a_sheet_dated_at_quarter_starts_keeps_fred_dating(tmp_path, fred, capsys):
    book = make_workbook(tmp_path / "fred-dated.xlsx", quarter_start=True)
    status, out, _ = run(["update", str(book), "--fred-url", fred.url], capsys)
    assert status == 0 and "MMF assets: 12 new quarters to 2023-10-01, 3 revised" in out
    assets = cells(book)["MMF assets"]
    assert assets["A9"][0] == dt.datetime(2020, 10, 1) and assets["B9"][0] == 4339.5
    assert assets["A21"][0] == dt.datetime(2023, 10, 1)


def test_proxy_variables_are_honoured(tmp_path, fred, capsys, monkeypatch):
    # The stand-in also answers as an HTTP proxy: the request line holds the absolute address.
    monkeypatch.setenv("http_proxy", f"http://127.0.0.1:{fred.port}")
    book = make_workbook(tmp_path / "mine.xlsx")
    status, _, err = run(["update", str(book), "--fred-url",
                          "http://fred.example.invalid/graph/fredgraph.csv"], capsys)
    assert (status, err) == (0, "")
    assert fred.requests == [f"http://fred.example.invalid/graph/fredgraph.csv?id={s}"
                             for s in ("DFEDTAR", "DFEDTARU", "MMMFFAQ027S")]


class _ConnectProxy(http.server.BaseHTTPRequestHandler):
    """An HTTPS proxy: ``CONNECT host:port`` opens a tunnel, then bytes pass both ways."""

    tunnels: list[str] = []

    def do_CONNECT(self):  # noqa: N802 - http.server's hook
        self.tunnels.append(self.path)
        host, port = self.path.rsplit(":", 1)
        with socket.create_connection((host, int(port)), timeout=10) as upstream:
            self.send_response(200, "Connection established")
            self.end_headers()
            pumps = [threading.Thread(target=_pump, args=pair, daemon=True)
                     for pair in ((self.connection, upstream), (upstream, self.connection))]
            for pump in pumps:
                pump.start()
            for pump in pumps:
                pump.join(10)

    def log_message(self, *args):
        pass


def _pump(source: socket.socket, sink: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while data := source.recv(65536):
            sink.sendall(data)
    with contextlib.suppress(OSError):
        sink.shutdown(socket.SHUT_WR)


def test_https_goes_through_the_proxy_tunnel(tmp_path, fred, fred_tls, capsys, monkeypatch):
    proxy = _Server(("127.0.0.1", 0), _ConnectProxy)
    threading.Thread(target=proxy.serve_forever, kwargs={"poll_interval": 0.05},
                     daemon=True).start()
    _ConnectProxy.tunnels = []
    try:
        monkeypatch.setenv("https_proxy", f"http://127.0.0.1:{proxy.server_address[1]}")
        book = make_workbook(tmp_path / "mine.xlsx")
        status, _, err = run(["update", str(book), "--fred-url", fred_tls], capsys)
    finally:
        proxy.shutdown()
        proxy.server_close()
    assert (status, err) == (0, "")
    assert _ConnectProxy.tunnels == [urllib.parse.urlsplit(fred_tls).netloc] * 3
    assert len(fred.requests) == 3


def test_base_url_from_the_environment(tmp_path, fred, capsys, monkeypatch):
    monkeypatch.setenv(update.URL_ENV, fred.url)
    book = make_workbook(tmp_path / "mine.xlsx")
    status, _, err = run(["update", str(book)], capsys)
    assert (status, err) == (0, "")
    assert [urllib.parse.urlsplit(r).path for r in fred.requests] == ["/graph/fredgraph.csv"] * 3


def test_default_address_is_fred():
    assert update.series_url(update.FRED_URL, "DFEDTARU") == (
        "https://fred.stlouisfed.org/graph/fredgraph.csv?id=DFEDTARU")
    assert update.series_url("http://mirror/x?key=1", "A") == "http://mirror/x?key=1&id=A"
    assert update.series_ids() == ["DFEDTAR", "DFEDTARU", "MMMFFAQ027S"]


# ============================================================================ failures
def _html(fred):
    fred.answer("MMMFFAQ027S", "<!DOCTYPE html><html><body>Sign in to the proxy</body></html>")


def _http_500(fred):
    fred.answer("MMMFFAQ027S", "oops", status=500)


def _timeout(fred):
    fred.answer("MMMFFAQ027S", (FIXTURES / "MMMFFAQ027S.csv").read_bytes(), delay=3)


def _cut_mid_line(fred):
    fred.answer("MMMFFAQ027S", (FIXTURES / "MMMFFAQ027S.csv").read_text()[:-5])


def _short_body(fred):
    body = (FIXTURES / "MMMFFAQ027S.csv").read_bytes()
    fred.answer("MMMFFAQ027S", body, headers={"Content-Length": str(len(body) + 500)})


def _malformed(fred):
    text = (FIXTURES / "MMMFFAQ027S.csv").read_text().replace("2021-04-01,4480000.0",
                                                              "2021-04-01,n/a")
    fred.answer("MMMFFAQ027S", text)


def _backwards(fred):
    text = (FIXTURES / "MMMFFAQ027S.csv").read_text().replace("2021-04-01,", "2020-04-01,")
    fred.answer("MMMFFAQ027S", text)


def _older_vintage(fred):
    text = (FIXTURES / "DFEDTARU.csv").read_text().split("2025-11-01")[0]
    fred.answer("DFEDTARU", text)


def _wrong_series(fred):
    fred.answer("MMMFFAQ027S", (FIXTURES / "DFEDTARU.csv").read_bytes())


FAILURES = [
    ("network error", None, "cannot reach 127.0.0.1:"),
    ("HTTP error", _http_500, "cannot download MMMFFAQ027S from http://127.0.0.1:"),
    ("timeout", _timeout, "no complete answer within 1 s"),
    ("web page", _html, "is a web page, not a CSV file"),
    ("cut mid-line", _cut_mid_line, "ends in the middle of line 203 ('2023-10-01,60000'); the "
                                    "file is truncated"),
    ("connection closed early", _short_body, "the connection closed before the end of the file"),
    ("malformed value", _malformed, "line 193 has the value 'n/a', expected a date (YYYY-MM-DD) "
                                    "and a number"),
    ("backwards in time", _backwards, "line 193: 2020-04-01 comes after 2021-01-01; expected "
                                      "dates that only increase (the series went backwards"),
    ("older than the workbook", _older_vintage, "DFEDTARU ends 2025-10-31, before the last date "
                                                "of Policy rate (2025-11-12, Policy rate!A59)"),
    ("another series", _wrong_series, "line 1 is 'observation_date,DFEDTARU', expected "
                                      "'observation_date,MMMFFAQ027S' or 'DATE,MMMFFAQ027S'"),
]


@pytest.mark.parametrize("name, spoil, message", FAILURES, ids=[f[0] for f in FAILURES])
def test_each_failure_is_one_line_and_leaves_the_workbook_untouched(
        tmp_path, fred, capsys, monkeypatch, name, spoil, message):
    monkeypatch.setenv(update.TIMEOUT_ENV, "1")
    book = make_workbook(tmp_path / "mine.xlsx")
    data = book.read_bytes()
    url = fred.url
    if spoil is None:
        url = f"http://127.0.0.1:{_closed_port()}/fredgraph.csv"
    else:
        spoil(fred)
    status, out, err = run(["update", str(book), "--fred-url", url], capsys)
    assert status == 2 and out == ""
    assert len(err.splitlines()) == 1 and err.startswith("xlflows: ") and message in err, err
    assert not re.search(r"\b[A-Z][a-z]+Error\b|Traceback|Exception", err)
    assert book.read_bytes() == data
    assert folder_files(tmp_path) == ["mine.xlsx"]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ============================================================================ deadline, redirects
def _short_answer() -> str:
    return "observation_date,MMMFFAQ027S\n"        # 29 bytes: 6 s at a byte every 0.2 s


def _refused(tmp_path, capsys, url: str, message: str) -> str:
    """Update a workbook from ``url``: exit 2, one line holding ``message``, nothing written."""
    book = make_workbook(tmp_path / "mine.xlsx")
    data = book.read_bytes()
    status, out, err = run(["update", str(book), "--fred-url", url], capsys)
    assert status == 2 and out == ""
    assert len(err.splitlines()) == 1 and message in err, err
    assert not re.search(r"\b[A-Z][a-z]+Error\b|Traceback|Exception", err)
    assert book.read_bytes() == data and folder_files(tmp_path) == ["mine.xlsx"]
    return err


@pytest.mark.parametrize("tls", [False, True], ids=["http", "https"])
@pytest.mark.parametrize("drip_from", ["status", "body"])
def test_a_dripping_server_is_given_up_at_the_deadline(tmp_path, fred, fred_tls, capsys,
                                                       monkeypatch, drip_from, tls):
    # A byte every 0.2 s never lets a socket read wait 1 s; the whole answer (from the status
    # line, or from the body after the headers) would take 6 s or more: the 1 s deadline ends it.
    monkeypatch.setenv(update.TIMEOUT_ENV, "1")
    fred.answer("MMMFFAQ027S", _short_answer(), drip=0.2, drip_from=drip_from)
    url = fred_tls if tls else fred.url
    start = time.monotonic()
    _refused(tmp_path, capsys, url,
             f"cannot download MMMFFAQ027S from {url}?id=MMMFFAQ027S: no complete answer "
             "within 1 s")
    assert time.monotonic() - start < 3.0          # 1 s and the two quick downloads before


def test_the_deadline_covers_a_redirect_and_its_target(tmp_path, fred, capsys, monkeypatch):
    # 0.6 s before the redirect, then a dripping answer: neither alone reaches 1 s.
    monkeypatch.setenv(update.TIMEOUT_ENV, "1")
    fred.answer("MMMFFAQ027S", b"", status=302, delay=0.6,
                headers={"Location": "/moved/fredgraph.csv?id=MOVED"})
    fred.answer("MOVED", _short_answer(), drip=0.2, drip_from="body")
    start = time.monotonic()
    _refused(tmp_path, capsys, fred.url, "no complete answer within 1 s")
    assert time.monotonic() - start < 3.0


@pytest.mark.parametrize("location", ["ftp://127.0.0.1:{closed}/MMMFFAQ027S.csv",
                                      "file:///etc/passwd", "gopher://127.0.0.1:{closed}/x"])
def test_a_redirect_to_another_scheme_is_refused(tmp_path, fred, capsys, location):
    location = location.format(closed=_closed_port())
    fred.redirect("MMMFFAQ027S", location)
    _refused(tmp_path, capsys, fred.url,
             f"cannot download MMMFFAQ027S from {fred.url}?id=MMMFFAQ027S: the server redirects "
             f"to {location}, which is not an http(s) address; expected the CSV file")
    assert len(fred.requests) == 3                      # nothing asked of the ftp address


def test_a_redirect_from_https_to_plain_http_is_refused(tmp_path, fred, fred_tls, capsys):
    fred.answer("MOVED", (FIXTURES / "MMMFFAQ027S.csv").read_bytes())
    fred.redirect("MMMFFAQ027S", f"{fred.url}?id=MOVED")
    _refused(tmp_path, capsys, fred_tls,
             f"cannot download MMMFFAQ027S from {fred_tls}?id=MMMFFAQ027S: the server redirects "
             f"to {fred.url}?id=MOVED, plain http after https; expected the CSV file over https")
    assert len(fred.requests) == 3                      # the plain-http address was not asked


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_within_http_or_up_to_https_is_followed(tmp_path, fred, fred_tls, capsys,
                                                           status):
    # DFEDTAR moves to another path of the same server, DFEDTARU from http to https.
    for series in ("DFEDTAR", "DFEDTARU"):
        fred.answer(f"MOVED_{series}", (FIXTURES / f"{series}.csv").read_bytes())
    fred.redirect("DFEDTAR", "/elsewhere/fredgraph.csv?id=MOVED_DFEDTAR", status)
    fred.redirect("DFEDTARU", f"{fred_tls}?id=MOVED_DFEDTARU", status)
    book = make_workbook(tmp_path / "mine.xlsx")
    status, out, err = run(["update", str(book), "--fred-url", fred.url], capsys)
    assert (status, err) == (0, "")
    assert out.splitlines()[1] == "  Policy rate: 49 new days to 2025-12-31, 0 revised"
    assert fred.requests == ["/graph/fredgraph.csv?id=DFEDTAR",
                             "/elsewhere/fredgraph.csv?id=MOVED_DFEDTAR",
                             "/graph/fredgraph.csv?id=DFEDTARU",
                             "/graph/fredgraph.csv?id=MOVED_DFEDTARU",     # over https
                             "/graph/fredgraph.csv?id=MMMFFAQ027S"]


def test_a_download_over_https_is_verified_and_read(tmp_path, fred, fred_tls, capsys,
                                                    monkeypatch):
    book = make_workbook(tmp_path / "mine.xlsx")
    status, out, err = run(["update", str(book), "--fred-url", fred_tls], capsys)
    assert (status, err) == (0, "")
    assert out.splitlines()[1:] == ["  Policy rate: 49 new days to 2025-12-31, 0 revised",
                                    "  MMF assets: 12 new quarters to 2023-12-31, 3 revised"]
    # Without the test CA the certificate is not trusted: nothing is downloaded.
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "no-such-ca.pem"))
    fresh = make_workbook(tmp_path / "fresh.xlsx")
    status, _, err = run(["update", str(fresh), "--fred-url", fred_tls], capsys)
    assert status == 2 and "certificate" in err and len(err.splitlines()) == 1, err


LAYOUTS = [
    ("header", dict(asset_header="Value"),
     "MMF assets!B1 is 'Value', expected 'Assets' ('Date' in A1 and 'Assets' in B1)"),
    ("dates out of order", dict(asset_rows=ASSET_ROWS[:3] + ASSET_ROWS[4:5] + ASSET_ROWS[3:4]),
     "MMF assets!A6 (2019-12-31) is earlier than MMF assets!A5 (2020-03-31) above it; expected "
     "dates oldest first"),
    ("mid-quarter date", dict(asset_rows=ASSET_ROWS[:2] + [(T("2019-08-15"), 3400.0)]),
     "MMF assets!A4 is 2019-08-15; expected quarterly dates, every one at its quarter's end"),
    ("text in a value", dict(asset_rows=ASSET_ROWS[:2] + [(T("2019-09-30"), "n/a")]),
     "MMF assets!B4 is text 'n/a', expected a number"),
    ("a day missing", dict(rate_rows=RATE_ROWS[:20] + RATE_ROWS[21:]),
     "Policy rate lacks 2025-10-06 (before Policy rate!A22), which FRED has; expected every FRED "
     "observation from the sheet's first date to its last (1 missing)"),
]


@pytest.mark.parametrize("name, options, message", LAYOUTS, ids=[x[0] for x in LAYOUTS])
def test_a_sheet_layout_it_does_not_recognise_is_refused(tmp_path, fred, capsys, name, options,
                                                         message):
    book = make_workbook(tmp_path / "mine.xlsx", **options)
    data = book.read_bytes()
    status, out, err = run(["update", str(book), "--fred-url", fred.url], capsys)
    assert status == 2 and out == "" and len(err.splitlines()) == 1
    assert message in err, err
    assert book.read_bytes() == data and folder_files(tmp_path) == ["mine.xlsx"]


def test_a_bad_layout_is_found_before_any_download(tmp_path, fred, capsys):
    book = make_workbook(tmp_path / "mine.xlsx", asset_header="Value")
    status, _, _ = run(["update", str(book), "--fred-url", fred.url], capsys)
    assert status == 2 and fred.requests == []


def test_no_sheet_is_updated_while_another_series_fails(tmp_path, fred, capsys):
    # The rates download fine and would add 49 days; the assets fail: nothing is written.
    _html(fred)
    book = make_workbook(tmp_path / "mine.xlsx")
    before = cells(book)
    status, _, _ = run(["update", str(book), "--fred-url", fred.url], capsys)
    assert status == 2 and len(fred.requests) == 3 and cells(book) == before


# ============================================================================ --from-dir
def test_from_dir_reads_saved_files(tmp_path, capsys):
    book = make_workbook(tmp_path / "mine.xlsx")
    status, out, err = run(["update", str(book), "--from-dir", str(FIXTURES)], capsys)
    assert (status, err) == (0, "")
    assert "MMF assets: 12 new quarters to 2023-12-31, 3 revised" in out
    assert cells(book)["MMF assets"]["B21"][0] == 6000.0


def test_from_dir_on_the_data_folder_finds_the_shipped_workbook_current(tmp_path, capsys):
    # data/ holds both FRED layouts (observation_date for the rates, DATE for the assets).
    book = tmp_path / "xlflows.xlsm"
    book.write_bytes(SHIPPED.read_bytes())
    status, out, err = run(["update", str(book), "--from-dir", str(DATA)], capsys)
    assert (status, err) == (0, "")
    assert out.splitlines()[1:] == ["  Policy rate: no new days (latest 2025-11-12), 0 revised",
                                    "  MMF assets: no new quarters (latest 2020-12-31), 0 revised"]
    assert book.read_bytes() == SHIPPED.read_bytes()


def test_from_dir_names_a_missing_file(tmp_path, capsys):
    folder = tmp_path / "saved"
    folder.mkdir()
    (folder / "DFEDTAR.csv").write_bytes((FIXTURES / "DFEDTAR.csv").read_bytes())
    book = make_workbook(tmp_path / "mine.xlsx")
    status, _, err = run(["update", str(book), "--from-dir", str(folder)], capsys)
    assert status == 2
    assert err == (f"xlflows: {folder / 'DFEDTARU.csv'} not found; expected FRED's CSV of "
                   "DFEDTARU there (download https://fred.stlouisfed.org/graph/fredgraph.csv"
                   "?id=DFEDTARU)\n")


def test_usage_errors_are_one_line(tmp_path, capsys):
    book = make_workbook(tmp_path / "mine.xlsx")
    status, _, err = run(["update", str(book), "--fred-url", "ftp://x/y"], capsys)
    assert status == 2 and err == ("xlflows: the FRED address 'ftp://x/y' is not an http(s) URL; "
                                   "expected one like https://fred.stlouisfed.org/graph/"
                                   "fredgraph.csv\n")
    status, _, err = run(["update", str(book), "--from-dir", "a", "--fred-url", "http://b"], capsys)
    assert status == 2 and len(err.splitlines()) == 1 and "not allowed with" in err
    status, _, err = run(["update", str(tmp_path / "mine.csv"), "--from-dir", str(FIXTURES)],
                         capsys)
    assert status == 2 and err == "xlflows: mine.csv has extension '.csv'; expected .xlsx or .xlsm\n"


def test_a_read_only_workbook_is_refused(tmp_path, capsys):
    book = make_workbook(tmp_path / "mine.xlsx")
    book.chmod(0o444)
    status, _, err = run(["update", str(book), "--from-dir", str(FIXTURES)], capsys)
    assert status == 2 and err == ("xlflows: mine.xlsx is read-only; Excel would not save over it "
                                   "either. Make it writable, or write a copy with --output\n")


def test_content_openpyxl_would_drop_is_kept_byte_for_byte(tmp_path, capsys):
    """An analyst's text box (which an openpyxl round trip drops) stays: the update rewrites the
    two data sheets and appends styles, and copies every other part as stored."""
    rebuilt = tmp_path / "boxed.xlsx"                # an analyst's text box on a sheet of their own
    wb = xlsxwriter.Workbook(str(rebuilt))
    wb.add_worksheet("Notes").insert_textbox("D2", "an analyst's text box")
    rates, assets = wb.add_worksheet("Policy rate"), wb.add_worksheet("MMF assets")
    for ws, header, rows in ((rates, "Rate", RATE_ROWS), (assets, "Assets", ASSET_ROWS)):
        ws.write_row(0, 0, ["Date", header])
        for i, (day, value) in enumerate(rows, start=1):
            ws.write_datetime(i, 0, day.to_pydatetime())
            ws.write_number(i, 1, value)
    wb.close()
    with zipfile.ZipFile(rebuilt) as z:
        before = {n: z.read(n) for n in z.namelist()}
    status, out, err = run(["update", str(rebuilt), "--from-dir", str(FIXTURES)], capsys)
    assert (status, err) == (0, "") and "12 new quarters" in out
    with zipfile.ZipFile(rebuilt) as z:
        after = {n: z.read(n) for n in z.namelist()}
    assert set(after) == set(before)
    changed = sorted(n for n in before if before[n] != after[n])
    assert changed == ["xl/styles.xml", "xl/worksheets/sheet2.xml", "xl/worksheets/sheet3.xml"]


def test_timeout_setting_is_checked(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv(update.TIMEOUT_ENV, "soon")
    book = make_workbook(tmp_path / "mine.xlsx")
    status, _, err = run(["update", str(book), "--fred-url", "http://127.0.0.1:1/x"], capsys)
    assert status == 2 and err == ("xlflows: XLFLOWS_FRED_TIMEOUT is 'soon', expected a number "
                                   "of seconds above 0\n")


# ============================================================================ parsing FRED CSV
@pytest.mark.parametrize("text, expected", [
    ("DATE,X\n2020-01-01,1.5\n2020-04-01,.\n2020-07-01,2\n",
     {T("2020-01-01"): 1.5, T("2020-07-01"): 2.0}),
    ("observation_date,X\r\n2020-01-01,\r\n2020-04-01,-0.25\r\n", {T("2020-04-01"): -0.25}),
    ("\ufeffobservation_date,x\n2020-01-01,3\n", {T("2020-01-01"): 3.0}),
], ids=["old layout, '.' missing", "new layout, CRLF, empty missing", "BOM, lower-case id"])
def test_both_fred_layouts_are_read(text, expected):
    got = update.parse_fred_csv(text.lstrip("\ufeff"), "X", "x.csv")
    assert got.to_dict() == expected


@pytest.mark.parametrize("text, message", [
    ("", "x.csv is empty"),
    ("DATE,X\n2020-01-01,.\n", "x.csv holds no observations of X"),
    ("DATE,X\n2020-02-30,1\n", "x.csv line 2 has the date '2020-02-30', which is not a day"),
    ("DATE,X\n2020-01-01,1,2\n", "x.csv line 2 is '2020-01-01,1,2', expected a date"),
    ("DATE,X\n01/02/2020,1\n", "x.csv line 2 is '01/02/2020,1', expected a date"),
    ("DATE,X\n2020-01-01,inf\n", "x.csv line 2 has the value 'inf'"),
    ("DATE,X\n2020-01-01,1\n2020-01-01,2\n", "line 3: 2020-01-01 comes after 2020-01-01"),
    ("  <html>", "x.csv is a web page"),
], ids=["empty", "only missing", "no such day", "three fields", "US date", "infinite",
        "duplicate date", "html"])
def test_malformed_fred_csv_is_refused(text, message):
    with pytest.raises(update.SourceError, match=None) as info:
        update.parse_fred_csv(text, "X", "x.csv")
    assert message in str(info.value)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["DATE,X", "2020-01-01", "2021-02-03,", ",", ".", "1.5", "-2e3",
                                 "nan", "\r", "<", "2020-13-01,1", "x", "\n", "2020-01-01,1\n",
                                 "\ufeff", "\x00", " "]), max_size=12))
def test_junk_gives_observations_or_one_clear_message(pieces):
    text = "".join(pieces)
    try:
        got = update.parse_fred_csv(text, "X", "x.csv")
    except update.SourceError as exc:
        assert "\n" not in str(exc) and str(exc).startswith("x.csv")
    else:
        assert got.index.is_monotonic_increasing and got.index.is_unique
        assert got.notna().all() and len(got) >= 1


# ============================================================================ engine-neutral
class FakeSource:
    """A SheetSource from plain rows (what the live Book gives)."""

    def __init__(self, sheets):
        self.sheets = sheets

    def sheet_names(self):
        return list(self.sheets)

    def rows(self, sheet):
        return self.sheets[sheet]

    def named_cell(self, name):
        return None


def test_plan_update_gives_cell_writes_on_any_source():
    source = FakeSource({
        "Policy rate": [["Date", "Rate"], [dt.datetime(2025, 11, 11), 4.0],
                        [dt.datetime(2025, 11, 12), 4.0]],
        "MMF assets": [["date", " assets "], [dt.datetime(2020, 9, 30), 4410.117, None, "note"],
                       [dt.datetime(2020, 12, 31), None], [None, None, None, "more notes"]],
    })
    observations = {
        "DFEDTAR": pd.Series([1.0], index=[T("2008-12-15")]),
        "DFEDTARU": pd.Series([4.0, 4.5, 3.75], index=[T("2025-11-11"), T("2025-11-12"),
                                                       T("2025-11-13")]),
        "MMMFFAQ027S": pd.Series([4410117.0, 4336003.0, 4500000.0],
                                 index=[T("2020-07-01"), T("2020-10-01"), T("2021-01-01")]),
    }
    plan = update.plan_update(source, observations)
    assert plan.writes == [
        CellWrite("Policy rate", "A4", dt.datetime(2025, 11, 13), "yyyy-mm-dd"),
        CellWrite("Policy rate", "B4", 3.75, "0.00"),
        CellWrite("Policy rate", "B3", 4.5),                  # revised
        CellWrite("MMF assets", "A4", dt.datetime(2021, 3, 31), "yyyy-mm-dd"),
        CellWrite("MMF assets", "B4", 4500.0, "#,##0.0"),
        CellWrite("MMF assets", "B3", 4336.003),              # a blank value filled in
    ]
    assert plan.summary == ["Policy rate: 1 new day to 2025-11-13, 1 revised",
                            "MMF assets: 1 new quarter to 2021-03-31, 1 revised"]


def test_missing_sheet_is_named():
    source = FakeSource({"Policy rate": [["Date", "Rate"], [dt.datetime(2025, 1, 1), 4.0]]})
    with pytest.raises(WorkbookError, match="the workbook has no 'MMF assets' sheet; expected one "
                                            "with 'Date' in A1 and 'Assets' in B1"):
        update.read_sheet(source, update.MMF_ASSETS)


# ============================================================================ progress, README
def test_progress_shows_on_a_terminal_and_is_cleared():
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    stream = Terminal()
    progress = cli._Progress(stream)
    progress("downloading DFEDTARU from fred.stlouisfed.org")
    progress("downloading X from y")
    progress.clear()
    text = stream.getvalue()
    assert "\rxlflows: downloading DFEDTARU from fred.stlouisfed.org ..." in text
    assert text.endswith("\r") and "\n" not in text
    quiet = io.StringIO()
    cli._Progress(quiet)("downloading")
    assert quiet.getvalue() == ""


def test_progress_is_reported_per_download(fred, monkeypatch):
    lines = []
    fetch = update.fred_downloader(fred.url, timeout=5, progress=lines.append)
    assert fetch("DFEDTAR").startswith("observation_date,DFEDTAR\n")
    assert lines == [f"downloading DFEDTAR from 127.0.0.1:{fred.port}"]


def readme_update_block() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## The command line: `xlflows update`", 1)[1]
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    return [line.split("  #")[0].strip() for line in block.splitlines() if line.strip()]


def test_readme_update_examples_run(tmp_path, fred, monkeypatch):
    """README's example commands, run as written from a copy of the repository's layout."""
    lines = readme_update_block()
    assert lines[0].startswith("xlflows update workbook/xlflows.xlsm")
    (tmp_path / "workbook").mkdir()
    (tmp_path / "workbook" / "xlflows.xlsm").write_bytes(SHIPPED.read_bytes())
    (tmp_path / "fred-csv").mkdir()
    for path in FIXTURES.glob("*.csv"):
        (tmp_path / "fred-csv" / path.name).write_bytes(path.read_bytes())
    env = {k: v for k, v in os.environ.items() if k not in PROXY_VARIABLES}
    env.update({update.URL_ENV: fred.url, update.TIMEOUT_ENV: "20"})
    outputs = []
    for line in lines:
        argv = shlex.split(line)
        assert argv[0] == "xlflows"
        done = subprocess.run([sys.executable, "-m", "xlflows", *argv[1:]], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=300)
        assert (done.returncode, done.stderr) == (0, ""), line
        outputs.append(done.stdout)
    assert "MMF assets: 12 new quarters to 2023-12-31, 3 revised" in outputs[0]
    assert any("is up to date" in out for out in outputs[1:])


# ============================================================================ from Excel
def _live_book():
    """test_workbook's fake xlwings Book, with real-shaped Policy rate and MMF assets sheets."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from conftest import FakeBook, FakeSheet

    book = FakeBook()
    grids = {"Policy rate": [["Date", "Rate"]] + [[d.to_pydatetime(), v] for d, v in RATE_ROWS],
             "MMF assets": [["Date", "Assets"]] + [[d.to_pydatetime(), v] for d, v in ASSET_ROWS]}
    for i, sheet in enumerate(book.sheets):
        if sheet.name in grids:
            book.sheets[i] = FakeSheet(book, sheet.name, grids[sheet.name])
    return book


@pytest.fixture
def caller(monkeypatch, fred):
    import xlwings

    book = _live_book()
    monkeypatch.setattr(xlwings.Book, "caller", staticmethod(lambda: book), raising=False)
    monkeypatch.setenv(update.URL_ENV, fred.url)
    return book


def test_update_and_refresh_from_excel_updates_then_refreshes(caller, monkeypatch):
    import xlflows
    from xlflows.report import live

    refreshed = []
    monkeypatch.setattr(live, "refresh_book", lambda book: refreshed.append(len(book.log)))
    xlflows.update_and_refresh()
    written = [entry for entry in caller.log if entry[2:3] == ("value",)]
    assert ("MMF assets", "A10:B21", "value") == written[-1][:3]      # 12 quarters in one block
    assert written[-1][3][-1] == [dt.datetime(2023, 12, 31), 6000.0]
    assert refreshed == [len(caller.log)] and caller.app.alerts == []
    assert caller.app.status_bar == ("xlflows: Policy rate: 49 new days to 2025-12-31, 0 revised; "
                                     "MMF assets: 12 new quarters to 2023-12-31, 3 revised")


def test_update_from_excel_shows_a_failure_and_writes_nothing(caller, fred):
    _html(fred)
    import xlflows

    xlflows.update_and_refresh()
    assert caller.log == []
    [(title, prompt)] = caller.app.alerts
    assert title == "xlflows: nothing was updated" and "is a web page, not a CSV file" in prompt


def test_update_from_excel_says_when_the_refresh_failed_after_the_update(caller):
    import xlflows

    xlflows.update_and_refresh()     # the fake Flows sheet ends with a #SPILL! error cell
    [(title, prompt)] = caller.app.alerts
    assert title == "xlflows: nothing was refreshed"
    assert prompt.startswith("the data sheets were updated (Policy rate: 49 new days")
    assert "but the Report was not refreshed: " in prompt and "#SPILL!" in prompt


def test_import_xlflows_stays_light():
    done = subprocess.run([sys.executable, "-c", "import sys, xlflows; print(sorted(m for m in "
                           "('pandas', 'openpyxl', 'xlflows.update', 'urllib.request') "
                           "if m in sys.modules))"], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "[]"


def test_readme_macro_calls_a_function_xlflows_has():
    import xlflows

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    macro = readme.split("```vba\n", 1)[1].split("```", 1)[0]
    calls = re.findall(r'RunPython "import xlflows; xlflows\.(\w+)\(\)"', macro)
    assert calls == ["update_and_refresh"] and callable(getattr(xlflows, calls[0]))


# ============================================================================ invariant
def _apply(grid, writes, sheet):
    """CellWrites applied to a list-of-rows sheet (as an engine would)."""
    from xlflows.report.plan import split_cell

    grid = [list(row) for row in grid]
    for write in writes:
        if write.sheet != sheet:
            continue
        row, col = split_cell(write.cell)
        while len(grid) < row:
            grid.append([None, None])
        grid[row - 1][col - 1] = write.value
    return grid


@settings(max_examples=60, deadline=None)
@given(n_sheet=st.integers(1, 12), n_new=st.integers(0, 6), start=st.integers(0, 4),
       revised=st.sets(st.integers(0, 17), max_size=5), seed=st.integers(0, 10**6))
def test_an_update_makes_the_sheet_equal_fred_from_its_first_date(n_sheet, n_new, start, revised,
                                                                  seed):
    import numpy as np

    rng = np.random.default_rng(seed)
    starts = pd.date_range("2000-01-01", periods=start + n_sheet + n_new, freq="QS")
    fred = pd.Series(rng.integers(1, 10**7, len(starts)).astype(float), index=starts)
    held = fred.iloc[start:start + n_sheet].copy() / 1000
    for i in revised:
        if i < n_sheet:
            held.iloc[i] += 1.0                        # the sheet holds an older vintage
    grid = [["Date", "Assets"]] + [[(d + pd.offsets.QuarterEnd(0)).to_pydatetime(), v]
                                   for d, v in held.items()]
    rates = [["Date", "Rate"], [dt.datetime(2025, 1, 1), 4.0]]
    source = FakeSource({"Policy rate": rates, "MMF assets": grid})
    observations = {"DFEDTAR": pd.Series([1.0], index=[T("2008-12-15")]),
                    "DFEDTARU": pd.Series([4.0], index=[T("2025-01-01")]), "MMMFFAQ027S": fred}
    plan = update.plan_update(source, observations)
    after = _apply(grid, plan.writes, "MMF assets")
    want = fred.iloc[start:] / 1000
    assert [row[0] for row in after[1:]] == [(d + pd.offsets.QuarterEnd(0)).to_pydatetime()
                                            for d in want.index]
    assert [row[1] for row in after[1:]] == want.tolist()
    assert plan.summary[1].endswith(f", {len([i for i in revised if i < n_sheet])} revised")
    # a second update finds nothing to do
    again = update.plan_update(FakeSource({"Policy rate": rates, "MMF assets": after}),
                               observations)
    assert again.writes == []
