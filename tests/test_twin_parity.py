"""backend="numpy" ≡ backend="cpp", bit for bit, for both algorithms and every switch.

With ``backend="numpy"`` the C++ rollout runs the NumPy twin's update rules
(``pgfast.reference.reinforce_update``, ``pgfast.reference.actor_critic_step``) on a twin
policy that shares the C++ policy's parameters. The C++ kernels compute what the twin's
NumPy expressions compute (NumPy's pairwise sums, NumPy's exp/log), so after thousands of
steps the parameters, the baseline/critic, R̄, the traces and the whole history are equal
with ``==`` — not to a tolerance.
"""

import itertools

import numpy as np
import pytest
from numpy.testing import assert_array_equal

import pgfast
from pgfast import _core, _twin
from pgfast import reference as ref


def assert_same_run(a, b):
    assert_array_equal(a.policy.params, b.policy.params)
    for key, value in a.history.items():
        assert_array_equal(value, b.history[key], err_msg=key)
    assert a.num_timesteps == b.num_timesteps
    assert a.rng.bit_generator.state == b.rng.bit_generator.state


def pair(cls, env, steps, **kwargs):
    agents = [cls(env, backend=backend, **kwargs) for backend in ("cpp", "numpy")]
    for agent in agents:
        agent.learn(steps)
    return agents


REINFORCE = [
    dict(update=u, baseline=b, optimizer=o, **extra)
    for u, b, o, extra in itertools.product(
        ["per_step", "per_episode", "batch"],
        [None, "linear"],
        ["adam", "sgd"],
        [{}, dict(normalize_returns=False, discount_gradient=True, entropy_coef=0.01, max_grad_norm=1.0)],
    )
]


def _ids(kw):
    return "-".join(f"{k}={v}" for k, v in kw.items())


@pytest.mark.parametrize("config", REINFORCE, ids=_ids)
def test_reinforce_numpy_backend_is_bit_identical_softmax(config):
    lr = 0.05 if config["optimizer"] == "adam" else 0.005
    a, b = pair(pgfast.Reinforce, "MountainCar-v0", 5000, seed=7, lr=lr, features=pgfast.features.Fourier(3),
                **config)
    assert len(a.history["episode_return"]) >= 25
    assert_same_run(a, b)
    assert_array_equal(a.baseline_params, b.baseline_params)


@pytest.mark.parametrize("update", ["per_step", "batch"])
@pytest.mark.parametrize("state_dependent_std", [False, True])
def test_reinforce_numpy_backend_is_bit_identical_gaussian(update, state_dependent_std):
    a, b = pair(pgfast.Reinforce, "Pendulum-v1", 2000, seed=3, lr=0.01, update=update, baseline="linear",
                state_dependent_std=state_dependent_std)
    assert_same_run(a, b)
    assert_array_equal(a.baseline_params, b.baseline_params)


ACTOR_CRITIC = [
    dict(optimizer="sgd", lambda_actor=la, lambda_critic=lc, traces=tr, average_reward=avg)
    for la, lc, tr, avg in itertools.product([0.0, 0.8], [0.0, 0.9], ["accumulating", "replacing", "dutch"],
                                             [False, True])
] + [  # Adam steps (not with the dutch trace)
    dict(optimizer="adam", lambda_actor=0.8, lambda_critic=0.9, traces=tr, average_reward=avg)
    for tr, avg in itertools.product(["accumulating", "replacing"], [False, True])
]


@pytest.mark.parametrize("config", ACTOR_CRITIC, ids=_ids)
def test_actor_critic_numpy_backend_is_bit_identical_softmax(config):
    a, b = pair(pgfast.ActorCritic, "MountainCar-v0", 10_000, seed=5, lr=0.01, critic_lr=0.05,
                features=pgfast.features.Fourier(3), **config)
    assert np.any(a.critic_params)
    assert_same_run(a, b)
    assert_array_equal(a.critic_params, b.critic_params)
    assert a.average_reward == b.average_reward


