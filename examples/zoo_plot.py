"""Draw the zoo's learning curves: every entry on seeds 0-4, mean ± std, one panel per env.
========================================================================================

Usage (run it under ``nice``: it trains every entry again, one run at a time)::

    nice -n 19 python examples/zoo_plot.py --out examples/zoo_curves.png
    nice -n 19 python examples/zoo_plot.py --only CartPole-v1,Pendulum-v1

Each panel is a ``pgfast.sweep`` of the entry's one configuration over seeds 0-4 (the
training-episode returns on a common step grid), the dashed line the entry's target.
"""

from __future__ import annotations

import argparse
import functools
import math
from typing import Any

import gymnasium as gym
import numpy as np
import pgfast
import pgfast.zoo
from pgfast.cli import parse_features


def entry_curves(env_id: str) -> tuple[np.ndarray, np.ndarray]:
    """Return (steps, curves over seeds 0-4) of the zoo entry of ``env_id``."""
    e = pgfast.zoo.config(env_id)
    if e["env_backend"] == "native":
        factory: Any = functools.partial(pgfast.envs.make, env_id)
    else:
        factory = functools.partial(gym.make, env_id, **e.get("env_kwargs", {}))
    grid: dict[str, Any] = {k: [v] for k, v in e["hyperparameters"].items()}
    grid["algo"] = [e["algo"]]
    if e["features"] is not None:
        grid["features"] = [parse_features(e["features"], e["bounds"], factory())]
    res = pgfast.sweep(factory, grid, [0, 1, 2, 3, 4], e["total_timesteps"], executor="serial",
                       eval_episodes=1, keep_params=False, progress_bar=False, curve_points=50)
    return res.curve_steps, res.curves()


def main() -> None:
    """Run the command line (see the module docstring)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", default="zoo_curves.png", help="the PNG to write")
    p.add_argument("--only", default=None, help="comma-separated env ids (default: every entry)")
    args = p.parse_args()
    ids = args.only.split(",") if args.only else pgfast.zoo.entries()
    cols = min(4, len(ids))
    rows = math.ceil(len(ids) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 3 * rows), squeeze=False)
    for ax, env_id in zip(axes.flat, ids):
        steps, curves = entry_curves(env_id)
        mean, std = np.nanmean(curves, axis=0), np.nanstd(curves, axis=0)
        ax.plot(steps, mean)
        ax.fill_between(steps, mean - std, mean + std, alpha=0.3)
        ax.axhline(pgfast.zoo.config(env_id)["target"], ls="--", c="k", lw=0.8)
        ax.set_title(env_id, fontsize=9)
        ax.set_xlabel("steps", fontsize=8)
        print(env_id, "done", flush=True)
    for ax in list(axes.flat)[len(ids):]:
        ax.axis("off")
    fig.suptitle("pgfast zoo: training-episode return, mean ± std over seeds 0-4 (dashed: target)")
    fig.tight_layout()
    fig.savefig(args.out, dpi=100)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
