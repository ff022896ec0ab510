"""Which exp/log the installed NumPy computes, so that the C++ core computes the same.

``np.exp`` and ``np.log`` of float64 arrays are not libm's everywhere: NumPy's x86-64
Linux builds run Intel SVML's AVX-512 kernels on CPUs with AVX512_SKX, and libm
elsewhere. The core has both (``cpp/include/pgfast/numpy_math.hpp``); at import this
module compares each with NumPy on probe values and switches the core to the one that
matches, so that the core and the NumPy twin (:mod:`pgfast.reference`) agree bit for bit.

:data:`NUMPY_MATH` names the variant: ``"svml-avx512"``, ``"libm"``, or ``"unknown"``
when neither matches (the core then uses libm, agrees with NumPy to ~1 ULP only, and a
``RuntimeWarning`` says so once).
"""

from __future__ import annotations

import warnings

import numpy as np

from . import _core

__all__ = ["NUMPY_MATH", "detect"]

_VARIANTS = ((1, "svml-avx512"), (0, "libm"))


def _probe() -> tuple[np.ndarray, np.ndarray]:
    """Return inputs on which the variants differ: exp over [-745, 710], log over (0, 1e300]."""
    rng = np.random.default_rng(20261130)
    x = np.concatenate([rng.uniform(-745.0, 710.0, 4096), rng.uniform(-5.0, 5.0, 4096)])
    y = np.concatenate([np.exp(rng.uniform(-744.0, 690.0, 4096)), rng.uniform(0.5, 2.0, 4096)])
    return x, y


def detect() -> tuple[int, str]:
    """Return the core's mode (0 libm, 1 SVML) and the name of the variant NumPy uses."""
    x, y = _probe()
    ex, lg = np.exp(x), np.log(y)
    for mode, name in _VARIANTS:
        if mode == 1 and not _core._npy_svml_available():
            continue
        if np.array_equal(_core._npy_exp(x, mode), ex) and np.array_equal(_core._npy_log(y, mode), lg):
            return mode, name
    return 0, "unknown"


_MODE, NUMPY_MATH = detect()
_core._npy_set_mode(_MODE)
if NUMPY_MATH == "unknown":
    warnings.warn(
        "pgfast: this NumPy's np.exp/np.log are neither libm's nor SVML's; the C++ core uses "
        "libm and agrees with the NumPy twin to about 1 ULP instead of bit for bit",
        RuntimeWarning,
        stacklevel=2,
    )
