"""Linear feature maps x(s) of Sutton & Barto (2nd ed., §9.5): specs, computed in C++.

A linear policy is only as good as its features. Each map turns an observation s (k
values) into the feature vector x(s) that the policies and the baseline are linear in:

- :class:`Identity` — x(s) = (s, 1);
- :class:`Polynomial` — products of powers of the inputs (§9.5.1);
- :class:`Fourier` — cosines of π c·s over inputs scaled to [0, 1] (§9.5.2);
- :class:`RBF` — Gaussian bumps around centres (§9.5.5);
- :class:`TileCoding` — offset grids, **sparse**: n_tilings active tiles (§9.5.4).

A map here is a **spec**: an immutable description (a frozen dataclass) whose fields are
its configuration. It holds no input size and computes nothing; it is equal to, and
hashes like, any spec with the same fields, and pickles as plain data. Give it to an
agent — ``Reinforce(env, features=Fourier(3))`` builds it for the observation space,
taking the space's size and, for the maps that scale their inputs, its bounds. To
compute x(s) yourself, build it for a space or a number of inputs::

    fmap = features.build(Fourier(3, bounds=(-1.0, 1.0)), 4)   # 4 inputs in [-1, 1]
    fmap(obs)            # (4,) -> (n_features,), or (N, 4) -> (N, n_features)

:func:`build` is the one place a spec becomes a map: the C++ map of ``pgfast._core``
(``FourierFeatures``, …), or with ``backend="numpy"`` its plain-NumPy twin of the same
name in :mod:`pgfast.reference` (same constructor, same calls).

Bounds follow gymnasium's ``Box(low, high, shape)``: ``bounds=(low, high)`` where each
side is a number (every input) or an array with one value per input, or a
``gymnasium.spaces.Box``. (pgfast 0.1 took one ``(low, high)`` row per input; that form
is gone — for two inputs it read the other way round without a word. Saved models of
0.1 still load: their configurations say which form they hold.)

``spec.config()`` is a JSON-able dict of the fields and :func:`from_config` rebuilds
the spec (saved models use them).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any, ClassVar, Optional, Union

import numpy as np
from numpy.typing import NDArray

from . import _core, _validate
from . import _reference_features as _twin

__all__ = ["RBF", "Fourier", "Identity", "Polynomial", "Spec", "TileCoding", "build", "from_config",
           "param_step_size"]

FloatArray = NDArray[np.float64]
#: (low, high) — numbers or one value per input each — or a gymnasium Box.
BoundsLike = Any
#: Bounds as a spec stores them: two numbers, or two tuples of one number per input.
Bounds = tuple[Union[float, tuple[float, ...]], Union[float, tuple[float, ...]]]

_MAX_FEATURES = 2**20  # the C++ core's kMaxDenseFeatures (RBF.grid refuses larger grids up front)


def _set(spec: Any, name: str, value: Any) -> None:
    object.__setattr__(spec, name, value)  # a frozen dataclass normalises its fields once


def _stored_bounds(bounds: BoundsLike) -> Optional[Bounds]:
    """Bounds as a spec stores them (hashable), checked by the one checker."""
    if bounds is None:
        return None
    low, high = _validate.bounds(bounds)
    if low.ndim == 0:
        return float(low), float(high)
    return tuple(low.tolist()), tuple(high.tolist())


def _jsonable(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    return value


@dataclass(frozen=True)
class Spec:
    """Base class of the feature-map specs (frozen dataclasses; see :func:`build`)."""

    #: Whether the map scales its inputs by bounds (from ``bounds=`` or the space).
    needs_bounds: ClassVar[bool] = False
    #: True for tile coding: x(s) is binary with ``n_active`` ones.
    sparse: ClassVar[bool] = False

    def config(self) -> dict[str, Any]:
        """Return the fields as a JSON-able dict (with ``"type"``); :func:`from_config` inverts it."""
        cfg: dict[str, Any] = {"type": type(self).__name__}
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if field.name == "bounds" and value is not None:
                value = {"low": _jsonable(value[0]), "high": _jsonable(value[1])}
            cfg[field.name] = _jsonable(value)
        return cfg

    def _engine(self, impl: ModuleType, n_inputs: int) -> Any:
        """Return the map of module ``impl`` (``_core`` or the twin) for ``n_inputs`` inputs."""
        raise NotImplementedError


@dataclass(frozen=True)
class Identity(Spec):
    """x(s) = s, followed by a constant 1 when ``bias``.

    Parameters
    ----------
    bias : bool
        Append the constant feature 1.
    """

    bias: bool = True

    def __post_init__(self) -> None:
        _set(self, "bias", _validate.boolean("bias", self.bias))

    def _engine(self, impl: ModuleType, n_inputs: int) -> Any:
        return impl.IdentityFeatures(n_inputs, self.bias)


@dataclass(frozen=True)
class Polynomial(Spec):
    """Polynomial basis (S&B §9.5.1, eq. 9.17): x_i(s) = ∏_j s_j^{c_ij}.

    Parameters
    ----------
    degree : int
        Largest power n ≥ 0 of any input.
    interaction : bool
        True: every c_i ∈ {0..n}^k, the book's (n+1)^k features with all products of
        inputs. False: only powers of single inputs, 1 + k·n features.

    Notes
    -----
    Inputs are used as they are (not scaled); c = 0 is the constant feature 1. Features
    are ordered like ``itertools.product(range(n + 1), repeat=k)``; the built map's
    ``exponents`` lists the c_i.
    """

    degree: int
    interaction: bool = True

    def __post_init__(self) -> None:
        _set(self, "degree", _validate.integer("degree", self.degree, 0))
        _set(self, "interaction", _validate.boolean("interaction", self.interaction))

    def _engine(self, impl: ModuleType, n_inputs: int) -> Any:
        return impl.PolynomialFeatures(n_inputs, self.degree, self.interaction)


@dataclass(frozen=True)
class Fourier(Spec):
    """Fourier basis (S&B §9.5.2, eq. 9.18): x_i(s) = cos(π c_i · s).

    Each input is first scaled to [0, 1] by its bounds (values outside are clipped).

    Parameters
    ----------
    order : int
        Largest coefficient n ≥ 0 per input.
    bounds : (low, high) or gymnasium.spaces.Box, optional
        Numbers or one value per input on each side, as ``gymnasium.spaces.Box`` takes
        them; default: the observation space's (which must then be finite — CartPole's
        velocities are not, so give bounds there).
    kind : {"cosine", "full"}
        ``"cosine"``: the book's basis. ``"full"``: also sin(π c_i · s) for c_i ≠ 0.
    coupled : bool
        True: c_i ∈ {0..n}^k ((n+1)^k cosines). False: only single-input
        coefficients, 1 + k·n cosines.

    Notes
    -----
    The built map's ``coefficients`` lists the c_i and ``step_size_scale`` gives
    1/‖c_i‖ per feature (1 for c = 0): the book's per-feature step size α_i = α/‖c_i‖;
    :func:`param_step_size` lays it over a policy's parameters for
    ``optim.SGD(lr, step_size=...)``.
    """

    needs_bounds: ClassVar[bool] = True

    order: int
    bounds: BoundsLike = None
    kind: str = "cosine"
    coupled: bool = True

    def __post_init__(self) -> None:
        _set(self, "order", _validate.integer("order", self.order, 0))
        _set(self, "bounds", _stored_bounds(self.bounds))
        _set(self, "kind", _validate.choice("kind", self.kind, ("cosine", "full")))
        _set(self, "coupled", _validate.boolean("coupled", self.coupled))

    def _engine(self, impl: ModuleType, n_inputs: int) -> Any:
        low, high = self.bounds  # per input: build() fills them in
        return impl.FourierFeatures(n_inputs, self.order, low, high, self.kind == "full", self.coupled)


@dataclass(frozen=True, repr=False)
class RBF(Spec):
    """Radial basis functions (S&B §9.5.5, eq. 9.19): x_i(s) = exp(−‖s − c_i‖² / (2 σ_i²)).

    Parameters
    ----------
    centers : array_like, shape (n_centers, k)
        The centres c_i (stored as a tuple of tuples).
    widths : float or array_like of shape (n_centers,)
        The widths σ_i > 0 (a number is the width of every centre).

    See Also
    --------
    RBF.grid : centres on a regular grid over bounds.
    """

    centers: Any
    widths: Any

    def __post_init__(self) -> None:
        try:
            c = np.asarray(self.centers, dtype=np.float64)
            w = np.asarray(self.widths, dtype=np.float64)
        except (TypeError, ValueError) as e:  # not numbers, or ragged rows
            raise TypeError(f"centers and widths must be arrays of numbers: {e}") from None
        if w.ndim == 0 and c.ndim >= 1:
            w = np.full(c.shape[0], float(w))
        _core.RBFFeatures(c, w)  # the C++ boundary checks shapes, finite centres, widths > 0
        _set(self, "centers", tuple(map(tuple, c.tolist())))
        _set(self, "widths", tuple(w.tolist()))

    @property
    def n_inputs(self) -> int:
        """Length k of an input s (the centres' length)."""
        return len(self.centers[0])

    @classmethod
    def grid(
        cls, bounds: BoundsLike, n_per_dim: Union[int, Sequence[int]], width: Optional[float] = None
    ) -> RBF:
        """Centres on a regular grid over ``bounds`` (the corners included).

        Parameters
        ----------
        bounds : (low, high) or gymnasium.spaces.Box
            As for :class:`Fourier`; with numbers on both sides, ``n_per_dim`` must be a
            sequence (its length is the number of inputs).
        n_per_dim : int or sequence of int
            Centres per input (≥ 1 each); n_centers is their product.
        width : float, optional
            σ of every centre; default the smallest grid spacing (the bounds' width
            when a dimension has one centre).

        Returns
        -------
        RBF
        """
        per_dim = None if isinstance(n_per_dim, (int, np.integer)) else list(n_per_dim)
        low, high = _validate.bounds(bounds, None if per_dim is None else len(per_dim))
        if low.ndim == 0:
            raise ValueError("RBF.grid needs the number of inputs: bounds per input, or n_per_dim as a list")
        k = low.size
        counts = [_validate.integer("n_per_dim", n, 1) for n in (per_dim or [n_per_dim] * k)]  # type: ignore[list-item]
        if math.prod(float(n) for n in counts) > _MAX_FEATURES:
            raise ValueError(f"RBF.grid would have {math.prod(counts)} centres, more than {_MAX_FEATURES}")
        axes = [np.linspace(lo, hi, n) for lo, hi, n in zip(low, high, counts)]
        centers = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, k)
        if width is None:
            spacings = [(hi - lo) / (n - 1) if n > 1 else hi - lo for lo, hi, n in zip(low, high, counts)]
            width = float(min(spacings))
        return cls(centers, width)

    def __repr__(self) -> str:
        return f"RBF(n_centers={len(self.centers)}, n_inputs={self.n_inputs})"

    def _engine(self, impl: ModuleType, n_inputs: int) -> Any:
        return impl.RBFFeatures(np.array(self.centers), np.array(self.widths))


