"""Labels and defaults shared by the UDFs, the report and the docs."""

# Directions (FLOW_STREAKS' Direction column, sentences)
INFLOW = "inflow"
OUTFLOW = "outflow"
FLAT = "flat"

# Text results of the look-back functions
FIRST_ON_RECORD = "first on record"  # FLOW_FIRST_IN: no earlier week had the latest direction
RECORD = "record"                    # FLOW_LARGEST_SINCE: no earlier window as large
# FLOW_LARGEST_SINCE returns FLAT ("flat") when the latest window sum is exactly 0

# FLOW_STREAKS columns
STREAK_COLUMNS = ("Start", "End", "Weeks", "Direction", "Total")

# HIKE_CYCLES columns
CYCLE_COLUMNS = ("First hike", "Last hike", "Hikes", "Rise (bp)", "Peak rate", "First cut")

# CYCLE_INFLOWS columns; the last one depends on the measure
CYCLE_INFLOW_COLUMNS = ("First hike", "Last hike", "Peak date", "Months after last hike")
PEAK_YOY = "Peak YoY growth"
PEAK_ADDITION = "Peak 12-month addition"

# ABNORMALITY labels (7 x 2 block, no header)
ABNORMALITY_LABELS = (
    "Verdict", "Current", "Historical mean", "Ratio", "Z-score", "Percentile", "Cycles",
)
ABNORMALLY_HIGH = "abnormally high"
ABNORMALLY_LOW = "abnormally low"
NOT_ABNORMALLY_HIGH = "not abnormally high"
NOT_ABNORMAL = "not abnormal"

# Defaults
DEFAULT_MIN_HIKES = 3
DEFAULT_MIN_RISE_BP = 100
DEFAULT_HORIZON_MONTHS = 36
DEFAULT_MEAN_THRESHOLD = 1.0
DEFAULT_Z_THRESHOLD = 2.0
DEFAULT_REPORT_WEEKS = 8
DEFAULT_REPORT_CYCLES = 4
