"""Benchmarks of pgfast against its NumPy reference (``python -m bench``)."""
