"""Every message README quotes is the one the product gives: each is reproduced here.

A quoted message is text in backticks that reads like one of ours (``…, expected …``, ``unknown
placeholder``…). The table below holds a way to make each; a quote with no entry, or an entry
whose message differs from README's words, fails — so README cannot quote a message that is not
printed. ``…`` in a quote stands for any rest of the message.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from pathlib import Path

import pytest

from xlflows import udfs
from xlflows.errors import WorkbookError
from xlflows.report.compute import plan_refresh

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
QUOTE = re.compile(r"`([^`]*(?:expected|must be contiguous|unknown placeholder|did you mean|"
                   r"put it alone|is read-only|is a folder|please report)[^`]*)`")
WEEKS = [dt.datetime(2024, 1, 3) + dt.timedelta(weeks=i) for i in range(12)]


def quoted() -> list[str]:
    return list(dict.fromkeys(" ".join(m.group(1).split()) for m in QUOTE.finditer(README)))


def _source():
    sys.path.insert(0, str(ROOT / "tests"))
    from test_report_compute import make_source

    return make_source()


def _refresh_error(change) -> str:
    src = _source()
    change(src)
    with pytest.raises(WorkbookError) as caught:
        plan_refresh(src)
    return str(caught.value)


def _summary_and_cell(text: str) -> tuple[str, str]:
    src = _source()
    src.set("Report", "A4", text)
    plan = src.apply(plan_refresh(src))
    return "\n".join(plan.summary), src.get("Report", "A4")


def _unexpected() -> str:
    from xlflows.core import flows

    original = flows.streak
    flows.streak = lambda *a, **k: (_ for _ in ()).throw(RuntimeError("boom"))
    try:
        return udfs.flow_streak([1.0, 2.0])
    finally:
        flows.streak = original


def _set_flows_cell(row: int, col: int, value):
    return lambda src: src.sheets["Flows"][row - 1].__setitem__(col - 1, value)


#: message → how to make it (returns the full text the product shows).
MAKE = {
    "xlflows: Bond flows: Flows!C17 is text 'n/a', expected a number":
        lambda: "xlflows: " + _refresh_error(_set_flows_cell(17, 3, "n/a")),
    "flows: a range of 5 rows × 3 columns, expected a single row or column":
        lambda: udfs.flow_streak([[1.0, 2.0, 3.0]] * 5),
    "flows: row 5 is blank between values; weekly flows must be contiguous":
        lambda: udfs.flow_streak([1.0, 2.0, 3.0, 4.0, None, 6.0]),
    "flows: row 17 is #N/A, expected a number":
        lambda: udfs.flow_streak([1.0] * 16 + ["#N/A"]),
    "flows: row 3 is TRUE, expected a number": lambda: udfs.flow_streak([1.0, 2.0, True]),
    "flows and dates: 10 rows vs 12 rows, expected the same length":
        lambda: udfs.flow_streak([1.0] * 10, WEEKS),
    "weeks: 8.5, expected a whole number of at least 1":
        lambda: udfs.flow_rolling([1.0] * 12, 8.5),
    "method: text 'avg', expected \"mean\" or \"z\"":
        lambda: udfs.abnormality(0.25, [0.3, 0.35], "avg"),
    "n: 30 weeks, expected at most 27, the weeks of data in flows":
        lambda: udfs.flow_count([1.0] * 27, 30),
    "xlflows error: flows: row 17 is #N/A, expected a number":
        lambda: udfs.flow_streak([1.0] * 16 + ["#N/A"]),
    "xlflows error: unexpected problem, please report: …": _unexpected,
    "[unknown placeholder: eqity.latest]":
        lambda: _summary_and_cell("{{ eqity.latest }}")[1],
    "Report!A4: unknown placeholder {{ eqity.latest }}; did you mean equity.latest, "
    "equity.latest_sentence, equity.name?":
        lambda: _summary_and_cell("{{ eqity.latest }}")[0],
    "[table cycles.table: put it alone in a cell]":
        lambda: _summary_and_cell("see {{ cycles.table }}")[1].removeprefix("see "),
    "Report!K6 (previous cycles): text 'abc', expected a whole number from 1 to 20":
        lambda: _refresh_error(lambda src: src.set("Report", "K6", "abc")),
}


def test_every_quoted_message_has_a_way_to_make_it():
    missing = [q for q in quoted() if q not in MAKE]
    assert missing == [], "add a way to make these README quotes to MAKE"


@pytest.mark.parametrize("message", quoted())
def test_readme_quotes_the_message_the_product_gives(message):
    got = MAKE[message]()
    prefix = "xlflows error: "           # a UDF's text carries it; README quotes it or not
    if not message.startswith(prefix) and isinstance(got, str) and got.startswith(prefix):
        got = got[len(prefix):]
    if "…" in message:
        head = message.split("…")[0]
        assert got.startswith(head) and len(got) > len(head), got
    elif "\n" in got:                              # a summary: the line
        assert message in got.splitlines(), got
    else:
        assert got == message
