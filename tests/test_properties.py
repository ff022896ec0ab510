"""Property-based tests (hypothesis) over every public function that takes arrays.

Each array argument is drawn with any dtype (floats, signed and unsigned integers,
booleans), any byte order, aligned or not, C-, F-ordered, strided or reversed, of the
expected shape or not, holding small values, NaN/inf, or (in the ``extreme`` tests)
any finite float64 up to 1.8e308. The properties:

* the public (C++) call either raises a clean ``ValueError``/``TypeError`` whose message
  names an argument (or the function, for an overflowing result), or returns a finite
  result, equal (for small values) to the NumPy twin's (``pgfast.reference``) on the
  native float64 copy of the arguments. The twin checks nothing: it is run only where
  the public API accepted the call;
* never a crash, never NaN or inf from finite input;
* parameters (and optimiser state) are unchanged after any exception.

The budget is modest (the ``pgfast`` profile: 60 examples a test, no deadline, the
examples derived from the test name so CI is reproducible); set ``HYPOTHESIS_PROFILE=long``
for a deeper local run.
"""

import os
import sys

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

import pgfast
from pgfast import reference as ref

settings.register_profile(
    "pgfast",
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile("long", parent=settings.get_profile("pgfast"), max_examples=2000, derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "pgfast"))

NATIVE = "<" if sys.byteorder == "little" else ">"

# ---------------------------------------------------------------------------------
# Strategies: values, then a dtype and a memory layout for them
# ---------------------------------------------------------------------------------

SMALL = st.floats(-4.0, 4.0, allow_nan=False, width=32)  # exact in float32 and float64
SPECIAL = st.sampled_from([np.nan, np.inf, -np.inf])
MOSTLY_SMALL = SMALL  # one array in four also gets NaN/inf elements (see arrays())
EXTREME = st.one_of(
    SMALL, st.floats(allow_nan=False, allow_infinity=False), st.sampled_from([1e308, -1e308, 1e300, 1e154])
)

ANY_DTYPE = st.one_of(
    hnp.floating_dtypes(endianness="?", sizes=(16, 32, 64)),
    hnp.integer_dtypes(endianness="?"),
    hnp.unsigned_integer_dtypes(endianness="?", sizes=(8, 16, 32, 64)),
    hnp.boolean_dtypes(),
)
FLOAT64_ANY_ORDER = hnp.floating_dtypes(endianness="?", sizes=(64,))
INTEGER_DTYPE = st.one_of(hnp.integer_dtypes(endianness="?"), hnp.unsigned_integer_dtypes(endianness="?"))
ACTION_DTYPE = st.one_of(INTEGER_DTYPE, INTEGER_DTYPE, INTEGER_DTYPE, ANY_DTYPE)  # mostly valid


def place(arr, order, misaligned):
    """A copy of ``arr`` (same dtype, values) in the given memory layout."""
    if arr.ndim == 0:
        order = "C"  # a 0-d array has no strides to vary
    shape = arr.shape if order not in ("strided",) else tuple(2 * s for s in arr.shape)
    size = int(np.prod(shape, dtype=np.int64)) * arr.dtype.itemsize
    raw = np.zeros(size + 2 * arr.dtype.itemsize + 1, dtype=np.uint8)
    start = (-raw.ctypes.data) % arr.dtype.itemsize + (1 if misaligned else 0)
    out = np.ndarray(shape, dtype=arr.dtype, buffer=raw, offset=start, order="F" if order == "F" else "C")
    if order == "strided":
        out = out[(slice(None, None, 2),) * out.ndim]
    if order == "reversed":
        out = out[(slice(None, None, -1),) * out.ndim]
    out[...] = arr[(slice(None, None, -1),) * arr.ndim] if order == "reversed" else arr
    return out


@st.composite
def laid_out(draw, values, dtypes=ANY_DTYPE):
    """``values`` (float64) cast to a drawn dtype and placed in a drawn layout."""
    dtype = draw(dtypes)
    with np.errstate(all="ignore"):
        arr = np.asarray(values).astype(dtype)
    order = draw(st.sampled_from(["C", "F", "strided", "reversed"]))
    return place(arr, order, draw(st.booleans()))


