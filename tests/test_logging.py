"""learn(log_dir=...): TensorBoard events written while learning, rows from the new records only."""

import csv
import glob
import os

import gymnasium as gym
import numpy as np
import pytest
from numpy.testing import assert_array_equal
from pgfast import Reinforce
from pgfast.agent import _Agent
from tensorboard.backend.event_processing.event_file_loader import LegacyEventFileLoader


def scalars(log_dir, tag):
    """(step, value) of every event with ``tag`` in the event files of ``log_dir``."""
    out = []
    for path in sorted(glob.glob(os.path.join(log_dir, "events.out.tfevents.*"))):
        for event in LegacyEventFileLoader(path).Load():  # the events as written
            for v in event.summary.value:
                if v.tag == tag:
                    out.append((event.step, v.simple_value))
    return out


def test_tensorboard_events_are_readable_while_learning(tmp_path):
    seen = []

    def on_episode_end(agent, ret, length):
        if len(seen) == 0 and agent.history_since(0)["episode_return"].size >= 25:
            seen.append(len(scalars(str(tmp_path), "rollout/ep_rew")))
            return False
        return None

    agent = Reinforce("CartPole-v1", seed=0)
    agent.learn(100_000, callback=type("C", (), {"on_episode_end": staticmethod(on_episode_end)})(),
                log_dir=str(tmp_path))
    assert seen == [20]  # the rows at episodes 10 and 20 were flushed before close()


class Crash(gym.Wrapper):
    """Raises after ``at`` steps: a crash in the middle of a run."""

    def __init__(self, env, at):
        super().__init__(env)
        self.at, self.t = at, 0

    def step(self, action):
        self.t += 1
        if self.t == self.at:
            raise RuntimeError("crash")
        return self.env.step(action)


def test_a_crash_keeps_the_events_written_before_it(tmp_path):
    agent = Reinforce(Crash(gym.make("CartPole-v1"), at=3000), seed=0)
    with pytest.raises(RuntimeError, match="crash"):
        agent.learn(10_000, log_dir=str(tmp_path))
    steps = [s for s, _ in scalars(str(tmp_path), "rollout/ep_rew")]
    assert_array_equal(steps, agent.history["episode_total_timesteps"])


def test_tensorboard_holds_every_episode_and_update_at_its_step(tmp_path):
    agent = Reinforce("CartPole-v1", seed=0, baseline="linear").learn(3000, log_dir=str(tmp_path))
    agent.learn(1000, log_dir=str(tmp_path))  # a second run appends only its own records
    h = agent.history
    rew = scalars(str(tmp_path), "rollout/ep_rew")
    assert_array_equal([s for s, _ in rew], h["episode_total_timesteps"])
    assert_array_equal([v for _, v in rew], h["episode_return"].astype(np.float32))
    grad = scalars(str(tmp_path), "train/grad_norm")
    assert_array_equal([s for s, _ in grad], h["update_total_timesteps"])
    assert_array_equal([v for _, v in grad], h["update_grad_norm"].astype(np.float32))


def test_each_log_row_reads_only_the_new_records(tmp_path, monkeypatch):
    reads = []
    history_since = _Agent.history_since
    copies = []
    history = _Agent.history

    def counting_since(self, episodes=0, updates=0):
        out = history_since(self, episodes, updates)
        reads.append(len(out["episode_return"]))
        return out

    def counting_history(self):
        copies.append(1)
        return history.fget(self)

    # short episodes (a tiny lr keeps the policy near uniform): many rows
    agent = Reinforce("CartPole-v1", seed=0, lr=1e-4).learn(5000)  # a history before the logged run
    before = len(agent.history["episode_return"])
    monkeypatch.setattr(_Agent, "history_since", counting_since)
    monkeypatch.setattr(_Agent, "history", property(counting_history))
    agent.learn(5000, log_dir=str(tmp_path))
    monkeypatch.undo()
    n_run = len(agent.history["episode_return"]) - before
    with open(tmp_path / "progress.csv") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == len(reads) > 20
    assert sum(reads) == n_run  # every episode read once, by the row after it ended
    assert max(reads) <= 10  # the logging interval: a row's work does not grow with the run
    assert len(copies) == 2  # the whole history: once at the start, once for the PNG
    assert int(rows[-1]["time/episodes"]) == before + n_run
