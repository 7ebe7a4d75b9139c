"""Command line: ``xlflows refresh WORKBOOK [--output OUT] [--weeks N] [--cycles K] [--as-of DATE]``.

The same computation as the workbook's Refresh button, written into the file by the file engine
(:mod:`xlflows.report.xlsx`: only the parts refresh owns change).
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
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status (the console script exits with it)."""
    try:
        args = build_parser().parse_args(argv)
    except _UsageError as exc:
        return _fail(f"{exc} (see xlflows refresh --help)", EXIT_BAD_INPUT)
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

