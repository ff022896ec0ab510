"""The REINFORCE agent (:class:`pgfast.Reinforce`) on gymnasium environments.

What is shown here: CartPole-v1 is solved with the default settings; the book's
configuration learns; the C++ and NumPy backends take the same actions; runs are
reproducible; time-limit truncations bootstrap exactly as documented; callbacks,
``predict``, ``evaluate``, the progress bar and the logs behave as in
Stable-Baselines3; bad input raises a clear exception and leaves the agent usable.
Vector environments, saving and the command line have their own test files.
"""

import csv
import os
import warnings
from typing import ClassVar

import gymnasium as gym
import numpy as np
import pgfast
import pytest
from gymnasium import spaces
from numpy.testing import assert_allclose, assert_array_equal
from helpers import Counter
from pgfast import Reinforce

PARAMS_TOL = {"rtol": 1e-9, "atol": 1e-9}


# ---------------------------------------------------------------------------------
# Small environments and wrappers
# ---------------------------------------------------------------------------------
class ActionRecorder(gym.Wrapper, gym.utils.RecordConstructorArgs):
    """Records every action sent to the wrapped environment (re-creatable by gym.make)."""

    def __init__(self, env):
        gym.utils.RecordConstructorArgs.__init__(self)
        gym.Wrapper.__init__(self, env)
        self.actions = []

    def step(self, action):
        self.actions.append(np.array(action, copy=True))
        return self.env.step(action)


class Glitchy(gym.Env):
    """Episodes of 10 steps; the observation or reward of global step `at` is bad."""

    metadata: ClassVar[dict] = {"render_modes": []}

    def __init__(self, at, what="obs", value=np.nan):
        self.observation_space = spaces.Box(-np.inf, np.inf, (2,), np.float64)
        self.action_space = spaces.Discrete(2)
        self.at, self.what, self.value = at, what, value
        self.global_step = 0
        self.t = 0

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.t = 0
        return self.np_random.uniform(-1, 1, 2), {}

    def step(self, action):
        self.t += 1
        self.global_step += 1
        obs, reward = self.np_random.uniform(-1, 1, 2), float(action)
        if self.global_step == self.at:
            if self.what == "obs":
                obs[1] = self.value
            else:
                reward = self.value
        return obs, reward, False, self.t >= 10, {}


class TextObsEnv(gym.Env):
    observation_space = spaces.Text(5)
    action_space = spaces.Discrete(2)


class MultiDiscreteActionEnv(gym.Env):
    observation_space = spaces.Box(-1.0, 1.0, (2,), np.float32)
    action_space = spaces.MultiDiscrete([2, 3])


def last_mean(returns, n):
    return float(np.mean(returns[-n:]))


# ---------------------------------------------------------------------------------
# Learning
# ---------------------------------------------------------------------------------
class SolvedCheck:
    """Stops training once the greedy policy averages >= 475 over 20 episodes."""

    def __init__(self):
        self.returns = []
        self.evaluations = []

    def on_episode_end(self, agent, episode_return, episode_length):
        assert episode_return == episode_length  # CartPole: reward 1 per step
        self.returns.append(episode_return)
        if len(self.returns) >= 5 and np.mean(self.returns[-5:]) >= 475:
            mean, _ = agent.evaluate(20, seed=123)
            self.evaluations.append((agent.num_timesteps, mean))
            if mean >= 475:
                return False
        return True


@pytest.mark.parametrize("seed", [0, 1])
def test_cartpole_default_settings_solve_within_150k_steps(seed):
    agent = Reinforce("CartPole-v1", seed=seed)
    check = SolvedCheck()
    agent.learn(150_000, callback=check)
    assert check.evaluations, "the last 5 training episodes never averaged >= 475"
    steps, mean = check.evaluations[-1]
    assert mean >= 475, f"greedy mean {mean} after 150k steps (evaluations: {check.evaluations})"
    assert steps == agent.num_timesteps < 150_000
    assert agent.evaluate(20, seed=123)[0] >= 475  # the same greedy policy, re-evaluated


@pytest.mark.parametrize(("agent_cls", "env_id", "lr"),
                         [(Reinforce, "CartPole-v1", 0.01), (Reinforce, "Pendulum-v1", 0.003),
                          (pgfast.ActorCritic, "CartPole-v1", 0.001),
                          (pgfast.ActorCritic, "Pendulum-v1", 0.0003)])
def test_the_default_lr_depends_on_the_action_space(agent_cls, env_id, lr):
    agent = agent_cls(env_id)
    assert agent.config.lr == lr and agent.hyperparameters["lr"] == lr
    if agent_cls is Reinforce:
        assert agent.config.baseline_lr == 10 * lr
    else:
        assert agent.optimizer.lr == lr  # Adam's step size
    assert agent_cls(env_id, lr=0.05).config.lr == 0.05  # a given lr is kept


def _mean_return(env, policy, seed, episodes=20):
    """Mean return of ``policy(obs)`` over ``episodes`` episodes (the first reset seeded)."""
    total = 0.0
    for i in range(episodes):
        obs, _ = env.reset(seed=seed if i == 0 else None)
        done = False
        while not done:
            obs, r, term, trunc, _ = env.step(policy(obs))
            total += float(r)
            done = term or trunc
    return total / episodes


@pytest.mark.parametrize("agent_cls", [Reinforce, pgfast.ActorCritic])
def test_box_defaults_do_better_than_a_random_policy_on_pendulum(agent_cls):
    """Issue 14: a default never does worse than random (raw features, seeds 0-9, 200k steps).

    Measured: REINFORCE's defaults' greedy mean is -1190 over seeds 0-9 against the random
    policy's -1206 (with lr 0.01 it was -1267; over seeds 10-59 the paired gap is +22 +- 4.5);
    actor-critic's -1184 (with lr 0.001, -1233).
    """
    ours, rand = [], []
    for seed in range(10):
        agent = agent_cls(pgfast.envs.make("Pendulum-v1"), seed=seed)
        agent.learn(200_000)
        ours.append(agent.evaluate(20, seed=seed)[0])
        env = gym.make("Pendulum-v1")
        env.action_space.seed(seed)
        rand.append(_mean_return(env, lambda _obs, e=env: e.action_space.sample(), seed))
    assert np.mean(ours) > np.mean(rand), (np.mean(ours), np.mean(rand))


