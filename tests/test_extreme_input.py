"""Extreme but finite input: a finite result, or a ValueError naming the function.

The rule of the public API (the C++ core behind its bindings): every input is checked
finite; a result that would still not be finite (an overflow near 1e308) is refused with
``ValueError("<function>: the result overflows (<why>)")`` — never returned as inf or
NaN — and parameters (and optimiser state) are unchanged after the error. The NumPy twin
checks nothing (what it makes of such input is NumPy's IEEE arithmetic); only its scaled
gradient norm, which is part of the math, is tested here too.
"""

import numpy as np
import pytest
from numpy.testing import assert_array_equal

import pgfast
from pgfast import reference as ref

IMPLS = [pgfast]
IDS = ["api"]
OPTIMS = [pgfast.optim]


def far_apart_softmax(impl):
    """Preferences h = (1e308, -1e308) at x = [1]: pi = (1, 0) exactly, ln pi_1 = -inf."""
    pol = impl.LinearSoftmax(n_features=1, n_actions=2, bias=False)
    pol.params = [1e308, -1e308]
    return pol


def narrow_gaussian(impl):
    pol = impl.LinearGaussian(n_features=1, action_dim=1, bias=False, log_std_init=-20.0)
    pol.params = [1.0, -20.0]
    return pol


@pytest.mark.parametrize("impl", IMPLS, ids=IDS)
def test_policy_gradient_that_overflows_raises(impl):
    pol = impl.LinearSoftmax(n_features=3, n_actions=2, bias=True)
    X = np.array([[1e300, 1.0, 1.0], [1.0, 1.0, 1.0]])
    with pytest.raises(ValueError, match=r"policy_gradient: the result overflows \(\|weights\|"):
        impl.policy_gradient(pol, X, np.array([0, 1]), np.array([1e300, 1.0]))


@pytest.mark.parametrize("impl", IMPLS, ids=IDS)
def test_gaussian_policy_gradient_that_overflows_raises(impl):
    pol = narrow_gaussian(impl)
    with pytest.raises(ValueError, match="policy_gradient: the result overflows"):
        impl.policy_gradient(pol, np.array([[0.0], [1.0]]), np.array([[1e300], [0.0]]), np.array([0.0, 1.0]))


@pytest.mark.parametrize("impl", IMPLS, ids=IDS)
@pytest.mark.parametrize("batch", [False, True], ids=["one", "batch"])
def test_gaussian_grad_log_prob_that_overflows_raises(impl, batch):
    pol = narrow_gaussian(impl)
    x, a = np.array([0.0]), np.array([1e300])
    if batch:
        x, a = np.stack([x, x]), np.stack([a, a])
    with pytest.raises(ValueError, match=r"grad_log_prob: the result overflows \(\|a - mean\|"):
        pol.grad_log_prob(x, a)


@pytest.mark.parametrize("impl", IMPLS, ids=IDS)
def test_gaussian_log_prob_that_overflows_raises(impl):
    pol = narrow_gaussian(impl)
    with pytest.raises(ValueError, match=r"log_prob: the result overflows \(\|a - mean\|"):
        pol.log_prob(np.array([0.0]), np.array([1e300]))


@pytest.mark.parametrize("impl", IMPLS, ids=IDS)
def test_gaussian_sample_that_overflows_raises(impl):
    """sigma = e^709.7 ~ 1.7e308 (allowed by log_std_max=800): sigma * eps overflows for |eps| > 1."""
    pol = impl.LinearGaussian(n_features=1, action_dim=4, bias=False, log_std_init=709.7, log_std_max=800.0)
    with pytest.raises(ValueError, match=r"sample: the result overflows .the mean or the standard deviation"):
        pol.sample(np.zeros((50, 1)), np.random.default_rng(0))  # 200 normals: some |eps| > 1.1


@pytest.mark.parametrize("impl", IMPLS, ids=IDS)
def test_softmax_log_prob_of_an_action_of_probability_zero_raises(impl):
    pol = far_apart_softmax(impl)
    assert_array_equal(pol.probs(np.array([1.0])), [1.0, 0.0])
    assert pol.log_prob(np.array([1.0]), 0) == 0.0
    with pytest.raises(ValueError, match=r"log_prob: the result overflows .the action preferences"):
        pol.log_prob(np.array([1.0]), 1)


