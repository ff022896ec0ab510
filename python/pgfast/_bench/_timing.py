"""Timing, settings, progress and machine information shared by the benchmarks.

Every comparison times pgfast and its baselines *interleaved* in one process (repeat r
of every contender runs before repeat r + 1 of any), so that a slow moment of a shared
machine hits all of them; the figure reported is the ratio of the medians. The first
timing of every contender is a warm-up and is discarded.
"""

from __future__ import annotations

import os
import platform
import sys
import time
import timeit
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Settings:
    """How much work a benchmark run does.

    Parameters
    ----------
    mode : {"tiny", "quick", "full"}
        ``"tiny"``: smallest sizes (tests); ``"quick"``: the default subset of
        ``pgfast bench`` (under a minute); ``"full"``: ``--full``.
    min_time : float
        Target seconds of one timing (a timing repeats a call as often as needed).
    repeat : int
        Timings per contender, after the warm-up; the median is reported.
    """

    mode: str
    min_time: float
    repeat: int

    @property
    def full(self) -> bool:
        """Whether this is the full suite."""
        return self.mode == "full"

    @property
    def tiny(self) -> bool:
        """Whether this is the tiny (test) run."""
        return self.mode == "tiny"

    def pick(self, tiny: Any, quick: Any, full: Any) -> Any:
        """Return the value for this mode."""
        return {"tiny": tiny, "quick": quick, "full": full}[self.mode]


def settings(mode: str) -> Settings:
    """Return the settings for ``mode`` (``"tiny"``, ``"quick"`` or ``"full"``)."""
    if mode == "tiny":
        return Settings("tiny", min_time=0.002, repeat=3)
    if mode == "quick":
        return Settings("quick", min_time=0.02, repeat=5)
    if mode == "full":
        return Settings("full", min_time=0.05, repeat=9)
    raise ValueError(f"mode must be 'tiny', 'quick' or 'full', got {mode!r}")


class Progress:
    """One line per step on stderr, with the elapsed time: progress of long runs.

    Parameters
    ----------
    enabled : bool
        Print nothing when False.
    """

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self.t0 = time.perf_counter()

    def __call__(self, message: str) -> None:
        """Print ``message`` with the elapsed time."""
        if self.enabled:
            print(f"[{time.perf_counter() - self.t0:6.1f}s] {message}", file=sys.stderr, flush=True)


def _calibrate(timer: timeit.Timer, min_time: float) -> tuple[int, float]:
    """Choose the calls per timing so that one timing lasts about ``min_time`` (also warms up).

    Returns the number of calls and the seconds of one call seen while calibrating.
    """
    number = 1
    while True:
        t = timer.timeit(number)
        if t >= min_time / 10 or number >= 10**7:
            return max(1, int(number * min_time / max(t, 1e-9))), t / number
        number *= 10


def compare(
    timers: Mapping[str, timeit.Timer], s: Settings, number: int | None = None
) -> dict[str, float]:
    """Median seconds per call of each timer, timed interleaved.

    Parameters
    ----------
    timers : mapping of str to timeit.Timer
        The contenders, e.g. ``{"cpp": ..., "numpy": ...}``; a ``Timer`` built from a
        statement string costs no Python function call of its own.
    s : Settings
        Repeats and the target duration of one timing.
    number : int, optional
        Calls per timing for every contender; calibrated per contender when None.

    Returns
    -------
    dict
        Name -> median seconds per call.
    """
    numbers, slowest = {}, 0.0
    for k, t in timers.items():
        numbers[k], one = _calibrate(t, s.min_time)
        numbers[k] = number or numbers[k]
        slowest = max(slowest, one)
    # Calls of a second or so (the NumPy twin at T = 1e6) need fewer repeats.
    repeat = s.repeat if slowest < 0.2 else min(s.repeat, 3)
    times: dict[str, list[float]] = {k: [] for k in timers}
    for r in range(repeat + 1):
        for k, t in timers.items():
            dt = t.timeit(numbers[k]) / numbers[k]
            if r > 0:  # the first round is a warm-up
                times[k].append(dt)
    return {k: float(np.median(v)) for k, v in times.items()}


def machine_info() -> dict[str, Any]:
    """CPU model, cores, memory, versions and BLAS settings: stored with every result."""
    import gymnasium

    import pgfast

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    info: dict[str, Any] = {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "pgfast": pgfast.__version__,
        "numpy": np.__version__,
        "gymnasium": gymnasium.__version__,
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"),
        "OPENBLAS_L2_SIZE": os.environ.get("OPENBLAS_L2_SIZE"),
    }
    try:
        with open("/proc/meminfo") as f:
            info["memory_gib"] = round(int(f.readline().split()[1]) / 2**20, 1)
    except (OSError, ValueError, IndexError):
        pass
    for mod in ("scipy", "torch", "matplotlib"):
        try:
            info[mod] = __import__(mod).__version__
        except ImportError:
            info[mod] = None
    return info


def rss_bytes() -> int:
    """Resident set size of this process in bytes (0 where /proc is absent)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0
