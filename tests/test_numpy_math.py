"""The core's NumPy arithmetic (numpy_math.hpp) against NumPy itself, bit for bit.

np.add.reduce is pairwise summation; np.exp/np.log of float64 are SVML's AVX-512 kernels
on x86-64 Linux with AVX512_SKX and libm elsewhere. pgfast._numpy_math picks the variant
that matches at import; these tests check the pick on many inputs.
"""

import math

import numpy as np
import pytest
from _parity import assert_twin_equal, ulp_distance
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from pgfast import _core, _numpy_math

F64 = st.floats(allow_nan=False, allow_infinity=False, width=64)


def _same_bits(a, b):
    return np.asarray(a, np.float64).tobytes() == np.asarray(b, np.float64).tobytes()


# --------------------------------------------------------------------------- sum


@pytest.mark.parametrize("n", range(0, 301))
def test_sum_is_bit_identical_to_add_reduce_for_every_length_up_to_300(n):
    rng = np.random.default_rng(n)
    for _ in range(40):
        a = rng.standard_normal(n) * np.exp(rng.uniform(-30.0, 30.0, n))
        assert _same_bits(_core._npy_sum(a), np.add.reduce(a))


@pytest.mark.parametrize("n", [1000, 1024, 4097, 65_536, 100_000])
def test_sum_is_bit_identical_to_add_reduce_for_long_arrays(n):
    rng = np.random.default_rng(n)
    for _ in range(5):
        a = rng.standard_normal(n) * np.exp(rng.uniform(-30.0, 30.0, n))
        assert _same_bits(_core._npy_sum(a), a.sum())


@settings(max_examples=300, deadline=None)
@given(arrays(np.float64, st.integers(0, 400), elements=F64))
def test_sum_is_bit_identical_to_add_reduce_for_any_finite_values(a):
    with np.errstate(over="ignore", invalid="ignore"):
        want = np.add.reduce(a)
    got = _core._npy_sum(a)
    assert _same_bits(got, want) or (math.isnan(got) and math.isnan(want))


def test_sum_of_empty_array_is_positive_zero():
    assert _same_bits(_core._npy_sum(np.zeros(0)), 0.0)


@pytest.mark.parametrize("n", [1, 3, 9, 200])
def test_sum_of_negative_zeros_is_positive_zero_as_numpy(n):
    a = np.full(n, -0.0)
    assert _same_bits(_core._npy_sum(a), np.add.reduce(a))
    assert _same_bits(_core._npy_sum(a), 0.0)


@pytest.mark.parametrize(
    ("values", "want"),
    [([np.inf, 1.0], np.inf), ([np.inf, -np.inf], np.nan), ([1.0, np.nan, 2.0], np.nan),
     ([1e308] * 10, np.inf)],
)
def test_sum_propagates_inf_and_nan(values, want):
    with np.errstate(over="ignore", invalid="ignore"):
        assert_twin_equal(_core._npy_sum(np.array(values)), np.add.reduce(np.array(values)))
    assert_twin_equal(_core._npy_sum(np.array(values)), want)


@pytest.mark.parametrize("d", [1, 5, 8, 9, 64, 128, 129, 300, 1000])
def test_last_axis_sum_of_2d_array_reduces_each_row_as_a_1d_sum(d):
    # The twin writes batched dot products as (X[:, None, :] * W).sum(axis=-1).
    rng = np.random.default_rng(d)
    X, W = rng.standard_normal((6, d)), rng.standard_normal((3, d))
    H = (X[:, None, :] * W).sum(axis=-1)
    want = np.array([[_core._npy_sum(x * w) for w in W] for x in X])
    assert _same_bits(H, want)


def test_sum_rejects_a_2d_array():
    with pytest.raises(ValueError, match="x must be 1-D"):
        _core._npy_sum(np.zeros((2, 2)))


def test_sum_rejects_strings():
    with pytest.raises(TypeError, match="x"):
        _core._npy_sum(np.array(["a"]))


# --------------------------------------------------------------------------- exp / log


def test_detected_variant_is_known_on_this_platform():
    assert _numpy_math.NUMPY_MATH in ("svml-avx512", "libm")
    assert _core._npy_mode() == {"svml-avx512": 1, "libm": 0}[_numpy_math.NUMPY_MATH]


EXP_SPECIALS = np.array(
    [0.0, -0.0, np.inf, -np.inf, np.nan, 1e-300, -1e-300, 5e-324, 2.0**-54, -(2.0**-54), 709.782712893384,
     709.7827128933841, 710.0, -745.1332191019411, -745.1332191019412, -746.0, -708.3964185322641,
     -708.4, -707.7, 707.7, float.fromhex("0x1.61da04cbafe44p+9"), float.fromhex("-0x1.61da04cbafe44p+9"),
     1.0, -1.0, 0.5]
)
LOG_SPECIALS = np.array(
    [0.0, -0.0, -1.0, -np.inf, np.inf, np.nan, 5e-324, 1e-310, 2.2250738585072014e-308, 1.0, 2.0, 0.75, 1.5,
     1.0 - 2.0**-53, 1.0 + 2.0**-52, 0.9375, 1.0664, 1e300, 1.7976931348623157e308]
)


