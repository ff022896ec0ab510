"""Plain-NumPy twin of the C++ REINFORCE learner.

``SoftmaxLearner`` and ``GaussianLearner`` here mirror ``pgfast._core.SoftmaxLearner``
and ``pgfast._core.GaussianLearner``. This is ``backend="numpy"``: the executable
specification of the learner in ``cpp/include/pgfast/learner.hpp``, with the same
Python API, the same validation (nothing changes when an argument is rejected), the
same order of updates and the same random draws. Given the same seed, both learners
take the same actions and end with parameters equal to ~1e-9.

The learner is fed one call per environment step. It encodes each observation into a
feature vector x(s), samples A_t ~ π(·|S_t, θ), keeps the rollout of every environment,
and when episodes end it runs an update of REINFORCE (Sutton & Barto, *Reinforcement
Learning: An Introduction*, 2nd ed., box on p. 328), optionally with a learned linear
baseline v̂(s, w) = wᵀ[x(s), 1] (eq. 13.11 and the box on p. 330).

The policy and the optimisers are duck-typed: normally the NumPy reference classes
of :mod:`pgfast.reference` (``LinearSoftmax`` / ``LinearGaussian`` and ``SGD`` /
``Adam``). This module holds no policy or optimiser math of its own: it calls
``policy.sample``, ``policy.grad_log_prob``, ``policy.grad_entropy``,
``policy.entropy``, ``optimizer.step`` and :func:`pgfast.reference.discounted_returns`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Optional, Union

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["GaussianLearner", "SoftmaxLearner"]

FloatArray = NDArray[np.float64]

_UPDATE_MODES = ("per_step", "per_episode", "batch")
_HISTORY_KEYS = (
    "episode_return",
    "episode_length",
    "episode_end_step",
    "update_grad_norm",
    "update_entropy",
    "update_baseline_loss",
    "update_step",
)


# ----------------------------------------------------------------------------------
# Argument conversion (mirrors the checks of the C++ bindings)
# ----------------------------------------------------------------------------------


def _integer(value: object, name: str) -> int:
    """Return ``value`` as an int; floats and non-numbers are a TypeError."""
    if isinstance(value, float) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    return int(value)


def _real(value: Any, name: str) -> float:
    """Return ``value`` as a float; strings and non-numbers are a TypeError."""
    if isinstance(value, (str, bytes)) or not hasattr(value, "__float__"):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    return float(value)


def _float_array(value: ArrayLike, name: str) -> FloatArray:
    """Cast an array-like of numbers (or booleans) to a C-contiguous float64 array."""
    if value is None:
        raise TypeError(f"{name} must be array-like, got None")
    arr = np.asarray(value)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be a numeric array, got dtype {arr.dtype}")
    return np.ascontiguousarray(arr, dtype=np.float64)


def _flags(value: ArrayLike, name: str, n: int) -> NDArray[np.bool_]:
    """Return ``value`` as an (n,) bool array (non-zero numbers are True)."""
    if value is None:
        raise TypeError(f"{name} must be array-like, got None")
    arr = np.asarray(value)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be a numeric array, got dtype {arr.dtype}")
    if arr.shape != (n,):
        raise ValueError(f"{name} must have shape ({n},), got {arr.shape}")
    return arr.astype(bool)


def _generator(rng: object) -> np.random.Generator:
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            "rng must be a numpy.random.Generator (np.random.default_rng(seed)), "
            f"got {type(rng).__name__}"
        )
    return rng


def _standardise(v: FloatArray) -> FloatArray:
    """Return (v − mean v) / (std v + 1e-8), the population std (ddof = 0)."""
    out: FloatArray = (v - v.mean()) / (v.std() + 1e-8)
    return out


# ----------------------------------------------------------------------------------
# Rollout storage
# ----------------------------------------------------------------------------------


@dataclass
class _Episode:
    """The unfinished episode of one environment: x(S_t), A_t and R_{t+1}."""

    X: list[FloatArray] = field(default_factory=list)
    A: list[Any] = field(default_factory=list)
    R: list[float] = field(default_factory=list)

    def clear(self) -> None:
        self.X.clear()
        self.A.clear()
        self.R.clear()


@dataclass
class _Pool:
    """Finished episodes waiting for an update, concatenated step by step.

    ``tin`` is the time index t of each step within its episode; ``term`` / ``trunc``
    mark the last step of a terminated / truncated episode and ``boot`` holds the
    value v̂(S_T) that a truncated episode adds after its last reward (0 elsewhere).
    """

    X: list[FloatArray] = field(default_factory=list)
    A: list[Any] = field(default_factory=list)
    R: list[float] = field(default_factory=list)
    boot: list[float] = field(default_factory=list)
    tin: list[int] = field(default_factory=list)
    term: list[bool] = field(default_factory=list)
    trunc: list[bool] = field(default_factory=list)
    n_episodes: int = 0

    def clear(self) -> None:
        for steps in (self.X, self.A, self.R, self.boot, self.tin, self.term, self.trunc):
            steps.clear()
        self.n_episodes = 0


# ----------------------------------------------------------------------------------
# The learner
# ----------------------------------------------------------------------------------


class _Learner:
    """REINFORCE's per-step engine; see :class:`SoftmaxLearner` for the parameters."""

    def __init__(
        self,
        policy: Any,
        optimizer: Any,
        baseline_optimizer: Any = None,
        *,
        n_envs: int = 1,
        obs_dim: int,
        n_discrete: int = 0,
        gamma: float = 0.99,
        baseline: bool = False,
        normalize_returns: bool = True,
        discount_gradient: bool = False,
        update: str = "per_episode",
        batch_episodes: int = 1,
        entropy_coef: float = 0.0,
        bootstrap_truncated: bool = True,
        features: Any = None,
    ) -> None:
        # Argument types first (the C++ binding rejects them before running any code).
        if policy is not None:
            self._check_policy_type(policy)
        n_envs = _integer(n_envs, "n_envs")
        obs_dim = _integer(obs_dim, "obs_dim")
        n_discrete = _integer(n_discrete, "n_discrete")
        gamma = _real(gamma, "gamma")
        batch_episodes = _integer(batch_episodes, "batch_episodes")
        entropy_coef = _real(entropy_coef, "entropy_coef")
        if not isinstance(update, str):
            raise TypeError(f"update must be a str, got {type(update).__name__}")
        # Then the values, in the order of the C++ checks.
        if n_envs < 1:
            raise ValueError("n_envs must be >= 1")
        if obs_dim < 1:
            raise ValueError("obs_dim must be >= 1")
        if n_discrete < 0:
            raise ValueError("n_discrete must be >= 0")
        if update not in _UPDATE_MODES:
            raise ValueError(
                f"update must be 'per_step', 'per_episode' or 'batch', got '{update}'"
            )
        if batch_episodes < 1:
            raise ValueError("batch_episodes must be >= 1")
        if policy is None or optimizer is None:
            raise ValueError("policy and optimizer are required")
        for opt, name in ((optimizer, "optimizer"), (baseline_optimizer, "baseline_optimizer")):
            if opt is not None and not callable(getattr(opt, "step", None)):
                raise TypeError(f"{name} must have a step(params, grad) method")
        if not 0.0 <= gamma <= 1.0:
            raise ValueError("gamma must be in [0, 1]")
        if not (math.isfinite(entropy_coef) and entropy_coef >= 0.0):
            raise ValueError("entropy_coef must be finite and >= 0")
        # A Box observation is used as is; a Discrete(n) observation i becomes e_i;
        # then the feature map (S&B ch. 9), when given, maps that vector to x(s).
        d = n_discrete if n_discrete else obs_dim
        if features is not None:
            if features.n_inputs != d:
                raise ValueError(
                    f"features expect {features.n_inputs} inputs but observations have {d}"
                )
            d = int(features.n_features)
        if policy.n_features != d:
            raise ValueError(
                f"policy has n_features={policy.n_features} but observations map to "
                f"{d} features"
            )
        baseline = bool(baseline)
        if baseline and baseline_optimizer is None:
            raise ValueError("baseline=True needs a baseline optimizer")

        self._policy = policy
        self._opt = optimizer
        self._vopt = baseline_optimizer
        self._n_envs = n_envs
        self._obs_dim = obs_dim
        self._n_discrete = n_discrete
        self._d = d
        self._features = features
        self._gamma = gamma
        self._baseline = baseline
        self._normalize = bool(normalize_returns)
        self._discount_gradient = bool(discount_gradient)
        self._update = update
        self._batch_episodes = batch_episodes
        self._entropy_coef = entropy_coef
        self._bootstrap_truncated = bool(bootstrap_truncated)

        # The baseline's weights w: v̂(s, w) = w[:d] · x(s) + w[d].
        self._w = np.zeros(d + 1 if baseline else 0)
        # The pending step of each environment: x(S_t) and A_t, waiting for R_{t+1}.
        self._pending_x = np.zeros((n_envs, d))
        self._pending_a: list[Any] = [None] * n_envs
        self._has_pending = np.zeros(n_envs, dtype=bool)
        self._episodes = [_Episode() for _ in range(n_envs)]
        self._pool = _Pool()
        self._history: dict[str, list[float]] = {key: [] for key in _HISTORY_KEYS}
        self._total_steps = 0

    # --- what differs between the two policy types ---------------------------------

    def _check_policy_type(self, policy: Any) -> None:
        raise NotImplementedError

    def _action_width(self) -> int:
        raise NotImplementedError

    def _stored_action(self, row: FloatArray) -> Any:
        """Return an action as ``policy.sample`` does, from a row of ``pending()["A"]``."""
        raise NotImplementedError

    def _actions_out(self, actions: list[Any], single: bool) -> Any:
        raise NotImplementedError

    def _project(self) -> None:
        """Run after every optimiser step (the Gaussian clamps its log-std here)."""

    # --- properties ---------------------------------------------------------------

    @property
    def n_envs(self) -> int:
        """Number of environments fed per call."""
        return self._n_envs

    @property
    def n_features(self) -> int:
        """Length of x(s)."""
        return self._d

    @property
    def total_steps(self) -> int:
        """Transitions recorded so far."""
        return self._total_steps

    @property
    def pending_episodes(self) -> int:
        """Finished episodes waiting for the next batch update."""
        return self._pool.n_episodes

    @property
    def baseline_params(self) -> FloatArray:
        """The linear baseline's weights w (n_features + 1, the last is the bias): a writable view."""
        return self._w

    # --- observations -------------------------------------------------------------

    def _read_row(self, obs: ArrayLike, name: str) -> FloatArray:
        """One observation of ``obs_dim`` values (any shape of that size)."""
        arr = _float_array(obs, name)
        if arr.size != self._obs_dim:
            raise ValueError(
                f"{name} must hold {self._obs_dim} values, got shape {arr.shape}"
            )
        return arr.reshape(self._obs_dim)

    def _rows(self, obs: ArrayLike, name: str) -> FloatArray:
        """``n_envs`` observation rows, shape (n_envs, obs_dim)."""
        arr = _float_array(obs, name)
        n, od = self._n_envs, self._obs_dim
        if not (arr.size == n * od and arr.ndim >= 1 and arr.shape[0] == n):
            raise ValueError(
                f"{name} must have n_envs={n} rows of {od} values, got shape {arr.shape}"
            )
        return arr.reshape(n, od)

    def _check_row(self, obs: FloatArray, what: str) -> None:
        """Raise if an observation row cannot be encoded (before anything changes)."""
        if not np.all(np.isfinite(obs)):
            raise ValueError(f"{what} contains NaN or inf")
        if self._n_discrete:
            v = float(obs[0])
            if v != math.floor(v) or v < 0 or v >= self._n_discrete:
                # std::out_of_range in the C++ core, which pybind11 turns into IndexError.
                raise IndexError(f"{what} {v} is not a state of Discrete({self._n_discrete})")

    def _check_rows(self, obs: FloatArray) -> None:
        for row in obs:
            self._check_row(row, "observation")

    def _encode_row(self, obs: FloatArray) -> FloatArray:
        """Return x(s): the observation, or the one-hot e_i of Discrete state i, mapped.

        The feature map, when there is one, maps that vector (dense, even for tile coding).
        """
        if self._n_discrete:
            s = np.zeros(self._n_discrete)
            s[int(obs[0])] = 1.0
        else:
            s = np.array(obs, dtype=np.float64)
        if self._features is not None:
            x: FloatArray = self._features(s)
            return x
        return s

    def _value(self, x: FloatArray) -> float:
        """v̂(s, w) = w[:d] · x(s) + w[d]."""
        return float(self._w[: self._d] @ x + self._w[self._d])

    # --- acting -------------------------------------------------------------------

    def _act(self, obs: FloatArray, rng: np.random.Generator) -> list[Any]:
        """A_e ~ π(·|x(obs_e)) for every environment e, in order; remembered as pending.

        One ``policy.sample`` call per environment: one ``rng.random()`` for a softmax,
        ``action_dim`` standard normals for a Gaussian.
        """
        self._check_rows(obs)
        actions = []
        for e in range(self._n_envs):
            x = self._encode_row(obs[e])
            self._pending_x[e] = x
            a = self._policy.sample(x, rng)
            self._pending_a[e] = a
            self._has_pending[e] = True
            actions.append(a)
        return actions

    # --- recording ----------------------------------------------------------------

    def _record(
        self,
        rewards: FloatArray,
        terminated: NDArray[np.bool_],
        truncated: NDArray[np.bool_],
        final_obs: FloatArray,
        mask: Optional[NDArray[np.bool_]],
    ) -> None:
        """Record R_{t+1} and the episode ends of the pending step of every masked env.

        Everything is validated before anything changes; then the updates that become
        due run (one per finished episode, or one per batch at the end of the call).
        """
        selected = [e for e in range(self._n_envs) if mask is None or mask[e]]
        for e in selected:
            if not self._has_pending[e]:
                # std::logic_error in the C++ core, which pybind11 turns into RuntimeError.
                raise RuntimeError("record() without a pending action: call act() first")
            if not math.isfinite(rewards[e]):
                raise ValueError("reward contains NaN or inf")
            if terminated[e] or truncated[e]:
                self._check_row(final_obs[e], "final observation")
        for e in selected:
            ep = self._episodes[e]
            ep.X.append(self._pending_x[e].copy())
            ep.A.append(self._pending_a[e])
            ep.R.append(float(rewards[e]))
            self._has_pending[e] = False
            self._total_steps += 1
            if terminated[e] or truncated[e]:
                self._close_episode(e, bool(terminated[e]), final_obs[e])
        self._run_due_updates()

    def _close_episode(self, e: int, terminated: bool, final_obs: FloatArray) -> None:
        """Move the finished episode of env ``e`` to the pool (``terminated`` wins).

        A truncated episode (time limit) with a baseline and ``bootstrap_truncated``
        adds γ v̂(S_T, w) after its last reward, with w as it is now.
        """
        ep = self._episodes[e]
        T = len(ep.R)
        tail = 0.0
        if not terminated and self._baseline and self._bootstrap_truncated:
            tail = self._value(self._encode_row(final_obs))
        pool = self._pool
        pool.X.extend(ep.X)
        pool.A.extend(ep.A)
        pool.R.extend(ep.R)
        for t in range(T):
            last = t + 1 == T
            pool.tin.append(t)
            pool.term.append(last and terminated)
            pool.trunc.append(last and not terminated)
            pool.boot.append(tail if last else 0.0)
        pool.n_episodes += 1
        self._history["episode_return"].append(float(sum(ep.R)))
        self._history["episode_length"].append(float(T))
        self._history["episode_end_step"].append(float(self._total_steps))
        ep.clear()
        if self._update != "batch":
            self._run_due_updates()  # one update per episode, in order

    # --- updates ------------------------------------------------------------------

    def _run_due_updates(self) -> None:
        """Run the update that is due, if any; on any error restore θ and w and re-raise.

        Either way the pool of finished episodes is emptied.
        """
        need = self._batch_episodes if self._update == "batch" else 1
        if self._pool.n_episodes < need:
            return
        params = self._policy.params
        backup, backup_w = params.copy(), self._w.copy()
        # Adam's (t, m, v) too: a refused update leaves the optimisers as it found them.
        optimizers = [o for o in (self._opt, self._vopt) if o is not None and hasattr(o, "state")]
        backup_opt = [o.state() for o in optimizers]
        n_logged = len(self._history["update_step"])
        try:
            # Overflow is detected below (as in C++), not warned about on the way.
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                if self._update == "per_step":
                    self._update_per_step()
                else:
                    self._update_batch()
            if not (np.all(np.isfinite(params)) and np.all(np.isfinite(self._w))):
                raise ValueError(
                    "the update produced non-finite parameters (step size too large?); "
                    "parameters restored"
                )
        except BaseException:
            params[...] = backup
            self._w[...] = backup_w
            for o, state in zip(optimizers, backup_opt):
                o.set_state(*state)
            for key in ("update_grad_norm", "update_entropy", "update_baseline_loss", "update_step"):
                del self._history[key][n_logged:]
            self._pool.clear()
            raise
        self._pool.clear()

    def _pool_returns(self) -> FloatArray:
        """G_t = R_{t+1} + γ G_{t+1} over the pool, restarting at every episode end."""
        from .reference import discounted_returns

        pool = self._pool
        return discounted_returns(
            np.array(pool.R),
            np.array(pool.term),
            np.array(pool.trunc),
            gamma=self._gamma,
            bootstrap=np.array(pool.boot),
        )

    def _discounts(self) -> FloatArray:
        """γ^t per pooled step (t counted from the start of its episode), or all ones."""
        tin = np.array(self._pool.tin, dtype=np.float64)
        if self._discount_gradient:
            return np.power(self._gamma, tin)
        return np.ones_like(tin)

    def _update_batch(self) -> None:
        r"""One optimiser step for the E pooled episodes (``per_episode`` and ``batch``).

        The REINFORCE update of Sutton & Barto (2nd ed.), box on p. 328,
        θ ← θ + α γ^t G_t ∇ ln π(A_t|S_t, θ), summed over the steps of the pool instead
        of applied step by step (as in the PyTorch example). The ascent direction is

            g = (1/E) Σ_t γ^t ψ_t ∇ ln π(A_t|S_t, θ) + entropy_coef (1/E) Σ_t ∇H(π(·|S_t))

        where ψ_t = G_t, or with a baseline (eq. 13.11 and the box on p. 330)
        ψ_t = δ_t = G_t − v̂(S_t, w); ψ is standardised over the pool when
        ``normalize_returns``, and γ^t is 1 unless ``discount_gradient``. After the
        policy step, the baseline takes one step along (1/E) Σ_t δ_t ∇v̂(S_t, w),
        ∇v̂ = [x(S_t), 1], with the unstandardised δ.
        """
        policy, pool = self._policy, self._pool
        G = self._pool_returns()
        X = np.array(pool.X)
        A = np.asarray(pool.A)
        scale = 1.0 / pool.n_episodes
        psi = G.copy()
        baseline_loss = 0.0
        if self._baseline:
            delta = G - (X @ self._w[: self._d] + self._w[self._d])
            baseline_loss = float(np.mean(delta**2))
            psi = delta.copy()
        if self._normalize:
            psi = _standardise(psi)
        g = (scale * self._discounts() * psi) @ policy.grad_log_prob(X, A)
        if self._entropy_coef > 0.0:
            g += scale * self._entropy_coef * policy.grad_entropy(X).sum(axis=0)
        entropy = float(np.mean(policy.entropy(X)))
        grad_norm = self._opt.step(policy.params, g)
        self._project()
        if self._baseline:
            X1 = np.hstack([X, np.ones((X.shape[0], 1))])  # ∇v̂ = [x(s), 1]
            self._vopt.step(self._w, (scale * delta) @ X1)
        self._log_update(grad_norm, entropy, baseline_loss)

    def _update_per_step(self) -> None:
        r"""Run the book's loop over the finished episode, θ and w changing at every step.

        Sutton & Barto (2nd ed.), box on p. 328 (REINFORCE) and, with a baseline,
        eq. 13.11 and the box on p. 330 (REINFORCE with baseline): for t = 0, …, T−1,

            δ ← G_t − v̂(S_t, w)
            w ← w + α_w δ ∇v̂(S_t, w)                   (∇v̂ = [x(S_t), 1])
            θ ← θ + α γ^t δ ∇ ln π(A_t|S_t, θ)

        (δ = G_t without a baseline), each with θ and w as they are at step t, plus
        entropy_coef ∇H(π(·|S_t)) in the policy direction. ``normalize_returns``
        standardises G over the episode first; γ^t is 1 unless ``discount_gradient``.
        """
        policy, pool = self._policy, self._pool
        G = self._pool_returns()
        if self._normalize:
            G = _standardise(G)
        discounts = self._discounts()
        n = len(pool.R)
        grad_norm_sum = entropy_sum = baseline_loss = 0.0
        for t in range(n):
            x, a = pool.X[t], pool.A[t]
            psi = G[t]
            if self._baseline:
                delta = G[t] - self._value(x)
                baseline_loss += delta * delta
                self._vopt.step(self._w, delta * np.append(x, 1.0))
                psi = delta
            g = discounts[t] * psi * policy.grad_log_prob(x, a)
            if self._entropy_coef > 0.0:
                g = g + self._entropy_coef * policy.grad_entropy(x)
            entropy_sum += float(policy.entropy(x))
            grad_norm_sum += self._opt.step(policy.params, g)
            self._project()
        self._log_update(grad_norm_sum / n, entropy_sum / n, baseline_loss / n)

    def _log_update(self, grad_norm: float, entropy: float, baseline_loss: float) -> None:
        h = self._history
        h["update_grad_norm"].append(float(grad_norm))
        h["update_entropy"].append(float(entropy))
        h["update_baseline_loss"].append(float(baseline_loss) if self._baseline else math.nan)
        h["update_step"].append(float(self._total_steps))

    # --- public per-step API --------------------------------------------------------

    def act1(self, obs: ArrayLike, rng: np.random.Generator) -> Any:
        """Sample the first action of an episode (single environment).

        Parameters
        ----------
        obs : array_like
            The observation S_0 (``obs_dim`` values).
        rng : numpy.random.Generator
            The source of randomness; its stream is consumed.

        Returns
        -------
        int or numpy.ndarray
            An int (softmax) or an array of shape (action_dim,) (Gaussian).
        """
        if self._n_envs != 1:
            raise ValueError("act1 needs n_envs == 1; use act")
        row = self._read_row(obs, "observation")
        rng = _generator(rng)
        return self._actions_out(self._act(row[np.newaxis], rng), single=True)

    def step1(
        self,
        obs: ArrayLike,
        reward: float,
        terminated: bool,
        truncated: bool,
        rng: np.random.Generator,
    ) -> Any:
        """Single environment: record the last step and return the next action.

        Records (reward, terminated, truncated) of the last action with ``obs`` =
        S_{t+1}, runs the update that becomes due, and samples the next action.

        Parameters
        ----------
        obs : array_like
            S_{t+1} (``obs_dim`` values); the final observation when the episode ended.
        reward : float
            R_{t+1}.
        terminated, truncated : bool
            Whether the episode terminated / was truncated (time limit) at S_{t+1}.
        rng : numpy.random.Generator
            The source of randomness; its stream is consumed.

        Returns
        -------
        int or numpy.ndarray or None
            The next action, or None when the episode ended (reset the env, then call
            :meth:`act1`).
        """
        reward = _real(reward, "reward")
        te, tr = bool(terminated), bool(truncated)
        if self._n_envs != 1:
            raise ValueError("step1 needs n_envs == 1; use step")
        row = self._read_row(obs, "observation")
        self._check_row(row, "observation")
        rows = row[np.newaxis]
        record_args = (np.array([reward]), np.array([te]), np.array([tr]), rows, None)
        if te or tr:
            self._record(*record_args)
            return None
        rng = _generator(rng)  # before recording: a bad rng changes nothing
        self._record(*record_args)
        return self._actions_out(self._act(rows, rng), single=True)

    def act(self, obs: ArrayLike, rng: np.random.Generator) -> NDArray[Any]:
        """Sample an action for every environment.

        Parameters
        ----------
        obs : array_like, shape (n_envs, obs_dim)
            One observation per environment.
        rng : numpy.random.Generator
            The source of randomness; its stream is consumed (environments in order).

        Returns
        -------
        numpy.ndarray
            int64 of shape (n_envs,) (softmax) or float64 of shape (n_envs, action_dim).
        """
        rows = self._rows(obs, "obs")
        rng = _generator(rng)
        actions: NDArray[Any] = self._actions_out(self._act(rows, rng), single=False)
        return actions

    def step(
        self,
        obs: ArrayLike,
        rewards: ArrayLike,
        terminated: ArrayLike,
        truncated: ArrayLike,
        rng: np.random.Generator,
        final_obs: Optional[ArrayLike] = None,
        mask: Optional[ArrayLike] = None,
    ) -> NDArray[Any]:
        """Vector environments: record one step of every masked env, then act in all.

        Records the step of every environment whose ``mask`` is True, runs the updates
        that become due, then samples an action for every environment from ``obs``.

        Parameters
        ----------
        obs : array_like, shape (n_envs, obs_dim)
            S_{t+1} of every environment (after an automatic reset: the new S_0).
        rewards : array_like, shape (n_envs,)
            R_{t+1} of every environment.
        terminated, truncated : array_like of bool, shape (n_envs,)
            Episode ends at S_{t+1}.
        rng : numpy.random.Generator
            The source of randomness; its stream is consumed (environments in order).
        final_obs : array_like, shape (n_envs, obs_dim), optional
            ``final_obs[e]`` is the last observation of an episode that just ended
            (used to bootstrap truncated episodes); defaults to ``obs``.
        mask : array_like of bool, shape (n_envs,), optional
            Which environments' steps to record (default: all).

        Returns
        -------
        numpy.ndarray
            int64 of shape (n_envs,) (softmax) or float64 of shape (n_envs, action_dim).
        """
        n = self._n_envs
        rows = self._rows(obs, "obs")
        r = _float_array(rewards, "rewards")
        if r.shape != (n,):
            raise ValueError(f"rewards must have shape ({n},), got {r.shape}")
        te = _flags(terminated, "terminated", n)
        tr = _flags(truncated, "truncated", n)
        fin = rows if final_obs is None else self._rows(final_obs, "final_obs")
        selected = None if mask is None else _flags(mask, "mask", n)
        self._check_rows(rows)
        rng = _generator(rng)
        self._record(r, te, tr, fin, selected)
        actions: NDArray[Any] = self._actions_out(self._act(rows, rng), single=False)
        return actions

    def encode(self, obs: ArrayLike) -> FloatArray:
        """Feature vectors x(s) of observations.

        Parameters
        ----------
        obs : array_like
            A multiple of ``obs_dim`` values: N observations.

        Returns
        -------
        numpy.ndarray
            Shape (N, n_features).
        """
        arr = _float_array(obs, "obs")
        od = self._obs_dim
        if arr.size == 0 or arr.size % od != 0:
            raise ValueError(f"obs must hold a multiple of {od} values, got shape {arr.shape}")
        rows = arr.reshape(-1, od)
        x = np.empty((rows.shape[0], self._d))
        for i, row in enumerate(rows):
            self._check_row(row, "observation")
            x[i] = self._encode_row(row)
        return x

    def discard_unfinished(self) -> None:
        """Forget unfinished episodes (e.g. when the environments are reset by the caller)."""
        for ep in self._episodes:
            ep.clear()
        self._has_pending[:] = False

    def history(self, since_episode: int = 0, since_update: int = 0) -> dict[str, FloatArray]:
        """Return a copy of what was recorded: per episode and per update.

        Parameters
        ----------
        since_episode, since_update : int
            First episode and first update copied (the binding's signature).

        Returns
        -------
        dict of str to numpy.ndarray
            ``episode_return``, ``episode_length``, ``episode_end_step`` (one entry per
            finished episode) and ``update_grad_norm``, ``update_entropy``,
            ``update_baseline_loss`` (NaN without a baseline), ``update_step`` (one entry
            per update), all float64.
        """
        if since_episode < 0 or since_update < 0:
            raise ValueError("since_episode and since_update must be >= 0")
        return {key: np.array(values[since_episode if key.startswith("episode") else since_update:],
                              dtype=np.float64) for key, values in self._history.items()}

    def n_episodes(self) -> int:
        """Return the number of episodes finished so far."""
        return len(self._history["episode_return"])

    def episode(self, i: int) -> tuple[float, int]:
        """Return (return, length) of finished episode ``i`` (negative counts from the end).

        Parameters
        ----------
        i : int
            Episode index.

        Returns
        -------
        tuple of (float, int)
            The undiscounted return and the length of the episode.
        """
        i = _integer(i, "i")
        n = self.n_episodes()
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError("episode index out of range")
        return self._history["episode_return"][i], int(self._history["episode_length"][i])

    def restore(self, history: dict[str, ArrayLike], total_steps: int) -> None:
        """Restore :meth:`history` and ``total_steps`` (for load).

        Parameters
        ----------
        history : dict
            A dict with the keys of :meth:`history`.
        total_steps : int
            Transitions recorded so far.
        """
        if not isinstance(history, dict):
            raise TypeError(f"history must be a dict, got {type(history).__name__}")
        total_steps = _integer(total_steps, "total_steps")
        restored = {
            key: [float(v) for v in _float_array(history[key], key).ravel()]
            for key in _HISTORY_KEYS
        }
        self._history = restored
        self._total_steps = total_steps


    def pending(self) -> dict[str, Any]:
        """Return a copy of the finished episodes waiting for the next batch update.

        Returns
        -------
        dict
            ``X`` (steps, n_features) feature rows — or ``I`` (steps, n_active), the
            active indices, for a sparse map —, ``A`` (steps, action width), ``R``,
            ``boot``, ``tin``, ``term``, ``trunc`` per step, and ``n_episodes``.
        """
        pool = self._pool
        n = len(pool.R)
        X = np.array(pool.X, dtype=np.float64).reshape(n, self._d)
        out: dict[str, Any] = {}
        if self._features is not None and getattr(self._features, "sparse", False):
            k = int(self._features.n_active)
            out["I"] = np.array([np.flatnonzero(x) for x in X], dtype=np.int64).reshape(n, k)
        else:
            out["X"] = X
        width = self._action_width()
        out["A"] = np.array(pool.A, dtype=np.float64).reshape(n, width)
        out["R"] = np.array(pool.R, dtype=np.float64)
        out["boot"] = np.array(pool.boot, dtype=np.float64)
        out["tin"] = np.array(pool.tin, dtype=np.float64)
        out["term"] = np.array(pool.term, dtype=bool)
        out["trunc"] = np.array(pool.trunc, dtype=bool)
        out["n_episodes"] = pool.n_episodes
        return out

    def restore_pending(self, pending: dict[str, Any]) -> None:
        """Restore :meth:`pending` (for load); validated before anything changes.

        Parameters
        ----------
        pending : dict
            The output of :meth:`pending` (of either backend).
        """
        def bad(what: str) -> ValueError:
            return ValueError(f"pending episodes: {what}")

        for key in ("A", "R", "boot", "tin", "term", "trunc", "n_episodes"):
            if key not in pending:
                raise bad(f"missing '{key}'")
        R = _float_array(pending["R"], "R").ravel()
        n = R.size
        sparse = self._features is not None and getattr(self._features, "sparse", False)
        if sparse:
            if "I" not in pending:
                raise bad("missing 'I'")
            idx = np.asarray(pending["I"])
            if idx.dtype.kind not in "iu":
                raise TypeError("pending episodes: I must be integer indices")
            if idx.size and (idx.min() < 0 or idx.max() >= self._d):
                raise bad("a feature index is out of range")
            k = int(self._features.n_active)
            if idx.size != n * k:
                raise bad("feature rows do not match the steps")
            X = np.zeros((n, self._d))
            np.put_along_axis(X, idx.reshape(n, k).astype(np.int64), 1.0, axis=1)
        else:
            if "X" not in pending:
                raise bad("missing 'X'")
            X = _float_array(pending["X"], "X")
            if X.size != n * self._d:
                raise bad("feature rows do not match the steps")
            X = X.reshape(n, self._d)
        width = self._action_width()
        A = _float_array(pending["A"], "A")
        if A.size != n * width:
            raise bad("actions do not match the steps")
        A = A.reshape(n, width)
        boot = _float_array(pending["boot"], "boot").ravel()
        tin = _float_array(pending["tin"], "tin").ravel()
        term = np.asarray(pending["term"], dtype=bool).ravel()
        trunc = np.asarray(pending["trunc"], dtype=bool).ravel()
        if not (boot.size == tin.size == term.size == trunc.size == n):
            raise bad("step fields differ in length")
        if not all(np.all(np.isfinite(a)) for a in (X, A, R, boot)):
            raise bad("contain NaN or inf")
        n_episodes = _integer(pending["n_episodes"], "n_episodes")
        if n_episodes < 0:
            raise bad("n_episodes must be >= 0")
        ends = term | trunc
        if np.any(term & trunc):
            raise bad("a step is both terminated and truncated")
        expect = np.zeros(n)
        for t in range(1, n):
            expect[t] = 0.0 if ends[t - 1] else tin[t - 1] + 1.0
        if not np.array_equal(tin, expect):
            raise bad("time indices are inconsistent")
        if self._action_width() == 1 and isinstance(self, SoftmaxLearner):
            a = A[:, 0]
            if np.any((a < 0) | (a >= self._policy.n_actions) | (a != np.floor(a))):
                raise ValueError("pending episodes: an action is not an action of the policy")
        if n > 0 and not ends[-1]:
            raise bad("the last step does not end an episode")
        if int(ends.sum()) != n_episodes:
            raise bad("the episode count does not match the ends")
        if n_episodes >= (self._batch_episodes if self._update == "batch" else 1):
            raise bad("as many episodes as an update takes would have been used already")
        pool = _Pool()
        pool.X = [row.copy() for row in X]
        pool.A = [self._stored_action(row) for row in A]
        pool.R = [float(r) for r in R]
        pool.boot = [float(b) for b in boot]
        pool.tin = [int(t) for t in tin]
        pool.term = [bool(b) for b in term]
        pool.trunc = [bool(b) for b in trunc]
        pool.n_episodes = n_episodes
        self._pool = pool


