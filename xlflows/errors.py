"""The project's exceptions: one base class, input and workbook subclasses.

Every message says where (argument and row, or ``sheet!cell``), what was found and what was
expected, e.g. ``flows: row 17 is #N/A, expected a number``. They never contain a traceback or a
Python type name. The Excel layer turns them into cell text (prefixed with :data:`CELL_PREFIX`), the
command line into one line on stderr.
"""

from __future__ import annotations

#: Prefix of every message a UDF returns instead of a result; test with
#: ``=LEFT(A1, LEN("xlflows error:"))="xlflows error:"`` or simply ``ISNUMBER``/``ISTEXT``.
CELL_PREFIX = "xlflows error: "


class XlflowsError(Exception):
    """Base class: the message is meant for an analyst, as it is."""


class InputError(XlflowsError, ValueError):
    """An argument (a range, a number, a date, a choice) cannot be used."""


class WorkbookError(XlflowsError):
    """A workbook (file, sheet, header, cell) cannot be read or written safely."""


def first_line(message: object) -> str:
    """The first line of a message (an exception or text), stripped; "" when there is none.

    Unexpected failures are reported by their first line only: never a traceback.
    """
    text = str(message).strip()
    return text.splitlines()[0].strip() if text else ""