def test_book_configuration_improves_cartpole_over_random():
    """REINFORCE with baseline exactly as in the book's box (p. 330), linear policy."""
    agent = Reinforce(
        "CartPole-v1", update="per_step", discount_gradient=True, optimizer="sgd",
        baseline="linear", normalize_returns=False, lr=1e-3, baseline_lr=1e-2, seed=0,
    )
    agent.learn(30_000)
    returns = agent.history["episode_return"]
    first, last = float(np.mean(returns[:20])), last_mean(returns, 20)
    assert first < 40  # starts like the uniform random policy (mean return ~22)
    # Seed 0 reaches 25.6 -> 236.1 (x9.2); greedy evaluation ~289.
    assert last >= 3 * first and last >= 100, (first, last)
    assert np.isfinite(agent.policy.params).all() and np.isfinite(agent.baseline_params).all()


def test_discrete_observations_are_one_hot_encoded():
    agent = Reinforce("FrozenLake-v1", seed=0)
    assert agent.policy.n_features == 16 and agent.policy.n_params == 16 * 4 + 4
    agent.learn(3000)
    h = agent.history
    assert len(h["episode_return"]) > 10 and np.isfinite(agent.policy.params).all()
    action, state = agent.predict(0, deterministic=True)
    assert state is None and 0 <= int(action) < 4
    actions, _ = agent.predict(np.arange(16), deterministic=True)
    assert actions.shape == (16,)


def test_gaussian_policy_on_pendulum_clips_actions_sent_to_the_env():
    env = ActionRecorder(gym.make("Pendulum-v1"))
    # sigma = e^1.5 ~ 4.5: most samples fall outside the action box [-2, 2]
    agent = Reinforce(env, seed=0, log_std_init=1.5)
    agent.learn(2000)
    sent = np.array(env.actions)
    assert sent.shape == (2000, 1)
    assert np.all(sent >= -2.0) and np.all(sent <= 2.0)
    assert np.mean(np.abs(sent) == 2.0) > 0.3  # clipped samples really happened
    h = agent.history
    assert len(h["episode_return"]) == 10 and np.all(h["episode_length"] == 200)
    for key, values in h.items():
        if key != "update_baseline_loss":  # NaN without a baseline (documented)
            assert np.isfinite(values).all(), key
    assert np.isfinite(agent.policy.params).all()
    sample, _ = agent.predict(np.zeros(3, dtype=np.float32))
    greedy, _ = agent.predict(np.zeros(3, dtype=np.float32), deterministic=True)
    assert sample.shape == greedy.shape == (1,)
    assert -2.0 <= sample[0] <= 2.0
    batch, _ = agent.predict(np.zeros((5, 3)))
    assert batch.shape == (5, 1) and np.all(np.abs(batch) <= 2.0)
    mean, std = agent.evaluate(2, env="Pendulum-v1", seed=0)
    assert np.isfinite(mean) and std >= 0


class OneStepTarget(gym.Env):
    """One-step episodes: reward -(a - target)^2 for an action in Box(low, high)."""

    observation_space = spaces.Box(-1.0, 1.0, (1,), np.float32)

    def __init__(self, low, high, target):
        self.action_space = spaces.Box(np.float32(low), np.float32(high), (1,), np.float32)
        self.target = target

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        return np.ones(1, np.float32), {}

    def step(self, action):
        return np.ones(1, np.float32), -float((action[0] - self.target) ** 2), True, False, {}


@pytest.mark.parametrize("agent_cls", [Reinforce, pgfast.ActorCritic])
def test_a_gaussian_policy_starts_in_the_middle_of_a_box_away_from_zero(agent_cls):
    # Started at mean 0, every action on Box(150, 250) was clipped to 150, whatever the
    # sample: the same reward, nothing to learn (the mean stayed at 0, the greedy action 150)
    agent = agent_cls(OneStepTarget(150.0, 250.0, 210.0), seed=0)
    assert agent.policy.params[1] == 200.0  # W = [0], then the mean's bias b = the middle
    agent.learn(20_000)
    greedy, _ = agent.predict(np.ones(1, np.float32), deterministic=True)
    assert abs(greedy[0] - 210.0) < 5.0


@pytest.mark.parametrize(("low", "high", "bias"), [
    (-2.0, 2.0, 0.0), (-1.0, 3.0, 1.0), (-np.inf, np.inf, 0.0), (1.0, np.inf, 1.0), (-np.inf, -4.0, -4.0),
    (-np.inf, 5.0, 0.0), (0.0, np.finfo(np.float32).max, 0.0), (2.0, 1e30, 2.0), (-1e10, 3.0, 0.0),
])
def test_the_mean_bias_starts_at_the_middle_of_each_action_dimension(low, high, bias):
    env = OneStepTarget(-1.0, 1.0, 0.0)
    env.action_space = spaces.Box(np.array([low, -1.0], np.float32), np.array([high, 1.0], np.float32))
    for agent in (Reinforce(env, seed=0), pgfast.ActorCritic(env, seed=0, state_dependent_std=True)):
        params = np.asarray(agent.policy.params)
        assert_array_equal(params[2:4], [bias, 0.0])  # W (2 x 1 feature), then b
        assert_array_equal(params[:2], 0.0)


def test_a_box_much_narrower_than_the_initial_std_warns_but_not_on_load(tmp_path):
    env = OneStepTarget(-0.01, 0.01, 0.002)
    message = r"dimension 0 spans only \[-0.01, 0.01\].*log_std_init=log\(half-width\) \(here -4.61\)"
    with pytest.warns(UserWarning, match=message) as record:
        agent = Reinforce(env, seed=0)
    assert record[0].filename == __file__  # points at the user's line
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Reinforce(env, seed=0, log_std_init=-4.6)  # sigma 0.01: no warning
        agent.save(tmp_path / "m")
        Reinforce.load(tmp_path / "m", env=env)  # the file's parameters replace the initial sigma
        Reinforce(OneStepTarget(1.0, 1.0, 1.0), seed=0)  # zero width: one action, nothing to warn of


def test_gaussian_policy_with_baseline_learns_on_pendulum():
    agent = Reinforce("Pendulum-v1", seed=0, baseline="linear", update="per_episode", lr=0.05)
    agent.learn(4000)
    h = agent.history
    assert np.isfinite(h["update_baseline_loss"]).all() and np.isfinite(agent.baseline_params).all()
    assert np.isfinite(agent.policy.params).all()


