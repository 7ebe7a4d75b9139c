"""Issue 11's proof on the shipped workbook: after `xlflows update` brings MMF assets to 2023Q4,
`xlflows refresh` judges the current cycle from the new data, the staleness flag goes where the
data are current, and the flow sentences keep their sample-data label."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import openpyxl

from xlflows import cli

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "workbook" / "xlflows.xlsm"
FIXTURES = ROOT / "tests" / "fixtures" / "fred"


def _report(book: Path) -> list[str]:
    ws = openpyxl.load_workbook(book, data_only=True)["Report"]
    return [c.value for row in ws.iter_rows(max_col=8) for c in row if isinstance(c.value, str)]


def test_refresh_after_an_update_uses_the_new_quarters(tmp_path, capsys):
    book = tmp_path / "xlflows.xlsm"
    shutil.copyfile(SHIPPED, book)
    before = _report(book)
    assert any("(latest data, five years before the as-of date): as of Q4 2020, not abnormally "
               "high" in t for t in before)

    assert cli.main(["update", str(book), "--from-dir", str(FIXTURES)]) == 0
    assert "MMF assets: 12 new quarters to 2023-12-31, 3 revised" in capsys.readouterr().out
    # As of 2024-03-13 the 2023Q4 level (6,000.0) is current: growth over the past year is
    # 6,000,000 / 4,800,000 (2022Q4) - 1 = +25%, against the previous 4 cycles' 35% average peak.
    assert cli.main(["refresh", str(book), "--as-of", "2024-03-13"]) == 0
    texts = _report(book)
    assert ("MMF assets +25% over the past year: not abnormally high vs the 35% average peak rise "
            "of the previous 4 cycles") in texts
    assert not any("before the as-of date" in t for t in texts)
    ws = openpyxl.load_workbook(book, data_only=True)["Report"]
    labels = {ws.cell(row=r, column=10).value: ws.cell(row=r, column=13).value   # J label, M value
              for r in range(1, 80)}
    assert labels["MMF assets ($bn)"] == 6000.0
    assert labels["Observation used"] == dt.datetime(2023, 12, 31)
    assert labels["Year-over-year growth"] == 0.25
    heads = [t for t in texts if t.split(" (sample data): ")[0] in
             ("Equity funds", "Bond funds", "Money market funds", "Multi-asset funds")]
    assert len(heads) == 4                                 # the sample-data label stays

    # At the latest week (2025-11-12) the same data end 23 months earlier: flagged again.
    assert cli.main(["refresh", str(book)]) == 0
    assert any("in the year to Q4 2023 (latest data, 23 months before the as-of date): as of "
               "Q4 2023, " in t for t in _report(book))
