"""Sizes beyond the machine: a clear error naming the cause, never the OOM killer.

A typo such as ``Fourier(2)`` over FrozenLake's 16 one-hot inputs asks for 3^16 =
43,046,721 dense features; before these checks it allocated ~7 GB while building and
the process was killed by the operating system at the first steps of ``learn``. Dense
bases are limited to 2^20 features; a policy (with a gradient and Adam's moments) and
the episodes REINFORCE keeps are limited to ``pgfast.memory_budget()`` (half the
machine's memory by default), and so is a learner with its gradients, optimiser moments,
traces and sparse bookkeeping (TileCoding(2, 2) over the same inputs: a 344 M-parameter
policy that fitted the budget alone, and a learner that did not).
"""

import gymnasium as gym
import numpy as np
import pytest

import pgfast
from pgfast import _fused
from pgfast import features as F


@pytest.fixture
def budget():
    """Set a small memory budget for one test and restore the one before."""
    old = pgfast.memory_budget()
    yield pgfast.set_memory_budget
    pgfast.set_memory_budget(old)


def test_the_default_budget_is_half_of_a_real_memory():
    b = pgfast.memory_budget()
    assert b == float("inf") or 2**27 <= b < 2**50


def test_set_memory_budget_checks_its_argument(budget):
    with pytest.raises(ValueError, match="nbytes must be > 0"):
        pgfast.set_memory_budget(0)
    with pytest.raises(ValueError, match="nbytes must be > 0"):
        pgfast.set_memory_budget(float("nan"))
    with pytest.raises(TypeError, match="nbytes must be a number"):
        pgfast.set_memory_budget("1GB")
    budget(12345.0)
    assert pgfast.memory_budget() == 12345.0
    budget(float("inf"))
    assert pgfast.memory_budget() == float("inf")


def test_a_coupled_fourier_basis_over_many_inputs_is_refused_before_it_is_built():
    with pytest.raises(ValueError, match=r"Fourier would have 43046721 features, more than the limit of "
                                         r"1048576 for a dense basis .*coupled=False"):
        pgfast.Reinforce("FrozenLake-v1", features=F.Fourier(2))
    # the uncoupled basis of the same order is small (1 + 16 * 2 terms) and learns
    agent = pgfast.Reinforce("FrozenLake-v1", features=F.Fourier(2, coupled=False), seed=0).learn(300)
    assert agent.policy.n_features == 33 and np.isfinite(agent.policy.params).all()


@pytest.mark.parametrize(
    ("spec", "n_inputs", "count"),
    [(F.Polynomial(3), 11, 4**11), (F.Fourier(1, bounds=(0, 1), kind="full"), 20, 2 * 2**20 - 1)],
)
def test_dense_bases_past_the_limit_are_refused(spec, n_inputs, count):
    with pytest.raises(ValueError, match=rf"would have {count} features, more than the limit of 1048576"):
        F.build(spec, n_inputs)


def test_a_dense_basis_at_the_limit_is_built():
    fmap = F.build(F.Fourier(3, bounds=(0.0, 1.0)), 10)  # 4^10 = 2^20 features
    assert fmap.n_features == 2**20
    x = fmap(np.zeros(10))
    assert x.shape == (2**20,) and np.all(x == 1.0)  # cos(0) for every coefficient vector


def test_rbf_grid_past_the_limit_is_refused():
    with pytest.raises(ValueError, match=r"RBF.grid would have 1050625 centres, more than 1048576"):
        F.RBF.grid(bounds=([0.0, 0.0], [1.0, 1.0]), n_per_dim=1025)


@pytest.mark.parametrize("make", [
    lambda: pgfast.LinearSoftmax(n_features=2**20, n_actions=2**10),
    lambda: pgfast.LinearGaussian(n_features=2**20, action_dim=2**10),
])
def test_a_policy_larger_than_the_budget_is_refused_before_it_is_allocated(budget, make):
    budget(2.0**30)  # 1 GiB: the policy's 2^30 parameters need 32 GiB with Adam's moments
    with pytest.raises(ValueError, match=r"a policy of \d+ parameters .* would need about 32\.0 GiB, more "
                                         r"than pgfast's memory budget \(1\.0 GiB"):
        make()


