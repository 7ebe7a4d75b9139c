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

# The rest of a flow note's grammar (SPEC §2b)
# FLOW_RANK: 2 x 2 block (no header), "Rank" then "Of"
RANK_LABELS = ("Rank", "Of")
# FLOW_PERIOD: 4 x 2 block (no header)
PERIOD_LABELS = ("To date", "Same point last year", "Annualised pace", "Pace rank")
# LEVEL_RECORD: 3 x 2 block (no header)
LEVEL_RECORD_LABELS = ("Record", "Last higher", "From peak")
# FLOW_ZSCORE: 2 x 2 block (no header)
ZSCORE_LABELS = ("Z-score", "Percentile")
# FLOW_SINCE's start: cumulative flows from the lowest point of the cumulative sum
TROUGH = "trough"
# STREAK_LONGEST_SINCE's which: the latest run, or the run that ended before it
CURRENT = "current"
PREVIOUS = "previous"
# Calendar periods of FLOW_PERIOD and FLOW_RANK (FLOW_RANK also takes "all", its default)
YEAR = "year"
QUARTER = "quarter"
MONTH = "month"
ALL = "all"
# Weeks in a year, for an annualised pace (To date x 52 / weeks counted)
WEEKS_PER_YEAR = 52
