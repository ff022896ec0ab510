"""Textbook examples with known optima (Sutton & Barto, 2nd ed., ch. 13)."""

import math

import gymnasium as gym
import numpy as np
import pytest

import pgfast


class ShortCorridor(gym.Env):
    """Example 13.1: the short corridor with switched actions.

    Three non-terminal states that all look the same to the agent (one constant
    observation); in the second state the actions are reversed. Reward -1 per step.
    With a policy that picks "right" with probability p, the best p is 2 - sqrt(2)
    (about 0.586), worth v(S) of about -11.66 (the book's -11.6).
    """

    observation_space = gym.spaces.Discrete(1)
    action_space = gym.spaces.Discrete(2)  # 0: left, 1: right

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.s = 0
        return 0, {}

    def step(self, action):
        right = int(action) == 1
        if self.s == 1:
            right = not right
        self.s = max(0, self.s + (1 if right else -1))
        return 0, -1.0, self.s == 3, False, {}


P_OPT = 2 - math.sqrt(2)


def value_of(p):
    """v(S) of the corridor's start under P(right) = p, from the Bellman equations."""
    # v0 = -1 + p v1 + (1-p) v0;  v1 = -1 + p v0 + (1-p) v2;  v2 = -1 + (1-p) v1
    A = np.array([[p, -p, 0.0], [-p, 1.0, -(1 - p)], [0.0, -(1 - p), 1.0]])
    return float(np.linalg.solve(A, -np.ones(3))[0])


def corridor_run(seed, **kwargs):
    env = gym.wrappers.TimeLimit(ShortCorridor(), 1000)
    agent = pgfast.Reinforce(env, optimizer="sgd", gamma=1.0, update="per_step", discount_gradient=True,
                             normalize_returns=False, seed=seed, **kwargs)
    agent.learn(60_000)
    p_right = float(agent.policy.probs(np.array([1.0]))[1])
    return p_right, float(agent.history["episode_return"][-200:].mean())


def test_the_corridor_optimum_is_two_minus_root_two():
    ps = np.linspace(0.01, 0.99, 981)
    values = [value_of(p) for p in ps]
    assert abs(ps[int(np.argmax(values))] - P_OPT) < 1e-3
    assert value_of(P_OPT) == pytest.approx(-11.657, abs=1e-3)


@pytest.mark.parametrize(
    "kwargs",
    [dict(lr=2**-13), dict(lr=2**-9, baseline="linear", baseline_lr=2**-6)],
    ids=["reinforce", "with_baseline"],
)
def test_reinforce_finds_the_short_corridor_optimum(kwargs):
    """Figs. 13.1 and 13.2: REINFORCE (with and without baseline) approaches p* and v*."""
    runs = [corridor_run(seed, **kwargs) for seed in range(3)]
    p_mean = np.mean([p for p, _ in runs])
    ret_mean = np.mean([r for _, r in runs])
    assert abs(p_mean - P_OPT) < 0.04, runs
    assert ret_mean > value_of(P_OPT) - 1.0, runs


class Bandit(gym.Env):
    """A k-armed bandit (S&B §2.1) as one-step episodes: reward q*(a) + N(0, 1)."""

    observation_space = gym.spaces.Discrete(1)

    def __init__(self, q):
        self.q = np.asarray(q, dtype=float)
        self.action_space = gym.spaces.Discrete(len(self.q))

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        return 0, {}

    def step(self, action):
        return 0, float(self.q[int(action)] + self.np_random.normal()), True, False, {}


@pytest.mark.parametrize(
    "kwargs",
    [dict(update="per_episode"), dict(update="per_step"), dict(batch_episodes=1), dict(),
     dict(update="per_episode", optimizer="sgd", lr=0.1, baseline_lr=0.1, normalize_returns=False)],
    ids=["per_episode", "per_step", "batch_of_1", "defaults", "gradient_bandit"],
)
def test_reinforce_learns_the_best_arm_of_a_bandit_from_one_step_episodes(kwargs):
    """One-step episodes (the gradient bandit, §2.8): an update of one step must move.

    Standardising a single weight would make it 0 for ever; pgfast leaves it as it is.
    """
    q = np.array([0.2, -0.8, 1.5, 0.4, -0.3, 0.9, 0.0, -1.2, 0.6, 0.3])  # best arm 2, gap 0.6
    for seed in range(3):
        agent = pgfast.Reinforce(Bandit(q), seed=seed, **kwargs).learn(4000)
        p = agent.policy.probs(np.array([1.0]))
        assert p.argmax() == 2 and p @ q > 1.3, (seed, p.round(3))
        twin = pgfast.Reinforce(Bandit(q), seed=seed, backend="numpy", **kwargs).learn(4000)
        np.testing.assert_array_equal(agent.policy.params, twin.policy.params)
