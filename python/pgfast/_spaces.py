"""Adapting gymnasium spaces and vector environments to the core's flat arrays."""

from __future__ import annotations

import copy
from typing import Any, Callable, Optional

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from . import features as F

# Observation spaces flattened to a Box by gymnasium.spaces.flatten.
_FLATTENED = (spaces.Tuple, spaces.Dict, spaces.MultiDiscrete, spaces.MultiBinary)

_MODES = {"NextStep": "next_step", "SameStep": "same_step", "Disabled": "disabled"}


# Arguments of gymnasium.make_vec (and pgfast.envs.make_vec) that a single env does not take.
_VECTOR_ONLY_KWARGS = frozenset(
    {"num_envs", "vectorization_mode", "vector_kwargs", "wrappers", "autoreset_mode"})


# Wrappers (gymnasium.wrappers, single or vector) that change neither what the policy sees
# nor the actions it takes: evaluation on a vector env's sub-environment leaves them out
# (its returns are the environment's own rewards), and a loaded model does not miss them.
_POLICY_BLIND = frozenset({"RecordEpisodeStatistics", "NormalizeReward", "ClipReward", "TransformReward",
                           "DictInfoToList", "RecordVideo", "HumanRendering", "RenderCollection"})


def _wrappers(env: Any) -> tuple[list[Any], Any]:
    """Return the wrappers around ``env`` (single or vector), outermost first, and the env inside."""
    out = []
    while isinstance(env, (gym.Wrapper, gym.vector.VectorWrapper)):
        out.append(env)
        env = env.env
    return out, env