def test_tile_coding_too_large_for_the_budget_names_the_policy(budget):
    budget(2.0**28)  # 256 MiB
    # 8 tilings x 17^6 tiles = 193 M sparse features: the policy's rows are the memory
    match = r"a policy of \d+ parameters \(n_actions 3 x n_features 193100552\)"
    with pytest.raises(ValueError, match=match):
        pgfast.Reinforce("Acrobot-v1", features=F.TileCoding(8, 16))


@pytest.mark.parametrize(("cls", "match"), [
    (pgfast.Reinforce, r"REINFORCE over 1048578 policy parameters and 524289 baseline weights \(with "
                       r"gradients, optimiser moments and sparse bookkeeping\) would need about 144\.0 MiB"),
    (pgfast.ActorCritic, r"actor-critic over 1048578 policy parameters and 524289 critic weights \(with "
                         r"1 environment's eligibility traces and optimiser state\) would need about "
                         r"120\.0 MiB"),
])
def test_a_learner_larger_than_the_budget_is_refused_though_its_policy_fits(budget, cls, match):
    # TileCoding(2, 2) over FrozenLake's 16 one-hot inputs (2 x 3^16 tiles) made a policy of
    # 344 M parameters that fitted the budget alone; the learner's gradients, optimiser
    # moments, traces and undo logs did not, and the OOM killer ended the process. Here
    # the same at a small scale: 8 x 16^4 tiles, a 64 MiB budget.
    budget(2.0**26)
    bounds = ((-2.4, -3, -0.21, -3.5), (2.4, 3, 0.21, 3.5))
    with pytest.raises(ValueError, match=match + r", more than pgfast's memory budget \(64\.0 MiB"):
        cls("pgfast/CartPole-v1", features=F.TileCoding(8, 15, bounds=bounds))
    budget(2.0**28)  # fits: builds and learns
    agent = cls("pgfast/CartPole-v1", features=F.TileCoding(8, 15, bounds=bounds), seed=0).learn(50)
    assert np.isfinite(agent.policy.params).all()


class Endless(gym.Env):
    """Two actions, reward 1, an episode that never ends (no time limit)."""

    observation_space = gym.spaces.Box(-1.0, 1.0, (4,), np.float64)
    action_space = gym.spaces.Discrete(2)

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        return np.zeros(4), {}

    def step(self, action):
        return np.full(4, 0.5), 1.0, False, False, {}


@pytest.mark.parametrize("env", [Endless(), "endless-native"], ids=["gymnasium", "native"])
def test_an_endless_episode_past_the_budget_raises_memory_error_and_keeps_the_agent(budget, env):
    if env == "endless-native":  # the fused C++ loop (GIL released), a time limit out of reach
        env = pgfast.envs.make("Pendulum-v1", max_episode_steps=10**12)
    budget(2.0**20)  # 1 MiB: some ten thousand steps of these few features
    agent = pgfast.Reinforce(env, seed=0)
    assert _fused.supported(agent, None) == isinstance(env, pgfast.envs.NativeEnv)
    before = agent.policy.params.copy()
    with pytest.raises(pgfast.MemoryLimitError, match=r"REINFORCE keeps every step of an episode until it "
                                                      r"ends, and \d+ steps .*ActorCritic") as info:
        agent.learn(1_000_000)
    assert isinstance(info.value, MemoryError)
    steps = agent.num_timesteps
    assert steps & (steps - 1) == 0 and 2**12 <= steps <= 2**15  # stopped when the buffers would double
    np.testing.assert_array_equal(agent.policy.params, before)  # no episode ended: nothing learned
    budget(float("inf"))
    agent.learn(100)  # the agent goes on (the unfinished episode was given back)
    assert agent.num_timesteps == steps + 100


def test_actor_critic_on_an_endless_episode_needs_no_memory_per_step(budget):
    budget(2.0**20)
    agent = pgfast.ActorCritic(Endless(), seed=0).learn(50_000)
    assert agent.num_timesteps == 50_000


def test_tile_coding_past_the_index_limit_says_how_many_tiles():
    match = r"TileCoding would have \d{19} tiles, more than the limit of 2\^32 - 1"
    with pytest.raises(ValueError, match=match):
        F.build(F.TileCoding(8, 1000, bounds=(0.0, 1.0)), 6)
