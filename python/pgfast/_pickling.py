"""pickle and copy support for the C++ core's objects (one home for every reducer).

Each class is registered with :mod:`copyreg`, which ``pickle`` (every protocol, and
pickler subclasses such as cloudpickle's) and ``copy.deepcopy`` consult before anything
else: the object is rebuilt by a function of this module from its public settings and
state, through the constructors and setters that check them (a crafted pickle gets their
``ValueError``). pybind11's own ``__getstate__``/``__setstate__`` pair is not used: under
pickle protocols 0 and 1 its objects cannot be rebuilt (the process aborts).
"""

from __future__ import annotations

import copyreg
from typing import Any, Callable, Optional

import numpy as np

from . import _core

_Reduced = tuple[Callable[..., Any], tuple[Any, ...]]


def _softmax(n_features: int, n_actions: int, bias: bool, params: Any) -> _core.LinearSoftmax:
    policy = _core.LinearSoftmax(n_features, n_actions, bias)
    policy.params = params
    return policy


def _gaussian(n_features: int, action_dim: int, bias: bool, log_std_min: float, log_std_max: float,
              state_dependent_std: bool, params: Any) -> _core.LinearGaussian:
    policy = _core.LinearGaussian(n_features, action_dim, bias, 0.0, log_std_min, log_std_max,
                                  state_dependent_std)
    policy.params = params
    return policy


def _sgd(lr: float, step_size: Optional[np.ndarray], max_grad_norm: Optional[float]) -> _core.SGD:
    return _core.SGD(lr, step_size, max_grad_norm)


def _adam(lr: float, betas: tuple[float, float], eps: float, max_grad_norm: Optional[float], t: int,
          m: np.ndarray, v: np.ndarray) -> _core.Adam:
    opt = _core.Adam(lr, betas, eps, max_grad_norm)
    opt.set_state(t, m, v)
    return opt


def _env_core(cls: Any, snapshot: list[float]) -> Any:
    if cls not in _ENV_CORES:
        raise ValueError(f"not a native environment class: {cls!r}")
    return cls.from_snapshot(snapshot)


def _reduce_softmax(p: _core.LinearSoftmax) -> _Reduced:
    return _softmax, (p.n_features, p.n_actions, p.bias, np.array(p.params))


def _reduce_gaussian(p: _core.LinearGaussian) -> _Reduced:
    return _gaussian, (p.n_features, p.action_dim, p.bias, p.log_std_min, p.log_std_max,
                       p.state_dependent_std, np.array(p.params))


def _reduce_sgd(opt: _core.SGD) -> _Reduced:
    return _sgd, (opt.lr, opt.step_size, opt.max_grad_norm)


def _reduce_adam(opt: _core.Adam) -> _Reduced:
    return _adam, (opt.lr, opt.betas, opt.eps, opt.max_grad_norm, *opt.state())


def _reduce_env_core(core: Any) -> _Reduced:
    return _env_core, (type(core), core.snapshot())


_ENV_CORES = (_core.CartPoleCore, _core.AcrobotCore, _core.MountainCarCore, _core.MountainCarContinuousCore,
              _core.PendulumCore)


def _refuse(obj: Any) -> _Reduced:
    raise TypeError(
        f"cannot pickle {type(obj).__name__!r} object: pickle the agent, policy, optimiser or "
        "environment that holds it (a feature map: its spec, from pgfast.features)"
    )


# Every other class of the core refuses at once, under every protocol (by default,
# protocols 0 and 1 would write such an object and abort the process reading it back).
for _cls in vars(_core).values():
    if isinstance(_cls, type) and not issubclass(_cls, BaseException):
        copyreg.pickle(_cls, _refuse)
copyreg.pickle(_core.LinearSoftmax, _reduce_softmax)
copyreg.pickle(_core.LinearGaussian, _reduce_gaussian)
copyreg.pickle(_core.SGD, _reduce_sgd)
copyreg.pickle(_core.Adam, _reduce_adam)
for _cls in _ENV_CORES:
    copyreg.pickle(_cls, _reduce_env_core)