@dataclass(frozen=True)
class TileCoding(Spec):
    """Tile coding (S&B §9.5.4): ``n_tilings`` offset grids; sparse binary features.

    Parameters
    ----------
    n_tilings : int
        Number of tilings (≥ 1): exactly that many features are 1 for any input.
    tiles_per_dim : int or sequence of int
        Tiles per input across its bounds; each tiling has one more per input, so
        that the offset grids still cover the bounds.
    bounds : (low, high) or gymnasium.spaces.Box, optional
        As for :class:`Fourier`; default: the observation space's (must be finite).
    offsets : {"asymmetric", "uniform"}
        Tiling t is shifted by ((t·d_j) mod n_tilings)/n_tilings of a tile along input
        j, with d = (1, 3, 5, …) (``"asymmetric"``, the book's recommendation) or
        d = (1, 1, …) (``"uniform"``).

    Notes
    -----
    Inputs outside the bounds are clipped onto them. n_features = n_tilings ·
    ∏_j (tiles_per_dim_j + 1). The built map's ``active(obs)`` gives the active tiles'
    indices; policies, the baseline and the updates touch only those, so the cost of a
    step does not grow with the number of tiles.
    """

    needs_bounds: ClassVar[bool] = True
    sparse: ClassVar[bool] = True

    n_tilings: int
    tiles_per_dim: Union[int, tuple[int, ...]]
    bounds: BoundsLike = None
    offsets: str = "asymmetric"

    def __post_init__(self) -> None:
        _set(self, "n_tilings", _validate.integer("n_tilings", self.n_tilings, 1))
        tiles = self.tiles_per_dim
        if isinstance(tiles, Sequence) or isinstance(tiles, np.ndarray):
            tiles = tuple(_validate.integer("tiles_per_dim", t, 1) for t in tiles)
        else:
            tiles = _validate.integer("tiles_per_dim", tiles, 1)
        _set(self, "tiles_per_dim", tiles)
        _set(self, "bounds", _stored_bounds(self.bounds))
        _set(self, "offsets", _validate.choice("offsets", self.offsets, ("asymmetric", "uniform")))

    def _engine(self, impl: ModuleType, n_inputs: int) -> Any:
        low, high = self.bounds  # per input: build() fills them in
        tiles = self.tiles_per_dim
        per_dim = [tiles] * n_inputs if isinstance(tiles, int) else list(tiles)
        asymmetric = self.offsets == "asymmetric"
        return impl.TileCodingFeatures(n_inputs, self.n_tilings, per_dim, low, high, asymmetric)


