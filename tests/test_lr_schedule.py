"""lr_schedule="linear": every step size times the fraction of the learn() call still to go.

The factor is Stable-Baselines3's progress_remaining, 1 - t / T after t of the call's T
steps. It is the C++ rollout's bookkeeping: the NumPy twin (backend="numpy") reads it and
takes its steps with the scaled step sizes, so C++ and twin stay bit-identical, and so do
the fused loop on a native env and the Python loop on gymnasium's.
"""

import csv

import gymnasium as gym
import numpy as np
import pytest

import pgfast
from pgfast import envs as native

REINFORCE = {
    "adam_batch": {"lr_schedule": "linear"},
    "sgd_per_episode": {"lr_schedule": "linear", "optimizer": "sgd", "update": "per_episode", "lr": 0.01},
    "sgd_per_step": {"lr_schedule": "linear", "optimizer": "sgd", "update": "per_step", "lr": 1e-3,
                     "baseline_lr": 1e-3},
}
ACTOR_CRITIC = {
    "adam": {"lr_schedule": "linear"},
    "sgd": {"lr_schedule": "linear", "optimizer": "sgd", "lr": 0.01, "critic_lr": 0.01},
    "sgd_average_reward_dutch": {"lr_schedule": "linear", "optimizer": "sgd", "lr": 0.01, "critic_lr": 0.01,
                                 "average_reward": True, "traces": "dutch", "entropy_coef": 0.01},
}


def assert_same(a, b):
    assert np.array_equal(a.policy.params, b.policy.params)
    value = "baseline_params" if isinstance(a, pgfast.Reinforce) else "critic_params"
    assert np.array_equal(getattr(a, value), getattr(b, value))
    for k, v in a.history.items():
        assert np.array_equal(v, b.history[k], equal_nan=True), k


class Scales:
    """Records (step, lr factor) at every episode end."""

    def __init__(self):
        self.seen = []

    def on_episode_end(self, agent, episode_return, episode_length):
        self.seen.append((agent.num_timesteps, agent._learner.lr_scale))


@pytest.mark.parametrize("env", ["gymnasium", "native"])
def test_each_update_is_scaled_by_the_fraction_of_the_call_left(env):
    make = gym.make if env == "gymnasium" else native.make
    agent = pgfast.Reinforce(make("CartPole-v1"), seed=0, update="per_episode", lr_schedule="linear")
    for total in (3000, 1000):  # each call starts the schedule over
        start, cb = agent.num_timesteps, Scales()
        agent.learn(total, callback=cb)
        assert len(cb.seen) > 5
        # one update per episode end, made after that episode's last step
        assert [f for _, f in cb.seen] == [1.0 - (t - start) / total for t, _ in cb.seen]


def test_a_constant_schedule_keeps_the_factor_at_one():
    cb = Scales()
    pgfast.Reinforce("CartPole-v1", seed=0, update="per_episode").learn(2000, callback=cb)
    assert {f for _, f in cb.seen} == {1.0}


def test_the_last_step_of_a_linear_run_changes_nothing():
    # actor-critic learns at every step; the T-th step's factor is 1 - T/T = 0
    agent = pgfast.ActorCritic("CartPole-v1", seed=1, optimizer="sgd", lr=0.01, critic_lr=0.01,
                               lr_schedule="linear")
    before = {}

    def on_step(a):
        if a.num_timesteps == 499:
            before["theta"], before["w"] = a.policy.params.copy(), a.critic_params.copy()

    agent.learn(500, callback=on_step)
    assert agent._learner.lr_scale == 0.0
    assert np.array_equal(agent.policy.params, before["theta"])
    assert np.array_equal(agent.critic_params, before["w"])
    assert not np.array_equal(before["theta"], 0.0)  # it learned before


def test_the_optimisers_keep_their_own_step_size():
    # after a run that ended with factor ~0, a step of the agent's optimiser is lr * g again
    agent = pgfast.Reinforce("CartPole-v1", seed=0, optimizer="sgd", lr=0.02, baseline_lr=0.05,
                             lr_schedule="linear").learn(2000)
    assert agent._learner.lr_scale < 0.1
    for opt, lr in ((agent.optimizer, 0.02), (agent.baseline_optimizer, 0.05)):
        params = np.zeros(3)
        opt.step(params, np.ones(3))
        assert opt.lr == lr and np.array_equal(params, np.full(3, lr))


@pytest.mark.parametrize("config", list(REINFORCE))
@pytest.mark.parametrize("env_id", ["CartPole-v1", "Pendulum-v1"])
def test_reinforce_cpp_and_twin_are_bit_identical(env_id, config):
    kwargs = REINFORCE[config]
    cpp = pgfast.Reinforce(env_id, seed=2, **kwargs).learn(3000)
    twin = pgfast.Reinforce(env_id, seed=2, backend="numpy", **kwargs).learn(3000)
    assert_same(cpp, twin)


