"""Print the zoo table (Markdown) of the docs' zoo guide from the zoo file.
===========================================================================

Usage::

    python examples/zoo_table.py                 # the installed pgfast's zoo.json
    python examples/zoo_table.py --zoo python/pgfast/zoo.json
    python examples/zoo_table.py --zoo python/pgfast/zoo.json --readme docs/guides/zoo.md  # rewrite it there

Per entry: the algorithm and features, the steps, the greedy mean return over seeds 0-4
(mean ± std, and the worst seed), the training seconds per seed, the target, a random
policy and the rl-baselines3-zoo figure (MLP policies) for scale.
"""

from __future__ import annotations

import argparse
import json
from importlib import resources

import numpy as np

# Random policy (issue 14's table) and rl-baselines3-zoo (algorithm, result, steps).
RANDOM = {"CartPole-v1": "23", "Acrobot-v1": "−487", "MountainCar-v0": "−200",
          "MountainCarContinuous-v0": "−33", "Pendulum-v1": "−1246", "InvertedPendulum-v5": "4",
          "FrozenLake-v1": "0", "Taxi-v4": "−777", "CliffWalking-v1": "—", "Blackjack-v1": "−0.4",
          "LunarLander-v3": "−227"}
RL_ZOO = {"CartPole-v1": "PPO 500 (100k)", "Acrobot-v1": "A2C −83 (500k)",
          "MountainCar-v0": "PPO −110 (1M)", "MountainCarContinuous-v0": "PPO 88 (20k)",
          "Pendulum-v1": "PPO −170 (2M)", "LunarLander-v3": "PPO 242 (1M)"}


def table(zoo: dict[str, dict]) -> str:
    """Return the Markdown table of the zoo entries."""
    rows = ["| env | pgfast zoo (seeds 0–4: mean ± std; worst) | target | algorithm, features | steps "
            "| s / seed | random | rl-zoo (MLP) |", "|---|---|---|---|---|---|---|---|"]
    for env_id, e in sorted(zoo.items()):
        m = np.array(e["result"]["greedy_mean"], dtype=float)
        reached = "✓" if m.min() >= e["target"] else "✗"
        digits = 2 if abs(e["target"]) < 10 else 0
        feats = e["features"] or "raw"
        hp = ", ".join(f"{k}={v}" for k, v in e["hyperparameters"].items())
        rows.append(
            f"| {env_id} | {m.mean():.{digits}f} ± {m.std():.{digits}f}; {m.min():.{digits}f} {reached} "
            f"| {e['target']:g} | {e['algo']}, {feats} ({hp}) | {e['total_timesteps']:,} "
            f"| {np.mean(e['result']['train_seconds']):.1f} | {RANDOM.get(env_id, '—')} "
            f"| {RL_ZOO.get(env_id, '—')} |"
        )
    return "\n".join(rows)


def main() -> None:
    """Print the table."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--zoo", default=None, help="a zoo.json (default: the installed one)")
    p.add_argument("--readme", default=None,
                   help="replace the table between <!-- zoo-table --> and <!-- /zoo-table --> there")
    args = p.parse_args()
    if args.zoo is None:
        text = resources.files("pgfast").joinpath("zoo.json").read_text(encoding="utf-8")
    else:
        with open(args.zoo, encoding="utf-8") as f:
            text = f.read()
    md = table(json.loads(text))
    if args.readme is None:
        print(md)
        return
    with open(args.readme, encoding="utf-8") as f:
        readme = f.read()
    start, end = "<!-- zoo-table -->\n", "<!-- /zoo-table -->"
    i, j = readme.index(start) + len(start), readme.index(end)
    with open(args.readme, "w", encoding="utf-8") as f:
        f.write(readme[:i] + md + "\n" + readme[j:])


if __name__ == "__main__":
    main()
