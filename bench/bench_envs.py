"""Native classic-control envs (:mod:`pgfast.envs`) against gymnasium, and envpool.

``python -m bench.bench_envs [--quick] [--repeat N] [--exact STEPS] [--out FILE.json]``

Three measurements, each a median over ``--repeat`` runs, ratios taken in the same run:

- **single env**, per environment: steps per second of ``env.step`` on the native
  ``pgfast.envs.make(id)`` and on ``gymnasium.make(id)`` (same pre-drawn random actions,
  resets at episode ends included), and of the bare C++ core (``env.core.step``);
- **vector x64**, CartPole-v1 with random actions: ``pgfast.envs.make_vec(.., 64)``
  against gymnasium's ``CartPoleVectorEnv`` x64 and, when installed, envpool x64
  (``num_threads=1``); transitions per second;
- **exactness** (``--exact STEPS``, e.g. 1000000): each native env and gymnasium's side by
  side over STEPS steps (20 seeds, resets at episode ends), every observation, reward,
  terminated and truncated compared with ``==``; reports steps, episodes and mismatches.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from typing import Any, Callable

import gymnasium as gym
import numpy as np
import pgfast
from pgfast import envs as native


def actions_for(space: gym.Space[Any], n: int, seed: int = 0) -> list[Any]:
    rng = np.random.default_rng(seed)
    if isinstance(space, gym.spaces.Discrete):
        return [int(a) for a in rng.integers(0, int(space.n), n)]
    assert isinstance(space, gym.spaces.Box)
    return list(rng.uniform(space.low, space.high, (n, *space.shape)).astype(np.float32))


def median_rate(run: Callable[[], int], repeat: int) -> float:
    """Median over repeats of (items processed / seconds)."""
    rates = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        n = run()
        rates.append(n / (time.perf_counter() - t0))
    return statistics.median(rates)


def loop_env(env: Any, actions: list[Any]) -> Callable[[], int]:
    def run() -> int:
        env.reset(seed=0)
        for a in actions:
            _, _, term, trunc, _ = env.step(a)
            if term or trunc:
                env.reset()
        return len(actions)

    return run


def loop_core(env: native.NativeEnv, actions: list[Any]) -> Callable[[], int]:
    core, rng = env.core, np.random.default_rng(0)
    a, b = env._reset_bounds(None)

    def run() -> int:
        core.reset(rng, a, b)
        step, reset = core.step, core.reset
        for act in actions:
            _, _, term, trunc = step(act)
            if term or trunc:
                reset(rng, a, b)
        return len(actions)

    return run


def bench_single(steps: int, repeat: int) -> dict[str, dict[str, float]]:
    out = {}
    for env_id in native.ENV_IDS:
        nat, ref = native.make(env_id), gym.make(env_id)
        actions = actions_for(ref.action_space, steps)
        r_native = median_rate(loop_env(nat, actions), repeat)
        r_core = median_rate(loop_core(nat, actions), repeat)
        r_gym = median_rate(loop_env(ref, actions), repeat)
        out[env_id] = {
            "native_steps_per_s": r_native,
            "core_steps_per_s": r_core,
            "gymnasium_steps_per_s": r_gym,
            "native_vs_gymnasium": r_native / r_gym,
            "core_vs_gymnasium": r_core / r_gym,
        }
        print(
            f"{env_id:26s} native {r_native / 1e6:6.3f} M/s  core {r_core / 1e6:6.3f} M/s  "
            f"gymnasium {r_gym / 1e6:6.3f} M/s  ratio {r_native / r_gym:5.1f}x (core {r_core / r_gym:5.1f}x)",
            flush=True,
        )
    return out


def loop_vector(venv: Any, actions: np.ndarray, num_envs: int, seeded: bool = True) -> Callable[[], int]:
    def run() -> int:
        venv.reset(seed=0) if seeded else venv.reset()
        for a in actions:
            venv.step(a)
        return len(actions) * num_envs

    return run


def bench_vector(calls: int, repeat: int, num_envs: int = 64) -> dict[str, float]:
    actions = np.random.default_rng(0).integers(0, 2, (calls, num_envs))
    nat = native.make_vec("CartPole-v1", num_envs)
    ref = gym.make_vec("CartPole-v1", num_envs, vectorization_mode="vector_entry_point")
    out = {
        "native_steps_per_s": median_rate(loop_vector(nat, actions, num_envs), repeat),
        "gymnasium_CartPoleVectorEnv_steps_per_s": median_rate(loop_vector(ref, actions, num_envs), repeat),
    }
    out["native_vs_gymnasium"] = out["native_steps_per_s"] / out["gymnasium_CartPoleVectorEnv_steps_per_s"]
    line = (
        f"CartPole-v1 x{num_envs}: native {out['native_steps_per_s'] / 1e6:.2f} M/s, gymnasium "
        f"CartPoleVectorEnv {out['gymnasium_CartPoleVectorEnv_steps_per_s'] / 1e6:.2f} M/s "
        f"({out['native_vs_gymnasium']:.1f}x)"
    )
    try:
        import envpool  # type: ignore[import-not-found]
    except ImportError:
        line += ", envpool not installed"
    else:
        pool = envpool.make("CartPole-v1", env_type="gymnasium", num_envs=num_envs, num_threads=1, seed=0)
        out["envpool_steps_per_s"] = median_rate(loop_vector(pool, actions, num_envs, seeded=False), repeat)
        out["native_vs_envpool"] = out["native_steps_per_s"] / out["envpool_steps_per_s"]
        out["envpool_version"] = envpool.__version__
        line += (
            f", envpool {envpool.__version__} (num_threads=1) {out['envpool_steps_per_s'] / 1e6:.2f} M/s "
            f"({out['native_vs_envpool']:.1f}x)"
        )
    print(line, flush=True)
    return out


def exactness(env_id: str, steps: int, n_seeds: int = 20) -> dict[str, int]:
    """Side by side with gymnasium; counts mismatching steps (observation, reward or flags)."""
    nat, ref = native.make(env_id), gym.make(env_id)
    per_seed = steps // n_seeds
    rng = np.random.default_rng(12345)
    mismatches = episodes = done_steps = 0
    max_ulp = 0
    for seed in range(n_seeds):
        g, _ = nat.reset(seed=seed)
        w, _ = ref.reset(seed=seed)
        mismatches += int(not np.array_equal(g, w))
        space = ref.action_space
        if isinstance(space, gym.spaces.Discrete):
            acts: Any = rng.integers(0, int(space.n), per_seed).tolist()
        else:
            assert isinstance(space, gym.spaces.Box)
            acts = rng.uniform(1.5 * space.low, 1.5 * space.high, (per_seed, *space.shape)).astype(np.float32)
        for a in acts:
            gs, ws = nat.step(a), ref.step(a)
            done_steps += 1
            if not (np.array_equal(gs[0], ws[0]) and gs[1:4] == ws[1:4] and gs[4] == ws[4]):
                mismatches += 1
                ia, ib = gs[0].view(np.int32).astype(np.int64), ws[0].view(np.int32).astype(np.int64)
                max_ulp = max(max_ulp, int(np.max(np.abs(ia - ib))))
            if gs[2] or gs[3]:
                episodes += 1
                g, _ = nat.reset()
                w, _ = ref.reset()
                mismatches += int(not np.array_equal(g, w))
    print(
        f"exactness {env_id:26s} {done_steps} steps, {episodes} episodes, {mismatches} mismatches"
        + (f" (max {max_ulp} ULP)" if mismatches else ""),
        flush=True,
    )
    return {"steps": done_steps, "episodes": episodes, "mismatches": mismatches, "max_ulp": max_ulp}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="short runs (a smoke test)")
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--exact", type=int, default=0, metavar="STEPS", help="exactness check, STEPS per env")
    p.add_argument("--out", help="write the figures as JSON")
    args = p.parse_args(argv)
    steps, calls, repeat = (2_000, 200, 2) if args.quick else (50_000, 3_000, args.repeat)
    versions = {"pgfast": pgfast.__version__, "gymnasium": gym.__version__, "numpy": np.__version__}
    print(f"versions {versions}, float32 cos/sin: {native.FLOAT32_TRIG}", flush=True)
    result: dict[str, Any] = {"versions": versions, "float32_trig": native.FLOAT32_TRIG}
    result["single"] = bench_single(steps, repeat)
    result["vector64"] = bench_vector(calls, repeat)
    if args.exact:
        result["exactness"] = {env_id: exactness(env_id, args.exact) for env_id in native.ENV_IDS}
    if args.out:
        with open(args.out, "w") as f:
            json.dump(result, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
