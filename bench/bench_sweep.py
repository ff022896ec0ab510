"""Throughput of :func:`pgfast.sweep`: local process pool and Ray against a plain loop.

``python -m bench.bench_sweep [--quick] [--no-ray] [--repeat N] [--out FILE.json]``

A sweep of short CartPole-v1 runs (3 step sizes x seeds, ``learn`` then a greedy
evaluation) is timed three ways, each a median over repeats:

- a plain loop in this process: ``Reinforce(env, seed=s, **config).learn(T)`` and
  ``evaluate`` for every run (the baseline);
- ``sweep(executor="local")``: a process pool, one worker per core (pool start-up
  included: it is part of every sweep);
- ``sweep(executor="ray")`` on a local Ray started once with ``num_cpus = cores``
  (``ray.init`` time reported apart).

Reported: runs per second and the ratios against the loop (target >= 1.8x with the local
executor on 2 cores), and the *overhead per task* of each executor, measured on runs of
one step (no work): ``(wall * cores - loop time) / runs``, the core-seconds a task costs
beyond its run.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from typing import Any, Callable, Optional

import numpy as np
import pgfast

ENV = "CartPole-v1"
GRID = {"lr": [0.05, 0.1, 0.2]}


def plain_loop(seeds: Sequence[int], steps: int, eval_episodes: int) -> float:
    """Seconds for every run of the grid, one after another in this process."""
    t0 = time.perf_counter()
    for lr in GRID["lr"]:
        for s in seeds:
            agent = pgfast.Reinforce(ENV, seed=s, lr=lr).learn(steps)
            agent.evaluate(eval_episodes)
    return time.perf_counter() - t0


def sweep_time(executor: str, seeds: Sequence[int], steps: int, eval_episodes: int) -> float:
    """Seconds of one ``pgfast.sweep`` call over the same runs."""
    t0 = time.perf_counter()
    res = pgfast.sweep(ENV, GRID, seeds=seeds, total_timesteps=steps, executor=executor,
                       eval_episodes=eval_episodes)
    wall = time.perf_counter() - t0
    if res.errors:
        raise RuntimeError(res.errors[0]["error"])
    return wall


def median_of(f: Callable[[], float], repeat: int) -> float:
    return float(np.median([f() for _ in range(repeat)]))


def main(argv: Optional[Sequence[str]] = None) -> int:
    p = argparse.ArgumentParser(description="pgfast.sweep throughput against a plain loop")
    p.add_argument("--quick", action="store_true", help="fewer, shorter runs (a smoke run)")
    p.add_argument("--no-ray", action="store_true", help="skip the Ray executor")
    p.add_argument("--repeat", type=int, default=3, help="repeats per measurement (median)")
    p.add_argument("--out", default=None, help="write the results as JSON here")
    args = p.parse_args(argv)
    n_seeds, steps, eval_episodes = (4, 3000, 2) if args.quick else (14, 20_000, 5)
    seeds = list(range(n_seeds))
    n_runs = len(GRID["lr"]) * n_seeds
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    tiny = list(range(4 * cores * 5))  # 1-step runs x 3 step sizes: pure per-task overhead

    plain_loop(seeds[:1], steps, eval_episodes)  # warm-up: imports, gymnasium registry
    out: dict[str, Any] = {"env": ENV, "runs": n_runs, "steps_per_run": steps, "cores": cores,
                           "repeat": args.repeat}
    t_loop = median_of(lambda: plain_loop(seeds, steps, eval_episodes), args.repeat)
    t_local = median_of(lambda: sweep_time("local", seeds, steps, eval_episodes), args.repeat)
    t_loop_tiny = median_of(lambda: plain_loop(tiny, 1, 1), args.repeat)
    t_local_tiny = median_of(lambda: sweep_time("local", tiny, 1, 1), args.repeat)
    n_tiny = len(GRID["lr"]) * len(tiny)
    out.update({
        "loop_runs_per_s": n_runs / t_loop,
        "local_runs_per_s": n_runs / t_local,
        "local_speedup": t_loop / t_local,
        "local_overhead_per_task_ms": 1e3 * (t_local_tiny * cores - t_loop_tiny) / n_tiny,
    })
    if not args.no_ray:
        import ray

        t0 = time.perf_counter()
        ray.init(num_cpus=cores, include_dashboard=False, log_to_driver=False)
        out["ray_init_s"] = time.perf_counter() - t0
        try:
            sweep_time("ray", seeds[:cores], steps, eval_episodes)  # warm the workers
            t_ray = median_of(lambda: sweep_time("ray", seeds, steps, eval_episodes), args.repeat)
            t_ray_tiny = median_of(lambda: sweep_time("ray", tiny, 1, 1), args.repeat)
        finally:
            ray.shutdown()
        out.update({
            "ray_runs_per_s": n_runs / t_ray,
            "ray_speedup": t_loop / t_ray,
            "ray_overhead_per_task_ms": 1e3 * (t_ray_tiny * cores - t_loop_tiny) / n_tiny,
        })

    print(f"{n_runs} runs of {steps} steps on {ENV}, {cores} cores, median of {args.repeat}:")
    print(f"  plain loop      {out['loop_runs_per_s']:7.2f} runs/s")
    print(f"  local executor  {out['local_runs_per_s']:7.2f} runs/s  {out['local_speedup']:.2f}x the loop"
          f"  (overhead {out['local_overhead_per_task_ms']:.1f} ms per task)")
    if "ray_runs_per_s" in out:
        print(f"  ray executor    {out['ray_runs_per_s']:7.2f} runs/s  {out['ray_speedup']:.2f}x the loop"
              f"  (overhead {out['ray_overhead_per_task_ms']:.1f} ms per task; "
              f"ray.init {out['ray_init_s']:.1f} s once)")
    if args.out:
        with open(args.out, "w") as f:
            json.dump(out, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
