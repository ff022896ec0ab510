"""Kernel benchmarks: per-call policy methods, feature maps, and batch scaling.

Baselines: :mod:`pgfast.reference` (the NumPy twin) always, ``scipy.signal.lfilter`` for
returns when SciPy is installed, and a linear softmax policy in PyTorch with autograd
when PyTorch is installed. The floor is the cost of calling a trivial pybind11 function
with the same arguments (``pgfast._core._noop(x, rng)``): no per-call method can be
cheaper than it.
"""

from __future__ import annotations

import importlib
import math
import timeit
from typing import Any, Callable, Optional

import numpy as np

from ._timing import Progress, Settings, compare


def _torch() -> Any:
    """PyTorch, single-threaded like pgfast, or None when it is not installed."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    return torch


def _policies(d: int, k: int, seed: int = 0) -> tuple[Any, Any, np.ndarray]:
    import pgfast
    from pgfast import reference

    rng = np.random.default_rng(seed)
    cpp, ref = pgfast.LinearSoftmax(d, k), reference.LinearSoftmax(d, k)
    theta = rng.standard_normal(cpp.n_params) * 0.1
    cpp.params = theta
    ref.params = theta
    return cpp, ref, theta


def _torch_policy(torch: Any, theta: np.ndarray, d: int, k: int) -> tuple[Any, Any]:
    """W (k, d) and b (k,) as float64 leaf tensors with gradients: the twin of LinearSoftmax."""
    W = torch.tensor(theta[: k * d].reshape(k, d), dtype=torch.float64, requires_grad=True)
    b = torch.tensor(theta[k * d :], dtype=torch.float64, requires_grad=True)
    return W, b


def bench_per_call(s: Settings, progress: Progress, d: int = 4, k: int = 2) -> list[dict[str, Any]]:
    """Per-call ``sample``, ``log_prob`` and ``grad_log_prob`` for one state, and the floor.

    Parameters
    ----------
    s : Settings
        Run settings.
    progress : Progress
        Progress printer.
    d, k : int
        Features and actions.

    Returns
    -------
    list of dict
        One record per method: seconds per call of each contender and the ratios.
    """
    from pgfast import _core

    cpp, ref, theta = _policies(d, k)
    x = np.random.default_rng(1).standard_normal(d)
    torch = _torch()
    out = []
    for meth, arg in (("sample", "r"), ("log_prob", "1"), ("grad_log_prob", "1")):
        progress(f"per-call {meth} d={d} k={k}")
        g = {"f": getattr(cpp, meth), "fr": getattr(ref, meth), "noop": _core._noop, "x": x,
             "r": np.random.default_rng(2), "rr": np.random.default_rng(2), "a": 1}
        timers = {
            "pgfast": timeit.Timer(f"f(x, {arg})", globals=g),
            "numpy": timeit.Timer(f"fr(x, {'rr' if arg == 'r' else arg})", globals=g),
            "floor": timeit.Timer("noop(x, r)", globals=g),
        }
        if torch is not None:
            timers["torch"] = _torch_per_call(torch, meth, theta, x, d, k)
        t = compare(timers, s)
        rec: dict[str, Any] = {
            "name": f"{meth} d={d} k={k}", "kind": "per_call",
            "seconds": t,
            "speedup_vs_numpy": t["numpy"] / t["pgfast"],
            "ratio_to_floor": t["pgfast"] / t["floor"],
        }
        if "torch" in t:
            rec["speedup_vs_torch"] = t["torch"] / t["pgfast"]
        out.append(rec)
    return out


def _torch_per_call(torch: Any, meth: str, theta: np.ndarray, x: np.ndarray, d: int, k: int) -> timeit.Timer:
    """Time the same per-state call as a PyTorch user writes it (observation from NumPy)."""
    W, b = _torch_policy(torch, theta, d, k)
    Categorical = torch.distributions.Categorical
    if meth == "sample":
        def fn() -> Any:
            with torch.no_grad():
                return int(Categorical(logits=W @ torch.from_numpy(x) + b).sample())
    elif meth == "log_prob":
        a = torch.tensor(1)

        def fn() -> Any:
            with torch.no_grad():
                return float(Categorical(logits=W @ torch.from_numpy(x) + b).log_prob(a))
    else:
        a = torch.tensor(1)

        def fn() -> Any:
            W.grad = None
            b.grad = None
            Categorical(logits=W @ torch.from_numpy(x) + b).log_prob(a).backward()
            return torch.cat([W.grad.reshape(-1), b.grad]).numpy()
    return timeit.Timer("fn()", globals={"fn": fn})


# ---------------------------------------------------------------------------------
# Feature maps: a hook for pgfast.features (written separately).
#
# FEATURE_FACTORIES maps a class name of pgfast.features to a function building its
# spec for CartPole-sized inputs (4 numbers in [-1, 1]) from the module; the
# feature-map author keeps it in step with the constructors. A map whose factory fails
# is reported with status "error", never as a pass. The spec is built with
# ``F.build(spec, 4)`` (C++) and timed against ``F.build(spec, 4, "numpy")`` (its twin).
_BOUNDS = (-1.0, 1.0)
FEATURE_FACTORIES: dict[str, Callable[[Any], Any]] = {
    "Identity": lambda F: F.Identity(),
    "Polynomial": lambda F: F.Polynomial(degree=3),
    "Fourier": lambda F: F.Fourier(order=3, bounds=_BOUNDS),
    "RBF": lambda F: F.RBF(centers=np.random.default_rng(0).uniform(-1, 1, (64, 4)), widths=0.5),
    "TileCoding": lambda F: F.TileCoding(n_tilings=8, tiles_per_dim=8, bounds=_BOUNDS),
}


def bench_features(s: Settings, progress: Progress) -> list[dict[str, Any]]:
    """Per-call feature maps x(s) for a 4-number observation, against the floor.

    Returns
    -------
    list of dict
        One record per map; a single record with ``status: "absent"`` when
        ``pgfast.features`` does not exist yet (reported as absent, not as a pass).
    """
    from pgfast import _core

    try:
        F = importlib.import_module("pgfast.features")  # sys.modules first (tests swap it)
    except ImportError:
        return [{"name": "feature maps", "kind": "features", "status": "absent",
                 "note": "pgfast.features is not in this build"}]
    obs = np.random.default_rng(0).uniform(-1, 1, 4)
    out: list[dict[str, Any]] = []
    for name, make in FEATURE_FACTORIES.items():
        if not hasattr(F, name):
            out.append({"name": f"features.{name}", "kind": "features", "status": "absent"})
            continue
        try:
            spec = make(F)
            fmap = F.build(spec, len(obs))
            fmap(obs)
            twin = F.build(spec, len(obs), "numpy")
            twin(obs)
        except Exception as e:  # a constructor out of step with the hook: report, do not fail
            out.append({"name": f"features.{name}", "kind": "features", "status": "error",
                        "error": f"{type(e).__name__}: {e}"})
            continue
        progress(f"per-call features.{name}")
        g = {"f": fmap, "fr": twin, "x": obs, "noop": _core._noop, "r": None}
        # A sparse map is used through its active indices (what the learner stores).
        call = "f.active(x)" if getattr(fmap, "sparse", False) else "f(x)"
        timers = {"pgfast": timeit.Timer(call, globals=g), "floor": timeit.Timer("noop(x, r)", globals=g)}
        timers["numpy"] = timeit.Timer(call.replace("f", "fr", 1), globals=g)
        t = compare(timers, s)
        label = f"features.{name}" + (" (active tiles)" if call != "f(x)" else "")
        rec = {"name": label, "kind": "features", "status": "measured",
               "n_features": int(getattr(fmap, "n_features", -1)), "seconds": t,
               "ratio_to_floor": t["pgfast"] / t["floor"]}
        if "numpy" in t:
            rec["speedup_vs_numpy"] = t["numpy"] / t["pgfast"]
        out.append(rec)
    return out


# ---------------------------------------------------------------------------------
# Batch kernels.

def _pg_timers(T: int, d: int, k: int, torch: Any, with_numpy: bool = True) -> dict[str, timeit.Timer]:
    import pgfast
    from pgfast import reference

    cpp, ref, theta = _policies(d, k)
    rng = np.random.default_rng(3)
    X, A, w = rng.standard_normal((T, d)), rng.integers(0, k, T), rng.standard_normal(T)
    g = {"pg": pgfast.policy_gradient, "rpg": reference.policy_gradient, "cpp": cpp, "ref": ref,
         "X": X, "A": A, "w": w}
    timers = {"pgfast": timeit.Timer("pg(cpp, X, A, w)", globals=g)}
    if with_numpy:
        timers["numpy"] = timeit.Timer("rpg(ref, X, A, w)", globals=g)
    if torch is not None:
        W, b = _torch_policy(torch, theta, d, k)
        Xt, At, wt = torch.from_numpy(X), torch.from_numpy(A), torch.from_numpy(w)
        Categorical = torch.distributions.Categorical

        def torch_pg() -> Any:
            # The PyTorch idiom: a loss whose gradient is minus the REINFORCE direction.
            W.grad = None
            b.grad = None
            log_prob = Categorical(logits=Xt @ W.T + b).log_prob(At)
            (-(wt * log_prob).sum()).backward()
            return W.grad, b.grad

        timers["torch"] = timeit.Timer("f()", globals={"f": torch_pg})
    return timers


def bench_policy_gradient(s: Settings, progress: Progress, T: int, d: int = 4, k: int = 2,
                          torch: Optional[Any] = None) -> dict[str, Any]:
    """Batch ``policy_gradient`` against the NumPy twin (and PyTorch autograd).

    Returns
    -------
    dict
        Seconds per call of each contender, ns per (step x feature x action) of pgfast,
        and the speedups.
    """
    progress(f"policy_gradient T={T} d={d} k={k}")
    t = compare(_pg_timers(T, d, k, torch), s)
    rec: dict[str, Any] = {"name": f"policy_gradient T={T} d={d} k={k}", "kind": "policy_gradient",
                           "T": T, "d": d, "k": k, "seconds": t,
                           "ns_per_element": t["pgfast"] / (T * d * k) * 1e9,
                           "speedup_vs_numpy": t["numpy"] / t["pgfast"]}
    if "torch" in t:
        rec["speedup_vs_torch"] = t["torch"] / t["pgfast"]
    return rec


def _episode_ends(T: int, rng: np.random.Generator) -> np.ndarray:
    """Episode ends of mean length 100, as in a CartPole rollout buffer early in training."""
    return rng.random(T) < 0.01


def bench_returns(s: Settings, progress: Progress, T: int, with_numpy: bool = True) -> dict[str, Any]:
    """``discounted_returns`` with episode ends, against the twin and ``scipy.signal.lfilter``.

    lfilter cannot restart at episode ends: it computes one long discounted sum, which
    is less work than the real task, so the ratio against it is conservative.

    Returns
    -------
    dict
        Seconds per call of each contender and the speedups.
    """
    import pgfast
    from pgfast import reference

    progress(f"discounted_returns T={T}")
    rng = np.random.default_rng(4)
    r, term = rng.standard_normal(T), _episode_ends(T, rng)
    g = {"dr": pgfast.discounted_returns, "rdr": reference.discounted_returns, "r": r, "term": term}
    timers = {"pgfast": timeit.Timer("dr(r, term, gamma=0.99)", globals=g)}
    if with_numpy:
        timers["numpy"] = timeit.Timer("rdr(r, term, gamma=0.99)", globals=g)
    try:
        from scipy.signal import lfilter
    except ImportError:
        lfilter = None
    if lfilter is not None:
        g.update(lfilter=lfilter)
        timers["lfilter"] = timeit.Timer("lfilter([1.0], [1.0, -0.99], r[::-1])[::-1]", globals=g)
    t = compare(timers, s)
    rec: dict[str, Any] = {"name": f"discounted_returns T={T}", "kind": "returns", "T": T,
                           "seconds": t, "ns_per_step": t["pgfast"] / T * 1e9}
    if "numpy" in t:
        rec["speedup_vs_numpy"] = t["numpy"] / t["pgfast"]
    if "lfilter" in t:
        rec["speedup_vs_lfilter"] = t["lfilter"] / t["pgfast"]
    return rec


def scaling_grid(s: Settings) -> dict[str, list[tuple[int, int, int]]]:
    """(T, d, k) points of the three sweeps: T at d=4, k=2; d at T=1e4, k=2; k at T=1e4, d=4."""
    Ts = s.pick([100, 1000], [100, 10_000, 100_000], [100, 1000, 10_000, 100_000, 1_000_000])
    ds = s.pick([4, 16], [4, 64, 1024], [4, 16, 64, 256, 1024])
    ks = s.pick([2, 8], [2, 16, 64], [2, 4, 8, 16, 32, 64])
    base_T = s.pick(1000, 10_000, 10_000)
    return {"T": [(T, 4, 2) for T in Ts], "d": [(base_T, d, 2) for d in ds],
            "k": [(base_T, 4, k) for k in ks]}


def bench_scaling(s: Settings, progress: Progress) -> dict[str, Any]:
    """``policy_gradient`` over T, d and k, and ``discounted_returns`` over T (log-log plots).

    Cost must grow linearly in T x d x k: ``ns_per_element`` should stay flat, with no
    cliff where memory would be allocated per call.

    Returns
    -------
    dict
        ``policy_gradient``: sweep name -> list of records; ``returns``: list of records.
    """
    torch = _torch()
    pg = {axis: [bench_policy_gradient(s, progress, T, d, k, torch) for T, d, k in pts]
          for axis, pts in scaling_grid(s).items()}
    Ts = scaling_grid(s)["T"]
    # The twin's returns are a Python loop (~4 us a step): only up to 1e5 steps.
    rets = [bench_returns(s, progress, T, with_numpy=T <= 100_000) for T, _, _ in Ts]
    return {"name": "scaling", "kind": "scaling", "policy_gradient": pg, "returns": rets}


# ---------------------------------------------------------------------------------
# Learning over tile coding: the cost of a step must not grow with the number of tiles.

def _tile_learner(n_tiles_per_dim: int, sparse: bool) -> tuple[Any, Any, int]:
    """Make a REINFORCE learner (SGD, per_step, linear baseline) over 8 tilings of 2 inputs.

    ``sparse``: the learner stores active indices; otherwise the same tiles are fed as
    dense 0/1 observation vectors (the dense equivalent).
    """
    import pgfast
    import pgfast.features as F
    from pgfast import _core

    tc = F.build(F.TileCoding(8, n_tiles_per_dim, bounds=(-1.0, 1.0)), 2)
    n = tc.n_features
    pol = pgfast.LinearSoftmax(n, 2)
    learner = _core.SoftmaxLearner(
        pol, _core.SGD(0.01), _core.SGD(0.01), obs_dim=2 if sparse else n, baseline=True,
        update="per_step", features=tc if sparse else None,
    )
    return learner, tc, n


def bench_tile_learning(s: Settings, progress: Progress) -> list[dict[str, Any]]:
    """Time a learning step over 8 tilings as the number of tiles grows.

    A step is sample + record + the book's per-step SGD update (one 100-step episode
    after another); sparse, and against the dense equivalent (the same tiles fed as
    dense 0/1 vectors). The sizes of one kind are timed interleaved.

    Returns
    -------
    list of dict
        One record: per tile count, sparse and dense seconds per step; the ratio of
        sparse at the largest count to the smallest (target: about 1).
    """
    sizes = [10, 35] if s.tiny else [10, 35, 111, 353]  # 968 ... 1,002,528 tiles
    # dense 0/1 rows of ~1e5 tiles (1.6 GB for 2,000 steps) only in the full run
    dense_max = s.pick(10_000, 20_000, 150_000)
    steps = 200 if s.tiny else 2000
    obs = np.random.default_rng(0).uniform(-1, 1, (steps, 2))
    per_step: dict[str, dict[int, float]] = {"sparse": {}, "dense": {}}
    for kind in ("sparse", "dense"):
        # Every size of one kind is timed interleaved (repeat by repeat), so that a
        # change of machine load falls on all of them alike: the ratios are the figure.
        timers: dict[str, timeit.Timer] = {}
        for tiles in sizes:
            learner, tc, n = _tile_learner(tiles, kind == "sparse")
            if kind == "dense" and n > dense_max:
                continue
            progress(f"tile learning: {n} tiles, {kind}")
            X = obs if kind == "sparse" else tc(obs)

            def run(learner: Any = learner, X: Any = X) -> None:
                r = np.random.default_rng(1)
                learner.act1(X[0], r)
                for i in range(1, len(X)):
                    if learner.step1(X[i], 1.0, False, i % 100 == 0, r) is None:
                        learner.act1(X[i], r)

            timers[str(n)] = timeit.Timer(run)
        t = compare(timers, s, number=1)
        per_step[kind] = {int(n): v / steps for n, v in t.items()}
    counts = sorted(per_step["sparse"])
    rec: dict[str, Any] = {
        "name": "tile-coding learning step (8 tilings, SGD per_step)", "kind": "tile_learning",
        "seconds_per_step": {k: {str(n): v for n, v in d.items()} for k, d in per_step.items()},
        "sparse_largest_over_smallest": per_step["sparse"][counts[-1]] / per_step["sparse"][counts[0]],
        "tiles": counts,
    }
    near_1e5 = min(counts, key=lambda n: abs(math.log(n / 1e5)))
    rec["sparse_1e5_over_smallest"] = per_step["sparse"][near_1e5] / per_step["sparse"][counts[0]]
    both = [n for n in counts if n in per_step["dense"]]
    if both:
        rec["dense_over_sparse_at"] = both[-1]
        rec["dense_over_sparse"] = per_step["dense"][both[-1]] / per_step["sparse"][both[-1]]
    return [rec]
