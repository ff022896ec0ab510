"""``Reinforce.learn`` fused in C++ on native envs against the Python loop on gymnasium's.

``python -m bench.bench_fused [--quick] [--repeat N] [--steps T] [--settings defaults|plain]
[--out FILE.json]``

For each of the five classic-control envs, ``Reinforce(env, seed=0).learn(T)`` (default
settings; ``--settings plain``: 0.1's ``lr=0.2, baseline=None``) is timed on
``pgfast.envs.make(id)`` (the fused C++ loop, GIL released) and on ``gymnasium.make(id)``
(the Python loop), medians over repeats, ratio in the same run.
Both runs end with the same parameters (checked: the fused loop is bit-identical).
Also timed: the same native env with a per-step callback (the Python loop on the native
env), to separate the gain of the native env from that of the fused loop; and
CartPole-v1 x64 as a native vector env (fused) against gymnasium's SyncVectorEnv.

The physical anchor: ``bench/anchor/cartpole_reinforce.cpp``, a plain C++ program doing
the same work (CartPole, linear softmax, REINFORCE with Adam every two episodes; with the
defaults, a linear baseline too) written for the benchmark, is built with the wheel's
flags (``bench/anchor/build.sh``; needs a C++ compiler) and run interleaved with the fused
CartPole runs, same step count from a fresh agent: the report gives fused steps/s as a
fraction of the anchor's (``--no-anchor`` skips it).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from typing import Any, Callable

import gymnasium as gym
import numpy as np
import pgfast
from pgfast import envs as native

#: Reinforce's keyword arguments, and the anchor's matching setting.
SETTINGS: dict[str, tuple[dict[str, Any], str]] = {
    "defaults": ({}, "baseline"),
    "plain": ({"lr": 0.2, "baseline": None}, "plain"),
}
HYPERPARAMETERS: dict[str, Any] = {}  # the --settings chosen


def steps_per_s(
    make_env: Callable[[], Any], steps: int, repeat: int, callback: Any = None
) -> tuple[float, Any]:
    rates, agent = [], None
    for _ in range(repeat):
        agent = pgfast.Reinforce(make_env(), seed=0, **HYPERPARAMETERS)
        t0 = time.perf_counter()
        agent.learn(steps, callback=callback)
        rates.append(steps / (time.perf_counter() - t0))
    return statistics.median(rates), agent


ANCHOR_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "anchor")


def build_anchor(out_dir: str) -> str:
    """Compile the anchor program into out_dir; return the executable's path."""
    exe = os.path.join(out_dir, "cartpole_reinforce")
    subprocess.run(["sh", os.path.join(ANCHOR_DIR, "build.sh"), exe], check=True, capture_output=True)
    return exe


def anchor_steps_per_s(exe: str, steps: int, setting: str = "baseline") -> float:
    """One run of the anchor (a fresh agent, `steps` steps, "baseline" or "plain"): steps per second."""
    out = subprocess.run([exe, str(steps), "1", setting], check=True, capture_output=True, text=True).stdout
    ns = float(next(line.split()[1] for line in out.splitlines() if line.startswith("ns_per_step")))
    return 1e9 / ns


def fused_vs_anchor(exe: str, steps: int, repeat: int, setting: str = "baseline") -> dict[str, float]:
    """Fused CartPole-v1 and the anchor, interleaved; medians and the median ratio."""
    fused, anchor = [], []
    for _ in range(repeat):
        anchor.append(anchor_steps_per_s(exe, steps, setting))
        fused.append(steps_per_s(lambda: native.make("CartPole-v1"), steps, 1)[0])
    return {
        "anchor_steps_per_s": statistics.median(anchor),
        "fused_steps_per_s": statistics.median(fused),
        "fused_over_anchor": statistics.median(f / a for f, a in zip(fused, anchor)),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--steps", type=int, default=200_000, help="fused steps per run")
    p.add_argument("--out")
    p.add_argument("--no-anchor", action="store_true", help="skip the standalone C++ anchor")
    p.add_argument("--settings", choices=list(SETTINGS), default="defaults")
    args = p.parse_args(argv)
    HYPERPARAMETERS.clear()
    HYPERPARAMETERS.update(SETTINGS[args.settings][0])
    fused_steps, gym_steps, repeat = (20_000, 2_000, 2) if args.quick else (args.steps, 20_000, args.repeat)
    result: dict[str, Any] = {}
    if not args.no_anchor:
        with tempfile.TemporaryDirectory() as tmp:
            exe = build_anchor(tmp)
            a = fused_vs_anchor(exe, fused_steps, max(repeat, 5), SETTINGS[args.settings][1])
        result["anchor"] = a
        print(
            f"CartPole-v1 REINFORCE: fused pgfast {a['fused_steps_per_s'] / 1e6:6.2f} M steps/s | standalone "
            f"C++ anchor {a['anchor_steps_per_s'] / 1e6:6.2f} M steps/s ({1e9 / a['anchor_steps_per_s']:.0f} "
            f"ns/step) | fused/anchor {a['fused_over_anchor']:.2f} (median of interleaved runs)",
            flush=True,
        )
    for env_id in native.ENV_IDS:
        r_fused, _ = steps_per_s(lambda env_id=env_id: native.make(env_id), fused_steps, repeat)
        r_py, _ = steps_per_s(
            lambda env_id=env_id: native.make(env_id), gym_steps, repeat, callback=lambda agent: None
        )
        r_gym, a_gym = steps_per_s(lambda env_id=env_id: gym.make(env_id), gym_steps, repeat)
        check = pgfast.Reinforce(native.make(env_id), seed=0, **HYPERPARAMETERS).learn(gym_steps)
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
    # Wall time gives the speedup; the threads' CPU time against the serial runs' shows
    # whether the runs slow each other down (contention: locks, false sharing) -- a ratio
    # of 1 means the speedup is bounded only by the cores free at the time (os.getloadavg).
    def two_runs(threaded: bool) -> tuple[float, float]:
        agents = [pgfast.Reinforce(native.make("CartPole-v1"), seed=s, **HYPERPARAMETERS) for s in (0, 1)]
        cpu: list[float] = []

        def learn(a: Any) -> None:
            c0 = time.thread_time()
            a.learn(fused_steps)
            cpu.append(time.thread_time() - c0)

        t0 = time.perf_counter()
        if threaded:
            workers = [threading.Thread(target=learn, args=(a,)) for a in agents]
            for w in workers:
                w.start()
            for w in workers:
                w.join()
        else:
            for a in agents:
                learn(a)
        return time.perf_counter() - t0, sum(cpu)

    runs = [(two_runs(False), two_runs(True)) for _ in range(max(repeat, 5))]
    serial = statistics.median(s[0] for s, _ in runs)
    threaded = statistics.median(t[0] for _, t in runs)
    cpu_ratio = statistics.median(t[1] / s[1] for s, t in runs)
    load = os.getloadavg()[0]
    result["threads"] = {"serial_s": serial, "two_threads_s": threaded, "speedup": serial / threaded,
                         "cpu_time_threads_over_serial": cpu_ratio, "load_average_1min": load,
                         "cores": os.cpu_count()}
    print(
        f"two fused CartPole runs: serial {serial:.3f} s, two threads {threaded:.3f} s "
        f"({serial / threaded:.2f}x); CPU time in threads / serial {cpu_ratio:.2f} "
        f"(load average {load:.1f} on {os.cpu_count()} cores)"
    )
    if args.out:
        with open(args.out, "w") as f:
            json.dump(result, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
