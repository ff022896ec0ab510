"""REINFORCE over gymnasium environments with a Stable-Baselines3-shaped API.

The algorithm is Sutton & Barto's REINFORCE (2nd ed., box p. 328) and REINFORCE with
baseline (eq. 13.11, box p. 330) over a linear policy: a softmax over actions for a
``Discrete`` action space (§13.1) and a Gaussian for a ``Box`` action space (§13.7).
Every choice that textbooks and libraries make differently is an explicit switch of
:class:`Reinforce`. The per-step work (features, sampling, the rollout buffer, every
update) runs in the C++ core; this module only moves data between gymnasium and it.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import functools
import inspect
import os
import warnings
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, Callable, Optional, TypeVar, Union, cast

import gymnasium as gym
import numpy as np

from . import _core, _fused, _twin, reference
from . import _validate as V
from . import features as F
from ._spaces import SpaceAdapter
from ._validate import ReinforceConfig

if TYPE_CHECKING:
    from os import PathLike
    from pathlib import Path

__all__ = ["Reinforce"]

# learn() warns when this many steps passed without a single episode end.
_NO_EPISODE_WARNING = 10_000
# evaluate() cuts an episode after this many steps when the environment has no time limit.
_EVAL_STEP_CAP = 10_000

Callback = Union[Callable[["Reinforce"], Optional[bool]], Any]

_BACKENDS = ("cpp", "numpy")
_RC = ReinforceConfig  # its class attributes are Reinforce's defaults


def _make_env(env: Any, **kwargs: Any) -> gym.Env[Any, Any] | gym.vector.VectorEnv[Any, Any, Any]:
    """Return ``env``, or the environment an id names (made with ``kwargs``)."""
    if isinstance(env, str) and env.startswith("pgfast/"):
        # pgfast's native env itself, as pgfast.sweep and the CLI make it: without the
        # wrappers gymnasium.make adds (the same env, its own time limit), learn runs fused.
        from . import envs as native

        try:
            return native.make(env, **kwargs)
        except ValueError as e:
            raise ValueError(f"env: {e}") from e
    if isinstance(env, str):
        try:
            return gym.make(env, **kwargs)
        except gym.error.Error as e:  # unknown id, missing dependency, ...
            raise ValueError(f"env: cannot make environment {env!r}: {e}") from e
    if isinstance(env, (gym.Env, gym.vector.VectorEnv)):
        return env
    raise TypeError(
        "env must be an environment id, a gymnasium.Env or a gymnasium.vector.VectorEnv, "
        f"got {type(env).__name__}"
    )


_A = TypeVar("_A", bound="_Agent")


class NarrowActionsWarning(UserWarning):
    """A ``Box`` action space much narrower than the Gaussian policy's initial σ (not on load)."""


def _gaussian_policy(sp: SpaceAdapter, log_std_init: float, state_dependent_std: bool) -> Any:
    """Return the Gaussian policy (S&B §13.7) of an agent on a ``Box`` action space.

    θ_μ starts at 0 and the mean's bias at the middle of the box
    (:meth:`SpaceAdapter.action_center`; 0 for a symmetric box such as Pendulum's), the
    log-std at ``log_std_init``. Started at 0 on, say, ``Box(150, 250)``, every action
    would be clipped to the bound 150, its reward the same whatever the sample, and the
    gradient estimate would see nothing to follow. Warns when σ = exp(log_std_init) is
    over ten times a dimension's half-width: nearly every sample is then clipped to a
    bound (not for a zero-width dimension, whose one action there is nothing to learn about).
    """
    policy = _core.LinearGaussian(sp.n_features, sp.action_dim, True, log_std_init, -20.0, 2.0,
                                  state_dependent_std)
    m, d = sp.action_dim, sp.n_features
    np.asarray(policy.params)[m * d : m * d + m] = sp.action_center()  # the mean's bias b
    half = (sp.action_high - sp.action_low) / 2
    narrow = np.flatnonzero(np.isfinite(half) & (half > 0) & (half * 10 < np.exp(log_std_init)))
    if narrow.size:
        j = int(narrow[0])
        warnings.warn(
            f"the action space's dimension {j} spans only [{sp.action_low[j]:g}, {sp.action_high[j]:g}], "
            f"while the Gaussian policy starts with standard deviation exp(log_std_init) = "
            f"{np.exp(log_std_init):g}: nearly every sampled action is clipped to a bound, which "
            f"leaves little to learn from. Pass log_std_init=log(half-width) (here "
            f"{np.log(half[j]):.3g}) or rescale the actions to [-1, 1] with "
            "gymnasium.wrappers.RescaleAction",
            NarrowActionsWarning,
            stacklevel=_outside_pgfast(),
        )
    return policy


def _outside_pgfast() -> int:
    """``stacklevel`` for a warning issued by this helper's caller: the first frame outside pgfast."""
    package, level = os.path.dirname(os.path.abspath(__file__)) + os.sep, 0
    frame = inspect.currentframe()
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(package):
        frame, level = frame.f_back, level + 1
    return level


