"""pickle and copy: policies, native environments and agents round-trip exactly.

A user keeps the best agent of a run with ``copy.deepcopy``, sends agents to worker
processes (``multiprocessing``, ``joblib``), or copies a native environment to plan from
its state, as with gymnasium's classic-control classes. The copy must be the same object
to the bit: it acts, steps and learns exactly as the original would.
"""

import copy
import copyreg
import pickle

import gymnasium as gym
import numpy as np
import pytest
from numpy.testing import assert_array_equal

import pgfast
from pgfast import _core, _pickling
from pgfast import features as F

ENV_IDS = ["CartPole-v1", "Acrobot-v1", "MountainCar-v0", "MountainCarContinuous-v0", "Pendulum-v1"]


def roundtrips(obj):
    return [pickle.loads(pickle.dumps(obj)), copy.deepcopy(obj), copy.copy(obj)]


def test_a_softmax_policy_round_trips():
    pol = pgfast.LinearSoftmax(n_features=3, n_actions=4, bias=False)
    pol.params = np.random.default_rng(0).normal(size=pol.n_params)
    for clone in roundtrips(pol):
        assert (clone.n_features, clone.n_actions, clone.bias) == (3, 4, False)
        assert_array_equal(clone.params, pol.params)
        clone.params[0] += 1.0  # a copy, not a view of the original
        assert clone.params[0] != pol.params[0]


def test_a_gaussian_policy_round_trips():
    pol = pgfast.LinearGaussian(n_features=3, action_dim=2, log_std_min=-5.0, log_std_max=1.0,
                                state_dependent_std=True)
    pol.params = np.random.default_rng(1).normal(size=pol.n_params)
    x = np.array([0.5, -1.0, 2.0])
    for clone in roundtrips(pol):
        assert (clone.action_dim, clone.log_std_min, clone.log_std_max, clone.state_dependent_std) == (
            2, -5.0, 1.0, True)
        assert_array_equal(clone.params, pol.params)
        want = pol.sample(x, np.random.default_rng(5))
        assert clone.sample(x, np.random.default_rng(5)).tolist() == want.tolist()


def test_a_crafted_policy_state_is_refused():
    # what a pickle of a policy calls: the constructor and the params setter, which check
    _, args = copyreg.dispatch_table[_core.LinearSoftmax](pgfast.LinearSoftmax(n_features=2, n_actions=2))
    rebuild = _pickling._softmax
    assert_array_equal(rebuild(*args).params, np.zeros(6))
    with pytest.raises(ValueError, match="params contains NaN or inf"):
        rebuild(2, 2, True, np.array([np.nan, 0.0, 0.0, 0.0, 0.0, 0.0]))
    with pytest.raises(ValueError, match="params"):
        rebuild(2, 2, True, np.zeros(5))


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_every_pickle_protocol_works(protocol):
    """pybind11's own __getstate__ pair aborted the process under protocols 0 and 1."""
    pol = pgfast.LinearGaussian(n_features=2, action_dim=1)
    env = pgfast.envs.make("Acrobot-v1")
    env.reset(seed=0)
    agent = pgfast.Reinforce("pgfast/CartPole-v1", seed=0).learn(300)
    for obj in (pol, env, pgfast.optim.Adam(), pgfast.optim.SGD(0.1), agent):
        clone = pickle.loads(pickle.dumps(obj, protocol=protocol))
        assert type(clone) is type(obj)
    assert_array_equal(pickle.loads(pickle.dumps(pol, protocol=protocol)).params, pol.params)


@pytest.mark.parametrize("env_id", ENV_IDS)
@pytest.mark.parametrize("how", ["pickle", "deepcopy"])
def test_a_native_env_mid_episode_round_trips_and_steps_identically(env_id, how):
    env = pgfast.envs.make(env_id, max_episode_steps=60)
    env.reset(seed=3)
    env.action_space.seed(4)
    for _ in range(25):
        _, _, term, trunc, _ = env.step(env.action_space.sample())
        if term or trunc:
            env.reset()
    clone = pickle.loads(pickle.dumps(env)) if how == "pickle" else copy.deepcopy(env)
    assert clone is not env and clone.spec == env.spec
    assert_array_equal(clone.unwrapped.core.state, env.unwrapped.core.state)
    for _ in range(200):  # across the time limit and resets drawn from np_random
        a = env.action_space.sample()
        got, want = clone.step(a), env.step(a)
        assert_array_equal(got[0], want[0])
        assert got[1:4] == want[1:4]
        if want[2] or want[3]:
            assert_array_equal(clone.reset()[0], env.reset()[0])


def test_a_native_env_made_by_gymnasium_pickles_with_its_wrappers():
    env = gym.make("pgfast/CartPole-v1")
    env.reset(seed=0)
    clone = pickle.loads(pickle.dumps(env))
    assert_array_equal(clone.step(1)[0], env.step(1)[0])


def test_a_crafted_native_env_state_is_refused():
    restore = _core.CartPoleCore.from_snapshot  # what a pickle of a native env calls
    good = _core.CartPoleCore(False, 500).snapshot()
    assert restore(good).snapshot() == good
    with pytest.raises(ValueError, match="CartPole state must hold 8 values, got 3"):
        restore([0.0, 500.0, 0.0])
    with pytest.raises(ValueError, match="CartPole state value 3 is not finite"):
        restore([*good[:3], float("nan"), *good[4:]])
    with pytest.raises(ValueError, match="CartPole state value 2 is not an integer >= 0"):
        restore([*good[:2], -1.0, *good[3:]])
    with pytest.raises(ValueError, match="CartPole state value 0 is not 0 or 1"):
        restore([0.5, *good[1:]])
    with pytest.raises(ValueError, match="must be a list of floats"):
        restore(["a"] * 8)
    with pytest.raises(ValueError, match="not a native environment class"):
        _pickling._env_core(_core.LinearSoftmax, good)