def _freeze_statistics(source: Any, target: Any) -> None:
    """Give ``target`` (a NormalizeObservation) a copy of ``source``'s statistics, not updated."""
    target.obs_rms = copy.deepcopy(source.obs_rms)
    target.update_running_mean = False


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

        # A pgfast.features spec is built into a C++ map that runs inside the learner's
        # step; any other callable maps observations to vectors in Python before the core
        # sees them. feature_spec: the spec with the bounds it was built with.
        self.feature_spec: Optional[F.Spec] = None
        self.feature_map: Any = None
        if isinstance(features, F.Spec):
            self.feature_spec, features = features, None
        self.features = features
        self.n_discrete = 0
        self.flat_space: Optional[spaces.Box] = None
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
        elif isinstance(obs_space, _FLATTENED):
            # gymnasium's own flattening: Discrete parts one-hot, Box parts raveled, in
            # the space's order; the flat space is a bounded Box that feature maps bind to.
            flat_space = spaces.flatten_space(obs_space)
            assert isinstance(flat_space, spaces.Box)  # so it is for these spaces
            self.flat_space = flat_space
            self.obs_dim = int(flat_space.shape[0])
            self.obs_in = self._flatten
            batched = gym.vector.utils.batch_space(obs_space, self.n_envs)
            self.obs_in_batch = lambda b: np.stack(
                [self._flatten(o) for o in gym.vector.utils.iterate(batched, b)]
            )
        else:
            raise ValueError(
                f"observation space {obs_space} is not supported: pgfast needs Box, Discrete, "
                "Tuple, Dict, MultiDiscrete or MultiBinary observations, or a `features` "
                "callable that maps observations to vectors"
            )
        self.n_features = self.n_discrete or self.obs_dim
        if self.feature_spec is not None:
            self.feature_spec, k = F._resolve(self.feature_spec, self.flat_space or obs_space)
            self.feature_map = F.build(self.feature_spec, k)
            self.n_features = self.feature_map.n_features

        self.action_out: Optional[Callable[[Any], Any]] = None
        self.action_out_batch: Optional[Callable[[Any], Any]] = None
        self.action_low = self.action_high = np.zeros(0)  # a Box's bounds, flattened, float64
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
            # Clipped to the bounds in float64, then cast to the space's dtype, so that the
            # action is an element of the space (Box.contains refuses float64 for a
            # float32 space), as Stable-Baselines3 sends it; the fused loop (fused.hpp)
            # does the same.
            low, high, dtype = act_space.low.ravel(), act_space.high.ravel(), act_space.dtype
            self.action_low, self.action_high = low.astype(np.float64), high.astype(np.float64)
            self.action_out = lambda a: np.clip(a, low, high).astype(dtype).reshape(shape)
            self.action_out_batch = lambda a: np.clip(a, low, high).astype(dtype).reshape((-1, *shape))
        else:
            raise ValueError(
                f"action space {act_space} is not supported: pgfast needs Discrete (softmax "
                "policy) or Box (Gaussian policy) actions"
            )

    def action_center(self) -> np.ndarray:
        """Return the middle of a ``Box`` action space, per (flattened) action dimension.

        ``(low + high) / 2`` where both bounds are finite; elsewhere 0 clipped to the
        bounds (0 on ``(-inf, inf)``, ``low`` on ``[low, inf)`` with ``low > 0``). Exactly 0
        for a symmetric box. A bound of magnitude 1e10 or more counts as infinite: it is a
        stand-in for "unbounded" (``np.finfo(np.float32).max``), not a middle to start at.
        """
        low, high = self.action_low, self.action_high
        finite = (np.abs(low) < 1e10) & (np.abs(high) < 1e10)
        middle = (np.where(finite, low, 0.0) + np.where(finite, high, 0.0)) / 2  # no inf - inf
        return np.where(finite, middle, np.clip(0.0, low, high))

    def constant_sq_norm(self) -> Optional[float]:
        """Return ||x(s)||^2 when it is the same for every state, else None.

        A one-hot state (``Discrete`` observations, no feature map) has 1; tile coding
        has ``n_tilings`` (its active tiles, each 1).
        """
        if isinstance(self.feature_spec, F.TileCoding):
            return float(self.feature_spec.n_tilings)
        if self.feature_spec is None and self.features is None and self.n_discrete:
            return 1.0
        return None

    def _call_features(self, obs: Any) -> np.ndarray:
        assert self.features is not None
        out = self.features(obs)
        try:
            x = np.asarray(out, dtype=np.float64).ravel()
        except (TypeError, ValueError) as e:
            raise TypeError(f"features(obs) must return numbers, got {type(out).__name__}: {e}") from None
        if x.size == 0:
            raise ValueError("features(obs) returned an empty vector")
        if x.size != getattr(self, "obs_dim", x.size):  # obs_dim: set from the first call
            raise ValueError(f"features(obs) returned {x.size} values, but {self.obs_dim} at first")
        if not np.isfinite(x).all():
            raise ValueError(f"features(obs) returned NaN or inf for obs={obs!r}")
        return x

    def _call_features_batch(self, obs: Any) -> np.ndarray:
        return np.stack([self._call_features(o) for o in obs])

    def _flatten(self, obs: Any) -> np.ndarray:
        if not self.observation_space.contains(obs):
            raise ValueError(f"observation {obs!r} is not an element of {self.observation_space}")
        return np.asarray(spaces.flatten(self.observation_space, obs), dtype=np.float64)

    def is_single(self, obs: Any) -> bool:
        """Whether ``obs`` is one observation (True) or a batch of them (False).

        ``Discrete``: a scalar is one observation, a 1-D array a batch. ``Box`` of shape
        S: shape S is one observation, (N, *S) a batch. Other spaces: an element of the
        space is one observation, a list (or tuple) of elements a batch. Anything else is
        a ValueError saying what was expected.
        """
        space = self.observation_space
        if isinstance(space, (spaces.Discrete, spaces.Box)) and isinstance(obs, (str, bytes)):
            raise TypeError(f"obs must be numeric (an element of {space} or a batch of them), "
                            f"got {type(obs).__name__}")
        if isinstance(space, spaces.Discrete):
            nd = np.ndim(obs)
            if nd in (0, 1):
                return nd == 0
            raise ValueError(f"obs must be one state of {space} (a scalar) or a 1-D batch, got shape "
                             f"{np.shape(obs)}")
        if isinstance(space, spaces.Box):
            shape, got = tuple(space.shape), tuple(np.shape(obs))
            if got == shape:
                return True
            if len(got) == len(shape) + 1 and got[1:] == shape:
                return False
            batch = "(N" + "".join(f", {n}" for n in shape) + ")"
            raise ValueError(f"obs must have shape {shape} (one observation) or {batch} (a batch), "
                             f"got shape {got}")
        if space.contains(obs):
            return True
        if isinstance(obs, (list, tuple)) and len(obs) > 0 and all(space.contains(o) for o in obs):
            return False
        raise ValueError(f"obs must be an element of {space} or a list of them, got {obs!r}")

    def features_of(self, obs: Any, learner: Any) -> tuple[np.ndarray, bool]:
        """Feature vectors of one observation or a batch: ((N, n_features), single)."""
        single = self.is_single(obs)
        batch = [obs] if single else list(obs) if self.flat_space is not None else obs
        if self.flat_space is not None or self.features is not None:
            assert self.obs_in is not None
            batch = np.stack([self.obs_in(o) for o in batch])
        elif self.obs_in_batch is not None:
            batch = self.obs_in_batch(batch)
        return learner.encode(batch), single

    def check_fits(self, env: Any) -> None:
        """Refuse (ValueError naming ``env``) an env whose spaces the policy cannot act in.

        Observations: a Box of the same shape, a Discrete of the same n and start, or
        (Tuple, Dict, ...) an equal space; with a features callable, the callable decides.
        Actions: a Discrete of the same n and start, or a Box of the same shape (bounds may
        differ: actions are clipped to the training space's).
        """
        obs, act = env.observation_space, env.action_space

        def same(mine: Any, theirs: Any) -> bool:
            if type(mine) is not type(theirs):
                return False
            if isinstance(mine, spaces.Box):
                return bool(mine.shape == theirs.shape)
            if isinstance(mine, spaces.Discrete):
                return bool((mine.n, mine.start) == (theirs.n, theirs.start))
            return bool(mine == theirs)

        obs_fits = self.features is not None or same(self.observation_space, obs)
        if not (obs_fits and same(self.action_space, act)):
            raise ValueError(
                f"env: its spaces ({obs}, {act}) do not fit the agent's "
                f"({self.observation_space}, {self.action_space})"
            )

    def to_env_actions(self, a: Any) -> np.ndarray:
        """Policy actions (N,) or (N, action_dim) -> what the environment takes."""
        out: np.ndarray = a if self.action_out_batch is None else self.action_out_batch(a)
        return out

    def eval_env(self) -> Any:
        """Make a fresh single environment like the training one, for evaluation.

        Wrappers that keep running statistics of the observations (gymnasium's
        ``NormalizeObservation``, single or vector) get the training env's statistics,
        frozen: the policy is evaluated on the inputs it was trained on, as
        Stable-Baselines3's ``VecNormalize`` is evaluated with ``training=False``.
        """
        if not self.is_vector:
            spec = getattr(self.env, "spec", None)
            if spec is None:
                return self.env
            try:
                fresh = gym.make(spec)
            except (gym.error.Error, ValueError, TypeError) as e:  # e.g. a custom wrapper
                raise ValueError(
                    f"cannot make a fresh copy of the training environment to evaluate on ({e}); "
                    "pass env= to evaluate()"
                ) from e
            trained = [w for w in _wrappers(self.env)[0] if isinstance(w, gym.wrappers.NormalizeObservation)]
            copies = [w for w in _wrappers(fresh)[0] if isinstance(w, gym.wrappers.NormalizeObservation)]
            for source, target in zip(trained, copies):  # the same wrappers: fresh is made from the spec
                _freeze_statistics(source, target)
            return fresh
        # A vector env: one of its sub-environments made afresh -- by the factory it was
        # built from (SyncVectorEnv and AsyncVectorEnv keep them: the same wrappers and
        # arguments), else from its spec without make_vec's own arguments -- inside the
        # single-env form of the vector wrappers that change what the policy sees.
        wrappers, base = _wrappers(self.env)
        env_fns = getattr(base, "env_fns", None)
        if env_fns:
            env = env_fns[0]()
        else:
            spec = getattr(base, "spec", None)
            if spec is None:
                raise ValueError("cannot make an evaluation env for this VectorEnv (it has no spec and "
                                 "no env_fns): pass env= to evaluate()")
            kwargs = {k: v for k, v in spec.kwargs.items() if k not in _VECTOR_ONLY_KWARGS}
            env = gym.make(spec.id, **kwargs)
        for w in reversed(wrappers):  # innermost first
            if isinstance(w, gym.wrappers.vector.NormalizeObservation):
                single = gym.wrappers.NormalizeObservation(env, epsilon=w.epsilon)
                _freeze_statistics(w, single)
                env = single
            elif not (isinstance(w, gym.vector.VectorRewardWrapper) or type(w).__name__ in _POLICY_BLIND):
                env.close()
                raise ValueError(
                    f"cannot evaluate on one sub-environment of this VectorEnv: its wrapper "
                    f"{type(w).__name__} changes observations or actions and has no single-env "
                    "form here; pass env= to evaluate() (a single env wrapped the same way)"
                )
        return env
