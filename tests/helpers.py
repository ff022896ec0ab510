"""Test environments and helpers shared by several test files (``from helpers import Counter``)."""

import os
import sys
from pathlib import Path
from typing import ClassVar

import gymnasium as gym
import numpy as np
from gymnasium import spaces


class Counter(gym.Env):
    """Observation [1 + t] (t = steps since reset), reward 1, never terminates.

    With a TimeLimit of T steps every episode is T steps long and ends *truncated*
    with the final observation [1 + T], which differs from every other observation.
    """

    metadata: ClassVar[dict] = {"render_modes": []}

    def __init__(self):
        self.observation_space = spaces.Box(0.0, 100.0, (1,), np.float64)
        self.action_space = spaces.Discrete(2)
        self.t = 0

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.t = 0
        return np.array([1.0]), {}

    def step(self, action):
        assert self.action_space.contains(action)
        self.t += 1
        return np.array([1.0 + self.t]), 1.0, False, False, {}


def block_env():
    """The environment of a README or docs code block run in a shell: this Python's scripts
    first on PATH (``pgfast``, ``python``), matplotlib without a display."""
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env["MPLBACKEND"] = "Agg"
    return env
