"""xlflows: Excel functions and a refreshable report for fund flows and money-market cash.

The workbook's Refresh button and the xlwings ribbon's Run call :func:`main` (xlwings runs
``import xlflows; xlflows.main()`` for a workbook named ``xlflows.xlsm``). Keep this module light:
the report code is imported only when the button is pressed.
"""

__version__ = "0.1.0"


def main() -> None:
    """Refresh the Report sheet of the calling workbook (run from Excel through xlwings)."""
    from xlflows.report.live import refresh_caller

    refresh_caller()
