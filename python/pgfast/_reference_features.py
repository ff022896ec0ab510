"""Plain-NumPy twins of the C++ feature maps (Sutton & Barto, 2nd ed., §9.5).

Each class has the constructor and the calls of its C++ twin in ``pgfast._core``
(``cpp/include/pgfast/features.hpp``): ``n_inputs``, ``n_features``, ``sparse``,
``n_active``, ``__call__(obs)`` (dense x(s) of one state (k,) or a batch (N, k)) and,
for tile coding, ``active(obs)``. They are written to be read; :mod:`pgfast.features`
is the user-facing API over both.

Orders: exponent and coefficient vectors in {0..n}^k are listed as
``itertools.product(range(n + 1), repeat=k)`` (the last input varies fastest); the
uncoupled sets are c = 0, then p·e_j for j = 0..k-1 and p = 1..n.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "FourierFeatures",
    "IdentityFeatures",
    "PolynomialFeatures",
    "RBFFeatures",
    "TileCodingFeatures",
]

FloatArray = NDArray[np.float64]
MAX_FEATURES = 2**26  # the C++ core's kMaxFeatures


def _count(value: Any, name: str, minimum: int) -> int:
    """Return ``value`` as an int >= ``minimum``; TypeError / ValueError name the argument."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def _check_size(count: float, what: str) -> None:
    if count > MAX_FEATURES:
        raise ValueError(f"{what} would have {count:.0f} features, more than the limit of {MAX_FEATURES}")


def _bounds(low: ArrayLike, high: ArrayLike, k: int) -> tuple[FloatArray, FloatArray]:
    lo, hi = np.asarray(low, dtype=np.float64), np.asarray(high, dtype=np.float64)
    for arr, name in ((lo, "low"), (hi, "high")):
        if arr.shape != (k,):
            raise ValueError(f"{name} must have shape ({k},), got {arr.shape}")
    for j in range(k):
        if not (np.isfinite(lo[j]) and np.isfinite(hi[j])):
            raise ValueError(f"bounds of input {j} must be finite, got [{lo[j]}, {hi[j]}]")
        if not lo[j] < hi[j]:
            raise ValueError(f"bounds of input {j} need low < high, got [{lo[j]}, {hi[j]}]")
    return lo.copy(), hi.copy()


def exponent_vectors(k: int, n: int, coupled: bool) -> NDArray[np.int64]:
    """Return the vectors c of the polynomial / Fourier bases, shape (count, k).

    ``coupled``: every c in {0..n}^k ((n+1)^k vectors); otherwise 0 and the
    single-input vectors p·e_j, p = 1..n (1 + k·n vectors).
    """
    if coupled:
        _check_size(float(n + 1) ** k, "the basis")
        return np.array(list(itertools.product(range(n + 1), repeat=k)), dtype=np.int64).reshape(-1, k)
    rows = [np.zeros(k, dtype=np.int64)]
    for j in range(k):
        for p in range(1, n + 1):
            c = np.zeros(k, dtype=np.int64)
            c[j] = p
            rows.append(c)
    return np.array(rows)


class _Dense:
    """Shared calls of the twins: validation and one state or a batch."""

    n_inputs: int
    n_features: int
    sparse = False

    @property
    def n_active(self) -> int:
        """Features equal to 1 in a sparse x(s) (n_features for a dense map)."""
        return self.n_features

    def _states(self, obs: ArrayLike) -> tuple[FloatArray, bool]:
        s = np.asarray(obs, dtype=np.float64)
        k = self.n_inputs
        if s.ndim == 1 and s.shape[0] == k:
            single = True
            s = s[None, :]
        elif s.ndim == 2 and s.shape[1] == k and s.shape[0] > 0:
            single = False
        else:
            raise ValueError(f"obs must have shape ({k},) or (N, {k}), got {s.shape}")
        if not np.all(np.isfinite(s)):
            raise ValueError("obs contains NaN or inf")
        return s, single

    def _rows(self, s: FloatArray) -> FloatArray:
        raise NotImplementedError

    def __call__(self, obs: ArrayLike) -> FloatArray:
        """Dense x(s): (k,) -> (n_features,), or (N, k) -> (N, n_features).

        Raises ``ValueError`` ("features: the result overflows ...") when a finite
        observation is too large for the map (e.g. s^c beyond 1e308).
        """
        s, single = self._states(obs)
        with np.errstate(over="ignore", invalid="ignore"):
            x = self._rows(s)
        if not np.all(np.isfinite(x)):
            raise ValueError("features: the result overflows (|obs| is too large for this feature map)")
        return x[0] if single else x


