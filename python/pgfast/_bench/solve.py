"""Training time and environment steps to solve CartPole-v1, per method and seed.

Solved: the greedy policy's mean return is >= 475 over 20 evaluation episodes, checked
whenever the last 5 training episodes average >= 475. Evaluation time is excluded from
the training time. Methods: pgfast (``backend="cpp"``) on gymnasium's env, the same agent
on the native env ``pgfast.envs.make(ENV_ID)`` ("native": the fused C++ loop, back in
Python at each episode end for the check; bit-identical, so the same step counts), the
same agent with ``backend="numpy"`` (the NumPy reference: same seed, same actions, same
steps), and the PyTorch example (:mod:`pgfast._bench.torch_example`) when PyTorch is
installed.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any, Callable, Optional

import gymnasium as gym
import numpy as np

from ._timing import Progress, Settings

ENV_ID = "CartPole-v1"
THRESHOLD = 475.0
EVAL_EPISODES = 20
WINDOW = 5


def greedy_mean(policy: Callable[[np.ndarray], int], seed: int, episodes: int = EVAL_EPISODES) -> float:
    """Mean return of ``policy`` over ``episodes`` CartPole-v1 episodes (seeded)."""
    env = gym.make(ENV_ID)
    total = 0.0
    for i in range(episodes):
        obs, _ = env.reset(seed=seed + i)
        done = False
        while not done:
            obs, r, term, trunc, _ = env.step(policy(obs))
            total += float(r)
            done = term or trunc
    env.close()
    return total / episodes


def _check(returns: Sequence[float], policy: Callable[[np.ndarray], int], seed: int) -> bool:
    if len(returns) < WINDOW or float(np.mean(returns[-WINDOW:])) < THRESHOLD:
        return False
    return greedy_mean(policy, 10_000 + 100 * seed) >= THRESHOLD


def solve_pgfast(
    seed: int, backend: str, max_steps: int, native: bool = False, **hyperparameters: Any
) -> dict[str, Any]:
    """Train ``pgfast.Reinforce`` until solved or ``max_steps``.

    With ``native``, on ``pgfast.envs.make(ENV_ID)`` (the fused loop) instead of gymnasium's.
    ``hyperparameters`` go to ``Reinforce`` (none: its defaults).
    """
    import pgfast
    import pgfast.envs

    agent = pgfast.Reinforce(
        pgfast.envs.make(ENV_ID) if native else ENV_ID, seed=seed, backend=backend, **hyperparameters
    )
    state: dict[str, Any] = {"excluded": 0.0, "excluded_cpu": 0.0, "solved": None, "returns": []}

    class SolveCheck:
        def on_episode_end(self, ag: Any, ret: float, length: int) -> Optional[bool]:
            state["returns"].append(ret)
            t0, c0 = time.perf_counter(), time.thread_time()
            policy = lambda obs: int(ag.predict(obs, deterministic=True)[0])  # noqa: E731
            done = _check(state["returns"], policy, seed)
            state["excluded"] += time.perf_counter() - t0
            state["excluded_cpu"] += time.thread_time() - c0
            if done:
                state["solved"] = int(ag.num_timesteps)
                return False
            return None

    t0, c0 = time.perf_counter(), time.thread_time()
    agent.learn(max_steps, callback=SolveCheck())
    wall = time.perf_counter() - t0 - state["excluded"]
    cpu = time.thread_time() - c0 - state["excluded_cpu"]  # the same, without time lost to other processes
    return {"steps": state["solved"], "train_time_s": wall, "train_cpu_time_s": cpu}


def solve_torch(seed: int, max_steps: int) -> dict[str, Any]:
    """Train the PyTorch example until solved or ``max_steps``."""
    from . import torch_example

    return torch_example.run(seed, ENV_ID, max_steps, lambda rets, pol: _check(rets, pol, seed))


def methods() -> list[str]:
    """List the methods available here: "pgfast", "native", "numpy", and "torch" when PyTorch is installed."""
    out = ["pgfast", "native", "numpy"]
    try:
        import torch  # noqa: F401
    except ImportError:
        return out
    return [*out, "torch"]


def bench_time_to_solve(s: Settings, progress: Progress, seeds: Sequence[int] = range(5)) -> dict[str, Any]:
    """Median training time and steps to solve CartPole-v1 over ``seeds`` for every method.

    Returns
    -------
    dict
        Per-run records, per-method medians, and the time ratios (an unsolved run counts
        with its time at ``max_steps``: the ratio is then a bound).
    """
    max_steps = s.pick(1_000, 150_000, 150_000)
    torch_max = s.pick(200, 300_000, 300_000)
    runs = []
    for m in methods():
        for seed in seeds:
            progress(f"time to solve {ENV_ID}: {m}, seed {seed}")
            if m == "torch":
                r = solve_torch(seed, torch_max)
            else:
                r = solve_pgfast(seed, "numpy" if m == "numpy" else "cpp", max_steps, native=m == "native")
            runs.append({"method": m, "seed": seed, **r})
    out: dict[str, Any] = {"name": f"{ENV_ID} time to solve", "kind": "solve", "seeds": list(seeds),
                           "runs": runs, "median_time_s": {}, "median_steps": {}, "solved": {}}
    for m in methods():
        rs = [r for r in runs if r["method"] == m]
        out["median_time_s"][m] = float(np.median([r["train_time_s"] for r in rs]))
        out["median_steps"][m] = float(np.median([r["steps"] if r["steps"] else np.inf for r in rs]))
        out["solved"][m] = sum(r["steps"] is not None for r in rs)
    t = out["median_time_s"]
    out["time_ratio_pgfast_over_numpy"] = t["pgfast"] / t["numpy"]
    out["native_median_time_s"] = t["native"]
    out["native_median_cpu_time_s"] = float(
        np.median([r["train_cpu_time_s"] for r in runs if r["method"] == "native"]))
    out["native_speedup_vs_gymnasium"] = t["pgfast"] / t["native"]
    steps = {m: [r["steps"] for r in runs if r["method"] == m] for m in ("pgfast", "native")}
    out["native_same_steps"] = float(steps["pgfast"] == steps["native"])
    if "torch" in t:
        out["speedup_vs_torch"] = t["torch"] / t["pgfast"]
    return out
