"""What the ``xlflows update`` tests share: a FRED stand-in on 127.0.0.1 and analysts' workbooks.

The server (127.0.0.1, a free port, started per test, stopped by the test or by its own watchdog)
serves the fixtures of ``tests/fixtures/fred`` (see its README: real rows up to the end of
``data/``, invented ones after), over plain HTTP or, for FRED's own scheme, over HTTPS with the
test certificate of ``tests/fixtures/tls``. Its fixtures ``fred`` and ``fred_tls`` are there for
every test module (``tests/conftest.py`` names this module in ``pytest_plugins``). Small workbooks
are written with XlsxWriter, as Excel would write them.
"""

from __future__ import annotations

import contextlib
import http.server
import sys
import threading
import time
import urllib.parse
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import xlsxwriter

from xlflows import cli, fred as fred_module

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "fred"
TLS = ROOT / "tests" / "fixtures" / "tls"
DATA = ROOT / "data"
SHIPPED = ROOT / "workbook" / "xlflows.xlsm"
PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy",
                   "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")
T = pd.Timestamp


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


def handler(stand_in: FredStandIn):
    class Handler(http.server.BaseHTTPRequestHandler):
        timeout = 10

        def do_GET(self):
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


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # a client that gave up (the timeout test) is not a failure of the server


@contextlib.contextmanager
def serving(stand_in: FredStandIn, tls: bool = False):
    """A server for ``stand_in`` on 127.0.0.1 (HTTPS with the test certificate when ``tls``);
    yields its port."""
    server = Server(("127.0.0.1", 0), handler(stand_in))
    if tls:
        # here, not at the top: conftest loads this module in Pyodide, which has no ssl
        import ssl

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
    monkeypatch.delenv(fred_module.URL_ENV, raising=False)
    monkeypatch.setenv(fred_module.TIMEOUT_ENV, "5")
    stand_in = FredStandIn()
    with serving(stand_in) as port:
        stand_in.port = port
        stand_in.url = f"http://127.0.0.1:{port}/graph/fredgraph.csv"
        yield stand_in


@pytest.fixture
def fred_tls(fred, monkeypatch):
    """``fred``'s answers over HTTPS as well: ``fred_tls`` is that base URL, trusted through
    ``SSL_CERT_FILE`` (the test CA of ``tests/fixtures/tls``), as FRED's certificate is."""
    monkeypatch.setenv("SSL_CERT_FILE", str(TLS / "ca.pem"))
    with serving(fred, tls=True) as port:
        yield f"https://127.0.0.1:{port}/graph/fredgraph.csv"


RATE_ROWS = ([(T(d), 1.0) for d in pd.date_range("2008-12-01", "2008-12-15")]
             + [(T(d), 4.25 if d < T("2025-10-30") else 4.0)
                for d in pd.date_range("2025-10-01", "2025-11-12")])
ASSET_ROWS = [(T("2019-03-31"), 3079.366), (T("2019-06-30"), 3205.889),
              (T("2019-09-30"), 3442.541), (T("2019-12-31"), 3634.335),
              (T("2020-03-31"), 4338.008), (T("2020-06-30"), 4635.927),
              (T("2020-09-30"), 4410.117), (T("2020-12-31"), 4336.003)]
#: The last 14 weeks of data/WRMFNS.csv ($bn, weeks ending Monday).
RETAIL_ROWS = [(T(d), v) for d, v in (
    ("2025-12-01", 2236.0), ("2025-12-08", 2253.0), ("2025-12-15", 2251.5),
    ("2025-12-22", 2252.5), ("2025-12-29", 2269.7), ("2026-01-05", 2279.3),
    ("2026-01-12", 2301.5), ("2026-01-19", 2282.9), ("2026-01-26", 2277.0),
    ("2026-02-02", 2267.7), ("2026-02-09", 2279.1), ("2026-02-16", 2281.5),
    ("2026-02-23", 2284.1), ("2026-03-02", 2273.9))]


def make_workbook(path: Path, *, rate_rows=RATE_ROWS, asset_rows=ASSET_ROWS,
                  asset_header: str = "Assets", quarter_start: bool = False,
                  retail_rows=None, retail_header: str = "Assets") -> Path:
    """An analyst's workbook written with XlsxWriter: the two FRED sheets (with a source note in
    column D and, when it has rows, a formula with its saved value in C2 of MMF assets), a sheet
    of the analyst's own, and a ``Retail MMF`` sheet when ``retail_rows`` is given (empty: the
    headers only)."""
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
    if asset_rows:
        assets.write_formula(1, 2, "=B2*2", None, asset_rows[0][1] * 2)
    for i, (day, value) in enumerate(asset_rows, start=1):
        if quarter_start:
            day = day - pd.offsets.QuarterBegin(1, startingMonth=1)
        assets.write_datetime(i, 0, day.to_pydatetime(), date)
        if isinstance(value, str):
            assets.write_string(i, 1, value)
        else:
            assets.write_number(i, 1, value, bn)
    if retail_rows is not None:
        retail = wb.add_worksheet("Retail MMF")
        retail.write_row(0, 0, ["Date", retail_header])
        retail.write(0, 3, "Source: FRED WRMFNS")
        for i, (day, value) in enumerate(retail_rows, start=1):
            retail.write_datetime(i, 0, day.to_pydatetime(), date)
            retail.write_number(i, 1, value, bn)
    wb.close()
    return path


def venv_in(folder: Path) -> None:
    """``folder/.venv`` as README's set-up makes it, so that README's ``.venv/bin/xlflows`` lines
    run as written from ``folder``: the repository's own ``.venv`` where it exists (the installed
    console script), else a stand-in script running this interpreter's xlflows."""
    if (ROOT / ".venv" / "bin" / "xlflows").is_file():
        (folder / ".venv").symlink_to(ROOT / ".venv")
        return
    script = folder / ".venv" / "bin" / "xlflows"
    script.parent.mkdir(parents=True)
    script.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m xlflows "$@"\n')
    script.chmod(0o755)


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
