"""Optimisers (gradient ascent): hand-computed steps, clipping, Adam state, parity."""

import math

import numpy as np
import pgfast
import pgfast.reference as ref
import pytest
from _parity import assert_twin_equal
from numpy.testing import assert_allclose, assert_array_equal

TIGHT = {"rtol": 1e-12, "atol": 1e-15}


# ---------------------------------------------------------------------------------
# SGD
# ---------------------------------------------------------------------------------


def test_sgd_hand_computed_step(optim):
    params = np.array([1.0, 2.0, 3.0])
    norm = optim.SGD(lr=0.1).step(params, np.array([0.5, -1.0, 2.0]))
    # params + 0.1 * grad  (ascent)
    assert_allclose(params, [1.05, 1.9, 3.2], rtol=1e-15)
    assert norm == pytest.approx(math.sqrt(0.25 + 1.0 + 4.0), rel=1e-15)


def test_sgd_per_parameter_step_size(optim):
    params = np.array([1.0, 2.0, 3.0])
    opt = optim.SGD(lr=0.1, step_size=[1.0, 0.5, 0.0])
    opt.step(params, np.array([0.5, -1.0, 2.0]))
    # params + 0.1 * [1, 0.5, 0] * grad
    assert_allclose(params, [1.05, 1.95, 3.0], rtol=1e-15)
    assert_array_equal(opt.step_size, [1.0, 0.5, 0.0])


def test_sgd_clips_gradient_of_norm_10_to_1(optim):
    params = np.zeros(2)
    norm = optim.SGD(lr=1.0, max_grad_norm=1.0).step(params, np.array([6.0, 8.0]))
    assert norm == 10.0  # the norm before clipping
    # c = min(1, 1 / (10 + 1e-6)): params = [6, 8] / (10 + 1e-6) = [0.59999994, 0.79999992]
    assert_allclose(params, [6.0 / (10.0 + 1e-6), 8.0 / (10.0 + 1e-6)], rtol=1e-15)
    assert np.linalg.norm(params) == pytest.approx(1.0, abs=1e-6)


def test_sgd_leaves_small_gradients_unclipped(optim):
    params = np.zeros(2)
    optim.SGD(lr=1.0, max_grad_norm=1.0).step(params, np.array([0.3, 0.4]))
    assert_array_equal(params, [0.3, 0.4])


def test_sgd_ascends_a_concave_objective(optim):
    # J(theta) = -||theta - target||^2, grad J = -2 (theta - target)
    target = np.array([1.0, -2.0, 0.5])
    theta = np.zeros(3)
    opt = optim.SGD(lr=0.1)
    for _ in range(200):
        opt.step(theta, -2.0 * (theta - target))
    assert_allclose(theta, target, atol=1e-12)


# ---------------------------------------------------------------------------------
# Adam
# ---------------------------------------------------------------------------------


def test_adam_hand_computed_two_steps(optim):
    opt = optim.Adam(lr=0.1, betas=(0.9, 0.999), eps=1e-8)
    params = np.zeros(3)

    # Step 1, g = [1, -2, 0.5]: m = 0.1 g, v = 0.001 g^2, so m_hat = g, v_hat = g^2 and
    # the step is 0.1 * g / (|g| + 1e-8): almost 0.1 * sign(g).
    opt.step(params, np.array([1.0, -2.0, 0.5]))
    step1 = 0.1 * np.array([1.0 / (1.0 + 1e-8), -2.0 / (2.0 + 1e-8), 0.5 / (0.5 + 1e-8)])
    assert_allclose(params, step1, rtol=1e-14)
    t, m, v = opt.state()
    assert t == 1
    assert_allclose(m, [0.1, -0.2, 0.05], rtol=1e-15)
    assert_allclose(v, [0.001, 0.004, 0.00025], rtol=1e-14)

    # Step 2, g = [1, 1, 1]:
    #   m = 0.9 m + 0.1 g          = [0.19, -0.08, 0.145]
    #   v = 0.999 v + 0.001 g^2    = [0.001999, 0.004996, 0.00124975]
    #   bias corrections 1 - 0.9^2 = 0.19 and 1 - 0.999^2 = 0.001999
    opt.step(params, np.ones(3))
    m_hat = np.array([0.19, -0.08, 0.145]) / 0.19
    v_hat = np.array([0.001999, 0.004996, 0.00124975]) / 0.001999
    step2 = 0.1 * m_hat / (np.sqrt(v_hat) + 1e-8)
    assert_allclose(params, step1 + step2, rtol=1e-12)
    t, m, v = opt.state()
    assert t == opt.t == 2
    assert_allclose(m, [0.19, -0.08, 0.145], rtol=1e-14)
    assert_allclose(v, [0.001999, 0.004996, 0.00124975], rtol=1e-13)


def test_adam_clips_before_the_moments(optim):
    opt = optim.Adam(lr=0.1, max_grad_norm=1.0)
    norm = opt.step(np.zeros(2), np.array([6.0, 8.0]))
    assert norm == 10.0
    _, m, _ = opt.state()
    # m = (1 - 0.9) * c * g with c = 1 / (10 + 1e-6)
    assert_allclose(m, 0.1 * np.array([6.0, 8.0]) / (10.0 + 1e-6), rtol=1e-14)


