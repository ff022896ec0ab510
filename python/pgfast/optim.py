"""Gradient-ASCENT optimisers of the C++ core: ``SGD`` and ``Adam``.

Both update a parameter array in place (``opt.step(policy.params, grad)``), optionally
clipping the gradient norm first, and return the gradient norm before clipping. Both
pickle and copy with their settings (and Adam with its state ``t, m, v``).
"""

from __future__ import annotations

import copyreg
from typing import Any, Optional

import numpy as np

from ._core import SGD, Adam

__all__ = ["SGD", "Adam"]


def _sgd(lr: float, step_size: Optional[np.ndarray], max_grad_norm: Optional[float]) -> SGD:
    return SGD(lr, step_size, max_grad_norm)


def _adam(lr: float, betas: tuple[float, float], eps: float, max_grad_norm: Optional[float], t: int,
          m: np.ndarray, v: np.ndarray) -> Adam:
    opt = Adam(lr, betas, eps, max_grad_norm)
    opt.set_state(t, m, v)
    return opt


def _reduce_sgd(opt: SGD) -> tuple[Any, ...]:
    return _sgd, (opt.lr, opt.step_size, opt.max_grad_norm)


def _reduce_adam(opt: Adam) -> tuple[Any, ...]:
    return _adam, (opt.lr, opt.betas, opt.eps, opt.max_grad_norm, *opt.state())


copyreg.pickle(SGD, _reduce_sgd)
copyreg.pickle(Adam, _reduce_adam)
