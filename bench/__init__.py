"""Benchmarks of pgfast against NumPy, SciPy and PyTorch (``python -m bench``).

A thin entry point: the benchmarks live in the installed package (``pgfast._bench``)
so that ``pgfast bench`` runs from a wheel too. They are plain timing scripts rather
than pytest-benchmark tests because every figure is a *ratio* of contenders timed
interleaved in one process, and the suite must also run where pytest is not installed.
"""

from pgfast._bench import SECTIONS, main, run
from pgfast._bench.torch_example import run as torch_example

__all__ = ["SECTIONS", "main", "run", "torch_example"]