class _Agent:
    """What every pgfast agent shares, whatever its update rule.

    The environment and its spaces, the random generators, the learning loop over
    gymnasium (single or vector envs, every autoreset mode) driving the C++ per-step
    engine, acting and evaluation.

    A subclass builds ``self.policy`` and ``self._learner`` (an engine with the per-step
    API of the bindings' ``bind_steps``) in ``_build``.
    """

    # REINFORCE learns from finished episodes only (learn() warns when none ends).
    _learns_from_episodes = True
    policy: Any
    _learner: Any

    config: Any  # the frozen hyper-parameter dataclass (ReinforceConfig, ActorCriticConfig)
    # The state key of the value function's weights (REINFORCE's baseline, the critic).
    _value_key = "baseline_params"

    def _init_agent(self, env: Any, features: Any, seed: Any, backend: Any) -> None:
        """Check the arguments that are not hyper-parameters, then build the agent."""
        seed = V.seed("seed", seed)
        backend = V.choice("backend", backend, _BACKENDS)
        if features is not None and not (isinstance(features, F.Spec) or callable(features)):
            got = f"str {features!r}" if isinstance(features, str) else type(features).__name__
            raise TypeError(
                "features must be a pgfast.features spec (e.g. pgfast.features.Fourier(3), which the "
                "command line and the zoo write 'fourier:3'), a callable (obs -> 1-D array) or None, "
                f"got {got}"
            )
        self._setup(env, features, seed, backend)
        # an lr of None becomes the action space's default (the config's for_actions)
        self.config = self.config.for_actions(self.spaces.discrete_actions)
        self._build()
        self._learner.lr_schedule = self.config.lr_schedule

    def _build(self) -> None:
        raise NotImplementedError

    def _setup(self, env: Any, features: Any, seed: Optional[int], backend: str) -> None:
        """Make the environment, its adapter and the generators (seeded by ``seed``)."""
        self.env = _make_env(env)
        self.backend = backend
        self.seed = seed
        self.spaces = SpaceAdapter(self.env, features)
        # The feature spec (with the bounds it was built with), or the user's callable.
        self.features = self.spaces.feature_spec if self.spaces.feature_spec is not None else features
        train_seq, eval_seq = np.random.SeedSequence(seed).spawn(2)
        self.rng = np.random.Generator(np.random.PCG64(train_seq))
        self._eval_rng = np.random.Generator(np.random.PCG64(eval_seq))

    @property
    def hyperparameters(self) -> dict[str, Any]:
        """The hyper-parameters (``config`` as a dict) and ``seed``: what rebuilds the agent."""
        return {**dataclasses.asdict(self.config), "seed": self.seed}

    @property
    def num_timesteps(self) -> int:
        """Environment transitions learned from so far (the learner's own count).

        It is the number of steps the learner has recorded, so it agrees with
        :attr:`history` after any interruption (an exception, Ctrl-C, a callback stop).
        """
        return int(self._learner.total_steps)

    # ------------------------------------------------------------------ state
    @property
    def history(self) -> dict[str, np.ndarray]:
        """Per-episode and per-update records, as NumPy arrays (a copy).

        Per episode: ``episode_return``, ``episode_length`` and
        ``episode_total_timesteps`` (:attr:`num_timesteps` when it ended); per update:
        ``update_grad_norm``, ``update_entropy``, ``update_baseline_loss`` and
        ``update_total_timesteps``. The model file and the sweeps use these keys too.
        """
        return _from_learner_history(self._learner.history())

    def history_since(self, episodes: int = 0, updates: int = 0) -> dict[str, np.ndarray]:
        """Return the records of :attr:`history` from episode ``episodes`` and update ``updates`` on.

        Only those records are copied: a logger that remembers how many it has read pays
        for the new ones, not for the whole run.

        Parameters
        ----------
        episodes, updates : int
            Index of the first episode and of the first update returned (>= 0; past the
            end gives empty arrays).

        Returns
        -------
        dict of numpy.ndarray
            The keys of :attr:`history`.
        """
        episodes = V.integer("episodes", episodes, 0)
        updates = V.integer("updates", updates, 0)
        return _from_learner_history(self._learner.history(episodes, updates))

    def state_dict(self) -> dict[str, Any]:
        """Everything the agent has learned and will use to go on, as plain values.

        Like ``torch.nn.Module.state_dict``: a dict of NumPy arrays, numbers and dicts of
        them (copies, never views), which :meth:`load_state_dict` restores exactly: an
        agent that loads another's state and then learns takes bit-identical steps to the
        other. It holds the policy's parameters (``params``), the value function's
        weights (``baseline_params`` of REINFORCE, ``critic_params`` of actor-critic),
        the optimisers' states (``optimizer``, and ``baseline_optimizer`` of REINFORCE or
        ``critic_optimizer`` of actor-critic: Adam's ``t``, ``m`` and ``v``; SGD has
        none, ``{}``; actor-critic with the book's steps has neither key),
        ``average_reward`` (actor-critic's R̄),
        the agent's and the evaluation random generators' states (``rng_state``,
        ``eval_rng_state``), ``history``, ``total_steps`` and, for REINFORCE, the
        finished episodes waiting for a batch update (``pending``). Steps of episodes
        that have not finished are not part of it: ``learn`` discards them when it returns.

        Returns
        -------
        dict
            The state; its keys are :meth:`state_keys`.
        """
        learner = self._learner
        state: dict[str, Any] = {
            "params": np.array(self.policy.params, dtype=np.float64),
            self._value_key: np.array(getattr(learner, self._value_key), dtype=np.float64),
            "total_steps": int(learner.total_steps),
            "history": self.history,
            "rng_state": copy.deepcopy(self.rng.bit_generator.state),
            "eval_rng_state": copy.deepcopy(self._eval_rng.bit_generator.state),
        }
        for name, opt in self._optimizers().items():
            state[name] = _optimizer_state(opt)
        if self._learns_from_episodes:
            state["pending"] = {k: (int(v) if k == "n_episodes" else np.array(v))
                                for k, v in learner.pending().items()}
        else:
            state["average_reward"] = float(learner.average_reward)
        return state

    def state_keys(self) -> tuple[str, ...]:
        """Return the keys of :meth:`state_dict` for this agent."""
        keys = ["params", self._value_key, "total_steps", "history", "rng_state", "eval_rng_state"]
        keys += list(self._optimizers())
        keys.append("pending" if self._learns_from_episodes else "average_reward")
        return tuple(keys)

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore a state of :meth:`state_dict` (of an agent with the same spaces and settings).

        Everything is checked before anything changes, and if the learner still refuses
        a part (e.g. pending episodes that do not fit it) the agent is put back as it
        was: a refused state leaves the agent unchanged.

        Parameters
        ----------
        state : mapping
            As :meth:`state_dict` returns it.

        Raises
        ------
        TypeError
            When ``state`` is not a mapping.
        ValueError
            For a missing or unknown key or a value of the wrong shape, type or range; the
            message names the key (e.g. ``state_dict['optimizer']['m']: ...``).
        """
        checked = self._check_state(state)
        backup = self.state_dict()
        try:
            self._apply_state(checked)
        except _StateError as e:
            self._apply_state(backup)
            raise ValueError(str(e)) from None

    def _optimizers(self) -> dict[str, Any]:
        """Return the optimisers whose state is kept, by state key (none by default)."""
        return {}

    def _check_state(self, state: Any) -> dict[str, Any]:
        """Return the state with every value checked and converted (ValueError naming the key)."""
        if not isinstance(state, Mapping):
            raise TypeError(f"state must be a mapping (a state_dict()), got {type(state).__name__}")
        keys = self.state_keys()
        for k in keys:
            if k not in state:
                raise ValueError(f"state_dict[{k!r}] is missing")
        for k in state:
            if k not in keys:
                raise ValueError(f"state_dict[{k!r}]: unexpected key (this agent's are {', '.join(keys)})")
        n_value = getattr(self._learner, self._value_key).size
        out: dict[str, Any] = {
            "params": _state_array(state["params"], "'params'", (self.policy.n_params,)),
            self._value_key: _state_array(state[self._value_key], repr(self._value_key), (n_value,)),
            "total_steps": _state_count(state["total_steps"], "'total_steps'"),
        }
        out["history"] = _check_history(state["history"], out["total_steps"])
        for k in ("rng_state", "eval_rng_state"):
            out[k] = _check_rng_state(state[k], k)
        for name, opt in self._optimizers().items():
            n = self.policy.n_params if name == "optimizer" else n_value
            out[name] = _check_optimizer_state(state[name], name, opt, n)
        if "pending" in keys:
            out["pending"] = _check_pending(state["pending"])
        else:
            r = state["average_reward"]
            if isinstance(r, (bool, np.bool_)) or not isinstance(r, (int, float, np.number)) \
                    or not np.isfinite(r):
                raise ValueError(f"state_dict['average_reward']: must be a finite number, got {r!r:.80}")
            out["average_reward"] = float(r)
        return out

    def _apply_state(self, state: dict[str, Any]) -> None:
        """Set every part of a checked state; a refusal is a _StateError naming its key."""
        learner = self._learner

        def part(key: str, fn: Callable[[], Any]) -> None:
            try:
                fn()
            except (ValueError, TypeError, IndexError, KeyError, OverflowError, RuntimeError) as e:
                raise _StateError(f"state_dict[{key!r}]: {e}") from None

        def set_value() -> None:
            getattr(learner, self._value_key)[:] = state[self._value_key]

        part("params", lambda: setattr(self.policy, "params", state["params"]))
        part(self._value_key, set_value)
        if "average_reward" in state:
            part("average_reward", lambda: setattr(learner, "average_reward", state["average_reward"]))
        for name, opt in self._optimizers().items():
            st = state[name]
            if st:  # Adam (SGD keeps no state)
                part(name, functools.partial(opt.set_state, st["t"], st["m"], st["v"]))
        part("history", lambda: learner.restore(_to_learner_history(state["history"]), state["total_steps"]))
        if "pending" in state:
            part("pending", lambda: learner.restore_pending(state["pending"]))
        self.rng.bit_generator.state = state["rng_state"]
        self._eval_rng.bit_generator.state = state["eval_rng_state"]

    def __getstate__(self) -> dict[str, Any]:
        """Return what pickle and copy.deepcopy carry: how to make the agent again, and its state.

        The environment (an object: it is pickled or copied with the agent), the feature
        spec or callable, the backend, :attr:`hyperparameters` and :meth:`state_dict`.
        """
        return {
            "env": self.env,
            "features": self.features,
            "backend": self.backend,
            "hyperparameters": self.hyperparameters,
            "state": self.state_dict(),
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Make the agent from :meth:`__getstate__`'s dict, as :meth:`load` does from a file."""
        type(self).__init__(  # type: ignore[call-arg]
            self, state["env"], features=state["features"], backend=state["backend"],
            **state["hyperparameters"],
        )
        self.load_state_dict(state["state"])

    # ------------------------------------------------------------------ learning
    def learn(
        self: _A,
        total_timesteps: int,
        callback: Optional[Callback] = None,
        progress_bar: bool = False,
        log_dir: Optional[str] = None,
        max_episodes: Optional[int] = None,
    ) -> _A:
        """Train for ``total_timesteps`` environment transitions.

        Each call starts fresh episodes (the environment is reset with a seed drawn from
        the agent's generator) and continues from the current parameters, optimiser
        state and history; calling ``learn`` again continues training.

        Parameters
        ----------
        total_timesteps : int
            Transitions to learn from (>= 0); a float with a whole value (``1e5``) is
            taken as that int.
        callback : callable, object or list of them, optional
            A callable ``callback(agent)`` is called after every step; an object may
            define ``on_step(agent)`` and/or ``on_episode_end(agent, episode_return,
            episode_length)``. Returning ``False`` stops training cleanly. A list (or
            tuple) combines callbacks as Stable-Baselines3's ``CallbackList`` does: each
            is called in order, every time, and training stops when any returns ``False``.
        progress_bar : bool
            Show a tqdm bar with timesteps and the mean return of the last episodes.
        log_dir : str, optional
            Write ``progress.csv`` (Stable-Baselines3 keys), a learning-curve PNG when
            matplotlib is installed, and TensorBoard events when tensorboard is.
        max_episodes : int, optional
            Stop after this many episodes have ended in this call (>= 1; None: no
            limit), whichever comes first of it and ``total_timesteps``. Training stops
            at the end of that episode, as when an ``on_episode_end`` callback returns
            ``False`` there (the callback, if any, is still called for it); with a vector
            env, after the vector step in which it ends (the other episodes ending in that
            step are counted and reported too). Unlike such a callback, the budget does not
            make the fused C++ loop of a native env return to Python at every episode end.

        Returns
        -------
        agent
            ``self``, to chain calls.
        """
        total_timesteps = V.timesteps("total_timesteps", total_timesteps)
        progress_bar = V.boolean("progress_bar", progress_bar)
        max_episodes = V.optional_integer("max_episodes", max_episodes, 1)
        if log_dir is not None and not isinstance(log_dir, (str, os.PathLike)):
            raise TypeError(f"log_dir must be a path or None, got {type(log_dir).__name__}")
        from ._logging import RunLogger

        logger = RunLogger(self, total_timesteps, progress_bar, log_dir)
        on_step, on_episode = _split_callback(callback)
        start = self.num_timesteps
        self._learner.set_lr_window(start, total_timesteps)  # the lr schedule's run
        try:
            if _fused.supported(self, on_step):  # a native env: the loop runs in C++
                _fused.run(self, total_timesteps, on_episode, logger, max_episodes)
            elif self.spaces.n_envs == 1 and not self.spaces.is_vector:
                self._run_single(total_timesteps, on_step, _episode_budget(on_episode, max_episodes), logger)
            else:
                self._run_vector(total_timesteps, on_step, _episode_budget(on_episode, max_episodes), logger)
        finally:
            self._learner.discard_unfinished()
            logger.close()
        steps = self.num_timesteps - start
        if self._learns_from_episodes and logger.episodes == 0 and steps >= _NO_EPISODE_WARNING:
            warnings.warn(
                f"learn(): no episode ended in {steps} steps, so nothing was learned: REINFORCE "
                "learns from finished episodes only, and the unfinished one is discarded. Does "
                "the environment have a time limit? (gymnasium.wrappers.TimeLimit adds one)",
                RuntimeWarning,
                stacklevel=2,
            )
        return self

    def _report_episodes(self, n_seen: int, n_now: int, on_episode: Any, logger: Any) -> bool:
        """Log episodes ``n_seen..n_now-1`` and call ``on_episode``; True when it asks to stop."""
        stop = False
        for i in range(n_seen, n_now):
            ret, length = self._learner.episode(i)
            logger.episode(ret, length)
            if on_episode is not None and on_episode(self, ret, length) is False:
                stop = True
        return stop

    def _reset_seed(self) -> int:
        return int(self.rng.integers(2**31 - 1))

    @contextlib.contextmanager
    def _random_source(self, callbacks: bool) -> Iterator[Optional[np.random.Generator]]:
        """Yield the ``rng`` argument of the learner's per-step calls for one run.

        The C++ learner can hold the Generator's lock for the whole run (``attach``):
        the steps then pass ``None`` and skip a lock round trip each. Not with user
        callbacks, which may draw from the agent's Generator themselves.
        """
        attach = getattr(self._learner, "attach", None)
        if callbacks or attach is None:
            yield self.rng
            return
        attach(self.rng)
        try:
            yield None
        finally:
            self._learner.detach()

    def _run_single(self, total: int, on_step: Any, on_episode: Any, logger: Any) -> None:
        env, learner, sp = self.env, self._learner, self.spaces
        obs_in, act_out = sp.obs_in, sp.action_out
        step1, act1 = learner.step1, learner.act1
        tick = logger.tick_interval
        next_tick = tick
        t = 0
        try:
            obs, _ = env.reset(seed=self._reset_seed())
            with self._random_source(on_step is not None or on_episode is not None) as rng:
                a = act1(obs if obs_in is None else obs_in(obs), rng)
                while t < total:
                    obs, r, term, trunc, _ = env.step(a if act_out is None else act_out(a))
                    a = step1(obs if obs_in is None else obs_in(obs), r, term, trunc, rng)
                    t += 1
                    if a is None:
                        ret, length = learner.episode(-1)
                        logger.episode(ret, length)
                        if on_episode is not None and on_episode(self, ret, length) is False:
                            break
                        obs, _ = env.reset()
                        a = act1(obs if obs_in is None else obs_in(obs), rng)
                    if on_step is not None and on_step(self) is False:
                        break
                    if t >= next_tick:  # the bar moves within long episodes too
                        logger.progress()
                        next_tick += tick
        except ValueError as e:
            raise ValueError(f"{e} (at timestep {self.num_timesteps + 1})") from e

    def _run_vector(self, total: int, on_step: Any, on_episode: Any, logger: Any) -> None:
        seed = self._reset_seed()  # drawn before the run's lock is taken
        with self._random_source(on_step is not None or on_episode is not None) as rng:
            self._run_vector_with(rng, seed, total, on_step, on_episode, logger)

    def _run_vector_with(
        self,
        rng: Optional[np.random.Generator],
        seed: int,
        total: int,
        on_step: Any,
        on_episode: Any,
        logger: Any,
    ) -> None:
        env, learner, sp = self.env, self._learner, self.spaces
        obs_in, act_out = sp.obs_in_batch, sp.action_out_batch
        mode = sp.autoreset_mode
        prev_done = np.zeros(sp.n_envs, dtype=bool)
        n_envs = sp.n_envs
        n_seen = learner.n_episodes()
        tick = logger.tick_interval
        next_tick = tick
        t = 0
        try:
            obs, _ = env.reset(seed=seed)
            x = obs if obs_in is None else obs_in(obs)
            acts = learner.act(x, rng)
            while t < total:
                obs, r, term, trunc, info = env.step(acts if act_out is None else act_out(acts))
                done = np.logical_or(term, trunc)
                x = obs if obs_in is None else obs_in(obs)
                if mode == "next_step":
                    mask = ~prev_done
                    acts = learner.step(x, r, term, trunc, rng, None, mask)
                    t += n_envs - int(np.count_nonzero(prev_done))
                    prev_done = done
                elif mode == "same_step":
                    final = x
                    if done.any():
                        final = np.array(x, dtype=np.float64, copy=True)
                        for j in np.flatnonzero(done):
                            fo = info["final_obs"][j]
                            final[j] = fo if sp.obs_in is None else sp.obs_in(fo)
                    acts = learner.step(x, r, term, trunc, rng, final, None)
                    t += n_envs
                else:  # disabled: reset finished sub-environments ourselves
                    nxt = x
                    if done.any():
                        new_obs, _ = env.reset(options={"reset_mask": done})
                        new_x = new_obs if obs_in is None else obs_in(new_obs)
                        nxt = np.where(done.reshape((-1,) + (1,) * (np.ndim(x) - 1)), new_x, x)
                    acts = learner.step(nxt, r, term, trunc, rng, x, None)
                    t += n_envs
                n_now = learner.n_episodes()
                stop = self._report_episodes(n_seen, n_now, on_episode, logger)
                n_seen = n_now
                if on_step is not None:
                    stop = stop or on_step(self) is False
                if stop:
                    break
                if t >= next_tick:
                    logger.progress()
                    next_tick += tick
        except ValueError as e:
            raise ValueError(f"{e} (at timestep {self.num_timesteps + 1})") from e

    # ------------------------------------------------------------------ acting
    def predict(
        self, obs: Any, deterministic: bool = False, *, state: Any = None, episode_start: Any = None
    ) -> tuple[Any, None]:
        """Action(s) for one observation or a batch, as Stable-Baselines3 returns them.

        Parameters
        ----------
        obs : array_like
            One observation of the observation space, or a batch of them.
        deterministic : bool
            Greedy action (softmax mode / Gaussian mean) instead of a sample.
        state, episode_start : None
            Stable-Baselines3's arguments for recurrent policies, accepted so that its
            tools (``stable_baselines3.common.evaluation.evaluate_policy``) can call this.
            A linear policy has no state: ``state`` must be None; ``episode_start`` is
            ignored.

        Returns
        -------
        tuple
            ``(action, None)``; for a ``Box`` action space, actions are clipped to its
            bounds and cast to its dtype (elements of the space, as ``env.step`` takes them).
        """
        if state is not None:
            raise ValueError("state must be None: a linear policy has no recurrent state")
        return self._act(obs, deterministic, self._eval_rng), None

    def _act(self, obs: Any, deterministic: bool, rng: np.random.Generator) -> Any:
        """Return :meth:`predict`'s action(s), sampled (unless ``deterministic``) with ``rng``."""
        x, single = self.spaces.features_of(obs, self._learner)
        a = self.policy.mode(x) if deterministic else self.policy.sample(x, rng)
        out = self.spaces.to_env_actions(a)
        return out[0] if single else out

    def evaluate(
        self,
        n_episodes: int = 10,
        deterministic: bool = True,
        env: Any = None,
        seed: Optional[int] = None,
        max_episode_steps: Optional[int] = None,
    ) -> tuple[float, float]:
        """Mean and standard deviation of the undiscounted return over episodes.

        Parameters
        ----------
        n_episodes : int
            Episodes to run (>= 1).
        deterministic : bool
            Greedy actions (default) or sampled ones.
        env : str or gymnasium.Env, optional
            Where to evaluate; default a fresh copy of the training environment (for a
            vector env, one sub-environment), whose ``NormalizeObservation`` wrappers
            carry the training statistics, frozen. A vector env's reward and bookkeeping
            wrappers are left out (returns are the env's own rewards); one that changes
            observations or actions otherwise is a ``ValueError``: pass ``env=``. Its
            spaces must fit the agent's (same shapes; a ``ValueError`` says otherwise).
        seed : int, optional
            Seed of the first reset of the evaluation environment and, for sampled
            actions, of their draws: a seeded evaluation is reproducible either way.
            Without it, sampled actions continue the stream :meth:`predict` draws from.
        max_episode_steps : int, optional
            Cut an episode after this many steps (a greedy policy may never end an
            episode of an environment without a time limit, e.g. CliffWalking). Default:
            the environment's own time limit (``spec.max_episode_steps``) when it has
            one, else 10,000 steps. A cut episode counts with the return it reached, and
            a ``RuntimeWarning`` says how many episodes were cut.

        Returns
        -------
        tuple of float
            ``(mean, std)``.
        """
        n_episodes = V.integer("n_episodes", n_episodes, 1)
        deterministic = V.boolean("deterministic", deterministic)
        seed = V.seed("seed", seed)
        max_episode_steps = V.optional_integer("max_episode_steps", max_episode_steps, 1)
        eval_env = self.spaces.eval_env() if env is None else _make_env(env)
        if isinstance(eval_env, gym.vector.VectorEnv):
            raise TypeError("evaluate needs a single gymnasium.Env, not a VectorEnv")
        if env is not None:
            self.spaces.check_fits(eval_env)
        if max_episode_steps is None:
            spec = getattr(eval_env, "spec", None)
            limit = getattr(spec, "max_episode_steps", None)
            max_episode_steps = int(limit) if limit else _EVAL_STEP_CAP
        returns = []
        cut = 0
        first_seed = seed if seed is not None else int(self._eval_rng.integers(2**31 - 1))
        # seeded: the draws of sampled actions too, from a child of the seed (gymnasium seeds
        # the env's resets with the seed's own stream)
        rng = self._eval_rng if seed is None else np.random.Generator(
            np.random.PCG64(np.random.SeedSequence(seed).spawn(1)[0]))
        try:
            for i in range(n_episodes):
                obs, _ = eval_env.reset(seed=first_seed if i == 0 else None)
                total, done, steps = 0.0, False, 0
                while not done:
                    if steps == max_episode_steps:
                        cut += 1
                        break
                    a = self._act(obs, deterministic, rng)
                    obs, r, term, trunc, _ = eval_env.step(a)
                    total += float(r)
                    steps += 1
                    done = bool(term or trunc)
                returns.append(total)
        finally:
            if env is None and eval_env is not self.env:
                eval_env.close()
        if cut:
            warnings.warn(
                f"evaluate(): {cut} of {n_episodes} episodes did not end within "
                f"max_episode_steps={max_episode_steps} and were cut there",
                RuntimeWarning,
                stacklevel=2,
            )
        return float(np.mean(returns)), float(np.std(returns))

    # ------------------------------------------------------------------ persistence
    def save(self, path: Union[str, PathLike[str]], overwrite: bool = False) -> Path:
        """Save to a versioned, checksummed, pickle-free file (see :mod:`pgfast.io`).

        Parameters
        ----------
        path : str or os.PathLike
            The file; ``.pgfast`` is added when it has no suffix (``"cartpole"`` ->
            ``cartpole.pgfast``; ``"m.npz"`` is kept).
        overwrite : bool
            Replace an existing file that is not a pgfast model. An existing pgfast
            model is always replaced.

        Returns
        -------
        pathlib.Path
            The file written.

        Raises
        ------
        FileExistsError
            When ``path`` exists, is not a pgfast model and ``overwrite`` is False.
        NotADirectoryError, PermissionError
            When ``path`` cannot be written there.

        Notes
        -----
        Missing parent directories are created (``save("models/run1/agent")``), as
        Stable-Baselines3's ``save`` does. The model is written to a new temporary file
        in the same directory, synced to disk and renamed over ``path``: a crash or a
        concurrent save never leaves half a model, and nothing but ``path`` and its
        missing parents is created or removed.
        """
        from .io import save_agent

        return save_agent(self, path, overwrite=overwrite)

    @classmethod
    def load(
        cls: type[_A], path: Union[str, PathLike[str]], env: Any = None, backend: str = "cpp",
        features: Optional[Callable[[Any], Any]] = None,
    ) -> _A:
        """Load a model saved by :meth:`save` (a file holds one agent class: load it with that one).

        Loading never runs code: the file is data, checked against its own metadata
        before it is read (see :mod:`pgfast.io`; its checksum detects corruption, it is
        not a signature).

        Parameters
        ----------
        path : str or os.PathLike
            The file (``path + ".pgfast"`` is tried when ``path`` has no suffix and does
            not exist).
        env : str or gymnasium.Env or VectorEnv, optional
            Environment to attach. Default: the saved environment id, used only when it
            is registered with gymnasium (after ``import pgfast``) and has no
            ``module:`` prefix — a file never makes gymnasium import a module — made with
            its saved arguments (not ``render_mode``) and time limit; a ``UserWarning``
            names the wrappers it was trained in, which the file does not hold. Pass
            ``env=`` for any other environment.
        backend : {"cpp", "numpy"}
            Backend of the loaded agent.
        features : callable, optional
            Only for a model trained with a custom ``features`` callable (not stored in
            the file): the same callable. Maps from :mod:`pgfast.features` are stored.

        Returns
        -------
        agent
            The agent with parameters, optimiser state, history and random state restored.

        Raises
        ------
        ValueError
            For a file that is corrupt, inconsistent, not a pgfast model, or names an
            environment that is not registered.
        """
        from .io import load_agent

        agent: _A = load_agent(cls, path, env, backend, features)
        return agent


