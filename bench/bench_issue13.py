"""Issue 13's remaining figures: the Fig. 13.2-shaped sweep, the solve, the gymnasium path's overhead.

``python -m bench.bench_issue13 [--quick] [--repeat N] [--seeds N] [--episodes N] [--stop budget|callback]
[--no-sweep] [--no-solve] [--out FILE.json]``

- **Fig. 13.2-shaped sweep**: REINFORCE without and with a learned baseline (Sutton &
  Barto Fig. 13.2's two configurations: ``baseline=None`` and ``baseline="linear"``,
  pgfast's default settings otherwise) on the native CartPole-v1, ``--seeds`` seeds each
  (default 100), every run stopped after ``--episodes`` episodes (default 1,000): by
  ``learn``'s ``max_episodes`` budget (``--stop budget``, the default: the fused loop
  stays in C++ until the budget is spent) or by an ``on_episode_end`` callback
  (``--stop callback``: the fused loop returns to Python at each episode end). Wall time
  of the whole sweep on a thread pool of ``os.cpu_count()`` threads (``learn`` releases
  the GIL) and, for the ratio, on one thread; the load average is reported (the machine
  may be shared).
- **CartPole-v1 solved** (:mod:`pgfast._bench.solve`'s criterion, seeds 0-4, native env):
  median training time and steps with the default settings and with 0.1's CartPole-fast
  ones (``lr=0.2, baseline=None``), and whether the gymnasium path takes the same steps.
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

CONFIGS: dict[str, dict[str, Any]] = {
    "REINFORCE": {"baseline": None},
    "REINFORCE with baseline": {"baseline": "linear"},
}
SOLVE_SETTINGS: dict[str, dict[str, Any]] = {
    "defaults": {},
    "lr=0.2, baseline=None": {"lr": 0.2, "baseline": None},
}


class StopAfter:
    """Callback: stop ``learn`` after ``episodes`` episodes."""

    def __init__(self, episodes: int) -> None:
        self.episodes, self.seen = episodes, 0

    def on_episode_end(self, agent: Any, ret: float, length: int) -> Optional[bool]:
        """Count the episode; False (stop) at the last one."""
        self.seen += 1
        return False if self.seen >= self.episodes else None


def one_run(config: dict[str, Any], seed: int, episodes: int, stop: str = "budget") -> int:
    """One Fig. 13.2 run, stopped by the episode budget or by a callback; returns its step count."""
    agent = pgfast.Reinforce(native.make("CartPole-v1"), seed=seed, **config)
    if stop == "budget":
        agent.learn(10**9, max_episodes=episodes)
    else:
        agent.learn(10**9, callback=StopAfter(episodes))
    return int(agent.num_timesteps)


def sweep_wall(seeds: int, episodes: int, threads: int, stop: str = "budget") -> tuple[float, int, float]:
    """Wall time of every (config, seed) run on `threads` threads; total steps; the process's CPU time."""
    jobs = [(c, s) for c in CONFIGS.values() for s in range(seeds)]
    t0, c0 = time.perf_counter(), time.process_time()
    with ThreadPoolExecutor(threads) as pool:
        steps = list(pool.map(lambda j: one_run(j[0], j[1], episodes, stop), jobs))
    return time.perf_counter() - t0, sum(steps), time.process_time() - c0


def solve_figures(max_steps: int, seeds: range) -> dict[str, Any]:
    """CartPole-v1 solved on the native env (fused) per setting: medians over `seeds`, and step parity."""
    from pgfast._bench.solve import solve_pgfast

    out: dict[str, Any] = {}
    for name, kw in SOLVE_SETTINGS.items():
        native_runs = [solve_pgfast(s, "cpp", max_steps, native=True, **kw) for s in seeds]
        gym_steps = [solve_pgfast(s, "cpp", max_steps, **kw)["steps"] for s in seeds]
        out[name] = {
            "steps": [r["steps"] for r in native_runs],
            "train_time_s": [r["train_time_s"] for r in native_runs],
            "median_train_time_s": statistics.median(r["train_time_s"] for r in native_runs),
            "median_train_cpu_time_s": statistics.median(r["train_cpu_time_s"] for r in native_runs),
            "median_steps": statistics.median(r["steps"] or max_steps for r in native_runs),
            "gymnasium_same_steps": gym_steps == [r["steps"] for r in native_runs],
        }
    return out


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
    p.add_argument("--stop", choices=["budget", "callback"], default="budget",
                   help="how each sweep run stops after --episodes episodes")
    p.add_argument("--no-sweep", action="store_true", help="skip the sweep")
    p.add_argument("--no-solve", action="store_true", help="skip the CartPole solve")
    p.add_argument("--no-gym", action="store_true", help="skip the gymnasium-path figures")
    p.add_argument("--out")
    args = p.parse_args(argv)
    seeds, episodes, gym_steps, repeat = (
        (4, 50, 5_000, 1) if args.quick else (args.seeds, args.episodes, args.gym_steps, args.repeat)
    )
    result: dict[str, Any] = {}

    cores = os.cpu_count() or 1
    walls, walls1, cpus, total = [], [], [], 0
    for _ in range(0 if args.no_sweep else repeat):
        w, total, cpu = sweep_wall(seeds, episodes, cores, args.stop)
        walls.append(w)
        cpus.append(cpu)
        w1, _, _ = sweep_wall(seeds, episodes, 1, args.stop)
        walls1.append(w1)
    load = os.getloadavg()[0]
    result["fig_13_2_sweep"] = {} if args.no_sweep else {
        "configs": list(CONFIGS), "seeds": seeds, "episodes": episodes, "total_steps": total,
        "stop": args.stop,
        "wall_s": statistics.median(walls), "threads": cores, "one_thread_wall_s": statistics.median(walls1),
        "speedup": statistics.median(a / b for a, b in zip(walls1, walls)), "load_average_1min": load,
        "cpu_s": statistics.median(cpus),
    }
    r = result["fig_13_2_sweep"]
    if r:
        print(
            f"Fig. 13.2-shaped sweep (2 configs x {seeds} seeds x {episodes} episodes, "
            f"{total / 1e6:.1f} M steps, stopped by {args.stop}): "
            f"{r['wall_s']:.2f} s on {cores} threads ({r['cpu_s']:.2f} s CPU), "
            f"{r['one_thread_wall_s']:.2f} s on 1 ({r['speedup']:.2f}x; load average {load:.1f} on "
            f"{cores} cores)",
            flush=True,
        )

    if not args.no_solve:
        result["solve"] = solve_figures(1_000 if args.quick else 300_000, range(2 if args.quick else 5))
        for name, r in result["solve"].items():
            print(
                f"CartPole-v1 solved, native env ({name}): median {r['median_train_time_s'] * 1e3:.2f} ms "
                f"(thread CPU {r['median_train_cpu_time_s'] * 1e3:.2f} ms), median "
                f"{r['median_steps']:.0f} steps; per seed {[round(t * 1e3, 2) for t in r['train_time_s']]} "
                f"ms, {r['steps']} steps; gymnasium path same steps: {r['gymnasium_same_steps']} "
                f"(load average {os.getloadavg()[0]:.1f})",
                flush=True,
            )

    bare, bare64, learn = [], [], []
    for _ in range(0 if args.no_gym else repeat):
        bare.append(gym_bare_loop(gym_steps, False))
        bare64.append(gym_bare_loop(gym_steps, True))
        learn.append(gym_learn(gym_steps))
    if bare:
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
