"""Discounted returns (S&B eq. 3.9) and the batch policy gradient (eqs. 13.8, 13.11)."""

import numpy as np
import pgfast
import pgfast.reference as ref
import pytest
from _parity import assert_twin_equal
from numpy.testing import assert_allclose, assert_array_equal

GAMMAS = [0.0, 0.5, 0.99, 1.0]
TIGHT = {"rtol": 1e-12, "atol": 1e-12}


def naive_returns(rewards, terminated, truncated, gamma, bootstrap):
    """G_t as an explicit forward sum, one environment (column) at a time.

    G_t = Σ_{k=t}^{end} γ^{k-t} r_k + γ^{end-t+1} v_end, where `end` is the first step
    ≥ t that ends the episode (terminated, truncated, or the last row of the buffer),
    and v_end is 0 for a termination and the bootstrap value (or 0) otherwise.
    """
    r = np.asarray(rewards, float)
    flat = r.ndim == 1
    r = r.reshape(r.shape[0], -1)
    term = np.asarray(terminated, bool).reshape(r.shape)
    trunc = np.zeros(r.shape, bool) if truncated is None else np.asarray(truncated, bool).reshape(r.shape)
    boot = np.zeros(r.shape) if bootstrap is None else np.asarray(bootstrap, float).reshape(r.shape)
    T, n = r.shape
    out = np.zeros(r.shape)
    for e in range(n):
        for t in range(T):
            total, k = 0.0, t
            while True:
                total += gamma ** (k - t) * r[k, e]
                if term[k, e] or trunc[k, e] or k == T - 1:
                    break
                k += 1
            tail = 0.0 if term[k, e] else boot[k, e]
            out[t, e] = total + gamma ** (k - t + 1) * tail
    return out.reshape(-1) if flat else out


def random_buffer(seed, T, n_envs=None, p_term=0.1, p_trunc=0.05):
    rng = np.random.default_rng(seed)
    shape = (T,) if n_envs is None else (T, n_envs)
    rewards = rng.normal(size=shape)
    terminated = rng.random(shape) < p_term
    truncated = rng.random(shape) < p_trunc
    bootstrap = rng.normal(size=shape) * 3
    return rewards, terminated, truncated, bootstrap


LAYOUTS = [(1, None), (2, None), (30, None), (1, 1), (25, 3), (40, 4), (3, 8)]


@pytest.mark.parametrize("with_truncated", [False, True], ids=["terminated-only", "with-truncated"])
@pytest.mark.parametrize("with_bootstrap", [False, True], ids=["no-bootstrap", "bootstrap"])
@pytest.mark.parametrize("gamma", GAMMAS)
@pytest.mark.parametrize(("T", "n_envs"), LAYOUTS, ids=[f"T{T}-n{n}" for T, n in LAYOUTS])
def test_returns_match_naive_loop(impl, T, n_envs, gamma, with_bootstrap, with_truncated):
    rewards, terminated, truncated, bootstrap = random_buffer(T * 7 + (n_envs or 0), T, n_envs)
    trunc = truncated if with_truncated else None
    boot = bootstrap if with_bootstrap else None
    got = impl.discounted_returns(rewards, terminated, trunc, gamma=gamma, bootstrap=boot)
    assert got.shape == rewards.shape
    assert got.dtype == np.float64
    assert_allclose(got, naive_returns(rewards, terminated, trunc, gamma, boot), rtol=1e-11, atol=1e-11)


@pytest.mark.parametrize("gamma", GAMMAS)
@pytest.mark.parametrize("seed", range(4))
def test_returns_match_reference(gamma, seed):
    rewards, terminated, truncated, bootstrap = random_buffer(seed, 50, 3, p_term=0.2, p_trunc=0.2)
    args = (rewards, terminated, truncated)
    assert_twin_equal(
        pgfast.discounted_returns(*args, gamma=gamma, bootstrap=bootstrap),
        ref.discounted_returns(*args, gamma=gamma, bootstrap=bootstrap),
    )


def test_hand_computed_single_episode():
    # G_2 = 3, G_1 = 2 + 0.5 * 3 = 3.5, G_0 = 1 + 0.5 * 3.5 = 2.75
    got = pgfast.discounted_returns([1.0, 2.0, 3.0], [False, False, True], gamma=0.5)
    assert_array_equal(got, [2.75, 3.5, 3.0])


def test_terminated_restarts_the_recursion():
    got = pgfast.discounted_returns([1.0, 1.0, 1.0, 1.0], [0, 1, 0, 1], gamma=1.0)
    assert_array_equal(got, [2.0, 1.0, 2.0, 1.0])


def test_truncation_bootstraps_only_when_a_value_is_given():
    rewards, term, trunc = [1.0, 1.0, 1.0], [0, 0, 0], [0, 1, 0]
    boot = [100.0, 10.0, 20.0]  # boot[0] is never read: step 0 does not end an episode
    # Without bootstrap values a truncation is treated as terminal.
    assert_array_equal(pgfast.discounted_returns(rewards, term, trunc, gamma=0.5), [1.5, 1.0, 1.0])
    assert_array_equal(
        pgfast.discounted_returns(rewards, term, trunc, gamma=0.5, bootstrap=boot),
        [1.0 + 0.5 * 6.0, 6.0, 11.0],
    )


