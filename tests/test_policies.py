"""Linear policies: exact gradients, batch = stacked singles, parity with the NumPy
reference (values and random streams), numerical edge cases, the zero-copy params view."""

import gc
import math

import numpy as np
import pgfast
import pgfast.reference as ref
import pytest
from _parity import assert_policy_twin_equal, assert_twin_equal
from numpy.testing import assert_allclose, assert_array_equal

# Random shapes (n_features, n_actions or action_dim, bias), fixed by a seed.
_shape_rng = np.random.default_rng(20240601)
SHAPES = [(1, 1, True), (1, 3, False)] + [
    (int(_shape_rng.integers(1, 7)), int(_shape_rng.integers(2, 6)), bool(_shape_rng.integers(2)))
    for _ in range(6)
]
GAUSS_SHAPES = [(1, 1, True), (2, 1, False)] + [
    (int(_shape_rng.integers(1, 7)), int(_shape_rng.integers(1, 4)), bool(_shape_rng.integers(2)))
    for _ in range(5)
]
TIGHT = {"rtol": 1e-12, "atol": 1e-12}


def _ids(shapes):
    return [f"d{d}-k{k}-{'bias' if b else 'nobias'}" for d, k, b in shapes]


def _states(d, n=7, seed=1):
    return np.random.default_rng(seed).standard_normal((n, d))


def _softmax_actions(k, n=7, seed=2):
    return np.random.default_rng(seed).integers(0, k, n)


def _gaussian_actions(pol, X, seed=2):
    noise = np.random.default_rng(seed).standard_normal((X.shape[0], pol.action_dim))
    return pol.mean(X) + 1.5 * noise


def _central_difference(f, params, h=1e-6):
    """∂f/∂params by central differences, perturbing params in place."""
    grad = np.empty(params.size)
    for i in range(params.size):
        old = params[i]
        params[i] = old + h
        up = f()
        params[i] = old - h
        down = f()
        params[i] = old
        grad[i] = (up - down) / (2 * h)
    return grad