@st.composite
def arrays(draw, shape, elements=MOSTLY_SMALL, dtypes=ANY_DTYPE):
    """An array of the given shape (or, one time in eight, of a wrong shape)."""
    if draw(st.integers(0, 7)) == 0:
        shape = draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4))
    if draw(st.integers(0, 3)) == 0:
        elements = st.one_of(elements, SPECIAL)
    values = draw(hnp.arrays(np.float64, shape, elements=elements))
    return draw(laid_out(values, dtypes))


@st.composite
def actions(draw, k, n):
    """n discrete actions (one array in four may hold -1 or k) in any integer layout, mostly."""
    values = st.integers(-1, k) if draw(st.integers(0, 3)) == 0 else st.integers(0, k - 1)
    chosen = np.asarray(draw(st.lists(values, min_size=n, max_size=n)), np.float64)
    return draw(laid_out(chosen, ACTION_DTYPE))


def native(value):
    """The native C-contiguous float64 copy the twin gets (non-arrays unchanged)."""
    if isinstance(value, np.ndarray) and value.dtype.kind in "fiub":
        with np.errstate(all="ignore"):
            return np.array(value, dtype=np.float64, order="C")
    return value


def outcome(fn, *args):
    """("ok", result) or ("error", exception) for the clean exceptions; anything else propagates."""
    try:
        return "ok", fn(*args)
    except (ValueError, TypeError) as e:
        return "error", e


def check_boundary(cpp, names, twin=None):
    """The property: a clean error naming an argument, or a finite result (the twin's).

    ``twin`` (a thunk calling the NumPy twin on native copies of the arguments) runs only
    when the public call accepted its arguments, and its result must then be the same.
    """
    kind, got = cpp
    # Counted by pytest --hypothesis-show-statistics: how many cases were refused, and how.
    event(f"C++ {kind}" + (f" ({type(got).__name__})" if kind == "error" else ""))
    if kind == "error":
        message = str(got)
        assert any(name in message for name in names), f"the error names no argument: {message!r}"
        return
    if got is not None:
        values = np.asarray(got, dtype=np.float64)
        assert np.all(np.isfinite(values)), f"non-finite result {got!r} from accepted input"
    if twin is not None:
        assert_allclose(
            np.asarray(got, dtype=np.float64), np.asarray(twin(), dtype=np.float64), rtol=1e-9, atol=1e-9
        )


# ---------------------------------------------------------------------------------
# Policies
# ---------------------------------------------------------------------------------

POLICY_NAMES = (
    "x",
    "a",
    "action",
    "log_prob",
    "grad_log_prob",
    "entropy",
    "grad_entropy",
    "sample",
    "probs",
    "mean",
    "preferences",
)
SOFTMAX_METHODS = ("probs", "log_prob", "grad_log_prob", "entropy", "grad_entropy", "sample", "mode")
GAUSSIAN_METHODS = (
    "mean",
    "log_prob",
    "grad_log_prob",
    "entropy",
    "grad_entropy",
    "sample",
    "mode",
    "log_std_at",
)


def twins(kind, d, k, seed):
    rng = np.random.default_rng(seed)
    if kind == "softmax":
        pols = [impl.LinearSoftmax(n_features=d, n_actions=k, bias=True) for impl in (pgfast, ref)]
    else:
        pols = [
            impl.LinearGaussian(n_features=d, action_dim=k, bias=True, log_std_init=-0.5)
            for impl in (pgfast, ref)
        ]
    params = rng.uniform(-1, 1, pols[0].n_params)
    for p in pols:
        p.params = params
    return pols


def call(pol, method, x, a):
    if method in ("log_prob", "grad_log_prob"):
        return getattr(pol, method)(x, a)
    if method == "sample":
        return pol.sample(x, np.random.default_rng(1))
    return getattr(pol, method)(x)


@st.composite
def policy_case(draw, kind, elements=MOSTLY_SMALL, dtypes=ANY_DTYPE):
    d, k = draw(st.integers(1, 4)), draw(st.integers(1, 3))
    n = draw(st.integers(0, 4))  # 0: one state
    x = draw(arrays((d,) if n == 0 else (n, d), elements, dtypes))
    if kind == "softmax":
        if n == 0:
            a = draw(st.one_of(st.integers(-1, k), st.floats(0, 2), st.just(None)))
        else:
            a = draw(actions(k, n))
    else:
        a = draw(arrays((k,) if n == 0 else (n, k), elements, dtypes))
    return d, k, x, a, draw(st.sampled_from(SOFTMAX_METHODS if kind == "softmax" else GAUSSIAN_METHODS))


