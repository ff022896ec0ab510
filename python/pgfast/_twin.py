"""``backend="numpy"``: the C++ rollout driving the NumPy twin's update rules.

The bookkeeping of a run (features, sampling, per-environment steps, finished episodes,
history, checkpoints) exists once, in C++. With ``backend="numpy"`` the agent builds the
same C++ engine with an ``update_rule`` (REINFORCE) or a ``step_rule`` (actor–critic):
every update then runs :func:`pgfast.reference.reinforce_update` or
:func:`pgfast.reference.actor_critic_step` — plain NumPy — on the policy's parameters,
which the twin policy shares with the C++ one (one buffer). So a NumPy run is the C++ run
with the update written as the book writes it; the parity tests compare the two.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator
from typing import Any, Optional

import numpy as np

from . import _core, reference


def twin_policy(cpp_policy: Any) -> Any:
    """Return the NumPy twin of a C++ policy, sharing its parameter buffer (no copy)."""
    params = np.asarray(cpp_policy.params)  # a view of the C++ policy's own buffer
    if isinstance(cpp_policy, _core.LinearSoftmax):
        return reference.LinearSoftmax(
            cpp_policy.n_features, cpp_policy.n_actions, cpp_policy.bias, params=params
        )
    return reference.LinearGaussian(
        cpp_policy.n_features, cpp_policy.action_dim, cpp_policy.bias, 0.0, cpp_policy.log_std_min,
        cpp_policy.log_std_max, cpp_policy.state_dependent_std, params=params,
    )


def _dense(x: np.ndarray, n_features: int) -> np.ndarray:
    """Return feature rows as the twin takes them: active tile indices become 0/1 vectors.

    ``x`` is one row (1-D) or a batch of rows (2-D); float rows are returned as they are.
    """
    if x.dtype.kind == "f":
        return x
    out = np.zeros((*x.shape[:-1], n_features))
    np.put_along_axis(out, x, 1.0, axis=-1)
    return out


@contextlib.contextmanager
def _scaled_lr(optimizers: list[Any], f: float) -> Iterator[None]:
    """Within the block, each optimiser's ``lr`` is ``lr * f`` (the engine's lr schedule)."""
    saved = [o.lr for o in optimizers]
    for o, lr in zip(optimizers, saved):
        o.lr = lr * f
    try:
        yield
    finally:
        for o, lr in zip(optimizers, saved):
            o.lr = lr


class ReinforceRule:
    """REINFORCE's update for the C++ learner's ``update_rule`` (see :mod:`pgfast._twin`)."""

    def __init__(self, policy: Any, optimizer: Any, baseline_optimizer: Optional[Any], **config: Any) -> None:
        self.policy, self.optimizer, self.baseline_optimizer = policy, optimizer, baseline_optimizer
        self.config = config
        self.w: Optional[np.ndarray] = None  # the learner's baseline weights (a view), set by attach
        self.learner: Any = None

    def attach(self, learner: Any) -> Any:
        """Read and write the baseline weights of ``learner`` (one buffer); return it."""
        self.w = np.asarray(learner.baseline_params) if self.baseline_optimizer is not None else None
        self.learner = learner
        return learner

    def __call__(self, batch: dict[str, Any]) -> tuple[float, float, float]:
        if "I" in batch:
            batch["X"] = _dense(batch["I"], self.policy.n_features)
        optimizers = [o for o in (self.optimizer, self.baseline_optimizer) if o is not None]
        saved = [o.state() if hasattr(o, "state") else None for o in optimizers]

        def restore_moments() -> None:
            for o, st in zip(optimizers, saved):
                if st is not None:
                    o.set_state(*st)

        # Overflow is the C++ learner's to judge: it refuses an update that leaves a
        # parameter non-finite (or that raised, e.g. Ctrl-C), restores θ and w and raises.
        # A refused update never happened, so the optimisers' moments go back too.
        try:
            with np.errstate(over="ignore", invalid="ignore"), _scaled_lr(optimizers, self.learner.lr_scale):
                out = reference.reinforce_update(
                    self.policy, batch, self.optimizer, w=self.w, baseline_optimizer=self.baseline_optimizer,
                    **self.config,
                )
        except BaseException:
            restore_moments()
            raise
        if not (np.all(np.isfinite(self.policy.params)) and (self.w is None or np.all(np.isfinite(self.w)))):
            restore_moments()
        return out


class ActorCriticRule:
    """Actor–critic's step for the C++ engine's ``step_rule`` (see :mod:`pgfast._twin`).

    Keeps one :class:`pgfast.reference.ActorCriticState` per environment (traces, I,
    V_old); the critic weights w and R̄ are the engine's.
    """

    def __init__(self, policy: Any, n_envs: int, **config: Any) -> None:
        self.policy, self.config = policy, config
        self.n_envs = n_envs
        self.states: list[reference.ActorCriticState] = []
        self.learner: Any = None

    def attach(self, learner: Any) -> Any:
        """Share the critic weights of ``learner`` (one buffer); return it."""
        self.learner = learner
        w = np.asarray(learner.critic_params)
        self.states = [
            reference.ActorCriticState(w, np.zeros(self.policy.n_params), np.zeros(w.size))
            for _ in range(self.n_envs)
        ]
        return learner

    def __call__(
        self, e: int, first: bool, x: np.ndarray, a: np.ndarray, reward: float, terminated: bool,
        truncated: bool, x_next: Optional[np.ndarray],
    ) -> tuple[float, float]:
        state, d = self.states[e], self.policy.n_features
        if first:  # a new episode (or the engine restarted this one): traces, I, V_old
            state.new_episode()
        state.rbar = float(self.learner.average_reward)
        action = int(a[0]) if isinstance(self.policy, reference.LinearSoftmax) else a
        xn = np.zeros(d) if x_next is None else _dense(x_next, d)
        theta, w, rbar = self.policy.params.copy(), state.w.copy(), state.rbar
        optimizers = [o for o in (self.config.get("optimizer"), self.config.get("critic_optimizer"))
                      if o is not None]
        saved = [o.state() for o in optimizers]

        def restore() -> None:  # the step never happened: θ, w, R̄ and the optimisers' moments
            self.policy.params[...], state.w[...], state.rbar = theta, w, rbar
            for o, st in zip(optimizers, saved):
                o.set_state(*st)

        f = self.learner.lr_scale  # the engine's lr schedule: every step size times f
        config = {**self.config, **{k: self.config[k] * f for k in ("lr", "critic_lr", "reward_lr")}}
        try:
            with np.errstate(over="ignore", invalid="ignore"), _scaled_lr(optimizers, f):
                delta = reference.actor_critic_step(
                    self.policy, state, _dense(x, d), action, reward, xn, terminated, **config
                )
        except BaseException:
            restore()
            raise
        # the core refuses a step whose parameters or optimiser moments would not be finite
        moments_finite = all(np.all(np.isfinite(o.state()[1])) and np.all(np.isfinite(o.state()[2]))
                             for o in optimizers)
        if not (math.isfinite(delta) and math.isfinite(state.rbar) and np.all(np.isfinite(self.policy.params))
                and np.all(np.isfinite(state.w)) and moments_finite):
            # refused, as the C++ step refuses it: no parameter changes (the engine then
            # restarts this environment's episode bookkeeping, and the next call its traces)
            restore()
            raise ValueError(
                "the update would make parameters non-finite (step size too large?); parameters kept"
            )
        return delta, state.rbar


def reinforce_engine(
    learner_cls: Any, cpp_policy: Any, optimizer: Any, baseline_optimizer: Optional[Any] = None, **config: Any
) -> tuple[Any, Any]:
    """Build a C++ REINFORCE learner whose updates run :func:`pgfast.reference.reinforce_update`.

    ``optimizer``/``baseline_optimizer`` are :mod:`pgfast.reference` optimisers; ``config``
    the learner's keyword arguments. Returns (learner, rule); ``rule.policy`` is the twin
    policy, sharing ``cpp_policy``'s parameters.
    """
    policy = twin_policy(cpp_policy)
    rule = ReinforceRule(
        policy, optimizer, baseline_optimizer, gamma=config.get("gamma", 0.99),
        normalize_returns=config.get("normalize_returns", True),
        discount_gradient=config.get("discount_gradient", False),
        per_step=config.get("update", "per_episode") == "per_step",
        entropy_coef=config.get("entropy_coef", 0.0),
    )
    return rule.attach(learner_cls(cpp_policy, None, None, update_rule=rule, **config)), rule


# The actor-critic engine's settings that its update rule reads (box p. 332/333).
AC_RULE_KEYS = ("gamma", "lambda_actor", "lambda_critic", "lr", "critic_lr", "reward_lr", "average_reward",
                 "traces", "trace_tolerance")


def actor_critic_engine(engine_cls: Any, cpp_policy: Any, **config: Any) -> tuple[Any, Any]:
    """Build a C++ actor–critic engine whose steps run :func:`pgfast.reference.actor_critic_step`.

    ``config``: the engine's keyword arguments (every rule setting must be given). Returns
    (engine, rule); ``rule.policy`` is the twin policy, sharing ``cpp_policy``'s parameters,
    ``rule.states[e]`` environment e's traces.
    """
    policy = twin_policy(cpp_policy)
    # the engine's defaults: no bonus, the book's steps; the optimisers are the rule's (the
    # engine with a step rule keeps none)
    optimizers = {k: config.pop(k, None) for k in ("optimizer", "critic_optimizer")}
    rule = ActorCriticRule(policy, config.get("n_envs", 1), **{k: config[k] for k in AC_RULE_KEYS},
                           entropy_coef=config.get("entropy_coef", 0.0), **optimizers)
    return rule.attach(engine_cls(cpp_policy, step_rule=rule, **config)), rule