class SoftmaxLearner(_Learner):
    """REINFORCE's per-step engine for a linear softmax policy (NumPy reference).

    Sutton & Barto, 2nd ed.: REINFORCE (box on p. 328); with baseline, eq. 13.11 and
    the box on p. 330. The twin of ``pgfast._core.SoftmaxLearner``.

    Parameters
    ----------
    policy : pgfast.reference.LinearSoftmax
        The policy π(·|·, θ); its ``params`` are updated in place.
    optimizer : pgfast.reference.SGD or pgfast.reference.Adam
        The policy's optimiser (gradient ascent).
    baseline_optimizer : pgfast.reference.SGD or pgfast.reference.Adam, optional
        The baseline's optimiser; required when ``baseline`` is True.
    n_envs : int, default 1
        Number of environments fed per call.
    obs_dim : int
        Values per observation.
    n_discrete : int, default 0
        0 for a Box observation (used as the feature vector); else the size of a
        Discrete observation space (state i becomes the one-hot vector e_i).
    gamma : float, default 0.99
        Discount rate γ, in [0, 1].
    baseline : bool, default False
        Learn v̂(s, w) = wᵀ[x(s), 1] and use δ = G − v̂ instead of G.
    normalize_returns : bool, default True
        Standardise the weights of each update ((ψ − mean) / (std + 1e-8)).
    discount_gradient : bool, default False
        Multiply step t's term by γ^t, as in the book.
    update : {"per_step", "per_episode", "batch"}, default "per_episode"
        When θ changes: at every step of a finished episode (the book's loop), once per
        finished episode, or once per ``batch_episodes`` finished episodes.
    batch_episodes : int, default 1
        Episodes per update in ``batch`` mode (all environments pooled).
    entropy_coef : float, default 0.0
        Weight of the entropy bonus ∇H(π(·|S_t)) added at every step.
    bootstrap_truncated : bool, default True
        A truncated episode adds γ v̂(S_T) after its last reward (needs a baseline);
        otherwise truncation is treated as termination.
    """

    def _check_policy_type(self, policy: Any) -> None:
        if not hasattr(policy, "n_actions"):
            raise TypeError(
                f"SoftmaxLearner needs a LinearSoftmax policy, got {type(policy).__name__}"
            )

    def _action_width(self) -> int:
        return 1

    def _stored_action(self, row: FloatArray) -> Any:
        return int(row[0])

    def _actions_out(self, actions: list[Any], single: bool) -> Union[int, NDArray[np.int64]]:
        if single:
            return int(actions[0])
        return np.array([int(a) for a in actions], dtype=np.int64)


class GaussianLearner(_Learner):
    """REINFORCE's per-step engine for a linear Gaussian policy (NumPy reference).

    Sutton & Barto, 2nd ed.: REINFORCE (box on p. 328); with baseline, eq. 13.11 and
    the box on p. 330. The twin of ``pgfast._core.GaussianLearner``; the parameters are
    those of :class:`SoftmaxLearner`, with a ``pgfast.reference.LinearGaussian``
    policy whose log-std is clamped (``policy.project()``) after every optimiser step.
    """

    def _check_policy_type(self, policy: Any) -> None:
        if not hasattr(policy, "action_dim"):
            raise TypeError(
                f"GaussianLearner needs a LinearGaussian policy, got {type(policy).__name__}"
            )

    def _action_width(self) -> int:
        return int(self._policy.action_dim)

    def _stored_action(self, row: FloatArray) -> Any:
        return np.array(row, dtype=np.float64)

    def _actions_out(self, actions: list[Any], single: bool) -> FloatArray:
        A = np.array(actions, dtype=np.float64).reshape(len(actions), self._action_width())
        return A[0].copy() if single else A

    def _project(self) -> None:
        self._policy.project()