@pytest.mark.parametrize("config", list(ACTOR_CRITIC))
@pytest.mark.parametrize("env_id", ["CartPole-v1", "Pendulum-v1"])
def test_actor_critic_cpp_and_twin_are_bit_identical(env_id, config):
    kwargs = ACTOR_CRITIC[config]
    if env_id == "Pendulum-v1" and kwargs.get("optimizer") == "sgd":
        kwargs = {**kwargs, "lr": 1e-4, "critic_lr": 1e-3}
    cpp = pgfast.ActorCritic(env_id, seed=2, **kwargs).learn(1500)
    twin = pgfast.ActorCritic(env_id, seed=2, backend="numpy", **kwargs).learn(1500)
    assert_same(cpp, twin)


@pytest.mark.parametrize("algo", ["reinforce", "actor-critic"])
@pytest.mark.parametrize("env_id", ["CartPole-v1", "MountainCarContinuous-v0"])
def test_fused_loop_is_bit_identical_to_gymnasium(env_id, algo):
    cls = pgfast.Reinforce if algo == "reinforce" else pgfast.ActorCritic
    ref = cls(gym.make(env_id), seed=4, lr_schedule="linear").learn(4000)
    fused = cls(native.make(env_id), seed=4, lr_schedule="linear").learn(4000)
    assert_same(ref, fused)
    assert fused._learner.lr_scale < 0.1  # the schedule ran: late updates were scaled down


@pytest.mark.parametrize("algo", ["reinforce", "actor-critic"])
def test_fused_vector_loop_is_bit_identical_to_a_sync_vector_env(algo):
    cls = pgfast.Reinforce if algo == "reinforce" else pgfast.ActorCritic
    ref = cls(gym.make_vec("CartPole-v1", 4, vectorization_mode="sync"), seed=5, lr_schedule="linear")
    fused = cls(native.make_vec("CartPole-v1", 4), seed=5, lr_schedule="linear")
    for steps in (3000, 1001):
        ref.learn(steps)
        fused.learn(steps)
        assert_same(ref, fused)


def test_a_linear_schedule_changes_the_run():
    a = pgfast.Reinforce("CartPole-v1", seed=0).learn(3000)
    b = pgfast.Reinforce("CartPole-v1", seed=0, lr_schedule="linear").learn(3000)
    assert not np.array_equal(a.policy.params, b.policy.params)


def test_bad_schedules_are_refused_naming_the_argument():
    with pytest.raises(ValueError, match="lr_schedule"):
        pgfast.Reinforce("CartPole-v1", lr_schedule="cosine")
    with pytest.raises(ValueError, match="lr_schedule"):
        pgfast.ActorCritic("CartPole-v1", lr_schedule="Linear ")
    with pytest.raises(ValueError, match="lr_schedule"):
        pgfast.Reinforce("CartPole-v1", lr_schedule=1)
    learner = pgfast.Reinforce("CartPole-v1")._learner
    with pytest.raises(ValueError, match="lr_schedule"):
        learner.lr_schedule = "step"
    with pytest.raises(ValueError, match="lr window"):
        learner.set_lr_window(0, -1)


def test_the_schedule_is_saved_with_the_model(tmp_path):
    agent = pgfast.ActorCritic("CartPole-v1", seed=0, lr_schedule="linear").learn(500)
    path = agent.save(tmp_path / "m")
    loaded = pgfast.ActorCritic.load(path)
    assert loaded.config.lr_schedule == "linear" and loaded._learner.lr_schedule == "linear"
    cont_a, cont_b = agent.learn(500), loaded.learn(500)
    assert_same(cont_a, cont_b)


@pytest.mark.parametrize("schedule", ["constant", "linear"])
def test_progress_csv_logs_the_step_size_of_the_last_update(tmp_path, schedule):
    agent = pgfast.Reinforce("CartPole-v1", seed=0, lr=0.02, update="per_episode", lr_schedule=schedule)
    agent.learn(5000, log_dir=str(tmp_path))
    with open(tmp_path / "progress.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    lrs = [float(r["train/learning_rate"]) for r in rows]
    assert len(lrs) > 3
    if schedule == "constant":
        assert lrs == [0.02] * len(lrs)
    else:
        assert lrs == sorted(lrs, reverse=True) and lrs[0] < 0.02 and lrs[-1] < 0.002
        last = int(rows[-1]["time/total_timesteps"])
        ends = agent.history["episode_total_timesteps"]
        assert lrs[-1] == 0.02 * (1.0 - ends[ends <= last][-1] / 5000)
