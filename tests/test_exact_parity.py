"""The C++ core and the NumPy twin compute bit-identical policy, return and optimiser values.

Shapes include long feature vectors (d > 8 and > 128, where NumPy's pairwise summation
differs from a sequential loop) and many actions (k >= 8), and the inputs are drawn by
hypothesis; see tests/_parity.py for what a failure reports.
"""

import numpy as np
import pgfast
import pgfast.reference as ref
import pytest
from _parity import assert_policy_twin_equal, assert_twin_equal
from hypothesis import given, settings
from hypothesis import strategies as st

LONG = [(9, 2, True), (40, 3, False), (130, 9, True), (300, 12, True), (1000, 2, False)]


def _ids(shapes):
    return [f"d{d}-k{k}-{'bias' if b else 'nobias'}" for d, k, b in shapes]


def _softmax(d, k, bias, params):
    cpp, twin = pgfast.LinearSoftmax(d, k, bias), ref.LinearSoftmax(d, k, bias)
    cpp.params, twin.params = params, params
    return cpp, twin


def _gaussian(d, m, bias, params, sd=False):
    cpp = pgfast.LinearGaussian(d, m, bias, state_dependent_std=sd)
    twin = ref.LinearGaussian(d, m, bias, state_dependent_std=sd)
    cpp.params, twin.params = params, params
    return cpp, twin


@pytest.mark.parametrize(("d", "k", "bias"), LONG, ids=_ids(LONG))
def test_softmax_with_long_features_is_bit_identical_to_twin(d, k, bias):
    rng = np.random.default_rng(d + k)
    cpp, twin = _softmax(d, k, bias, rng.standard_normal(k * d + (k if bias else 0)))
    X, A = 3.0 * rng.standard_normal((5, d)), rng.integers(0, k, 5)
    for x, a in [(X, A), (X[0], int(A[0]))]:
        assert_policy_twin_equal(cpp, twin, x, a, ("probs", "entropy", "grad_entropy", "mode"))
    r1, r2 = np.random.default_rng(1), np.random.default_rng(1)
    assert_twin_equal(cpp.sample(X, r1), twin.sample(X, r2))
    w = rng.standard_normal(5)
    assert_twin_equal(pgfast.policy_gradient(cpp, X, A, w), ref.policy_gradient(twin, X, A, w))


@pytest.mark.parametrize(("d", "m", "bias"), LONG, ids=_ids(LONG))
@pytest.mark.parametrize("sd", [False, True], ids=["fixed-std", "state-std"])
def test_gaussian_with_long_features_is_bit_identical_to_twin(d, m, bias, sd):
    rng = np.random.default_rng(d + m)
    n = m * d + (m if bias else 0) + (m * d + m if sd else m)
    cpp, twin = _gaussian(d, m, bias, 0.1 * rng.standard_normal(n), sd)
    X = rng.standard_normal((5, d))
    A = cpp.mean(X) + rng.standard_normal((5, m))
    for x, a in [(X, A), (X[0], A[0])]:
        assert_policy_twin_equal(cpp, twin, x, a, ("mean", "entropy", "grad_entropy", "log_std_at"))
    r1, r2 = np.random.default_rng(2), np.random.default_rng(2)
    assert_twin_equal(cpp.sample(X, r1), twin.sample(X, r2))
    w = rng.standard_normal(5)
    assert_twin_equal(pgfast.policy_gradient(cpp, X, A, w), ref.policy_gradient(twin, X, A, w))


@st.composite
def softmax_case(draw):
    d = draw(st.sampled_from([1, 3, 8, 17, 150]))
    k = draw(st.sampled_from([1, 2, 3, 8, 11]))
    bias = draw(st.booleans())
    seed = draw(st.integers(0, 2**32 - 1))
    scale = draw(st.sampled_from([0.1, 1.0, 10.0, 100.0]))
    n = draw(st.integers(1, 6))
    return d, k, bias, seed, scale, n