# ---------------------------------------------------------------------------------
# Gradients against central finite differences
# ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("d", "k", "bias"), SHAPES, ids=_ids(SHAPES))
def test_softmax_grad_log_prob_matches_finite_differences(impl, make_softmax, d, k, bias):
    pol = make_softmax(impl, d, k, bias, seed=d + 10 * k)
    X, A = _states(d, 3), _softmax_actions(k, 3)
    for x, a in zip(X, A):
        numeric = _central_difference(lambda x=x, a=a: pol.log_prob(x, int(a)), pol.params)
        assert_allclose(pol.grad_log_prob(x, int(a)), numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize(("d", "k", "bias"), SHAPES, ids=_ids(SHAPES))
def test_softmax_grad_entropy_matches_finite_differences(impl, make_softmax, d, k, bias):
    pol = make_softmax(impl, d, k, bias, seed=d + 10 * k)
    for x in _states(d, 3):
        numeric = _central_difference(lambda x=x: pol.entropy(x), pol.params)
        assert_allclose(pol.grad_entropy(x), numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize(("d", "k", "bias"), SHAPES, ids=_ids(SHAPES))
def test_softmax_entropy_is_minus_sum_of_pi_ln_pi(impl, make_softmax, d, k, bias):
    # entropy is computed as ln z - sum_b pi_b (h_b - max h) (the softmax's own terms);
    # its value is the book's H = -sum_b pi_b ln pi_b, here from the probabilities alone.
    pol = make_softmax(impl, d, k, bias, seed=d + 10 * k, scale=2.0)
    for x in _states(d, 5):
        p = pol.probs(x)
        book = -sum(float(pb) * math.log(float(pb)) for pb in p if pb > 0.0)
        assert pol.entropy(x) == pytest.approx(book, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize(("d", "m", "bias"), GAUSS_SHAPES, ids=_ids(GAUSS_SHAPES))
def test_gaussian_grad_log_prob_matches_finite_differences(impl, make_gaussian, d, m, bias):
    pol = make_gaussian(impl, d, m, bias, seed=d + 10 * m)
    X = _states(d, 3)
    A = _gaussian_actions(pol, X)
    for x, a in zip(X, A):
        numeric = _central_difference(lambda x=x, a=a: pol.log_prob(x, a), pol.params)
        assert_allclose(pol.grad_log_prob(x, a), numeric, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize(("d", "m", "bias"), GAUSS_SHAPES, ids=_ids(GAUSS_SHAPES))
def test_gaussian_grad_entropy_matches_finite_differences(impl, make_gaussian, d, m, bias):
    pol = make_gaussian(impl, d, m, bias, seed=d + 10 * m)
    x = _states(d, 1)[0]
    numeric = _central_difference(lambda: pol.entropy(x), pol.params)
    assert_allclose(pol.grad_entropy(x), numeric, rtol=1e-6, atol=1e-8)


# ---------------------------------------------------------------------------------
# Batch forms equal stacked single forms
# ---------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["probs", "entropy", "grad_entropy", "mode"])
@pytest.mark.parametrize(("d", "k", "bias"), SHAPES[:5], ids=_ids(SHAPES[:5]))
def test_softmax_batch_equals_stacked_singles(impl, make_softmax, method, d, k, bias):
    pol = make_softmax(impl, d, k, bias)
    X = _states(d)
    fn = getattr(pol, method)
    assert_allclose(fn(X), np.stack([fn(x) for x in X]), rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("method", ["log_prob", "grad_log_prob"])
@pytest.mark.parametrize(("d", "k", "bias"), SHAPES[:5], ids=_ids(SHAPES[:5]))
def test_softmax_batch_with_actions_equals_stacked_singles(impl, make_softmax, method, d, k, bias):
    pol = make_softmax(impl, d, k, bias)
    X, A = _states(d), _softmax_actions(k)
    fn = getattr(pol, method)
    assert_allclose(fn(X, A), np.stack([fn(x, int(a)) for x, a in zip(X, A)]), rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("method", ["mean", "mode", "entropy", "grad_entropy"])
@pytest.mark.parametrize(("d", "m", "bias"), GAUSS_SHAPES[:5], ids=_ids(GAUSS_SHAPES[:5]))
def test_gaussian_batch_equals_stacked_singles(impl, make_gaussian, method, d, m, bias):
    pol = make_gaussian(impl, d, m, bias)
    X = _states(d)
    fn = getattr(pol, method)
    assert_allclose(fn(X), np.stack([fn(x) for x in X]), rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("method", ["log_prob", "grad_log_prob"])
@pytest.mark.parametrize(("d", "m", "bias"), GAUSS_SHAPES[:5], ids=_ids(GAUSS_SHAPES[:5]))
def test_gaussian_batch_with_actions_equals_stacked_singles(impl, make_gaussian, method, d, m, bias):
    pol = make_gaussian(impl, d, m, bias)
    X = _states(d)
    A = _gaussian_actions(pol, X)
    fn = getattr(pol, method)
    assert_allclose(fn(X, A), np.stack([fn(x, a) for x, a in zip(X, A)]), rtol=1e-14, atol=1e-15)


def test_single_state_returns_python_scalars_and_batch_returns_arrays(impl):
    pol = impl.LinearSoftmax(3, 4)
    x, X = np.ones(3), np.ones((5, 3))
    assert isinstance(pol.log_prob(x, 1), float)
    assert isinstance(pol.entropy(x), float)
    assert isinstance(pol.mode(x), int)
    assert isinstance(pol.sample(x, np.random.default_rng(0)), int)
    assert pol.probs(x).shape == (4,)
    assert pol.probs(X).shape == (5, 4)
    assert pol.log_prob(X, np.zeros(5, int)).shape == (5,)
    assert pol.grad_log_prob(X, np.zeros(5, int)).shape == (5, pol.n_params)
    assert pol.sample(X, np.random.default_rng(0)).dtype == np.int64
    assert pol.mode(X).dtype == np.int64


def test_gaussian_shapes(impl):
    pol = impl.LinearGaussian(3, action_dim=2)
    x, X = np.ones(3), np.ones((5, 3))
    assert isinstance(pol.log_prob(x, np.zeros(2)), float)
    assert pol.mean(x).shape == (2,)
    assert pol.sample(X, np.random.default_rng(0)).shape == (5, 2)
    assert pol.grad_log_prob(X, np.zeros((5, 2))).shape == (5, pol.n_params)
    assert pol.log_std.shape == (2,)


# ---------------------------------------------------------------------------------
# Parity with pgfast.reference
# ---------------------------------------------------------------------------------


def _twins(make, d, k, bias, seed=3):
    cpp = make(pgfast, d, k, bias, seed=seed)
    twin = make(ref, d, k, bias, seed=seed)
    assert_array_equal(cpp.params, twin.params)
    return cpp, twin


@pytest.mark.parametrize("batch", [False, True], ids=["single", "batch"])
@pytest.mark.parametrize(("d", "k", "bias"), SHAPES, ids=_ids(SHAPES))
def test_softmax_matches_reference(make_softmax, d, k, bias, batch):
    cpp, twin = _twins(make_softmax, d, k, bias)
    X, A = _states(d), _softmax_actions(k)
    if not batch:
        X, A = X[0], int(A[0])
    for method in ("probs", "entropy", "grad_entropy"):
        assert_twin_equal(getattr(cpp, method)(X), getattr(twin, method)(X))
    assert_array_equal(cpp.mode(X), twin.mode(X))
    assert_twin_equal(cpp.log_prob(X, A), twin.log_prob(X, A))
    assert_twin_equal(cpp.grad_log_prob(X, A), twin.grad_log_prob(X, A))


@pytest.mark.parametrize("batch", [False, True], ids=["single", "batch"])
@pytest.mark.parametrize(("d", "m", "bias"), GAUSS_SHAPES, ids=_ids(GAUSS_SHAPES))
def test_gaussian_matches_reference(make_gaussian, d, m, bias, batch):
    cpp, twin = _twins(make_gaussian, d, m, bias)
    X = _states(d)
    A = _gaussian_actions(cpp, X)
    if not batch:
        X, A = X[0], A[0]
    for method in ("mean", "mode", "entropy", "grad_entropy"):
        assert_twin_equal(getattr(cpp, method)(X), getattr(twin, method)(X))
    assert_twin_equal(cpp.log_std, twin.log_std)
    assert_twin_equal(cpp.log_prob(X, A), twin.log_prob(X, A))
    assert_twin_equal(cpp.grad_log_prob(X, A), twin.grad_log_prob(X, A))


def _assert_same_stream(rng_a, rng_b):
    assert rng_a.bit_generator.state == rng_b.bit_generator.state


def test_softmax_single_samples_match_reference_over_10000_calls(make_softmax):
    cpp, twin = _twins(make_softmax, 4, 5, True)
    X = _states(4, 100)
    rng_cpp, rng_ref = np.random.default_rng(7), np.random.default_rng(7)
    got = [cpp.sample(X[i % 100], rng_cpp) for i in range(10_000)]
    want = [twin.sample(X[i % 100], rng_ref) for i in range(10_000)]
    assert got == want
    assert len(set(got)) == 5
    _assert_same_stream(rng_cpp, rng_ref)


def test_softmax_batch_samples_match_reference_over_10000_draws(make_softmax):
    cpp, twin = _twins(make_softmax, 4, 5, True)
    X = _states(4, 50)
    rng_cpp, rng_ref = np.random.default_rng(8), np.random.default_rng(8)
    for _ in range(200):
        assert_array_equal(cpp.sample(X, rng_cpp), twin.sample(X, rng_ref))
    _assert_same_stream(rng_cpp, rng_ref)


def test_gaussian_single_samples_match_reference_over_10000_calls(make_gaussian):
    cpp, twin = _twins(make_gaussian, 3, 2, True)
    X = _states(3, 100)
    rng_cpp, rng_ref = np.random.default_rng(9), np.random.default_rng(9)
    got = np.array([cpp.sample(X[i % 100], rng_cpp) for i in range(10_000)])
    want = np.array([twin.sample(X[i % 100], rng_ref) for i in range(10_000)])
    assert_twin_equal(got, want)
    _assert_same_stream(rng_cpp, rng_ref)


def test_gaussian_batch_samples_match_reference_over_10000_draws(make_gaussian):
    cpp, twin = _twins(make_gaussian, 3, 2, True)
    X = _states(3, 50)
    rng_cpp, rng_ref = np.random.default_rng(10), np.random.default_rng(10)
    for _ in range(200):
        assert_twin_equal(cpp.sample(X, rng_cpp), twin.sample(X, rng_ref))
    _assert_same_stream(rng_cpp, rng_ref)


def test_softmax_sample_follows_generator_choice(make_softmax):
    # The sampling rule is Generator.choice(k, p=pi): one uniform, first cdf above it.
    pol = make_softmax(pgfast, 3, 4, True)
    X = _states(3, 1000)
    rng_pol, rng_np = np.random.default_rng(11), np.random.default_rng(11)
    got = [pol.sample(x, rng_pol) for x in X]
    want = [int(rng_np.choice(4, p=pol.probs(x))) for x in X]
    assert got == want
    _assert_same_stream(rng_pol, rng_np)


def test_gaussian_sample_is_mean_plus_std_times_standard_normal(make_gaussian):
    pol = make_gaussian(pgfast, 3, 2, True)
    X = _states(3, 1000)
    rng_pol, rng_np = np.random.default_rng(12), np.random.default_rng(12)
    got = pol.sample(X, rng_pol)
    want = pol.mean(X) + np.exp(pol.log_std) * rng_np.standard_normal((1000, 2))
    assert_allclose(got, want, **TIGHT)
    _assert_same_stream(rng_pol, rng_np)


def test_softmax_sample_frequencies_match_probs():
    pol = pgfast.LinearSoftmax(1, 3)
    pol.params = [0.0, 0.0, 0.0, 0.0, math.log(2.0), math.log(5.0)]  # pi = (1, 2, 5) / 8
    actions = pol.sample(np.ones((40_000, 1)), np.random.default_rng(13))
    freq = np.bincount(actions, minlength=3) / actions.size
    assert_allclose(freq, [1 / 8, 2 / 8, 5 / 8], atol=0.01)


def test_mode_is_first_maximiser(impl):
    pol = impl.LinearSoftmax(1, 4, bias=True)
    pol.params = [0.0, 0.0, 0.0, 0.0, 1.0, 3.0, 3.0, 2.0]
    assert pol.mode(np.ones(1)) == 1


# ---------------------------------------------------------------------------------
# Numerical edge cases
# ---------------------------------------------------------------------------------


def test_huge_preferences_give_finite_probs_and_log_probs(impl):
    pol = impl.LinearSoftmax(2, 2, bias=True)
    pol.params = [0.0, 0.0, 0.0, 0.0, 1e300, -1e300]
    x = np.array([0.3, -0.2])
    assert_array_equal(pol.probs(x), [1.0, 0.0])
    assert pol.log_prob(x, 0) == 0.0
    assert pol.log_prob(x, 1) == -2e300
    assert pol.entropy(x) == 0.0
    assert np.all(np.isfinite(pol.grad_log_prob(x, 1)))
    assert np.all(np.isfinite(pol.grad_entropy(x)))
    assert pol.mode(x) == 0


def test_huge_equal_preferences_split_probability(impl):
    pol = impl.LinearSoftmax(1, 3, bias=True)
    pol.params = [0.0, 0.0, 0.0, 1e300, 1e300, -1e300]
    x = np.ones(1)
    assert_array_equal(pol.probs(x), [0.5, 0.5, 0.0])
    # ln pi = (h - max h) - ln sum exp(h - max h): the shift must go first, or
    # 1e300 - (1e300 + ln 2) rounds to 0.
    assert pol.log_prob(x, 0) == pytest.approx(-math.log(2.0), rel=1e-12)
    assert pol.entropy(x) == pytest.approx(math.log(2.0), rel=1e-12)
    assert_allclose(pol.log_prob(np.ones((2, 1)), [1, 2]), [-math.log(2.0), -2e300], rtol=1e-12)


@pytest.mark.parametrize(("init", "clamped"), [(5.0, 2.0), (-30.0, -20.0)])
def test_log_std_beyond_clamp_is_clamped_with_zero_gradient(impl, init, clamped):
    pol = impl.LinearGaussian(2, action_dim=1, bias=True, log_std_init=init)
    x, a = np.array([0.5, -1.0]), np.array([0.25])
    assert pol.params[-1] == init  # the stored parameter is untouched...
    assert pol.log_std[0] == clamped  # ...the policy uses the clamped value
    sigma = math.exp(clamped)
    expected = -0.5 * (a[0] / sigma) ** 2 - clamped - 0.5 * math.log(2 * math.pi)
    assert pol.log_prob(x, a) == pytest.approx(expected, rel=1e-12)
    assert pol.grad_log_prob(x, a)[-1] == 0.0
    assert pol.grad_entropy(x)[-1] == 0.0
    assert pol.entropy(x) == pytest.approx(clamped + 0.5 * math.log(2 * math.pi * math.e))
    sample = pol.sample(x, np.random.default_rng(0))
    assert sample[0] == pytest.approx(sigma * np.random.default_rng(0).standard_normal(), rel=1e-12)


def test_project_moves_log_std_into_clamp(impl):
    pol = impl.LinearGaussian(2, action_dim=2, log_std_init=0.0)
    pol.params[-2:] = [7.0, -50.0]
    pol.project()
    assert_array_equal(pol.params[-2:], [2.0, -20.0])
    # On the boundary the gradient is live again.
    assert np.all(pol.grad_entropy(np.ones(2))[-2:] == 1.0)


def test_single_action_softmax_is_constant(impl):
    pol = impl.LinearSoftmax(3, 1, bias=True)
    pol.params = [1.0, -2.0, 3.0, 4.0]
    x = np.array([0.1, 0.2, 0.3])
    assert_array_equal(pol.probs(x), [1.0])
    assert pol.log_prob(x, 0) == 0.0
    assert_array_equal(pol.grad_log_prob(x, 0), np.zeros(4))
    assert pol.entropy(x) == 0.0
    assert_array_equal(pol.grad_entropy(x), np.zeros(4))
    assert pol.mode(x) == 0
    rng = np.random.default_rng(0)
    assert pol.sample(x, rng) == 0
    assert_array_equal(pol.sample(np.ones((4, 3)), rng), np.zeros(4, dtype=np.int64))


def test_uniform_policy_at_initialisation(impl):
    pol = impl.LinearSoftmax(3, 4)
    assert_array_equal(pol.params, np.zeros(pol.n_params))
    assert_allclose(pol.probs(np.ones(3)), np.full(4, 0.25), rtol=1e-15)
    assert pol.entropy(np.ones(3)) == pytest.approx(math.log(4))


def test_eligibility_matches_book_formula(impl, make_softmax):
    # S&B eq. 13.9: row b gets (1[a = b] - pi(b|s)) x(s); the bias part (1[a = b] - pi(b|s)).
    pol = make_softmax(impl, 3, 4, True)
    x, a = np.array([0.5, -1.0, 2.0]), 2
    p = pol.probs(x)
    coef = np.eye(4)[a] - p
    assert_allclose(pol.grad_log_prob(x, a), np.concatenate([np.outer(coef, x).ravel(), coef]), **TIGHT)


def test_gaussian_eligibility_matches_book_formula(impl, make_gaussian):
    # S&B eqs. 13.19-13.20 with a state-independent log-std.
    pol = make_gaussian(impl, 3, 1, False)
    x, a = np.array([0.5, -1.0, 2.0]), np.array([0.7])
    mu, sigma = pol.mean(x)[0], math.exp(pol.log_std[0])
    want = np.concatenate([(a[0] - mu) / sigma**2 * x, [((a[0] - mu) / sigma) ** 2 - 1]])
    assert_allclose(pol.grad_log_prob(x, a), want, **TIGHT)


# ---------------------------------------------------------------------------------
# Parameters: layout and the zero-copy view
# ---------------------------------------------------------------------------------


def test_params_layout_is_weights_row_major_then_bias(impl):
    pol = impl.LinearSoftmax(2, 3, bias=True)
    assert pol.n_params == 9
    pol.params = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 0.1, 0.2, 0.3]
    x = np.array([1.0, 10.0])
    W, b = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), np.array([0.1, 0.2, 0.3])
    h = W @ x + b
    assert_allclose(pol.probs(x), np.exp(h - h.max()) / np.exp(h - h.max()).sum(), **TIGHT)


def test_gaussian_params_layout(impl):
    pol = impl.LinearGaussian(2, action_dim=2, bias=True, log_std_init=-0.5)
    assert pol.n_params == 2 * 2 + 2 + 2
    assert_array_equal(pol.params, [0, 0, 0, 0, 0, 0, -0.5, -0.5])
    pol.params = [1.0, 2.0, 3.0, 4.0, 0.5, -0.5, 0.0, 0.0]
    assert_allclose(pol.mean(np.array([1.0, 1.0])), [3.5, 6.5], **TIGHT)


def test_params_is_a_writable_zero_copy_view():
    pol = pgfast.LinearSoftmax(2, 2)
    view = pol.params
    assert view.dtype == np.float64
    assert view.flags.writeable and view.flags.c_contiguous
    assert np.shares_memory(view, pol.params)
    view[-1] = 2.0  # bias of action 1
    assert pol.params[-1] == 2.0
    assert pol.probs(np.zeros(2))[1] > 0.8


def test_params_assignment_copies_into_the_view():
    pol = pgfast.LinearGaussian(1)
    view = pol.params
    pol.params = np.array([1.0, 2.0, 3.0])
    assert_array_equal(view, [1.0, 2.0, 3.0])


@pytest.mark.parametrize("cls", ["LinearSoftmax", "LinearGaussian"])
def test_params_view_keeps_policy_alive(cls):
    pol = getattr(pgfast, cls)(3, 2)
    view = pol.params
    del pol
    gc.collect()
    view[:] = np.arange(view.size, dtype=float) / 10
    owner = view.base
    assert isinstance(owner, getattr(pgfast, cls))
    assert_array_equal(owner.params, view)
    assert np.all(np.isfinite(owner.grad_entropy(np.ones(3))))


def test_properties(impl):
    s = impl.LinearSoftmax(3, 4, bias=False)
    assert (s.n_features, s.n_actions, s.bias, s.n_params) == (3, 4, False, 12)
    g = impl.LinearGaussian(3, action_dim=2, bias=True, log_std_min=-5.0, log_std_max=1.0)
    assert (g.n_features, g.action_dim, g.bias, g.n_params) == (3, 2, True, 10)
    assert (g.log_std_min, g.log_std_max) == (-5.0, 1.0)


# ---------------------------------------------------------------------------------
# Gaussian with a state-dependent log-std, l_j(s) = θ_σ,j · x(s) + c_j
# ---------------------------------------------------------------------------------
def _state_dependent(module, d, m, bias, seed):
    pol = module.LinearGaussian(d, m, bias=bias, log_std_init=-0.3, state_dependent_std=True)
    rng = np.random.default_rng(seed)
    pol.params = 0.3 * rng.standard_normal(pol.n_params)
    return pol


@pytest.mark.parametrize(("d", "m", "bias"), GAUSS_SHAPES, ids=_ids(GAUSS_SHAPES))
def test_state_dependent_std_gradients_match_finite_differences(impl, d, m, bias):
    pol = _state_dependent(impl, d, m, bias, seed=d + 10 * m)
    assert pol.n_params == m * d + (m if bias else 0) + m * d + m
    X = _states(d, 3)
    A = _gaussian_actions(pol, X)
    for x, a in zip(X, A):
        numeric = _central_difference(lambda x=x, a=a: pol.log_prob(x, a), pol.params)
        assert_allclose(pol.grad_log_prob(x, a), numeric, rtol=1e-6, atol=1e-7)
        numeric_h = _central_difference(lambda x=x: pol.entropy(x), pol.params)
        assert_allclose(pol.grad_entropy(x), numeric_h, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("batch", [False, True], ids=["single", "batch"])
@pytest.mark.parametrize(("d", "m", "bias"), GAUSS_SHAPES, ids=_ids(GAUSS_SHAPES))
def test_state_dependent_std_matches_reference(d, m, bias, batch):
    cpp, twin = _state_dependent(pgfast, d, m, bias, 5), _state_dependent(ref, d, m, bias, 5)
    X = _states(d)
    A = _gaussian_actions(cpp, X)
    if not batch:
        X, A = X[0], A[0]
    assert_policy_twin_equal(cpp, twin, X, A, ("mean", "entropy", "grad_entropy", "log_std_at"))
    r1, r2 = np.random.default_rng(3), np.random.default_rng(3)
    assert_twin_equal(cpp.sample(X, r1), twin.sample(X, r2))
    _assert_same_stream(r1, r2)


def test_state_dependent_std_varies_with_the_state_and_is_clamped(impl):
    pol = impl.LinearGaussian(2, 1, log_std_init=0.0, log_std_min=-3.0, log_std_max=1.0,
                              state_dependent_std=True)
    assert pol.state_dependent_std
    pol.params[3:5] = [2.0, 0.0]  # W_σ: l(s) = 2 s_0
    assert_allclose(pol.log_std_at(np.array([[0.25, 9.0], [-0.5, 0.0], [5.0, 0.0]])), [[0.5], [-1.0], [1.0]])
    g = pol.grad_log_prob(np.array([5.0, 0.0]), np.array([0.3]))
    assert_array_equal(g[3:], 0.0)  # beyond the clamp: no log-std gradient
    pol.project()  # nothing to project: the clamp acts per state
    assert pol.params[3] == 2.0
    with pytest.raises(ValueError, match=r"depends on the state"):
        _ = pol.log_std
