"""The feature maps of Sutton & Barto (2nd ed., §9.5) in plain NumPy: the C++ maps' twins.

Each class takes the constructor arguments of its C++ twin in ``pgfast._core`` (the same
name; ``cpp/include/pgfast/features.hpp``) and has its calls: ``n_inputs``,
``n_features``, ``sparse``, ``n_active``, ``x = fmap(obs)`` — the dense x(s) of one state
(k,) or of a batch (N, k) — and, for tile coding, ``active(obs)``. They are written to be
read next to the book: the arguments were checked when :func:`pgfast.features.build`
made the C++ map, so this module does the math and nothing else.

Orders: exponent and coefficient vectors in {0..n}^k are listed as
``itertools.product(range(n + 1), repeat=k)`` (the last input varies fastest); the
uncoupled sets are c = 0, then p·e_j for j = 0..k-1 and p = 1..n.
"""

from __future__ import annotations

import itertools

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
IntArray = NDArray[np.int64]


def exponent_vectors(k: int, n: int, coupled: bool) -> IntArray:
    """Return the vectors c of the polynomial (§9.5.1) and Fourier (§9.5.2) bases, shape (count, k).

    ``coupled``: every c in {0..n}^k ((n+1)^k vectors); otherwise c = 0 and the
    single-input vectors p·e_j, p = 1..n (1 + k·n vectors).
    """
    if coupled:
        return np.array(list(itertools.product(range(n + 1), repeat=k)), dtype=np.int64).reshape(-1, k)
    rows = [np.zeros(k, dtype=np.int64)]
    for j in range(k):
        for p in range(1, n + 1):
            c = np.zeros(k, dtype=np.int64)
            c[j] = p
            rows.append(c)
    return np.array(rows)


class _Map:
    """One state (k,) or a batch (N, k) in, the rows x(s) out."""

    n_inputs: int
    n_features: int
    sparse = False

    @property
    def n_active(self) -> int:
        """Features equal to 1 in a sparse x(s) (n_features for a dense map)."""
        return self.n_features

    def rows(self, s: FloatArray) -> FloatArray:
        """x(s) of each row of a batch s (N, k): (N, n_features)."""
        raise NotImplementedError

    def __call__(self, obs: ArrayLike) -> FloatArray:
        """Dense x(s): (k,) -> (n_features,), or (N, k) -> (N, n_features)."""
        s = np.asarray(obs, dtype=np.float64)
        x = self.rows(np.atleast_2d(s))
        return x[0] if s.ndim == 1 else x


class IdentityFeatures(_Map):
    """x(s) = s, then a constant 1 when ``bias``."""

    def __init__(self, n_inputs: int, bias: bool = True) -> None:
        self.n_inputs, self.bias = n_inputs, bias
        self.n_features = n_inputs + int(bias)

    def rows(self, s: FloatArray) -> FloatArray:
        return np.hstack([s, np.ones((s.shape[0], 1))]) if self.bias else s.copy()


class PolynomialFeatures(_Map):
    """Polynomial basis (S&B §9.5.1, eq. 9.17): x_i(s) = ∏_j s_j^{c_ij}."""

    def __init__(self, n_inputs: int, degree: int, interaction: bool = True) -> None:
        self.n_inputs, self.degree = n_inputs, degree
        self.exponents = exponent_vectors(n_inputs, degree, interaction)
        self.n_features = self.exponents.shape[0]

    def rows(self, s: FloatArray) -> FloatArray:
        # powers[:, j, p] = s_j^p by repeated multiplication (as the C++ core computes it)
        powers = np.ones((s.shape[0], self.n_inputs, self.degree + 1))
        for p in range(1, self.degree + 1):
            powers[:, :, p] = powers[:, :, p - 1] * s
        x = np.ones((s.shape[0], self.n_features))
        for j in range(self.n_inputs):
            x *= powers[:, j, self.exponents[:, j]]
        return x