class Reinforce(_Agent):
    """REINFORCE with a linear policy (Sutton & Barto 2nd ed., ch. 13).

    Parameters
    ----------
    env : str, gymnasium.Env or gymnasium.vector.VectorEnv
        An environment id (passed to ``gymnasium.make``), an environment, or a vector
        environment (sync or async, any ``autoreset_mode``).
    features : pgfast.features.Spec or callable, optional
        Feature map x(s). Default: the observation itself (a ``Box`` flattened, a
        ``Discrete`` state one-hot) plus a bias, computed in C++. A map from
        :mod:`pgfast.features` (``Fourier(3)``, ``TileCoding(8, 8)``, …) is built for
        the observation space (its size and, where the map scales inputs and was given
        no bounds, its bounds; ``agent.features`` is the spec with those bounds) and runs
        in C++ inside each step; tile coding stays sparse.
        Any other callable ``features(obs) -> 1-D array`` is applied in Python to
        every observation (and must be passed again to :meth:`load`).
    lr : float, optional
        Step size alpha of the policy; default 0.01 for ``Discrete`` actions, 0.003 for
        ``Box`` actions (a Gaussian's score is unbounded and its gradient estimate
        noisier: with 0.01, Adam's steps drift on Pendulum-v1 to policies worse than
        random; the agents guide has the measurements).
        The defaults (Adam, those lr, a linear baseline, batches of 2 episodes,
        standardised weights) were chosen for robustness over issue 14's table of
        classic-control, MuJoCo, Box2D and toy-text tasks (raw features, seeds 0-9:
        never worse than a random policy; CartPole-v1 and InvertedPendulum-v5 solved),
        not for the fewest steps on one task. Tuned settings per task are in
        :mod:`pgfast.zoo`. The book's SGD needs a much smaller lr (e.g. 1e-3, and a baseline_lr to match:
        see below).
    optimizer : {"adam", "sgd"}
        Gradient-ascent optimiser of the policy (and of the baseline). ``"sgd"`` is the
        book's update theta += alpha * direction.
    gamma : float
        Discount factor in [0, 1].
    baseline : {"linear", None}
        ``"linear"`` (the default) learns v(s, w) = w . [x(s), 1] and weights the
        eligibility by delta = G_t - v(S_t, w) (eq. 13.11); None uses G_t itself.
    baseline_lr : float, optional
        Step size of the baseline; default ``10 * lr``. With ``optimizer="sgd"`` the
        baseline's update, baseline_lr times the sum over an update's steps of
        delta_t [x(S_t), 1] (per episode, averaged over a batch's episodes), is an LMS
        step: it settles only if ``baseline_lr * ||[x(s), 1]||^2 < 2``, and by a margin
        that grows with the steps it sums. Where that norm is the same for every state
        (one-hot ``Discrete`` states: 2; tile coding: n_tilings + 1) a larger
        baseline_lr is refused; elsewhere a too-large one shows as a baseline whose
        weights grow without bound, until an update overflows and is refused. Adam's
        steps do not depend on the features' scale.
    normalize_returns : bool
        Standardise the weights of an update, (psi - mean) / (std + 1e-8) over the
        batch: psi = G_t, or delta_t with a baseline (the PyTorch example does this to
        G_t; the book does not). With ``update="per_step"`` the returns G_t of the
        episode are standardised instead (delta changes within that loop). An update of
        a single step (a one-step episode, as in a bandit, alone in its update) keeps its
        weight as it is: standardised, it would be 0 and nothing would ever be learnt
        (Stable-Baselines3 skips normalising a batch of one likewise).
    discount_gradient : bool
        Multiply step t's term by gamma^t, as the book's box does; libraries and the
        PyTorch example do not (default False).
    update : {"per_step", "per_episode", "batch"}
        ``"per_step"``: the book's loop, after each episode, for t = 0..T-1 in order,
        one step with the gradient at the current theta. ``"per_episode"``: one step per
        finished episode on the sum over its steps (the PyTorch example). ``"batch"``:
        one step per ``batch_episodes`` finished episodes (all sub-environments
        pooled), on the mean over episodes of their sums.
    batch_episodes : int
        Episodes per update with ``update="batch"`` (default 2).
    entropy_coef : float
        Adds ``entropy_coef * grad H(pi(.|S_t))`` per step (0: the book).
    max_grad_norm : float, optional
        Clip the gradient of each optimiser step to this norm.
    truncation : {"bootstrap", "terminal"}
        At a time-limit end (``truncated``), ``"bootstrap"`` adds gamma * v(S_T) to the
        return when a baseline exists (else the end is treated as terminal);
        ``"terminal"`` always treats it as terminal (the PyTorch example; the book has
        no time limits).
    seed : int, optional
        Seeds the action sampling and the environment resets. Same seed, same version,
        same platform: a bit-identical run.
    backend : {"cpp", "numpy"}
        ``"numpy"`` runs every update as :func:`pgfast.reference.reinforce_update`, the
        plain-NumPy statement of the box, on the same rollout (the C++ bookkeeping,
        features and sampling): same API, same random stream, bit-identical results;
        slower.
    log_std_init : float
        Initial log-std of a Gaussian policy. The mean starts at the
        middle of the action box (0 on a symmetric one).
    state_dependent_std : bool
        Gaussian policy: make the log-std linear in the features, l(s) = θ_σ·x(s) + c
        (S&B eq. 13.18), instead of one learned parameter per action dimension.
    lr_schedule : {"constant", "linear"}
        ``"linear"`` multiplies every step size (``lr``, ``baseline_lr``) of an update by
        the fraction of the current :meth:`learn` call still to go, 1 - t / T after t of
        its T steps (Stable-Baselines3's ``progress_remaining``; its linear schedule, or
        rl-baselines3-zoo's ``lin_<lr>``): large steps early, none at the very end (it
        halves the total step; raise ``lr`` to compensate). Each ``learn`` call starts the
        schedule over, as SB3's ``learn`` does (``reset_num_timesteps=True``).

    Attributes
    ----------
    policy : LinearSoftmax or LinearGaussian
        The policy; ``policy.params`` is a live view of its parameters.
    num_timesteps : int
        Environment transitions used for learning so far.
    history : dict of numpy.ndarray
        Per episode: ``episode_return``, ``episode_length``, ``episode_total_timesteps``
        (total steps when it ended); per update: ``update_grad_norm``,
        ``update_entropy``, ``update_baseline_loss``, ``update_total_timesteps``.
    config : ReinforceConfig
        The hyper-parameters, checked (a frozen dataclass; ``hyperparameters`` is it as a
        dict, with ``seed``).

    Notes
    -----
    :meth:`state_dict` / :meth:`load_state_dict` give and restore everything learned
    (parameters, baseline, optimiser moments, random streams, history, step count,
    episodes waiting for a batch update); :meth:`save` writes exactly that state.
    """

    def __init__(
        self,
        env: Any,
        features: Union[F.Spec, Callable[[Any], Any], None] = None,
        lr: Optional[float] = _RC.lr,
        optimizer: str = _RC.optimizer,
        gamma: float = _RC.gamma,
        baseline: Optional[str] = _RC.baseline,
        baseline_lr: Optional[float] = _RC.baseline_lr,
        normalize_returns: bool = _RC.normalize_returns,
        discount_gradient: bool = _RC.discount_gradient,
        update: str = _RC.update,
        batch_episodes: int = _RC.batch_episodes,
        entropy_coef: float = _RC.entropy_coef,
        max_grad_norm: Optional[float] = _RC.max_grad_norm,
        truncation: str = _RC.truncation,
        seed: Optional[int] = None,
        backend: str = "cpp",
        log_std_init: float = _RC.log_std_init,
        state_dependent_std: bool = _RC.state_dependent_std,
        lr_schedule: str = _RC.lr_schedule,
    ) -> None:
        # the defaults above are ReinforceConfig's; it checks every value (once)
        self.config: ReinforceConfig = V.config_from(ReinforceConfig, locals())
        self._baseline_lr_defaulted = baseline_lr is None
        self._init_agent(env, features, seed, backend)

    # ------------------------------------------------------------------ internals
    def _build(self) -> None:
        """Create policy, optimisers and the learner of the selected backend.

        Both backends run the C++ rollout (features, sampling, episodes, history); with
        ``backend="numpy"`` its updates run :func:`pgfast.reference.reinforce_update` on
        the twin policy, which shares the C++ policy's parameters (see :mod:`pgfast._twin`).
        """
        hp = self.config  # lr set by for_actions (see _init_agent)
        # The SGD baseline update is an LMS step: on features of constant norm it settles
        # only if baseline_lr * ||[x(s), 1]||^2 < 2, else v(s) swings ever wider.
        sq = self.spaces.constant_sq_norm() if hp.baseline and hp.optimizer == "sgd" else None
        if sq is not None and cast(float, hp.baseline_lr) * (sq + 1) >= 2:
            default = " (the default, 10 * lr)" if getattr(self, "_baseline_lr_defaulted", False) else ""
            raise ValueError(
                f"baseline_lr={hp.baseline_lr:g}{default} is too large for optimizer='sgd' on these "
                f"features: ||[x(s), 1]||^2 = {sq + 1:g} for every state, and the baseline's SGD step "
                f"diverges unless baseline_lr * {sq + 1:g} < 2: pass baseline_lr < {2 / (sq + 1):g}"
            )
        d = self.spaces.n_features
        if self.spaces.discrete_actions:
            policy: Any = _core.LinearSoftmax(d, self.spaces.n_actions, True)
            learner_cls: Any = _core.SoftmaxLearner
        else:
            policy = _gaussian_policy(self.spaces, hp.log_std_init, hp.state_dependent_std)
            learner_cls = _core.GaussianLearner
        mod: Any = _core if self.backend == "cpp" else reference

        def make_opt(lr: float) -> Any:
            if hp.optimizer == "adam":
                return mod.Adam(lr, max_grad_norm=hp.max_grad_norm)
            return mod.SGD(lr, max_grad_norm=hp.max_grad_norm)

        self.optimizer = make_opt(cast(float, hp.lr))  # set by for_actions
        # baseline_lr is a float once the config is built (None means 10 * lr)
        self.baseline_optimizer = make_opt(cast(float, hp.baseline_lr)) if hp.baseline else None
        config = dict(
            n_envs=self.spaces.n_envs, obs_dim=self.spaces.obs_dim, n_discrete=self.spaces.n_discrete,
            **hp.learner_kwargs(),
            **({"features": self.spaces.feature_map} if self.spaces.feature_map is not None else {}),
        )
        if self.backend == "cpp":
            self.policy = policy
            self._learner = learner_cls(policy, self.optimizer, self.baseline_optimizer, **config)
            return
        self._learner, rule = _twin.reinforce_engine(
            learner_cls, policy, self.optimizer, self.baseline_optimizer, **config
        )
        self.policy = rule.policy

    def _optimizers(self) -> dict[str, Any]:
        return {"optimizer": self.optimizer, "baseline_optimizer": self.baseline_optimizer}

    @property
    def baseline_params(self) -> np.ndarray:
        """Weights w of the linear baseline v(s, w) = w . [x(s), 1] (empty without one)."""
        w: np.ndarray = self._learner.baseline_params
        return w

    def __repr__(self) -> str:
        return f"Reinforce(env={self.spaces.env_id!r}, policy={self.policy!r}, backend={self.backend!r})"