class IdentityFeatures(_Dense):
    """x(s) = s, then a constant 1 when ``bias``."""

    def __init__(self, n_inputs: int, bias: bool = True) -> None:
        self.n_inputs = _count(n_inputs, "n_inputs", 1)
        self.bias = bool(bias)
        self.n_features = self.n_inputs + int(self.bias)

    def _rows(self, s: FloatArray) -> FloatArray:
        if not self.bias:
            return s.copy()
        return np.hstack([s, np.ones((s.shape[0], 1))])


class PolynomialFeatures(_Dense):
    """Polynomial basis (S&B §9.5.1, eq. 9.17): x_i(s) = ∏_j s_j^{c_ij}."""

    def __init__(self, n_inputs: int, degree: int, interaction: bool = True) -> None:
        self.n_inputs = _count(n_inputs, "n_inputs", 1)
        self.degree = _count(degree, "degree", 0)
        self.exponents = exponent_vectors(self.n_inputs, self.degree, bool(interaction))
        self.n_features = self.exponents.shape[0]

    def _rows(self, s: FloatArray) -> FloatArray:
        # powers[n, j, p] = s_j^p by repeated multiplication (as the C++ core).
        powers = np.ones((s.shape[0], self.n_inputs, self.degree + 1))
        for p in range(1, self.degree + 1):
            powers[:, :, p] = powers[:, :, p - 1] * s
        x = np.ones((s.shape[0], self.n_features))
        for j in range(self.n_inputs):
            x *= powers[:, j, self.exponents[:, j]]
        return x


class FourierFeatures(_Dense):
    """Fourier basis (S&B §9.5.2, eq. 9.18): x_i(s) = cos(π c_i · s), s scaled to [0, 1].

    ``full`` appends sin(π c_i · s) for every c_i ≠ 0. ``step_size_scale`` is
    1/‖c_i‖ (1 for c = 0): the book's per-feature step size α_i = α/‖c_i‖.
    """

    def __init__(
        self,
        n_inputs: int,
        order: int,
        low: ArrayLike,
        high: ArrayLike,
        full: bool = False,
        coupled: bool = True,
    ) -> None:
        self.n_inputs = _count(n_inputs, "n_inputs", 1)
        self.order = _count(order, "order", 0)
        self.low, self.high = _bounds(low, high, self.n_inputs)
        self.full = bool(full)
        self.coefficients = exponent_vectors(self.n_inputs, self.order, bool(coupled))
        nc = self.coefficients.shape[0]
        self.n_features = 2 * nc - 1 if self.full else nc
        _check_size(self.n_features, "Fourier")
        norms = np.sqrt((self.coefficients.astype(np.float64) ** 2).sum(axis=1))
        scale = np.where(norms > 0, 1.0 / np.where(norms > 0, norms, 1.0), 1.0)
        self.step_size_scale = np.concatenate([scale, scale[1:]]) if self.full else scale

    def _rows(self, s: FloatArray) -> FloatArray:
        u = np.clip((s - self.low) / (self.high - self.low), 0.0, 1.0)
        a = np.pi * (u @ self.coefficients.T.astype(np.float64))
        return np.hstack([np.cos(a), np.sin(a[:, 1:])]) if self.full else np.cos(a)


