"""Have LibreOffice compute ROUND on the values that tell the rounding rules apart; print a csv.

Definition checked (SPEC §1, "Rounding"): ``ROUND(x, digits)`` rounds half away from zero the value
``x`` reduced to 15 significant digits, so ``ROUND(8.85/3, 1)`` is 3 although the double 8.85/3 is
2.9499999999999997 — except that LibreOffice rounds the double itself when ``digits`` is 0
(``ROUND(5.015*100, 0)`` is 501: 5.015*100 is 501.49999999999994). Each case is an expression of at
most one arithmetic operation on decimal literals, which the spreadsheet and Python evaluate to the
same double (IEEE 754); the column ``offset`` (LibreOffice's ``RAWSUBTRACT(x, x to 15 digits)``, a
subtraction without its snapping to zero) lets the test check that the double is indeed the same.

The sheet is written with openpyxl (formulas without saved values, so LibreOffice computes
them), converted to csv by headless LibreOffice with its own profile folder, and printed as
``expression,digits,rounded,shown,offset``. Its output is committed as
``tests/excel_round_libreoffice.csv``; ``tests/test_core_calendar.py`` compares
``excel_round`` with it and, when LibreOffice is installed, reruns this script.

Usage: ``python scripts/excel_round_table.py > tests/excel_round_libreoffice.csv``
"""

from __future__ import annotations

import csv
import io
import operator
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

#: (expression, digits): ties after 15 digits, binary values just below a half, negative
#: values, negative digits, large and small magnitudes.
CASES = [
    ("8.85/3", 1), ("0.1+0.35", 1), ("-0.1-0.35", 1), ("2.675", 2), ("1.005", 2),
    ("12.5", 0), ("-2.5", 0), ("0.5", 0), ("-0.5", 0), ("13.5", 0), ("0.285", 2),
    ("1.15", 1), ("4.35*100", 0), ("4.35*100", 13), ("5.015*100", 0), ("1.1*1.1", 2),
    ("0.1*3", 1), ("0.1*3", 16), ("1.4999999999999999", 0), ("2.5-1e-16", 0),
    ("1234.5", -2), ("-1250", -2), ("1250", -3), ("99.9999995", 6), ("99.99999949", 6),
    ("0.7+0.1", 1), ("0.7+0.1", 15), ("3.3*3", 0), ("1.255", 2), ("1.245", 2),
    ("1.0049999999999", 2), ("123456789.125", 2), ("1e15+0.3", 0), ("1e22", 6),
    ("-3e300", 0), ("2/3", 14), ("-2/3", 14), ("10/3", 15), ("0.045", 2), ("-0.045", 2),
    ("1.6e-9*3", 9), ("0.29*100", 0), ("0.57*100", 0), ("58.15*100", 0), ("19.99*100", 0),
    ("80.0345/0.001", 0), ("64.5405*1000", 0), ("-73.8885/0.001", 0), ("2.5-1e-13", 0),
    ("95.9005*10", 2), ("-68.4455/0.01", 1), ("24.2185/0.01", 1), ("-36.1335*1", 3),
]


def near_ties(count: int = 200) -> list[tuple[str, int]]:
    """Products and quotients of literals ending in 5, whose doubles fall just off a half.

    A fixed linear congruential sequence (no randomness: the table is reproducible).
    """
    cases, state = [], 12345
    for k in range(count):
        state = (state * 1103515245 + 12345) % 2 ** 31
        digits = (0, 0, 1, 2, 3, -1)[k % 6]
        literal = f"{'-' if state % 3 == 0 else ''}{state % 100}.{state // 100 % 1000:03d}5"
        scale = {0: "1000", 1: "100", 2: "10", 3: "1", -1: "100000"}[digits]
        cases.append((f"{literal}*{scale}" if k % 2 else f"{literal}/{1 / int(scale):g}",
                      digits))
    return cases

_OPERATIONS = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}
#: A decimal literal, optionally signed, with an optional exponent.
_LITERAL = r"-?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?"
_EXPRESSION = re.compile(rf"^({_LITERAL})(?:([-+*/])({_LITERAL}))?$")


def evaluate(expression: str) -> float:
    """The double a spreadsheet computes for ``a``, ``a+b``, ``a-b``, ``a*b`` or ``a/b``."""
    match = _EXPRESSION.match(expression)
    if match is None:
        raise ValueError(f"not a literal or one operation on two literals: {expression!r}")
    left, op, right = match.groups()
    return float(left) if op is None else _OPERATIONS[op](float(left), float(right))


def fifteen_digits(x: float) -> str:
    """``x`` written with 15 significant digits, as a formula literal."""
    return f"{x:.15g}"


def build_sheet(path: Path) -> None:
    """One row per case: expression, digits, ROUND, the value to 15 digits, RAWSUBTRACT."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["expression", "digits", "rounded", "shown", "offset"])
    for row, (expression, digits) in enumerate(CASES + near_ties(), start=2):
        shown = fifteen_digits(evaluate(expression))
        sheet.append([expression, digits, f"=ROUND({expression},{digits})", f"={shown}",
                      f"=_xlfn.ORG.LIBREOFFICE.RAWSUBTRACT({expression},{shown})"])
        sheet.cell(row, 1).data_type = "s"
    book.save(path)


def libreoffice_csv(book: Path, folder: Path) -> str:
    """The sheet's computed values as csv text, via headless LibreOffice (raw values)."""
    soffice = shutil.which("soffice")
    if soffice is None:
        raise SystemExit("excel_round_table: soffice (LibreOffice) is not installed")
    profile = (folder / "profile").as_uri()
    options = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false"
    done = subprocess.run([soffice, f"-env:UserInstallation={profile}", "--headless",
                           "--convert-to", options, "--outdir", str(folder), str(book)],
                          capture_output=True, text=True, timeout=300, check=False)
    out = folder / (book.stem + ".csv")
    if done.returncode != 0 or not out.exists():
        raise SystemExit(f"excel_round_table: LibreOffice failed: {done.stderr.strip()}")
    return out.read_text(encoding="utf-8")


def table() -> str:
    """The committed table: LibreOffice's results for every case, as csv text."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        book = folder / "rounds.xlsx"
        build_sheet(book)
        rows = list(csv.reader(io.StringIO(libreoffice_csv(book, folder))))
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


if __name__ == "__main__":
    sys.stdout.write(table())