@pytest.mark.parametrize("impl", IMPLS, ids=IDS)
def test_softmax_entropy_of_a_certain_policy_is_zero_not_nan(impl):
    pol = far_apart_softmax(impl)
    assert pol.entropy(np.array([1.0])) == 0.0
    assert_array_equal(pol.entropy(np.array([[1.0], [1.0]])), [0.0, 0.0])
    assert_array_equal(pol.grad_entropy(np.array([1.0])), [0.0, 0.0])


@pytest.mark.parametrize("optim", OPTIMS, ids=IDS)
def test_sgd_step_that_overflows_raises_and_leaves_params_unchanged(optim):
    params = np.array([1e308, 1.0])
    with pytest.raises(ValueError, match=r"step: the result overflows \(lr \* grad is too large"):
        optim.SGD(lr=1.0).step(params, np.array([1e308, 1.0]))
    assert_array_equal(params, [1e308, 1.0])


@pytest.mark.parametrize("optim", [pgfast.optim, ref], ids=["cpp", "numpy"])
def test_sgd_step_with_a_gradient_whose_squares_overflow_has_a_finite_norm(optim):
    params = np.zeros(4)
    norm = optim.SGD(lr=1e-300).step(params, np.full(4, 1e200))
    assert norm == pytest.approx(2e200, rel=1e-15)
    assert_array_equal(params, np.full(4, 1e-100))


@pytest.mark.parametrize("optim", OPTIMS, ids=IDS)
def test_gradient_norm_beyond_the_largest_float_raises(optim):
    big = np.finfo(np.float64).max
    with pytest.raises(ValueError, match=r"step: the result overflows \(the norm of grad"):
        optim.SGD(lr=1.0).step(np.zeros(2), np.array([big, big]))


@pytest.mark.parametrize("optim", OPTIMS, ids=IDS)
def test_adam_step_that_overflows_leaves_params_and_state_unchanged(optim):
    opt = optim.Adam(lr=0.1)
    params = np.array([1.0, 2.0])
    opt.step(params, np.array([1.0, -1.0]))
    before = params.copy()
    t, m, v = opt.state()
    with pytest.raises(ValueError, match="step: the result overflows"):
        opt.step(params, np.array([1e200, 1.0]))  # g^2 = 1e400 overflows v
    assert_array_equal(params, before)
    t2, m2, v2 = opt.state()
    assert t2 == t
    assert_array_equal(m2, m)
    assert_array_equal(v2, v)


@pytest.mark.parametrize("optim", OPTIMS, ids=IDS)
def test_first_adam_step_that_overflows_leaves_the_optimiser_fresh(optim):
    opt = optim.Adam(lr=0.1)
    with pytest.raises(ValueError, match="step: the result overflows"):
        opt.step(np.zeros(2), np.array([1e200, 1.0]))
    t, m, v = opt.state()
    assert (t, m.size, v.size) == (0, 0, 0)
    opt.step(np.zeros(3), np.ones(3))  # still free to size itself
    assert opt.t == 1


@pytest.mark.parametrize("impl", IMPLS, ids=IDS)
def test_discounted_returns_that_overflow_raise(impl):
    with pytest.raises(ValueError, match=r"discounted_returns: the result overflows \(\|rewards\|"):
        impl.discounted_returns(np.array([1e308, 1e308]), np.array([False, True]), gamma=1.0)


FEATURES = {
    "polynomial": (lambda: pgfast.features.Polynomial(degree=3), [1e200, -1e2]),
    "fourier": (lambda: pgfast.features.Fourier(order=2, bounds=(-1e308, 1e308)), [1e308, -1e308]),
    "rbf": (lambda: pgfast.features.RBF(centers=[[0.0, 0.0]], widths=[1e300]), [1e308, -1e308]),
}


@pytest.mark.parametrize("kind", sorted(FEATURES))
def test_feature_map_that_overflows_raises(kind):
    """The C++ map refuses what its NumPy twin (which checks nothing) would return as inf/NaN."""
    make, obs = FEATURES[kind]
    fmap = pgfast.features.build(make(), 2)
    with pytest.raises(ValueError, match=r"features: the result overflows \(\|obs\|"):
        fmap(np.array(obs))
    with pytest.raises(ValueError, match="features: the result overflows"):
        fmap(np.array([obs, obs]))


@pytest.mark.parametrize("backend", ["cpp", "numpy"])
def test_tile_coding_of_huge_observations_is_the_edge_tile(backend):
    spec = pgfast.features.TileCoding(n_tilings=4, tiles_per_dim=3, bounds=(-1.0, 1.0))
    fmap = pgfast.features.build(spec, 2, backend=backend)
    assert_array_equal(fmap.active(np.array([1e308, -1e308])), fmap.active(np.array([1.0, -1.0])))
