"""Actor-critic over gymnasium environments (Sutton & Barto 2nd ed., §13.5-13.6).

One update per environment step, in the C++ core (``cpp/include/pgfast/algorithms/
actor_critic.hpp``); its plain-NumPy statement is :func:`pgfast.reference.actor_critic_step`.
The agent shares everything else with :class:`pgfast.Reinforce`: the learning loop over
single and vector environments, feature maps, acting, evaluation, callbacks, the
progress bar and the logs.
"""

from __future__ import annotations

from typing import Any, Callable, Optional, Union, cast

import numpy as np

from . import _core, _twin, reference
from . import _validate as V
from . import features as F
from ._validate import ActorCriticConfig
from .agent import _Agent, _gaussian_policy

__all__ = ["ActorCritic"]

_AC = ActorCriticConfig  # its class attributes are ActorCritic's defaults


class ActorCritic(_Agent):
    """Actor-critic with a linear policy and a linear critic (S&B §13.5-13.6).

    The three boxes of the book, selected by the switches:

    - one-step actor-critic (box p. 332): ``lambda_actor = lambda_critic = 0``;
    - actor-critic with eligibility traces, episodic (box p. 332): λ > 0;
    - actor-critic with eligibility traces, continuing (box p. 333):
      ``average_reward=True``.

    Per step, with v(s) = w·[x(s), 1] and I = γ^t (episodic)::

        δ = R + γ v(S') − v(S)            (v(S') = 0 if S' is terminal)
        z_w ← γ λ_w z_w + ∇v(S)           z_θ ← γ λ_θ z_θ + I ∇ln π(A|S)
        w ← w + α_w δ z_w                 θ ← θ + α_θ δ z_θ

    and in the continuing case δ = R − R̄ + v(S') − v(S), R̄ ← R̄ + α_R̄ δ, with no γ and
    no I. With ``entropy_coef`` β > 0 the actor's step also ascends the entropy of the
    policy at S (the bonus of A2C, and of :class:`pgfast.Reinforce`)::

        θ ← θ + α_θ δ z_θ + α_θ β ∇H(π(·|S, θ))

    with ∇H taken at θ before the step, outside the trace and without I. For the
    softmax, H = −Σ_b π_b ln π_b and, through h_b = θ_b·x(S) + b_b,
    ∂H/∂h_b = −π_b (ln π_b + H), so ∂H/∂θ_b = −π_b (ln π_b + H) x(S); for the
    Gaussian H = Σ_j (ln σ_j + ½ ln 2πe), so ∂H/∂ ln σ_j = 1 (0 where the log-std is
    clamped).

    Parameters
    ----------
    env : str, gymnasium.Env or gymnasium.vector.VectorEnv
        As for :class:`pgfast.Reinforce`. A vector environment gives every
        sub-environment its own traces (and I); all share θ, w and R̄, and are updated in
        sub-environment order.
    features : pgfast.features.Spec or callable, optional
        x(s) of the policy and of the critic; tile coding stays sparse, traces included.
    lr : float, optional
        α^θ, the policy's step size (Adam's with ``optimizer="adam"``). None (the
        default) depends on the action space: 0.001 for ``Discrete`` actions, 0.0003 for
        ``Box`` (see the notes below); ``agent.config.lr`` holds the value used.
    critic_lr : float
        α^w, the critic's step size (Adam's with ``optimizer="adam"``).
    gamma : float
        Discount γ in [0, 1] (episodic setting; ignored with ``average_reward``).
    lambda_actor, lambda_critic : float
        Trace decay rates λ^θ and λ^w in [0, 1]; 0 is the one-step actor-critic.
    average_reward : bool
        The continuing setting (box p. 333): the critic learns differential values and
        R̄ estimates the average reward (``agent.average_reward``). An episode end of
        the environment (a time limit, or termination) does not stop the task: the
        update bootstraps from v(S') of the final observation, and only the traces
        restart with the next state.
    reward_lr : float
        α^R̄, the step size of R̄ (continuing setting).
    traces : {"accumulating", "replacing", "dutch"}
        The critic's trace: the book's accumulating trace; replacing (z_i = x_i where
        x_i ≠ 0, the classic choice for binary features such as tiles); or dutch, true
        online TD(λ) (box p. 300, van Seijen et al. 2016). The actor's trace accumulates.
    trace_tolerance : float
        Trace entries whose magnitude falls below this after a decay become exactly 0
        and are no longer visited: with tile coding a step costs what the recently
        active tiles cost. 0 keeps every entry.
    seed : int, optional
        Seeds the action sampling and the environment resets.
    backend : {"cpp", "numpy"}
        ``"numpy"`` runs every step's update as :func:`pgfast.reference.actor_critic_step`,
        the plain-NumPy statement of the boxes, on the same rollout (the C++ bookkeeping,
        features and sampling): bit-identical results, slower.
    log_std_init : float
        Initial log-std of a Gaussian policy (``Box`` actions). The mean starts at the
        middle of the action box (0 on a symmetric one).
    state_dependent_std : bool
        Gaussian policy: log-std linear in the features (S&B eq. 13.18).
    entropy_coef : float
        β ≥ 0, the weight of the entropy bonus (above; 0, the default, is the book's
        update). It keeps a policy exploring where δ alone would make it deterministic
        early, e.g. on tabular tasks (one-hot states) such as FrozenLake or Taxi.
    optimizer : {"adam", "sgd"}
        How the steps are taken along δ z_θ (+ β ∇H) and δ z_w. ``"sgd"`` is the book's
        θ ← θ + α_θ δ z_θ, w ← w + α_w δ z_w. ``"adam"`` (the default) gives each an Adam
        optimiser (``agent.optimizer``, ``agent.critic_optimizer``; step sizes ``lr``
        and ``critic_lr``), so each parameter moves by about its step size whatever the
        scale of the rewards and of the features: the per-step analogue of A2C's
        RMSprop. Not with ``traces="dutch"`` (true online TD(λ)'s step is no gradient
        step). Adam's moments are dense: with large tile codings ``"sgd"``, which visits
        only the live trace entries, is much cheaper per step.
    lr_schedule : {"constant", "linear"}
        ``"linear"`` multiplies every step size (``lr``, ``critic_lr``, ``reward_lr``; the
        optimisers' steps as well) at each step by the fraction of the current
        :meth:`learn` call still to go, 1 - t / T at its t-th of T steps
        (Stable-Baselines3's ``progress_remaining``, as :class:`pgfast.Reinforce`).

    Attributes
    ----------
    policy : LinearSoftmax or LinearGaussian
        The actor; ``policy.params`` is a live view of θ.
    critic_params : numpy.ndarray
        A live view of w (``n_features + 1`` values, the last is the bias).
    average_reward : float
        R̄ (continuing setting).
    history : dict of numpy.ndarray
        Per episode ``episode_return``, ``episode_length``, ``episode_total_timesteps``;
        per episode also (as ``update_*`` records) ``update_baseline_loss``: the mean
        squared TD error δ² over the episode.
    optimizer, critic_optimizer : Adam or None
        The actor's and the critic's optimisers (``optimizer="adam"``; None with the
        book's steps).

    Notes
    -----
    The defaults (``optimizer="adam"``, ``lr`` 0.001 or 0.0003, ``critic_lr=0.1``,
    λ_θ = λ_w = 0.98) were chosen for robustness on raw observations over issue 14's
    table of classic tasks (seeds 0–9; ``examples/measure_defaults.py``), as
    :class:`pgfast.Reinforce`'s were. The book's SGD steps need a step size matched to
    the scale of the features and rewards: with raw observations no single one worked
    across CartPole, Acrobot and Pendulum (velocities of order 10 make a larger critic
    step diverge, a smaller one learns nothing), while Adam's steps are free of that
    scale. λ close to 1 makes the actor's step close to REINFORCE with the critic as a
    baseline, which a linear critic on raw observations (a poor value function) biases
    little; one-step actor–critic (λ = 0) needs a good critic, i.e. a feature map. The
    book's one-step algorithm is ``optimizer="sgd", lambda_actor=0, lambda_critic=0``.
    ``Box`` actions get a smaller ``lr`` for the reason given for
    :class:`pgfast.Reinforce`'s: a Gaussian's score is unbounded and Adam moves each
    parameter by about ``lr`` per step whatever the signal, so where the signal is weak
    (Pendulum-v1 with raw features, seeds 0–9, 200k steps) 0.001 drifts below a random
    policy (−1233 against −1206) and 0.0003 does not (−1184).
    """

    _learns_from_episodes = False
    _value_key = "critic_params"

    def __init__(
        self,
        env: Any,
        features: Union[F.Spec, Callable[[Any], Any], None] = None,
        lr: Optional[float] = _AC.lr,
        critic_lr: float = _AC.critic_lr,
        gamma: float = _AC.gamma,
        lambda_actor: float = _AC.lambda_actor,
        lambda_critic: float = _AC.lambda_critic,
        average_reward: bool = _AC.average_reward,
        reward_lr: float = _AC.reward_lr,
        traces: str = _AC.traces,
        trace_tolerance: float = _AC.trace_tolerance,
        seed: Optional[int] = None,
        backend: str = "cpp",
        log_std_init: float = _AC.log_std_init,
        state_dependent_std: bool = _AC.state_dependent_std,
        entropy_coef: float = _AC.entropy_coef,
        optimizer: str = _AC.optimizer,
        lr_schedule: str = _AC.lr_schedule,
    ) -> None:
        # the defaults above are ActorCriticConfig's; it checks every value (once)
        self.config: ActorCriticConfig = V.config_from(ActorCriticConfig, locals())
        self._init_agent(env, features, seed, backend)

    def _build(self) -> None:
        hp = self.config
        sp = self.spaces
        if sp.discrete_actions:
            policy: Any = _core.LinearSoftmax(sp.n_features, sp.n_actions, True)
            engine: Any = _core.SoftmaxActorCritic
        else:
            policy = _gaussian_policy(sp, hp.log_std_init, hp.state_dependent_std)
            engine = _core.GaussianActorCritic
        extra: dict[str, Any] = {"features": sp.feature_map} if sp.feature_map is not None else {}
        self.optimizer: Any = None
        self.critic_optimizer: Any = None
        if hp.optimizer == "adam":
            mod: Any = _core if self.backend == "cpp" else reference
            self.optimizer, self.critic_optimizer = mod.Adam(cast(float, hp.lr)), mod.Adam(hp.critic_lr)
            extra.update(optimizer=self.optimizer, critic_optimizer=self.critic_optimizer)
        config = dict(n_envs=sp.n_envs, obs_dim=sp.obs_dim, n_discrete=sp.n_discrete, **hp.learner_kwargs(),
                      **extra)
        if self.backend == "cpp":
            self.policy = policy
            self._learner = engine(policy, **config)
            return
        # backend="numpy": the C++ rollout runs reference.actor_critic_step at every step on
        # the twin policy, which shares the C++ policy's parameters (see pgfast._twin).
        self._learner, rule = _twin.actor_critic_engine(engine, policy, **config)
        self.policy = rule.policy

    def _optimizers(self) -> dict[str, Any]:
        if self.optimizer is None:  # the book's steps keep no state
            return {}
        return {"optimizer": self.optimizer, "critic_optimizer": self.critic_optimizer}

    @property
    def critic_params(self) -> np.ndarray:
        """The critic's weights w: a live view (``n_features + 1``, the last is the bias)."""
        w: np.ndarray = self._learner.critic_params
        return w

    @property
    def average_reward(self) -> float:
        """R̄, the estimate of the average reward r(π) (continuing setting, eq. 10.6)."""
        return float(self._learner.average_reward)

    def __repr__(self) -> str:
        return f"ActorCritic(env={self.spaces.env_id!r}, policy={self.policy!r})"