def _episode_budget(on_episode: Any, max_episodes: Optional[int]) -> Any:
    """``on_episode``, also returning False (stop) at the ``max_episodes``-th episode end of the call."""
    if max_episodes is None:
        return on_episode
    seen = 0

    def on_episode_within_budget(agent: Any, ret: float, length: int) -> Optional[bool]:
        nonlocal seen
        seen += 1
        stop = on_episode is not None and on_episode(agent, ret, length) is False
        return False if stop or seen >= max_episodes else None

    return on_episode_within_budget


_CALLBACK_FORMS = ("callback(agent) after every step, or an object's on_step(agent) and/or "
                   "on_episode_end(agent, episode_return, episode_length)")


def _check_callable_as(fn: Any, form: str, n_args: int, what: str) -> None:
    """Refuse, before training, a callback that cannot take the arguments pgfast passes."""
    if not callable(fn):
        raise TypeError(f"{what} must be callable as {form}, got {type(fn).__name__}")
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):  # no signature to read (some builtins): called as documented
        return
    try:
        signature.bind(*range(n_args))
    except TypeError:
        name = getattr(fn, "__qualname__", type(fn).__name__)
        raise TypeError(f"{what} cannot be called as {form}: got {name}{signature} (pgfast calls "
                        f"{_CALLBACK_FORMS})") from None