AGENTS = {
    "reinforce-gymnasium": lambda: pgfast.Reinforce("CartPole-v1", seed=0, batch_episodes=3),
    "reinforce-native": lambda: pgfast.Reinforce("pgfast/CartPole-v1", seed=1),
    "reinforce-fourier-gaussian": lambda: pgfast.Reinforce(
        "Pendulum-v1", features=F.Fourier(2, coupled=False), seed=2),
    "actor-critic-gymnasium": lambda: pgfast.ActorCritic("Acrobot-v1", seed=3),
    "actor-critic-native-tiles": lambda: pgfast.ActorCritic(
        "pgfast/MountainCar-v0", features=F.TileCoding(4, 4), seed=4),
}


@pytest.mark.parametrize("make", AGENTS.values(), ids=AGENTS.keys())
@pytest.mark.parametrize("how", ["pickle", "deepcopy"])
def test_a_copied_agent_learns_bit_identically_to_the_original(make, how):
    agent = make().learn(2_000)
    clone = pickle.loads(pickle.dumps(agent)) if how == "pickle" else copy.deepcopy(agent)
    assert type(clone) is type(agent) and clone.hyperparameters == agent.hyperparameters
    assert clone.features == agent.features and clone.num_timesteps == agent.num_timesteps
    assert clone.env is not agent.env
    clone.learn(3_000)
    agent.learn(3_000)
    assert_array_equal(clone.policy.params, agent.policy.params)
    for key, values in agent.history.items():
        assert_array_equal(clone.history[key], values, err_msg=key)
    assert clone.evaluate(3, seed=7) == agent.evaluate(3, seed=7)


def test_a_deepcopy_is_independent_of_the_original():
    agent = pgfast.Reinforce("CartPole-v1", seed=0).learn(1_000)
    best = copy.deepcopy(agent)
    kept = best.policy.params.copy()
    agent.learn(2_000)
    assert_array_equal(best.policy.params, kept)
    assert best.num_timesteps == 1_000 and agent.num_timesteps == 3_000


def test_optimizers_round_trip_with_their_state():
    grads = np.random.default_rng(0).normal(size=(4, 3))
    adam = pgfast.optim.Adam(lr=0.1, betas=(0.8, 0.99), eps=1e-6, max_grad_norm=2.0)
    params = np.zeros(3)
    for g in grads[:2]:
        adam.step(params, g)
    for clone in roundtrips(adam):
        settings = (clone.lr, clone.betas, clone.eps, clone.max_grad_norm, clone.t)
        assert settings == (0.1, (0.8, 0.99), 1e-6, 2.0, 2)
        p1, p2 = params.copy(), params.copy()
        clone.step(p1, grads[2])
        copy.deepcopy(adam).step(p2, grads[2])
        assert_array_equal(p1, p2)
    sgd = pgfast.optim.SGD(0.5, step_size=np.array([1.0, 0.5, 0.25]), max_grad_norm=None)
    for clone in roundtrips(sgd):
        assert clone.lr == 0.5 and clone.max_grad_norm is None
        assert_array_equal(clone.step_size, [1.0, 0.5, 0.25])


@pytest.mark.parametrize("mode", ["NextStep", "SameStep"])
@pytest.mark.parametrize("env_id", ["CartPole-v1", "Pendulum-v1"])
def test_a_native_vector_env_round_trips_and_steps_identically(env_id, mode):
    env = pgfast.envs.make_vec(env_id, 3, autoreset_mode=mode, max_episode_steps=20)
    env.reset(seed=5)
    env.action_space.seed(6)
    for _ in range(19):  # some sub-environments end here and reset at the next step
        env.step(env.action_space.sample())
    for clone in roundtrips(env)[:2]:
        assert clone.core is not env.core and clone.num_envs == 3
        twin = copy.deepcopy(env)  # steps in the original's stead, keeping it for the next clone
        for _ in range(60):
            a = twin.action_space.sample()
            got, want = clone.step(a), twin.step(a)
            for g, w in zip(got[:4], want[:4]):
                assert_array_equal(g, w)
        assert_array_equal(clone.reset()[0], twin.reset()[0])


def test_an_agent_on_a_native_vector_env_deepcopies():
    agent = pgfast.Reinforce(pgfast.envs.make_vec("CartPole-v1", 4), seed=0).learn(2_000)
    clone = copy.deepcopy(agent)
    assert_array_equal(clone.learn(2_000).policy.params, agent.learn(2_000).policy.params)


def test_the_core_objects_that_do_not_pickle_refuse_under_every_protocol():
    """A learner, a built feature map, a vector core: TypeError at dumps, never an abort at loads."""
    import subprocess
    import sys

    code = """
import pickle, pgfast
from pgfast import features as F
objs = [F.build(F.Fourier(2, bounds=(0, 1)), 2), pgfast.Reinforce("CartPole-v1")._learner,
        pgfast.envs.make_vec("CartPole-v1", 2).core]
for obj in objs:
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        try:
            pickle.loads(pickle.dumps(obj, protocol=protocol))
        except TypeError as e:
            assert "pickle the agent, policy, optimiser or environment" in str(e), e
        else:
            raise AssertionError(f"{type(obj).__name__} pickled under protocol {protocol}")
print("refused")
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          check=False)
    assert proc.returncode == 0 and proc.stdout.strip() == "refused", proc.stderr