def test_terminated_wins_over_truncated():
    got = pgfast.discounted_returns([1.0], [True], [True], gamma=0.9, bootstrap=[50.0])
    assert_array_equal(got, [1.0])


def test_unfinished_last_step_is_bootstrapped():
    got = pgfast.discounted_returns([1.0, 1.0], [False, False], gamma=0.5, bootstrap=[7.0, 4.0])
    assert_array_equal(got, [1.0 + 0.5 * 3.0, 3.0])


def test_environments_are_independent_columns():
    rewards, terminated, truncated, bootstrap = random_buffer(5, 20, 3, p_term=0.2, p_trunc=0.2)
    together = pgfast.discounted_returns(rewards, terminated, truncated, gamma=0.9, bootstrap=bootstrap)
    for e in range(3):
        alone = pgfast.discounted_returns(
            rewards[:, e], terminated[:, e], truncated[:, e], gamma=0.9, bootstrap=bootstrap[:, e]
        )
        assert_array_equal(together[:, e], alone)


def test_flat_buffer_equals_single_column():
    rewards, terminated, truncated, bootstrap = random_buffer(6, 30)
    flat = pgfast.discounted_returns(rewards, terminated, truncated, gamma=0.99, bootstrap=bootstrap)
    column = pgfast.discounted_returns(
        rewards[:, None], terminated[:, None], truncated[:, None], gamma=0.99, bootstrap=bootstrap[:, None]
    )
    assert_array_equal(flat, column[:, 0])


def test_flags_accept_integers_and_lists():
    as_bool = pgfast.discounted_returns([1.0, 2.0], np.array([True, False]), gamma=0.5)
    as_int = pgfast.discounted_returns([1, 2], [1, 0], gamma=0.5)
    assert_array_equal(as_bool, as_int)


def test_empty_buffer_gives_empty_returns(impl):
    assert impl.discounted_returns(np.zeros(0), np.zeros(0, bool), gamma=0.9).shape == (0,)
    assert impl.discounted_returns(np.zeros((0, 3)), np.zeros((0, 3), bool), gamma=0.9).shape == (0, 3)


# ---------------------------------------------------------------------------------
# policy_gradient
# ---------------------------------------------------------------------------------


def _softmax_pair(d, k, bias, seed):
    params = 0.5 * np.random.default_rng(seed).standard_normal(k * d + (k if bias else 0))
    cpp, twin = pgfast.LinearSoftmax(d, k, bias), ref.LinearSoftmax(d, k, bias)
    cpp.params, twin.params = params, params
    return cpp, twin


def _gaussian_pair(d, m, bias, seed):
    params = 0.5 * np.random.default_rng(seed).standard_normal(m * d + (m if bias else 0) + m)
    cpp, twin = pgfast.LinearGaussian(d, m, bias), ref.LinearGaussian(d, m, bias)
    cpp.params, twin.params = params, params
    return cpp, twin


@pytest.mark.parametrize(("d", "k", "bias"), [(1, 1, True), (3, 2, False), (4, 5, True)])
def test_softmax_policy_gradient_matches_reference_and_weighted_eligibilities(d, k, bias):
    cpp, twin = _softmax_pair(d, k, bias, seed=d * k)
    rng = np.random.default_rng(1)
    X, A, w = rng.normal(size=(64, d)), rng.integers(0, k, 64), rng.normal(size=64)
    got = pgfast.policy_gradient(cpp, X, A, w)
    assert got.shape == (cpp.n_params,)
    assert_twin_equal(got, ref.policy_gradient(twin, X, A, w))
    assert_allclose(got, w @ cpp.grad_log_prob(X, A), **TIGHT)


@pytest.mark.parametrize(("d", "m", "bias"), [(1, 1, True), (3, 2, False), (4, 3, True)])
def test_gaussian_policy_gradient_matches_reference_and_weighted_eligibilities(d, m, bias):
    cpp, twin = _gaussian_pair(d, m, bias, seed=d * m)
    rng = np.random.default_rng(2)
    X, A, w = rng.normal(size=(64, d)), rng.normal(size=(64, m)), rng.normal(size=64)
    got = pgfast.policy_gradient(cpp, X, A, w)
    assert got.shape == (cpp.n_params,)
    assert_twin_equal(got, ref.policy_gradient(twin, X, A, w))
    assert_allclose(got, w @ cpp.grad_log_prob(X, A), **TIGHT)


def test_reinforce_with_baseline_weights():
    # S&B eq. 13.11: the weights are G_t - v(S_t); the kernel is linear in the weights.
    cpp, _ = _softmax_pair(3, 3, True, seed=4)
    rng = np.random.default_rng(3)
    X, A = rng.normal(size=(20, 3)), rng.integers(0, 3, 20)
    G, baseline = rng.normal(size=20), rng.normal(size=20)
    full = pgfast.policy_gradient(cpp, X, A, G)
    part = pgfast.policy_gradient(cpp, X, A, baseline)
    assert_allclose(pgfast.policy_gradient(cpp, X, A, G - baseline), full - part, **TIGHT)


def test_zero_weights_give_zero_gradient():
    cpp, _ = _softmax_pair(2, 3, True, seed=5)
    g = pgfast.policy_gradient(cpp, np.ones((4, 2)), [0, 1, 2, 0], np.zeros(4))
    assert_array_equal(g, np.zeros(cpp.n_params))