@settings(max_examples=150, deadline=None)
@given(softmax_case())
def test_softmax_is_bit_identical_to_twin_for_generated_inputs(case):
    d, k, bias, seed, scale, n = case
    rng = np.random.default_rng(seed)
    cpp, twin = _softmax(d, k, bias, scale * rng.standard_normal(k * d + (k if bias else 0)))
    X, A, w = rng.standard_normal((n, d)), rng.integers(0, k, n), rng.standard_normal(n)
    for method in ("probs", "entropy", "grad_entropy", "mode"):
        assert_twin_equal(getattr(cpp, method)(X), getattr(twin, method)(X))
    with np.errstate(all="ignore"):
        try:
            want = twin.log_prob(X, A)
        except ValueError:  # pi(a|s) underflows to 0: both refuse
            with pytest.raises(ValueError, match="log_prob"):
                cpp.log_prob(X, A)
        else:
            assert_twin_equal(cpp.log_prob(X, A), want)
    assert_twin_equal(cpp.grad_log_prob(X, A), twin.grad_log_prob(X, A))
    assert_twin_equal(pgfast.policy_gradient(cpp, X, A, w), ref.policy_gradient(twin, X, A, w))
    r1, r2 = np.random.default_rng(seed), np.random.default_rng(seed)
    assert_twin_equal(cpp.sample(X, r1), twin.sample(X, r2))


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from([1, 4, 9, 140]), st.sampled_from([1, 2, 9]), st.booleans(), st.booleans(),
    st.integers(0, 2**32 - 1), st.integers(1, 6),
)
def test_gaussian_is_bit_identical_to_twin_for_generated_inputs(d, m, bias, sd, seed, n):
    rng = np.random.default_rng(seed)
    size = m * d + (m if bias else 0) + (m * d + m if sd else m)
    cpp, twin = _gaussian(d, m, bias, rng.uniform(-2.0, 2.0, size), sd)
    X = rng.standard_normal((n, d))
    A, w = cpp.mean(X) + 3.0 * rng.standard_normal((n, m)), rng.standard_normal(n)
    for method in ("mean", "entropy", "grad_entropy", "log_std_at"):
        assert_twin_equal(getattr(cpp, method)(X), getattr(twin, method)(X))
    assert_twin_equal(cpp.log_prob(X, A), twin.log_prob(X, A))
    assert_twin_equal(cpp.grad_log_prob(X, A), twin.grad_log_prob(X, A))
    assert_twin_equal(pgfast.policy_gradient(cpp, X, A, w), ref.policy_gradient(twin, X, A, w))
    r1, r2 = np.random.default_rng(seed), np.random.default_rng(seed)
    assert_twin_equal(cpp.sample(X, r1), twin.sample(X, r2))


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 400), st.integers(0, 2**32 - 1), st.sampled_from([None, 0.5, 10.0]), st.booleans())
def test_optimiser_steps_are_bit_identical_to_twin_for_generated_gradients(n, seed, clip, adam):
    rng = np.random.default_rng(seed)
    if adam:
        cpp, twin = pgfast.optim.Adam(0.01, max_grad_norm=clip), ref.Adam(0.01, max_grad_norm=clip)
    else:
        step_size = rng.uniform(0.0, 2.0, n)
        cpp = pgfast.optim.SGD(0.05, step_size=step_size, max_grad_norm=clip)
        twin = ref.SGD(0.05, step_size=step_size, max_grad_norm=clip)
    p_cpp = rng.standard_normal(n)
    p_ref = p_cpp.copy()
    for _ in range(3):
        g = rng.standard_normal(n) * np.exp(rng.uniform(-10.0, 10.0, n))
        assert_twin_equal(cpp.step(p_cpp, g), twin.step(p_ref, g))
        assert_twin_equal(p_cpp, p_ref)


def test_gradient_norm_is_numpy_pairwise_norm():
    g = np.random.default_rng(3).standard_normal(1000) * 1e3
    opt = pgfast.optim.SGD(1e-9)
    assert_twin_equal(opt.step(np.zeros(1000), g), np.sqrt(np.sum(g * g)))


def test_overflowing_gradient_norm_uses_the_twins_scaled_form():
    g = np.random.default_rng(4).standard_normal(300) * 1e200
    opt = pgfast.optim.SGD(1e-300)
    m = np.max(np.abs(g))
    assert_twin_equal(opt.step(np.zeros(300), g), m * np.sqrt(np.sum((g / m) ** 2)))


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 300), st.integers(1, 3), st.integers(0, 2**32 - 1), st.floats(0.0, 1.0))
def test_returns_are_bit_identical_to_twin_for_generated_buffers(T, n_envs, seed, gamma):
    rng = np.random.default_rng(seed)
    R = rng.standard_normal((T, n_envs)) * 10.0
    term, trunc = rng.random((T, n_envs)) < 0.1, rng.random((T, n_envs)) < 0.1
    boot = rng.standard_normal((T, n_envs))
    for args in [(R, term, trunc), (R[:, 0], term[:, 0], trunc[:, 0])]:
        b = boot if args[0].ndim == 2 else boot[:, 0]
        assert_twin_equal(
            pgfast.discounted_returns(*args, gamma=gamma, bootstrap=b),
            ref.discounted_returns(*args, gamma=gamma, bootstrap=b),
        )


def test_twin_policy_can_use_a_core_policys_parameters_as_storage():
    cpp = pgfast.LinearSoftmax(3, 2, True)
    twin = ref.LinearSoftmax(3, 2, True, params=np.asarray(cpp.params))
    cpp.params = np.arange(8.0)
    x = np.array([0.5, -1.0, 2.0])
    assert_twin_equal(twin.probs(x), cpp.probs(x))
    twin.params[0] = 7.0
    assert cpp.params[0] == 7.0


def test_twin_gaussian_storage_keeps_its_values():
    storage = np.full(4, 0.25)
    twin = ref.LinearGaussian(1, 2, False, log_std_init=-1.0, params=storage)
    assert twin.params is storage
    assert_twin_equal(storage, np.full(4, 0.25))
