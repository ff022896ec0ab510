"""pgfast: exact, fast policy gradients (REINFORCE and family) for linear policies.

The kernels (policies, returns, gradients, optimisers) live in the C++ core
``pgfast._core``; :mod:`pgfast.reference` is their plain-NumPy twin; :class:`Reinforce`
drives gymnasium environments; :func:`sweep` runs it over grids of arguments and seeds.
"""

from importlib.metadata import PackageNotFoundError, version

from . import (
    _core,
    _numpy_math,  # noqa: F401  (switches the core to the np.exp/np.log NumPy uses)
    _pickling,  # noqa: F401  (registers pickle/copy support for the core's objects)
    envs,  # registers pgfast/<id> with gymnasium
    features,
    optim,
    reference,
    zoo,
)
from . import _validate as _V
from ._core import LinearGaussian, LinearSoftmax, MemoryLimitError, discounted_returns, policy_gradient
from ._sweep import SweepResults, plot_sweep, sweep
from .actor_critic import ActorCritic
from .agent import Reinforce

try:
    __version__ = version("pgfast")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    from ._core import __version__

__all__ = [
    "ActorCritic",
    "LinearGaussian",
    "LinearSoftmax",
    "MemoryLimitError",
    "Reinforce",
    "SweepResults",
    "__version__",
    "discounted_returns",
    "envs",
    "features",
    "memory_budget",
    "optim",
    "plot_sweep",
    "policy_gradient",
    "reference",
    "set_memory_budget",
    "sweep",
    "zoo",
]


def memory_budget() -> float:
    """Bytes that one policy, or the episodes one REINFORCE learner keeps, may hold.

    By default half of this machine's memory (or of a Linux container's limit, when
    lower); ``inf`` when the platform does not tell. Beyond it pgfast raises an error
    instead of letting the operating system kill the process: ``ValueError`` for a policy
    too large to make, :class:`MemoryLimitError` (a ``MemoryError``) when an episode grows
    past it during ``learn`` (REINFORCE keeps an episode's steps until it ends).

    Returns
    -------
    float
        The budget in bytes.
    """
    return float(_core.memory_budget())


def set_memory_budget(nbytes: float) -> None:
    """Set :func:`memory_budget` for this process.

    Parameters
    ----------
    nbytes : float
        Bytes (> 0); ``float("inf")`` removes the limit.
    """
    value = _V._number("nbytes", nbytes)
    if not value > 0.0:
        raise ValueError(f"nbytes must be > 0, got {nbytes!r}")
    _core.set_memory_budget(value)