def check_policy_call(kind, case, seed, compare=True):
    d, k, x, a, method = case
    cpp, twin = twins(kind, d, k, seed)
    before = cpp.params.copy()
    a_twin = native(a)
    if kind == "softmax" and isinstance(a, np.ndarray) and a.dtype.kind in "iu":
        a_twin = a.astype(np.int64)
    got = outcome(call, cpp, method, x, a)
    assert_array_equal(cpp.params, before)
    check_boundary(got, POLICY_NAMES, (lambda: call(twin, method, native(x), a_twin)) if compare else None)


@pytest.mark.parametrize("kind", ["softmax", "gaussian"])
def test_policy_methods_on_any_array(kind):
    @given(case=policy_case(kind), seed=st.integers(0, 2**16))
    def prop(case, seed):
        check_policy_call(kind, case, seed)

    prop()


@pytest.mark.parametrize("kind", ["softmax", "gaussian"])
def test_policy_methods_on_extreme_finite_states_are_finite_or_refused(kind):
    @given(case=policy_case(kind, EXTREME, FLOAT64_ANY_ORDER), seed=st.integers(0, 2**16))
    def prop(case, seed):
        check_policy_call(kind, case, seed, compare=False)

    prop()


@pytest.mark.parametrize("kind", ["softmax", "gaussian"])
@given(data=st.data())
def test_params_setter_takes_any_array_or_refuses_it_unchanged(kind, data):
    cpp, _ = twins(kind, 2, 2, 0)
    before = cpp.params.copy()
    value = data.draw(arrays((cpp.n_params,)))
    got = outcome(setattr, cpp, "params", value)
    check_boundary(got, ("params",))
    if got[0] == "ok":
        assert_array_equal(cpp.params, native(value).astype(np.float64))
    else:
        assert_array_equal(cpp.params, before)


# ---------------------------------------------------------------------------------
# Batch kernels
# ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["softmax", "gaussian"])
@pytest.mark.parametrize("values", ["small", "extreme"])
@given(data=st.data())
def test_policy_gradient_on_any_arrays(kind, values, data):
    elements, dtypes = (MOSTLY_SMALL, ANY_DTYPE) if values == "small" else (EXTREME, FLOAT64_ANY_ORDER)
    d, k, T = data.draw(st.integers(1, 4)), data.draw(st.integers(1, 3)), data.draw(st.integers(1, 5))
    cpp, twin = twins(kind, d, k, data.draw(st.integers(0, 99)))
    X = data.draw(arrays((T, d), elements, dtypes))
    if kind == "softmax":
        A = data.draw(actions(k, T))
    else:
        A = data.draw(arrays((T, k), elements, dtypes))
    w = data.draw(arrays((T,), elements, dtypes))
    A_twin = A.astype(np.int64) if kind == "softmax" and A.dtype.kind in "iu" else native(A)
    got = outcome(pgfast.policy_gradient, cpp, X, A, w)
    names = ("X", "A", "weights", "policy_gradient", "action preferences", "action mean")
    twin_call = lambda: ref.policy_gradient(twin, native(X), A_twin, native(w))  # noqa: E731
    check_boundary(got, names, twin_call if values == "small" else None)


@pytest.mark.parametrize("values", ["small", "extreme"])
@given(data=st.data())
def test_discounted_returns_on_any_arrays(values, data):
    elements, dtypes = (MOSTLY_SMALL, ANY_DTYPE) if values == "small" else (EXTREME, FLOAT64_ANY_ORDER)
    shape = data.draw(
        st.one_of(st.tuples(st.integers(1, 6)), st.tuples(st.integers(1, 5), st.integers(1, 3)))
    )
    rewards = data.draw(arrays(shape, elements, dtypes))
    flags = st.sampled_from([0.0, 1.0])
    terminated = data.draw(arrays(shape, flags))
    truncated = data.draw(st.one_of(st.none(), arrays(shape, flags)))
    bootstrap = data.draw(st.one_of(st.none(), arrays(shape, elements, dtypes)))
    gamma = data.draw(st.one_of(st.floats(0, 1), st.sampled_from([-0.1, 1.5, np.nan])))
    got = outcome(
        lambda: pgfast.discounted_returns(rewards, terminated, truncated, gamma=gamma, bootstrap=bootstrap)
    )
    def twin_call():
        return ref.discounted_returns(
            native(rewards), native(terminated), native(truncated), gamma=gamma, bootstrap=native(bootstrap)
        )

    names = ("rewards", "terminated", "truncated", "bootstrap", "gamma", "discounted_returns")
    check_boundary(got, names, twin_call if values == "small" else None)


