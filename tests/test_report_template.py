"""Template mechanics: placeholder parsing, planning writes, the store, and the built-in layout."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, strategies as st
from openpyxl import Workbook

from xlflows.errors import WorkbookError
from xlflows.report.layout import install_template
from xlflows.report.plan import (
    AS_OF_NAME,
    CYCLES_NAME,
    TEMPLATE_SHEET,
    WEEKS_NAME,
    Block,
    CellWrite,
    Value,
    extent_cells,
)
from xlflows.report.template import (
    TemplateCell,
    fill,
    is_template,
    placeholders,
    read_template,
    slug,
    store_writes,
    whole_placeholder,
)

CTX = {
    "as_of": Value(dt.datetime(2025, 11, 12), "12 Nov 2025", "d mmm yyyy"),
    "weeks": Value(8, "8", "0"),
    "equity.latest": Value(25.3, "+$25.3bn", "+0.0"),
    "t": Block([["h1", "h2"], [1, 2], [3, 4]], ["0", "0.0"]),
}


def test_parse():
    assert placeholders("As of {{ as_of }}, {{weeks}} weeks") == ["as_of", "weeks"]
    assert placeholders("plain text") == []
    assert whole_placeholder("  {{ equity.latest }} ") == "equity.latest"
    assert whole_placeholder("x {{ equity.latest }}") is None
    assert is_template("a {{ b }}") and not is_template("{ b }") and not is_template(3)


@pytest.mark.parametrize("name, key", [("Equity", "equity"), ("Money market", "money_market"),
                                       ("Multi-asset", "multi_asset"), (" EM Debt ", "em_debt"),
                                       ("US$ HY", "us__hy")])
def test_slug(name, key):
    assert slug(name) == key


def test_whole_cell_value_keeps_type_and_format():
    tpl = {"B2": TemplateCell("B2", "{{ equity.latest }}")}
    writes, problems = fill(tpl, CTX)
    assert writes == [CellWrite("Report", "B2", 25.3, "+0.0")] and problems == []
    assert tpl["B2"].extent == "B2"


def test_text_with_several_placeholders():
    tpl = {"A1": TemplateCell("A1", "Equity {{ equity.latest }} to {{ as_of }} ({{ weeks }}w)")}
    writes, _ = fill(tpl, CTX)
    assert writes[0].value == "Equity +$25.3bn to 12 Nov 2025 (8w)"


def test_block_spills_and_shrinks():
    tpl = {"C5": TemplateCell("C5", "{{ t }}")}
    writes, _ = fill(tpl, CTX)
    got = {w.cell: w.value for w in writes}
    assert got == {"C5": "h1", "D5": "h2", "C6": 1, "D6": 2, "C7": 3, "D7": 4}
    assert tpl["C5"].extent == "C5:D7"
    smaller = dict(CTX, t=Block([["h1"], [9]], ["0"]))
    writes, _ = fill(tpl, smaller)
    got = {w.cell: w.value for w in writes}
    # new extent C5:C6; the rest of the old C5:D7 is cleared
    assert got == {"C5": "h1", "C6": 9, "D5": None, "D6": None, "C7": None, "D7": None}


def test_block_collision_and_protected_cells():
    tpl = {"C5": TemplateCell("C5", "{{ t }}"), "D7": TemplateCell("D7", "{{ weeks }}")}
    with pytest.raises(WorkbookError, match=r"Report!C5: the table \{\{ t \}\} needs C5:D7 and "
                                            r"would overwrite Report!D7"):
        fill(tpl, CTX)
    with pytest.raises(WorkbookError, match=r"Report!C6 \(the weeks setting\)"):
        fill({"C5": TemplateCell("C5", "{{ t }}")}, CTX, protected={"C6": "the weeks setting"})


def test_unknown_and_misplaced_block_show_markers():
    tpl = {"A1": TemplateCell("A1", "{{ eqity.latest }}"),
           "A2": TemplateCell("A2", "see {{ t }}")}
    writes, problems = fill(tpl, CTX)
    assert writes[0].value == "[unknown placeholder: eqity.latest]"
    assert writes[1].value == "see [table t: put it alone in a cell]"
    assert "did you mean equity.latest" in problems[0]


def test_read_template_capture_and_release():
    stored = [["Report cell", "Template", "Last extent"],
              ["A1", "{{ as_of }}", "A1"], ["B2", "{{ t }}", "B2:C4"]]
    report = [[dt.datetime(2025, 11, 12), None, None],
              [None, None, "{{ weeks }} weeks"]]        # B2 emptied, C2 newly typed
    tpl, captured, released = read_template(report, stored)
    assert list(tpl) == ["A1", "C2"] and captured == ["C2"] and released == ["B2"]
    with pytest.raises(WorkbookError, match=r"xlflows.template!A2 is 'ZZ'"):
        read_template([], [["h"], ["ZZ", "{{ x }}", None]])


def test_store_writes_clear_stale_rows():
    writes = store_writes({"A1": TemplateCell("A1", "{{ as_of }}", "A1")}, previous_rows=4)
    got = {w.cell: w.value for w in writes}
    assert got["A2"] == "A1" and got["B2"] == "{{ as_of }}" and got["C2"] == "A1"
    assert got["A3"] is None and got["C4"] is None
    assert all(w.sheet == TEMPLATE_SHEET for w in writes)


@given(st.integers(1, 30), st.integers(1, 8), st.integers(1, 30), st.integers(1, 8))
def test_shrink_clears_exactly_the_difference(h1, w1, h2, w2):
    big = Block([[1] * w1 for _ in range(h1)])
    small = Block([[2] * w2 for _ in range(h2)])
    tpl = {"B3": TemplateCell("B3", "{{ t }}")}
    first, _ = fill(tpl, {"t": big})
    second, _ = fill(tpl, {"t": small})
    written = {w.cell for w in first}
    now = {w.cell: w.value for w in second}
    assert set(now) == written | set(extent_cells(tpl["B3"].extent))
    assert all(v is None for c, v in now.items() if c not in extent_cells(tpl["B3"].extent))


# --------------------------------------------------------------------------- built-in layout
@pytest.fixture
def installed():
    wb = Workbook()
    ws = wb.active
    ws.title = "Report"
    install_template(wb, ws, ["Equity", "Bond", "Money market"])
    return wb, ws


def test_settings_names(installed):
    wb, _ = installed
    got = {n: next(iter(wb.defined_names[n].destinations)) for n in
           (WEEKS_NAME, CYCLES_NAME, AS_OF_NAME)}
    assert got == {WEEKS_NAME: ("Report", "$K$5"), CYCLES_NAME: ("Report", "$K$6"),
                   AS_OF_NAME: ("Report", "$K$7")}
    ws = wb["Report"]
    assert (ws["K5"].value, ws["K6"].value, ws["K7"].value) == (8, 4, None)


def test_button_area_empty_and_no_formulas(installed):
    _, ws = installed
    for row in ws["H1:J3"]:
        assert all(c.value is None for c in row)
    values = [c.value for row in ws.iter_rows() for c in row if c.value is not None]
    assert not [v for v in values if isinstance(v, str) and v.startswith("=")]
    assert "{{ money_market.paragraph }}" in values and "{{ cycles.table }}" in values


def test_charts_made_once_with_visible_axes(installed):
    _, ws = installed
    assert len(ws._charts) == 2
    for chart in ws._charts:
        assert chart.x_axis.delete is False and chart.y_axis.delete is False
    flows = ws._charts[0]
    assert len(flows.series) == 3                   # one per category
    assert flows.series[0].val.numRef.f == "'Report'!$U$3:$U$28"   # fixed 26-week block


def test_no_categories_is_refused():
    wb = Workbook()
    with pytest.raises(WorkbookError, match="Flows!B1"):
        install_template(wb, wb.active, ["", None])