@pytest.mark.parametrize("chunk", range(10))
def test_exp_is_bit_identical_to_numpy_over_ten_million_inputs(chunk):
    rng = np.random.default_rng(100 + chunk)
    x = np.concatenate([rng.uniform(-745.0, 710.0, 800_000), rng.uniform(-40.0, 40.0, 200_000)])
    with np.errstate(over="ignore"):
        assert_twin_equal(_core._npy_exp(x), np.exp(x))


@pytest.mark.parametrize("chunk", range(10))
def test_log_is_bit_identical_to_numpy_over_ten_million_inputs(chunk):
    rng = np.random.default_rng(200 + chunk)
    y = np.concatenate([np.exp(rng.uniform(math.log(5e-324), math.log(1e300), 800_000)),
                        rng.uniform(0.0, 4.0, 200_000)])
    assert_twin_equal(_core._npy_log(y), np.log(y))


@pytest.mark.parametrize("chunk", range(3))
def test_log_array_is_bit_identical_to_numpy_over_three_million_inputs(chunk):
    # npy::log_array: eight lanes at a time in the SVML mode (the REINFORCE update's entropy)
    rng = np.random.default_rng(300 + chunk)
    y = np.concatenate([np.exp(rng.uniform(math.log(5e-324), math.log(1e300), 800_000)),
                        rng.uniform(0.0, 4.0, 100_000), rng.uniform(1.0, 2.0, 100_000)])
    assert_twin_equal(_core._npy_log_array(y), np.log(y))


def test_log_array_with_special_values_in_every_lane_and_tail_is_bit_identical_to_numpy():
    rng = np.random.default_rng(9)
    for n in range(0, 40):
        for special in LOG_SPECIALS:
            y = rng.uniform(0.5, 3.0, n)
            if n:
                y[rng.integers(n)] = special
            with np.errstate(divide="ignore", invalid="ignore"):
                assert_twin_equal(_core._npy_log_array(y), np.log(y))


def test_exp_of_special_values_is_bit_identical_to_numpy():
    with np.errstate(over="ignore", under="ignore"):
        assert_twin_equal(_core._npy_exp(EXP_SPECIALS), np.exp(EXP_SPECIALS))


def test_log_of_special_values_is_bit_identical_to_numpy():
    with np.errstate(divide="ignore", invalid="ignore"):
        assert_twin_equal(_core._npy_log(LOG_SPECIALS), np.log(LOG_SPECIALS))


@settings(max_examples=300, deadline=None)
@given(arrays(np.float64, st.integers(1, 64), elements=st.floats(-800.0, 800.0)))
def test_exp_is_bit_identical_to_numpy_for_any_input(x):
    with np.errstate(over="ignore", under="ignore"):
        assert_twin_equal(_core._npy_exp(x), np.exp(x))


@settings(max_examples=300, deadline=None)
@given(arrays(np.float64, st.integers(1, 64), elements=st.floats(0.0, 1.7976931348623157e308)))
def test_log_is_bit_identical_to_numpy_for_any_input(y):
    with np.errstate(divide="ignore"):
        assert_twin_equal(_core._npy_log(y), np.log(y))


@pytest.mark.parametrize("func", [np.exp, np.log], ids=["exp", "log"])
def test_numpy_value_does_not_depend_on_array_length_or_position(func):
    # What makes a scalar port possible: every lane of NumPy's kernel is independent.
    rng = np.random.default_rng(5)
    values = rng.uniform(-700.0, 700.0, 50) if func is np.exp else np.exp(rng.uniform(-700.0, 700.0, 50))
    for v in values:
        alone = func(np.array([v]))[0]
        for n in range(1, 41):
            for pos in range(n):
                arr = np.full(n, 0.5)
                arr[pos] = v
                assert _same_bits(func(arr)[pos], alone)
        assert _same_bits(func(np.float64(v)), alone)  # NumPy scalars go through the same loop
        assert _same_bits(func(np.full(17, v)[::3])[0], alone)  # strided


def test_libm_mode_equals_math_exp_and_math_log():
    x = np.random.default_rng(6).uniform(-700.0, 700.0, 1000)
    assert_twin_equal(_core._npy_exp(x, 0), [math.exp(v) for v in x])
    assert_twin_equal(_core._npy_log(np.abs(x), 0), [math.log(v) for v in np.abs(x)])


def test_svml_and_libm_differ_on_some_inputs_so_the_probe_can_tell_them_apart():
    if not _core._npy_svml_available():
        pytest.skip("the SVML variant needs an AVX-512 CPU")  # a platform fact, not a missing feature
    x = np.random.default_rng(7).uniform(-745.0, 710.0, 100_000)
    assert ulp_distance(_core._npy_exp(x, 0), _core._npy_exp(x, 1)) >= 1


def test_exp_rejects_an_unknown_mode():
    with pytest.raises(ValueError, match="mode must be 0"):
        _core._npy_exp(np.zeros(2), 2)


def test_set_mode_rejects_an_unknown_mode():
    with pytest.raises(ValueError, match="mode must be 0"):
        _core._npy_set_mode(5)
    assert _core._npy_mode() in (0, 1)


def test_ulp_distance_counts_representable_values():
    assert ulp_distance(1.0, np.nextafter(1.0, 2.0)) == 1
    assert ulp_distance(-0.0, 0.0) == 0
    assert ulp_distance(np.nextafter(0.0, -1.0), np.nextafter(0.0, 1.0)) == 2
    assert ulp_distance([np.nan], [np.nan]) == 0
