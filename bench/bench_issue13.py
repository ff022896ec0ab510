"""Issue 13's remaining figures: the Fig. 13.2-shaped sweep and the gymnasium path's overhead.

``python -m bench.bench_issue13 [--quick] [--repeat N] [--seeds N] [--episodes N] [--out FILE.json]``

- **Fig. 13.2-shaped sweep**: REINFORCE without and with a learned baseline (Sutton &
  Barto Fig. 13.2's two configurations, pgfast's default settings otherwise) on the
  native CartPole-v1, ``--seeds`` seeds each (default 100), every run stopped after
  ``--episodes`` episodes (default 1,000) by an ``on_episode_end`` callback (the fused
  loop returns to Python at each episode end). Wall time of the whole sweep on a thread
  pool of ``os.cpu_count()`` threads (``learn`` releases the GIL) and, for the ratio,
  on one thread; the load average is reported (the machine may be shared).
- **gymnasium path**: ``Reinforce("CartPole-v1").learn(T)`` against a bare loop that
  steps gymnasium's CartPole-v1 with pre-drawn random actions and resets at episode
  ends (the cost of the environment alone): the ratio learn / bare loop, in time per
  step. And the bare loop with actions passed as Python ``int`` against ``np.int64``
  (gymnasium's ``Discrete.contains`` check takes a different path for each).

Medians over ``--repeat`` runs, every ratio from the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Optional

import gymnasium as gym
import numpy as np
import pgfast
from pgfast import envs as native

CONFIGS: dict[str, dict[str, Any]] = {"REINFORCE": {}, "REINFORCE with baseline": {"baseline": "linear"}}


class StopAfter:
    """Callback: stop ``learn`` after ``episodes`` episodes."""

    def __init__(self, episodes: int) -> None:
        self.episodes, self.seen = episodes, 0

    def on_episode_end(self, agent: Any, ret: float, length: int) -> Optional[bool]:
        """Count the episode; False (stop) at the last one."""
        self.seen += 1
        return False if self.seen >= self.episodes else None


def one_run(config: dict[str, Any], seed: int, episodes: int) -> int:
    """One Fig. 13.2 run; returns its step count."""
    agent = pgfast.Reinforce(native.make("CartPole-v1"), seed=seed, **config)
    agent.learn(10**9, callback=StopAfter(episodes))
    return int(agent.num_timesteps)


def sweep_wall(seeds: int, episodes: int, threads: int) -> tuple[float, int]:
    """Wall time of every (config, seed) run on `threads` threads; total steps."""
    jobs = [(c, s) for c in CONFIGS.values() for s in range(seeds)]
    t0 = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        steps = list(pool.map(lambda j: one_run(j[0], j[1], episodes), jobs))
    return time.perf_counter() - t0, sum(steps)


def gym_bare_loop(steps: int, as_int64: bool) -> float:
    """Seconds per step of gymnasium's CartPole-v1 with random actions (resets included)."""
    env = gym.make("CartPole-v1")
    rng = np.random.default_rng(0)
    acts = rng.integers(0, 2, size=steps)
    actions: list[Any] = [np.int64(a) for a in acts] if as_int64 else [int(a) for a in acts]
    env.reset(seed=0)
    t0 = time.perf_counter()
    for a in actions:
        _, _, term, trunc, _ = env.step(a)
        if term or trunc:
            env.reset()
    return (time.perf_counter() - t0) / steps


def gym_learn(steps: int) -> float:
    """Seconds per step of Reinforce("CartPole-v1").learn (gymnasium's env)."""
    agent = pgfast.Reinforce("CartPole-v1", seed=0)
    t0 = time.perf_counter()
    agent.learn(steps)
    return (time.perf_counter() - t0) / steps


def main(argv: Optional[list[str]] = None) -> int:
    p = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--seeds", type=int, default=100)
    p.add_argument("--episodes", type=int, default=1000)
    p.add_argument("--gym-steps", type=int, default=50_000)
    p.add_argument("--no-sweep", action="store_true", help="only the gymnasium-path figures")
    p.add_argument("--out")
    args = p.parse_args(argv)
    seeds, episodes, gym_steps, repeat = (
        (4, 50, 5_000, 1) if args.quick else (args.seeds, args.episodes, args.gym_steps, args.repeat)
    )
    result: dict[str, Any] = {}

    cores = os.cpu_count() or 1
    walls, walls1, total = [], [], 0
    for _ in range(0 if args.no_sweep else repeat):
        w, total = sweep_wall(seeds, episodes, cores)
        walls.append(w)
        w1, _ = sweep_wall(seeds, episodes, 1)
        walls1.append(w1)
    load = os.getloadavg()[0]
    result["fig_13_2_sweep"] = {} if args.no_sweep else {
        "configs": list(CONFIGS), "seeds": seeds, "episodes": episodes, "total_steps": total,
        "wall_s": statistics.median(walls), "threads": cores, "one_thread_wall_s": statistics.median(walls1),
        "speedup": statistics.median(a / b for a, b in zip(walls1, walls)), "load_average_1min": load,
    }
    r = result["fig_13_2_sweep"]
    if r:
        print(
            f"Fig. 13.2-shaped sweep (2 configs x {seeds} seeds x {episodes} episodes, "
            f"{total / 1e6:.1f} M steps): "
            f"{r['wall_s']:.2f} s on {cores} threads, {r['one_thread_wall_s']:.2f} s on 1 "
            f"({r['speedup']:.2f}x; load average {load:.1f} on {cores} cores)",
            flush=True,
        )

    bare, bare64, learn = [], [], []
    for _ in range(repeat):
        bare.append(gym_bare_loop(gym_steps, False))
        bare64.append(gym_bare_loop(gym_steps, True))
        learn.append(gym_learn(gym_steps))
    result["gymnasium_path"] = {
        "bare_loop_us_per_step": statistics.median(bare) * 1e6,
        "bare_loop_int64_us_per_step": statistics.median(bare64) * 1e6,
        "learn_us_per_step": statistics.median(learn) * 1e6,
        "learn_over_bare_loop": statistics.median(a / b for a, b in zip(learn, bare)),
        "int64_over_int": statistics.median(a / b for a, b in zip(bare64, bare)),
    }
    g = result["gymnasium_path"]
    print(
        f"gymnasium CartPole-v1: bare loop {g['bare_loop_us_per_step']:.2f} us/step (np.int64 actions "
        f"{g['bare_loop_int64_us_per_step']:.2f}, ratio {g['int64_over_int']:.2f}); Reinforce.learn "
        f"{g['learn_us_per_step']:.2f} us/step = {g['learn_over_bare_loop']:.2f}x the bare loop",
        flush=True,
    )
    if args.out:
        with open(args.out, "w") as f:
            json.dump(result, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