def _split_callback(callback: Any) -> tuple[Any, Any]:
    """``(on_step, on_episode_end)`` of a ``learn`` callback (either may be None)."""
    if callback is None:
        return None, None
    if isinstance(callback, (list, tuple)):
        return _combine_callbacks([_split_callback(c) for c in callback])
    if type(callback).__module__.split(".")[0] == "stable_baselines3":
        raise TypeError(f"callback: Stable-Baselines3's callbacks ({type(callback).__name__}) need an SB3 "
                        f"model; pgfast calls {_CALLBACK_FORMS}")
    on_step = getattr(callback, "on_step", None)
    on_episode = getattr(callback, "on_episode_end", None)
    if on_step is None and on_episode is None:
        if not callable(callback):
            raise TypeError(f"callback must be callable or define on_step / on_episode_end (pgfast calls "
                            f"{_CALLBACK_FORMS}), got {type(callback).__name__}")
        _check_callable_as(callback, "callback(agent)", 1, "callback")
        return callback, None
    if on_step is not None:
        _check_callable_as(on_step, "on_step(agent)", 1, "callback.on_step")
    if on_episode is not None:
        _check_callable_as(on_episode, "on_episode_end(agent, episode_return, episode_length)", 3,
                           "callback.on_episode_end")
    return on_step, on_episode


