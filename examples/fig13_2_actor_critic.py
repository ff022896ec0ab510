"""REINFORCE, REINFORCE with baseline and one-step actor-critic over 50 seeds.
===========================================================================

The comparison of S&B §13.4-13.5 (Figs. 13.2 and the one-step actor-critic box, p. 332)
on CartPole-v1 with the same features for every method, Fourier(3) over the bounded
state (§9.5.2): REINFORCE and REINFORCE with a linear baseline (one Adam step per
episode on the raw returns, step sizes 0.01 and 0.1), and the one-step actor-critic
(the book's plain step sizes, 0.01 for actor and critic). Two :func:`pgfast.sweep`
calls (the grid key ``algo`` picks the agent), drawn into one figure: the mean ± std
over seeds of the return against training steps. The env is pgfast's native CartPole,
so every run's loop is in C++ (bit-identical to gymnasium's CartPole-v1).

    python examples/fig13_2_actor_critic.py            # 50 seeds x 50 000 steps, ~20 s
    python examples/fig13_2_actor_critic.py --tiny     # a smoke run
"""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Sequence
from typing import Optional

import pgfast
from pgfast.features import Fourier

BOUNDS = ((-2.4, -3.0, -0.21, -3.5), (2.4, 3.0, 0.21, 3.5))  # (low, high), as gymnasium's Box
FEATURES = Fourier(3, bounds=BOUNDS)
REINFORCE = {"algo": "reinforce", "features": FEATURES, "baseline": [None, "linear"],
             "update": "per_episode", "normalize_returns": False, "lr": 0.01, "baseline_lr": 0.1}
ACTOR_CRITIC = {"algo": "actor-critic", "features": FEATURES, "lr": 0.01, "critic_lr": 0.01,
                "optimizer": "sgd", "lambda_actor": 0.0, "lambda_critic": 0.0}  # the book's one-step box


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run both sweeps, print a summary, write the PNG."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--seeds", type=int, default=50, help="runs per configuration (default 50)")
    p.add_argument("--timesteps", type=int, default=50_000, help="steps per run (default 50000)")
    p.add_argument("--tiny", action="store_true", help="2 seeds x 1000 steps: a smoke run")
    p.add_argument("--out", default="fig13_2_actor_critic.png", help="PNG to write")
    args = p.parse_args(argv)
    seeds, steps = (2, 1000) if args.tiny else (args.seeds, args.timesteps)
    env = functools.partial(pgfast.envs.make, "CartPole-v1")
    runs = [pgfast.sweep(env, grid, seeds=seeds, total_timesteps=steps, eval_episodes=10,
                         threshold=475.0, progress_bar=False) for grid in (REINFORCE, ACTOR_CRITIC)]
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    for res in runs:
        pgfast.plot_sweep(res, ax=ax)
        for row in res.summary():
            hit = row["steps_to_threshold"]
            print(f"{row['label'][:32]:<32} greedy return {row['eval_mean']:6.1f} +/- {row['eval_std']:5.1f} "
                  f"over {row['n_runs']} seeds; median steps to a mean return of 475: "
                  f"{'not reached' if hit is None else f'{hit:.0f}'}")
    names = ["REINFORCE", "REINFORCE with baseline", "one-step actor-critic"]
    handles, labels = ax.get_legend_handles_labels()
    ax.legend(handles, [f"{n} ({label.rsplit('(', 1)[-1]}" for n, label in zip(names, labels)],
              loc="lower right", fontsize="small")
    ax.set_title(f"CartPole-v1, Fourier(3) features: mean ± std over {seeds} seeds")
    fig.tight_layout()
    fig.savefig(args.out, dpi=100)
    print(f"wrote {args.out}")
    return 0 if not any(res.errors for res in runs) else 1


if __name__ == "__main__":
    # exit only on failure: the docs gallery runs this file as __main__ in-process
    if main() != 0:
        sys.exit(1)
