"""Adapting gymnasium spaces and vector environments to the core's flat arrays."""

from __future__ import annotations

from typing import Any, Callable, Optional

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from .features import FeatureMap

_MODES = {"NextStep": "next_step", "SameStep": "same_step", "Disabled": "disabled"}


class SpaceAdapter:
    """What the agent needs to know about an environment's spaces.

    Observations: ``Box`` (flattened) or ``Discrete`` (one-hot, computed in C++), or
    any space when a ``features`` callable maps observations to vectors. Actions:
    ``Discrete`` (softmax policy) or ``Box`` (Gaussian policy; samples are unclipped
    and only what is sent to the environment is clipped to the box).
    """

    def __init__(self, env: Any, features: Any) -> None:
        self.is_vector = isinstance(env, gym.vector.VectorEnv)
        self.env = env
        self.n_envs = int(env.num_envs) if self.is_vector else 1
        obs_space = env.single_observation_space if self.is_vector else env.observation_space
        act_space = env.single_action_space if self.is_vector else env.action_space
        self.observation_space, self.action_space = obs_space, act_space
        spec = getattr(env, "spec", None)
        self.env_id: Optional[str] = getattr(spec, "id", None)
        self.autoreset_mode = "next_step"
        if self.is_vector:
            mode = env.metadata.get("autoreset_mode", gym.vector.AutoresetMode.NEXT_STEP)
            self.autoreset_mode = _MODES[getattr(mode, "value", str(mode))]

        # A pgfast.features map runs in C++ inside the learner's step; any other
        # callable maps observations to vectors in Python before the core sees them.
        self.feature_map: Optional[FeatureMap] = None
        if isinstance(features, FeatureMap):
            self.feature_map, features = features, None
        self.features = features
        self.n_discrete = 0
        self.obs_in: Optional[Callable[[Any], Any]] = None
        self.obs_in_batch: Optional[Callable[[Any], Any]] = None
        if features is not None:
            x = self._call_features(obs_space.sample())
            self.obs_dim = int(x.size)
            self.obs_in = self._call_features
            self.obs_in_batch = self._call_features_batch
        elif isinstance(obs_space, spaces.Box):
            self.obs_dim = int(np.prod(obs_space.shape, dtype=np.int64))
            if self.obs_dim < 1:
                raise ValueError(f"observation space {obs_space} is empty")
        elif isinstance(obs_space, spaces.Discrete):
            self.obs_dim, self.n_discrete = 1, int(obs_space.n)
            obs_start = int(obs_space.start)
            if obs_start != 0:
                self.obs_in = lambda o: np.asarray(o, dtype=np.float64) - obs_start
                self.obs_in_batch = self.obs_in
        else:
            raise ValueError(
                f"observation space {obs_space} is not supported: pgfast needs Box or Discrete "
                "observations, or a `features` callable that maps observations to vectors"
            )
        self.n_features = self.n_discrete or self.obs_dim
        if self.feature_map is not None:
            self.feature_map = self.feature_map.bind(obs_space)
            self.n_features = self.feature_map.n_features

        self.action_out: Optional[Callable[[Any], Any]] = None
        self.action_out_batch: Optional[Callable[[Any], Any]] = None
        if isinstance(act_space, spaces.Discrete):
            self.discrete_actions = True
            self.n_actions = int(act_space.n)
            self.action_dim = 1
            act_start = int(act_space.start)
            if act_start != 0:
                self.action_out = lambda a: a + act_start
                self.action_out_batch = self.action_out
        elif isinstance(act_space, spaces.Box):
            self.discrete_actions = False
            self.n_actions = 0
            shape = act_space.shape
            self.action_dim = int(np.prod(shape, dtype=np.int64))
            low, high = act_space.low.ravel(), act_space.high.ravel()
            self.action_out = lambda a: np.clip(a, low, high).reshape(shape)
            self.action_out_batch = lambda a: np.clip(a, low, high).reshape((-1, *shape))
        else:
            raise ValueError(
                f"action space {act_space} is not supported: pgfast needs Discrete (softmax "
                "policy) or Box (Gaussian policy) actions"
            )

    def _call_features(self, obs: Any) -> np.ndarray:
        assert self.features is not None
        x = np.asarray(self.features(obs), dtype=np.float64).ravel()
        if x.size == 0:
            raise ValueError("features(obs) returned an empty vector")
        return x

    def _call_features_batch(self, obs: Any) -> np.ndarray:
        return np.stack([self._call_features(o) for o in obs])

    def is_single(self, obs: Any) -> bool:
        """Whether ``obs`` is one observation (not a batch)."""
        if isinstance(self.observation_space, spaces.Discrete):
            return bool(np.ndim(obs) == 0)
        shape = self.observation_space.shape
        return shape is not None and tuple(np.shape(obs)) == tuple(shape)

    def features_of(self, obs: Any, learner: Any) -> tuple[np.ndarray, bool]:
        """Feature vectors of one observation or a batch: ((N, n_features), single)."""
        single = self.is_single(obs)
        batch = [obs] if single else obs
        if self.obs_in_batch is not None:
            batch = self.obs_in_batch(batch)
        return learner.encode(batch), single

    def to_env_actions(self, a: Any) -> np.ndarray:
        """Policy actions (N,) or (N, action_dim) -> what the environment takes."""
        out: np.ndarray = a if self.action_out_batch is None else self.action_out_batch(a)
        return out

    def eval_env(self) -> Any:
        """Make a fresh single environment like the training one, for evaluation."""
        if not self.is_vector:
            spec = getattr(self.env, "spec", None)
            if spec is None:
                return self.env
            try:
                return gym.make(spec)
            except (gym.error.Error, ValueError, TypeError) as e:  # e.g. a custom wrapper
                raise ValueError(
                    f"cannot make a fresh copy of the training environment to evaluate on ({e}); "
                    "pass env= to evaluate()"
                ) from e
        if self.env_id is None:
            raise ValueError("cannot make an evaluation env for this VectorEnv: pass env=")
        return gym.make(self.env_id)
