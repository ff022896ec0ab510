"""Validation of the Python API's arguments: one checker per kind of value.

Every public argument of :mod:`pgfast`'s agents, CLI and sweeps is checked here, with a
message that names it. Booleans accept only ``bool`` (and ``numpy.bool_``): a string such
as ``"no"`` is truthy in Python and would silently mean ``True``. Numbers accept Python
and NumPy numbers, never ``bool`` and never strings. Array arguments are the bindings'
business (the C++ side validates every array it is given); :func:`bounds` is the one
checker of the bounds that feature maps scale their inputs by.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from collections.abc import Sequence
from typing import Any, Callable, Optional, TypeVar

import numpy as np
from numpy.typing import NDArray

T = TypeVar("T")


def _type_name(value: Any) -> str:
    return type(value).__name__


def boolean(name: str, value: Any) -> bool:
    """Return ``value`` as a bool; anything but a bool is a TypeError naming ``name``."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise TypeError(f"{name} must be True or False, got {value!r} ({_type_name(value)})")


def _number(name: str, value: Any) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {value!r} ({_type_name(value)})")
    return float(value)


def real(name: str, value: Any) -> float:
    """Return a finite real number as a float (TypeError for non-numbers, ValueError for NaN/inf)."""
    x = _number(name, value)
    if not math.isfinite(x):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return x


def positive(name: str, value: Any) -> float:
    """Return a finite number > 0 as a float."""
    x = _number(name, value)
    if not (math.isfinite(x) and x > 0.0):
        raise ValueError(f"{name} must be finite and > 0, got {value!r}")
    return x


def non_negative(name: str, value: Any) -> float:
    """Return a finite number >= 0 as a float."""
    x = _number(name, value)
    if not (math.isfinite(x) and x >= 0.0):
        raise ValueError(f"{name} must be finite and >= 0, got {value!r}")
    return x


def unit_interval(name: str, value: Any) -> float:
    """Return a number in [0, 1] as a float."""
    x = _number(name, value)
    if not 0.0 <= x <= 1.0:
        raise ValueError(f"{name} must be in [0, 1], got {value!r}")
    return x


def optional_positive(name: str, value: Any) -> Optional[float]:
    """Return None, or a finite number > 0."""
    return None if value is None else positive(name, value)