def _combine_callbacks(parts: list[tuple[Any, Any]]) -> tuple[Any, Any]:
    """Combine ``(on_step, on_episode_end)`` pairs into one, as Stable-Baselines3's ``CallbackList``.

    Every part is called, in order, and training stops when any returns False.
    """
    def every(fns: list[Any]) -> Any:
        if not fns:
            return None

        def call(*args: Any) -> Optional[bool]:
            stop = False
            for fn in fns:
                stop = (fn(*args) is False) or stop
            return False if stop else None

        return call

    return every([s for s, _ in parts if s is not None]), every([e for _, e in parts if e is not None])


# ------------------------------------------------------------------ state helpers
#: The keys of ``agent.history`` (and of the model file and the sweeps), and the C++
#: learner's own name for each: the ONE place where they are converted.
_LEARNER_HISTORY_KEYS = {
    "episode_return": "episode_return",
    "episode_length": "episode_length",
    "episode_total_timesteps": "episode_end_step",
    "update_grad_norm": "update_grad_norm",
    "update_entropy": "update_entropy",
    "update_baseline_loss": "update_baseline_loss",
    "update_total_timesteps": "update_step",
}
HISTORY_KEYS = tuple(_LEARNER_HISTORY_KEYS)
EPISODE_KEYS = HISTORY_KEYS[:3]
UPDATE_KEYS = HISTORY_KEYS[3:]
# Records that count steps (stored as int64 in the history, float64 in the learner).
_STEP_KEYS = ("episode_length", "episode_total_timesteps", "update_total_timesteps")
_UPDATE_STATS = ("update_grad_norm", "update_entropy", "update_baseline_loss")


