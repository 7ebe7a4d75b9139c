"""A pytest plugin for mutation runs only: fewer, reproducible Hypothesis examples.

Loaded by ``scripts/mutation.sh`` through mutmut's ``pytest_add_cli_args`` (``-p``); the ordinary
test run never loads it. Each mutant is judged by the same examples every time
(``derandomize``), and no example fails for being slow under mutmut's instrumentation
(``deadline=None``).
"""

from hypothesis import HealthCheck, settings

settings.register_profile(
    "mutation",
    max_examples=30,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("mutation")
