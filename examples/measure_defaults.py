"""Measure candidate default hyper-parameters over the issue-14 table (seeds 0-9, raw features).
=============================================================================================

Usage (under ``nice``; one run at a time)::

    nice -n 19 python examples/measure_defaults.py reinforce '{"lr": 0.01, "baseline": "linear"}' \
        --out defaults.jsonl
    python examples/measure_defaults.py --summary defaults.jsonl

Each line of ``--out`` is one run: algorithm, candidate, env, seed, greedy mean return over
20 episodes (``agent.evaluate(20, seed=seed)``) and training seconds. Runs already in the
file are skipped, so an interrupted measurement resumes. ``--random`` records the random
policy's mean over the same 20 evaluation episodes per seed, the bar a default must clear.
A default must never do worse than random (mean over seeds) on any env and must solve
CartPole-v1 (500) and InvertedPendulum-v5 (1000) on at least 9 of 10 seeds.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import sys
import time
from typing import Any

import gymnasium as gym
import numpy as np
import pgfast

#: The issue's table: env id -> training steps (raw features, default env settings).
TABLE: dict[str, int] = {
    "CartPole-v1": 50_000,
    "Acrobot-v1": 200_000,
    "MountainCar-v0": 200_000,
    "MountainCarContinuous-v0": 200_000,
    "Pendulum-v1": 200_000,
    "InvertedPendulum-v5": 100_000,
    "FrozenLake-v1": 100_000,
    "Taxi-v4": 200_000,
    "CliffWalking-v1": 100_000,
    "Blackjack-v1": 50_000,
    "LunarLander-v3": 300_000,
}
SOLVED = {"CartPole-v1": 500.0, "InvertedPendulum-v5": 1000.0}
EVAL_EPISODES = 20


def make_env(env_id: str) -> Any:
    """Return the native env where pgfast has one (same dynamics, fused C++ loop), else gymnasium's."""
    if env_id in pgfast.envs.ENV_IDS:
        return pgfast.envs.make(env_id)
    return gym.make(env_id)


def random_mean(env_id: str, seed: int, episodes: int = EVAL_EPISODES, cap: int = 10_000) -> float:
    """Return the random policy's mean return over ``episodes`` episodes (each cut at ``cap`` steps)."""
    env = gym.make(env_id)
    env.action_space.seed(seed)
    total = 0.0
    for i in range(episodes):
        env.reset(seed=seed + i if i == 0 else None)
        done, steps = False, 0
        while not done and steps < cap:
            _, r, term, trunc, _ = env.step(env.action_space.sample())
            total += float(r)
            steps += 1
            done = term or trunc
    return total / episodes


def run(algo: str, candidate: dict[str, Any], env_id: str, seed: int) -> dict[str, Any]:
    """Train one agent with the candidate defaults; return its greedy mean and CPU seconds."""
    cls: Any = pgfast.ActorCritic if algo == "actor-critic" else pgfast.Reinforce
    agent = cls(make_env(env_id), seed=seed, **candidate)
    start = time.process_time()
    try:
        agent.learn(TABLE[env_id])
    except ValueError as exc:  # diverged (a non-finite update): a failed run, recorded
        return {"greedy_mean": None, "cpu_seconds": round(time.process_time() - start, 2), "error": str(exc)}
    cpu = time.process_time() - start
    mean = float(agent.evaluate(EVAL_EPISODES, seed=seed)[0])
    return {"greedy_mean": round(mean, 4), "cpu_seconds": round(cpu, 2)}


def summary(path: pathlib.Path) -> None:
    """Print one Markdown table per candidate: per-seed results, mean, random, verdict."""
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    rand = {r["env"]: [] for r in rows if r["algo"] == "random"}
    for r in rows:
        if r["algo"] == "random":
            rand[r["env"]].append(r["greedy_mean"])
    groups: dict[tuple[str, str], dict[str, list[float]]] = {}
    cpu: dict[tuple[str, str], float] = {}
    for r in rows:
        if r["algo"] == "random":
            continue
        key = (r["algo"], json.dumps(r["candidate"], sort_keys=True))
        mean = float("nan") if r["greedy_mean"] is None else r["greedy_mean"]  # nan: diverged
        groups.setdefault(key, {}).setdefault(r["env"], []).append(mean)
        cpu[key] = cpu.get(key, 0.0) + r.get("cpu_seconds", 0.0)
    for key, by_env in groups.items():
        print(f"\n{key[0]} {key[1]} (cpu {cpu[key]:.0f} s)")
        print("| env | seeds 0-9 | mean | random | ok |")
        print("|---|---|---|---|---|")
        for env_id, means in by_env.items():
            rm = float(np.mean(rand[env_id])) if env_id in rand else float("nan")
            ok = bool(float(np.mean(means)) >= rm)  # a diverged seed (nan) fails
            if env_id in SOLVED:
                solved = sum(m >= SOLVED[env_id] for m in means)
                ok = ok and solved >= 9
                extra = f" ({solved}/{len(means)} solved)"
            else:
                extra = ""
            vals = " / ".join(f"{m:g}" for m in means)
            print(f"| {env_id} | {vals} | {np.mean(means):.3f}{extra} | {rm:.3f} | {'yes' if ok else 'NO'} |")


def main(argv: list[str] | None = None) -> int:
    """Run the command line (see the module docstring)."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("algo", nargs="?", choices=["reinforce", "actor-critic"])
    p.add_argument("candidate", nargs="?", default="{}", help="agent keyword arguments as JSON")
    p.add_argument("--envs", default=",".join(TABLE), help="comma-separated env ids")
    p.add_argument("--seeds", default="0-9", help="A-B")
    p.add_argument("--out", default="defaults.jsonl")
    p.add_argument("--random", action="store_true", help="record the random policy instead")
    p.add_argument("--summary", metavar="FILE", help="print the tables of FILE and exit")
    args = p.parse_args(argv)
    if args.summary:
        summary(pathlib.Path(args.summary))
        return 0
    lo, hi = (int(v) for v in args.seeds.split("-"))
    out = pathlib.Path(args.out)
    done = set()
    if out.exists():
        for line in out.read_text().splitlines():
            r = json.loads(line)
            done.add((r["algo"], json.dumps(r["candidate"], sort_keys=True), r["env"], r["seed"]))
    algo = "random" if args.random else args.algo
    candidate = {} if args.random else json.loads(args.candidate)
    ckey = json.dumps(candidate, sort_keys=True)
    for env_id in args.envs.split(","):
        for seed in range(lo, hi + 1):
            if (algo, ckey, env_id, seed) in done:
                continue
            try:
                if args.random:
                    res = {"greedy_mean": round(random_mean(env_id, seed), 4), "cpu_seconds": 0.0}
                else:
                    res = run(algo, candidate, env_id, seed)
            except Exception as exc:  # e.g. Box2D missing: report it, go on with the next env
                print(f"{env_id} seed {seed}: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
                break
            row = {"algo": algo, "candidate": candidate, "env": env_id, "seed": seed, **res}
            with out.open("a") as f:
                f.write(json.dumps(row) + "\n")
            print(json.dumps(row), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