class RBFFeatures(_Dense):
    """Radial basis functions (S&B §9.5.5, eq. 9.19): x_i(s) = exp(−‖s − c_i‖² / (2 σ_i²))."""

    def __init__(self, centers: ArrayLike, widths: ArrayLike) -> None:
        c = np.asarray(centers, dtype=np.float64)
        if c.ndim != 2 or c.shape[0] < 1 or c.shape[1] < 1:
            raise ValueError(f"centers must have shape (n_centers, n_inputs), got {c.shape}")
        if not np.all(np.isfinite(c)):
            raise ValueError("centers contains NaN or inf")
        w = np.asarray(widths, dtype=np.float64)
        if w.shape != (c.shape[0],):
            raise ValueError(f"widths must have shape ({c.shape[0]},), got {w.shape}")
        if not np.all(np.isfinite(w) & (w > 0)):
            raise ValueError("widths must be finite and > 0")
        self.centers, self.widths = c.copy(), w.copy()
        self.n_inputs, self.n_features = c.shape[1], c.shape[0]

    def _rows(self, s: FloatArray) -> FloatArray:
        sq = ((s[:, None, :] - self.centers[None, :, :]) ** 2).sum(axis=2)
        out: FloatArray = np.exp(-sq * (1.0 / (2.0 * self.widths**2)))
        return out


class TileCodingFeatures(_Dense):
    """Tile coding (S&B §9.5.4): ``n_tilings`` offset grids over [low, high].

    Each grid has ``tiles_per_dim[j] + 1`` tiles of width w_j = (high_j − low_j) /
    tiles_per_dim[j] along input j; tiling t is shifted by ((t·d_j) mod n_tilings) /
    n_tilings of a tile, with d = (1, 3, 5, …) (``asymmetric``) or d = 1. Inputs are
    clipped onto the box. Exactly one tile per tiling is active.
    """

    sparse = True

    def __init__(
        self,
        n_inputs: int,
        n_tilings: int,
        tiles_per_dim: ArrayLike,
        low: ArrayLike,
        high: ArrayLike,
        asymmetric: bool = True,
    ) -> None:
        self.n_inputs = k = _count(n_inputs, "n_inputs", 1)
        self.n_tilings = _count(n_tilings, "n_tilings", 1)
        tiles = [int(t) for t in np.asarray(tiles_per_dim).reshape(-1)]
        if len(tiles) != k:
            raise ValueError(f"tiles_per_dim must have {k} entries, got {len(tiles)}")
        if min(tiles) < 1:
            raise ValueError("tiles_per_dim must be >= 1")
        self.tiles = np.array(tiles, dtype=np.int64)
        self.low, self.high = _bounds(low, high, k)
        per_tiling = float(np.prod((self.tiles + 1).astype(np.float64)))
        if per_tiling * self.n_tilings > 2**32 - 1:
            total = per_tiling * self.n_tilings
            raise ValueError(f"TileCoding would have {total:.0f} tiles, more than 2^32 - 1")
        self.per_tiling = int(per_tiling)
        self.n_features = self.per_tiling * self.n_tilings
        d = 2 * np.arange(k) + 1 if asymmetric else np.ones(k, dtype=np.int64)
        t = np.arange(self.n_tilings)[:, None]
        self.offsets = ((t * d[None, :]) % self.n_tilings) / self.n_tilings  # (n_tilings, k)
        # Row-major strides over the (tiles + 1) coordinates of one tiling.
        self.strides = np.ones(k, dtype=np.int64)
        for j in range(k - 2, -1, -1):
            self.strides[j] = self.strides[j + 1] * (self.tiles[j + 1] + 1)

    @property
    def n_active(self) -> int:
        """n_tilings: one active tile per tiling."""
        return self.n_tilings

    def _active_rows(self, s: FloatArray) -> NDArray[np.int64]:
        u = np.clip((s - self.low) * (self.tiles / (self.high - self.low)), 0.0, self.tiles)  # (N, k)
        q = np.floor(u[:, None, :] + self.offsets[None, :, :]).astype(np.int64)  # (N, T, k)
        q = np.minimum(q, self.tiles)
        idx: NDArray[np.int64] = np.arange(self.n_tilings) * self.per_tiling + q @ self.strides
        return idx

    def active(self, obs: ArrayLike) -> NDArray[np.int64]:
        """Return the active tiles' indices: (k,) -> (n_tilings,), (N, k) -> (N, n_tilings)."""
        s, single = self._states(obs)
        idx = self._active_rows(s)
        return idx[0] if single else idx

    def _rows(self, s: FloatArray) -> FloatArray:
        x = np.zeros((s.shape[0], self.n_features))
        np.put_along_axis(x, self._active_rows(s), 1.0, axis=1)
        return x