# ---------------------------------------------------------------------------------
# Backends and reproducibility
# ---------------------------------------------------------------------------------
PARITY_CONFIGS = {
    "default": dict(),
    "book": dict(update="per_step", discount_gradient=True, optimizer="sgd", baseline="linear",
                 normalize_returns=False, lr=1e-3, baseline_lr=1e-2),
    "per_episode_baseline_adam": dict(update="per_episode", baseline="linear", lr=0.05),
    "batch_entropy_clip_terminal": dict(update="batch", batch_episodes=3, entropy_coef=0.01,
                                        max_grad_norm=0.5, truncation="terminal", gamma=0.95),
    "per_step_normalized_adam": dict(update="per_step", normalize_returns=True, lr=0.01),
}


def run_recorded(env_id, backend, steps, seed=3, max_episode_steps=None, **kwargs):
    env = ActionRecorder(gym.make(env_id, max_episode_steps=max_episode_steps))
    agent = Reinforce(env, seed=seed, backend=backend, **kwargs)
    agent.learn(steps)
    return agent, np.array(env.actions)


def assert_same_run(a, b, actions_a, actions_b, exact):
    if exact or not np.issubdtype(np.asarray(actions_a).dtype, np.floating):
        assert_array_equal(actions_a, actions_b)
    else:  # continuous actions inherit the ~1 ulp differences of the parameters
        assert_allclose(actions_a, actions_b, **PARAMS_TOL)
    ha, hb = a.history, b.history
    assert ha.keys() == hb.keys()
    for key in ha:
        if exact:
            assert_array_equal(ha[key], hb[key], err_msg=key)
        else:
            assert_allclose(ha[key], hb[key], **PARAMS_TOL, err_msg=key)
    compare = assert_array_equal if exact else (lambda x, y: assert_allclose(x, y, **PARAMS_TOL))
    compare(a.policy.params, b.policy.params)
    compare(a.baseline_params, b.baseline_params)
    assert a.num_timesteps == b.num_timesteps


@pytest.mark.parametrize("config", sorted(PARITY_CONFIGS))
def test_numpy_and_cpp_backends_take_identical_actions(config):
    kwargs = PARITY_CONFIGS[config]
    a, acts_a = run_recorded("CartPole-v1", "cpp", 1500, max_episode_steps=60, **kwargs)
    b, acts_b = run_recorded("CartPole-v1", "numpy", 1500, max_episode_steps=60, **kwargs)
    assert b.backend == "numpy" and type(b.policy) is not type(a.policy)
    assert len(a.history["update_grad_norm"]) > 5  # several updates happened
    assert_same_run(a, b, acts_a, acts_b, exact=False)
    # and the greedy actions and sampled evaluation stream agree afterwards
    obs = np.random.default_rng(0).normal(size=(50, 4))
    assert_array_equal(a.predict(obs, deterministic=True)[0], b.predict(obs, deterministic=True)[0])
    assert_array_equal(a.predict(obs)[0], b.predict(obs)[0])


@pytest.mark.parametrize("baseline", [None, "linear"])
def test_numpy_and_cpp_backends_agree_on_a_gaussian_policy(baseline):
    kwargs = dict(baseline=baseline, update="per_episode", lr=0.05)
    a, acts_a = run_recorded("Pendulum-v1", "cpp", 800, max_episode_steps=100, **kwargs)
    b, acts_b = run_recorded("Pendulum-v1", "numpy", 800, max_episode_steps=100, **kwargs)
    assert len(acts_a) == 800
    assert_same_run(a, b, acts_a, acts_b, exact=False)


@pytest.mark.parametrize("mode", ["NEXT_STEP", "SAME_STEP", "DISABLED"])
def test_numpy_and_cpp_backends_agree_on_vector_envs(mode):
    def run(backend):
        env = gym.make_vec(
            "CartPole-v1", num_envs=3, vectorization_mode="sync", max_episode_steps=50,
            vector_kwargs={"autoreset_mode": getattr(gym.vector.AutoresetMode, mode)},
            wrappers=[ActionRecorder],
        )
        agent = Reinforce(env, seed=5, backend=backend, baseline="linear", update="batch",
                          batch_episodes=4)
        agent.learn(1500)
        actions = np.concatenate([np.array(e.actions) for e in env.envs])
        env.close()
        return agent, actions

    (a, acts_a), (b, acts_b) = run("cpp"), run("numpy")
    assert_same_run(a, b, acts_a, acts_b, exact=False)


@pytest.mark.parametrize("backend", ["cpp", "numpy"])
@pytest.mark.parametrize("config", ["default", "book", "batch_entropy_clip_terminal"])
def test_same_seed_gives_a_bit_identical_run(config, backend):
    kwargs = PARITY_CONFIGS[config]
    steps = 4000 if backend == "cpp" else 1000
    a, acts_a = run_recorded("CartPole-v1", backend, steps, seed=11, **kwargs)
    b, acts_b = run_recorded("CartPole-v1", backend, steps, seed=11, **kwargs)
    assert_same_run(a, b, acts_a, acts_b, exact=True)
    assert a.evaluate(3, seed=0) == b.evaluate(3, seed=0)
    c, acts_c = run_recorded("CartPole-v1", backend, steps, seed=12, **kwargs)
    assert not np.array_equal(a.policy.params, c.policy.params)
    assert len(acts_a) == len(acts_c) and not np.array_equal(acts_a, acts_c)
    ha, hc = a.history, c.history
    assert len(ha["episode_return"]) != len(hc["episode_return"]) or not np.array_equal(
        ha["episode_return"], hc["episode_return"])


def test_same_seed_gives_a_bit_identical_gaussian_run():
    a, acts_a = run_recorded("Pendulum-v1", "cpp", 1000, seed=2, baseline="linear")
    b, acts_b = run_recorded("Pendulum-v1", "cpp", 1000, seed=2, baseline="linear")
    assert_same_run(a, b, acts_a, acts_b, exact=True)
    c, acts_c = run_recorded("Pendulum-v1", "cpp", 1000, seed=3, baseline="linear")
    assert not np.array_equal(acts_a, acts_c)
    assert not np.array_equal(a.policy.params, c.policy.params)


def test_seed_none_runs_are_not_identical():
    a = Reinforce("CartPole-v1").learn(1000)
    b = Reinforce("CartPole-v1").learn(1000)
    assert not np.array_equal(a.policy.params, b.policy.params)


# ---------------------------------------------------------------------------------
# Truncation: bootstrap with gamma * v(S_T), or treat the time limit as terminal
# ---------------------------------------------------------------------------------
GAMMA, T = 0.9, 3


