"""``Reinforce.learn`` fused in C++ on native envs against the Python loop on gymnasium's.

``python -m bench.bench_fused [--quick] [--repeat N] [--steps T] [--out FILE.json]``

For each of the five classic-control envs, ``Reinforce(env, seed=0).learn(T)`` (default
settings) is timed on ``pgfast.envs.make(id)`` (the fused C++ loop, GIL released) and on
``gymnasium.make(id)`` (the Python loop), medians over repeats, ratio in the same run.
Both runs end with the same parameters (checked: the fused loop is bit-identical).
Also timed: the same native env with a per-step callback (the Python loop on the native
env), to separate the gain of the native env from that of the fused loop; and
CartPole-v1 x64 as a native vector env (fused) against gymnasium's SyncVectorEnv.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import time
from typing import Any, Callable

import gymnasium as gym
import numpy as np
import pgfast
from pgfast import envs as native


def steps_per_s(
    make_env: Callable[[], Any], steps: int, repeat: int, callback: Any = None
) -> tuple[float, Any]:
    rates, agent = [], None
    for _ in range(repeat):
        agent = pgfast.Reinforce(make_env(), seed=0)
        t0 = time.perf_counter()
        agent.learn(steps, callback=callback)
        rates.append(steps / (time.perf_counter() - t0))
    return statistics.median(rates), agent


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--steps", type=int, default=200_000, help="fused steps per run")
    p.add_argument("--out")
    args = p.parse_args(argv)
    fused_steps, gym_steps, repeat = (20_000, 2_000, 2) if args.quick else (args.steps, 20_000, args.repeat)
    result: dict[str, Any] = {}
    for env_id in native.ENV_IDS:
        r_fused, _ = steps_per_s(lambda env_id=env_id: native.make(env_id), fused_steps, repeat)
        r_py, _ = steps_per_s(
            lambda env_id=env_id: native.make(env_id), gym_steps, repeat, callback=lambda agent: None
        )
        r_gym, a_gym = steps_per_s(lambda env_id=env_id: gym.make(env_id), gym_steps, repeat)
        check = pgfast.Reinforce(native.make(env_id), seed=0).learn(gym_steps)
        identical = bool(np.array_equal(check.policy.params, a_gym.policy.params))
        result[env_id] = {
            "fused_steps_per_s": r_fused,
            "python_loop_native_env_steps_per_s": r_py,
            "python_loop_gymnasium_steps_per_s": r_gym,
            "fused_vs_gymnasium": r_fused / r_gym,
            "bit_identical": identical,
        }
        print(
            f"{env_id:26s} fused {r_fused / 1e6:6.2f} M steps/s | Python loop: native env "
            f"{r_py / 1e3:6.1f} k/s, gymnasium {r_gym / 1e3:6.1f} k/s | fused/gymnasium "
            f"{r_fused / r_gym:6.1f}x | bit-identical: {identical}",
            flush=True,
        )
    n = 64
    r_vfused, _ = steps_per_s(lambda: native.make_vec("CartPole-v1", n), fused_steps, repeat)
    r_vgym, _ = steps_per_s(
        lambda: gym.make_vec("CartPole-v1", n, vectorization_mode="sync"), gym_steps, repeat
    )
    result["CartPole-v1 x64"] = {
        "fused_steps_per_s": r_vfused,
        "python_loop_sync_vector_env_steps_per_s": r_vgym,
        "fused_vs_gymnasium": r_vfused / r_vgym,
    }
    print(
        f"CartPole-v1 x{n} vector: fused {r_vfused / 1e6:6.2f} M steps/s | Python loop on SyncVectorEnv "
        f"{r_vgym / 1e3:6.1f} k/s | {r_vfused / r_vgym:6.1f}x",
        flush=True,
    )

    # Two independent fused runs: one after the other, then in two threads (GIL released).
    def two_runs(threaded: bool) -> float:
        agents = [pgfast.Reinforce(native.make("CartPole-v1"), seed=s) for s in (0, 1)]
        t0 = time.perf_counter()
        if threaded:
            workers = [threading.Thread(target=a.learn, args=(fused_steps,)) for a in agents]
            for w in workers:
                w.start()
            for w in workers:
                w.join()
        else:
            for a in agents:
                a.learn(fused_steps)
        return time.perf_counter() - t0

    serial = statistics.median(two_runs(False) for _ in range(repeat))
    threaded = statistics.median(two_runs(True) for _ in range(repeat))
    result["threads"] = {"serial_s": serial, "two_threads_s": threaded, "speedup": serial / threaded}
    print(
        f"two fused CartPole runs: serial {serial:.3f} s, two threads {threaded:.3f} s "
        f"({serial / threaded:.2f}x)"
    )
    if args.out:
        with open(args.out, "w") as f:
            json.dump(result, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
