"""The zoo re-measured: every :mod:`pgfast.zoo` entry trained and evaluated on seeds 0-4.

``pgfast bench --zoo`` runs this section alone (minutes: it trains every entry for its
full budget on five seeds, one run at a time). Per entry and seed: the training seconds
and the greedy mean return over the entry's evaluation episodes
(``agent.evaluate(eval_episodes, seed=seed)``), as ``examples/tune_zoo.py`` verifies an
entry; the figure is the worst seed against the entry's target (the zoo's promise is
every seed, not the median). An entry whose environment cannot be made here (e.g.
LunarLander without Box2D) is reported as skipped, with the reason.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any, Optional

from ._timing import Progress, Settings

SEEDS = (0, 1, 2, 3, 4)


def bench_entry(s: Settings, progress: Progress, env_id: str, seeds: Sequence[int] = SEEDS) -> dict[str, Any]:
    """Train the zoo entry of ``env_id`` on ``seeds``; return per-seed results and the verdict.

    In the ``"tiny"`` mode (tests) only the first seed trains, for 1,000 steps, with one
    evaluation episode.
    """
    from .. import zoo

    entry = zoo.config(env_id)
    steps = s.pick(1_000, entry["total_timesteps"], entry["total_timesteps"])
    episodes = s.pick(1, entry["result"]["eval_episodes"], entry["result"]["eval_episodes"])
    seeds = list(seeds)[:1] if s.tiny else list(seeds)
    rec: dict[str, Any] = {"name": f"zoo {env_id}", "kind": "zoo", "env_id": env_id, "algo": entry["algo"],
                           "total_timesteps": steps, "eval_episodes": episodes, "seeds": seeds,
                           "target": float(entry["target"]), "recorded": entry["result"]["greedy_mean"]}
    try:
        zoo.make_env(env_id).close()
    except Exception as e:  # a missing optional dependency (Box2D, MuJoCo)
        return {**rec, "status": "skipped", "note": f"{type(e).__name__}: {e}"}
    means: list[float] = []
    seconds: list[float] = []
    for seed in seeds:
        progress(f"zoo {env_id}: seed {seed} ({steps} steps)")
        agent = zoo.make(env_id, seed=seed)
        t0 = time.perf_counter()
        agent.learn(steps)
        seconds.append(time.perf_counter() - t0)
        means.append(float(agent.evaluate(episodes, seed=seed)[0]))
    worst = min(means)
    return {**rec, "status": "measured", "greedy_mean": means, "train_seconds": seconds,
            "worst": worst, "met": worst >= rec["target"]}


def bench_zoo(
    s: Settings, progress: Progress, env_ids: Optional[Sequence[str]] = None
) -> list[dict[str, Any]]:
    """Run :func:`bench_entry` for ``env_ids`` (default: every zoo entry)."""
    from .. import zoo

    ids = list(env_ids) if env_ids is not None else zoo.entries()
    if s.tiny and env_ids is None:
        ids = ids[:1]
    return [bench_entry(s, progress, env_id) for env_id in ids]
