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
import os
import warnings
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Callable, Optional, TypeVar, Union

import gymnasium as gym
import numpy as np

from . import _core, _fused, _twin, reference
from . import _validate as V
from . import features as F
from ._spaces import SpaceAdapter

if TYPE_CHECKING:
    from os import PathLike
    from pathlib import Path

__all__ = ["Reinforce"]

# learn() warns when this many steps passed without a single episode end.
_NO_EPISODE_WARNING = 10_000
# evaluate() cuts an episode after this many steps when the environment has no time limit.
_EVAL_STEP_CAP = 10_000

Callback = Union[Callable[["Reinforce"], Optional[bool]], Any]

_UPDATES = ("per_step", "per_episode", "batch")
_OPTIMIZERS = ("adam", "sgd")
_TRUNCATIONS = ("bootstrap", "terminal")
_BACKENDS = ("cpp", "numpy")
_BASELINES = (None, "linear")


def _make_env(env: Any) -> gym.Env[Any, Any] | gym.vector.VectorEnv[Any, Any, Any]:
    if isinstance(env, str):
        try:
            return gym.make(env)
        except gym.error.Error as e:  # unknown id, missing dependency, ...
            raise ValueError(f"env: cannot make environment {env!r}: {e}") from e
    if isinstance(env, (gym.Env, gym.vector.VectorEnv)):
        return env
    raise TypeError(
        "env must be an environment id, a gymnasium.Env or a gymnasium.vector.VectorEnv, "
        f"got {type(env).__name__}"
    )


