"""Benchmarks: every figure is a ratio against a baseline measured in the same run.

Baselines: :mod:`pgfast.reference` (the NumPy twin) always; ``scipy.signal.lfilter``
for returns when SciPy is installed; the bare gymnasium step loop for ``learn``.
Times are medians over repeats, warm-up excluded. Run ``pgfast bench`` (quick subset)
or ``pgfast bench --full``; results go to ``bench_results/bench.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from collections.abc import Sequence
from typing import Any, Callable, Optional

import numpy as np


def per_call(fn: Callable[[], Any], number: int, repeat: int = 7) -> float:
    """Median seconds per call of ``fn`` over ``repeat`` timings of ``number`` calls."""
    for _ in range(max(1, number // 10)):  # warm-up
        fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - t0) / number)
    return float(np.median(times))


def bench_sample(d: int = 4, k: int = 2, number: int = 20000) -> dict[str, Any]:
    """Per-call ``sample`` (one state) against the NumPy twin and the pybind11 floor."""
    import pgfast
    from pgfast import _core, reference

    rng = np.random.default_rng(0)
    x = rng.standard_normal(d)
    cpp, ref = pgfast.LinearSoftmax(d, k), reference.LinearSoftmax(d, k)
    cpp.params = ref.params = rng.standard_normal(cpp.n_params) * 0.1
    r1, r2 = np.random.default_rng(1), np.random.default_rng(1)
    t_cpp = per_call(lambda: cpp.sample(x, r1), number)
    t_ref = per_call(lambda: ref.sample(x, r2), number // 4)
    t_floor = per_call(lambda: _core._noop(x, r1), number)
    return {"name": f"sample d={d} k={k}", "cpp_s": t_cpp, "numpy_s": t_ref, "floor_s": t_floor,
            "speedup_vs_numpy": t_ref / t_cpp, "ratio_to_floor": t_cpp / t_floor}


def bench_per_call(d: int = 4, k: int = 2, number: int = 20000) -> list[dict[str, Any]]:
    """Per-call ``log_prob`` and ``grad_log_prob`` against the NumPy twin."""
    import pgfast
    from pgfast import reference

    rng = np.random.default_rng(0)
    x = rng.standard_normal(d)
    cpp, ref = pgfast.LinearSoftmax(d, k), reference.LinearSoftmax(d, k)
    out = []
    for meth in ("log_prob", "grad_log_prob"):
        fc, fr = getattr(cpp, meth), getattr(ref, meth)
        t_cpp = per_call(lambda fc=fc: fc(x, 1), number)
        t_ref = per_call(lambda fr=fr: fr(x, 1), number // 4)
        out.append({"name": f"{meth} d={d} k={k}", "cpp_s": t_cpp, "numpy_s": t_ref,
                    "speedup_vs_numpy": t_ref / t_cpp})
    return out


def bench_policy_gradient(T: int = 100_000, d: int = 4, k: int = 2, repeat: int = 7) -> dict[str, Any]:
    """Batch ``policy_gradient`` against the NumPy twin."""
    import pgfast
    from pgfast import reference

    rng = np.random.default_rng(0)
    X, A, w = rng.standard_normal((T, d)), rng.integers(0, k, T), rng.standard_normal(T)
    cpp, ref = pgfast.LinearSoftmax(d, k), reference.LinearSoftmax(d, k)
    cpp.params = ref.params = rng.standard_normal(cpp.n_params) * 0.1
    t_cpp = per_call(lambda: pgfast.policy_gradient(cpp, X, A, w), 3, repeat)
    t_ref = per_call(lambda: reference.policy_gradient(ref, X, A, w), 3, repeat)
    return {"name": f"policy_gradient T={T} d={d} k={k}", "cpp_s": t_cpp, "numpy_s": t_ref,
            "speedup_vs_numpy": t_ref / t_cpp}


def bench_returns(T: int = 100_000, repeat: int = 7) -> dict[str, Any]:
    """``discounted_returns`` with episode ends, against the twin and scipy.signal.lfilter."""
    import pgfast
    from pgfast import reference

    rng = np.random.default_rng(0)
    r = rng.standard_normal(T)
    term = rng.random(T) < 0.01
    gamma = 0.99
    t_cpp = per_call(lambda: pgfast.discounted_returns(r, term, gamma=gamma), 5, repeat)
    t_ref = per_call(lambda: reference.discounted_returns(r, term, gamma=gamma), 1, 3)
    out = {"name": f"discounted_returns T={T}", "cpp_s": t_cpp, "numpy_s": t_ref,
           "speedup_vs_numpy": t_ref / t_cpp}
    try:
        from scipy.signal import lfilter
    except ImportError:
        return out
    # lfilter cannot restart at episode ends: it computes one long discounted sum.
    t_lf = per_call(lambda: lfilter([1.0], [1.0, -gamma], r[::-1])[::-1], 5, repeat)
    out.update(scipy_lfilter_s=t_lf, speedup_vs_lfilter=t_lf / t_cpp)
    return out


def bench_learn_throughput(steps: int = 20_000, env_id: str = "CartPole-v1",
                           repeat: int = 3) -> dict[str, Any]:
    """Measure steps per second of ``learn`` against the bare gymnasium step loop."""
    import gymnasium as gym

    import pgfast

    def bare() -> float:
        env = gym.make(env_id)
        env.reset(seed=0)
        acts = np.random.default_rng(0).integers(0, 2, steps).tolist()
        t0 = time.perf_counter()
        for a in acts:
            _, _, term, trunc, _ = env.step(a)
            if term or trunc:
                env.reset()
        return time.perf_counter() - t0

    def agent() -> float:
        ag = pgfast.Reinforce(env_id, seed=0)
        t0 = time.perf_counter()
        ag.learn(steps)
        return time.perf_counter() - t0

    bare(), agent()  # warm-up
    t_bare = float(np.median([bare() for _ in range(repeat)]))
    t_agent = float(np.median([agent() for _ in range(repeat)]))
    return {"name": f"learn throughput {env_id}", "bare_steps_per_s": steps / t_bare,
            "learn_steps_per_s": steps / t_agent, "throughput_ratio": t_bare / t_agent}


def time_to_solve(seed: int, backend: str = "cpp", env_id: str = "CartPole-v1",
                  max_steps: int = 150_000, **kw: Any) -> dict[str, Any]:
    """Training steps and training time (evaluation excluded) to solve CartPole-v1.

    Solved: greedy mean >= 475 over 20 evaluation episodes, checked whenever the last 5
    training episodes average >= 475.
    """
    import pgfast

    agent = pgfast.Reinforce(env_id, seed=seed, backend=backend, **kw)
    state = {"eval_time": 0.0, "solved": None}

    def on_episode_end(ag: Any, ret: float, length: int) -> Optional[bool]:
        r = ag.history["episode_return"][-5:]
        if len(r) == 5 and r.mean() >= 475:
            t0 = time.perf_counter()
            mean, _ = ag.evaluate(20, seed=10_000 + seed)
            state["eval_time"] += time.perf_counter() - t0
            if mean >= 475:
                state["solved"] = ag.num_timesteps
                return False
        return None

    cb = type("SolveCheck", (), {"on_episode_end": staticmethod(on_episode_end)})()
    t0 = time.perf_counter()
    agent.learn(max_steps, callback=cb)
    wall = time.perf_counter() - t0 - state["eval_time"]
    return {"seed": seed, "backend": backend, "steps": state["solved"], "train_time_s": wall}


def bench_time_to_solve(seeds: Sequence[int] = range(5)) -> dict[str, Any]:
    """Median steps and training time to solve CartPole-v1, cpp against numpy backend."""
    runs = [time_to_solve(s, b) for b in ("cpp", "numpy") for s in seeds]
    out: dict[str, Any] = {"name": "CartPole-v1 time to solve", "runs": runs}
    for b in ("cpp", "numpy"):
        rs = [r for r in runs if r["backend"] == b]
        out[f"{b}_median_steps"] = float(np.median([r["steps"] or np.inf for r in rs]))
        out[f"{b}_median_time_s"] = float(np.median([r["train_time_s"] for r in rs]))
    out["time_ratio_cpp_over_numpy"] = out["cpp_median_time_s"] / out["numpy_median_time_s"]
    return out


def machine_info() -> dict[str, Any]:
    """CPU model, cores and versions, stored with every result."""
    import gymnasium

    import pgfast

    cpu = platform.processor()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
            "numpy": np.__version__, "gymnasium": gymnasium.__version__,
            "pgfast": pgfast.__version__, "platform": platform.platform()}


def _fmt(r: dict[str, Any]) -> str:
    ratios = {k: v for k, v in r.items() if k.startswith(("speedup", "ratio", "throughput", "time_ratio"))}
    rs = ", ".join(f"{k}={v:.2f}" for k, v in ratios.items())
    return f"{r['name']:<40} {rs}"


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the benchmarks; print a table of ratios and write JSON."""
    p = argparse.ArgumentParser(prog="pgfast bench")
    p.add_argument("--full", action="store_true", help="include time-to-solve over seeds 0-4")
    p.add_argument("--out", default="bench_results", help="output directory")
    p.add_argument("--tiny", action="store_true", help=argparse.SUPPRESS)  # for tests
    args = p.parse_args(argv)
    scale = 0.02 if args.tiny else 1.0
    results = [
        bench_sample(number=int(20000 * scale) + 10),
        *bench_per_call(number=int(20000 * scale) + 10),
        bench_policy_gradient(T=int(100_000 * scale) + 10, repeat=3 if args.tiny else 7),
        bench_returns(T=int(100_000 * scale) + 10, repeat=3 if args.tiny else 7),
        bench_learn_throughput(steps=int(20_000 * scale) + 10, repeat=1 if args.tiny else 3),
    ]
    if args.full:
        results.append(bench_time_to_solve())
    print(f"{'benchmark':<40} ratios (higher speedup = pgfast faster)")
    for r in results:
        print(_fmt(r))
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "bench.json")
    with open(path, "w") as f:
        json.dump({"machine": machine_info(), "results": results}, f, indent=2)
    print(f"results written to {path}")
    return 0