# ---------------------------------------------------------------------------------
# Optimisers
# ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["SGD", "Adam"])
@pytest.mark.parametrize("values", ["small", "extreme"])
@given(data=st.data())
def test_optimiser_step_on_any_arrays(name, values, data):
    elements, dtypes = (MOSTLY_SMALL, ANY_DTYPE) if values == "small" else (EXTREME, FLOAT64_ANY_ORDER)
    n = data.draw(st.integers(1, 5))
    start = data.draw(hnp.arrays(np.float64, n, elements=SMALL if values == "small" else EXTREME))
    params = data.draw(st.one_of(laid_out(start, FLOAT64_ANY_ORDER), laid_out(start)))  # float64 mostly
    grad = data.draw(arrays((n,), elements, dtypes))
    lr = data.draw(st.sampled_from([0.1, 1.0, 1e300]))
    cpp, twin = getattr(pgfast.optim, name)(lr=lr), getattr(ref, name)(lr=lr)
    before = np.array(params, dtype=np.float64, copy=True) if params.dtype.kind == "f" else None
    in_float64 = params.dtype.kind == "f" and params.dtype.itemsize == 8
    twin_params = native(params) if in_float64 else params.copy()
    got = outcome(cpp.step, params, grad)
    twin_call = lambda: twin.step(twin_params, native(grad))  # noqa: E731
    check_boundary(got, ("params", "grad", "step"), twin_call if values == "small" else None)
    if got[0] == "error" and before is not None:
        assert_array_equal(params, before)
        if name == "Adam":
            assert cpp.t == 0
    if got[0] == "ok" and values == "small":
        assert_allclose(np.asarray(params, dtype=np.float64), twin_params, rtol=1e-12, atol=1e-12)
    if got[0] == "ok":
        assert np.all(np.isfinite(np.asarray(params, dtype=np.float64)))


# ---------------------------------------------------------------------------------
# Feature maps
# ---------------------------------------------------------------------------------

FEATURE_SPECS = {
    "identity": lambda k: pgfast.features.Identity(),
    "polynomial": lambda k: pgfast.features.Polynomial(degree=2),
    "fourier": lambda k: pgfast.features.Fourier(order=2, bounds=(-3.0, 5.0)),
    "rbf": lambda k: pgfast.features.RBF(centers=np.linspace(-1, 1, 2 * k).reshape(2, k), widths=[1.0, 0.5]),
    "tiles": lambda k: pgfast.features.TileCoding(n_tilings=3, tiles_per_dim=4, bounds=(-3.0, 5.0)),
}


@pytest.mark.parametrize("kind", sorted(FEATURE_SPECS))
@pytest.mark.parametrize("values", ["small", "extreme"])
@given(data=st.data())
def test_feature_maps_on_any_array(kind, values, data):
    elements, dtypes = (MOSTLY_SMALL, ANY_DTYPE) if values == "small" else (EXTREME, FLOAT64_ANY_ORDER)
    k, n = data.draw(st.integers(1, 3)), data.draw(st.integers(0, 4))
    spec = FEATURE_SPECS[kind](k)
    cpp, twin = pgfast.features.build(spec, k), pgfast.features.build(spec, k, backend="numpy")
    obs = data.draw(arrays((k,) if n == 0 else (n, k), elements, dtypes))
    got = outcome(cpp, obs)
    check_boundary(got, ("obs", "features"), (lambda: twin(native(obs))) if values == "small" else None)
    if kind == "tiles":
        check_boundary(outcome(cpp.active, obs), ("obs",), lambda: twin.active(native(obs)))