_TYPES: dict[str, type[Spec]] = {c.__name__: c for c in (Identity, Polynomial, Fourier, RBF, TileCoding)}


# ---------------------------------------------------------------------------------
# Building a spec for a space
# ---------------------------------------------------------------------------------
def _inputs(space_or_n_inputs: Any) -> tuple[int, Optional[BoundsLike]]:
    """Return the number of inputs k of a space or a count, and the space's bounds (or None)."""
    from gymnasium import spaces

    space = space_or_n_inputs
    if isinstance(space, spaces.Box):
        return _validate.integer("observation size", int(np.prod(space.shape)), 1), space
    if isinstance(space, spaces.Discrete):  # one-hot inputs in [0, 1]
        return int(space.n), (0.0, 1.0)
    if isinstance(space, spaces.Space):
        raise ValueError(f"feature maps are built for a Box or Discrete observation space, got {space}")
    return _validate.integer("n_inputs", space, 1), None


def _resolve(spec: Spec, space_or_n_inputs: Any) -> tuple[Spec, int]:
    """Return the spec with its bounds for these inputs filled in, and the number of inputs k."""
    if not isinstance(spec, Spec):
        raise TypeError(f"expected a pgfast.features spec such as Fourier(3), got {type(spec).__name__}")
    name = type(spec).__name__
    k, space_bounds = _inputs(space_or_n_inputs)
    if isinstance(spec, RBF) and spec.n_inputs != k:
        raise ValueError(f"RBF expects {spec.n_inputs} inputs but observations have {k} values")
    if not spec.needs_bounds:
        return spec, k
    bounds: BoundsLike = getattr(spec, "bounds")  # noqa: B009 (a field of the maps that need bounds)
    if bounds is not None:
        low, high = _validate.bounds(bounds, k, name=f"{name} bounds")
    elif space_bounds is None:
        raise ValueError(f"{name} needs bounds=(low, high) for its {k} inputs (or a bounded space)")
    else:
        try:
            low, high = _validate.bounds(space_bounds, k, where="observation dimension")
        except ValueError as e:
            raise ValueError(f"{name} takes its bounds from the observation space, but {e}: "
                             "pass bounds=(low, high)") from None
    return dataclasses.replace(spec, bounds=(low, high)), k  # type: ignore[call-arg]


