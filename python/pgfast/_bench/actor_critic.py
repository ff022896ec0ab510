"""Actor-critic's per-step engine against its NumPy twin, over tiles, and inside learn()."""

from __future__ import annotations

import math
import timeit
from typing import Any

import numpy as np

from . import envs
from ._timing import Progress, Settings, compare

_CARTPOLE_BOUNDS = ((-2.4, -3.0, -0.21, -3.5), (2.4, 3.0, 0.21, 3.5))  # (low, high)
_HP: dict[str, Any] = dict(gamma=0.99, lambda_actor=0.8, lambda_critic=0.8, lr=0.001, critic_lr=0.01)


def _pair(features: Any, obs_dim: int) -> tuple[Any, Any, Any, Any, int]:
    """Make a C++ engine and the twin's (policy, state, x-map) over the same bound features."""
    import pgfast
    import pgfast.features as F
    import pgfast.reference as ref
    from pgfast import _core

    fmap, rmap = F.build(features, obs_dim), F.build(features, obs_dim, "numpy")
    d = fmap.n_features
    cpol, rpol = pgfast.LinearSoftmax(d, 2), ref.LinearSoftmax(d, 2)
    eng = _core.SoftmaxActorCritic(cpol, obs_dim=obs_dim, features=fmap, **_HP)
    if hasattr(rmap, "active"):
        def x_of(o: Any) -> np.ndarray:
            x = np.zeros(d)
            x[np.asarray(rmap.active(o))] = 1.0
            return x
    else:
        x_of = rmap
    return eng, rpol, ref.ActorCriticState.zeros(rpol.n_params, d), x_of, d


def _timers(features: Any, obs: np.ndarray, with_numpy: bool) -> dict[str, timeit.Timer]:
    import pgfast.reference as ref

    # A fresh engine per run (repeats of one engine diverge), built by the timer's setup,
    # outside the timed run (building zeroes every tile's parameters and traces: timed,
    # it would count the table's size once more). A calibration call of several runs
    # builds the engines of its later runs itself.
    built: list[Any] = []

    def fresh() -> None:
        built[:] = [_pair(features, obs.shape[1])[0]]

    def cpp() -> None:
        eng = built.pop() if built else _pair(features, obs.shape[1])[0]
        r = np.random.default_rng(1)
        eng.act1(obs[0], r)
        for i in range(1, len(obs)):
            if eng.step1(obs[i], 1.0, False, i % 100 == 0, r) is None:
                eng.act1(obs[i], r)

    def numpy() -> None:
        _, rpol, state, x_of, _ = _pair(features, obs.shape[1])
        r = np.random.default_rng(1)
        x = x_of(obs[0])
        a = rpol.sample(x, r)
        for i in range(1, len(obs)):
            xn = x_of(obs[i])
            ref.actor_critic_step(rpol, state, x, a, 1.0, xn, False, **_HP)
            if i % 100 == 0:
                state.new_episode()
            x, a = xn, rpol.sample(xn, r)

    timers = {"pgfast": timeit.Timer(cpp, setup=fresh)}
    if with_numpy:
        timers["numpy"] = timeit.Timer(numpy)
    return timers


def bench_actor_critic(s: Settings, progress: Progress) -> list[dict[str, Any]]:
    """AC(λ) steps (act + record + update) in C++ against the NumPy twin, and over tiles.

    Returns
    -------
    list of dict
        Per-step speedups over the twin (CartPole's Fourier(3) features; 1e5 tiles), the
        cost of a sparse AC(λ) step at ~1e5 tiles over ~1e3 tiles, and learn() throughput
        against the bare gymnasium loop.
    """
    import pgfast.features as F

    steps = s.pick(200, 1000, 2000)
    rng = np.random.default_rng(0)
    out = []
    progress("actor-critic step: CartPole Fourier(3)")
    obs4 = rng.uniform(-1, 1, (steps, 4))
    t = compare(_timers(F.Fourier(3, bounds=_CARTPOLE_BOUNDS), obs4, True), s, number=1)
    out.append({"name": "actor-critic step, CartPole Fourier(3), lambda 0.8", "kind": "ac_step",
                "seconds": {k: v / steps for k, v in t.items()},
                "speedup_vs_numpy": t["numpy"] / t["pgfast"]})
    # The tile sizes are timed together, interleaved (compare), so that every size runs in
    # the same conditions; the twin is timed apart. (Timed right after a step of the twin --
    # which allocates and zeroes a dense x of every tile, ~17 ms a step at 1e5 tiles -- the
    # C++ engine starts with the caches emptied: that measured the twin, not the tiles.)
    walk = rng.normal(0.0, 1.0, (steps, 2))
    sized: dict[int, timeit.Timer] = {}
    for tiles in ([10, 35] if s.tiny else [10, 35, 111]):  # 968 ... 100,352 tiles
        # states along a trajectory (a random walk of half a tile a step), as an environment
        # visits them: every size sees about as many recently visited tiles, so the ratio
        # measures what the size of the table costs
        obs2 = np.mod(np.cumsum(walk * (0.5 / tiles), axis=0) + 1.0, 2.0) - 1.0  # wraps around
        tc = F.TileCoding(8, tiles, bounds=(-1.0, 1.0))
        n = F.build(tc, 2).n_features
        if n > 50_000:
            progress(f"actor-critic step: {n} tiles, pgfast and the twin")
            t = compare(_timers(tc, obs2, True), s, number=1)
            out.append({"name": f"actor-critic step, {n} tiles, lambda 0.8", "kind": "ac_step",
                        "seconds": {k: v / steps for k, v in t.items()},
                        "speedup_vs_numpy": t["numpy"] / t["pgfast"]})
        sized[n] = _timers(tc, obs2, False)["pgfast"]
    progress(f"actor-critic step over tiles: {', '.join(map(str, sized))} (interleaved)")
    timed = compare({str(n): t for n, t in sized.items()}, s, number=1)
    per_step = {n: timed[str(n)] / steps for n in sized}
    counts = sorted(per_step)
    near_1e5 = min(counts, key=lambda n: abs(math.log(n / 1e5)))
    out.append({"name": "actor-critic tile step (8 tilings, lambda 0.8)", "kind": "ac_tiles",
                "seconds_per_step": {str(n): v for n, v in per_step.items()},
                "tiles_1e5_over_smallest": per_step[near_1e5] / per_step[counts[0]]})

    def make_agent(env: Any) -> Any:
        import pgfast

        return pgfast.ActorCritic(env, seed=0, lr=0.01, critic_lr=0.01, lambda_actor=0.8, lambda_critic=0.8)

    out.append(envs.bench_learn_throughput(s, progress, 1, make_agent, "actor-critic "))
    return out
