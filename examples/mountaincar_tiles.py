"""MountainCar-v0 with tile coding (S&B §9.5.4 and Example 10.1's features).
=========================================================================

Eight asymmetrically offset 8x8 tilings over (position, velocity): 648 binary features
of which 8 are active per state. The learner stores and updates only the active tiles.
REINFORCE with a linear baseline; the episode is truncated at 200 steps (return -200
means the goal was not reached).

    python examples/mountaincar_tiles.py [--timesteps 200000] [--seed 0] [--log-dir DIR]
"""

from __future__ import annotations

import argparse

import pgfast
from pgfast.features import TileCoding


def main(argv: list[str] | None = None) -> float:
    """Train, evaluate greedily, print and return the mean evaluation return."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--timesteps", type=int, default=200_000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--log-dir", default=None,
                   help="write progress.csv and the learning curve (learning_curve.png) there")
    args = p.parse_args(argv)
    agent = pgfast.Reinforce(
        "MountainCar-v0", features=TileCoding(n_tilings=8, tiles_per_dim=8), lr=0.05,
        baseline="linear", entropy_coef=0.01, seed=args.seed,
    )
    agent.learn(args.timesteps, progress_bar=True, log_dir=args.log_dir)
    mean, std = agent.evaluate(n_episodes=20, seed=args.seed)
    print(f"TileCoding(8 x 8x8), {agent.spaces.n_features} tiles: greedy return {mean:.1f} +/- {std:.1f}")
    return mean


if __name__ == "__main__":
    main()
