"""Benchmarks over a gymnasium environment: ``learn`` throughput and memory per step.

Throughput: the agent's overhead is the ratio of the bare gymnasium step loop's time to
``learn``'s, both doing *the same* environment work. A first, untimed ``learn`` records
every ``reset`` and ``step`` call it makes; the bare loop replays that log on a fresh
environment, and the timed ``learn`` (same seed, so the same actions) repeats it. A
random-action bare loop would be unfair either way: its episodes are shorter (more
resets) than a learning agent's.
"""

from __future__ import annotations

import time
from typing import Any

import gymnasium as gym
import numpy as np

from ._timing import Progress, Settings, rss_bytes

ENV_ID = "CartPole-v1"


def _make(n_envs: int) -> Any:
    if n_envs == 1:
        return gym.make(ENV_ID)
    return gym.make_vec(ENV_ID, num_envs=n_envs, vectorization_mode="sync")


class _Recorder(gym.Wrapper):
    """Logs every reset and step call of the environment it wraps."""

    def __init__(self, env: Any) -> None:
        super().__init__(env)
        self.log: list[tuple[str, Any]] = []

    def reset(self, **kwargs: Any) -> Any:
        self.log.append(("reset", kwargs))
        return self.env.reset(**kwargs)

    def step(self, action: Any) -> Any:
        self.log.append(("step", action))
        return self.env.step(action)


class _VectorRecorder(gym.vector.VectorWrapper):
    """Logs every reset and step call of the vector environment it wraps."""

    def __init__(self, env: Any) -> None:
        super().__init__(env)
        self.log: list[tuple[str, Any]] = []

    def reset(self, **kwargs: Any) -> Any:
        self.log.append(("reset", kwargs))
        return self.env.reset(**kwargs)

    def step(self, actions: Any) -> Any:
        self.log.append(("step", np.array(actions, copy=True)))
        return self.env.step(actions)


def _replay(env: Any, log: list[tuple[str, Any]]) -> float:
    """Seconds of the bare loop: the logged calls, on a fresh environment."""
    step, reset = env.step, env.reset
    t0 = time.perf_counter()
    for kind, arg in log:
        if kind == "step":
            step(arg)
        else:
            reset(**arg)
    return time.perf_counter() - t0


def bench_learn_throughput(
    s: Settings, progress: Progress, n_envs: int = 1, make_agent: Any = None, algo: str = ""
) -> dict[str, Any]:
    """``learn`` steps per second on CartPole-v1 against the bare gymnasium step loop.

    Parameters
    ----------
    s : Settings
        Run settings (the number of steps and repeats follow the mode).
    progress : Progress
        Progress printer.
    n_envs : int
        1 for a ``gymnasium.Env``; more for a sync vector env of that many sub-envs.
    make_agent : callable, optional
        ``make_agent(env)`` -> a seeded agent; default ``pgfast.Reinforce(env, seed=0)``.
    algo : str
        A name for the record (e.g. "actor-critic ").

    Returns
    -------
    dict
        Steps per second of both loops and ``throughput_ratio`` = bare time / learn
        time (1 means no overhead).
    """
    import pgfast

    if make_agent is None:
        def make_agent(env: Any) -> Any:
            return pgfast.Reinforce(env, seed=0)

    steps = s.pick(2_000, 20_000, 100_000)
    repeat = s.pick(1, 3, 5)
    label = "Env" if n_envs == 1 else f"vector env x{n_envs}"
    progress(f"learn throughput {ENV_ID} {label}, {steps} steps x {repeat}")

    rec_env = _Recorder(_make(1)) if n_envs == 1 else _VectorRecorder(_make(n_envs))
    ref_agent = make_agent(rec_env).learn(steps)
    log = rec_env.log
    rec_env.close()

    def bare() -> float:
        env = _make(n_envs)
        try:
            return _replay(env, log)
        finally:
            env.close()

    def agent() -> tuple[float, int]:
        env = _make(n_envs)
        ag = make_agent(env)
        t0 = time.perf_counter()
        ag.learn(steps)
        dt = time.perf_counter() - t0
        env.close()
        return dt, int(ag.num_timesteps)

    bare()
    agent()  # warm-up
    t_bare, t_agent, same = [], [], True
    for _ in range(repeat):  # interleaved
        t_bare.append(bare())
        dt, n = agent()
        t_agent.append(dt)
        same = same and n == ref_agent.num_timesteps
    tb, ta = float(np.median(t_bare)), float(np.median(t_agent))
    n_env_calls = sum(1 for kind, _ in log if kind == "step")
    return {"name": f"learn {algo}{ENV_ID} {label}", "kind": "learn", "n_envs": n_envs, "steps": steps,
            "env_step_calls": n_env_calls, "same_work": same,
            "seconds": {"pgfast": ta, "bare": tb},
            "bare_steps_per_s": steps / tb, "learn_steps_per_s": steps / ta,
            "throughput_ratio": tb / ta}


class _MemoryProbe:
    """Samples the resident set size at episode ends (a cheap /proc read)."""

    def __init__(self, every: int) -> None:
        self.every = every
        self.n = 0
        self.samples: list[tuple[int, int]] = []

    def on_episode_end(self, agent: Any, ret: float, length: int) -> None:
        self.n += 1
        if self.n % self.every == 0:
            self.samples.append((int(agent.num_timesteps), rss_bytes()))


def bench_memory(s: Settings, progress: Progress) -> dict[str, Any]:
    """Resident memory over a long ``learn`` run on CartPole-v1: it must stay flat.

    The slope of RSS against steps over the second half of the run is the memory per
    step; per-episode history (a few numbers an episode) is the only growth expected.

    Returns
    -------
    dict
        RSS at the start, the peak, the end, and ``bytes_per_step`` (the slope).
    """
    import pgfast

    steps = s.pick(20_000, 200_000, 1_000_000)
    progress(f"memory over a {steps}-step learn {ENV_ID}")
    probe = _MemoryProbe(every=10)
    agent = pgfast.Reinforce(ENV_ID, seed=0)
    rss0 = rss_bytes()
    t0 = time.perf_counter()
    agent.learn(steps, callback=probe)
    dt = time.perf_counter() - t0
    rss1 = rss_bytes()
    samples = np.array(probe.samples, dtype=float).reshape(-1, 2)
    half = samples[samples[:, 0] >= steps / 2]
    slope = float(np.polyfit(half[:, 0], half[:, 1], 1)[0]) if len(half) >= 3 else float("nan")
    peak = int(max([rss1, *samples[:, 1].astype(int).tolist()]))
    return {"name": f"memory {steps}-step learn {ENV_ID}", "kind": "memory", "steps": steps,
            "episodes": len(agent.history["episode_return"]), "seconds": dt,
            "rss_start_bytes": rss0, "rss_peak_bytes": peak, "rss_end_bytes": rss1,
            "growth_bytes": rss1 - rss0, "bytes_per_step": slope,
            "samples": samples.astype(int).tolist()[:: max(1, len(samples) // 200)]}
