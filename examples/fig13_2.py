"""REINFORCE with and without a baseline over many seeds: the shape of S&B Fig. 13.2.
==================================================================================

Sutton & Barto (2nd ed., Fig. 13.2) average 100 runs of REINFORCE with and without a
learned state-value baseline (eq. 13.11) and show that the baseline learns faster. This
script does the same on CartPole-v1 with one :func:`pgfast.sweep` call: a linear
softmax policy, a linear baseline v(s, w) = w . [s, 1], one update per episode on the
raw (not standardised) returns, Adam step sizes 0.01 (policy) and 0.1 (baseline).
It draws the mean ± std over seeds of the return against training steps, and prints
the greedy return at the end of training.

    python examples/fig13_2.py                 # 50 seeds x 50 000 steps, ~30 s on 2 cores
    python examples/fig13_2.py --tiny          # a few seconds: the smoke test

The book's own setting (plain SGD, the gamma^t factor, per-step updates) is one grid
away: ``update="per_step", discount_gradient=True, optimizer="sgd"``, with much smaller
step sizes.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Optional

import pgfast

GRID = {
    "baseline": [None, "linear"],   # the comparison of Fig. 13.2
    "update": "per_episode",         # one step per episode, on the sum over its steps
    "normalize_returns": False,      # the baseline, not a standardisation, centres G_t
    "lr": 0.01,                      # alpha_theta
    "baseline_lr": 0.1,              # alpha_w
}


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the sweep, print a summary, write the PNG (and the JSON-lines results)."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--seeds", type=int, default=50, help="runs per configuration (default 50)")
    p.add_argument("--timesteps", type=int, default=50_000, help="steps per run (default 50000)")
    p.add_argument("--tiny", action="store_true", help="2 seeds x 1000 steps: a smoke run")
    p.add_argument("--out", default="fig13_2.png", help="PNG to write (default fig13_2.png)")
    p.add_argument("--results", default=None, help="also append the runs to this JSON-lines file")
    p.add_argument("--executor", choices=["local", "ray", "serial"], default="local")
    args = p.parse_args(argv)
    seeds, steps = (2, 1000) if args.tiny else (args.seeds, args.timesteps)

    res = pgfast.sweep("CartPole-v1", GRID, seeds=seeds, total_timesteps=steps,
                       executor=args.executor, eval_episodes=10, threshold=195.0,
                       results_file=args.results, progress_bar=not args.tiny)
    for row in res.summary():
        hit = row["steps_to_threshold"]
        print(f"{row['label']:<16} greedy return {row['eval_mean']:6.1f} +/- {row['eval_std']:5.1f} "
              f"over {row['n_runs']} seeds; median steps to a mean return of 195: "
              f"{'not reached' if hit is None else f'{hit:.0f}'}")
    res.plot(args.out, title=f"REINFORCE on CartPole-v1 (mean ± std over {seeds} seeds)")
    print(f"wrote {args.out}")
    return 0 if not res.errors else 1


if __name__ == "__main__":  # required: the sweep's worker processes import this module
    # exit only on failure: the docs gallery runs this file as __main__ in-process
    if main() != 0:
        sys.exit(1)
