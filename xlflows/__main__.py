"""``python -m xlflows refresh WORKBOOK ...``: the same as the ``xlflows`` console script."""

import sys

from xlflows.cli import main

if __name__ == "__main__":
    sys.exit(main())
