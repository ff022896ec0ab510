"""Gradient-ASCENT optimisers of the C++ core: ``SGD`` and ``Adam``.

Both update a parameter array in place (``opt.step(policy.params, grad)``), optionally
clipping the gradient norm first, and return the gradient norm before clipping. Both
pickle and copy with their settings (and Adam with its state ``t, m, v``).
"""

from ._core import SGD, Adam

__all__ = ["SGD", "Adam"]
