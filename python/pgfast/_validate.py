"""Validation of the Python API's arguments: one checker per kind of value.

Every public argument of :mod:`pgfast`'s agents, CLI and sweeps is checked here, with a
message that names it. Booleans accept only ``bool`` (and ``numpy.bool_``): a string such
as ``"no"`` is truthy in Python and would silently mean ``True``. Numbers accept Python
and NumPy numbers, never ``bool`` and never strings. Array arguments are the bindings'
business (the C++ side validates every array it is given).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any, Optional, TypeVar

import numpy as np

T = TypeVar("T")


def _type_name(value: Any) -> str:
    return type(value).__name__


def boolean(name: str, value: Any) -> bool:
    """Return ``value`` as a bool; anything but a bool is a TypeError naming ``name``."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise TypeError(f"{name} must be True or False, got {value!r} ({_type_name(value)})")


def _number(name: str, value: Any) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {value!r} ({_type_name(value)})")
    return float(value)


def real(name: str, value: Any) -> float:
    """Return a finite real number as a float (TypeError for non-numbers, ValueError for NaN/inf)."""
    x = _number(name, value)
    if not math.isfinite(x):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return x


def positive(name: str, value: Any) -> float:
    """Return a finite number > 0 as a float."""
    x = _number(name, value)
    if not (math.isfinite(x) and x > 0.0):
        raise ValueError(f"{name} must be finite and > 0, got {value!r}")
    return x


def non_negative(name: str, value: Any) -> float:
    """Return a finite number >= 0 as a float."""
    x = _number(name, value)
    if not (math.isfinite(x) and x >= 0.0):
        raise ValueError(f"{name} must be finite and >= 0, got {value!r}")
    return x


def unit_interval(name: str, value: Any) -> float:
    """Return a number in [0, 1] as a float."""
    x = _number(name, value)
    if not 0.0 <= x <= 1.0:
        raise ValueError(f"{name} must be in [0, 1], got {value!r}")
    return x


def optional_positive(name: str, value: Any) -> Optional[float]:
    """Return None, or a finite number > 0."""
    return None if value is None else positive(name, value)


def integer(name: str, value: Any, minimum: Optional[int] = None) -> int:
    """Return an int (Python or NumPy integer, not bool), optionally >= ``minimum``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {value!r} ({_type_name(value)})")
    n = int(value)
    if minimum is not None and n < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {n}")
    return n


def optional_integer(name: str, value: Any, minimum: Optional[int] = None) -> Optional[int]:
    """Return None, or an int >= ``minimum``."""
    return None if value is None else integer(name, value, minimum)


def seed(name: str, value: Any) -> Optional[int]:
    """Return None or a non-negative int (what ``numpy.random.SeedSequence`` takes)."""
    if value is None:
        return None
    n = integer(name, value)
    if n < 0:
        raise ValueError(f"{name} must be a non-negative int or None, got {n}")
    return n


def choice(name: str, value: Any, allowed: Sequence[T]) -> T:
    """Return the member of ``allowed`` equal to ``value`` (None, or strings compared as strings)."""
    for a in allowed:
        if value is a or (isinstance(value, str) and isinstance(a, str) and value == a):
            return a
    raise ValueError(f"{name} must be one of {', '.join(map(repr, allowed))}; got {value!r}")