class FourierFeatures(_Map):
    """Fourier basis (S&B §9.5.2, eq. 9.18): x_i(s) = cos(π c_i · s), s scaled to [0, 1].

    ``full`` appends sin(π c_i · s) for every c_i ≠ 0. ``step_size_scale`` is 1/‖c_i‖
    (1 for c = 0): the book's per-feature step size α_i = α/‖c_i‖ (§9.5.2).
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
        self.n_inputs, self.order, self.full = n_inputs, order, full
        self.low, self.high = np.asarray(low, dtype=np.float64), np.asarray(high, dtype=np.float64)
        self.coefficients = exponent_vectors(n_inputs, order, coupled)
        nc = self.coefficients.shape[0]
        self.n_features = 2 * nc - 1 if full else nc
        norms = np.sqrt((self.coefficients**2).sum(axis=1))
        scale = 1.0 / np.where(norms > 0, norms, 1.0)
        self.step_size_scale = np.concatenate([scale, scale[1:]]) if full else scale

    def rows(self, s: FloatArray) -> FloatArray:
        u = np.clip((s - self.low) / (self.high - self.low), 0.0, 1.0)
        a = np.pi * (u @ self.coefficients.T.astype(np.float64))
        return np.hstack([np.cos(a), np.sin(a[:, 1:])]) if self.full else np.cos(a)


class RBFFeatures(_Map):
    """Radial basis functions (S&B §9.5.5, eq. 9.19): x_i(s) = exp(−‖s − c_i‖² / (2 σ_i²))."""

    def __init__(self, centers: ArrayLike, widths: ArrayLike) -> None:
        self.centers = np.asarray(centers, dtype=np.float64)
        self.widths = np.asarray(widths, dtype=np.float64)
        self.n_features, self.n_inputs = self.centers.shape

    def rows(self, s: FloatArray) -> FloatArray:
        sq = ((s[:, None, :] - self.centers[None, :, :]) ** 2).sum(axis=2)
        x: FloatArray = np.exp(-sq * (1.0 / (2.0 * self.widths**2)))
        return x


class TileCodingFeatures(_Map):
    """Tile coding (S&B §9.5.4): ``n_tilings`` offset grids over [low, high].

    Each grid has ``tiles_per_dim[j] + 1`` tiles of width w_j = (high_j − low_j) /
    tiles_per_dim[j] along input j; tiling t is shifted by ((t·d_j) mod n_tilings) /
    n_tilings of a tile, with d = (1, 3, 5, …) (``asymmetric``, the book's choice) or
    d = 1. Inputs are clipped onto the box. Exactly one tile per tiling is active.
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
        self.n_inputs, self.n_tilings = n_inputs, n_tilings
        self.tiles = np.asarray(tiles_per_dim, dtype=np.int64)
        self.low, self.high = np.asarray(low, dtype=np.float64), np.asarray(high, dtype=np.float64)
        self.per_tiling = int(np.prod(self.tiles + 1))
        self.n_features = self.per_tiling * n_tilings
        d = 2 * np.arange(n_inputs) + 1 if asymmetric else np.ones(n_inputs, dtype=np.int64)
        t = np.arange(n_tilings)[:, None]
        self.offsets = ((t * d[None, :]) % n_tilings) / n_tilings  # (n_tilings, k), in tiles
        # row-major strides over the (tiles + 1) coordinates of one tiling
        self.strides: IntArray = np.ones(n_inputs, dtype=np.int64)
        for j in range(n_inputs - 2, -1, -1):
            self.strides[j] = self.strides[j + 1] * (self.tiles[j + 1] + 1)

    @property
    def n_active(self) -> int:
        """n_tilings: one active tile per tiling."""
        return self.n_tilings

    def active_rows(self, s: FloatArray) -> IntArray:
        """Return the active tile of every tiling for each row of s (N, k): (N, n_tilings)."""
        u = np.clip((s - self.low) * (self.tiles / (self.high - self.low)), 0.0, self.tiles)  # in tiles
        q = np.floor(u[:, None, :] + self.offsets[None, :, :]).astype(np.int64)  # (N, n_tilings, k)
        q = np.minimum(q, self.tiles)  # never past a tiling's last tile (as the C++ core)
        idx: IntArray = np.arange(self.n_tilings) * self.per_tiling + q @ self.strides
        return idx

    def active(self, obs: ArrayLike) -> IntArray:
        """Return the active tiles' indices: (k,) -> (n_tilings,), (N, k) -> (N, n_tilings)."""
        s = np.asarray(obs, dtype=np.float64)
        idx = self.active_rows(np.atleast_2d(s))
        return idx[0] if s.ndim == 1 else idx

    def rows(self, s: FloatArray) -> FloatArray:
        x = np.zeros((s.shape[0], self.n_features))
        np.put_along_axis(x, self.active_rows(s), 1.0, axis=1)
        return x
