"""Command line: ``xlflows new``, ``refresh``, ``update`` and ``lite`` (``--help`` on each).

* ``new WORKBOOK [--categories "A,B,C"]``: an empty data workbook in the documented layout, with
  the built-in Report laid out for the categories (never over an existing file);
* ``refresh WORKBOOK [--output OUT] [--weeks N] [--cycles K] [--as-of DATE]``: the same
  computation as the workbook's Refresh button, written into the file;
* ``update WORKBOOK [--output OUT] [--from-dir DIR] [--fred-url URL]``: bring the FRED sheets
  (Policy rate, MMF assets and, where the workbook has it, Retail MMF) up to date; an empty one is
  filled from the start of its series;
* ``lite WORKBOOK [--output OUT] [--requirement URL]``: add or update the xlwings Lite add-in's
  code in a workbook (``main.py`` carries xlflows itself; ``requirements.txt`` names xlwings,
  pandas and numpy), for Excel for Mac and the web.

Exit status: 0 done, 2 the workbook or an argument cannot be used (one line ``xlflows: <reason>``
on stderr, nothing written), 1 an unexpected problem (also one line; please report it).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, NoReturn

from xlflows import __version__
from xlflows.errors import WorkbookError, XlflowsError, first_line

if TYPE_CHECKING:  # the commands import what they use when they run
    from xlflows.fred import Fetch

EXIT_OK = 0
EXIT_UNEXPECTED = 1
EXIT_BAD_INPUT = 2
#: The bounds of the settings the command line can override (as the settings cells).
MAX_WEEKS = 520
MAX_CYCLES = 20


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors on one line with the project's prefix and exit code."""

    def error(self, message: str) -> NoReturn:
        raise _UsageError(message)


class _UsageError(Exception):
    pass