_A = TypeVar("_A", bound="_Agent")


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
    def num_timesteps(self) -> int:
        """Environment transitions learned from so far (the learner's own count).

        It is the number of steps the learner has recorded, so it agrees with
        :attr:`history` after any interruption (an exception, Ctrl-C, a callback stop).
        """
        return int(self._learner.total_steps)

    @property
    def history(self) -> dict[str, np.ndarray]:
        """Per-episode and per-update records, as NumPy arrays (a copy)."""
        h = self._learner.history()
        return {
            "episode_return": h["episode_return"],
            "episode_length": h["episode_length"].astype(np.int64),
            "timesteps": h["episode_end_step"].astype(np.int64),
            "grad_norm": h["update_grad_norm"],
            "entropy": h["update_entropy"],
            "baseline_loss": h["update_baseline_loss"],
            "update_timesteps": h["update_step"].astype(np.int64),
        }

    # ------------------------------------------------------------------ learning
    def learn(
        self: _A,
        total_timesteps: int,
        callback: Optional[Callback] = None,
        progress_bar: bool = False,
        log_dir: Optional[str] = None,
    ) -> _A:
        """Train for ``total_timesteps`` environment transitions.

        Each call starts fresh episodes (the environment is reset with a seed drawn from
        the agent's generator) and continues from the current parameters, optimiser
        state and history; calling ``learn`` again continues training.

        Parameters
        ----------
        total_timesteps : int
            Transitions to learn from (>= 0).
        callback : callable or object, optional
            A callable ``callback(agent)`` is called after every step; an object may
            define ``on_step(agent)`` and/or ``on_episode_end(agent, episode_return,
            episode_length)``. Returning ``False`` stops training cleanly.
        progress_bar : bool
            Show a tqdm bar with timesteps and the mean return of the last episodes.
        log_dir : str, optional
            Write ``progress.csv`` (Stable-Baselines3 keys), a learning-curve PNG when
            matplotlib is installed, and TensorBoard events when tensorboard is.

        Returns
        -------
        agent
            ``self``, to chain calls.
        """
        total_timesteps = V.integer("total_timesteps", total_timesteps, 0)
        progress_bar = V.boolean("progress_bar", progress_bar)
        if log_dir is not None and not isinstance(log_dir, (str, os.PathLike)):
            raise TypeError(f"log_dir must be a path or None, got {type(log_dir).__name__}")
        from ._logging import RunLogger

        logger = RunLogger(self, total_timesteps, progress_bar, log_dir)
        on_step, on_episode = _split_callback(callback)
        start = self.num_timesteps
        try:
            if _fused.supported(self, on_step):  # a native env: the loop runs in C++
                _fused.run(self, total_timesteps, on_episode, logger)
            elif self.spaces.n_envs == 1 and not self.spaces.is_vector:
                self._run_single(total_timesteps, on_step, on_episode, logger)
            else:
                self._run_vector(total_timesteps, on_step, on_episode, logger)
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
        start, n_envs = self.num_timesteps, sp.n_envs
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
            raise ValueError(f"{e} (at timestep {start + t + 1})") from e

    # ------------------------------------------------------------------ acting
    def predict(self, obs: Any, deterministic: bool = False) -> tuple[Any, None]:
        """Action(s) for one observation or a batch, as Stable-Baselines3 returns them.

        Parameters
        ----------
        obs : array_like
            One observation of the observation space, or a batch of them.
        deterministic : bool
            Greedy action (softmax mode / Gaussian mean) instead of a sample.

        Returns
        -------
        tuple
            ``(action, None)``; actions are clipped to a ``Box`` action space.
        """
        x, single = self.spaces.features_of(obs, self._learner)
        if deterministic:
            a = self.policy.mode(x)
        else:
            a = self.policy.sample(x, self._eval_rng)
        out = self.spaces.to_env_actions(a)
        return (out[0] if single else out), None

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
            Where to evaluate; default a fresh copy of the training environment.
        seed : int, optional
            Seed of the first reset of the evaluation environment.
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
        if max_episode_steps is None:
            spec = getattr(eval_env, "spec", None)
            limit = getattr(spec, "max_episode_steps", None)
            max_episode_steps = int(limit) if limit else _EVAL_STEP_CAP
        returns = []
        cut = 0
        first_seed = seed if seed is not None else int(self._eval_rng.integers(2**31 - 1))
        for i in range(n_episodes):
            obs, _ = eval_env.reset(seed=first_seed if i == 0 else None)
            total, done, steps = 0.0, False, 0
            while not done:
                if steps == max_episode_steps:
                    cut += 1
                    break
                a, _ = self.predict(obs, deterministic=deterministic)
                obs, r, term, trunc, _ = eval_env.step(a)
                total += float(r)
                steps += 1
                done = bool(term or trunc)
            returns.append(total)
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

        Notes
        -----
        The model is written to a new temporary file in the same directory, synced to
        disk and renamed over ``path``: a crash or a concurrent save never leaves half a
        model, and nothing but ``path`` is created or removed.
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
            ``module:`` prefix — a file never makes gymnasium import a module. Pass
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
    lr : float
        Step size alpha of the policy. The defaults (Adam, lr 0.2, batches of 2
        episodes, standardised returns) were tuned on CartPole-v1 for the fewest steps
        to solve; the book's SGD needs a much smaller lr (e.g. 1e-3).
    optimizer : {"adam", "sgd"}
        Gradient-ascent optimiser of the policy (and of the baseline). ``"sgd"`` is the
        book's update theta += alpha * direction.
    gamma : float
        Discount factor in [0, 1].
    baseline : {None, "linear"}
        ``"linear"`` learns v(s, w) = w . [x(s), 1] and weights the eligibility by
        delta = G_t - v(S_t, w) (eq. 13.11).
    baseline_lr : float, optional
        Step size of the baseline; default ``10 * lr``.
    normalize_returns : bool
        Standardise the weights of an update, (psi - mean) / (std + 1e-8) over the
        batch: psi = G_t, or delta_t with a baseline (the PyTorch example does this to
        G_t; the book does not). With ``update="per_step"`` the returns G_t of the
        episode are standardised instead (delta changes within that loop).
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
        Initial log-std of a Gaussian policy.
    state_dependent_std : bool
        Gaussian policy: make the log-std linear in the features, l(s) = θ_σ·x(s) + c
        (S&B eq. 13.18), instead of one learned parameter per action dimension.

    Attributes
    ----------
    policy : LinearSoftmax or LinearGaussian
        The policy; ``policy.params`` is a live view of its parameters.
    num_timesteps : int
        Environment transitions used for learning so far.
    history : dict of numpy.ndarray
        Per episode: ``episode_return``, ``episode_length``, ``timesteps`` (total steps
        when it ended); per update: ``grad_norm``, ``entropy``, ``baseline_loss``,
        ``update_timesteps``.
    """

    def __init__(
        self,
        env: Any,
        features: Union[F.Spec, Callable[[Any], Any], None] = None,
        lr: float = 0.2,
        optimizer: str = "adam",
        gamma: float = 0.99,
        baseline: Optional[str] = None,
        baseline_lr: Optional[float] = None,
        normalize_returns: bool = True,
        discount_gradient: bool = False,
        update: str = "batch",
        batch_episodes: int = 2,
        entropy_coef: float = 0.0,
        max_grad_norm: Optional[float] = None,
        truncation: str = "bootstrap",
        seed: Optional[int] = None,
        backend: str = "cpp",
        log_std_init: float = 0.0,
        state_dependent_std: bool = False,
    ) -> None:
        lr = V.positive("lr", lr)
        optimizer = V.choice("optimizer", optimizer, _OPTIMIZERS)
        gamma = V.unit_interval("gamma", gamma)
        baseline = V.choice("baseline", baseline, _BASELINES)
        baseline_lr = 10.0 * lr if baseline_lr is None else V.positive("baseline_lr", baseline_lr)
        normalize_returns = V.boolean("normalize_returns", normalize_returns)
        discount_gradient = V.boolean("discount_gradient", discount_gradient)
        update = V.choice("update", update, _UPDATES)
        batch_episodes = V.integer("batch_episodes", batch_episodes, 1)
        entropy_coef = V.non_negative("entropy_coef", entropy_coef)
        max_grad_norm = V.optional_positive("max_grad_norm", max_grad_norm)
        truncation = V.choice("truncation", truncation, _TRUNCATIONS)
        seed = V.seed("seed", seed)
        backend = V.choice("backend", backend, _BACKENDS)
        log_std_init = V.real("log_std_init", log_std_init)
        state_dependent_std = V.boolean("state_dependent_std", state_dependent_std)
        if features is not None and not (isinstance(features, F.Spec) or callable(features)):
            raise TypeError(
                "features must be a pgfast.features spec, a callable (obs -> 1-D array) or None, "
                f"got {type(features).__name__}"
            )

        self.hyperparameters: dict[str, Any] = {
            "lr": lr, "optimizer": optimizer, "gamma": gamma, "baseline": baseline,
            "baseline_lr": baseline_lr, "normalize_returns": normalize_returns,
            "discount_gradient": discount_gradient, "update": update,
            "batch_episodes": batch_episodes, "entropy_coef": entropy_coef,
            "max_grad_norm": max_grad_norm, "truncation": truncation, "seed": seed,
            "log_std_init": log_std_init, "state_dependent_std": state_dependent_std,
        }
        self._setup(env, features, seed, backend)
        self._build()

    # ------------------------------------------------------------------ internals
    def _build(self) -> None:
        """Create policy, optimisers and the learner of the selected backend.

        Both backends run the C++ rollout (features, sampling, episodes, history); with
        ``backend="numpy"`` its updates run :func:`pgfast.reference.reinforce_update` on
        the twin policy, which shares the C++ policy's parameters (see :mod:`pgfast._twin`).
        """
        hp = self.hyperparameters
        d = self.spaces.n_features
        if self.spaces.discrete_actions:
            policy: Any = _core.LinearSoftmax(d, self.spaces.n_actions, True)
            learner_cls: Any = _core.SoftmaxLearner
        else:
            policy = _core.LinearGaussian(
                d, self.spaces.action_dim, True, hp["log_std_init"], -20.0, 2.0, hp["state_dependent_std"]
            )
            learner_cls = _core.GaussianLearner
        mod: Any = _core if self.backend == "cpp" else reference

        def make_opt(lr: float) -> Any:
            if hp["optimizer"] == "adam":
                return mod.Adam(lr, max_grad_norm=hp["max_grad_norm"])
            return mod.SGD(lr, max_grad_norm=hp["max_grad_norm"])

        self.optimizer = make_opt(hp["lr"])
        self.baseline_optimizer = make_opt(hp["baseline_lr"]) if hp["baseline"] else None
        config = dict(
            n_envs=self.spaces.n_envs, obs_dim=self.spaces.obs_dim, n_discrete=self.spaces.n_discrete,
            gamma=hp["gamma"], baseline=hp["baseline"] is not None, normalize_returns=hp["normalize_returns"],
            discount_gradient=hp["discount_gradient"], update=hp["update"],
            batch_episodes=hp["batch_episodes"], entropy_coef=hp["entropy_coef"],
            bootstrap_truncated=hp["truncation"] == "bootstrap",
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

    @property
    def baseline_params(self) -> np.ndarray:
        """Weights w of the linear baseline v(s, w) = w . [x(s), 1] (empty without one)."""
        w: np.ndarray = self._learner.baseline_params
        return w

    def __repr__(self) -> str:
        return f"Reinforce(env={self.spaces.env_id!r}, policy={self.policy!r}, backend={self.backend!r})"


def _split_callback(callback: Any) -> tuple[Any, Any]:
    if callback is None:
        return None, None
    on_step = getattr(callback, "on_step", None)
    on_episode = getattr(callback, "on_episode_end", None)
    if on_step is None and on_episode is None:
        if not callable(callback):
            raise TypeError("callback must be callable or define on_step / on_episode_end")
        return callback, None
    return on_step, on_episode

