"""The parity check shared by the C++-vs-twin tests: bit-identical, or the ULP distance.

The core reproduces NumPy's sums, np.exp and np.log (numpy_math.hpp), so every parity
test compares with ``assert_array_equal``. On a platform whose np.exp/np.log the core
does not reproduce (``pgfast._numpy_math.NUMPY_MATH == "unknown"``) the failure message
gives the largest distance in units in the last place instead of only "not equal".
"""

import numpy as np
from numpy.testing import assert_array_equal
from pgfast import _numpy_math


def ulp_distance(a, b) -> int:
    """Largest distance between a and b counted in representable float64 values."""
    a, b = np.broadcast_arrays(np.asarray(a, np.float64), np.asarray(b, np.float64))
    both_nan = np.isnan(a) & np.isnan(b)

    def ordered(x):
        i = x.view(np.int64)
        return np.where(i < 0, np.int64(-(2**63)) - i, i)  # monotone in the value

    d = np.abs(ordered(a).astype(object) - ordered(b).astype(object))
    d = np.where(both_nan, 0, d)
    return int(d.max()) if d.size else 0


def assert_twin_equal(cpp, twin) -> None:
    """Assert the core's and the twin's results are bit-identical (reporting ULPs if not)."""
    try:
        assert_array_equal(cpp, twin)
    except AssertionError as err:
        raise AssertionError(
            f"C++ and the NumPy twin differ by up to {ulp_distance(cpp, twin)} ULP "
            f"(np.exp/np.log variant: {_numpy_math.NUMPY_MATH})\n{err}"
        ) from None


def assert_policy_twin_equal(cpp, twin, x, a, methods) -> None:
    """The state methods in ``methods``, log_prob and grad_log_prob at (x, a): core == twin."""
    for method in methods:
        assert_twin_equal(getattr(cpp, method)(x), getattr(twin, method)(x))
    assert_twin_equal(cpp.log_prob(x, a), twin.log_prob(x, a))
    assert_twin_equal(cpp.grad_log_prob(x, a), twin.grad_log_prob(x, a))
