"""Command line: ``xlflows refresh WORKBOOK [--output OUT] [--weeks N] [--cycles K] [--as-of DATE]``
and ``xlflows update WORKBOOK [--output OUT] [--from-dir DIR] [--fred-url URL]``.

``refresh`` is the same computation as the workbook's Refresh button, written into the file with
openpyxl; ``update`` brings the FRED series of the Policy rate and MMF assets sheets up to date.
Exit status: 0 done, 2 the workbook or an argument cannot be used (one line ``xlflows: <reason>``
on stderr, nothing written), 1 an unexpected problem (also one line; please report it).
"""

from __future__ import annotations

import argparse
import sys

from xlflows.errors import XlflowsError, first_line

EXIT_OK = 0
EXIT_UNEXPECTED = 1
EXIT_BAD_INPUT = 2


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors on one line with the project's prefix and exit code."""

    def error(self, message: str) -> None:  # noqa: D401 - argparse's hook
        raise _UsageError(message)


class _UsageError(Exception):
    pass


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is below 1; expected a whole number >= 1")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for the docs and tests)."""
    parser = _Parser(prog="xlflows", description="Refresh the Report sheet of an xlflows workbook.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    refresh = commands.add_parser(
        "refresh", help="recompute the Report sheet from the workbook's data sheets",
        description="Recompute the Report sheet from the Flows, Policy rate and MMF assets "
                    "sheets, like the workbook's Refresh button.")
    refresh.add_argument("workbook", metavar="WORKBOOK", help=".xlsx or .xlsm file (refreshed in place)")
    refresh.add_argument("--output", metavar="OUT",
                         help="write the refreshed workbook here instead (same extension)")
    refresh.add_argument("--weeks", type=_positive_int, metavar="N",
                         help="look-back window in weeks (default: the Report's setting cell)")
    refresh.add_argument("--cycles", type=_positive_int, metavar="K",
                         help="previous hiking cycles compared (default: the Report's setting cell)")
    refresh.add_argument("--as-of", dest="as_of", metavar="DATE",
                         help="cut every series at this date, e.g. 2023-12-13 (default: latest week)")
    _add_update(commands)
    return parser


def _add_update(commands) -> None:
    """The ``update`` subcommand (FRED series of the Policy rate and MMF assets sheets)."""
    update = commands.add_parser(
        "update", help="bring the Policy rate and MMF assets sheets up to date from FRED",
        description="Append new FRED observations to the Policy rate (DFEDTAR, then DFEDTARU) "
                    "and MMF assets (MMMFFAQ027S) sheets and apply revisions; every other cell "
                    "is left alone. Refresh the Report afterwards.")
    update.add_argument("workbook", metavar="WORKBOOK", help=".xlsx or .xlsm file (updated in place)")
    update.add_argument("--output", metavar="OUT",
                        help="write the updated workbook here instead (same extension)")
    where = update.add_mutually_exclusive_group()
    where.add_argument("--from-dir", dest="from_dir", metavar="DIR",
                       help="read DIR/SERIES.csv files saved from FRED instead of downloading")
    where.add_argument("--fred-url", dest="fred_url", metavar="URL",
                       help="download URL?id=SERIES instead of FRED's address (also: the "
                            "XLFLOWS_FRED_URL environment variable)")


def _run_update(args) -> int:
    """``xlflows update``: one summary line per sheet on stdout, progress on a terminal's stderr."""
    import os

    from xlflows import update

    progress = _Progress(sys.stderr)
    try:
        if args.from_dir is not None:
            fetch = update.folder_reader(args.from_dir)
            where = lambda series: os.path.join(args.from_dir, f"{series}.csv")  # noqa: E731
        else:
            base = args.fred_url or os.environ.get(update.URL_ENV) or update.FRED_URL
            fetch = update.fred_downloader(base, timeout=update.env_timeout(), progress=progress)
            where = lambda series: f"{series} from {update.series_url(base, series)}"  # noqa: E731
        result = update.update_file(args.workbook, fetch, where, output=args.output)
    except XlflowsError as exc:
        progress.clear()
        return _fail(str(exc), EXIT_BAD_INPUT)
    except KeyboardInterrupt:
        progress.clear()
        return _fail("interrupted; nothing was written", EXIT_UNEXPECTED)
    except Exception as exc:  # as for refresh: one line, never a traceback
        progress.clear()
        detail = first_line(exc) or "no detail"
        return _fail(f"unexpected problem, please report: {detail}", EXIT_UNEXPECTED)
    progress.clear()
    if result.losses:
        print(f"xlflows: warning: {result.output.name} was written without "
              + ", ".join(result.losses) + " (openpyxl cannot keep them); the input is unchanged",
              file=sys.stderr)
    if result.cells_written:
        print(f"Updated {result.output} ({result.cells_written} cells); refresh the Report "
              f"with: xlflows refresh {result.output}")
    else:
        print(f"{result.output} is up to date; nothing was changed")
    for line in result.summary:
        print(f"  {line}")
    return EXIT_OK


class _Progress:
    """Progress on stderr while downloading, only on a terminal: one line rewritten in place
    and cleared at the end, so that stderr keeps at most the one line of a failure."""

    def __init__(self, stream) -> None:
        self._stream = stream
        self._width = 0
        isatty = getattr(stream, "isatty", None)
        self._live = bool(isatty and isatty())

    def __call__(self, text: str) -> None:
        if not self._live:
            return
        line = f"xlflows: {text} ..."
        self._stream.write("\r" + line.ljust(self._width))
        self._stream.flush()
        self._width = max(self._width, len(line))

    def clear(self) -> None:
        if self._live and self._width:
            self._stream.write("\r" + " " * self._width + "\r")
            self._stream.flush()
            self._width = 0


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status (the console script exits with it)."""
    try:
        args = build_parser().parse_args(argv)
    except _UsageError as exc:
        return _fail(f"{exc} (see xlflows refresh --help)", EXIT_BAD_INPUT)
    if args.command == "update":
        return _run_update(args)
    if args.command != "refresh":
        return _fail("no command given; expected: xlflows refresh WORKBOOK", EXIT_BAD_INPUT)
    try:
        from xlflows.report.xlsx import refresh_file

        result = refresh_file(args.workbook, output=args.output, weeks=args.weeks,
                              cycles=args.cycles, as_of=args.as_of,
                              warn=lambda line: print(f"xlflows: warning: {line}", file=sys.stderr))
    except XlflowsError as exc:
        return _fail(str(exc), EXIT_BAD_INPUT)
    except KeyboardInterrupt:
        return _fail("interrupted; nothing was written", EXIT_UNEXPECTED)
    except Exception as exc:  # the one place an unexpected failure becomes a line for people
        detail = first_line(exc) or "no detail"
        return _fail(f"unexpected problem, please report: {detail}", EXIT_UNEXPECTED)
    print(f"Refreshed {result.output} ({result.cells_written} report cells)")
    for line in result.summary:
        print(f"  {line}")
    return EXIT_OK


def _fail(message: str, status: int) -> int:
    print(f"xlflows: {' '.join(message.split())}", file=sys.stderr)
    return status