def build(spec: Spec, space_or_n_inputs: Any, backend: str = "cpp") -> Any:
    """Build a spec into the feature map x(s) for an observation space or an input size.

    Parameters
    ----------
    spec : Spec
        ``Identity()``, ``Fourier(3)``, ...
    space_or_n_inputs : gymnasium.spaces.Box, gymnasium.spaces.Discrete or int
        A ``Box`` gives k = its size and, to a map without bounds that scales its
        inputs, its bounds; ``Discrete(n)`` gives n one-hot inputs in [0, 1]; an int
        gives k (the map then needs its own bounds where it scales inputs).
    backend : {"cpp", "numpy"}
        ``"cpp"``: the C++ map of ``pgfast._core`` (what the agents use). ``"numpy"``:
        its plain-NumPy twin from :mod:`pgfast.reference` (the specification and the
        speed baseline; it checks nothing, so give it valid observations).

    Returns
    -------
    pgfast._core.FeatureMap or its twin
        ``n_inputs``, ``n_features``, ``sparse``, ``n_active``, ``fmap(obs)`` (dense
        x(s) of one state (k,) or a batch (N, k)); tile coding also ``active(obs)``,
        Polynomial ``exponents``, Fourier ``coefficients`` and ``step_size_scale``.

    Raises
    ------
    ValueError
        When the bounds (given or the space's) are not finite, not low < high or not
        one per input — naming the input —, or the map would be too large.
    """
    backend = _validate.choice("backend", backend, ("cpp", "numpy"))
    spec, k = _resolve(spec, space_or_n_inputs)
    cpp = spec._engine(_core, k)  # the C++ constructor checks sizes and memory limits
    return cpp if backend == "cpp" else spec._engine(_twin, k)


