"""Command line: ``xlflows refresh WORKBOOK [--output OUT] [--weeks N] [--cycles K] [--as-of DATE]``
and ``xlflows lite WORKBOOK [--output OUT] [--requirement SPEC]``.

``refresh``: the same computation as the workbook's Refresh button, written into the file with
openpyxl. ``lite``: add or update the xlwings Lite add-in's code in a workbook (``main.py`` gets
``from xlflows.lite import *``, ``requirements.txt`` the xlflows line), for Excel for Mac and the web.
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
    lite = commands.add_parser(
        "lite", help="add or update the xlwings Lite code in a workbook (Excel for Mac and the web)",
        description="Make a workbook an xlwings Lite workbook with the xlflows functions and "
                    "report script: main.py gets 'from xlflows.lite import *' (other code is "
                    "kept), requirements.txt the xlflows line (other lines are kept).")
    lite.add_argument("workbook", metavar="WORKBOOK", help=".xlsx or .xlsm file (changed in place)")
    lite.add_argument("--output", metavar="OUT",
                      help="write the workbook here instead (same extension)")
    lite.add_argument("--requirement", metavar="SPEC",
                      help="how xlwings Lite installs xlflows: a requirements line such as "
                           "xlflows==0.1.0 (the default, this version) or the https URL of an "
                           "xlflows wheel")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status (the console script exits with it)."""
    try:
        args = build_parser().parse_args(argv)
    except _UsageError as exc:
        command = "lite" if argv_command(argv) == "lite" else "refresh"
        return _fail(f"{exc} (see xlflows {command} --help)", EXIT_BAD_INPUT)
    if args.command == "lite":
        return _run(_lite, args)
    if args.command != "refresh":
        return _fail("no command given; expected: xlflows refresh WORKBOOK or xlflows lite "
                     "WORKBOOK", EXIT_BAD_INPUT)
    return _run(_refresh, args)


def argv_command(argv: list[str] | None) -> str | None:
    """The first word of the command line that is not an option (the command), or None."""
    words = sys.argv[1:] if argv is None else argv
    return next((word for word in words if not word.startswith("-")), None)


def _run(command, args) -> int:
    """Run one command; turn every failure into one line on stderr and an exit status."""
    try:
        return command(args)
    except XlflowsError as exc:
        return _fail(str(exc), EXIT_BAD_INPUT)
    except KeyboardInterrupt:
        return _fail("interrupted; nothing was written", EXIT_UNEXPECTED)
    except Exception as exc:  # the one place an unexpected failure becomes a line for people
        detail = first_line(exc) or "no detail"
        return _fail(f"unexpected problem, please report: {detail}", EXIT_UNEXPECTED)


def _lite(args) -> int:
    """``xlflows lite``: add or update the xlwings Lite part."""
    from xlflows.webextension import install_lite

    result = install_lite(args.workbook, output=args.output, requirement=args.requirement)
    verb = "Added the xlwings Lite code to" if result.added else "Updated the xlwings Lite code in"
    print(f"{verb} {result.output}")
    print("  main.py: " + ("from xlflows.lite import * added" if result.main_changed
                           else "already imports xlflows.lite"))
    print("  requirements.txt: " + "; ".join(line for line in result.requirements.splitlines()
                                             if line.strip()))
    return EXIT_OK


def _refresh(args) -> int:
    """``xlflows refresh``: recompute the Report sheet of a workbook file."""
    from xlflows.report.xlsx import refresh_file

    result = refresh_file(args.workbook, output=args.output, weeks=args.weeks,
                          cycles=args.cycles, as_of=args.as_of,
                          warn=lambda line: print(f"xlflows: warning: {line}", file=sys.stderr))
    print(f"Refreshed {result.output} ({result.cells_written} report cells)")
    for line in result.summary:
        print(f"  {line}")
    return EXIT_OK


def _fail(message: str, status: int) -> int:
    print(f"xlflows: {' '.join(message.split())}", file=sys.stderr)
    return status

