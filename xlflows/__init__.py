"""xlflows: Excel functions and a refreshable report for fund flows and money-market cash.

The workbook's Refresh button and the xlwings ribbon's Run call :func:`main` (xlwings runs
``import xlflows; xlflows.main()`` for a workbook named ``xlflows.xlsm``); a macro running
``import xlflows; xlflows.update_and_refresh()`` first brings the FRED series up to date. Keep
this module light: the report and update code is imported only when a button is pressed.
"""

__version__ = "0.1.0"


def main() -> None:
    """Refresh the Report sheet of the calling workbook (run from Excel through xlwings)."""
    from xlflows.report.live import refresh_caller

    refresh_caller()


def update_and_refresh() -> None:
    """Update the calling workbook's FRED sheets (Policy rate, MMF assets, Retail MMF), then refresh
    its Report."""
    from xlflows.update import update_and_refresh_caller

    update_and_refresh_caller()
