"""``xlflows update``'s downloads against a local FRED stand-in: proxies, the whole-answer
deadline, redirects (http(s) only, never down from https), HTTPS verified, and every failure one
line with the workbook untouched."""

from __future__ import annotations

import contextlib
import http.server
import io
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from typing import ClassVar

import pytest

from update_support import FIXTURES, Server, cells, folder_files, make_workbook, run
from xlflows import cli, datasheets, fred as fred_module


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

    tunnels: ClassVar[list[str]] = []                  # shared by its handlers: one a request

    def do_CONNECT(self):
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
    proxy = Server(("127.0.0.1", 0), _ConnectProxy)
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
    monkeypatch.setenv(fred_module.URL_ENV, fred.url)
    book = make_workbook(tmp_path / "mine.xlsx")
    status, _, err = run(["update", str(book)], capsys)
    assert (status, err) == (0, "")
    assert [urllib.parse.urlsplit(r).path for r in fred.requests] == ["/graph/fredgraph.csv"] * 3


def test_default_address_is_fred():
    assert fred_module.series_url(fred_module.FRED_URL, "DFEDTARU") == (
        "https://fred.stlouisfed.org/graph/fredgraph.csv?id=DFEDTARU")
    assert fred_module.series_url("http://mirror/x?key=1", "A") == "http://mirror/x?key=1&id=A"
    assert datasheets.fred_series() == ["DFEDTAR", "DFEDTARU", "MMMFFAQ027S", "WRMFNS"]


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
    ("cut mid-line", _cut_mid_line, ("ends in the middle of line 203 ('2023-10-01,60000'); the "
                                     "file is truncated")),
    ("connection closed early", _short_body, "the connection closed before the end of the file"),
    ("malformed value", _malformed, ("line 193 has the value 'n/a', expected a date (YYYY-MM-DD) "
                                     "and a number")),
    ("backwards in time", _backwards, ("line 193: 2020-04-01 comes after 2021-01-01; expected "
                                       "dates that only increase (the series went backwards")),
    ("older than the workbook", _older_vintage, ("DFEDTARU ends 2025-10-31, before the last date "
                                                 "of Policy rate (2025-11-12, Policy rate!A59)")),
    ("another series", _wrong_series, ("line 1 is 'observation_date,DFEDTARU', expected "
                                       "'observation_date,MMMFFAQ027S' or 'DATE,MMMFFAQ027S'")),
]


@pytest.mark.parametrize("name, spoil, message", FAILURES, ids=[f[0] for f in FAILURES])
def test_each_failure_is_one_line_and_leaves_the_workbook_untouched(
        tmp_path, fred, capsys, monkeypatch, name, spoil, message):
    monkeypatch.setenv(fred_module.TIMEOUT_ENV, "1")
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
    monkeypatch.setenv(fred_module.TIMEOUT_ENV, "1")
    fred.answer("MMMFFAQ027S", _short_answer(), drip=0.2, drip_from=drip_from)
    url = fred_tls if tls else fred.url
    start = time.monotonic()
    _refused(tmp_path, capsys, url,
             f"cannot download MMMFFAQ027S from {url}?id=MMMFFAQ027S: no complete answer "
             "within 1 s")
    assert time.monotonic() - start < 3.0          # 1 s and the two quick downloads before


def test_the_deadline_covers_a_redirect_and_its_target(tmp_path, fred, capsys, monkeypatch):
    # 0.6 s before the redirect, then a dripping answer: neither alone reaches 1 s.
    monkeypatch.setenv(fred_module.TIMEOUT_ENV, "1")
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


def test_no_sheet_is_updated_while_another_series_fails(tmp_path, fred, capsys):
    # The rates download fine and would add 49 days; the assets fail: nothing is written.
    _html(fred)
    book = make_workbook(tmp_path / "mine.xlsx")
    before = cells(book)
    status, _, _ = run(["update", str(book), "--fred-url", fred.url], capsys)
    assert status == 2 and len(fred.requests) == 3 and cells(book) == before


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
    assert status == 2
    assert err == "xlflows: mine.csv has extension '.csv'; expected .xlsx or .xlsm\n"


def test_timeout_setting_is_checked(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv(fred_module.TIMEOUT_ENV, "soon")
    book = make_workbook(tmp_path / "mine.xlsx")
    status, _, err = run(["update", str(book), "--fred-url", "http://127.0.0.1:1/x"], capsys)
    assert status == 2 and err == ("xlflows: XLFLOWS_FRED_TIMEOUT is 'soon', expected a number "
                                   "of seconds above 0\n")


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
    fetch = fred_module.fred_downloader(fred.url, timeout=5, progress=lines.append)
    assert fetch("DFEDTAR").startswith("observation_date,DFEDTAR\n")
    assert lines == [f"downloading DFEDTAR from 127.0.0.1:{fred.port}"]


def test_a_python_without_ssl_imports_the_downloader_and_names_what_https_needs(fred):
    """A Python built without ssl (Pyodide is one) has no ``http.client.HTTPSConnection``:
    ``xlflows.fred`` failed to import there (CI's Pyodide run loads the test helpers, which
    import it). Now it imports, plain http still downloads, and an https address is refused
    in one line naming the missing module."""
    code = "\n".join([
        "import sys",
        "sys.modules['ssl'] = None                 # as in a Python built without ssl",
        "import http.client, urllib.request",
        "assert not hasattr(http.client, 'HTTPSConnection')",
        "from xlflows import fred",
        (f"text = fred.fred_downloader('http://127.0.0.1:{fred.port}/graph/fredgraph.csv',"
         " timeout=10)('DFEDTAR')"),
        "assert text.startswith('observation_date,DFEDTAR'), text[:80]",
        "try:",
        "    fred.fred_downloader('https://fred.stlouisfed.org/graph/fredgraph.csv')('DFEDTAR')",
        "except fred.SourceError as exc:",
        "    print(exc)",
    ])
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout == (
        "cannot download DFEDTAR from https://fred.stlouisfed.org/graph/fredgraph.csv?id=DFEDTAR:"
        " this Python has no ssl module, which https needs; use a Python built with ssl, or save"
        " the CSV files by hand and use --from-dir DIR\n")
