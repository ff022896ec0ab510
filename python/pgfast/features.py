"""Linear feature maps x(s) of Sutton & Barto (2nd ed., §9.5), computed in C++.

A linear policy is only as good as its features. Each map here turns an observation
s (k values) into a feature vector x(s) that the policies and the baseline are linear
in:

- :class:`Identity` — x(s) = (s, 1);
- :class:`Polynomial` — products of powers of the inputs (§9.5.1);
- :class:`Fourier` — cosines of π c·s over inputs scaled to [0, 1] (§9.5.2);
- :class:`RBF` — Gaussian bumps around centres (§9.5.5);
- :class:`TileCoding` — offset grids, **sparse**: n_tilings active tiles (§9.5.4).

A map can be made without knowing its input: ``Reinforce(env, features=Fourier(3))``
binds it to the environment's observation space (its size, and its bounds where the map
scales inputs). Called directly, :class:`Identity` and :class:`Polynomial` bind to the
size of the first observation; :class:`Fourier` and :class:`TileCoding` need bounds.
``config()`` returns a JSON-able dict and :func:`from_config` rebuilds the map (saved
models use it). The plain-NumPy twins are in :mod:`pgfast.reference`.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Sequence
from typing import Any, ClassVar, Optional, Union

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import _core
from . import _reference_features as _ref

__all__ = ["RBF", "FeatureMap", "Fourier", "Identity", "Polynomial", "TileCoding", "from_config"]

FloatArray = NDArray[np.float64]
BoundsLike = Union[ArrayLike, Any]  # (k, 2) rows of (low, high), or a gymnasium Box


_int = _ref._count  # an int >= minimum, else TypeError / ValueError naming the argument


def _parse_bounds(bounds: BoundsLike) -> FloatArray:
    """(k, 2) float rows (low, high) from an array-like or a gymnasium ``Box``."""
    low = getattr(bounds, "low", None)
    high = getattr(bounds, "high", None)
    if low is not None and high is not None:
        arr = np.stack([np.asarray(low, np.float64).ravel(), np.asarray(high, np.float64).ravel()], axis=1)
    else:
        try:
            arr = np.asarray(bounds, dtype=np.float64)
        except (TypeError, ValueError) as e:
            raise TypeError(f"bounds must be (k, 2) numbers (low, high) per input: {e}") from None
        if arr.ndim == 1 and arr.shape == (2,):
            arr = arr[None, :]
        if arr.ndim != 2 or arr.shape[1] != 2 or arr.shape[0] < 1:
            raise ValueError(f"bounds must have shape (k, 2): one (low, high) row per input, got {arr.shape}")
    for j, (lo, hi) in enumerate(arr):
        if not (math.isfinite(lo) and math.isfinite(hi)):
            raise ValueError(f"bounds of input {j} must be finite, got [{lo}, {hi}]")
        if not lo < hi:
            raise ValueError(f"bounds of input {j} need low < high, got [{lo}, {hi}]")
    return arr


def _space_inputs(space: Any) -> tuple[int, FloatArray]:
    """Input size and (k, 2) bounds (possibly infinite) of an observation space."""
    from gymnasium import spaces

    if isinstance(space, spaces.Box):
        low = np.asarray(space.low, dtype=np.float64).ravel()
        high = np.asarray(space.high, dtype=np.float64).ravel()
        return low.size, np.stack([low, high], axis=1)
    if isinstance(space, spaces.Discrete):  # one-hot inputs
        n = int(space.n)
        return n, np.tile([0.0, 1.0], (n, 1))
    raise ValueError(f"feature maps need a Box or Discrete observation space, got {space}")


class FeatureMap:
    """Base class: a feature map x(s), bound or not yet bound to its input size.

    Attributes
    ----------
    n_inputs : int
        Length k of an input s (after binding).
    n_features : int
        Length of x(s) (after binding).
    sparse : bool
        True for tile coding: x(s) is binary with ``n_active`` ones.
    """

    name: ClassVar[str] = ""
    needs_bounds: ClassVar[bool] = False
    sparse: ClassVar[bool] = False

    def __init__(self) -> None:
        self._n_inputs: Optional[int] = None
        self._bounds: Optional[FloatArray] = None
        self._cpp: Any = None

    # ---- binding -----------------------------------------------------------------
    def _params(self) -> dict[str, Any]:
        raise NotImplementedError

    def _make(self, backend: str) -> Any:
        raise NotImplementedError

    @property
    def bound(self) -> bool:
        """Whether the input size (and bounds, where needed) are known."""
        return self._n_inputs is not None and (self._bounds is not None or not self.needs_bounds)

    def bind(self, space_or_n_inputs: Any) -> FeatureMap:
        """Return a copy of this map bound to an observation space or an input size.

        Parameters
        ----------
        space_or_n_inputs : gymnasium.spaces.Box, gymnasium.spaces.Discrete or int
            A ``Box`` gives k = its size and, for maps that scale inputs and were given
            no bounds, its bounds; a ``Discrete(n)`` gives n one-hot inputs in [0, 1].

        Returns
        -------
        FeatureMap
            The bound copy (this map is left unchanged).

        Raises
        ------
        ValueError
            When the size disagrees with the map's, or the map needs bounds and a
            dimension of the space is unbounded.
        """
        if isinstance(space_or_n_inputs, (int, np.integer)) and not isinstance(space_or_n_inputs, bool):
            k, space_bounds = _int(space_or_n_inputs, "n_inputs", 1), None
        else:
            k, space_bounds = _space_inputs(space_or_n_inputs)
        if self._n_inputs is not None and self._n_inputs != k:
            raise ValueError(f"{self.name} expects {self._n_inputs} inputs but observations have {k} values")
        out = copy.copy(self)
        out._n_inputs, out._cpp = k, None
        if self.needs_bounds and out._bounds is None:
            if space_bounds is None:
                raise ValueError(f"{self.name} needs bounds=[(low, high), ...] for its {k} inputs")
            for j, (lo, hi) in enumerate(space_bounds):
                if not (math.isfinite(lo) and math.isfinite(hi)):
                    raise ValueError(
                        f"{self.name} needs finite bounds, but observation dimension {j} is unbounded "
                        f"([{lo}, {hi}]): pass bounds=[(low, high), ...] with one row per dimension"
                    )
            out._bounds = _parse_bounds(space_bounds)
        out._core_map()  # validate now: sizes, bounds, memory limits
        return out

    def _validate(self) -> None:
        """Build the C++ map now when the map is fully specified (sizes, memory limits)."""
        if self.bound:
            self._core_map()

    def _require_bound(self) -> None:
        if not self.bound:
            if self.needs_bounds:
                raise ValueError(
                    f"{self.name} is not bound: give bounds=[(low, high), ...], or use it with "
                    "Reinforce, which takes them from the observation space"
                )
            raise ValueError(f"{self.name} is not bound to an input size yet: call bind(n_inputs) first")

    def _core_map(self) -> Any:
        """Return the C++ map (made once)."""
        self._require_bound()
        if self._cpp is None:
            self._cpp = self._make("cpp")
        return self._cpp

    def reference(self) -> Any:
        """Return the plain-NumPy twin of this (bound) map, from :mod:`pgfast.reference`."""
        self._require_bound()
        return self._make("numpy")

    # ---- the map -----------------------------------------------------------------
    @property
    def n_inputs(self) -> int:
        """Length k of an input s."""
        self._require_bound()
        assert self._n_inputs is not None
        return self._n_inputs

    @property
    def n_features(self) -> int:
        """Length of x(s)."""
        return int(self._core_map().n_features)

    @property
    def bounds(self) -> Optional[FloatArray]:
        """(k, 2) rows (low, high) that scale inputs, or None."""
        return None if self._bounds is None else self._bounds.copy()

    def __call__(self, obs: ArrayLike) -> FloatArray:
        """Dense x(s) of one observation (k,) -> (n_features,), or a batch (N, k) -> (N, n_features)."""
        cpp = self._cpp
        if cpp is None:  # first call: bind to the observation's size where that suffices
            if not self.bound and not self.needs_bounds and self._n_inputs is None:
                shape = np.shape(obs)
                if len(shape) in (1, 2) and shape[-1] >= 1:
                    self._n_inputs = int(shape[-1])
            cpp = self._core_map()
        out: FloatArray = cpp(obs)
        return out

    def config(self) -> dict[str, Any]:
        """Return a JSON-able description; :func:`from_config` rebuilds the map."""
        cfg: dict[str, Any] = {"type": self.name, **self._params()}
        cfg["n_inputs"] = self._n_inputs
        if self.needs_bounds:
            cfg["bounds"] = None if self._bounds is None else self._bounds.tolist()
        return cfg

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self._params().items())
        return f"{self.name}({args})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FeatureMap) and self.config() == other.config()

    __hash__ = None  # type: ignore[assignment]

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_cpp"] = None  # the C++ map is rebuilt on demand
        return state


class Identity(FeatureMap):
    """x(s) = s, followed by a constant 1 when ``bias``.

    Parameters
    ----------
    bias : bool
        Append the constant feature 1.
    n_inputs : int, optional
        Input size; default: from the observation space or the first call.
    """

    name = "Identity"

    def __init__(self, bias: bool = True, n_inputs: Optional[int] = None) -> None:
        super().__init__()
        self.bias = bool(bias)
        if n_inputs is not None:
            self._n_inputs = _int(n_inputs, "n_inputs", 1)
        self._validate()

    def _params(self) -> dict[str, Any]:
        return {"bias": self.bias}

    def _make(self, backend: str) -> Any:
        impl = _core.IdentityFeatures if backend == "cpp" else _ref.IdentityFeatures
        return impl(self.n_inputs, self.bias)


class Polynomial(FeatureMap):
    """Polynomial basis (S&B §9.5.1, eq. 9.17): x_i(s) = ∏_j s_j^{c_ij}.

    Parameters
    ----------
    degree : int
        Largest power n ≥ 0 of any input.
    interaction : bool
        True: every c_i ∈ {0..n}^k, the book's (n+1)^k features with all products of
        inputs. False: only powers of single inputs, 1 + k·n features.
    n_inputs : int, optional
        Input size; default: from the observation space or the first call.

    Notes
    -----
    Inputs are used as they are (not scaled); c = 0 is the constant feature 1.
    Features are ordered like ``itertools.product(range(n + 1), repeat=k)``.
    """

    name = "Polynomial"

    def __init__(self, degree: int, interaction: bool = True, n_inputs: Optional[int] = None) -> None:
        super().__init__()
        self.degree = _int(degree, "degree", 0)
        self.interaction = bool(interaction)
        if n_inputs is not None:
            self._n_inputs = _int(n_inputs, "n_inputs", 1)
        self._validate()

    def _params(self) -> dict[str, Any]:
        return {"degree": self.degree, "interaction": self.interaction}

    def _make(self, backend: str) -> Any:
        impl = _core.PolynomialFeatures if backend == "cpp" else _ref.PolynomialFeatures
        return impl(self.n_inputs, self.degree, self.interaction)

    @property
    def exponents(self) -> NDArray[np.int64]:
        """The exponent vectors c_i, shape (n_features, n_inputs)."""
        return np.asarray(self._core_map().exponents, dtype=np.int64)


class Fourier(FeatureMap):
    """Fourier basis (S&B §9.5.2, eq. 9.18): x_i(s) = cos(π c_i · s).

    Each input is first scaled to [0, 1] by its bounds (values outside are clipped).

    Parameters
    ----------
    order : int
        Largest coefficient n ≥ 0 per input.
    bounds : array_like of shape (k, 2) or gymnasium.spaces.Box, optional
        (low, high) per input; default: the observation space's (which must then be
        finite — CartPole's velocities are not, so give bounds there).
    kind : {"cosine", "full"}
        ``"cosine"``: the book's basis. ``"full"``: also sin(π c_i · s) for c_i ≠ 0.
    coupled : bool
        True: c_i ∈ {0..n}^k ((n+1)^k cosines). False: only single-input
        coefficients, 1 + k·n cosines.

    Notes
    -----
    ``step_size_scale`` gives 1/‖c_i‖ per feature (1 for c = 0): the book's per-feature
    step size α_i = α/‖c_i‖. ``param_step_size(policy)`` lays it over a policy's
    parameters for ``optim.SGD(lr, step_size=...)``.
    """

    name = "Fourier"
    needs_bounds = True

    def __init__(
        self,
        order: int,
        bounds: Optional[BoundsLike] = None,
        kind: str = "cosine",
        coupled: bool = True,
    ) -> None:
        super().__init__()
        self.order = _int(order, "order", 0)
        if kind not in ("cosine", "full"):
            raise ValueError(f"kind must be 'cosine' or 'full', got {kind!r}")
        self.kind = kind
        self.coupled = bool(coupled)
        if bounds is not None:
            self._bounds = _parse_bounds(bounds)
            self._n_inputs = self._bounds.shape[0]
        self._validate()

    def _params(self) -> dict[str, Any]:
        return {"order": self.order, "kind": self.kind, "coupled": self.coupled}

    def _make(self, backend: str) -> Any:
        assert self._bounds is not None
        impl = _core.FourierFeatures if backend == "cpp" else _ref.FourierFeatures
        return impl(self.n_inputs, self.order, self._bounds[:, 0].copy(), self._bounds[:, 1].copy(),
                    self.kind == "full", self.coupled)

    @property
    def coefficients(self) -> NDArray[np.int64]:
        """The coefficient vectors c_i, shape (number of cosines, n_inputs)."""
        return np.asarray(self._core_map().coefficients, dtype=np.int64)

    @property
    def step_size_scale(self) -> FloatArray:
        """1/‖c_i‖ per feature (1 for c = 0), shape (n_features,)."""
        return np.asarray(self._core_map().step_size_scale)

    def param_step_size(self, policy: Any) -> FloatArray:
        """Per-parameter step-size scale of a linear policy over these features.

        Parameters
        ----------
        policy : LinearSoftmax or LinearGaussian
            A policy with ``n_features == self.n_features``.

        Returns
        -------
        numpy.ndarray
            ``(n_params,)``: 1/‖c_i‖ on each weight of feature i, 1 on biases and
            log-standard deviations — pass it as ``optim.SGD(lr, step_size=...)``.
        """
        scale = self.step_size_scale
        d = scale.size
        if int(policy.n_features) != d:
            raise ValueError(f"policy has n_features={policy.n_features}, these features have {d}")
        rows = int(getattr(policy, "n_actions", 0) or getattr(policy, "action_dim", 0))
        out = np.ones(int(policy.n_params))
        out[: rows * d] = np.tile(scale, rows)
        return out


class RBF(FeatureMap):
    """Radial basis functions (S&B §9.5.5, eq. 9.19): x_i(s) = exp(−‖s − c_i‖² / (2 σ_i²)).

    Parameters
    ----------
    centers : array_like, shape (n_centers, k)
        The centres c_i.
    widths : float or array_like of shape (n_centers,)
        The widths σ_i > 0.

    See Also
    --------
    RBF.grid : centres on a regular grid over bounds.
    """

    name = "RBF"

    def __init__(self, centers: ArrayLike, widths: Union[float, ArrayLike]) -> None:
        super().__init__()
        c = np.asarray(centers, dtype=np.float64)
        if c.ndim != 2 or c.shape[0] < 1 or c.shape[1] < 1:
            raise ValueError(f"centers must have shape (n_centers, n_inputs), got {c.shape}")
        w = np.asarray(widths, dtype=np.float64)
        if w.ndim == 0:
            w = np.full(c.shape[0], float(w))
        if w.shape != (c.shape[0],):
            raise ValueError(f"widths must be a number or have shape ({c.shape[0]},), got {w.shape}")
        # Finite centres and widths > 0 are checked by the C++ map, built by _validate().
        self.centers, self.widths = c, w
        self._n_inputs = c.shape[1]
        self._validate()

    @classmethod
    def grid(
        cls, bounds: BoundsLike, n_per_dim: Union[int, Sequence[int]], width: Optional[float] = None
    ) -> RBF:
        """Centres on a regular grid over ``bounds`` (the corners included).

        Parameters
        ----------
        bounds : array_like of shape (k, 2) or gymnasium.spaces.Box
            (low, high) per input.
        n_per_dim : int or sequence of int
            Centres per input (≥ 1 each); n_centers is their product.
        width : float, optional
            σ of every centre; default the smallest grid spacing (the bounds' width
            when a dimension has one centre).

        Returns
        -------
        RBF
        """
        b = _parse_bounds(bounds)
        k = b.shape[0]
        counts = [n_per_dim] * k if isinstance(n_per_dim, (int, np.integer)) else list(n_per_dim)
        if len(counts) != k:
            raise ValueError(f"n_per_dim must have {k} entries, got {len(counts)}")
        counts = [_int(n, "n_per_dim", 1) for n in counts]
        if float(np.prod(np.asarray(counts, dtype=np.float64))) > _ref.MAX_FEATURES:
            raise ValueError(f"RBF.grid would have {np.prod(counts, dtype=np.float64):.0f} centres, too many")
        axes = [np.linspace(lo, hi, n) for (lo, hi), n in zip(b, counts)]
        centers = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, k)
        if width is None:
            spacings = [(hi - lo) / (n - 1) if n > 1 else hi - lo for (lo, hi), n in zip(b, counts)]
            width = float(min(spacings))
        return cls(centers, width)

    def _params(self) -> dict[str, Any]:
        return {"centers": self.centers.tolist(), "widths": self.widths.tolist()}

    def __repr__(self) -> str:
        return f"RBF(n_centers={self.centers.shape[0]}, n_inputs={self.centers.shape[1]})"

    def _make(self, backend: str) -> Any:
        impl = _core.RBFFeatures if backend == "cpp" else _ref.RBFFeatures
        return impl(self.centers, self.widths)


class TileCoding(FeatureMap):
    """Tile coding (S&B §9.5.4): ``n_tilings`` offset grids; sparse binary features.

    Parameters
    ----------
    n_tilings : int
        Number of tilings (≥ 1): exactly that many features are 1 for any input.
    tiles_per_dim : int or sequence of int
        Tiles per input across its bounds; each tiling has one more per input, so
        that the offset grids still cover the bounds.
    bounds : array_like of shape (k, 2) or gymnasium.spaces.Box, optional
        (low, high) per input; default: the observation space's (must be finite).
    offsets : {"asymmetric", "uniform"}
        Tiling t is shifted by ((t·d_j) mod n_tilings)/n_tilings of a tile along input
        j, with d = (1, 3, 5, …) (``"asymmetric"``, the book's recommendation) or
        d = (1, 1, …) (``"uniform"``).

    Notes
    -----
    Inputs outside the bounds are clipped onto them. n_features = n_tilings ·
    ∏_j (tiles_per_dim_j + 1). Policies, the baseline and the updates touch only the
    active tiles, so the cost of a step does not grow with the number of tiles.
    """

    name = "TileCoding"
    needs_bounds = True
    sparse = True

    def __init__(
        self,
        n_tilings: int,
        tiles_per_dim: Union[int, Sequence[int]],
        bounds: Optional[BoundsLike] = None,
        offsets: str = "asymmetric",
    ) -> None:
        super().__init__()
        self.n_tilings = _int(n_tilings, "n_tilings", 1)
        if isinstance(tiles_per_dim, (int, np.integer)) and not isinstance(tiles_per_dim, bool):
            self.tiles_per_dim: Union[int, list[int]] = _int(tiles_per_dim, "tiles_per_dim", 1)
        else:
            self.tiles_per_dim = [_int(t, "tiles_per_dim", 1) for t in tiles_per_dim]  # type: ignore[union-attr]
        if offsets not in ("asymmetric", "uniform"):
            raise ValueError(f"offsets must be 'asymmetric' or 'uniform', got {offsets!r}")
        self.offsets = offsets
        if bounds is not None:
            self._bounds = _parse_bounds(bounds)
            self._n_inputs = self._bounds.shape[0]
        self._validate()

    def _tiles(self) -> list[int]:
        k = self._n_inputs or 0
        if isinstance(self.tiles_per_dim, int):
            return [self.tiles_per_dim] * k
        if len(self.tiles_per_dim) != k:
            raise ValueError(f"tiles_per_dim has {len(self.tiles_per_dim)} entries but there are {k} inputs")
        return list(self.tiles_per_dim)

    def _params(self) -> dict[str, Any]:
        return {"n_tilings": self.n_tilings, "tiles_per_dim": self.tiles_per_dim, "offsets": self.offsets}

    def _make(self, backend: str) -> Any:
        assert self._bounds is not None
        impl = _core.TileCodingFeatures if backend == "cpp" else _ref.TileCodingFeatures
        return impl(self.n_inputs, self.n_tilings, self._tiles(), self._bounds[:, 0].copy(),
                    self._bounds[:, 1].copy(), self.offsets == "asymmetric")

    @property
    def n_active(self) -> int:
        """Features equal to 1 for any input: n_tilings."""
        return self.n_tilings

    def active(self, obs: ArrayLike) -> NDArray[np.int64]:
        """Return the active tiles' indices: (k,) -> (n_tilings,), or (N, k) -> (N, n_tilings)."""
        out: NDArray[np.int64] = self._core_map().active(obs)
        return out


_TYPES: dict[str, type[FeatureMap]] = {
    cls.name: cls for cls in (Identity, Polynomial, Fourier, RBF, TileCoding)
}


def from_config(config: dict[str, Any]) -> FeatureMap:
    """Rebuild a feature map from :meth:`FeatureMap.config`.

    Parameters
    ----------
    config : dict
        The output of ``config()`` (JSON round-trips it).

    Returns
    -------
    FeatureMap

    Raises
    ------
    ValueError
        For an unknown type or malformed fields.
    """
    if not isinstance(config, dict) or config.get("type") not in _TYPES:
        raise ValueError(f"not a feature-map configuration: {config!r:.200}")
    cfg = dict(config)
    cls = _TYPES[cfg.pop("type")]
    n_inputs = cfg.pop("n_inputs", None)
    bounds = cfg.pop("bounds", None)
    try:
        if cls is Fourier or cls is TileCoding:
            fmap: FeatureMap = cls(bounds=bounds, **cfg)
        elif cls is RBF:
            fmap = cls(**cfg)
        else:
            fmap = cls(n_inputs=n_inputs, **cfg)  # type: ignore[call-arg]
    except TypeError as e:
        raise ValueError(f"malformed {cls.name} configuration: {e}") from None
    if n_inputs is not None and fmap._n_inputs is None:
        fmap._n_inputs = _int(n_inputs, "n_inputs", 1)
    return fmap
