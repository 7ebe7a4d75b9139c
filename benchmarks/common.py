"""Timing helpers and verdicts shared by the benchmark scripts (scripts, not tests: they report,
and a script whose figure misses its target exits non-zero: :func:`exit_status`)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterable

import numpy as np


def best_of(func: Callable[[], object], repeats: int = 5) -> float:
    """Seconds taken by the fastest of ``repeats`` calls of ``func()`` (time.perf_counter).

    The best run is the least disturbed by other processes, so ratios between two functions timed
    this way in the same run are stable across machines.
    """
    if repeats < 1:
        raise ValueError("repeats must be at least 1")
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - start)
    return best


def _pair_times(func: Callable[[], object], baseline: Callable[[], object],
                repeats: int) -> tuple[list[float], list[float]]:
    """Seconds of ``func`` and of ``baseline`` in each of ``repeats`` back-to-back pairs."""
    if repeats < 1:
        raise ValueError("repeats must be at least 1")
    times, base_times = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        middle = time.perf_counter()
        baseline()
        times.append(middle - start)
        base_times.append(time.perf_counter() - middle)
    return times, base_times


def best_of_pair(func: Callable[[], object], baseline: Callable[[], object],
                 repeats: int = 7) -> tuple[float, float]:
    """Best seconds of ``func`` and of ``baseline``, timed alternately in each repeat.

    Alternating puts both under the same load from other processes, so their ratio is steadier
    than two separate :func:`best_of` runs.
    """
    times, base_times = _pair_times(func, baseline, repeats)
    return min(times), min(base_times)


def paired_ratio(func: Callable[[], object], baseline: Callable[[], object],
                 repeats: int = 7) -> tuple[float, float, float]:
    """``func`` against ``baseline``, called alternately: (best seconds of ``func``, best of
    ``baseline``, median of the ratios of each adjacent pair).

    On a shared machine the speed changes in phases lasting seconds; a pair run back to back
    sees one phase, so the median of the pair ratios is steadier than the ratio of two bests,
    which may come from different phases.
    """
    times, base_times = _pair_times(func, baseline, repeats)
    ratio = statistics.median(t / b for t, b in zip(times, base_times))
    return min(times), min(base_times), ratio


def traced_peak(func: Callable[[], object]) -> int:
    """Peak bytes allocated (tracemalloc, which numpy reports to) during one call of ``func``."""
    import tracemalloc

    tracemalloc.start()
    try:
        func()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def show_seconds(seconds: float) -> str:
    """``0.00123`` -> ``'1.23 ms'``; ``2.5`` -> ``'2.50 s'``; ``4e-5`` -> ``'40.0 us'``."""
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.1f} us"


def verdict(ratio: float, *, at_most: float | None = None, at_least: float | None = None) -> str:
    """``'PASS'`` or ``'FAIL'`` for a ratio against an upper and/or lower bound (inclusive)."""
    ok = (at_most is None or ratio <= at_most) and (at_least is None or ratio >= at_least)
    return "PASS" if ok else "FAIL"


class Verdicts:
    """The outcome of every figure of one benchmark run, for the script's exit status.

    ``check`` judges a figure against its target(s) like :func:`verdict` and remembers a miss;
    ``exit_status`` is 0 when every figure met its target, 1 otherwise (so a script or CI sees
    a missed target without reading the output).
    """

    def __init__(self) -> None:
        self.missed: list[str] = []
        self.count = 0

    def check(self, label: str, value: float, *, at_most: float | None = None,
              at_least: float | None = None) -> str:
        """``'PASS'`` or ``'FAIL'`` for ``value``; a ``'FAIL'`` is remembered under ``label``."""
        outcome = verdict(value, at_most=at_most, at_least=at_least)
        self.require(label, outcome == "PASS")
        return outcome

    def require(self, label: str, ok: bool) -> None:
        """Count a yes/no figure (a check that two answers agree); a no is a missed target."""
        self.count += 1
        if not ok:
            self.missed.append(label)

    def exit_status(self) -> int:
        return 1 if self.missed else 0

    def summary(self) -> str:
        if not self.missed:
            return f"all {self.count} figures meet their targets"
        return (f"{len(self.missed)} of {self.count} figures miss their target: "
                + "; ".join(self.missed))


def slope(sizes: Iterable[float], seconds: Iterable[float]) -> float:
    """Least-squares slope of log(seconds) against log(size): 1 for time proportional to size."""
    return float(np.polyfit(np.log(list(sizes)), np.log(list(seconds)), 1)[0])