def _from_learner_history(h: Mapping[str, Any]) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    for key, learner_key in _LEARNER_HISTORY_KEYS.items():
        a = np.asarray(h[learner_key])
        out[key] = a.astype(np.int64) if key in _STEP_KEYS else np.array(a, dtype=np.float64)
    return out


def _to_learner_history(h: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {lk: np.asarray(h[k], dtype=np.float64) for k, lk in _LEARNER_HISTORY_KEYS.items()}


class _StateError(ValueError):
    """A part of a state the learner refused (the message names the key)."""


def _optimizer_state(opt: Any) -> dict[str, Any]:
    """Adam's ``{"t", "m", "v"}``; ``{}`` for SGD or no optimiser (they keep no state)."""
    if opt is None or not hasattr(opt, "state"):
        return {}
    t, m, v = opt.state()
    return {"t": int(t), "m": np.array(m, dtype=np.float64), "v": np.array(v, dtype=np.float64)}


def _state_array(value: Any, key: str, shape: tuple[int, ...], finite: bool = True) -> np.ndarray:
    """``value`` as a (finite) float64 array of ``shape`` (-1: any length), or a ValueError naming ``key``."""
    try:
        a = np.asarray(value)
    except (ValueError, TypeError) as e:
        raise ValueError(f"state_dict[{key}]: not an array ({e})") from None
    if a.dtype.kind not in "fiu":
        raise ValueError(f"state_dict[{key}]: must hold numbers, got dtype {a.dtype}")
    if a.ndim != len(shape) or any(e not in (-1, s) for e, s in zip(shape, a.shape)):
        want = str(tuple("n" if e == -1 else e for e in shape)).replace("'", "")
        raise ValueError(f"state_dict[{key}]: has shape {a.shape}, expected {want}")
    out = np.array(a, dtype=np.float64)
    if finite and not np.all(np.isfinite(out)):
        raise ValueError(f"state_dict[{key}]: contains NaN or inf")
    return out


def _state_count(value: Any, key: str) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"state_dict[{key}]: must be an int, got {value!r:.80}")
    if not 0 <= int(value) < 2**62:
        raise ValueError(f"state_dict[{key}]: must be in [0, 2**62), got {int(value)}")
    return int(value)