def expected_baseline_update(w, blr, bootstrap):
    """One SGD step of the linear baseline after one Counter episode of T steps.

    x_t = [1 + t]; v(x) = w0 x + w1; returns G_t backwards from the tail
    v(S_T) = v([1 + T]) when bootstrapping, else 0; w += blr * sum_t delta_t [x_t, 1].
    """
    w = np.asarray(w, dtype=np.float64)
    tail = w[0] * (1.0 + T) + w[1] if bootstrap else 0.0
    G = np.zeros(T)
    nxt = tail
    for t in reversed(range(T)):
        G[t] = 1.0 + GAMMA * nxt
        nxt = G[t]
    x = 1.0 + np.arange(T)
    delta = G - (w[0] * x + w[1])
    return w + blr * np.array([np.sum(delta * x), np.sum(delta)]), float(np.mean(delta**2)), G


@pytest.mark.parametrize("backend", ["cpp", "numpy"])
@pytest.mark.parametrize("truncation", ["bootstrap", "terminal"])
def test_truncated_return_bootstraps_with_the_final_observation(truncation, backend):
    env = gym.wrappers.TimeLimit(Counter(), max_episode_steps=T)
    agent = Reinforce(env, optimizer="sgd", lr=1e-9, baseline="linear", baseline_lr=0.01,
                      normalize_returns=False, update="per_episode", gamma=GAMMA,
                      truncation=truncation, seed=0, backend=backend)
    w0 = np.array([0.5, 1.0])
    agent.baseline_params[:] = w0
    assert_array_equal(agent.baseline_params, w0)  # a live view
    agent.learn(T)
    h = agent.history
    assert_array_equal(h["episode_length"], [T])
    assert len(h["update_grad_norm"]) == 1
    want_w, want_loss, _ = expected_baseline_update(w0, 0.01, truncation == "bootstrap")
    assert_allclose(agent.baseline_params, want_w, rtol=1e-12, atol=1e-12)
    assert_allclose(h["update_baseline_loss"], [want_loss], rtol=1e-12)
    other, _, _ = expected_baseline_update(w0, 0.01, truncation != "bootstrap")
    assert not np.allclose(agent.baseline_params, other)


@pytest.mark.parametrize("truncation", ["bootstrap", "terminal"])
def test_without_a_baseline_truncation_is_terminal(truncation):
    """No v to bootstrap with: G_t sums the rewards of the episode only."""
    env = ActionRecorder(gym.wrappers.TimeLimit(Counter(), max_episode_steps=T))
    lr = 0.5
    agent = Reinforce(env, optimizer="sgd", lr=lr, normalize_returns=False,
                      update="per_episode", gamma=GAMMA, truncation=truncation, seed=0)
    agent.learn(T)
    _, _, G = expected_baseline_update([0.0, 0.0], 0.0, bootstrap=False)
    # theta = 0 during the episode: pi uniform; W row b gets (1[a=b] - 1/2) x, b_b the same
    grad = np.zeros(4)
    for t, a in enumerate(np.array(env.actions).astype(int)):
        coef = G[t] * (np.eye(2)[a] - 0.5)
        grad[:2] += coef * (1.0 + t)
        grad[2:] += coef
    assert_allclose(agent.policy.params, lr * grad, rtol=1e-12, atol=1e-12)


def test_core_learner_bootstraps_truncated_episodes():
    """The same check one level down, on pgfast._core.SoftmaxLearner itself."""
    core = pgfast._core
    for bootstrap in (True, False):
        policy = core.LinearSoftmax(1, 2, True)
        learner = core.SoftmaxLearner(
            policy, core.SGD(1e-12), core.SGD(0.01), n_envs=1, obs_dim=1, gamma=GAMMA,
            baseline=True, normalize_returns=False, update="per_episode",
            bootstrap_truncated=bootstrap,
        )
        w0 = np.array([-0.25, 2.0])
        learner.baseline_params[:] = w0
        rng = np.random.default_rng(0)
        learner.act1(np.array([1.0]), rng)
        for t in range(1, T + 1):
            out = learner.step1(np.array([1.0 + t]), 1.0, False, t == T, rng)
            assert (out is None) == (t == T)
        want_w, _, _ = expected_baseline_update(w0, 0.01, bootstrap)
        assert_allclose(learner.baseline_params, want_w, rtol=1e-12, atol=1e-12)


# ---------------------------------------------------------------------------------
# learn / predict / evaluate / callbacks / logging
# ---------------------------------------------------------------------------------
def test_learn_returns_self_and_continues():
    agent = Reinforce("CartPole-v1", seed=0)
    assert agent.learn(1000) is agent
    n1 = len(agent.history["episode_return"])
    assert agent.num_timesteps == 1000
    assert agent.learn(1500) is agent
    h = agent.history
    assert agent.num_timesteps == 2500 and len(h["episode_return"]) > n1
    assert np.all(np.diff(h["episode_total_timesteps"]) > 0) and h["episode_total_timesteps"][-1] <= 2500
    # unfinished episodes at the end of a call are dropped, never merged into the next
    assert h["episode_length"].sum() <= 2500 and np.all(h["episode_length"] <= 500)
    assert agent.learn(0) is agent and agent.num_timesteps == 2500


def test_callable_callback_returning_false_stops_after_that_step():
    seen = []

    def callback(agent):
        seen.append(agent.num_timesteps)
        return agent.num_timesteps < 37

    agent = Reinforce("CartPole-v1", seed=0).learn(10_000, callback=callback)
    assert agent.num_timesteps == 37 and seen == list(range(1, 38))


def test_callback_returning_none_does_not_stop():
    agent = Reinforce("CartPole-v1", seed=0).learn(500, callback=lambda agent: None)
    assert agent.num_timesteps == 500


def test_on_episode_end_returning_false_stops_after_that_episode():
    class StopAfterTwo:
        def __init__(self):
            self.episodes = []

        def on_episode_end(self, agent, episode_return, episode_length):
            self.episodes.append((episode_return, episode_length))
            return len(self.episodes) < 2

    cb = StopAfterTwo()
    agent = Reinforce("CartPole-v1", seed=0).learn(10_000, callback=cb)
    h = agent.history
    assert len(cb.episodes) == 2 and len(h["episode_return"]) == 2
    assert [(float(r), int(n)) for r, n in cb.episodes] == list(
        zip(h["episode_return"].tolist(), h["episode_length"].tolist()))
    assert agent.num_timesteps == int(h["episode_length"].sum())


def test_callback_object_with_on_step():
    class Steps:
        n = 0

        def on_step(self, agent):
            self.n += 1
            return self.n < 100

    cb = Steps()
    agent = Reinforce("CartPole-v1", seed=0).learn(1000, callback=cb)
    assert cb.n == 100 and agent.num_timesteps == 100