@pytest.mark.parametrize("average_reward", [False, True])
@pytest.mark.parametrize(("optimizer", "traces"), [("sgd", "dutch"), ("adam", "accumulating")])
def test_actor_critic_numpy_backend_is_bit_identical_gaussian(average_reward, optimizer, traces):
    a, b = pair(pgfast.ActorCritic, "Pendulum-v1", 10_000, seed=2, lr=0.001, critic_lr=0.02,
                features=pgfast.features.Fourier(2), lambda_actor=0.7, lambda_critic=0.8, traces=traces,
                average_reward=average_reward, optimizer=optimizer)
    assert np.all(np.abs(a.policy.params) < 100)  # a run that learned, not one that diverged
    assert_same_run(a, b)
    assert_array_equal(a.critic_params, b.critic_params)
    assert a.average_reward == b.average_reward


@pytest.mark.parametrize("env", ["MountainCar-v0", "Pendulum-v1"])
def test_actor_critic_numpy_backend_is_bit_identical_with_an_entropy_bonus(env):
    a, b = pair(pgfast.ActorCritic, env, 5_000, seed=4, lr=0.003, critic_lr=0.05,
                features=pgfast.features.Fourier(2), lambda_actor=0.5, lambda_critic=0.8, entropy_coef=0.05)
    assert np.all(np.abs(a.policy.params) < 100)  # a run that learned, not one that diverged
    assert_same_run(a, b)
    assert_array_equal(a.critic_params, b.critic_params)


def test_actor_critic_traces_are_the_twins():
    """The engine's traces z_θ, z_w and I equal the twin rule's after every episode boundary."""
    cpol, tpol = pgfast.LinearSoftmax(3, 2), pgfast.LinearSoftmax(3, 2)
    config = dict(obs_dim=3, gamma=0.9, lambda_actor=0.6, lambda_critic=0.7, lr=0.05, critic_lr=0.1,
                  reward_lr=0.01, average_reward=False, traces="accumulating", trace_tolerance=1e-12)
    eng = _core.SoftmaxActorCritic(cpol, **config)
    twin, rule = _twin.actor_critic_engine(_core.SoftmaxActorCritic, tpol, **config)
    rng_c, rng_t, obs_rng = (np.random.default_rng(1) for _ in range(3))
    obs = obs_rng.normal(size=3)
    assert eng.act1(obs, rng_c) == twin.act1(obs, rng_t)
    for t in range(500):
        obs = obs_rng.normal(size=3)
        end = t % 37 == 36
        r = float(obs[0])
        assert eng.step1(obs, r, end, False, rng_c) == twin.step1(obs, r, end, False, rng_t)
        if end:
            assert eng.act1(obs, rng_c) == twin.act1(obs, rng_t)
        else:
            assert_array_equal(eng.actor_trace(), rule.states[0].z_theta)
            assert_array_equal(eng.critic_trace(), rule.states[0].z_w)
            assert eng.discount_factor() == rule.states[0].I
    assert_array_equal(cpol.params, tpol.params)
    assert_array_equal(eng.critic_params, twin.critic_params)


def test_a_refused_update_changes_nothing_in_either_backend():
    """lr so large that the first update overflows: both refuse it and keep θ and Adam's state."""
    for backend in ("cpp", "numpy"):
        agent = pgfast.Reinforce("CartPole-v1", optimizer="sgd", lr=1e308, normalize_returns=False, seed=0,
                                 backend=backend, update="per_episode", baseline=None)
        with pytest.raises(ValueError, match=r"non-finite|overflow"):
            agent.learn(500)
        assert not np.any(agent.policy.params)


def test_the_numpy_backend_policy_is_the_twin_and_shares_the_parameters():
    agent = pgfast.Reinforce("CartPole-v1", backend="numpy", seed=0)
    assert isinstance(agent.policy, ref.LinearSoftmax)
    agent.learn(1000)
    assert np.any(agent.policy.params)
    # the C++ learner acts with the same parameters: a greedy action equals the twin's
    obs = np.array([0.01, 0.2, -0.03, -0.3])
    assert agent.predict(obs, deterministic=True)[0] == agent.policy.mode(obs)


def test_the_fused_loop_is_not_used_by_the_numpy_backend():
    env = pgfast.envs.make("CartPole-v1")
    agent = pgfast.Reinforce(env, backend="numpy", seed=0)
    assert not pgfast._fused.supported(agent, None)