def param_step_size(fmap: Any, policy: Any) -> FloatArray:
    """Per-parameter step-size scale of a linear policy over built Fourier features.

    Parameters
    ----------
    fmap : pgfast._core.FourierFeatures
        A built Fourier map (``build(Fourier(...), ...)``).
    policy : LinearSoftmax or LinearGaussian
        A policy with ``n_features == fmap.n_features``.

    Returns
    -------
    numpy.ndarray
        ``(n_params,)``: 1/‖c_i‖ on each weight of feature i (S&B §9.5.2), 1 on biases
        and log-standard deviations — pass it as ``optim.SGD(lr, step_size=...)``.
    """
    scale = np.asarray(fmap.step_size_scale, dtype=np.float64)
    d = scale.size
    if int(policy.n_features) != d:
        raise ValueError(f"policy has n_features={policy.n_features}, these features have {d}")
    rows = int(getattr(policy, "n_actions", 0) or getattr(policy, "action_dim", 0))
    out = np.ones(int(policy.n_params))
    out[: rows * d] = np.tile(scale, rows)
    return out


def from_config(config: dict[str, Any]) -> Spec:
    """Rebuild a spec from :meth:`Spec.config` (or a saved model's feature configuration).

    Parameters
    ----------
    config : dict
        The output of ``config()`` (JSON round-trips it). Configurations written by
        pgfast 0.1 (model format 2) also load: their ``"bounds"`` is a list of one
        ``[low, high]`` row per input — where ``config()`` writes ``{"low", "high"}`` —
        and their ``"n_inputs"`` is ignored, as is the one saved models add.

    Returns
    -------
    Spec

    Raises
    ------
    ValueError
        For an unknown type or malformed fields.
    """
    if not isinstance(config, dict) or config.get("type") not in _TYPES:
        raise ValueError(f"not a feature-map configuration: {config!r:.200}")
    cfg = dict(config)
    cls = _TYPES[cfg.pop("type")]
    cfg.pop("n_inputs", None)  # a size, not part of a spec (saved models keep it for their checks)
    bounds = cfg.get("bounds")
    if isinstance(bounds, dict) and set(bounds) == {"low", "high"}:
        cfg["bounds"] = (bounds["low"], bounds["high"])
    elif isinstance(bounds, list):  # pgfast 0.1: one [low, high] row per input
        rows = np.asarray(bounds, dtype=np.float64)
        if rows.ndim != 2 or rows.shape[1] != 2:
            raise ValueError(f"malformed {cls.__name__} configuration: bounds must be [low, high] rows")
        cfg["bounds"] = (rows[:, 0], rows[:, 1])
    elif bounds is not None:
        raise ValueError(f"malformed {cls.__name__} configuration: bounds must be {{'low', 'high'}}")
    try:
        return cls(**cfg)
    except TypeError as e:
        raise ValueError(f"malformed {cls.__name__} configuration: {e}") from None