def test_a_list_of_callbacks_calls_each_in_order_and_stops_when_any_returns_false():
    calls = []

    class Episodes:
        def on_episode_end(self, agent, episode_return, episode_length):
            calls.append(("episode", agent.num_timesteps))

    def first(agent):
        calls.append(("first", agent.num_timesteps))
        return agent.num_timesteps < 30  # False at step 30

    def second(agent):
        calls.append(("second", agent.num_timesteps))  # still called at step 30

    agent = Reinforce("CartPole-v1", seed=0).learn(1000, callback=[first, Episodes(), second])
    assert agent.num_timesteps == 30
    steps = [c for c in calls if c[0] != "episode"]
    assert steps == [(name, t) for t in range(1, 31) for name in ("first", "second")]
    ends = [t for name, t in calls if name == "episode"]
    assert ends == agent.history["episode_total_timesteps"].tolist()


def test_a_list_of_episode_callbacks_keeps_the_fused_loop_and_its_result():
    from pgfast import envs

    seen = []

    class Count:
        def on_episode_end(self, agent, episode_return, episode_length):
            seen.append(episode_length)

    class StopAtThree:
        def on_episode_end(self, agent, episode_return, episode_length):
            return len(seen) < 3

    plain = Reinforce(envs.make("CartPole-v1"), seed=1).learn(5000, max_episodes=3)
    listed = Reinforce(envs.make("CartPole-v1"), seed=1).learn(5000, callback=(Count(), StopAtThree()))
    assert seen == plain.history["episode_length"].tolist() and len(seen) == 3
    assert np.array_equal(listed.policy.params, plain.policy.params)
    assert listed.num_timesteps == plain.num_timesteps
    empty = Reinforce(envs.make("CartPole-v1"), seed=1).learn(5000, callback=[])
    assert empty.num_timesteps == 5000


def test_a_bad_callback_in_a_list_is_refused_before_training():
    agent = Reinforce("CartPole-v1", seed=0)
    with pytest.raises(TypeError, match="callback must be callable"):
        agent.learn(100, callback=[lambda agent: None, 42])
    assert agent.num_timesteps == 0


def test_bad_callback_type():
    with pytest.raises(TypeError, match="callback must be callable"):
        Reinforce("CartPole-v1", seed=0).learn(10, callback=42)


class _StepWithoutAgent:
    def on_step(self):
        return True


class _EpisodeEndTwoArgs:
    def on_episode_end(self, agent, episode_return):
        return True


class _NotCallableHook:
    on_episode_end = 3


class _SB3Like:
    """Stands for a Stable-Baselines3 callback (its module is what is recognised)."""

    def on_step(self):
        return True


_SB3Like.__module__ = "stable_baselines3.common.callbacks"


@pytest.mark.parametrize(
    ("callback", "match"),
    [
        (lambda locals_, globals_: True,
         r"callback cannot be called as callback\(agent\): got .*<lambda>\(locals_, "),
        (lambda: True, r"callback cannot be called as callback\(agent\)"),
        (_StepWithoutAgent(), r"callback\.on_step cannot be called as on_step\(agent\): got "
                              r"_StepWithoutAgent\.on_step\(\)"),
        (_EpisodeEndTwoArgs(), r"callback\.on_episode_end cannot be called as on_episode_end\(agent, "
                               r"episode_return, episode_length\)"),
        (_NotCallableHook(),
         r"callback\.on_episode_end must be callable as on_episode_end\(agent, .*got int"),
        (_SB3Like(), r"Stable-Baselines3's callbacks \(_SB3Like\) need an SB3 model"),
    ],
    ids=["sb3-function", "no-argument", "on_step-without-agent", "on_episode_end-two-args",
         "hook-not-callable", "sb3-callback"],
)
def test_callback_of_the_wrong_form_is_refused_before_training(callback, match):
    # Stable-Baselines3 calls callback(locals, globals) and BaseCallback.on_step(): pgfast
    # says what it calls instead of failing at the first step with Python's own message.
    agent = Reinforce("CartPole-v1", seed=0)
    with pytest.raises(TypeError, match=match):
        agent.learn(100, callback=callback)
    assert agent.num_timesteps == 0


def test_callbacks_with_defaults_or_varargs_are_accepted():
    seen = []
    Reinforce("CartPole-v1", seed=0).learn(5, callback=lambda agent, *rest, extra=1: seen.append(extra))
    assert seen == [1] * 5


@pytest.mark.parametrize("where", ["on_step", "on_episode_end"])
def test_callback_exception_propagates_and_agent_stays_usable(where):
    class Boom(RuntimeError):
        pass

    class Callback:
        def __init__(self):
            self.calls = 0

        def hook(self, agent, *args):
            self.calls += 1
            if self.calls == 3:
                raise Boom("callback failed")
            return True

    cb = Callback()
    setattr(cb, where, cb.hook)
    agent = Reinforce("CartPole-v1", seed=0)
    with pytest.raises(Boom, match="callback failed"):
        agent.learn(5000, callback=cb)
    n = agent.num_timesteps
    assert 0 < n < 5000 and np.isfinite(agent.policy.params).all()
    agent.learn(2000)
    assert agent.num_timesteps == n + 2000
    h = agent.history
    assert np.all(np.diff(h["episode_total_timesteps"]) > 0) and h["episode_total_timesteps"][-1] <= n + 2000


def test_predict_single_and_batch():
    agent = Reinforce("CartPole-v1", seed=0).learn(2000)
    obs = np.array([0.01, -0.02, 0.03, 0.04], dtype=np.float32)
    action, state = agent.predict(obs)
    assert state is None and int(action) in (0, 1) and np.ndim(action) == 0
    action, state = agent.predict(obs, deterministic=True)
    assert state is None and agent.env.action_space.contains(int(action))
    batch = np.random.default_rng(0).normal(0, 0.1, (7, 4))
    actions, state = agent.predict(batch, deterministic=True)
    assert state is None and actions.shape == (7,)
    assert_array_equal(actions, [agent.predict(o, deterministic=True)[0] for o in batch])
    # greedy = argmax of the policy's probabilities
    assert_array_equal(actions, np.argmax(agent.policy.probs(batch), axis=1))