def integer(name: str, value: Any, minimum: Optional[int] = None, maximum: Optional[int] = None) -> int:
    """Return an int (Python or NumPy integer, not bool), optionally in [``minimum``, ``maximum``]."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {value!r} ({_type_name(value)})")
    n = int(value)
    if minimum is not None and n < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {n}")
    if maximum is not None and n > maximum:
        raise ValueError(f"{name} must be <= {maximum}, got {n}")
    return n


def timesteps(name: str, value: Any, minimum: Optional[int] = 0) -> int:
    """Return a step count: an int, or a float with a whole value (``1e5``, as in SB3's ``learn``)."""
    if isinstance(value, (float, np.floating)):
        if not (math.isfinite(value) and float(value).is_integer()):
            raise ValueError(f"{name} must be a whole number of steps, got {value!r}")
        value = int(value)
    return integer(name, value, minimum)


def optional_integer(name: str, value: Any, minimum: Optional[int] = None) -> Optional[int]:
    """Return None, or an int >= ``minimum``."""
    return None if value is None else integer(name, value, minimum)


def seed(name: str, value: Any) -> Optional[int]:
    """Return None or a non-negative int (what ``numpy.random.SeedSequence`` takes)."""
    if value is None:
        return None
    n = integer(name, value)
    if n < 0:
        raise ValueError(f"{name} must be a non-negative int or None, got {n}")
    return n


def choice(name: str, value: Any, allowed: Sequence[T]) -> T:
    """Return the member of ``allowed`` equal to ``value`` (None, or strings compared as strings)."""
    for a in allowed:
        if value is a or (isinstance(value, str) and isinstance(a, str) and value == a):
            return a
    raise ValueError(f"{name} must be one of {', '.join(map(repr, allowed))}; got {value!r}")


def bounds(
    value: Any, n_inputs: Optional[int] = None, *, name: str = "bounds", where: str = "input"
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Return ``(low, high)`` float64 arrays from bounds written as gymnasium writes them.

    The one checker of bounds in the Python API (the feature maps scale their inputs by
    them). The forms are those of ``gymnasium.spaces.Box(low, high, shape)``:
    ``(low, high)`` where each side is a number (the same for every input) or an array
    with one value per input (arrays of any shape are flattened in C order, as the agent
    flattens observations), or a ``gymnasium.spaces.Box``.

    Parameters
    ----------
    value : tuple of (low, high) or gymnasium.spaces.Box
        The bounds.
    n_inputs : int, optional
        The number of inputs k: numbers are broadcast to k values and arrays must have
        k. Without it, two numbers stay 0-d arrays and two arrays must have one size.
    name : str
        How the bounds are named in error messages.
    where : str
        How an input is named in error messages (``"input"``, ``"observation dimension"``).

    Returns
    -------
    tuple of numpy.ndarray
        ``(low, high)``: both 1-D of length k, or both 0-d.

    Raises
    ------
    TypeError
        When ``value`` is not a pair (nor a Box) or a side is not numeric.
    ValueError
        When the sides have different sizes, not k values, or an input's bounds are not
        finite or not low < high — naming that input.
    """
    from gymnasium import spaces

    # pgfast 0.1 took one (low, high) row per input: say so when that is what was given.
    rows = isinstance(value, (tuple, list)) and all(np.ndim(v) == 1 and len(v) == 2 for v in value)
    hint = " (bounds are (lows, highs) as in gymnasium.spaces.Box, not one (low, high) row per input)"
    if isinstance(value, spaces.Box):
        sides: Any = (value.low, value.high)
    elif isinstance(value, (tuple, list)) and len(value) == 2:
        sides = value
    else:
        count = f" of {len(value)} entries" if isinstance(value, (tuple, list)) else ""
        raise TypeError(
            f"{name} must be (low, high) — numbers or one value per input each — or a "
            f"gymnasium.spaces.Box, got {type(value).__name__}{count}" + (hint if rows else "")
        )
    arrays = []
    for side, side_name in zip(sides, ("low", "high")):
        try:
            a = np.asarray(side, dtype=np.float64)
        except (TypeError, ValueError):
            raise TypeError(f"{name}: {side_name} must be a number or numbers, got {side!r:.80}") from None
        arrays.append(a if a.ndim == 0 else a.ravel())
    low, high = arrays
    sizes = {a.size for a in arrays if a.ndim == 1}
    if len(sizes) > 1:
        raise ValueError(
            f"{name}: low has {low.size} values and high has {high.size}; give one value per "
            "input (or a number for every input) on each side"
        )
    if n_inputs is not None:
        if sizes and sizes != {n_inputs}:
            raise ValueError(f"{name} are for {sizes.pop()} inputs but there are {n_inputs}")
        low, high = np.broadcast_to(low, (n_inputs,)).copy(), np.broadcast_to(high, (n_inputs,)).copy()
    elif sizes:
        k = sizes.pop()
        low, high = np.broadcast_to(low, (k,)).copy(), np.broadcast_to(high, (k,)).copy()
    if low.size == 0:
        raise ValueError(f"{name} are empty: give one (low, high) per input")
    for j, (lo, hi) in enumerate(zip(low.ravel().tolist(), high.ravel().tolist())):
        label = f"{name} of {where} {j}" if low.ndim else f"{name} (every {where})"
        if not (math.isfinite(lo) and math.isfinite(hi)):
            raise ValueError(f"{label} must be finite, got [{lo}, {hi}]")
        if not lo < hi:
            raise ValueError(f"{label} need low < high, got [{lo}, {hi}]" + (hint if rows else ""))
    return low, high


# ------------------------------------------------------------------------------------
# The learners' hyper-parameters: spelled once, checked once
# ------------------------------------------------------------------------------------
_UPDATES = ("per_step", "per_episode", "batch")
_OPTIMIZERS = ("adam", "sgd")
_TRUNCATIONS = ("bootstrap", "terminal")
_BASELINES = (None, "linear")
_TRACES = ("accumulating", "replacing", "dutch")
_LR_SCHEDULES = ("constant", "linear")


def _check_fields(config: Any, checks: dict[str, Callable[[str, Any], Any]]) -> None:
    """Replace each field of the frozen ``config`` by its checked, normalised value."""
    for f in dataclasses.fields(config):
        object.__setattr__(config, f.name, checks[f.name](f.name, getattr(config, f.name)))


def _default_baseline_lr(lr: float, baseline: Optional[str]) -> float:
    """Return 10 * lr, the baseline's default step size; refuse it if it overflows and is used."""
    x = 10.0 * lr
    if baseline is not None and not math.isfinite(x):
        raise ValueError(f"baseline_lr defaults to 10 * lr, which overflows for lr={lr!r}: "
                         "pass baseline_lr, or baseline=None")
    return x


#: ``Reinforce``'s default policy step size by action space: ``{discrete: lr}``
#: (see :meth:`ReinforceConfig.for_actions` for why they differ).
DEFAULT_LR: dict[bool, float] = {True: 0.01, False: 0.003}
#: ``ActorCritic``'s (Adam steps at every environment step: a tenth of REINFORCE's).
AC_DEFAULT_LR: dict[bool, float] = {True: 0.001, False: 0.0003}

_C = TypeVar("_C", "ReinforceConfig", "ActorCriticConfig")


def _for_actions(config: _C, table: dict[bool, float], discrete: bool) -> _C:
    """Return ``config`` with an ``lr`` of None set to ``table[discrete]``."""
    if config.lr is not None:
        return config
    return dataclasses.replace(config, lr=table[discrete])


@dataclasses.dataclass(frozen=True)
class ReinforceConfig:
    """The hyper-parameters of :class:`pgfast.Reinforce` (see its docstring for each).

    The defaults here are the defaults of ``Reinforce(...)`` (its signature reads them),
    and ``__post_init__`` is the one place they are checked: a wrong type is a
    ``TypeError``, a wrong value a ``ValueError``, each naming the argument. An ``lr``
    of None depends on the action space and is set by :meth:`for_actions` (the agent
    calls it once it knows the space): :data:`DEFAULT_LR`. A ``baseline_lr`` of None
    becomes ``10 * lr``.
    """

    lr: Optional[float] = None
    optimizer: str = "adam"
    gamma: float = 0.99
    baseline: Optional[str] = "linear"
    baseline_lr: Optional[float] = None
    normalize_returns: bool = True
    discount_gradient: bool = False
    update: str = "batch"
    batch_episodes: int = 2
    entropy_coef: float = 0.0
    max_grad_norm: Optional[float] = None
    truncation: str = "bootstrap"
    log_std_init: float = 0.0
    state_dependent_std: bool = False
    lr_schedule: str = "constant"

    def __post_init__(self) -> None:
        lr = None if self.lr is None else positive("lr", self.lr)
        _check_fields(self, {
            "lr": lambda n, v: None if v is None else positive(n, v),
            "optimizer": lambda n, v: choice(n, v, _OPTIMIZERS),
            "gamma": unit_interval,
            "baseline": lambda n, v: choice(n, v, _BASELINES),
            "baseline_lr": lambda n, v: (positive(n, v) if v is not None
                                         else None if lr is None
                                         else _default_baseline_lr(lr, self.baseline)),
            "normalize_returns": boolean,
            "discount_gradient": boolean,
            "update": lambda n, v: choice(n, v, _UPDATES),
            "batch_episodes": lambda n, v: integer(n, v, 1, 2**31 - 1),
            "entropy_coef": non_negative,
            "max_grad_norm": optional_positive,
            "truncation": lambda n, v: choice(n, v, _TRUNCATIONS),
            "log_std_init": real,
            "state_dependent_std": boolean,
            "lr_schedule": lambda n, v: choice(n, v, _LR_SCHEDULES),
        })

    def for_actions(self, discrete: bool) -> ReinforceConfig:
        """Return the config with a default ``lr`` (None) set for the action space.

        ``DEFAULT_LR[discrete]``: 0.01 for a softmax policy (``Discrete`` actions), 0.003
        for a Gaussian one (``Box``). The Gaussian's score (a - mu) x / sigma^2 (eq. 13.19)
        is unbounded and its gradient estimate noisier; Adam moves each parameter by about
        ``lr`` per update whatever the signal, so where the signal is weak (Pendulum-v1
        with raw features) 0.01 drifts to policies worse than random, and 0.003 does not
        (seeds 10-59: +22 +- 4.5 over random, 0.01: -7 +- 12.5), while still solving
        InvertedPendulum-v5 on seeds 0-9 in 100k steps.
        """
        return _for_actions(self, DEFAULT_LR, discrete)

    def learner_kwargs(self) -> dict[str, Any]:
        """Return the keyword arguments of the learner (``_core.SoftmaxLearner`` and its twins)."""
        return {
            "gamma": self.gamma, "baseline": self.baseline is not None,
            "normalize_returns": self.normalize_returns, "discount_gradient": self.discount_gradient,
            "update": self.update, "batch_episodes": self.batch_episodes,
            "entropy_coef": self.entropy_coef, "bootstrap_truncated": self.truncation == "bootstrap",
        }


@dataclasses.dataclass(frozen=True)
class ActorCriticConfig:
    """The hyper-parameters of :class:`pgfast.ActorCritic` (see its docstring for each).

    As :class:`ReinforceConfig`: the defaults of ``ActorCritic(...)``, checked once here.
    """

    lr: Optional[float] = None
    critic_lr: float = 0.1
    gamma: float = 0.99
    lambda_actor: float = 0.98
    lambda_critic: float = 0.98
    average_reward: bool = False
    reward_lr: float = 0.01
    traces: str = "accumulating"
    trace_tolerance: float = 1e-12
    entropy_coef: float = 0.0
    log_std_init: float = 0.0
    state_dependent_std: bool = False
    optimizer: str = "adam"
    lr_schedule: str = "constant"

    def __post_init__(self) -> None:
        _check_fields(self, {
            "optimizer": lambda n, v: choice(n, v, _OPTIMIZERS),
            "lr": lambda n, v: None if v is None else positive(n, v),
            "critic_lr": positive,
            "gamma": unit_interval,
            "lambda_actor": unit_interval,
            "lambda_critic": unit_interval,
            "average_reward": boolean,
            "reward_lr": positive,
            "traces": lambda n, v: choice(n, v, _TRACES),
            "trace_tolerance": non_negative,
            "entropy_coef": non_negative,
            "log_std_init": real,
            "state_dependent_std": boolean,
            "lr_schedule": lambda n, v: choice(n, v, _LR_SCHEDULES),
        })
        if self.optimizer == "adam" and self.traces == "dutch":
            raise ValueError("traces='dutch' needs optimizer='sgd': true online TD(λ)'s step is no gradient "
                             "step that Adam could take")

    def for_actions(self, discrete: bool) -> ActorCriticConfig:
        """Return the config with a default ``lr`` (None) set for the action space.

        :data:`AC_DEFAULT_LR`: 0.001 for a softmax policy, 0.0003 for a Gaussian one, for
        the reason of :meth:`ReinforceConfig.for_actions`: with raw features on
        Pendulum-v1 (seeds 0-9, 200k steps) 0.001 drifts below a random policy (-1233
        against -1206) and 0.0003 does not (-1184).
        """
        return _for_actions(self, AC_DEFAULT_LR, discrete)

    def learner_kwargs(self) -> dict[str, Any]:
        """Return the keyword arguments of the engine (``_core.SoftmaxActorCritic`` and its twin).

        The optimisers themselves are objects the agent builds (``optimizer="adam"``); the
        schedule is set on the engine once built (its ``lr_schedule``).
        """
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)
                if f.name not in ("log_std_init", "state_dependent_std", "optimizer", "lr_schedule")}


def config_from(cls: type[T], arguments: dict[str, Any]) -> T:
    """Build the config dataclass ``cls`` from the fields found in ``arguments`` (e.g. ``locals()``)."""
    return cls(**{f.name: arguments[f.name] for f in dataclasses.fields(cls)})  # type: ignore[arg-type]