def _mapping(value: Any, key: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ValueError(f"state_dict[{key}]: must be a dict, got {type(value).__name__}")
    return value


def _check_history(value: Any, total_steps: int) -> dict[str, np.ndarray]:
    h = _mapping(value, "'history'")
    for k in h:
        if k not in _LEARNER_HISTORY_KEYS:
            raise ValueError(f"state_dict['history'][{k!r}]: unexpected key")
    out: dict[str, np.ndarray] = {}
    for k in HISTORY_KEYS:
        if k not in h:
            raise ValueError(f"state_dict['history'][{k!r}] is missing")
        # an update's statistics may be NaN (no baseline: no baseline loss)
        a = _state_array(h[k], f"'history'][{k!r}", (-1,), finite=k not in _UPDATE_STATS)
        if k in _STEP_KEYS:
            if np.any(a != np.floor(a)) or np.any(a < 0) or np.any(a > total_steps):
                raise ValueError(f"state_dict['history'][{k!r}]: must hold whole numbers of steps "
                                 f"in [0, total_steps={total_steps}]")
            if k != "episode_length" and np.any(np.diff(a) < 0):
                raise ValueError(f"state_dict['history'][{k!r}]: must not decrease")
            out[k] = a.astype(np.int64)
        else:
            out[k] = a
    for group in (EPISODE_KEYS, UPDATE_KEYS):
        if len({out[k].size for k in group}) > 1:
            shown = ", ".join(f"{k} {out[k].size}" for k in group)
            raise ValueError(f"state_dict['history']: unequal lengths: {shown}")
    return out


def _check_rng_state(value: Any, key: str) -> dict[str, Any]:
    st = _mapping(value, repr(key))
    if st.get("bit_generator") != "PCG64":
        raise ValueError(f"state_dict[{key!r}]: not the state of a PCG64 generator")
    try:
        np.random.PCG64().state = dict(st)  # type: ignore[assignment]
    except (TypeError, ValueError, KeyError, OverflowError) as e:
        raise ValueError(f"state_dict[{key!r}]: not a valid PCG64 state ({e})") from None
    return copy.deepcopy(dict(st))


def _check_optimizer_state(value: Any, key: str, opt: Any, n: int) -> dict[str, Any]:
    st = _mapping(value, repr(key))
    if opt is None or not hasattr(opt, "state"):
        if st:
            raise ValueError(f"state_dict[{key!r}]: this optimiser keeps no state; expected {{}}")
        return {}
    for k in st:
        if k not in ("t", "m", "v"):
            raise ValueError(f"state_dict[{key!r}][{k!r}]: unexpected key")
    for k in ("t", "m", "v"):
        if k not in st:
            raise ValueError(f"state_dict[{key!r}][{k!r}] is missing")
    t = _state_count(st["t"], f"{key!r}]['t'")
    # before its first step (t = 0) Adam holds no moments yet: empty arrays
    size = 0 if t == 0 and np.size(st["m"]) == 0 and np.size(st["v"]) == 0 else n
    m = _state_array(st["m"], f"{key!r}]['m'", (size,))
    v = _state_array(st["v"], f"{key!r}]['v'", (size,))
    if np.any(v < 0):
        raise ValueError(f"state_dict[{key!r}]['v']: Adam's second moments must be >= 0")
    return {"t": t, "m": m, "v": v}


_PENDING_ARRAYS = {  # key: (ndim, dtype kinds accepted, dtype stored)
    "X": (2, "fiu", np.float64), "I": (2, "iu", np.int64), "A": (2, "fiu", np.float64),
    "R": (1, "fiu", np.float64), "boot": (1, "fiu", np.float64), "tin": (1, "fiu", np.float64),
    "term": (1, "b", np.bool_), "trunc": (1, "b", np.bool_),
}


def _check_pending(value: Any) -> dict[str, Any]:
    """Types and shapes of the pending episodes (the learner checks that they fit it)."""
    p = _mapping(value, "'pending'")
    if ("X" in p) == ("I" in p):
        raise ValueError("state_dict['pending']: needs one of 'X' (feature rows) or 'I' (active indices)")
    out: dict[str, Any] = {"n_episodes": _state_count(p.get("n_episodes"), "'pending']['n_episodes'")}
    for k in p:
        if k != "n_episodes" and k not in _PENDING_ARRAYS:
            raise ValueError(f"state_dict['pending'][{k!r}]: unexpected key")
    for k, (ndim, kinds, dtype) in _PENDING_ARRAYS.items():
        if k not in p:
            if k in ("X", "I"):
                continue
            raise ValueError(f"state_dict['pending'][{k!r}] is missing")
        a = np.asarray(p[k])
        if a.dtype.kind not in kinds or a.ndim != ndim:
            raise ValueError(f"state_dict['pending'][{k!r}]: must be a {ndim}-D array of "
                             f"{np.dtype(dtype).name}, got {a.ndim}-D {a.dtype}")
        out[k] = np.array(a, dtype=dtype)
    return out