def test_predict_rejects_bad_observations():
    agent = Reinforce("CartPole-v1", seed=0)
    with pytest.raises(ValueError, match="NaN or inf"):
        agent.predict(np.array([0.0, np.nan, 0.0, 0.0]))
    with pytest.raises(ValueError, match=r"shape \(4,\) \(one observation\) or \(N, 4\)"):
        agent.predict(np.zeros(3))
    with pytest.raises(ValueError, match=r"^obs is an empty batch \(shape \(0, 4\)\)$"):
        agent.predict(np.zeros((0, 4)))
    with pytest.raises(TypeError, match=r"^obs must be numeric \(an element of Box.* got str$"):
        agent.predict("0.1")


@pytest.mark.parametrize(("obs", "shown"), [(16, "16"), (-1, "-1"), (2.5, "2.5"), (1e300, "1e\\+300")])
def test_predict_names_a_discrete_state_out_of_range_as_python_writes_it(obs, shown):
    agent = Reinforce("FrozenLake-v1", seed=0)
    with pytest.raises(IndexError, match=rf"^observation {shown} is not a state of Discrete\(16\)$"):
        agent.predict(obs)
    with pytest.raises(ValueError, match=r"^obs is an empty batch \(shape \(0,\)\)$"):
        agent.predict(np.zeros(0, np.int64))


def test_evaluate_returns_mean_and_std():
    agent = Reinforce("CartPole-v1", seed=0).learn(3000)
    result = agent.evaluate(5, seed=7)
    assert isinstance(result, tuple) and len(result) == 2
    mean, std = result
    assert isinstance(mean, float) and isinstance(std, float)
    assert 8 <= mean <= 500 and std >= 0
    assert agent.evaluate(5, seed=7) == result  # greedy + seeded: reproducible
    assert agent.num_timesteps == 3000  # evaluation is not training
    m2, _ = agent.evaluate(3, deterministic=False, env=gym.make("CartPole-v1"), seed=1)
    assert 8 <= m2 <= 500
    # sampled + seeded: reproducible too, and the predict stream is left where it was
    sampled = [agent.evaluate(10, deterministic=False, seed=1) for _ in range(2)]
    assert sampled[0] == sampled[1] != agent.evaluate(10, seed=1)
    twin = Reinforce("CartPole-v1", seed=0).learn(3000)
    obs = np.zeros((50, 4))
    assert_array_equal(agent.predict(obs)[0], twin.predict(obs)[0])
    with pytest.raises(ValueError, match="n_episodes must be >= 1"):
        agent.evaluate(0)


def test_evaluate_needs_env_when_the_training_env_cannot_be_recreated():
    class Opaque(gym.Wrapper):  # not a RecordConstructorArgs: gym.make cannot rebuild it
        pass

    agent = Reinforce(Opaque(gym.make("CartPole-v1")), seed=0)
    with pytest.raises(ValueError, match=r"cannot make a fresh copy.*pass env="):
        agent.evaluate(1)
    mean, _ = agent.evaluate(2, env="CartPole-v1", seed=0)
    assert mean >= 8


def test_a_pgfast_id_makes_the_native_env_itself_and_learns_fused():
    by_id = Reinforce("pgfast/CartPole-v1", seed=4).learn(3000)
    assert pgfast.envs.is_native(by_id.env)  # not behind gymnasium.make's wrappers
    native = Reinforce(pgfast.envs.make("CartPole-v1"), seed=4).learn(3000)
    gymnasium_env = Reinforce("CartPole-v1", seed=4).learn(3000)
    assert_array_equal(by_id.policy.params, native.policy.params)
    assert_array_equal(by_id.policy.params, gymnasium_env.policy.params)
    with pytest.raises(ValueError, match=r"^env: id: no native environment 'pgfast/LunarLander-v3'"):
        Reinforce("pgfast/LunarLander-v3")


def test_evaluate_on_a_vector_env_uses_one_of_its_own_sub_environments():
    # evaluated on a fresh sub-env, built as the training envs were: wrappers and arguments kept
    def make_short():
        return gym.wrappers.TimeLimit(gym.make("CartPole-v1"), 20)

    for vec in (gym.vector.SyncVectorEnv([make_short] * 2),  # no spec: its env_fns
                gym.vector.SyncVectorEnv([make_short] * 2, autoreset_mode=gym.vector.AutoresetMode.SAME_STEP),
                gym.make_vec("CartPole-v1", num_envs=2, vectorization_mode="sync",
                             wrappers=[lambda e: gym.wrappers.TimeLimit(e, 20)])):
        agent = Reinforce(vec, seed=0).learn(2000)
        mean, _ = agent.evaluate(4, seed=3)
        assert mean == agent.evaluate(4, seed=3, env=make_short())[0] and mean <= 20
    # no env_fns (the vector entry point): the spec's arguments, without make_vec's own
    vec = gym.make_vec("CartPole-v1", num_envs=2, vectorization_mode="vector_entry_point",
                       sutton_barto_reward=True)
    agent = Reinforce(vec, seed=0).learn(500)
    assert agent.spaces.eval_env().unwrapped._sutton_barto_reward is True
    native = Reinforce(pgfast.envs.make_vec("Pendulum-v1", 2, g=9.0), seed=0)
    assert native.spaces.eval_env().unwrapped.spec.kwargs == {"g": 9.0}


def test_evaluate_keeps_the_training_observation_statistics_frozen():
    # NormalizeObservation: the fresh evaluation env gets the training statistics, not
    # updated (a fresh wrapper would start from zero mean and unit variance)
    single = gym.wrappers.NormalizeObservation(gym.make("CartPole-v1"))
    vector = gym.wrappers.vector.NormalizeObservation(
        gym.make_vec("CartPole-v1", 2, vectorization_mode="sync"))
    for env in (single, vector):
        agent = Reinforce(env, seed=0).learn(3000)
        mean = env.obs_rms.mean.copy()
        by_hand = gym.wrappers.NormalizeObservation(gym.make("CartPole-v1"))
        by_hand.obs_rms.mean, by_hand.obs_rms.var = env.obs_rms.mean.copy(), env.obs_rms.var.copy()
        by_hand.update_running_mean = False
        assert agent.evaluate(3, seed=5) == agent.evaluate(3, seed=5, env=by_hand)
        assert_array_equal(env.obs_rms.mean, mean)  # the training statistics are untouched
        evaluated = agent.spaces.eval_env()
        assert_array_equal(evaluated.obs_rms.mean, mean) and not evaluated.update_running_mean
        assert evaluated.obs_rms is not env.obs_rms