def test_adam_state_round_trip(optim):
    rng = np.random.default_rng(0)
    grads = rng.normal(size=(5, 4))
    a = optim.Adam(lr=0.05, betas=(0.8, 0.99), eps=1e-6)
    params_a = rng.normal(size=4)
    for g in grads[:3]:
        a.step(params_a, g)

    t, m, v = a.state()
    b = optim.Adam(lr=0.05, betas=(0.8, 0.99), eps=1e-6)
    b.set_state(t, m, v)
    assert b.t == 3
    params_b = params_a.copy()
    for g in grads[3:]:
        a.step(params_a, g)
        b.step(params_b, g)
    assert_array_equal(params_a, params_b)
    for x, y in zip(a.state(), b.state()):
        assert_array_equal(x, y)


def test_adam_state_is_a_copy(optim):
    opt = optim.Adam()
    opt.step(np.zeros(2), np.ones(2))
    _, m, _ = opt.state()
    m[:] = 123.0
    assert_allclose(opt.state()[1], [0.1, 0.1], rtol=1e-15)


def test_adam_fresh_state(optim):
    t, m, v = optim.Adam().state()
    assert t == 0
    assert m.shape == v.shape == (0,)


def test_adam_ascends_a_concave_objective(optim):
    target = np.array([1.0, -2.0, 0.5])
    theta = np.zeros(3)
    opt = optim.Adam(lr=0.05)
    for _ in range(2000):
        opt.step(theta, -2.0 * (theta - target))
    assert_allclose(theta, target, atol=1e-3)


def test_optimiser_properties(optim):
    sgd = optim.SGD(lr=0.5)
    assert sgd.lr == 0.5
    assert sgd.max_grad_norm is None
    assert sgd.step_size is None
    sgd.lr = 0.25
    assert sgd.lr == 0.25
    adam = optim.Adam(lr=0.01, betas=(0.5, 0.6), eps=1e-4, max_grad_norm=2.0)
    assert (adam.lr, adam.betas, adam.eps, adam.max_grad_norm) == (0.01, (0.5, 0.6), 1e-4, 2.0)


def test_step_updates_policy_params_in_place(cpp_optim):
    pol = pgfast.LinearSoftmax(2, 2)
    cpp_optim.SGD(lr=1.0).step(pol.params, np.arange(pol.n_params, dtype=float))
    assert_array_equal(pol.params, np.arange(pol.n_params, dtype=float))
    assert pol.probs(np.zeros(2))[1] > 0.5


# ---------------------------------------------------------------------------------
# Parity with pgfast.reference
# ---------------------------------------------------------------------------------


@pytest.mark.parametrize("max_grad_norm", [None, 1.0])
def test_sgd_matches_reference(cpp_optim, max_grad_norm):
    rng = np.random.default_rng(1)
    step_size = rng.uniform(0.0, 2.0, 6)
    cpp = cpp_optim.SGD(0.05, step_size=step_size, max_grad_norm=max_grad_norm)
    twin = ref.SGD(0.05, step_size=step_size, max_grad_norm=max_grad_norm)
    p_cpp = rng.normal(size=6)
    p_ref = p_cpp.copy()
    for _ in range(25):
        g = rng.normal(size=6)
        assert_twin_equal(cpp.step(p_cpp, g), twin.step(p_ref, g))
    assert_twin_equal(p_cpp, p_ref)


@pytest.mark.parametrize("max_grad_norm", [None, 1.0])
def test_adam_matches_reference(cpp_optim, max_grad_norm):
    rng = np.random.default_rng(2)
    cpp = cpp_optim.Adam(0.01, betas=(0.85, 0.995), max_grad_norm=max_grad_norm)
    twin = ref.Adam(0.01, betas=(0.85, 0.995), max_grad_norm=max_grad_norm)
    p_cpp = rng.normal(size=6)
    p_ref = p_cpp.copy()
    for _ in range(25):
        g = 2.0 * rng.normal(size=6)
        assert_twin_equal(cpp.step(p_cpp, g), twin.step(p_ref, g))
    assert_twin_equal(p_cpp, p_ref)
    for x, y in zip(cpp.state(), twin.state()):
        assert_twin_equal(x, y)


@pytest.mark.parametrize("lr", [1e-3, 1e-12, 0.5])
def test_adam_matches_reference_through_subnormal_moments(cpp_optim, lr):
    """Entries whose gradient stays 0 decay their first moment into the subnormals (one-hot
    states in actor-critic's per-step Adam). The core keeps theta_i there when the step
    provably rounds away; the bits must stay the reference's: theta of every size (0,
    subnormal, tiny, order 1), moments from the smallest subnormal up, signed zeros."""
    tiny = np.finfo(float).tiny
    params = np.array([0.0, -0.0, 5e-324, 1e-310, 1e-290, 1e-200, 1e-20, 0.3, -2.0, 1e5] * 4)
    m0 = np.repeat([5e-324, -3e-320, 1e-310, 0.9 * tiny], 10)
    v0 = np.repeat([0.0, 1e-320, 1e-8, 2.0], 10)
    cpp = cpp_optim.Adam(lr)
    twin = ref.Adam(lr)
    for opt in (cpp, twin):
        opt.set_state(37, m0, v0)
    p_cpp, p_ref = params.copy(), params.copy()
    g = np.zeros(params.size)
    g[::7] = 1e-3  # a few entries do get a gradient
    for _ in range(400):  # the subnormal moments decay to 0 on the way
        cpp.step(p_cpp, g)
        twin.step(p_ref, g)
        g = np.where(g != 0, -g, 0.0)
        assert_twin_equal(p_cpp, p_ref)
        np.testing.assert_array_equal(p_cpp.view(np.int64), p_ref.view(np.int64))  # signed zeros too
    for x, y in zip(cpp.state()[1:], twin.state()[1:]):
        np.testing.assert_array_equal(np.asarray(x).view(np.int64), np.asarray(y).view(np.int64))
