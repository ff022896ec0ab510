"""Smoke subset: what must hold on every supported Python (``pytest -m smoke``).

``.ci/run`` builds the wheel on each CPython that ``requires-python`` admits and runs
this file against it (the full suite runs on one Python): the wheel imports and is the
one built for this interpreter, the C++ kernels equal their NumPy twin, a short
``learn`` is the same on both backends, a model saves and loads, and a local sweep
equals a serial one. It needs only the package and pytest (no extra).
"""

import sys
import sysconfig
from importlib.metadata import version

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

import pgfast
import pgfast.reference as ref
from pgfast import Reinforce

pytestmark = pytest.mark.smoke

TOL = {"rtol": 1e-9, "atol": 1e-12}


def test_the_installed_wheel_is_built_for_this_python():
    assert pgfast.__version__ == version("pgfast")
    assert pgfast._core.__file__.endswith(sysconfig.get_config_var("EXT_SUFFIX"))
    assert sys.version_info >= (3, 9)


def test_softmax_policy_matches_the_numpy_twin():
    rng = np.random.default_rng(0)
    cpp, twin = pgfast.LinearSoftmax(5, 3), ref.LinearSoftmax(5, 3)
    cpp.params = twin.params = rng.normal(size=cpp.n_params)
    X, A = rng.normal(size=(40, 5)), rng.integers(0, 3, 40)
    assert_allclose(cpp.probs(X), twin.probs(X), **TOL)
    assert_allclose(cpp.log_prob(X, A), twin.log_prob(X, A), **TOL)
    assert_allclose(cpp.grad_log_prob(X, A), twin.grad_log_prob(X, A), **TOL)
    assert_allclose(cpp.entropy(X), twin.entropy(X), **TOL)
    assert_array_equal(cpp.sample(X, np.random.default_rng(1)), twin.sample(X, np.random.default_rng(1)))


def test_gaussian_policy_matches_the_numpy_twin():
    rng = np.random.default_rng(2)
    cpp, twin = pgfast.LinearGaussian(4, 2), ref.LinearGaussian(4, 2)
    cpp.params = twin.params = 0.3 * rng.normal(size=cpp.n_params)
    X, A = rng.normal(size=(30, 4)), rng.normal(size=(30, 2))
    assert_allclose(cpp.log_prob(X, A), twin.log_prob(X, A), **TOL)
    assert_allclose(cpp.grad_log_prob(X, A), twin.grad_log_prob(X, A), **TOL)
    # normals come from NumPy's own generator in both: the same draws
    assert_allclose(cpp.sample(X, np.random.default_rng(3)), twin.sample(X, np.random.default_rng(3)), **TOL)


def test_returns_policy_gradient_and_adam_match_the_numpy_twin():
    rng = np.random.default_rng(4)
    rewards = rng.normal(size=50)
    terminated = np.zeros(50, dtype=bool)
    terminated[[9, 30, 49]] = True
    G = pgfast.discounted_returns(rewards, terminated, gamma=0.9)
    assert_allclose(G, ref.discounted_returns(rewards, terminated, gamma=0.9), **TOL)
    pol, twin = pgfast.LinearSoftmax(3, 2), ref.LinearSoftmax(3, 2)
    pol.params = twin.params = rng.normal(size=pol.n_params)
    X, A = rng.normal(size=(50, 3)), rng.integers(0, 2, 50)
    grad = pgfast.policy_gradient(pol, X, A, G)
    assert_allclose(grad, ref.policy_gradient(twin, X, A, G), **TOL)
    opt, opt_twin = pgfast.optim.Adam(lr=0.1), ref.Adam(lr=0.1)
    for _ in range(3):
        opt.step(pol.params, grad)
        opt_twin.step(twin.params, grad)
    assert_allclose(pol.params, twin.params, **TOL)


def test_a_short_learn_is_the_same_on_the_cpp_and_numpy_backends():
    a = Reinforce("CartPole-v1", seed=0, baseline="linear").learn(1500)
    b = Reinforce("CartPole-v1", seed=0, baseline="linear", backend="numpy").learn(1500)
    assert a.num_timesteps == b.num_timesteps == 1500
    # the same actions
    assert_array_equal(a.history["episode_total_timesteps"], b.history["episode_total_timesteps"])
    assert_allclose(a.policy.params, b.policy.params, rtol=1e-9, atol=1e-9)
    assert_allclose(a.baseline_params, b.baseline_params, rtol=1e-9, atol=1e-9)


def test_a_gaussian_agent_learns_saves_and_loads(tmp_path):
    agent = Reinforce("Pendulum-v1", seed=1, update="per_episode").learn(600)
    assert np.isfinite(agent.policy.params).all() and len(agent.history["episode_return"]) == 3
    agent.save(tmp_path / "pendulum.pgfast")
    loaded = Reinforce.load(tmp_path / "pendulum.pgfast")
    assert_array_equal(loaded.policy.params, agent.policy.params)
    assert loaded.num_timesteps == 600


def test_a_local_sweep_gives_the_serial_results():
    kwargs = {"seeds": [0, 1], "total_timesteps": 600, "eval_episodes": 2}
    local = pgfast.sweep("CartPole-v1", {}, executor="local", n_workers=2, **kwargs)
    serial = pgfast.sweep("CartPole-v1", {}, executor="serial", **kwargs)
    assert [r["params"] for r in local] == [r["params"] for r in serial]
    assert not local.errors and len(local[0]["params"]) == 10