def test_evaluate_on_a_wrapped_vector_env_keeps_only_what_the_policy_does_not_see():
    # reward and bookkeeping wrappers are left out (the returns are the env's own) ...
    for wrap in (gym.wrappers.vector.RecordEpisodeStatistics, gym.wrappers.vector.NormalizeReward,
                 lambda v: gym.wrappers.vector.ClipReward(v, 0.0, 0.5)):
        agent = Reinforce(wrap(gym.make_vec("CartPole-v1", 2, vectorization_mode="sync")), seed=0).learn(500)
        assert agent.evaluate(2, seed=1) == agent.evaluate(2, seed=1, env="CartPole-v1")
    # ... an action or observation wrapper without a single-env form here is refused
    low, high = np.float32(-1.0), np.float32(1.0)
    rescaled = gym.wrappers.vector.RescaleAction(gym.make_vec("Pendulum-v1", 2), low, high)
    agent = Reinforce(rescaled, seed=0)
    with pytest.raises(ValueError, match=r"wrapper RescaleAction changes observations or actions.*pass env="):
        agent.evaluate(1)
    single = gym.wrappers.RescaleAction(gym.make("Pendulum-v1"), low, high)
    assert np.isfinite(agent.evaluate(1, env=single, seed=0)[0])


def test_progress_bar(capsys):
    Reinforce("CartPole-v1", seed=0).learn(3000, progress_bar=True)
    err = capsys.readouterr().err
    assert "3000/3000" in err and "ep_rew_mean" in err


