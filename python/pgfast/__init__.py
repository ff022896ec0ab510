"""pgfast: exact, fast policy gradients (REINFORCE and family) for linear policies.

The kernels (policies, returns, gradients, optimisers) live in the C++ core
``pgfast._core``; :mod:`pgfast.reference` is their plain-NumPy twin; :class:`Reinforce`
drives gymnasium environments; :func:`sweep` runs it over grids of arguments and seeds.
"""

from importlib.metadata import PackageNotFoundError, version

from . import (
    _numpy_math,  # noqa: F401  (switches the core to the np.exp/np.log NumPy uses)
    envs,  # registers pgfast/<id> with gymnasium
    features,
    optim,
    reference,
    zoo,
)
from ._core import LinearGaussian, LinearSoftmax, discounted_returns, policy_gradient
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
    "Reinforce",
    "SweepResults",
    "__version__",
    "discounted_returns",
    "envs",
    "features",
    "optim",
    "plot_sweep",
    "policy_gradient",
    "reference",
    "sweep",
    "zoo",
]
