"""Plain-NumPy reference implementation of every pgfast kernel.

This module is the executable specification of :mod:`pgfast`: the same classes and
functions as the C++ core (``pgfast._core``), with the same signatures, the same
parameter layouts, the same return shapes and the same use of the caller's
``numpy.random.Generator``, written as directly as NumPy allows so that each line can
be checked against Sutton & Barto, *Reinforcement Learning: An Introduction*, 2nd ed.
(referred to as S&B below).

The test-suite checks that every policy, return and optimiser kernel here agrees with
its C++ twin BIT FOR BIT and that, given the same seed, both sample the same actions and
leave the Generator in the same state. The benchmarks use this module as the speed
baseline.

Every quantity is one NumPy expression whose C++ mirror performs the same roundings in
the same order (``cpp/include/pgfast/numpy_math.hpp``):

* sums are ``.sum()`` / ``.sum(axis=-1)`` over a contiguous last axis (NumPy's pairwise
  summation, reproduced by the core), never ``@`` / ``np.dot`` (BLAS, whose order is
  not fixed): a dot product is ``(w * x).sum(axis=-1)``;
* a sum over steps is ``.sum(axis=0)`` of a C-contiguous (T, n) array, which NumPy
  accumulates row after row, as the core's loops do;
* ``np.exp`` / ``np.log`` are NumPy's (SVML's AVX-512 kernels on x86-64 Linux with
  AVX512_SKX, else libm); ``pgfast._numpy_math`` switches the core to the same ones.
  ``math.exp`` / ``math.log`` are libm's and are not used on arrays here.

It validates nothing: arguments are converted with ``np.asarray`` and used. The public
API is the one place that checks them (the C++ bindings, and :mod:`pgfast._validate` for
the agents); the bad-input tests run against it.

Conventions shared by every policy method:

* ``x`` is one feature vector of shape ``(n_features,)`` or a batch of shape
  ``(N, n_features)``; a single state gives a scalar (or a 1-D array), a batch gives
  one more leading axis of length ``N``.
* ``params`` is one flat float64 vector; gradients have the same layout.
* Optimisers perform gradient *ascent* on the performance measure J(θ).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Optional, Union

import numpy as np
from numpy.typing import ArrayLike, NDArray

# The feature maps of ch. 9 have their own module; they are part of this one's API.
from ._reference_features import (
    FourierFeatures,
    IdentityFeatures,
    PolynomialFeatures,
    RBFFeatures,
    TileCodingFeatures,
)

__all__ = [
    "SGD",
    "ActorCriticState",
    "Adam",
    "FourierFeatures",
    "IdentityFeatures",
    "LinearGaussian",
    "LinearSoftmax",
    "PolynomialFeatures",
    "RBFFeatures",
    "TileCodingFeatures",
    "actor_critic_step",
    "discounted_returns",
    "policy_gradient",
    "reinforce_update",
    "value",
]

FloatArray = NDArray[np.float64]

# 0.5 ln(2π), correctly rounded (the C++ literal): the constant of the Gaussian log-density.
_HALF_LOG_2PI = 0.91893853320467274178


# ----------------------------------------------------------------------------------
# Conversions. This module checks nothing: it is the specification of the math, called
# with valid arguments (pgfast's public API validates them: the C++ bindings and
# pgfast._validate). It does ``np.asarray`` and the math; what invalid input does here
# is unspecified.
# ----------------------------------------------------------------------------------


def _states(x: ArrayLike) -> tuple[FloatArray, bool]:
    """Return ``x`` as an (N, d) float64 array, and whether it was one state."""
    X = np.asarray(x, dtype=np.float64)
    return (X[np.newaxis, :], True) if X.ndim == 1 else (X, False)


def _discrete_actions(a: ArrayLike, n: int) -> NDArray[np.int64]:
    """Return the action(s) ``a`` as an (n,) int64 array."""
    return np.asarray(a, dtype=np.int64).reshape(n)


def _continuous_actions(a: ArrayLike, n: int) -> FloatArray:
    """Return the action(s) ``a`` as an (n, action_dim) float64 array."""
    return np.asarray(a, dtype=np.float64).reshape(n, -1)


# ----------------------------------------------------------------------------------
# Softmax policy (S&B §13.1)
# ----------------------------------------------------------------------------------


class LinearSoftmax:
    r"""Linear softmax policy over discrete actions (S&B eqs. 13.2-13.3).

    The action preferences are linear in the features,
    :math:`h(s, b, \theta) = \theta_b^\top x(s) + \text{bias}_b`, and the policy is
    their softmax, :math:`\pi(b|s) = e^{h_b} / \sum_c e^{h_c}`.

    Parameters
    ----------
    n_features : int
        Length d of the feature vector x(s).
    n_actions : int
        Number k of discrete actions (1 is allowed: a constant policy).
    bias : bool, default True
        Whether each action has a bias term.
    params : numpy.ndarray, optional
        A writable float64 array of shape (n_params,) used AS the parameter storage (not
        copied, its values kept): e.g. ``np.asarray(core_policy.params)``, so that this
        policy reads the parameters of a C++ policy. Default: a new array of zeros.

    Notes
    -----
    ``params`` is one flat vector: ``W`` (k x d, row-major, row b is θ_b), then the
    bias (k) when ``bias`` is true. All parameters start at zero (the uniform policy).
    """

    def __init__(
        self, n_features: int, n_actions: int, bias: bool = True, *, params: Optional[FloatArray] = None
    ) -> None:
        self._d, self._k, self._bias = int(n_features), int(n_actions), bool(bias)
        n_params = self._k * self._d + (self._k if self._bias else 0)
        self._params = np.zeros(n_params) if params is None else params

    def __repr__(self) -> str:
        return f"LinearSoftmax(n_features={self._d}, n_actions={self._k}, bias={self._bias})"

    # --- parameters ---------------------------------------------------------------

    @property
    def n_features(self) -> int:
        """Length d of the feature vector x(s)."""
        return self._d

    @property
    def n_actions(self) -> int:
        """Number k of discrete actions."""
        return self._k

    @property
    def bias(self) -> bool:
        """Whether each action has a bias term."""
        return self._bias

    @property
    def n_params(self) -> int:
        """Number of parameters, ``k * d`` (+ ``k`` with bias)."""
        return self._params.size

    @property
    def params(self) -> FloatArray:
        """All parameters as one writable float64 vector (W row-major, then bias)."""
        return self._params

    @params.setter
    def params(self, value: ArrayLike) -> None:
        self._params[...] = value

    @property
    def _W(self) -> FloatArray:
        """The weight matrix, shape (k, d): a view into ``params``."""
        return self._params[: self._k * self._d].reshape(self._k, self._d)

    @property
    def _b(self) -> FloatArray:
        """The bias, shape (k,): a view into ``params`` (zeros without bias)."""
        if self._bias:
            return self._params[self._k * self._d :]
        return np.zeros(self._k)

    # --- the policy ---------------------------------------------------------------

    def _preferences(self, X: FloatArray) -> FloatArray:
        """Return the action preferences h = X Wᵀ + b, shape (N, k) (S&B eq. 13.3).

        h_b = Σ_i W_bi x_i + b_b is written ``(x * W).sum(axis=-1) + b``: products, then
        NumPy's pairwise sum, as the core computes it (not ``X @ W.T``: BLAS).
        """
        H: FloatArray = (X[:, np.newaxis, :] * self._W).sum(axis=-1) + self._b
        return H

    def _log_probs(self, X: FloatArray) -> FloatArray:
        """Return ln π(·|s) for each row, shape (N, k), via the log-sum-exp trick.

        ln π_b = h_b − ln Σ_c e^{h_c} = (h_b − max h) − ln Σ_c e^{h_c − max h}; the
        shift is subtracted first, so that huge preferences lose no precision.
        """
        shifted = self._preferences(X)
        shifted -= shifted.max(axis=1, keepdims=True)
        out: FloatArray = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        return out

    def _probs(self, X: FloatArray) -> FloatArray:
        """Return π(·|s) for each row, shape (N, k) (S&B eq. 13.2)."""
        H = self._preferences(X)
        E = np.exp(H - H.max(axis=1, keepdims=True))  # ≤ 1: never overflows
        out: FloatArray = E / E.sum(axis=1, keepdims=True)
        return out

    def _expand(self, coef: FloatArray, X: FloatArray) -> FloatArray:
        """Gradient rows from per-action coefficients ∂f/∂h, shape (N, n_params).

        Since h_b = θ_bᵀ x + bias_b, the chain rule gives ∂f/∂θ_b = (∂f/∂h_b) x and
        ∂f/∂bias_b = ∂f/∂h_b.
        """
        n = X.shape[0]
        grad_W = (coef[:, :, np.newaxis] * X[:, np.newaxis, :]).reshape(n, -1)
        if self._bias:
            return np.concatenate([grad_W, coef], axis=1)
        return grad_W

    def probs(self, x: ArrayLike) -> FloatArray:
        """Return the action probabilities π(· | s) (S&B eq. 13.2).

        Parameters
        ----------
        x : array_like, shape (n_features,) or (N, n_features)
            Feature vector(s) x(s).

        Returns
        -------
        numpy.ndarray
            Shape (n_actions,), or (N, n_actions) for a batch.
        """
        X, single = _states(x)
        P = self._probs(X)
        return P[0] if single else P

    def log_prob(self, x: ArrayLike, a: ArrayLike) -> Union[float, FloatArray]:
        """Log-probability ln π(a|s) = h_a − ln Σ_b e^{h_b}.

        Parameters
        ----------
        x : array_like, shape (n_features,) or (N, n_features)
            Feature vector(s) x(s).
        a : int or array_like of int, shape (N,)
            Action(s), in ``[0, n_actions)``.

        Returns
        -------
        float or numpy.ndarray
            A float for one state, an (N,) array for a batch.
        """
        X, single = _states(x)
        A = _discrete_actions(a, X.shape[0])
        lp = self._log_probs(X)[np.arange(X.shape[0]), A]
        return float(lp[0]) if single else lp

    def grad_log_prob(self, x: ArrayLike, a: ArrayLike, scale: Optional[float] = None) -> FloatArray:
        """Eligibility vector ∇_θ ln π(a|s) (S&B eq. 13.9).

        Row b of the W part is (1[a = b] − π(b|s)) x(s); the bias part is
        (1[a = b] − π(b|s)).

        Parameters
        ----------
        x : array_like, shape (n_features,) or (N, n_features)
            Feature vector(s) x(s).
        a : int or array_like of int, shape (N,)
            Action(s), in ``[0, n_actions)``.
        scale : float, optional
            Return c ∇ln π with c = ``scale`` applied where the C++ core applies it (to the
            per-action coefficient, before the product with x), so that a learner's
            ``g += c ∇ln π`` rounds as the core's does.

        Returns
        -------
        numpy.ndarray
            Shape (n_params,), or (N, n_params) for a batch.
        """
        X, single = _states(x)
        A = _discrete_actions(a, X.shape[0])
        sc = None if scale is None else np.full(X.shape[0], float(scale))
        G = self._eligibility(X, A, sc)
        return G[0] if single else G

    def _eligibility(
        self, X: FloatArray, A: NDArray[np.int64], scale: Optional[FloatArray] = None
    ) -> FloatArray:
        """Rows (e_a − π(·|s)) ⊗ x(s) of states X and actions A (eq. 13.9).

        With ``scale`` (shape (N,)), row t is (scale_t (e_a − π)) ⊗ x: the per-action
        coefficient is scaled before the product with x, as the core's kernels do.
        """
        coef = np.eye(self._k)[A] - self._probs(X)
        if scale is not None:
            coef = scale[:, np.newaxis] * coef
        return self._expand(coef, X)

    def entropy(self, x: ArrayLike) -> Union[float, FloatArray]:
        """Entropy H(π(· | s)) = −Σ_b π(b|s) ln π(b|s).

        Parameters
        ----------
        x : array_like, shape (n_features,) or (N, n_features)
            Feature vector(s) x(s).

        Returns
        -------
        float or numpy.ndarray
            A float for one state, an (N,) array for a batch.
        """
        X, single = _states(x)
        H = self._entropy(X)
        return float(H[0]) if single else H

    def _entropy(self, X: FloatArray) -> FloatArray:
        """Return H(π(·|s)) for each row of validated states, shape (N,).

        −Σ_b π_b ln π_b is computed from the softmax's own terms: with m = max h,
        s_b = h_b − m, e_b = e^{s_b} and z = Σ_b e_b, ln π_b = s_b − ln z, so
        H = ln z − Σ_b π_b s_b (π_b = e_b / z; 0 ln 0 = 0: a term with π_b = 0 is 0).
        One log per state and the exps that sampling computes anyway; both terms are
        ≥ 0, so nothing cancels. The C++ core computes it the same way.
        """
        S = self._preferences(X)
        S -= S.max(axis=1, keepdims=True)  # s_b may overflow to −inf: π_b = 0, its term 0
        E = np.exp(S)
        Z = E.sum(axis=1)
        P = E / Z[:, np.newaxis]
        H: FloatArray = np.log(Z) - np.where(P > 0.0, P * S, 0.0).sum(axis=1)
        return H

    def grad_entropy(self, x: ArrayLike, scale: Optional[float] = None) -> FloatArray:
        """Gradient of the entropy with respect to ``params``.

        With H = −Σ_b π_b ln π_b, the derivative along a preference is
        ∂H/∂h_b = −π_b (ln π_b + H), then the chain rule through h = W x + bias.

        Parameters
        ----------
        x : array_like, shape (n_features,) or (N, n_features)
            Feature vector(s) x(s).
        scale : float, optional
            Return c ∇H with c = ``scale`` applied to the per-action coefficient (as the core).

        Returns
        -------
        numpy.ndarray
            Shape (n_params,), or (N, n_params) for a batch.
        """
        X, single = _states(x)
        L = self._log_probs(X)
        P = np.exp(L)
        H = self._entropy(X)[:, np.newaxis]
        coef = -P * (L + H) if scale is None else float(scale) * (-P * (L + H))
        G = self._expand(np.where(P > 0.0, coef, 0.0), X)  # π_b = 0: the limit 0
        return G[0] if single else G

    def sample(self, x: ArrayLike, rng: np.random.Generator) -> Union[int, NDArray[np.int64]]:
        """Draw A ~ π(· | s) with one uniform per state from ``rng``.

        The action is the first b with u < Σ_{c≤b} π(c|s) (the rule of
        ``Generator.choice(p=...)``), or the last action if rounding leaves the
        cumulative sum below u. One state draws ``rng.random()``; a batch draws
        ``rng.random(N)``, so the C++ core consumes exactly the same stream.

        Parameters
        ----------
        x : array_like, shape (n_features,) or (N, n_features)
            Feature vector(s) x(s).
        rng : numpy.random.Generator
            The source of randomness; its stream is consumed.

        Returns
        -------
        int or numpy.ndarray
            An int for one state, an (N,) int64 array for a batch.
        """
        X, single = _states(x)
        P = self._probs(X)
        u: FloatArray = np.array([rng.random()]) if single else np.asarray(rng.random(X.shape[0]))
        # Number of cumulative sums ≤ u = index of the first one above u.
        below = np.cumsum(P, axis=1) <= u[:, np.newaxis]
        actions = np.minimum(below.sum(axis=1), self._k - 1).astype(np.int64)
        return int(actions[0]) if single else actions

    def mode(self, x: ArrayLike) -> Union[int, NDArray[np.int64]]:
        """Greedy action argmax_b π(b|s), the first one on ties.

        Parameters
        ----------
        x : array_like, shape (n_features,) or (N, n_features)
            Feature vector(s) x(s).

        Returns
        -------
        int or numpy.ndarray
            An int for one state, an (N,) int64 array for a batch.
        """
        X, single = _states(x)
        actions = self._preferences(X).argmax(axis=1).astype(np.int64)
        return int(actions[0]) if single else actions


# ----------------------------------------------------------------------------------
# Gaussian policy (S&B §13.7)
# ----------------------------------------------------------------------------------


class LinearGaussian:
    r"""Linear Gaussian policy over continuous actions (S&B eqs. 13.18-13.20).

    Per action dimension j, the mean is linear in the features and the standard
    deviation is state-independent by default:
    :math:`\mu_j(s) = \theta_{\mu,j}^\top x(s) + b_j`,
    :math:`\sigma_j = \exp(\operatorname{clamp}(l_j, l_{min}, l_{max}))`; with
    ``state_dependent_std`` the log-std is linear in the same features,
    :math:`l_j(s) = \theta_{\sigma,j}^\top x(s) + c_j` (eq. 13.18).

    Parameters
    ----------
    n_features : int
        Length d of the feature vector x(s).
    action_dim : int, default 1
        Dimension m of the action.
    bias : bool, default True
        Whether the mean has a bias term.
    log_std_init : float, default 0.0
        Initial log-standard deviation of every dimension.
    log_std_min, log_std_max : float, default -20.0 and 2.0
        The clamp applied to the log-std, so that σ never reaches 0 or ∞. Outside
        the clamp the log-std gradient is 0 (the exact derivative of the clamp).
    state_dependent_std : bool, default False
        Make the log-std linear in x(s) instead of one parameter per dimension.
    params : numpy.ndarray, optional
        A writable float64 array of shape (n_params,) used AS the parameter storage (not
        copied, its values kept, ``log_std_init`` not applied): e.g.
        ``np.asarray(core_policy.params)``. Default: a new array, initialised as below.

    Notes
    -----
    ``params`` is one flat vector: ``W`` (m x d, row-major), the mean bias (m) when
    ``bias`` is true, then the log-std part: the log-stds (m), or with
    ``state_dependent_std`` ``W_σ`` (m x d, starting at 0) and ``c`` (m, starting at
    ``log_std_init``). W and the bias start at zero.
    """

    def __init__(
        self,
        n_features: int,
        action_dim: int = 1,
        bias: bool = True,
        log_std_init: float = 0.0,
        log_std_min: float = -20.0,
        log_std_max: float = 2.0,
        state_dependent_std: bool = False,
        *,
        params: Optional[FloatArray] = None,
    ) -> None:
        self._d, self._m, self._bias = int(n_features), int(action_dim), bool(bias)
        self._lo, self._hi = float(log_std_min), float(log_std_max)
        self._sd = bool(state_dependent_std)
        n_log_std = self._m * self._d + self._m if self._sd else self._m
        n_params = self._m * self._d + (self._m if self._bias else 0) + n_log_std
        if params is not None:
            self._params = params
        else:
            self._params = np.zeros(n_params)
            self._params[n_params - self._m :] = log_std_init

    def __repr__(self) -> str:
        return f"LinearGaussian(n_features={self._d}, action_dim={self._m}, bias={self._bias})"

    # --- parameters ---------------------------------------------------------------

    @property
    def n_features(self) -> int:
        """Length d of the feature vector x(s)."""
        return self._d

    @property
    def action_dim(self) -> int:
        """Dimension m of the action."""
        return self._m

    @property
    def bias(self) -> bool:
        """Whether the mean has a bias term."""
        return self._bias

    @property
    def state_dependent_std(self) -> bool:
        """Whether the log-std is linear in x(s)."""
        return self._sd

    @property
    def log_std_min(self) -> float:
        """Lower clamp of the log-std."""
        return self._lo

    @property
    def log_std_max(self) -> float:
        """Upper clamp of the log-std."""
        return self._hi

    @property
    def n_params(self) -> int:
        """Number of parameters, ``m * d`` (+ ``m`` with bias) + ``m``."""
        return self._params.size

    @property
    def params(self) -> FloatArray:
        """All parameters as one writable float64 vector (W, bias, log-std)."""
        return self._params

    @params.setter
    def params(self, value: ArrayLike) -> None:
        self._params[...] = value

    @property
    def _log_std_offset(self) -> int:
        return self._m * self._d + (self._m if self._bias else 0)

    @property
    def _W(self) -> FloatArray:
        return self._params[: self._m * self._d].reshape(self._m, self._d)

    @property
    def _b(self) -> FloatArray:
        if self._bias:
            return self._params[self._m * self._d : self._log_std_offset]
        return np.zeros(self._m)

    @property
    def _raw_log_std(self) -> FloatArray:
        return self._params[self._log_std_offset :]

    @property
    def log_std(self) -> FloatArray:
        """The clamped log-std per action dimension (a copy), shape (action_dim,)."""
        if self._sd:
            raise ValueError("the log-std depends on the state (state_dependent_std=True): use log_std_at(x)")
        return np.clip(self._raw_log_std, self._lo, self._hi)

    def _raw_log_std_of(self, X: FloatArray) -> FloatArray:
        """Return l(s) before the clamp for every state, shape (N, m)."""
        if not self._sd:
            return np.broadcast_to(self._raw_log_std, (X.shape[0], self._m))
        Ws = self._raw_log_std[: self._m * self._d].reshape(self._m, self._d)
        out: FloatArray = (X[:, np.newaxis, :] * Ws).sum(axis=-1) + self._raw_log_std[self._m * self._d :]
        return out

    def log_std_at(self, x: ArrayLike) -> FloatArray:
        """Return the clamped log-std l(s), shape (action_dim,) or (N, action_dim)."""
        X, single = _states(x)
        ls = np.clip(self._raw_log_std_of(X), self._lo, self._hi)
        return ls[0] if single else ls

    def _log_std_grad(self, X: FloatArray, coef: FloatArray) -> FloatArray:
        """Return coef_j · ∂l_j(s)/∂(log-std parameters) per state, shape (N, n_log_std)."""
        if not self._sd:
            return coef
        n = X.shape[0]
        return np.concatenate([(coef[:, :, np.newaxis] * X[:, np.newaxis, :]).reshape(n, -1), coef], axis=1)

    # --- the policy ---------------------------------------------------------------

    def _mean(self, X: FloatArray) -> FloatArray:
        """Return the action means μ = X Wᵀ + b, shape (N, m) (S&B eq. 13.18).

        Written ``(x * W).sum(axis=-1) + b`` (NumPy's pairwise sum, as the core).
        """
        mu: FloatArray = (X[:, np.newaxis, :] * self._W).sum(axis=-1) + self._b
        return mu

    def mean(self, x: ArrayLike) -> FloatArray:
        """Mean action μ(s) = W x(s) + b.

        Parameters
        ----------
        x : array_like, shape (n_features,) or (N, n_features)
            Feature vector(s) x(s).

        Returns
        -------
        numpy.ndarray
            Shape (action_dim,), or (N, action_dim) for a batch.
        """
        X, single = _states(x)
        mu = self._mean(X)
        return mu[0] if single else mu

    def log_prob(self, x: ArrayLike, a: ArrayLike) -> Union[float, FloatArray]:
        """Log-density ln π(a|s) = Σ_j [−(a_j − μ_j)² / (2σ_j²) − ln σ_j − ½ ln 2π].

        Parameters
        ----------
        x : array_like, shape (n_features,) or (N, n_features)
            Feature vector(s) x(s).
        a : array_like, shape (action_dim,) or (N, action_dim)
            Action(s).

        Returns
        -------
        float or numpy.ndarray
            A float for one state, an (N,) array for a batch.
        """
        X, single = _states(x)
        A = _continuous_actions(a, X.shape[0])
        log_std = np.clip(self._raw_log_std_of(X), self._lo, self._hi)
        z = (A - self._mean(X)) / np.exp(log_std)
        lp = (-0.5 * (z * z) - log_std - _HALF_LOG_2PI).sum(axis=1)
        return float(lp[0]) if single else lp

    def grad_log_prob(self, x: ArrayLike, a: ArrayLike, scale: Optional[float] = None) -> FloatArray:
        """Eligibility vector ∇_θ ln π(a|s) (S&B eqs. 13.19-13.20).

        For each action dimension j:

        * ∂ ln π / ∂θ_{μ,j} = (a_j − μ_j) / σ_j² · x(s) (and the same factor for b_j);
        * ∂ ln π / ∂l_j = (a_j − μ_j)² / σ_j² − 1 inside the clamp, 0 outside it.

        Parameters
        ----------
        x : array_like, shape (n_features,) or (N, n_features)
            Feature vector(s) x(s).
        a : array_like, shape (action_dim,) or (N, action_dim)
            Action(s).
        scale : float, optional
            Return c ∇ln π with c = ``scale`` applied where the C++ core applies it (to each
            per-dimension coefficient, before the product with x).

        Returns
        -------
        numpy.ndarray
            Shape (n_params,), or (N, n_params) for a batch.
        """
        X, single = _states(x)
        A = _continuous_actions(a, X.shape[0])
        sc = None if scale is None else np.full(X.shape[0], float(scale))
        G = self._eligibility(X, A, sc)
        return G[0] if single else G

    def _eligibility(self, X: FloatArray, A: FloatArray, scale: Optional[FloatArray] = None) -> FloatArray:
        """Eligibility rows of states X and actions A (eqs. 13.19-13.20).

        With ``scale`` (shape (N,)), each per-dimension coefficient of row t is multiplied
        by scale_t before the product with x, as the core's kernels do.
        """
        n = X.shape[0]
        raw = self._raw_log_std_of(X)
        sigma = np.exp(np.clip(raw, self._lo, self._hi))
        free = (raw >= self._lo) & (raw <= self._hi)
        diff = A - self._mean(X)
        coef = diff / (sigma * sigma)  # ∂ ln π / ∂μ_j, shape (N, m)
        z = diff / sigma
        coef_log_std = np.where(free, z * z - 1.0, 0.0)  # ∂ ln π / ∂l_j
        if scale is not None:
            coef = scale[:, np.newaxis] * coef
            coef_log_std = scale[:, np.newaxis] * coef_log_std
        parts = [(coef[:, :, np.newaxis] * X[:, np.newaxis, :]).reshape(n, -1)]
        if self._bias:
            parts.append(coef)
        parts.append(self._log_std_grad(X, coef_log_std))
        return np.concatenate(parts, axis=1)

    def entropy(self, x: ArrayLike) -> Union[float, FloatArray]:
        """Entropy H = Σ_j (l_j(s) + ½ ln(2πe)); the same for every state unless l depends on it.

        Parameters
        ----------
        x : array_like, shape (n_features,) or (N, n_features)
            Feature vector(s) x(s) (only their number is used).

        Returns
        -------
        float or numpy.ndarray
            A float for one state, an (N,) array for a batch.
        """
        X, single = _states(x)
        H = (np.clip(self._raw_log_std_of(X), self._lo, self._hi) + _HALF_LOG_2PI + 0.5).sum(axis=1)
        return float(H[0]) if single else H

    def grad_entropy(self, x: ArrayLike, scale: Optional[float] = None) -> FloatArray:
        """Gradient of the entropy with respect to ``params``: ∂H/∂l_j = 1 inside the clamp.

        Parameters
        ----------
        x : array_like, shape (n_features,) or (N, n_features)
            Feature vector(s) x(s) (only their number is used).
        scale : float, optional
            Return c ∇H (c = ``scale``), as the core adds it.

        Returns
        -------
        numpy.ndarray
            Shape (n_params,), or (N, n_params) for a batch.
        """
        X, single = _states(x)
        raw = self._raw_log_std_of(X)
        free = ((raw >= self._lo) & (raw <= self._hi)).astype(np.float64)
        G = np.zeros((X.shape[0], self.n_params))
        G[:, self._log_std_offset :] = self._log_std_grad(X, free if scale is None else float(scale) * free)
        return G[0] if single else G

    def sample(self, x: ArrayLike, rng: np.random.Generator) -> FloatArray:
        """Draw A = μ(s) + σ ⊙ ε with ε ~ N(0, I) from ``rng`` (not clipped).

        One state draws ``rng.standard_normal(action_dim)``; a batch draws
        ``rng.standard_normal((N, action_dim))``, so the C++ core consumes exactly
        the same stream.

        Parameters
        ----------
        x : array_like, shape (n_features,) or (N, n_features)
            Feature vector(s) x(s).
        rng : numpy.random.Generator
            The source of randomness; its stream is consumed.

        Returns
        -------
        numpy.ndarray
            Shape (action_dim,), or (N, action_dim) for a batch.
        """
        X, single = _states(x)
        mu = self._mean(X)
        eps = rng.standard_normal(mu.shape)
        A = mu + np.exp(np.clip(self._raw_log_std_of(X), self._lo, self._hi)) * eps
        return A[0] if single else A

    def mode(self, x: ArrayLike) -> FloatArray:
        """Greedy action: the mean μ(s).

        Parameters
        ----------
        x : array_like, shape (n_features,) or (N, n_features)
            Feature vector(s) x(s).

        Returns
        -------
        numpy.ndarray
            Shape (action_dim,), or (N, action_dim) for a batch.
        """
        return self.mean(x)

    def project(self) -> None:
        """Clamp the stored log-std parameters into [log_std_min, log_std_max], in place.

        Applied after optimiser steps, so that a log-std never drifts where its
        gradient is 0 forever. A state-dependent log-std is clamped per state instead.
        """
        if not self._sd:
            np.clip(self._raw_log_std, self._lo, self._hi, out=self._raw_log_std)


Policy = Union[LinearSoftmax, LinearGaussian]


# ----------------------------------------------------------------------------------
# Returns and the policy gradient
# ----------------------------------------------------------------------------------


def discounted_returns(
    rewards: ArrayLike,
    terminated: ArrayLike,
    truncated: Optional[ArrayLike] = None,
    *,
    gamma: float,
    bootstrap: Optional[ArrayLike] = None,
) -> FloatArray:
    """Discounted returns G_t = R_{t+1} + γ G_{t+1} (S&B eq. 3.9), computed backwards.

    Episode ends restart the recursion. Where an episode ends at step t, the
    "next return" G_{t+1} is replaced by:

    * 0 when ``terminated[t]`` (a terminal state has value 0);
    * ``bootstrap[t]`` (or 0 without ``bootstrap``) when ``truncated[t]`` (a time
      limit: the episode was cut, not finished);
    * likewise for the last row of the buffer, when not terminated: it is an
      unfinished episode, cut by the end of the buffer.

    ``terminated`` wins over ``truncated``.

    Parameters
    ----------
    rewards : array_like, shape (T,) or (T, n_envs)
        ``rewards[t]`` is R_{t+1}, the reward received after the action at step t.
    terminated : array_like of bool, same shape as rewards
        Whether the episode terminated after step t.
    truncated : array_like of bool, same shape as rewards, optional
        Whether the episode was truncated (time limit) after step t.
    gamma : float
        Discount rate γ, in [0, 1].
    bootstrap : array_like, same shape as rewards, optional
        Value estimates v̂(S_{t+1}) of the observation after step t; read only where
        an episode is cut.

    Returns
    -------
    numpy.ndarray
        The returns G, float64, with the shape of ``rewards``.
    """
    R = np.asarray(rewards, dtype=np.float64)
    done = np.asarray(terminated, dtype=bool)
    cut = np.zeros(R.shape, bool) if truncated is None else np.asarray(truncated, dtype=bool)
    V = np.zeros(R.shape) if bootstrap is None else np.asarray(bootstrap, dtype=np.float64)

    # Work on (T, n_envs); a flat buffer is one environment.
    T = R.shape[0]
    n_envs = R.shape[1] if R.ndim == 2 else 1
    R2, done2, cut2, V2 = (arr.reshape(T, n_envs) for arr in (R, done, cut, V))
    G = np.zeros((T, n_envs))
    next_return = np.zeros(n_envs)  # G_{t+1}
    for t in reversed(range(T)):
        # The end of the buffer cuts every episode still running, like a time limit.
        episode_cut = cut2[t] | (t == T - 1)
        next_return = np.where(episode_cut, V2[t], next_return)
        next_return = np.where(done2[t], 0.0, next_return)
        G[t] = R2[t] + gamma * next_return
        next_return = G[t]
    return G.reshape(R.shape)


def policy_gradient(policy: Policy, X: ArrayLike, A: ArrayLike, weights: ArrayLike) -> FloatArray:
    """Weighted sum of eligibility vectors, Σ_t w_t ∇_θ ln π(A_t|X_t).

    With w_t = G_t this is the REINFORCE direction (S&B eq. 13.8); with
    w_t = G_t − v̂(S_t, w) it is REINFORCE with baseline (S&B eq. 13.11).

    Parameters
    ----------
    policy : LinearSoftmax or LinearGaussian
        The policy π(· | ·, θ).
    X : array_like, shape (T, n_features)
        Feature vectors x(S_t).
    A : array_like, shape (T,) of int (softmax) or (T, action_dim) (Gaussian)
        Actions A_t.
    weights : array_like, shape (T,)
        The weight w_t of each step.

    Returns
    -------
    numpy.ndarray
        The gradient, shape (n_params,).
    """
    X = np.asarray(X, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    if isinstance(policy, LinearSoftmax):
        rows = policy._eligibility(X, _discrete_actions(A, X.shape[0]), scale=w)
    else:
        rows = policy._eligibility(X, _continuous_actions(A, X.shape[0]), scale=w)
    # The rows w_t ∇ ln π(A_t|X_t) (w_t scales the per-action coefficient before the
    # product with x, as in the core), summed over t by .sum(axis=0): NumPy adds the rows
    # one after the other, as the core's loop does.
    g: FloatArray = rows.sum(axis=0)
    return g


# ----------------------------------------------------------------------------------
# Optimisers (gradient ascent)
# ----------------------------------------------------------------------------------


def _norm(g: FloatArray) -> float:
    """Return ‖g‖ = √(Σ g²) (``np.sqrt(np.sum(g * g))``, pairwise as the core).

    When Σ g² overflows, the scaled form max|g| √Σ(g/max|g|)² (as BLAS dnrm2).
    """
    with np.errstate(over="ignore"):  # Σ g² may overflow: then the scaled form
        sq = np.sum(g * g)
    if np.isfinite(sq):
        return float(np.sqrt(sq))
    m = np.max(np.abs(g))
    return float(m * np.sqrt(np.sum((g / m) ** 2)))


def _clip_coefficient(norm: float, max_grad_norm: Optional[float]) -> float:
    """Return min(1, max_grad_norm / (‖g‖ + 1e-6)): the rule of ``clip_grad_norm_``."""
    if max_grad_norm is None:
        return 1.0
    return min(1.0, max_grad_norm / (norm + 1e-6))


class SGD:
    """Stochastic gradient ascent: θ ← θ + α s c g.

    Parameters
    ----------
    lr : float
        Step size α > 0.
    step_size : array_like, shape (n_params,), optional
        Per-parameter scale s ≥ 0 of the step size (e.g. α_i = α/‖c_i‖ for Fourier
        features, S&B §9.5.2). Default: 1 for every parameter.
    max_grad_norm : float, optional
        When given, the gradient is rescaled by c = min(1, max_grad_norm / (‖g‖ + 1e-6))
        (the rule of ``torch.nn.utils.clip_grad_norm_``); otherwise c = 1.
    """

    def __init__(
        self,
        lr: float,
        step_size: Optional[ArrayLike] = None,
        max_grad_norm: Optional[float] = None,
    ) -> None:
        self._step_size = None if step_size is None else np.array(step_size, dtype=np.float64)
        self.lr = float(lr)
        self._max_grad_norm = None if max_grad_norm is None else float(max_grad_norm)

    @property
    def max_grad_norm(self) -> Optional[float]:
        """Gradient-norm clip, or None."""
        return self._max_grad_norm

    @property
    def step_size(self) -> Optional[FloatArray]:
        """Per-parameter step-size scale (a copy), or None."""
        return None if self._step_size is None else self._step_size.copy()

    def step(self, params: FloatArray, grad: ArrayLike) -> float:
        """Update ``params`` in place along +grad.

        Parameters
        ----------
        params : numpy.ndarray
            Writable 1-D float64 array (e.g. ``policy.params``) of any byte order,
            alignment or strides, updated in place.
        grad : array_like, shape (n_params,)
            The gradient of J with respect to ``params``.

        Returns
        -------
        float
            The gradient norm ‖g‖ before clipping.
        """
        g = np.asarray(grad, dtype=np.float64)
        norm = _norm(g)
        alpha = self.lr * _clip_coefficient(norm, self._max_grad_norm)
        params[...] = params + (alpha * g if self._step_size is None else alpha * self._step_size * g)
        return norm


class Adam:
    """Adam (Kingma & Ba 2015, Algorithm 1) as gradient ascent.

    With g the (optionally clipped) gradient and t the step count::

        m ← β₁ m + (1 − β₁) g
        v ← β₂ v + (1 − β₂) g²
        θ ← θ + α (m / (1 − β₁ᵗ)) / (√(v / (1 − β₂ᵗ)) + ε)

    The moment vectors are sized on the first step.

    Parameters
    ----------
    lr : float, default 1e-3
        Step size α > 0.
    betas : tuple of float, default (0.9, 0.999)
        Decay rates (β₁, β₂), each in [0, 1).
    eps : float, default 1e-8
        Denominator ε > 0.
    max_grad_norm : float, optional
        When given, the gradient is first rescaled by
        c = min(1, max_grad_norm / (‖g‖ + 1e-6)).
    """

    def __init__(
        self,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        max_grad_norm: Optional[float] = None,
    ) -> None:
        self.lr = float(lr)
        self._betas = (float(betas[0]), float(betas[1]))
        self._eps = float(eps)
        self._max_grad_norm = None if max_grad_norm is None else float(max_grad_norm)
        self._t = 0
        self._m = np.zeros(0)
        self._v = np.zeros(0)

    @property
    def betas(self) -> tuple[float, float]:
        """Decay rates (β₁, β₂)."""
        return self._betas

    @property
    def eps(self) -> float:
        """Denominator ε."""
        return self._eps

    @property
    def max_grad_norm(self) -> Optional[float]:
        """Gradient-norm clip, or None."""
        return self._max_grad_norm

    @property
    def t(self) -> int:
        """Number of steps taken."""
        return self._t

    def state(self) -> tuple[int, FloatArray, FloatArray]:
        """Return a copy of the optimiser state ``(t, m, v)``, for saving."""
        return self._t, self._m.copy(), self._v.copy()

    def set_state(self, t: int, m: ArrayLike, v: ArrayLike) -> None:
        """Restore a state returned by :meth:`state`.

        Parameters
        ----------
        t : int
            Number of steps taken, >= 0.
        m, v : array_like, shape (n_params,)
            First and second moment estimates (v >= 0).
        """
        self._t, self._m, self._v = int(t), np.array(m, dtype=np.float64), np.array(v, dtype=np.float64)

    def step(self, params: FloatArray, grad: ArrayLike) -> float:
        """Update ``params`` in place along the Adam direction of +grad.

        Parameters
        ----------
        params : numpy.ndarray
            Writable 1-D float64 array (e.g. ``policy.params``) of any byte order,
            alignment or strides, updated in place.
        grad : array_like, shape (n_params,)
            The gradient of J with respect to ``params``.

        Returns
        -------
        float
            The gradient norm ‖g‖ before clipping.
        """
        n = params.shape[0]
        m_old, v_old = (self._m, self._v) if self._m.size else (np.zeros(n), np.zeros(n))
        g = np.asarray(grad, dtype=np.float64)
        norm = _norm(g)
        g = _clip_coefficient(norm, self._max_grad_norm) * g
        beta1, beta2 = self._betas
        self._t += 1
        self._m = beta1 * m_old + (1.0 - beta1) * g
        self._v = beta2 * v_old + (1.0 - beta2) * (g * g)
        m_hat = self._m / (1.0 - beta1**self._t)
        v_hat = self._v / (1.0 - beta2**self._t)
        params[...] = params + self.lr * m_hat / (np.sqrt(v_hat) + self._eps)
        return norm


# --------------------------------------------------------------------------- REINFORCE


def value(w: FloatArray, x: FloatArray) -> float:
    """Return the linear baseline / critic v̂(s, w) = w · [x(s), 1] (S&B eq. 9.8), bias last."""
    d = x.shape[0]
    return float(np.sum(w[:d] * x) + w[d])


def reinforce_update(
    policy: Any,
    batch: dict[str, Any],
    optimizer: Any,
    *,
    gamma: float,
    w: Optional[FloatArray] = None,
    baseline_optimizer: Any = None,
    normalize_returns: bool = True,
    discount_gradient: bool = False,
    per_step: bool = False,
    entropy_coef: float = 0.0,
) -> tuple[float, float, float]:
    r"""REINFORCE's update over finished episodes, in place on ``policy.params`` and ``w``.

    S&B box p. 328 (REINFORCE, eq. 13.8) and, with a baseline ``w``, eq. 13.11 and the box
    on p. 330 (REINFORCE with baseline). ``batch`` holds the steps of E finished episodes
    (what the C++ rollout hands over): feature rows ``X``, actions ``A``, rewards ``R``,
    per step ``term``/``trunc`` (episode ends), ``boot`` (v̂ of a truncated end's last
    observation, else 0), ``tin`` (t within its episode), and ``n_episodes`` = E.

    ``per_step=False`` takes ONE optimiser step along (the PyTorch example's update)::

        g = (1/E) Σ_t γ^t ψ_t ∇ln π(A_t|S_t, θ) + entropy_coef (1/E) Σ_t ∇H(π(·|S_t)),

    ψ_t = G_t, or δ_t = G_t − v̂(S_t, w) with a baseline, standardised over the batch when
    ``normalize_returns`` (and the batch has more than one step: one value standardised
    would be 0); γ^t is 1 unless ``discount_gradient``. The baseline then takes
    one step along (1/E) Σ_t δ_t ∇v̂(S_t, w), ∇v̂ = [x, 1].

    ``per_step=True`` is the book's loop: for t = 0, …, T−1 in order, with θ and w as
    they are at step t (G standardised over the episode first when ``normalize_returns``),

        δ ← G_t − v̂(S_t, w);   w ← w + α_w δ ∇v̂(S_t, w);   θ ← θ + α γ^t δ ∇ln π(A_t|S_t, θ).

    The optimisers (:class:`SGD`: the book's θ + α g; :class:`Adam`) take the steps.
    ``policy.grad_log_prob(x, a, scale=c)`` is c ∇ln π(a|x), with c applied where the C++
    core applies it (to the per-action coefficient), so that both round alike.
    Returns (gradient norm — the mean over steps with ``per_step`` —, mean entropy,
    baseline loss mean(δ²), NaN without a baseline).
    """
    X, A = batch["X"], batch["A"]
    n = X.shape[0]
    G = discounted_returns(batch["R"], batch["term"], batch["trunc"], gamma=gamma, bootstrap=batch["boot"])
    # γ^t with Python's float power (C's pow, as the C++ core): NumPy's may differ by an ulp.
    discount = [gamma ** t if discount_gradient else 1.0 for t in batch["tin"].tolist()]
    if per_step:
        return _reinforce_loop(policy, X, A, G, discount, optimizer, w, baseline_optimizer, normalize_returns,
                               entropy_coef)
    baseline = w is not None
    scale = 1.0 / batch["n_episodes"]  # the mean over episodes of their sums
    psi = G.copy()
    baseline_loss = math.nan
    if baseline:
        assert w is not None
        psi = G - np.array([value(w, x) for x in X])  # δ_t = G_t − v̂(S_t, w)
        delta = psi.copy()
        baseline_loss = float(np.mean(delta * delta))
    if normalize_returns and n > 1:  # one value is left as it is (standardised it would be 0)
        psi = (psi - psi.mean()) / (psi.std() + 1e-8)
    g = np.zeros_like(policy.params)
    entropy = 0.0
    for t in range(n):
        x, a = X[t], _action(policy, A[t])
        g += policy.grad_log_prob(x, a, scale=scale * discount[t] * psi[t])
        if entropy_coef > 0.0:
            g += policy.grad_entropy(x, scale=scale * entropy_coef)
        entropy += policy.entropy(x)
    grad_norm = optimizer.step(policy.params, g)
    _project(policy)
    if baseline:
        assert w is not None
        gw = np.zeros_like(w)
        for t in range(n):
            gw[:-1] += (scale * delta[t]) * X[t]
            gw[-1] += scale * delta[t]
        baseline_optimizer.step(w, gw)
    return grad_norm, entropy / n, baseline_loss


def _reinforce_loop(
    policy: Any, X: FloatArray, A: FloatArray, G: FloatArray, discount: list[float], optimizer: Any,
    w: Optional[FloatArray], baseline_optimizer: Any, normalize_returns: bool, entropy_coef: float,
) -> tuple[float, float, float]:
    """Run the book's loop (box p. 328/330), θ and w changing at every step t (see reinforce_update)."""
    if normalize_returns and G.size > 1:  # one value is left as it is, as above
        G = (G - G.mean()) / (G.std() + 1e-8)
    n = X.shape[0]
    grad_norm = entropy = baseline_loss = 0.0
    for t in range(n):
        x, a = X[t], _action(policy, A[t])
        psi = G[t]
        if w is not None:
            delta = G[t] - value(w, x)
            baseline_loss += delta * delta
            baseline_optimizer.step(w, np.append(delta * x, delta))  # δ ∇v̂, ∇v̂ = [x, 1]
            psi = delta
        g = policy.grad_log_prob(x, a, scale=discount[t] * psi)  # γ^t δ ∇ln π(A_t|S_t, θ)
        if entropy_coef > 0.0:
            g += policy.grad_entropy(x, scale=entropy_coef)
        entropy += policy.entropy(x)
        grad_norm += optimizer.step(policy.params, g)
        _project(policy)
    return grad_norm / n, entropy / n, baseline_loss / n if w is not None else math.nan


def _action(policy: Any, a: FloatArray) -> Any:
    """One stored action row as the policy takes it (an int for a softmax policy)."""
    return int(a[0]) if isinstance(policy, LinearSoftmax) else a


def _project(policy: Any) -> None:
    """Clip a Gaussian policy's log-std into its bounds after a step (no-op otherwise)."""
    if hasattr(policy, "project"):
        policy.project()


# --------------------------------------------------------------------------- actor-critic


@dataclass
class ActorCriticState:
    """What actor-critic learns besides θ: the critic w, R̄, and one episode's traces."""

    w: FloatArray  # critic weights: v(s) = w · [x(s), 1]
    z_theta: FloatArray  # actor trace (shape of θ)
    z_w: FloatArray  # critic trace (shape of w)
    I: float = 1.0  # noqa: E741  (the book's I = γ^t, episodic)
    rbar: float = 0.0  # average-reward estimate R̄ (continuing)
    v_old: float = 0.0  # the dutch trace's V_old

    @classmethod
    def zeros(cls, n_params: int, n_features: int) -> ActorCriticState:
        """Return a state with w, the traces and R̄ at zero and I = 1."""
        return cls(np.zeros(n_features + 1), np.zeros(n_params), np.zeros(n_features + 1))

    def new_episode(self) -> None:
        """Restart the traces (and I, V_old) at an episode boundary."""
        self.z_theta[:] = 0.0
        self.z_w[:] = 0.0
        self.I, self.v_old = 1.0, 0.0


def _decay(z: FloatArray, f: float, tol: float) -> None:
    """Decay a trace in place, z ← f z; entries below ``tol`` in magnitude become exactly 0."""
    z *= f
    z[np.abs(z) < tol] = 0.0


def actor_critic_step(
    policy: Any,
    state: ActorCriticState,
    x: ArrayLike,
    a: Any,
    reward: float,
    x_next: ArrayLike,
    terminated: bool,
    *,
    gamma: float,
    lambda_actor: float,
    lambda_critic: float,
    lr: float,
    critic_lr: float,
    reward_lr: float = 0.01,
    average_reward: bool = False,
    traces: str = "accumulating",
    trace_tolerance: float = 1e-12,
    entropy_coef: float = 0.0,
    optimizer: Any = None,
    critic_optimizer: Any = None,
) -> float:
    """One actor-critic update (S&B §13.5-13.6), in place on ``policy.params`` and ``state``.

    Episodic with eligibility traces (box p. 332; λ = 0 is the one-step box); with
    ``average_reward`` the continuing box (p. 333). The critic is v(s) = w·[x(s), 1].
    With ``entropy_coef`` β > 0 the actor's step also ascends the entropy of π(· | S)
    (A2C's bonus), evaluated at θ before the step and outside the trace and I::

        θ ← θ + α_θ δ z_θ + α_θ β ∇H(π(·|S, θ)),

    ∇H from :meth:`LinearSoftmax.grad_entropy` (∂H/∂h_b = −π_b (ln π_b + H)) or
    :meth:`LinearGaussian.grad_entropy` (∂H/∂ log σ_j = 1).
    With ``optimizer`` and ``critic_optimizer`` (e.g. two :class:`Adam`; both or neither)
    the two steps are optimiser ascent steps along the same directions, and ``lr``,
    ``critic_lr`` are not used (the optimisers carry their own)::

        w ← critic_optimizer.step(w, δ z_w)
        θ ← optimizer.step(θ, δ z_θ + β ∇H(π(·|S, θ)))

    With Adam each parameter moves by about its step size whatever the scale of rewards and
    features (the per-step analogue of A2C's RMSprop). Not with ``traces="dutch"``.
    Returns the TD error δ. The caller calls ``state.new_episode()`` before the first
    step of an episode.
    """
    x, x_next = np.asarray(x, float), np.asarray(x_next, float)
    x1 = np.append(x, 1.0)  # ∇v̂(S) = [x(S), 1]
    V = value(state.w, x)
    V_next = value(state.w, x_next) if (average_reward or not terminated) else 0.0
    if average_reward:  # continuing: no discount, differential TD error
        g = 1.0
        delta = reward - state.rbar + V_next - V
    else:
        g = gamma
        delta = reward + gamma * V_next - V
    # critic trace: z_w ← g λ_w z_w + ∇v(S), ∇v(S) = [x, 1]
    f = g * lambda_critic
    c = 1.0 - critic_lr * f * value(state.z_w, x) if traces == "dutch" else 1.0
    _decay(state.z_w, f, trace_tolerance)
    if traces == "replacing":
        state.z_w[:] = np.where(x1 != 0.0, c * x1, state.z_w)
    else:  # accumulating; dutch: z_w + (1 - α_w g λ_w z_w·x) x
        state.z_w += c * x1
    # actor trace: z_θ ← g λ_θ z_θ + I ∇ln π(A|S)
    _decay(state.z_theta, g * lambda_actor, trace_tolerance)
    state.z_theta += policy.grad_log_prob(x, a, scale=1.0 if average_reward else state.I)
    # the entropy bonus's gradient at θ before the step (β ∇H, β applied as the core applies it)
    bonus = policy.grad_entropy(x, scale=entropy_coef) if entropy_coef > 0.0 else None
    # the steps: R̄, the critic, the actor
    if average_reward:
        state.rbar = state.rbar + reward_lr * delta
    if optimizer is not None:  # scale-free steps along the same directions
        critic_optimizer.step(state.w, delta * state.z_w)
        direction = delta * state.z_theta
        optimizer.step(policy.params, direction if bonus is None else direction + bonus)
        if hasattr(policy, "project"):
            policy.project()
        if not average_reward:
            state.I *= gamma
        return float(delta)
    if traces == "dutch":  # true online TD(λ), box p. 300
        w = state.w + critic_lr * (delta + V - state.v_old) * state.z_w
        state.w[...] = w + -(critic_lr * (V - state.v_old)) * x1
    else:
        state.w[...] = state.w + critic_lr * delta * state.z_w
    policy.params[...] = policy.params + lr * delta * state.z_theta
    if bonus is not None:
        policy.params[...] = policy.params + lr * bonus
    if traces == "dutch":
        state.v_old = V_next
    if hasattr(policy, "project"):
        policy.project()
    if not average_reward:
        state.I *= gamma
    return float(delta)