def test_log_dir_writes_progress_csv_and_learning_curve(tmp_path):
    log_dir = tmp_path / "logs"
    agent = Reinforce("CartPole-v1", seed=0, baseline="linear")
    agent.learn(4000, log_dir=str(log_dir))
    with open(log_dir / "progress.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows
    for key in ("rollout/ep_rew_mean", "rollout/ep_len_mean", "train/grad_norm", "time/fps",
                "time/total_timesteps"):
        assert key in rows[0], key
        assert np.isfinite(float(rows[-1][key])), key
    assert int(rows[-1]["time/total_timesteps"]) == 4000
    assert float(rows[-1]["time/fps"]) > 0
    steps = [int(r["time/total_timesteps"]) for r in rows]
    assert steps == sorted(steps)
    png = log_dir / "learning_curve.png"
    with open(png, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    # a second call appends to the same CSV (one header)
    agent.learn(1000, log_dir=str(log_dir))
    with open(log_dir / "progress.csv", newline="") as f:
        rows2 = list(csv.DictReader(f))
    assert len(rows2) > len(rows) and int(rows2[-1]["time/total_timesteps"]) == 5000
    assert os.path.getsize(png) > 0


def test_history_is_consistent():
    agent = Reinforce("CartPole-v1", seed=1, baseline="linear").learn(3000)
    h = agent.history
    n_ep = len(h["episode_return"])
    assert len(h["episode_length"]) == len(h["episode_total_timesteps"]) == n_ep > 0
    assert_array_equal(h["episode_return"], h["episode_length"])
    assert_array_equal(np.cumsum(h["episode_length"]), h["episode_total_timesteps"])  # one env, no gaps
    n_up = len(h["update_grad_norm"])
    assert {len(h[k]) for k in ("update_entropy", "update_baseline_loss", "update_total_timesteps")} == {n_up}
    assert n_up == n_ep // 2  # default: one update per 2 episodes
    assert set(h["update_total_timesteps"].tolist()) <= set(h["episode_total_timesteps"].tolist())
    assert np.all((h["update_entropy"] > 0) & (h["update_entropy"] <= np.log(2) + 1e-12))
    h["episode_return"][:] = -1  # a copy: the agent's record is unchanged
    assert np.all(agent.history["episode_return"] > 0)


def test_repr():
    r = repr(Reinforce("CartPole-v1", seed=0))
    assert "CartPole-v1" in r and "cpp" in r


# ---------------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------------
def test_unknown_env_id():
    with pytest.raises(ValueError, match="cannot make environment 'NoSuchEnv-v0'"):
        Reinforce("NoSuchEnv-v0")


def test_env_of_the_wrong_type():
    with pytest.raises(TypeError, match="env must be an environment id"):
        Reinforce(42)


def test_unsupported_observation_space():
    with pytest.raises(ValueError, match=r"observation space Text.* is not supported"):
        Reinforce(TextObsEnv())


def test_unsupported_action_space():
    with pytest.raises(ValueError, match=r"action space MultiDiscrete.* is not supported"):
        Reinforce(MultiDiscreteActionEnv())


@pytest.mark.parametrize("lr", [0.0, -1e-3, float("nan"), float("inf")])
def test_bad_lr(lr):
    with pytest.raises(ValueError, match="lr must be finite and > 0"):
        Reinforce("CartPole-v1", lr=lr)


def test_bad_lr_type_and_baseline_lr():
    with pytest.raises(TypeError, match="lr must be a number"):
        Reinforce("CartPole-v1", lr="0.1")
    with pytest.raises(ValueError, match="baseline_lr must be finite and > 0"):
        Reinforce("CartPole-v1", baseline="linear", baseline_lr=-1.0)


@pytest.mark.parametrize("gamma", [-0.01, 1.0001, 2, float("nan")])
def test_gamma_outside_unit_interval(gamma):
    with pytest.raises(ValueError, match=r"gamma must be in \[0, 1\]"):
        Reinforce("CartPole-v1", gamma=gamma)


@pytest.mark.parametrize("gamma", [0.0, 1.0])
def test_gamma_at_the_bounds_is_accepted(gamma):
    Reinforce("CartPole-v1", gamma=gamma, seed=0).learn(300)


@pytest.mark.parametrize(
    ("name", "value"),
    [("update", "per_batch"), ("optimizer", "rmsprop"), ("truncation", "bootstrapped"),
     ("backend", "jax"), ("baseline", "quadratic"), ("update", None), ("optimizer", "Adam")],
)
def test_unknown_switch_values(name, value):
    with pytest.raises(ValueError, match=rf"^{name} must be one of .*; got {value!r}"):
        Reinforce("CartPole-v1", **{name: value})


def test_other_bad_hyperparameters():
    with pytest.raises(ValueError, match="batch_episodes must be >= 1"):
        Reinforce("CartPole-v1", batch_episodes=0)
    with pytest.raises(ValueError, match="entropy_coef must be finite and >= 0"):
        Reinforce("CartPole-v1", entropy_coef=-0.1)
    with pytest.raises(ValueError, match="max_grad_norm must be finite and > 0"):
        Reinforce("CartPole-v1", max_grad_norm=0.0)
    with pytest.raises(ValueError, match="seed must be a non-negative int"):
        Reinforce("CartPole-v1", seed=-1)
    with pytest.raises(TypeError, match=r"features must be a pgfast\.features spec \(e\.g\. "
                       r"pgfast\.features\.Fourier\(3\), which the command line and the zoo write "
                       r"'fourier:3'\).* got str 'fourier:1'"):
        Reinforce("CartPole-v1", features="fourier:1")
    with pytest.raises(TypeError, match=r"or None, got int$"):
        Reinforce("CartPole-v1", features=3)


@pytest.mark.parametrize("steps", [-1, -5])
def test_negative_timesteps(steps):
    agent = Reinforce("CartPole-v1", seed=0)
    with pytest.raises(ValueError, match="total_timesteps must be >= 0"):
        agent.learn(steps)
    assert agent.num_timesteps == 0


def test_whole_float_timesteps_are_taken_as_ints_as_in_sb3():
    a = Reinforce("CartPole-v1", seed=0).learn(1e3)
    b = Reinforce("CartPole-v1", seed=0).learn(1000)
    assert a.num_timesteps == b.num_timesteps == 1000
    assert np.array_equal(a.policy.params, b.policy.params)


@pytest.mark.parametrize(("steps", "error", "message"), [
    (100.5, ValueError, "total_timesteps must be a whole number of steps, got 100.5"),
    (float("inf"), ValueError, "total_timesteps must be a whole number"),
    (float("nan"), ValueError, "total_timesteps must be a whole number"),
    (np.float32(2.5), ValueError, "total_timesteps must be a whole number"),
    (-1.0, ValueError, "total_timesteps must be >= 0, got -1"),
    ("100", TypeError, "total_timesteps must be an int"),
    (True, TypeError, "total_timesteps must be an int"),
])
def test_non_integer_timesteps(steps, error, message):
    agent = Reinforce("CartPole-v1", seed=0)
    with pytest.raises(error, match=message):
        agent.learn(steps)
    assert agent.num_timesteps == 0


@pytest.mark.parametrize("backend", ["cpp", "numpy"])
@pytest.mark.parametrize(
    ("what", "value", "message"),
    [("obs", np.nan, "observation contains NaN or inf"),
     ("obs", np.inf, "observation contains NaN or inf"),
     ("reward", np.nan, "reward contains NaN or inf"),
     ("reward", -np.inf, "reward contains NaN or inf")],
)
def test_non_finite_observation_or_reward(what, value, message, backend):
    # 4 clean episodes (with updates), then a bad value at the 3rd step of the next call
    env = Glitchy(at=43, what=what, value=value)
    agent = Reinforce(env, update="per_episode", seed=0, backend=backend, baseline="linear")
    agent.learn(40)
    assert len(agent.history["update_grad_norm"]) == 4
    before = agent.policy.params.copy(), agent.baseline_params.copy(), agent.history
    with pytest.raises(ValueError, match=rf"{message} \(at timestep 43\)"):
        agent.learn(100)
    assert agent.num_timesteps == 42
    assert np.isfinite(agent.policy.params).all()
    assert_array_equal(agent.policy.params, before[0])
    assert_array_equal(agent.baseline_params, before[1])
    for key, values in agent.history.items():
        assert_array_equal(values, before[2][key], err_msg=key)
    env.at = -1  # the environment is fixed: learning goes on
    agent.learn(100)
    assert agent.num_timesteps == 142 and np.isfinite(agent.policy.params).all()


def test_non_finite_first_observation():
    class BadReset(Glitchy):
        def reset(self, *, seed=None, options=None):
            obs, info = super().reset(seed=seed, options=options)
            obs[0] = np.nan
            return obs, info

    agent = Reinforce(BadReset(at=-1), seed=0)
    with pytest.raises(ValueError, match=r"observation contains NaN or inf \(at timestep 1\)"):
        agent.learn(10)
    assert agent.num_timesteps == 0 and not agent.policy.params.any()


@pytest.mark.parametrize("vector", [False, True])
def test_the_run_lock_changes_nothing_and_callbacks_may_use_the_generator(vector):
    """Without callbacks the C++ learner holds the Generator's lock for the whole run;
    with them it locks per step. Both draw the same stream: bit-identical runs."""
    def make():
        env = gym.make_vec("CartPole-v1", num_envs=2, vectorization_mode="sync") if vector else "CartPole-v1"
        return Reinforce(env, seed=0)

    a = make().learn(3000)
    draws = []
    b = make().learn(3000, callback=lambda agent: draws.append(agent.num_timesteps) or None)
    assert_array_equal(a.policy.params, b.policy.params)
    assert a.rng.bit_generator.state == b.rng.bit_generator.state
    assert draws[-1] == b.num_timesteps == a.num_timesteps

    def draw(agent):  # a callback drawing from the agent's own Generator must not deadlock
        agent.rng.random()

    make().learn(500, callback=draw)


class ShiftedSpaces(gym.Env):
    """Discrete(4, start=-2) observations and Discrete(2, start=5) actions."""

    observation_space = gym.spaces.Discrete(4, start=-2)
    action_space = gym.spaces.Discrete(2, start=5)

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.t = 0
        return int(self.observation_space.sample()), {}

    def step(self, action):
        assert action in (5, 6), action  # the agent shifted its action indices
        self.t += 1
        return int(self.observation_space.sample()), float(action == 6), False, self.t >= 10, {}


@pytest.mark.parametrize("backend", ["cpp", "numpy"])
def test_discrete_spaces_with_different_starts(backend):
    agent = Reinforce(ShiftedSpaces(), seed=0, backend=backend, lr=0.05).learn(3000)
    for s in (-2, -1, 0, 1):
        assert agent.predict(s, deterministic=True)[0] == 6  # action 6 pays, in every state
    with pytest.raises(IndexError, match=r"not a state of Discrete\(4\)"):
        agent.predict(2)


def test_a_default_baseline_step_size_that_overflows_is_refused_naming_baseline_lr():
    """The default baseline_lr is 10 * lr: an lr near the float maximum overflows it."""
    with pytest.raises(ValueError, match=r"baseline_lr defaults to 10 \* lr"):
        Reinforce("CartPole-v1", lr=1e308)
    assert Reinforce("CartPole-v1", lr=1e308, baseline=None).config.lr == 1e308
    assert Reinforce("CartPole-v1", lr=1e308, baseline_lr=0.1).config.baseline_lr == 0.1