def _whole(maximum: int):
    """An argparse type: a whole number from 1 to ``maximum``."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
        if not 1 <= value <= maximum:
            raise argparse.ArgumentTypeError(f"{value} is outside 1..{maximum}; expected a whole "
                                             f"number from 1 to {maximum}")
        return value
    return parse


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for the docs and tests)."""
    parser = _Parser(prog="xlflows",
                     description="Make an xlflows workbook of your own, refresh its Report sheet, "
                                 "bring its FRED data up to date, or make it an xlwings Lite "
                                 "workbook.")
    parser.add_argument("--version", action="version", version=f"xlflows {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    _add_new(commands)
    refresh = commands.add_parser(
        "refresh", help="recompute the Report sheet from the workbook's data sheets",
        description="Recompute the Report sheet from the Flows, Policy rate and MMF assets "
                    "sheets, like the workbook's Refresh button.")
    _workbook_and_output(refresh, "refreshed")
    refresh.add_argument("--weeks", type=_whole(MAX_WEEKS), metavar="N",
                         help=f"look-back window in weeks, 1 to {MAX_WEEKS} (default: the Report's "
                              "setting cell)")
    refresh.add_argument("--cycles", type=_whole(MAX_CYCLES), metavar="K",
                         help=f"previous hiking cycles compared, 1 to {MAX_CYCLES} (default: the "
                              "Report's setting cell)")
    refresh.add_argument("--as-of", dest="as_of", metavar="DATE",
                         help="cut every series at this date, e.g. 2023-12-13 (default: latest "
                              "week)")
    _add_update(commands)
    lite = commands.add_parser(
        "lite",
        help="add or update the xlwings Lite code in a workbook (Excel for Mac and the web)",
        description="Make a workbook an xlwings Lite workbook with the xlflows functions and "
                    "report script: main.py gets a block that carries xlflows itself (your "
                    "code is kept; a function of yours with one of xlflows' names is refused), "
                    "requirements.txt the packages it needs (your lines are kept).")
    _workbook_and_output(lite, "changed")
    lite.add_argument("--requirement", metavar="URL",
                      help="install xlflows from a wheel you host instead: its https address "
                           "(e.g. https://example.org/xlflows-0.1.0-py3-none-any.whl)")
    return parser


def _workbook_and_output(command: argparse.ArgumentParser, done: str) -> None:
    """The WORKBOOK argument and ``--output`` every command takes."""
    command.add_argument("workbook", metavar="WORKBOOK",
                         help=f".xlsx or .xlsm file ({done} in place)")
    command.add_argument("--output", metavar="OUT",
                         help=f"write the {done} workbook here instead (same extension)")


def _check_paths(args) -> None:
    """Before anything is read or computed: the workbook is a file, and ``--output`` names a file
    in a folder that exists and can be written."""
    if os.path.isdir(args.workbook):
        raise WorkbookError(f"{args.workbook} is a folder; expected an .xlsx or .xlsm file")
    output = getattr(args, "output", None)
    if output is None:
        return
    if os.path.isdir(output):
        raise WorkbookError(f"--output {output} is a folder; expected a file name such as "
                            f"{os.path.join(output, os.path.basename(args.workbook))}")
    folder = os.path.dirname(os.path.abspath(output))
    if not os.path.isdir(folder):
        raise WorkbookError(f"--output {output}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise WorkbookError(f"--output {output}: the folder {folder} cannot be written to")
    if os.path.exists(output) and not os.stat(output).st_mode & 0o222:   # as Excel: no write bit
        raise WorkbookError(f"--output {output} is read-only; choose another name or make it "
                            "writable")


def _add_new(commands) -> None:
    """The ``new`` subcommand (an empty data workbook with the built-in Report)."""
    from xlflows.newbook import DEFAULT_CATEGORIES

    new = commands.add_parser(
        "new", help="make an empty data workbook (Flows, Policy rate, MMF assets, Retail MMF) "
                    "with the built-in Report",
        description="Make a new .xlsx workbook in the layout xlflows reads: Flows (Week ending "
                    "and one column per category), Policy rate, MMF assets and Retail MMF (Date "
                    "and the value), headers in row 1 and nothing under them, and the built-in "
                    "Report laid out for the categories. Paste weekly flows into Flows, then "
                    "run xlflows update and xlflows refresh on it. An existing file is never "
                    "overwritten.")
    new.add_argument("workbook", metavar="WORKBOOK", help="the new .xlsx file")
    new.add_argument("--categories", metavar='"A,B,C"',
                     help="the flow categories, separated by commas (default: "
                          f"\"{','.join(DEFAULT_CATEGORIES)}\")")


def _new(args) -> int:
    """``xlflows new``: the file made, its sheets, and what to do next."""
    from xlflows.newbook import DEFAULT_CATEGORIES, new_workbook, parse_categories

    categories = (parse_categories(args.categories) if args.categories is not None
                  else list(DEFAULT_CATEGORIES))
    result = new_workbook(args.workbook, categories)
    print(f"Made {result.output} with the sheets {', '.join(result.sheets)}")
    print(f"  Flows: Week ending, {', '.join(result.categories)} (weekly net flows in $bn, "
          "from row 2)")
    print(f"  next: paste your weekly flows into Flows, then run xlflows update {result.output} "
          f"and xlflows refresh {result.output}")
    return EXIT_OK


def _add_update(commands) -> None:
    """The ``update`` subcommand (the FRED sheets of :mod:`xlflows.datasheets`)."""
    update = commands.add_parser(
        "update", help="bring the Policy rate, MMF assets and Retail MMF sheets up to date from "
                       "FRED",
        description="Append new FRED observations to the Policy rate (DFEDTAR, then DFEDTARU), "
                    "MMF assets (MMMFFAQ027S) and, where the workbook has it, Retail MMF "
                    "(WRMFNS) sheets and apply revisions; a sheet with its headers only is "
                    "filled from the start of its series; every other cell is left alone. "
                    "Refresh the Report afterwards.")
    _workbook_and_output(update, "updated")
    where = update.add_mutually_exclusive_group()
    where.add_argument("--from-dir", dest="from_dir", metavar="DIR",
                       help="read DIR/SERIES.csv files saved from FRED instead of downloading")
    where.add_argument("--fred-url", dest="fred_url", metavar="URL",
                       help="download URL?id=SERIES instead of FRED's address (also: the "
                            "XLFLOWS_FRED_URL environment variable)")


def _update(args) -> int:
    """``xlflows update``: one summary line per sheet on stdout, progress on a terminal's stderr."""
    from xlflows import update

    progress = _Progress(sys.stderr)
    try:
        fetch, where = _update_source(args, progress)
        result = update.update_file(args.workbook, fetch, where, output=args.output)
    finally:
        progress.clear()  # before a failure's line, which _run writes
    if result.cells_written:
        print(f"Updated {result.output} ({result.cells_written} cells); refresh the Report "
              f"with: xlflows refresh {result.output}")
    else:
        print(f"{result.output} is up to date; nothing was changed")
    for line in result.summary:
        print(f"  {line}")
    return EXIT_OK


def _update_source(args, progress: _Progress) -> tuple[Fetch, Callable[[str], str]]:
    """Where ``xlflows update`` gets each series (``--from-dir``'s saved CSV files, or a FRED
    address), and how its messages name the place of a series."""
    from xlflows import fred

    if args.from_dir is not None:
        return (fred.folder_reader(args.from_dir),
                lambda series: os.path.join(args.from_dir, f"{series}.csv"))
    base = args.fred_url or os.environ.get(fred.URL_ENV) or fred.FRED_URL
    return (fred.fred_downloader(base, timeout=fred.env_timeout(), progress=progress),
            lambda series: f"{series} from {fred.series_url(base, series)}")


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
        command = argv_command(argv)
        command = command if command in ("new", "refresh", "update", "lite") else "refresh"
        return _fail(f"{exc} (see xlflows {command} --help)", EXIT_BAD_INPUT)
    if args.command == "update":
        return _run(_update, args)
    if args.command == "lite":
        return _run(_lite, args)
    if args.command == "new":
        return _run(_new, args, check_paths=False)
    if args.command != "refresh":
        return _fail("no command given; expected: xlflows new WORKBOOK, xlflows refresh "
                     "WORKBOOK, xlflows update WORKBOOK or xlflows lite WORKBOOK", EXIT_BAD_INPUT)
    return _run(_refresh, args)


def argv_command(argv: list[str] | None) -> str | None:
    """The first word of the command line that is not an option (the command), or None."""
    words = sys.argv[1:] if argv is None else argv
    return next((word for word in words if not word.startswith("-")), None)


def _run(command, args, *, check_paths: bool = True) -> int:
    """Run one command; turn every failure into one line on stderr and an exit status.
    ``check_paths``: the workbook must be a file and ``--output`` writable (not for ``new``,
    which checks its own path)."""
    try:
        if check_paths:
            _check_paths(args)
        return command(args)
    except XlflowsError as exc:
        return _fail(str(exc), EXIT_BAD_INPUT)
    except KeyboardInterrupt:
        return _fail("interrupted; nothing was written", EXIT_UNEXPECTED)
    except Exception as exc:  # noqa: BLE001 - the one place a failure becomes a line for people
        detail = first_line(exc) or "no detail"
        return _fail(f"unexpected problem, please report: {detail}", EXIT_UNEXPECTED)


def _lite(args) -> int:
    """``xlflows lite``: add or update the xlwings Lite code."""
    from xlflows.webextension import install_lite

    result = install_lite(args.workbook, output=args.output, requirement=args.requirement)
    verb = "Added the xlwings Lite code to" if result.added else "Updated the xlwings Lite code in"
    print(f"{verb} {result.output}")
    what = ("xlflows installed from the wheel in requirements.txt" if args.requirement
            else f"xlflows embedded ({result.main_size:,} characters)")
    print(f"  main.py: {what}" + ("; your code kept" if result.main_changed else
                                  "; already up to date"))
    print("  requirements.txt: " + "; ".join(line for line in result.requirements.splitlines()
                                             if line.strip()))
    for note in result.notes:
        print(f"xlflows: note: {note}", file=sys.stderr)
    return EXIT_OK


def _refresh(args) -> int:
    """``xlflows refresh``: recompute the Report sheet of a workbook file. Summary lines that are
    warnings (an as-of date after the data) go to stderr, the rest to stdout."""
    from xlflows.report.xlsx import refresh_file

    result = refresh_file(args.workbook, output=args.output, weeks=args.weeks,
                          cycles=args.cycles, as_of=args.as_of,
                          warn=lambda line: print(f"xlflows: warning: {line}", file=sys.stderr))
    print(f"Refreshed {result.output} ({result.cells_written} report cells)")
    for line in result.summary:
        if line.startswith("warning: "):
            print(f"xlflows: {line}", file=sys.stderr)
        else:
            print(f"  {line}")
    return EXIT_OK


def _fail(message: str, status: int) -> int:
    print(f"xlflows: {' '.join(message.split())}", file=sys.stderr)
    return status
